// RenderSite end to end on a hand-built model with the real default theme:
// files, escaping, links, tickets, taxonomies, feeds, JSON, overrides,
// determinism.
#include <catch2/catch.hpp>

#include <algorithm>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "render/outputs.h"
#include "render/renderer.h"
#include "render/templates.h"
#include "render/view.h"
#include "render_fixture.h"
#include "test_support.h"
#include "util/text.h"

namespace fs = std::filesystem;
using namespace casebook;

namespace {

struct Rendered {
  std::map<std::string, std::string> files;
  std::vector<std::string> order;
  util::Diagnostics diags;
  bool Has(const std::string& p) const { return files.count(p) > 0; }
  const std::string& operator[](const std::string& p) const { return files.at(p); }
};

std::string Messages(const util::Diagnostics& d) {
  std::string s;
  for (const auto& item : d.items()) s += item.Format() + "\n";
  return s;
}

Rendered RenderFixtureSite(const test::RenderFixture& f, int jobs = 0) {
  Rendered r;
  auto templates = render::TemplateSet::Load(f.cfg, &r.diags);
  INFO(Messages(r.diags));
  REQUIRE(templates);
  render::RenderOptions options;
  options.jobs = jobs;
  for (auto& file : render::RenderSite(f.site, *templates, options, &r.diags)) {
    r.order.push_back(file.path);
    r.files[file.path] = std::move(file.content);
  }
  return r;
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

/// Runs xmllint --noout on `xml` when xmllint exists; true when it is absent.
bool WellFormedXml(const std::string& xml) {
  if (!fs::exists("/usr/bin/xmllint")) return true;
  test::TempDir dir;
  dir.Write("f.xml", xml);
  std::string cmd = "/usr/bin/xmllint --noout '" + dir.path() + "/f.xml' 2>/dev/null";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace

TEST_CASE("RenderSite writes every page, feed and data file") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  Rendered r = RenderFixtureSite(*f);
  INFO(Messages(r.diags));
  CHECK_FALSE(r.diags.HasErrors());
  for (const char* p :
       {"index.html", "postmortems/2024-03-12-checkout-pool/index.html",
        "postmortems/2023-11-02-primary-failover/index.html", "postmortems/2022-05-01-dns/index.html",
        "tags/index.html", "tags/database/index.html", "tags/database/feed.xml",
        "services/postgres/index.html", "severity/index.html", "severity/sev1/index.html",
        "severity/sev1/feed.xml", "archive/index.html", "archive/2024/index.html",
        "archive/2022/index.html", "search/index.html", "404.html", "feed.xml", "sitemap.xml",
        "postmortems.json"}) {
    INFO(p);
    CHECK(r.Has(p));
  }
  CHECK(r.order.front() == "index.html");
}

TEST_CASE("Postmortem page: escaped title, links, times, actions, related") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  Rendered r = RenderFixtureSite(*f);
  const std::string& page = r["postmortems/2024-03-12-checkout-pool/index.html"];

  SECTION("user text is escaped; no script from users") {
    CHECK(page.find("Checkout &lt;script&gt;alert(1)&lt;/script&gt; &amp; pool exhaustion") != std::string::npos);
    CHECK(page.find("<script") == std::string::npos);
    CHECK(page.find("Sam &lt;b&gt;Ortiz&lt;/b&gt;") != std::string::npos);
    CHECK(page.find("<title>Checkout &lt;script&gt;") != std::string::npos);
  }
  SECTION("layout: language, landmarks, skip link, feeds, stylesheet under the base path") {
    CHECK(page.find("<html lang=\"en\">") != std::string::npos);
    CHECK(page.find("href=\"#main\"") != std::string::npos);
    CHECK(page.find("<main id=\"main\"") != std::string::npos);
    CHECK(page.find("<nav class=\"site-nav\" aria-label=\"Main\">") != std::string::npos);
    CHECK(page.find("href=\"/pm/css/style.css\"") != std::string::npos);
    CHECK(page.find("type=\"application/atom+xml\"") != std::string::npos);
    CHECK(page.find("<meta name=\"description\" content=\"Checkout returned 503s.\">") != std::string::npos);
  }
  SECTION("severity badge, taxonomy links, durations, times") {
    CHECK(page.find("href=\"/pm/severity/sev1/\"") != std::string::npos);
    CHECK(page.find("background-color:#b91c1c;color:#ffffff") != std::string::npos);
    CHECK(page.find(">Critical<") != std::string::npos);
    CHECK(page.find("href=\"/pm/tags/deploy/\"") != std::string::npos);
    CHECK(page.find("href=\"/pm/services/checkout-api/\"") != std::string::npos);
    CHECK(page.find("Time to detect") != std::string::npos);
    CHECK(page.find("7 min") != std::string::npos);
    CHECK(page.find("2 h 5 min") != std::string::npos);
    CHECK(page.find("<time datetime=\"2024-03-12T09:14:00Z\">") != std::string::npos);
    CHECK(page.find("Deploy <strong>4121</strong> starts.") != std::string::npos);
  }
  SECTION("body, table of contents, figures") {
    CHECK(page.find("<h2 id=\"impact\">") != std::string::npos);
    CHECK(page.find("<a href=\"#impact\">Impact</a>") != std::string::npos);
    CHECK(page.find("<a href=\"#numbers\">Numbers</a>") != std::string::npos);
    // Figures read from the body are shown there, once.
    const std::string main = page.substr(page.find("<main"));
    CHECK(main.find("Reported figures") == std::string::npos);
    CHECK(main.find("8 minutes") != std::string::npos);
    CHECK(main.find("8 minutes") == main.rfind("8 minutes"));
  }
  SECTION("action items: ticket link encoded, overdue flagged, plain ticket without url") {
    CHECK(page.find("href=\"https://jira.example.com/browse/PAY%201432\">PAY 1432</a>") != std::string::npos);
    CHECK(page.find("action-overdue") != std::string::npos);
    CHECK(page.find("61 days overdue") != std::string::npos);
    CHECK(Count(page, "days overdue") == 1);  // done and future items are not
    CHECK(page.find("3 action items, 2 open, 1 overdue") != std::string::npos);
  }
  SECTION("related and referenced by in one list, similar, previous") {
    CHECK(page.find("Related incidents") != std::string::npos);
    CHECK(page.find("Referenced by") == std::string::npos);  // merged into one list
    CHECK(page.find("<span class=\"link-direction\">") != std::string::npos);
    CHECK(page.find("oth mention database, timeout") != std::string::npos);  // after any shared services and tags
    CHECK(page.find("rel=\"prev\"") != std::string::npos);
    CHECK(page.find("rel=\"next\"") == std::string::npos);
    CHECK(Count(page, "href=\"/pm/postmortems/2023-11-02-primary-failover/\"") >= 2);
    CHECK(page.find("href=\"/pm/postmortems/2022-05-01-dns/\"") != std::string::npos);
  }
  SECTION("source link and history") {
    CHECK(page.find("href=\"https://git.example.com/pm/blob/main/content/2024/2024-03-12-checkout-pool.md\"") !=
          std::string::npos);
    CHECK(page.find("Last changed <time datetime=\"2024-03-15T10:00:00Z\">2024-03-15</time> · 3 commits") !=
          std::string::npos);
  }
  SECTION("draft and review are marked") {
    CHECK(r["postmortems/2022-05-01-dns/index.html"].find("notice-draft") != std::string::npos);
    CHECK(r["postmortems/2023-11-02-primary-failover/index.html"].find("In review") != std::string::npos);
    CHECK(page.find("notice-draft") == std::string::npos);
  }
}

TEST_CASE("Without ticket_url or source_url, tickets and paths are plain text") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  f->cfg.ticket_url = "javascript:alert('{ticket}')";
  f->cfg.source_url = "";
  Rendered r = RenderFixtureSite(*f);
  const std::string& page = r["postmortems/2024-03-12-checkout-pool/index.html"];
  CHECK(page.find("javascript:") == std::string::npos);
  CHECK(page.find(">PAY 1432<") != std::string::npos);
  CHECK(page.find("<code>content/2024/2024-03-12-checkout-pool.md</code>") != std::string::npos);
  CHECK(r["postmortems.json"].find("javascript:") == std::string::npos);
}

TEST_CASE("Taxonomy pages list the right postmortems, severity keeps site.toml order") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  Rendered r = RenderFixtureSite(*f);
  const std::string& db = r["tags/database/index.html"];
  CHECK(db.find("/pm/postmortems/2024-03-12-checkout-pool/") != std::string::npos);
  CHECK(db.find("/pm/postmortems/2023-11-02-primary-failover/") != std::string::npos);
  CHECK(db.find("/pm/postmortems/2022-05-01-dns/") == std::string::npos);
  CHECK(db.find("/pm/tags/database/feed.xml") != std::string::npos);
  // Newest first.
  CHECK(db.find("2024-03-12-checkout-pool/") < db.find("2023-11-02-primary-failover/"));

  const std::string& sev = r["severity/index.html"];
  size_t critical = sev.find(">Critical<"), major = sev.find(">Major<"), minor = sev.find(">Minor<");
  REQUIRE(critical != std::string::npos);
  REQUIRE(major != std::string::npos);
  REQUIRE(minor != std::string::npos);
  CHECK(critical < major);
  CHECK(major < minor);
  CHECK(sev.find("Customers cannot pay.") != std::string::npos);
  // Yellow needs dark text.
  CHECK(sev.find("background-color:#facc15;color:#111111") != std::string::npos);

  const std::string& home = r["index.html"];
  CHECK(home.find(">Critical<") < home.find(">Major<"));
  CHECK(home.find("href=\"/pm/severity/sev2/\"") != std::string::npos);
  CHECK(home.find("action=\"/pm/search/\"") != std::string::npos);
  CHECK(home.find("name=\"q\"") != std::string::npos);

  const std::string& year = r["archive/2023/index.html"];
  CHECK(year.find("November") != std::string::npos);
  CHECK(year.find("/pm/postmortems/2023-11-02-primary-failover/") != std::string::npos);
  CHECK(r["archive/index.html"].find("/pm/archive/2022/") != std::string::npos);
  CHECK(r["search/index.html"].find("<noscript>") != std::string::npos);
}

TEST_CASE("Atom feeds are well-formed, absolute, and dated by their entries") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  Rendered r = RenderFixtureSite(*f);
  const std::string& feed = r["feed.xml"];
  CHECK(WellFormedXml(feed));
  CHECK(Count(feed, "<entry>") == 3);
  CHECK(feed.find("<updated>2024-03-12T00:00:00Z</updated>") != std::string::npos);
  CHECK(feed.find("<link rel=\"self\" type=\"application/atom+xml\" href=\"https://example.com/pm/feed.xml\"/>") !=
        std::string::npos);
  CHECK(feed.find("<id>https://example.com/pm/postmortems/2024-03-12-checkout-pool/</id>") != std::string::npos);
  CHECK(feed.find("Checkout &lt;script&gt;alert(1)&lt;/script&gt; &amp; pool exhaustion") != std::string::npos);
  CHECK(feed.find("<author><name>Dana Li</name></author>") != std::string::npos);

  const std::string& term = r["tags/database/feed.xml"];
  CHECK(WellFormedXml(term));
  CHECK(Count(term, "<entry>") == 2);
  CHECK(WellFormedXml(r["sitemap.xml"]));
  CHECK(r["sitemap.xml"].find("<loc>https://example.com/pm/tags/database/</loc>") != std::string::npos);
}

TEST_CASE("postmortems.json is the same for any number of threads, keys in byte order") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  render::View view(f->site);
  const std::string one = render::PostmortemsJson(view, 1);
  REQUIRE(one.size() > 100);
  for (int jobs : {2, 3}) CHECK(render::PostmortemsJson(view, jobs) == one);
  // Each entry's keys come in byte order (as a util::Value map writes them).
  std::vector<std::string> keys;
  for (size_t at = one.find("\n    \""); at != std::string::npos; at = one.find("\n    \"", at + 1)) {
    size_t end = one.find('"', at + 6);
    std::string key = one.substr(at + 6, end - at - 6);
    if (key == "action_items") keys.clear();
    keys.push_back(key);
    if (key == "url") {
      CHECK(std::is_sorted(keys.begin(), keys.end()));
      CHECK(keys.size() == 21);
    }
  }
  // Written in blocks of 512: more than two blocks' worth, in order.
  const auto originals = f->site.postmortems;
  while (f->site.postmortems.size() < 1100)
    f->site.postmortems.insert(f->site.postmortems.end(), originals.begin(), originals.end());
  render::View many(f->site);
  const std::string big = render::PostmortemsJson(many, 3);
  CHECK(big == render::PostmortemsJson(many, 1));
  CHECK(Count(big, "\n    \"action_items\": ") == f->site.postmortems.size());
  CHECK(big.substr(0, one.size() - 3) == one.substr(0, one.size() - 3));  // the same first entries
  f->site.postmortems.clear();
  render::View empty(f->site);
  CHECK(render::PostmortemsJson(empty, 2) == "[]\n");
}

TEST_CASE("postmortems.json holds ids, durations and action items") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  Rendered r = RenderFixtureSite(*f);
  const std::string& json = r["postmortems.json"];
  CHECK(json.front() == '[');
  CHECK(json.find("\"id\": \"2024-03-12-checkout-pool\"") != std::string::npos);
  CHECK(json.find("\"id\": \"2022-05-01-dns\"") != std::string::npos);
  CHECK(json.find("\"detect_seconds\": 420") != std::string::npos);
  CHECK(json.find("\"resolve_seconds\": 7500") != std::string::npos);
  CHECK(json.find("\"detect_seconds\": null") != std::string::npos);
  CHECK(json.find("\"url\": \"https://example.com/pm/postmortems/2024-03-12-checkout-pool/\"") != std::string::npos);
  CHECK(json.find("\"ticket_url\": \"https://jira.example.com/browse/PAY%201432\"") != std::string::npos);
  CHECK(json.find("\"source_path\": \"content/2024/2024-03-12-checkout-pool.md\"") != std::string::npos);
  CHECK(json.find("\\u003cscript\\u003e") != std::string::npos);  // no raw <script> even in JSON
  if (fs::exists("/usr/bin/python3")) {
    test::TempDir dir;
    dir.Write("p.json", json);
    CHECK(std::system(("python3 -m json.tool '" + dir.path() + "/p.json' >/dev/null").c_str()) == 0);
  }
}

TEST_CASE("Base URL \"/\" gives root links") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  f->cfg.base_url = "/";
  Rendered r = RenderFixtureSite(*f);
  CHECK(r["index.html"].find("href=\"/postmortems/2024-03-12-checkout-pool/\"") != std::string::npos);
  CHECK(r["index.html"].find("href=\"/css/style.css\"") != std::string::npos);
  CHECK(WellFormedXml(r["feed.xml"]));
}

TEST_CASE("A template in <root>/layouts/ replaces the theme's") {
  test::TempDir root;
  fs::create_directories(fs::path(root.path()) / "themes");
  fs::copy(fs::path(test::SourceDir()) / "themes" / "default", fs::path(root.path()) / "themes" / "default",
           fs::copy_options::recursive);
  root.Write("layouts/footer.mustache", "<footer>CUSTOM FOOTER {{site.title}}</footer>");
  auto f = test::MakeRenderFixture(root.path());
  Rendered r = RenderFixtureSite(*f);
  CHECK(r["index.html"].find("CUSTOM FOOTER Example &amp; Co postmortems") != std::string::npos);
  CHECK(r["postmortems/2022-05-01-dns/index.html"].find("CUSTOM FOOTER") != std::string::npos);
  CHECK(r["index.html"].find("blameless: they describe") == std::string::npos);
}

TEST_CASE("Two renders give identical bytes, on one thread or many") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  Rendered a = RenderFixtureSite(*f, 1);
  Rendered b = RenderFixtureSite(*f, 4);
  Rendered c = RenderFixtureSite(*f, 4);
  CHECK(a.order == b.order);
  CHECK(a.files == b.files);
  CHECK(b.files == c.files);
}

TEST_CASE("Freeing each body with its headings and timeline HTML and lessons once its page is done changes no file") {
  // A build frees each postmortem's body HTML, headings, timeline HTML and
  // lessons when the renderer says its page is done; no other file may read
  // them after that (the service pages show the lessons and link to their
  // heading's anchor: the View took both when it was made). Here they are
  // replaced by marked values, so a file that read them would differ.
  auto make_fixture = [] {
    auto fixture = test::MakeRenderFixture(test::SourceDir());
    // A lessons section, which the checkout-api service page links to.
    model::Postmortem& pm = fixture->site.postmortems[static_cast<size_t>(
        fixture->site.by_id.at("2024-03-12-checkout-pool"))];
    pm.lessons = "Size pools by instance type.";
    pm.lessons_heading = "Lessons learned";
    pm.body.headings.push_back({2, "Lessons learned", "lessons-learned", 40});
    return fixture;
  };
  auto f = make_fixture();
  Rendered kept = RenderFixtureSite(*f, 1);
  const std::string& service = kept["services/checkout-api/index.html"];
  CHECK(service.find("Size pools by instance type.") != std::string::npos);
  CHECK(service.find("2024-03-12-checkout-pool/#lessons-learned\"") != std::string::npos);
  for (int jobs : {1, 4}) {
    auto templates = render::TemplateSet::Load(f->cfg, nullptr);
    REQUIRE(templates);
    std::vector<int> done_count(f->site.postmortems.size());
    render::RenderOptions options;
    options.jobs = jobs;
    model::SiteModel* site = &f->site;
    options.postmortem_page_done = [&done_count, site](int i) {
      ++done_count[static_cast<size_t>(i)];  // each index from one job only
      model::Postmortem& pm = site->postmortems[static_cast<size_t>(i)];
      pm.body.html = "<p>freed</p>";
      for (auto& h : pm.body.headings) h.anchor = "freed-" + h.anchor;
      for (auto& t : pm.timeline_html) t = "freed";
      pm.lessons = "freed";
      pm.lessons_heading = "freed";
    };
    util::Diagnostics d;
    std::map<std::string, std::string> files;
    for (auto& file : render::RenderSite(f->site, *templates, options, &d))
      files[file.path] = std::move(file.content);
    CHECK(files == kept.files);
    CHECK(std::count(done_count.begin(), done_count.end(), 1) ==
          static_cast<long>(done_count.size()));
    // Bodies back for the next round.
    f = make_fixture();
  }
}

TEST_CASE("The structured timeline and actions sit in the body's own sections") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  auto& pm = f->site.postmortems[0];
  pm.body.html =
      "<h2 id=\"summary\">Summary</h2>\n<p>S.</p>\n"
      "<h2 id=\"timeline\">Timeline</h2>\n<p>See below.</p>\n"
      "<h3 id=\"detail\">Detail</h3>\n<p>D.</p>\n"
      "<h2 id=\"action-items\">Action items</h2>\n<p>Tracked.</p>\n";
  pm.body.headings = {{2, "Summary", "summary", 1}, {2, "Timeline", "timeline", 3},
                      {3, "Detail", "detail", 5}, {2, "Action items", "action-items", 7}};
  Rendered r = RenderFixtureSite(*f);
  const std::string& page = r["postmortems/2024-03-12-checkout-pool/index.html"];
  size_t timeline_h = page.find("<h2 id=\"timeline\">");
  size_t detail = page.find("<p>D.</p>");
  size_t table = page.find("<table class=\"timeline\">");
  size_t actions_h = page.find("<h2 id=\"action-items\">");
  size_t actions_table = page.find("<table class=\"actions\">");
  REQUIRE(timeline_h != std::string::npos);
  REQUIRE(table != std::string::npos);
  CHECK(timeline_h < detail);
  CHECK(detail < table);  // at the end of the section, after its sub-sections
  CHECK(table < actions_h);
  CHECK(actions_h < actions_table);
  CHECK(page.find("id=\"pm-timeline\"") == std::string::npos);
  CHECK(page.find("id=\"pm-actions\"") == std::string::npos);
  CHECK(Count(page, "<table class=\"timeline\">") == 1);
  CHECK(Count(page, ">Action items</a>") == 1);  // the table of contents lists it once
}

TEST_CASE("An empty archive and a bare postmortem still render cleanly") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  SECTION("no postmortems at all") {
    f->site.postmortems.clear();
    f->site.by_id.clear();
    f->site.taxonomies.clear();
    f->site.archive.clear();
    Rendered r = RenderFixtureSite(*f);
    CHECK_FALSE(r.diags.HasErrors());
    CHECK(r["index.html"].find("No postmortems yet") != std::string::npos);
    CHECK(r["postmortems.json"] == "[]\n");
    CHECK(WellFormedXml(r["feed.xml"]));
    CHECK(r["feed.xml"].find("<updated>1970-01-01T00:00:00Z</updated>") != std::string::npos);
    CHECK(Count(r["feed.xml"], "<entry>") == 0);
  }
  SECTION("a postmortem with only a title and a body") {
    model::Postmortem bare;
    bare.doc.id = "bare";
    bare.doc.title = "Bare";
    bare.doc.relative_path = "bare.md";
    bare.url = "postmortems/bare/";
    bare.body.html = "<p>Text.</p>\n";
    f->site.postmortems.push_back(bare);
    Rendered r = RenderFixtureSite(*f);
    CHECK_FALSE(r.diags.HasErrors());
    const std::string& page = r["postmortems/bare/index.html"];
    CHECK(page.find("<p>Text.</p>") != std::string::npos);
    CHECK(page.find("pm-facts") == std::string::npos);      // no empty facts box
    CHECK(page.find("Related incidents") == std::string::npos);
    CHECK(page.find("<time") == std::string::npos);
    CHECK(r["postmortems.json"].find("\"incident_date\": null") != std::string::npos);
    CHECK(WellFormedXml(r["feed.xml"]));
  }
}

TEST_CASE("The static search index: small files, incident dates, words by bucket") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  Rendered r = RenderFixtureSite(*f);
  INFO(Messages(r.diags));
  REQUIRE(r.Has("search-index/meta.json"));
  CHECK(r["search-index/meta.json"] ==
        "{\"doc_shard_size\":50,\"doc_shards\":1,\"docs\":3,\"version\":1,\"word_buckets\":1}\n");
  for (const auto& p : render::StaticSearchIndexPaths(3)) CHECK(r.Has(p));
  // One shard: newest incident first, [id, url, title, incident date, severity label, summary].
  const std::string& docs = r["search-index/docs-0.json"];
  CHECK(docs.rfind("[[\"2024-03-12-checkout-pool\",\"postmortems/2024-03-12-checkout-pool/\",", 0) == 0);
  CHECK(docs.find("\"2024-03-12\",\"Critical\",\"Checkout returned 503s.\"]") != std::string::npos);
  CHECK(docs.find("<script>") == std::string::npos);  // JSON-escaped (\u003c)
  // Words: "dns" is in doc 2's title (2 * 2 + 1 = 5); tags:database in docs 0 and 1
  // (postings 0 and 2, stored as gaps 0, 2).
  const std::string& words = r["search-index/words-0.json"];
  CHECK(words.find("\"dns\":[5]") != std::string::npos);
  CHECK(words.find("\"tags:database\":[0,2]") != std::string::npos);
  CHECK(words.find("\"year:2022\":[4]") != std::string::npos);
  CHECK(words.find("\"the\"") == std::string::npos);  // stop words left out
  // Buckets by the first two bytes, as search.js computes them.
  CHECK(render::StaticSearchBucket("kubernetes", 250) == render::StaticSearchBucket("kuberntes", 250));
  CHECK(render::StaticSearchBuckets(10000) == 250);
  CHECK(render::StaticSearchIndexPaths(10000).size() == 1 + 200 + 250);
}

namespace {

// Keeps what a streamed file was given, piece by piece; fails on the
// `fail_at`th Write when that is set.
TEST_CASE("The changed words buckets, made from only the postmortems with words in them, equal a full pass") {
  // 4,000 postmortems (100 buckets, past the first 64 bits of a bucket
  // set): fixture postmortems and others with a few words of their own.
  auto f = test::MakeRenderFixture(test::SourceDir());
  const auto originals = f->site.postmortems;
  for (int i = 0; f->site.postmortems.size() < 4000; ++i) {
    model::Postmortem pm = originals[i % originals.size()];
    pm.doc.id = "gen-" + std::to_string(i);
    pm.url = "postmortems/gen-" + std::to_string(i) + "/";
    pm.doc.title = i % 3 ? "Word" + std::to_string(i % 311) + " outage" : "Quiet";
    pm.doc.summary = i % 5 ? "" : "Shard q" + std::to_string(i) + " stalled";
    pm.doc.tags = {"t" + std::to_string(i % 13)};
    f->site.postmortems.push_back(pm);
  }
  render::View view(f->site);
  const uint32_t buckets = render::StaticSearchBuckets(f->site.postmortems.size());
  REQUIRE(buckets == 100);
  const render::StaticSearchWords all = render::MakeStaticSearchWords(view);
  const render::StaticSearchWordKeys keys = render::MakeStaticSearchWordKeys(view);
  REQUIRE(keys.keys.size() == buckets);
  REQUIRE(keys.buckets_of.size() == f->site.postmortems.size());
  // A bucket set marks exactly the buckets a postmortem has postings in.
  std::vector<render::StaticSearchBucketSet> seen(f->site.postmortems.size());
  for (uint32_t b = 0; b < buckets; ++b)
    for (const auto& [word, list] : all.buckets[b])
      for (int64_t p : list) seen[p / 2][b / 64] |= uint64_t{1} << (b % 64);
  CHECK(seen == keys.buckets_of);
  // Some postmortems have no word in a bucket that others have (or the
  // sets would not narrow anything).
  size_t narrowed = 0;
  for (const auto& in : keys.buckets_of) narrowed += in != keys.buckets_of.front();
  CHECK(narrowed > 0);
  std::vector<uint32_t> filled;  // the buckets with words
  for (uint32_t b = 0; b < buckets; ++b)
    if (!all.buckets[b].empty()) filled.push_back(b);
  REQUIRE(filled.size() > 10);
  REQUIRE(filled.back() >= 64);
  const std::vector<std::vector<uint32_t>> picks = {
      {filled[0]}, {filled[filled.size() / 2]}, {filled[1], filled[filled.size() - 2], filled.back()}};
  for (const std::vector<uint32_t>& pick : picks) {
    std::vector<bool> wanted(buckets, false);
    for (uint32_t b : pick) wanted[b] = true;
    const render::StaticSearchWords some = render::MakeStaticSearchWords(view, &wanted, &keys);
    for (uint32_t b = 0; b < buckets; ++b) {
      INFO("bucket " << b);
      if (wanted[b]) {
        CHECK(!all.buckets[b].empty());
        CHECK(render::StaticSearchWordsFile(some.buckets[b]) == render::StaticSearchWordsFile(all.buckets[b]));
      } else {
        CHECK(some.buckets[b].empty());
      }
    }
  }
  // A bucket's key is made from its postings: the same view, the same keys.
  CHECK(render::MakeStaticSearchWordKeys(view).keys == keys.keys);
}

struct Collected {
  std::string bytes;
  std::vector<size_t> pieces;
  bool closed = false;
};
class CollectingStream : public render::OutputStream {
 public:
  CollectingStream(Collected* into, int fail_at) : into_(into), fail_at_(fail_at) {}
  bool Write(std::string_view bytes, std::string* error) override {
    if (++writes_ == fail_at_) {
      *error = "disk full (test)";
      return false;
    }
    into_->bytes += bytes;
    into_->pieces.push_back(bytes.size());
    return true;
  }
  bool Close(const std::string&, std::string*) override {
    into_->closed = true;
    return true;
  }

 private:
  Collected* into_;
  int fail_at_;
  int writes_ = 0;
};

}  // namespace

TEST_CASE("Files written piece by piece equal the files rendered whole") {
  auto f = test::MakeRenderFixture(test::SourceDir());
  // Controls (C0, and the two-byte C1 NEL) in an action, which actions.csv
  // writes as they are: stripped chunk by chunk as in a whole file.
  f->site.postmortems[0].doc.actions[0].text = "Alert\x01 on\xC2\x85 pool use";
  // Enough postmortems for postmortems.json to span several chunks.
  const auto originals = f->site.postmortems;
  for (int k = 0; f->site.postmortems.size() < 1500; ++k) {
    for (auto pm : originals) {
      pm.doc.id += "-" + std::to_string(k);
      pm.url = "postmortems/" + pm.doc.id + "/";
      f->site.postmortems.push_back(std::move(pm));
    }
  }
  Rendered whole = RenderFixtureSite(*f, 2);
  INFO(Messages(whole.diags));
  REQUIRE_FALSE(whole.diags.HasErrors());
  CHECK(whole["actions.csv"].find("Alert on pool use") != std::string::npos);

  for (int fail_at : {0, 2}) {
    INFO("fail at write " << fail_at);
    auto templates = render::TemplateSet::Load(f->cfg, nullptr);
    REQUIRE(templates);
    std::mutex mu;
    std::map<std::string, std::string> sunk;
    std::map<std::string, Collected> streamed;
    render::RenderOptions options;
    options.jobs = 2;
    options.sink = [&](render::OutputFile& file, std::string*) {
      std::lock_guard<std::mutex> lock(mu);
      sunk[file.path] = file.content;
      return true;
    };
    options.open_stream = [&](const std::string& path, std::string*) {
      std::lock_guard<std::mutex> lock(mu);
      return std::make_unique<CollectingStream>(&streamed[path], fail_at);
    };
    util::Diagnostics d;
    const auto files = render::RenderSite(f->site, *templates, options, &d);
    CHECK(files.size() == whole.files.size());
    std::vector<std::string> paths;
    for (const auto& [path, c] : streamed) paths.push_back(path);
    CHECK(paths == std::vector<std::string>{"actions.csv", "postmortems.json", "sitemap.xml"});
    if (fail_at == 0) {
      CHECK_FALSE(d.HasErrors());
      for (const auto& [path, c] : streamed) {
        CHECK(c.closed);
        CHECK(c.bytes == whole[path]);
        sunk[path] = c.bytes;
      }
      CHECK(sunk == whole.files);
      CHECK(streamed["postmortems.json"].pieces.size() >= 2);
      for (size_t piece : streamed["postmortems.json"].pieces) CHECK(piece <= 2 * render::ChunkOut::kChunkBytes);
    } else {
      // Only the file that spans two chunks fails, with its path; nothing
      // else is lost.
      std::string errors = Messages(d);
      CHECK(errors.find("postmortems.json") != std::string::npos);
      CHECK(errors.find("disk full (test)") != std::string::npos);
      CHECK_FALSE(streamed["postmortems.json"].closed);
      CHECK(streamed["actions.csv"].closed);
      CHECK(sunk.size() + 3 == whole.files.size());
    }
  }
}

TEST_CASE("ChunkOut never ends a chunk inside a two-byte control") {
  std::vector<std::string> pieces;
  render::ChunkOut out([&](std::string_view p) {
    pieces.emplace_back(p);
    return true;
  });
  out.text() = std::string(render::ChunkOut::kChunkBytes - 1, 'a') + "\xC2";
  out.Flush();
  out.text() += "\x85z";
  out.Flush();
  REQUIRE(out.Finish());
  REQUIRE(pieces.size() == 2);
  CHECK(pieces[0].size() == render::ChunkOut::kChunkBytes - 1);
  CHECK(pieces[1] == "\xC2\x85z");
  CHECK(util::StripControls(pieces[1]) == "z");
}

TEST_CASE("Shared severity badges and service chips are cut in list cards and whole on the page") {
  // List and link items share one frozen severity badge per severity and
  // one {name,url} chip per term (View::Severity, View::TermChip); a card
  // cuts a long chip name on its own copy, never on the shared chip.
  auto f = test::MakeRenderFixture(test::SourceDir());
  const std::string long_name = std::string(130, 'q') + "-service";
  auto& services = f->site.taxonomies[1];
  REQUIRE(services.key == "services");
  services.terms.push_back({long_name, "long-service", "", "", {0, 1}});
  for (int i : {0, 1}) f->site.postmortems[static_cast<size_t>(i)].doc.services.push_back(long_name);
  // Two postmortems of one severity share its badge.
  f->site.postmortems[1].doc.severity = "SEV1";
  f->site.taxonomies[2].terms[0].postmortems = {0, 1};
  f->site.taxonomies[2].terms[1].postmortems = {};
  for (int jobs : {1, 4}) {
    INFO("jobs: " << jobs);
    Rendered r = RenderFixtureSite(*f, jobs);
    INFO(Messages(r.diags));
    const std::string& tag_page = r["tags/database/index.html"];  // both postmortems
    const std::string cut = std::string(100, 'q');
    CHECK(tag_page.find(long_name) == std::string::npos);
    CHECK(Count(tag_page, cut) >= 2);
    CHECK(Count(tag_page, "services/long-service/") >= 2);
    CHECK(Count(tag_page, "title=\"Severity: SEV1\"") == 2);
    CHECK(tag_page.find("title=\"Severity: SEV2\"") == std::string::npos);
    // Each postmortem page's own terms list shows the name whole, after
    // its card cut the same chip.
    for (const char* id : {"2024-03-12-checkout-pool", "2023-11-02-primary-failover"}) {
      const std::string& page = r[std::string("postmortems/") + id + "/index.html"];
      CHECK(page.find(long_name) != std::string::npos);
      CHECK(page.find("severity/sev1/") != std::string::npos);
    }
    // The severity term page lists both.
    const std::string& sev1 = r["severity/sev1/index.html"];
    CHECK(sev1.find("postmortems/2024-03-12-checkout-pool/") != std::string::npos);
    CHECK(sev1.find("postmortems/2023-11-02-primary-failover/") != std::string::npos);
  }
}

TEST_CASE("A service's recurring pairs: scored by rank on both lists, ties to the newer pair, the newer's reason") {
  // Five more postgres incidents, older than the fixture's, with similar
  // lists that make ties, pairs listed both ways and one listed first by
  // the older incident (the service's list is not in index order here).
  auto f = test::MakeRenderFixture(test::SourceDir());
  model::SiteModel& site = f->site;
  const char* ids[] = {"2021-01-01-d", "2020-01-01-e", "2019-01-01-f", "2018-01-01-g", "2017-01-01-h"};
  for (const char* id : ids) {
    auto pm = test::MakePostmortem(id, std::string("Incident ") + id, "SEV2", 1,
                                   std::string(id).substr(0, 10) + "T08:00:00Z");
    pm.doc.services = {"postgres"};
    site.by_id[id] = static_cast<int>(site.postmortems.size());
    site.postmortems.push_back(std::move(pm));
  }
  auto& pms = site.postmortems;  // 0 a, 1 b, (2 dns), 3 d, 4 e, 5 f, 6 g, 7 h
  pms[0].similar = {{2, {"elsewhere"}}, {1, {"wordab"}}, {3, {"wordad"}}};  // (0,1) 19, (0,3) 18
  pms[1].similar = {{0, {"wordba"}}, {4, {"wordbe"}}};                     // (0,1) +20 = 39, (1,4) 19
  pms[3].similar = {{1, {"worddb"}}};                                      // (1,3) 20
  pms[4].similar = {{3, {"wordede"}}, {5, {"wordef"}}};                    // (3,4) 20, (4,5) 19
  pms[5].similar = {{4, {"wordfe"}}};                                      // (4,5) +20 = 39
  pms[6].similar = {{7, {"wordgh"}}, {0, {"wordga"}}};                     // (6,7) 20, (0,6) 19
  pms[7].similar = {{6, {"wordhg"}}};                                      // (6,7) +20 = 40
  for (auto& tax : site.taxonomies)
    for (auto& term : tax.terms)
      if (tax.key == "services" && term.slug == "postgres") term.postmortems = {0, 1, 3, 4, 5, 7, 6};

  Rendered r = RenderFixtureSite(*f);
  INFO(Messages(r.diags));
  const std::string& page = r["services/postgres/index.html"];
  size_t begin = page.find("Recurring incidents");
  REQUIRE(begin != std::string::npos);
  const std::string section = page.substr(begin, page.find("</ul>", begin) - begin);
  INFO(section);
  // Best five, best first: (6,7) 40; (0,1) and (4,5) 39, the newer pair
  // first; (1,3) and (3,4) 20. (0,6) and (1,4) at 19 and (0,3) are left out.
  std::vector<std::string> items;
  for (size_t p = section.find("<li>"); p != std::string::npos; p = section.find("<li>", p + 1))
    items.push_back(section.substr(p, section.find("</li>", p) - p));
  REQUIRE(items.size() == 5);
  auto pair_is = [&](size_t k, const std::string& first, const std::string& second) {
    INFO(items[k]);
    const size_t a = items[k].find("postmortems/" + first + "/"), b = items[k].find("postmortems/" + second + "/");
    CHECK(a != std::string::npos);
    CHECK(b != std::string::npos);
    CHECK(a < b);
  };
  pair_is(0, "2018-01-01-g", "2017-01-01-h");
  pair_is(1, "2024-03-12-checkout-pool", "2023-11-02-primary-failover");
  pair_is(2, "2020-01-01-e", "2019-01-01-f");
  pair_is(3, "2023-11-02-primary-failover", "2021-01-01-d");
  pair_is(4, "2021-01-01-d", "2020-01-01-e");
  // The reason is the newer incident's own listing when it lists the other
  // (g's, met after h's), else the first listing met.
  CHECK(items[0].find("wordgh") != std::string::npos);
  CHECK(items[0].find("wordhg") == std::string::npos);
  CHECK(items[1].find("wordab") != std::string::npos);
  CHECK(items[2].find("wordef") != std::string::npos);
  CHECK(items[3].find("worddb") != std::string::npos);
  CHECK(items[4].find("wordede") != std::string::npos);
}
