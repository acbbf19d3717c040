// The briefing for `casebook brief`: matching, order, lessons, open action
// items, similar incidents, and the three output forms.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "search/brief.h"
#include "search/index_builder.h"
#include "search/similar.h"
#include "search_fixture.h"
#include "test_support.h"

namespace cb = casebook;

namespace {

std::vector<std::string> Ids(const cb::search::Brief& b) {
  std::vector<std::string> ids;
  for (const auto& i : b.incidents) ids.push_back(i.id);
  return ids;
}

struct Fixture {
  cb::config::SiteConfig cfg = cb::test::FixtureConfig();
  cb::model::SiteModel site;
  Fixture() {
    cfg.base_url = "https://pm.example.com/";
    site = cb::test::MakeSite(cb::test::FixtureSpecs(), &cfg);
    site.today = *cb::util::ParseDateTime("2024-03-01");
    auto& failover = site.postmortems[site.by_id.at("db-failover")].doc;
    failover.body =
        "## Summary\nThe primary crashed.\n\n## Lessons learned\n\n"
        "- **Alerts** were [late](../x.md) and `pg_stat` was not watched.\n"
        "- [ ] Practise failovers\n\n## Action items\n- none\n";
    failover.actions[0].due = cb::util::ParseDateTime("2023-04-01");
    failover.actions[0].ticket = "OPS-12";
  }
};

}  // namespace

TEST_CASE("brief: matches services and tags by slug, most severe then newest", "[search][brief]") {
  Fixture f;
  auto b = cb::search::MakeBrief(f.site, {"checkout"});
  CHECK(Ids(b) == std::vector<std::string>{"db-failover", "disk-full"});
  CHECK(b.unmatched.empty());

  b = cb::search::MakeBrief(f.site, {"Database", "payments api"});
  CHECK(Ids(b) == std::vector<std::string>{"payment-timeouts", "db-failover", "db-migration-lock",
                                           "disk-full"});
  CHECK(b.incidents[1].matched == std::vector<std::string>{"Database", "payments api"});
  CHECK(b.incidents[0].severity_label == "Critical");
  CHECK(b.incidents[0].date == "2024-02-20");
  CHECK(b.incidents[0].link == "https://pm.example.com/postmortems/payment-timeouts/");

  // Restricted to one taxonomy; custom taxonomies match too.
  CHECK(Ids(cb::search::MakeBrief(f.site, {"service:database"})).empty());
  CHECK(Ids(cb::search::MakeBrief(f.site, {"tag:database"})).size() == 3);
  CHECK(Ids(cb::search::MakeBrief(f.site, {"security"})) ==
        std::vector<std::string>{"cert-expiry"});
  // Severity is not a subject.
  CHECK(Ids(cb::search::MakeBrief(f.site, {"SEV1"})).empty());
}

TEST_CASE("brief: lessons learned and open action items", "[search][brief]") {
  Fixture f;
  auto b = cb::search::MakeBrief(f.site, {"failover"});
  REQUIRE(b.incidents.size() == 1);
  const auto& i = b.incidents[0];
  CHECK(i.lessons == "- Alerts were late and pg_stat was not watched.\n- Practise failovers");
  REQUIRE(i.open_actions.size() == 1);  // the done one is left out
  CHECK(i.open_actions[0].text == "Add replication lag alerting");
  CHECK(i.open_actions[0].owner == "Jane Doe");
  CHECK(i.open_actions[0].due == "2023-04-01");
  CHECK(i.open_actions[0].overdue);
  CHECK(i.source_path == "content/2023/2023-03-14-db-failover.md");

  std::string text = cb::search::BriefToText(b);
  CHECK(text.find("Briefing: failover") != std::string::npos);
  CHECK(text.find("SEV1 (Critical)  2023-03-14  Primary database failover stalled checkout") !=
        std::string::npos);
  CHECK(text.find("Lessons learned\n     - Alerts were late") != std::string::npos);
  CHECK(text.find(
            "- Add replication lag alerting (owner: Jane Doe; due 2023-04-01, OVERDUE; OPS-12)") !=
        std::string::npos);

  std::string md = cb::search::BriefToMarkdown(b);
  CHECK(md.find("### SEV1 (Critical) · 2023-03-14 · [Primary database failover stalled checkout]"
                "(https://pm.example.com/postmortems/db-failover/)") != std::string::npos);
  CHECK(md.find("**Lessons learned**") != std::string::npos);
  CHECK(md.find("- [ ] Add replication lag alerting") != std::string::npos);

  std::string json = cb::search::BriefToValue(b).ToJson();
  CHECK(json.find("\"lessons_learned\":\"- Alerts were late") != std::string::npos);
  CHECK(json.find("\"open_action_items\":[{") != std::string::npos);
  CHECK(json.find("\"overdue\":true") != std::string::npos);
}

TEST_CASE("brief: nothing matches", "[search][brief]") {
  Fixture f;
  auto b = cb::search::MakeBrief(f.site, {"mainframe", "fax"});
  CHECK(b.incidents.empty());
  CHECK(b.unmatched == std::vector<std::string>{"mainframe", "fax"});
  CHECK(cb::search::BriefToText(b).find("No past incidents for mainframe, fax") !=
        std::string::npos);
  CHECK(cb::search::BriefToMarkdown(b).find("No past incidents") != std::string::npos);
  CHECK(cb::search::BriefToValue(b).ToJson().find("\"incidents\":[]") != std::string::npos);
}

TEST_CASE("brief: similar incidents not already listed", "[search][brief]") {
  Fixture f;
  cb::test::TempDir dir;
  cb::util::Diagnostics diags;
  REQUIRE(cb::search::UpdateIndex(f.site, dir.path() + "/index", nullptr, &diags));
  cb::search::ComputeSimilar(dir.path() + "/index", &f.site);
  auto b = cb::search::MakeBrief(f.site, {"storage"});
  REQUIRE(Ids(b) == std::vector<std::string>{"disk-full"});
  REQUIRE(!b.similar.empty());
  for (const auto& s : b.similar) {
    CHECK(s.id != "disk-full");
    CHECK(s.similar_to == std::vector<std::string>{"disk-full"});
    CHECK(!s.shared_terms.empty());
  }
  CHECK(cb::search::BriefToText(b).find("Similar incidents") != std::string::npos);
  // Computing only the listed ones gives the same answer.
  auto only = cb::test::MakeSite(cb::test::FixtureSpecs(), &f.cfg);
  cb::search::ComputeSimilarFor(dir.path() + "/index", &only,
                                cb::search::BriefPostmortems(only, {"storage"}));
  auto b2 = cb::search::MakeBrief(only, {"storage"});
  REQUIRE(b2.similar.size() == b.similar.size());
  for (size_t k = 0; k < b.similar.size(); ++k) {
    CHECK(b2.similar[k].id == b.similar[k].id);
    CHECK(b2.similar[k].shared_terms == b.similar[k].shared_terms);
  }
  for (const auto& pm : only.postmortems)
    if (pm.doc.id != "disk-full") CHECK(pm.similar.empty());
  // Listed incidents are not repeated as similar ones.
  auto both = cb::search::MakeBrief(f.site, {"database"});
  for (const auto& s : both.similar)
    for (const auto& i : both.incidents) CHECK(s.id != i.id);
}

TEST_CASE("brief: Markdown to plain text", "[search][brief]") {
  using cb::search::MarkdownToPlain;
  CHECK(MarkdownToPlain("### What went well\n\n* **Fast** rollback\n") ==
        "What went well:\n\n- Fast rollback");
  CHECK(MarkdownToPlain("See [the runbook](https://x/y) and [[db-failover]].") ==
        "See the runbook and db-failover.");
  CHECK(MarkdownToPlain("```\ncode\n```\n> quoted\n") == "code\nquoted");
  CHECK(MarkdownToPlain("").empty());
}
