// The model's render cache (model/render_cache.h): a model built with the
// cache equals one built without, after link targets appear, disappear and
// move while the linking document stays the same; a corrupt cache is ignored.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "config/config.h"
#include "content/loader.h"
#include "markdown/markdown.h"
#include "model/body_store.h"
#include "model/site_model.h"
#include "util/hash.h"

using namespace casebook;
namespace fs = std::filesystem;

namespace {

content::Document Doc(const std::string& id, const std::string& path, const std::string& body) {
  content::Document d;
  d.id = id;
  d.relative_path = path;
  d.path = "content/" + path;
  d.title = "Title of " + id;
  d.summary = "See [[" + id + "-x]] and *more*.";
  d.timeline.push_back({*util::ParseDateTime("2024-01-02T10:00:00Z"), "Linked [[b]] here", 7});
  d.actions.push_back({"Fix **it** per [[c]]", "ann", std::nullopt, "", "open", 9});
  d.body = body;
  d.body_line = 5;
  d.source_hash = util::Fingerprint(path + "\n" + body);  // what LoadAll would set
  return d;
}

std::string Dump(const model::SiteModel& m, const util::Diagnostics& diags) {
  std::string out;
  for (const auto& pm : m.postmortems) {
    // With a cache, the HTML and plain text are read from its text file.
    out += pm.id() + "\n" + model::BodyHtml(pm) + model::BodyPlainText(pm) + "\n" +
           pm.body_hash + "\n" + pm.summary_html + "\n" + pm.lessons_heading + ": " +
           pm.lessons + "\n";
    for (const auto& h : pm.body.headings)
      out += h.text + "#" + h.anchor + "@" + std::to_string(h.line) + "\n";
    for (const auto& l : pm.body.links)
      out += l.target + (l.wiki ? " wiki " : " path ") + std::to_string(l.resolved) + " " +
             std::to_string(l.line) + ":" + std::to_string(l.column) + "\n";
    for (const auto& s : pm.timeline_html) out += s + "\n";
    for (const auto& s : pm.action_html) out += s + "\n";
    // The fragments' digest, made when rendered or read back with them.
    const auto digest = pm.fragments_digest;
    out += "fragments " + std::to_string(digest[0]) + " " + std::to_string(digest[1]) + "\n";
    CHECK(digest == model::ComputeFragmentsDigest(pm));
    for (int r : pm.referenced_by) out += "ref " + m.postmortems[r].id() + "\n";
  }
  for (const auto& d : diags.items()) out += d.Format() + "\n";
  if (m.body_store) {
    const util::Diagnostics failures = m.body_store->Failures();  // a copy: keep it alive
    for (const auto& d : failures.items()) out += d.Format() + "\n";
    // Nothing of a stored body but its headings and links stays in memory.
    for (const auto& pm : m.postmortems)
      if (!pm.stored.store || !pm.body.html.empty() || !pm.body.plain_text.empty())
        out += pm.id() + ": body held in memory\n";
  }
  return out;
}

std::string Build(const config::SiteConfig& cfg, const std::vector<content::Document>& docs,
                  const std::string& cache) {
  markdown::Init();
  model::BuildModelOptions o;
  o.today = *util::ParseDateTime("2024-06-01");
  o.jobs = 2;
  o.cache_dir = cache;
  util::Diagnostics diags;
  auto m = model::BuildSiteModel(cfg, docs, content::GitHistory(), o, &diags);
  return Dump(m, diags);
}

}  // namespace

TEST_CASE("a model from the render cache equals a fresh one as links come and go",
          "[model][cache]") {
  char tmpl[] = "/tmp/casebook-model-cache-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const std::string cache = std::string(tmpl) + "/.casebook";
  config::SiteConfig cfg;
  cfg.base_url = "https://x.example/pm/";

  const std::string linking =
      "## Summary\n\nSee [[b]], [[c|the c one]], [[gone]] and [the file](../2023/c.md#part).\n\n"
      "## Tom & Jerry\n\n~~struck~~ www.example.com\n\n## Lessons learned\n\nKeep *pools* small.\n";
  std::vector<content::Document> docs = {Doc("a", "2024/a.md", linking),
                                          Doc("b", "2024/b.md", "Plain *b*.\n")};
  auto check = [&](const std::string& step) {
    INFO(step);
    const std::string fresh = Build(cfg, docs, "");
    CHECK(Build(cfg, docs, cache) == fresh);  // may write the cache
    CHECK(Build(cfg, docs, cache) == fresh);  // from the cache
    return fresh;
  };
  std::string v1 = check("c missing: broken links, warnings");
  CHECK(v1.find("links/broken") != std::string::npos);

  docs.push_back(Doc("c", "2023/c.md", "C body\n"));
  std::string v2 = check("c appears: the unchanged linking page now links to it");
  CHECK(v2.find("/pm/postmortems/c/#part") != std::string::npos);

  docs[2].id = "c2";  // c's id changes (same file): its URL moves
  docs[2].source_hash = util::Fingerprint("other bytes");
  check("c moves to another URL");

  docs.pop_back();
  check("c disappears again");

  cfg.markdown_unsafe = true;
  check("markdown.unsafe changes");
  cfg.base_url = "/";
  check("the base URL changes");

  // A corrupt cache is ignored.
  for (const auto& e : fs::directory_iterator(cache)) {
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(e.path()) / 2));
    f.put('\x7f');
  }
  CHECK(Build(cfg, docs, cache) == Build(cfg, docs, ""));
  fs::remove_all(tmpl);
}

TEST_CASE("a body the text file lost or damaged is rendered again from its file",
          "[model][cache]") {
  char tmpl[] = "/tmp/casebook-model-text-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const std::string root = tmpl, cache = root + "/.casebook";
  fs::create_directories(root + "/content/2024");
  std::ofstream(root + "/content/2024/2024-01-01-a.md")
      << "+++\ntitle = \"A\"\n+++\n## Summary\n\nSee [[2024-01-02-b]].\n\n"
         "## Lessons learned\n\nSmall *pools*.\n";
  std::ofstream(root + "/content/2024/2024-01-02-b.md") << "# B\n\nPlain **b** body.\n";
  config::SiteConfig cfg;
  cfg.root = root;
  cfg.base_url = "https://x.example/";
  // As a build loads and models: no Markdown kept, bodies in the text file.
  auto model = [&](const std::string& cache_dir, util::Diagnostics* diags) {
    markdown::Init();
    content::LoadOptions load;
    load.cache_dir = cache_dir;
    load.bodies = cache_dir.empty();
    auto loaded = content::LoadAll(cfg, load, diags);
    model::BuildModelOptions o;
    o.today = *util::ParseDateTime("2024-06-01");
    o.cache_dir = cache_dir;
    o.keep_markdown = cache_dir.empty();
    return model::BuildSiteModel(cfg, std::move(loaded.documents), content::GitHistory(), o,
                                 diags);
  };
  util::Diagnostics diags;
  const std::string fresh = Dump(model("", &diags), diags);
  diags = util::Diagnostics();
  model(cache, &diags);  // writes the caches
  std::string text_file;
  for (const auto& e : fs::directory_iterator(cache))
    if (e.path().filename().string().rfind("bodytext-", 0) == 0) text_file = e.path().string();
  REQUIRE(!text_file.empty());

  SECTION("every body byte damaged") {
    std::string bytes;
    {
      std::ifstream in(text_file, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    for (size_t i = 40; i < bytes.size(); ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x20);
    std::ofstream(text_file, std::ios::binary | std::ios::trunc) << bytes;
    diags = util::Diagnostics();
    auto m = model(cache, &diags);
    REQUIRE(m.postmortems.size() == 2);
    CHECK(m.postmortems[0].stored.store != nullptr);  // taken from the records
    CHECK(Dump(m, diags) == fresh);
  }
  SECTION("the text file cut short") {
    fs::resize_file(text_file, 60);
    diags = util::Diagnostics();
    CHECK(Dump(model(cache, &diags), diags) == fresh);
  }
  SECTION("damaged, and the source changed since it was loaded: a clear error") {
    diags = util::Diagnostics();
    auto m = model(cache, &diags);
    fs::resize_file(text_file, 45);
    std::ofstream(root + "/content/2024/2024-01-02-b.md", std::ios::app) << "More.\n";
    const model::Postmortem* b = m.FindById("2024-01-02-b");
    REQUIRE(b != nullptr);
    CHECK(model::BodyHtml(*b).empty());
    const auto failures = m.body_store->Failures().items();
    REQUIRE(failures.size() == 1);
    CHECK(failures[0].file.find("2024-01-02-b.md") != std::string::npos);
    CHECK(failures[0].message.find("changed") != std::string::npos);
  }
  fs::remove_all(tmpl);
}

namespace {

// Everything the steps after the bodies give (links, dates, taxonomies,
// archive, actions) and every finding, in order.
std::string DumpGrouping(const model::SiteModel& m, const util::Diagnostics& diags) {
  std::string out = Dump(m, diags);
  for (const auto& pm : m.postmortems) {
    out += pm.id() + " rank " + std::to_string(pm.severity_rank) + " plausible " +
           std::to_string(pm.incident_date_plausible) + " prev " + std::to_string(pm.previous) +
           " next " + std::to_string(pm.next) + " related";
    for (int r : pm.related) out += " " + std::to_string(r);
    out += "\n";
  }
  for (const auto& tax : m.taxonomies)
    for (const auto& term : tax.terms) {
      out += tax.key + "/" + term.slug + " " + term.name + ":";
      for (int p : term.postmortems) out += " " + std::to_string(p);
      out += "\n";
    }
  for (const auto& y : m.archive)
    for (const auto& mo : y.months) out += std::to_string(y.year) + "-" + std::to_string(mo.month) + "\n";
  for (const auto& a : m.actions) out += std::to_string(a.postmortem) + "." + std::to_string(a.action) + "\n";
  return out;
}

}  // namespace

TEST_CASE("a model built with the render cache read ahead, on many threads, equals a plain one",
          "[model][cache]") {
  char tmpl[] = "/tmp/casebook-model-ahead-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const std::string cache = std::string(tmpl) + "/.casebook";
  config::SiteConfig cfg;
  cfg.severities = config::DefaultSeverities();
  // Findings from every step: an unknown severity, a related id that does
  // not exist, an implausible date, a tag with no letter, broken links.
  std::vector<content::Document> docs;
  for (int i = 0; i < 30; ++i) {
    const std::string id = "pm-" + std::to_string(i);
    content::Document d = Doc(id, "20" + std::to_string(10 + i % 5) + "/" + id + ".md",
                              "See [[pm-" + std::to_string((i + 7) % 30) + "]] and [[gone]].\n");
    d.date = *util::ParseDateTime(i == 4 ? "0001-01-01" : "2024-0" + std::to_string(1 + i % 9) + "-1" +
                                                              std::to_string(i % 10));
    d.severity = i % 6 == 0 ? "SEV9" : "SEV" + std::to_string(1 + i % 3);
    d.tags = {i % 4 == 0 ? "🔥" : "queue", i % 3 == 0 ? "Retries" : "retries"};
    d.services = {"svc-" + std::to_string(i % 4)};
    if (i % 5 == 0) d.related = {"pm-" + std::to_string(i + 1), "missing-" + std::to_string(i)};
    docs.push_back(d);
  }
  auto build = [&](int jobs, const std::string& cache_dir, bool ahead) {
    markdown::Init();
    model::BuildModelOptions o;
    o.today = *util::ParseDateTime("2024-06-01");
    o.jobs = jobs;
    o.cache_dir = cache_dir;
    std::unique_ptr<model::RenderCacheReadAhead> read_ahead;
    if (ahead) {
      read_ahead = std::make_unique<model::RenderCacheReadAhead>(cfg, cache_dir, jobs);
      o.read_ahead = read_ahead.get();
    }
    util::Diagnostics diags;
    auto m = model::BuildSiteModel(cfg, docs, content::GitHistory(), o, &diags);
    return DumpGrouping(m, diags);
  };
  const std::string serial = build(1, "", false);
  for (const char* rule : {"schema/severity", "links/related", "times/implausible",
                           "names/fallback-slug", "links/broken"})
    CHECK(serial.find(rule) != std::string::npos);
  CHECK(build(4, "", false) == serial);
  CHECK(build(2, cache, true) == serial);  // writes the cache
  CHECK(build(2, cache, true) == serial);  // reads it ahead
  CHECK(build(1, cache, true) == serial);

  // A read made for another config object is not used, even with the same
  // settings: BuildSiteModel reads the cache itself then.
  config::SiteConfig other = cfg;
  model::RenderCacheReadAhead ahead(other, cache, 2);
  CHECK(ahead.Take(cfg, cache) == nullptr);
  model::RenderCacheReadAhead same(cfg, cache, 2);
  CHECK(same.Take(cfg, cache + "/other") == nullptr);
  fs::remove_all(tmpl);
}
