// The search page's data and the API's validation (server/search_pages.h),
// from hand-made search results: no index, no HTTP.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "server/search_pages.h"
#include "test_support.h"

using casebook::server::PageResponse;
using casebook::server::SearchOutcome;
using casebook::server::SearchPages;
using casebook::server::SearchParams;
using casebook::util::Value;

namespace {

casebook::config::SiteConfig Config(const casebook::test::TempDir& dir) {
  casebook::config::SiteConfig cfg;
  cfg.root = dir.path();
  cfg.base_url = "https://example.com/pm/";
  return cfg;
}

SearchOutcome Outcome(int64_t total, int hits) {
  SearchOutcome o;
  o.result.total = total;
  for (int i = 0; i < hits; ++i) {
    casebook::search::SearchHit h;
    h.id = "pm-" + std::to_string(i);
    h.url = "postmortems/pm-" + std::to_string(i) + "/";
    h.title = "Incident <" + std::to_string(i) + ">";
    h.severity = "SEV1";
    h.severity_label = "Critical";
    h.snippet_html = "a <mark>match</mark>";
    o.result.hits.push_back(h);
  }
  casebook::search::Facet f;
  f.key = "services";
  f.label = "Services";
  f.prefix = "service";
  f.values.push_back({"Checkout API", "checkout-api", 7});
  f.values.push_back({"Postgres", "postgres", 2});
  o.result.facets.push_back(f);
  casebook::search::Facet sev;
  sev.key = "severity";
  sev.label = "Severity";
  sev.prefix = "severity";
  sev.values.push_back({"SEV1", "sev1", 7});
  o.result.facets.push_back(sev);
  return o;
}

std::string Text(const Value& v, const std::string& key) {
  const Value* x = v.Find(key);
  return x ? x->ToText() : "";
}

}  // namespace

TEST_CASE("search page: results, links and badges", "[server]") {
  casebook::test::TempDir dir;
  SearchPages pages(Config(dir), nullptr, 1024);
  Value v = pages.PageData("db timeout", "relevance", Outcome(2, 2), 0);
  CHECK(Text(v, "query") == "db timeout");
  CHECK(v.Find("has_results")->as_bool());
  CHECK(v.Find("server_rendered")->as_bool());
  CHECK(Text(v, "total_label") == "2 results");
  const Value& first = v.Find("results")->as_list().at(0);
  CHECK(Text(first, "url") == "/pm/postmortems/pm-0/");
  CHECK(Text(first, "severity_color") == "#b91c1c");
  CHECK(Text(first, "snippet_html") == "a <mark>match</mark>");
  CHECK_FALSE(v.Find("has_pages")->as_bool());
}

TEST_CASE("search page: facets refine the query and active ones remove it", "[server]") {
  casebook::test::TempDir dir;
  SearchPages pages(Config(dir), nullptr, 1024);
  Value v = pages.PageData("db service:checkout-api", "date", Outcome(2, 2), 0);
  REQUIRE(v.Find("has_facets")->as_bool());
  const Value& services = v.Find("facets")->as_list().at(0);
  CHECK(Text(services, "name") == "Services");
  const auto& values = services.Find("values")->as_list();
  CHECK(Text(values[0], "label") == "Checkout API");
  CHECK(Text(values[0], "count") == "7");
  CHECK(values[0].Find("active")->as_bool());
  CHECK(Text(values[0], "url") == "/pm/search/?q=db&sort=date");
  CHECK_FALSE(values[1].Find("active")->as_bool());
  CHECK(Text(values[1], "url") ==
        "/pm/search/?q=db%20service%3Acheckout-api%20service%3Apostgres&sort=date");
  // Severity facets show the label from site.toml.
  const Value& sev = v.Find("facets")->as_list().at(1);
  CHECK(Text(sev.Find("values")->as_list().at(0), "label") == "Critical");
}

TEST_CASE("search page: pagination and did-you-mean", "[server]") {
  casebook::test::TempDir dir;
  SearchPages pages(Config(dir), nullptr, 1024);
  SearchOutcome o = Outcome(35, 10);
  o.result.corrected_query = "database";
  Value v = pages.PageData("databse", "relevance", o, 10);
  REQUIRE(v.Find("has_pages")->as_bool());
  const auto& list = v.Find("pages")->as_list();
  REQUIRE(list.size() == 4);
  CHECK(Text(list[0], "url") == "/pm/search/?q=databse");
  CHECK(Text(list[1], "number") == "2");
  CHECK(list[1].Find("current")->as_bool());
  CHECK(Text(list[3], "url") == "/pm/search/?q=databse&offset=30");
  CHECK(Text(*v.Find("previous_page"), "url") == "/pm/search/?q=databse");
  CHECK(Text(*v.Find("next_page"), "url") == "/pm/search/?q=databse&offset=20");
  CHECK(Text(v, "did_you_mean") == "database");
  CHECK(Text(v, "did_you_mean_url") == "/pm/search/?q=database");

  // After an automatic retry, refinements and pages build on the correction.
  o.result.auto_retried = true;
  Value retried = pages.PageData("databse", "relevance", o, 0);
  CHECK(Text(retried, "did_you_mean").empty());
  CHECK(Text(retried, "message").find("showing results for “database”") != std::string::npos);
  CHECK(Text(retried.Find("pages")->as_list().at(1), "url") == "/pm/search/?q=database&offset=10");
  const Value& facet = retried.Find("facets")->as_list().at(0).Find("values")->as_list().at(0);
  CHECK(Text(facet, "url") == "/pm/search/?q=database%20service%3Acheckout-api");

  // Many pages: a window around the current one.
  Value many = pages.PageData("x", "relevance", Outcome(1000, 10), 500);
  const auto& window = many.Find("pages")->as_list();
  CHECK(window.size() == 9);
  CHECK(Text(window.front(), "number") == "47");
  CHECK(Text(window.back(), "number") == "55");
}

TEST_CASE("search page: relaxed results say which words they lack, other spellings", "[server]") {
  casebook::test::TempDir dir;
  SearchPages pages(Config(dir), nullptr, 1024);
  SearchOutcome o = Outcome(2, 2);
  o.result.relaxed = true;
  o.result.words = {"okta", "breach"};
  o.result.hits[0].missing_words = {"breach"};
  o.result.corrected_query = "okta breach";
  o.result.suggestions = {"okta breach", "okta bench", "okay breach"};
  Value v = pages.PageData("okta braech", "relevance", o, 0);
  CHECK(Text(v, "relaxed_note") == "No postmortem has all 2 words; showing those with most of them.");
  const auto& results = v.Find("results")->as_list();
  CHECK(Text(results.at(0), "missing_note") == "matching 1 of 2 words \xE2\x80\x94 missing: breach");
  CHECK(Text(results.at(1), "missing_note").empty());
  CHECK(Text(v, "did_you_mean") == "okta breach");
  const auto& others = v.Find("other_suggestions")->as_list();
  REQUIRE(others.size() == 2);  // the first is the did-you-mean
  CHECK(Text(others[0], "query") == "okta bench");
  CHECK(Text(others[0], "url") == "/pm/search/?q=okta%20bench");
  // A result that is not relaxed and has no suggestions shows neither.
  Value plain = pages.PageData("x", "relevance", Outcome(1, 1), 0);
  CHECK(Text(plain, "relaxed_note").empty());
  CHECK_FALSE(plain.Find("has_other_suggestions")->as_bool());
}

TEST_CASE("search page: no index, no results, bad parameters", "[server]") {
  casebook::test::TempDir dir;  // no index in it
  SearchPages pages(Config(dir), nullptr, 16);

  SearchOutcome none;
  none.has_index = false;
  Value v = pages.PageData("kafka", "relevance", none, 0);
  CHECK(Text(v, "message") == "No search index: run casebook build");
  // Not searched: the page's script may still try the API or postmortems.json.
  const Value* rendered = v.Find("server_rendered");
  CHECK((rendered == nullptr || !rendered->as_bool()));

  Value empty = pages.PageData("zzz", "relevance", Outcome(0, 0), 0);
  CHECK(empty.Find("no_results")->as_bool());

  SearchParams p;
  p.q = "kafka";
  PageResponse html = pages.Html(p);
  CHECK(html.status == 200);
  CHECK(html.body.find("No search index: run casebook build") != std::string::npos);
  PageResponse api = pages.Api(p);
  CHECK(api.status == 503);
  CHECK(api.content_type == "application/json; charset=utf-8");
  CHECK(api.body.find("\"error\":\"No search index: run casebook build\"") != std::string::npos);

  p.q = std::string(17, 'a');
  CHECK(pages.Html(p).status == 414);
  CHECK(pages.Api(p).status == 414);
  p.q = "ok";
  p.limit = "abc";
  CHECK(pages.Api(p).status == 400);
  p.limit = "";
  p.offset = "1e9";
  CHECK(pages.Api(p).status == 400);
  p.offset = "";
  p.sort = "random";
  CHECK(pages.Api(p).status == 400);
  CHECK(pages.Html(p).status == 200);  // the page falls back to relevance

  // Invalid UTF-8 and markup in the query are made safe for the page.
  p.q = "<b>\xff";
  p.sort = "";
  PageResponse bad = pages.Html(p);
  CHECK(bad.status == 200);
  CHECK(bad.body.find("<b>") == std::string::npos);
}

TEST_CASE("search page: search.js builds the DOM without innerHTML or eval", "[server]") {
  std::ifstream in(casebook::test::SourceDir() + "/themes/default/static/js/search.js");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string js = ss.str();
  REQUIRE_FALSE(js.empty());
  for (const char* banned : {"innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "new Function",
                             "document.write", "setTimeout(\"", "javascript:"}) {
    INFO(banned);
    CHECK(js.find(banned) == std::string::npos);
  }
  CHECK(js.find("textContent") != std::string::npos);
  CHECK(js.find("postmortems.json") != std::string::npos);
}
