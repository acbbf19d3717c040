// SiteModel: ordering, incident dates, durations, links between postmortems,
// taxonomies, the date archive and the action list, from Documents built in
// memory (the loader has its own tests).
#include <catch2/catch.hpp>

#include "config/config.h"
#include "markdown/markdown.h"
#include "model/site_model.h"

using namespace casebook;

namespace {

util::DateTime At(const std::string& text) {
  auto t = util::ParseDateTime(text);
  REQUIRE(t.has_value());
  return *t;
}

content::Document Doc(const std::string& id, const std::string& path) {
  content::Document d;
  d.id = id;
  d.relative_path = path;
  d.title = "Title of " + id;
  return d;
}

config::SiteConfig Config() {
  config::SiteConfig cfg;
  cfg.severities = config::DefaultSeverities();
  return cfg;
}

model::SiteModel Build(const config::SiteConfig& cfg, std::vector<content::Document> docs,
                       util::Diagnostics* diags) {
  markdown::Init();
  model::BuildModelOptions options;
  options.today = At("2024-06-01");
  return model::BuildSiteModel(cfg, std::move(docs), content::GitHistory(), options, diags);
}

}  // namespace

TEST_CASE("incident date prefers started, then the first timeline entry, then date") {
  auto a = Doc("a", "a.md");
  a.incident.started = At("2023-05-01T10:00:00Z");
  a.date = At("2023-05-09");
  auto b = Doc("b", "b.md");
  b.timeline.push_back({At("2022-01-02T03:04:00Z"), "first", 10});
  b.date = At("2022-02-01");
  auto c = Doc("c", "c.md");
  c.date = At("2024-01-01");
  auto d = Doc("d", "d.md");  // no date at all: sorts last

  util::Diagnostics diags;
  auto cfg = Config();
  auto site = Build(cfg, {d, b, a, c}, &diags);
  REQUIRE(site.postmortems.size() == 4);
  CHECK(site.postmortems[0].id() == "c");
  CHECK(site.postmortems[1].id() == "a");
  CHECK(site.postmortems[2].id() == "b");
  CHECK(site.postmortems[3].id() == "d");
  CHECK(util::FormatRfc3339(*site.postmortems[1].incident_date) == "2023-05-01T10:00:00Z");
  CHECK(util::FormatRfc3339(*site.postmortems[2].incident_date) == "2022-01-02T03:04:00Z");
  CHECK_FALSE(site.postmortems[3].incident_date.has_value());
  // Previous/next by incident date, only among dated postmortems.
  CHECK(site.postmortems[0].previous == 1);
  CHECK(site.postmortems[1].next == 0);
  CHECK(site.postmortems[2].previous == -1);
  CHECK(site.postmortems[3].next == -1);
  CHECK(site.by_id.at("a") == 1);
}

TEST_CASE("durations are computed in UTC across offsets and left unknown when an end is missing") {
  content::IncidentTimes t;
  t.started = At("2024-03-12T23:50:00+01:00");   // 22:50 UTC
  t.detected = At("2024-03-12T22:57:00Z");       // 7 min later
  t.mitigated = At("2024-03-13T01:55:00+02:00"); // 23:55 UTC: 65 min
  auto d = model::ComputeDurations(t);
  REQUIRE(d.detect);
  CHECK(*d.detect == 7 * 60);
  REQUIRE(d.mitigate);
  CHECK(*d.mitigate == 65 * 60);
  CHECK_FALSE(d.resolve.has_value());
  CHECK(util::FormatDuration(*d.mitigate) == "1 h 5 min");
}

TEST_CASE("links by path and by id resolve, broken ones are warnings with a line") {
  auto a = Doc("2023-11-02-primary-failover", "2023/2023-11-02-primary-failover.md");
  a.date = At("2023-11-02");
  auto b = Doc("checkout-pool", "2024/checkout-pool.md");
  b.date = At("2024-03-12");
  b.body_line = 10;
  b.body = "See [the failover](../2023/2023-11-02-primary-failover.md#timeline).\n\n"
           "Also [[2023-11-02-primary-failover]] and [[no-such-id]].\n";
  b.related = {"2023-11-02-primary-failover", "missing-one"};
  b.key_lines.Set("related", 7);

  util::Diagnostics diags;
  auto cfg = Config();
  auto site = Build(cfg, {a, b}, &diags);
  const auto* pb = site.FindById("checkout-pool");
  REQUIRE(pb);
  CHECK(pb->body.html.find("href=\"/postmortems/2023-11-02-primary-failover/#timeline\"") !=
        std::string::npos);
  CHECK(pb->body.html.find("no-such-id") != std::string::npos);
  CHECK(pb->body.html.find("[[no-such-id]]") == std::string::npos);

  const auto* pa = site.FindById("2023-11-02-primary-failover");
  REQUIRE(pa);
  REQUIRE(pa->referenced_by.size() == 1);
  CHECK(site.postmortems[pa->referenced_by[0]].id() == "checkout-pool");
  REQUIRE(pb->related.size() == 1);

  int broken = 0, related = 0;
  for (const auto& d : diags.items()) {
    if (d.rule == "links/broken") {
      ++broken;
      CHECK(d.file == "2024/checkout-pool.md");
      CHECK(d.line == 12);
      CHECK(d.level == util::Level::kWarning);
    }
    if (d.rule == "links/related") {
      ++related;
      CHECK(d.line == 7);
    }
  }
  CHECK(broken == 1);
  CHECK(related == 1);
  CHECK_FALSE(diags.HasErrors());
}

TEST_CASE("duplicate ids are errors naming both files, unknown severities are errors") {
  auto a = Doc("same", "a/same.md");
  auto b = Doc("same", "b/same.md");
  b.key_lines.Set("id", 3);
  auto c = Doc("c", "c.md");
  c.severity = "SEV9";
  c.key_lines.Set("severity", 5);
  util::Diagnostics diags;
  auto cfg = Config();
  auto site = Build(cfg, {b, a, c}, &diags);
  CHECK(site.postmortems.size() == 2);
  bool dup = false, sev = false;
  for (const auto& d : diags.items()) {
    if (d.rule == "schema/duplicate-id") {
      dup = true;
      CHECK(d.file == "b/same.md");
      CHECK(d.line == 3);
      CHECK(d.message.find("a/same.md") != std::string::npos);
    }
    if (d.rule == "schema/severity") {
      sev = true;
      CHECK(d.line == 5);
      CHECK(d.hint.find("SEV1") != std::string::npos);
    }
  }
  CHECK(dup);
  CHECK(sev);
  CHECK(diags.ErrorCount() == 2);
}

TEST_CASE("taxonomies group by slug, keep site.toml severity order, and include custom keys") {
  auto a = Doc("a", "a.md");
  a.date = At("2024-01-05");
  a.tags = {"Database", "deploy"};
  a.severity = "SEV2";
  a.extra["categories"] = util::Value::Strings({"Capacity"});
  auto b = Doc("b", "b.md");
  b.date = At("2023-12-30");
  b.tags = {"database"};
  b.severity = "SEV1";
  auto c = Doc("c", "c.md");
  c.date = At("2024-01-20");
  c.tags = {"database"};
  c.severity = "SEV2";

  auto cfg = Config();
  cfg.taxonomies = {"tags", "severity", "categories"};
  util::Diagnostics diags;
  auto site = Build(cfg, {a, b, c}, &diags);

  const auto* tags = site.FindTaxonomy("tags");
  REQUIRE(tags);
  REQUIRE(tags->terms.size() == 2);
  CHECK(tags->terms[0].slug == "database");
  CHECK(tags->terms[0].name == "database");  // the most common spelling
  CHECK(tags->terms[0].postmortems.size() == 3);
  CHECK(tags->terms[1].slug == "deploy");

  const auto* sev = site.FindTaxonomy("severity");
  REQUIRE(sev);
  REQUIRE(sev->terms.size() == cfg.severities.size());
  CHECK(sev->terms[0].name == "SEV1");
  CHECK(sev->terms[0].postmortems.size() == 1);
  CHECK(sev->terms[1].postmortems.size() == 2);
  CHECK(sev->terms[3].postmortems.empty());

  const auto* cats = site.FindTaxonomy("categories");
  REQUIRE(cats);
  REQUIRE(cats->terms.size() == 1);
  CHECK(cats->terms[0].name == "Capacity");
  CHECK(cats->label == "Categories");

  // Archive: 2024 (Jan: c, a) then 2023 (Dec: b).
  REQUIRE(site.archive.size() == 2);
  CHECK(site.archive[0].year == 2024);
  CHECK(site.archive[0].count == 2);
  REQUIRE(site.archive[0].months.size() == 1);
  CHECK(site.archive[0].months[0].month == 1);
  CHECK(site.archive[1].year == 2023);
  CHECK(site.archive[1].months[0].month == 12);
}

TEST_CASE("action items: open first, then by due date") {
  auto a = Doc("a", "a.md");
  a.date = At("2024-01-01");
  a.actions.push_back({"done one", "x", At("2024-01-01"), "T-1", "done", 1});
  a.actions.push_back({"open late", "x", At("2024-09-01"), "T-2", "open", 2});
  auto b = Doc("b", "b.md");
  b.date = At("2023-01-01");
  b.actions.push_back({"open early", "y", At("2024-02-01"), "T-3", "open", 1});
  b.actions.push_back({"open undated", "y", std::nullopt, "", "open", 2});
  util::Diagnostics diags;
  auto cfg = Config();
  auto site = Build(cfg, {a, b}, &diags);
  REQUIRE(site.actions.size() == 4);
  auto text = [&](int i) {
    const auto& r = site.actions[i];
    return site.postmortems[r.postmortem].doc.actions[r.action].text;
  };
  CHECK(text(0) == "open early");
  CHECK(text(1) == "open late");
  CHECK(text(2) == "open undated");
  CHECK(text(3) == "done one");
}

TEST_CASE("rendering on several threads gives the same model as one thread") {
  std::vector<content::Document> docs;
  for (int i = 0; i < 40; ++i) {
    auto d = Doc("pm-" + std::to_string(i), "pm-" + std::to_string(i) + ".md");
    d.date = At("2024-01-01");
    d.body = "## Impact\n\nSee [[pm-" + std::to_string((i + 1) % 40) + "]] and [[gone-" +
             std::to_string(i) + "]].\n";
    docs.push_back(d);
  }
  auto cfg = Config();
  markdown::Init();
  model::BuildModelOptions one, many;
  one.jobs = 1;
  many.jobs = 4;
  util::Diagnostics d1, d4;
  auto s1 = model::BuildSiteModel(cfg, docs, content::GitHistory(), one, &d1);
  auto s4 = model::BuildSiteModel(cfg, docs, content::GitHistory(), many, &d4);
  REQUIRE(s1.postmortems.size() == s4.postmortems.size());
  for (size_t i = 0; i < s1.postmortems.size(); ++i)
    CHECK(s1.postmortems[i].body.html == s4.postmortems[i].body.html);
  REQUIRE(d1.items().size() == d4.items().size());
  for (size_t i = 0; i < d1.items().size(); ++i)
    CHECK(d1.items()[i].Format() == d4.items()[i].Format());
}

TEST_CASE("ShrinkToFit gives back spare room and changes no value") {
  // What push_back leaves spare: room for more than was added.
  model::Postmortem pm;
  pm.doc = Doc("2024-01-02-queue", "2024/queue.md");
  pm.doc.summary.reserve(500);
  pm.doc.summary = "The queue backed up for an hour.";
  pm.doc.tags.reserve(16);
  pm.doc.tags = {"queue", "a tag long enough to leave the small-string buffer"};
  pm.doc.timeline.reserve(8);
  pm.doc.timeline.push_back({At("2024-01-02T10:00:00Z"), "Backlog grows.", 12});
  pm.doc.actions.reserve(8);
  pm.doc.actions.push_back({"Alert on queue depth", "team-queue", At("2024-02-01"), "Q-1", "open", 20});
  pm.url = "postmortems/2024-01-02-queue/";
  pm.body.headings.reserve(32);
  pm.body.headings.push_back({2, "Impact", "impact", 30});
  pm.body.headings.push_back({2, "Lessons learned", "lessons-learned", 40});
  pm.answers.reserve(8);
  pm.answers.push_back({"2023/other.md", false, false, true, "postmortems/other/"});
  pm.timeline_html.reserve(8);
  pm.timeline_html = {"Backlog <em>grows</em>."};
  pm.action_html.reserve(8);
  pm.action_html = {"Alert on queue depth"};
  pm.lessons.reserve(300);
  pm.lessons = "Watch the queue.";
  pm.related.reserve(10);
  pm.related = {3};
  pm.referenced_by.reserve(10);
  pm.referenced_by = {4, 5};
  const model::Postmortem before = pm;  // a copy: exact capacities

  model::ShrinkToFit(&pm);

  CHECK(pm.doc.summary == before.doc.summary);
  CHECK(pm.doc.tags == before.doc.tags);
  REQUIRE(pm.doc.timeline.size() == 1);
  CHECK(pm.doc.timeline[0].text == "Backlog grows.");
  CHECK(pm.doc.timeline[0].at == before.doc.timeline[0].at);
  REQUIRE(pm.doc.actions.size() == 1);
  CHECK(pm.doc.actions[0].owner == "team-queue");
  CHECK(pm.doc.actions[0].ticket == "Q-1");
  CHECK(pm.url == before.url);
  REQUIRE(pm.body.headings.size() == 2);
  CHECK(pm.body.headings[1].anchor == "lessons-learned");
  REQUIRE(pm.answers.size() == 1);
  CHECK(pm.answers[0].url == "postmortems/other/");
  CHECK(pm.timeline_html == before.timeline_html);
  CHECK(pm.action_html == before.action_html);
  CHECK(pm.lessons == before.lessons);
  CHECK(pm.related == before.related);
  CHECK(pm.referenced_by == before.referenced_by);

  // No room left over (what the build gains).
  CHECK(pm.doc.summary.capacity() < 500);
  CHECK(pm.doc.tags.capacity() == pm.doc.tags.size());
  CHECK(pm.doc.timeline.capacity() == 1);
  CHECK(pm.doc.actions.capacity() == 1);
  CHECK(pm.body.headings.capacity() == 2);
  CHECK(pm.answers.capacity() == 1);
  CHECK(pm.timeline_html.capacity() == 1);
  CHECK(pm.action_html.capacity() == 1);
  CHECK(pm.lessons.capacity() < 300);
  CHECK(pm.related.capacity() == 1);
  CHECK(pm.referenced_by.capacity() == 2);
}
