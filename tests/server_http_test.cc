// `casebook serve` end to end: an ArchiveServer on 127.0.0.1 (a free port)
// over a fixture site in a TempDir, spoken to with test_support's tiny
// raw-socket HTTP client (so this binary needs no HTTP library). Every
// request has a 5 s timeout; every server is stopped at the end of its test.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <mutex>

#include "markdown/markdown.h"
#include "search/index_builder.h"
#include "server/server.h"
#include "site/build.h"
#include "test_support.h"
#include "util/text.h"

using casebook::test::Exchange;
using casebook::test::Get;
using casebook::test::HttpResponse;
using casebook::test::Parse;
using casebook::test::Request;
using casebook::test::TempDir;
namespace server = casebook::server;

namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void CheckSecurityHeaders(const HttpResponse& r) {
  CHECK(Contains(r.Header("content-security-policy"), "default-src 'self'"));
  CHECK(Contains(r.Header("content-security-policy"), "frame-ancestors 'none'"));
  CHECK(Contains(r.Header("content-security-policy"), "object-src 'none'"));
  CHECK(r.Header("x-content-type-options") == "nosniff");
  CHECK(r.Header("referrer-policy") == "no-referrer");
  CHECK(r.Header("x-frame-options") == "DENY");
}

const char* kPostmortem = R"(+++
title = "%TITLE%"
id = "%ID%"
date = %DATE%
severity = "%SEV%"
summary = "%SUMMARY%"
tags = ["%TAG%"]
services = ["%SERVICE%"]
+++

## Summary

%SUMMARY%

## Impact

%BODY%
)";

std::string MakePostmortem(std::map<std::string, std::string> fields) {
  std::string text = kPostmortem;
  for (const auto& [k, v] : fields) text = casebook::util::ReplaceAll(text, "%" + k + "%", v);
  return text;
}

// A site root with site.toml, three postmortems, a tiny theme, a hand-made
// output folder (with a symlink pointing out and a file outside), and, when
// `with_index`, the search index built from the postmortems.
struct Site {
  TempDir dir;
  casebook::config::SiteConfig cfg;
  std::vector<std::string> log;
  std::mutex log_mu;

  explicit Site(bool with_index = true, const std::string& base_url = "/") {
    casebook::markdown::Init();
    dir.Write("site.toml", "title = \"Fixture Archive\"\nbase_url = \"" + base_url +
                               "\"\ntheme = \"t\"\n");
    dir.Write("content/2023/kafka.md",
              MakePostmortem({{"TITLE", "Payment confirmations delayed by Kafka consumer lag"},
                              {"ID", "kafka-lag"}, {"DATE", "2023-02-24"}, {"SEV", "SEV2"},
                              {"SUMMARY", "Consumers rebalanced continuously and lag grew."},
                              {"TAG", "kafka"}, {"SERVICE", "payments-gateway"},
                              {"BODY", "Settlement consumers exceeded the poll interval."}}));
    dir.Write("content/2024/db.md",
              MakePostmortem({{"TITLE", "Checkout errors after database failover"},
                              {"ID", "db-failover"}, {"DATE", "2024-03-14"}, {"SEV", "SEV1"},
                              {"SUMMARY", "The primary database failed over and pools kept stale connections."},
                              {"TAG", "database"}, {"SERVICE", "checkout-api"},
                              {"BODY", "Connection pools were exhausted for twelve minutes."}}));
    dir.Write("content/2024/dns.md",
              MakePostmortem({{"TITLE", "DNS resolver timeouts"}, {"ID", "dns-timeouts"},
                              {"DATE", "2024-05-01"}, {"SEV", "SEV3"},
                              {"SUMMARY", "Resolver timeouts slowed every service."},
                              {"TAG", "dns"}, {"SERVICE", "checkout-api"},
                              {"BODY", "The resolver cache was too small."}}));
    dir.Write("themes/t/templates/base.mustache",
              "<!DOCTYPE html><html><head><title>{{page.title}}</title></head>"
              "<body>{{{content}}}</body></html>\n");
    dir.Write("themes/t/templates/search.mustache",
              "<h1>Search</h1><form action=\"{{site.search_url}}\"><input name=\"q\" value=\"{{query}}\"></form>"
              "{{#message}}<p class=\"message\">{{message}}</p>{{/message}}"
              "{{#did_you_mean}}<p>Did you mean <a href=\"{{did_you_mean_url}}\">{{did_you_mean}}</a>?</p>{{/did_you_mean}}"
              "{{#has_results}}<p class=\"total\">{{total}}</p>{{/has_results}}"
              "<ol>{{#results}}<li><a href=\"{{url}}\">{{title}}</a> {{date}} {{severity_label}}"
              "<p>{{{snippet_html}}}</p></li>{{/results}}</ol>"
              "{{#facets}}<h2>{{name}}</h2>{{#values}}<a class=\"facet\" href=\"{{url}}\">{{label}} "
              "({{count}})</a>{{/values}}{{/facets}}"
              "{{#pages}}<a class=\"page\" href=\"{{url}}\">{{number}}</a>{{/pages}}\n");
    const std::string out = "public/";
    dir.Write(out + "index.html", "<!DOCTYPE html><title>Home</title><p>HOME PAGE</p>");
    dir.Write(out + "css/site.css", "body { color: #111; }");
    dir.Write(out + "feed.xml", "<?xml version=\"1.0\"?><feed/>");
    dir.Write(out + "postmortems.json", "[]");
    dir.Write(out + "postmortems/kafka-lag/index.html", "<p>KAFKA PAGE</p>");
    dir.Write(out + "404.html", "<p>SITE 404 PAGE</p>");
    dir.Write("outside.txt", "OUTSIDE SECRET");
    REQUIRE(::symlink((dir.path() + "/outside.txt").c_str(),
                      (dir.path() + "/public/leak.html").c_str()) == 0);

    casebook::util::Diagnostics diags;
    casebook::site::BuildOptions options;
    options.config_path = dir.path() + "/site.toml";
    options.today = casebook::util::ParseDateTime("2025-01-01");
    auto site = casebook::site::LoadSite(options, &diags);
    REQUIRE(site);
    cfg = site->config;
    if (with_index) {
      casebook::search::IndexStats stats;
      REQUIRE(casebook::search::UpdateIndex(site->model, cfg.IndexDir(), &stats, &diags));
      REQUIRE(stats.added == 3);
    }
  }

  server::ServeOptions Options() {
    server::ServeOptions o;
    o.port = 0;
    o.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu);
      log.push_back(line);
    };
    return o;
  }
};

}  // namespace

TEST_CASE("serve: pages, folders, content types and security headers", "[server]") {
  Site site;
  server::ArchiveServer srv(site.cfg, site.Options());
  std::string error;
  REQUIRE(srv.Start(&error));
  const int port = srv.port();
  REQUIRE(port > 0);

  auto home = Get(port, "/");
  CHECK(home.status == 200);
  CHECK(home.Header("content-type") == "text/html; charset=utf-8");
  CHECK(Contains(home.body, "HOME PAGE"));
  CheckSecurityHeaders(home);

  auto page = Get(port, "/postmortems/kafka-lag/");
  CHECK(page.status == 200);
  CHECK(Contains(page.body, "KAFKA PAGE"));
  auto redirect = Get(port, "/postmortems/kafka-lag");
  CHECK(redirect.status == 301);
  CHECK(redirect.Header("location") == "/postmortems/kafka-lag/");

  CHECK(Get(port, "/css/site.css").Header("content-type") == "text/css; charset=utf-8");
  CHECK(Get(port, "/feed.xml").Header("content-type") == "application/atom+xml; charset=utf-8");
  CHECK(Get(port, "/postmortems.json").Header("content-type") == "application/json; charset=utf-8");

  auto head = Request(port, "HEAD", "/index.html");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.Header("content-length") == std::to_string(home.body.size()));

  srv.Stop();
  CHECK_FALSE(srv.running());
  // One log line per request: method, path, status, bytes, duration.
  bool logged = false;
  for (const auto& line : site.log) logged |= casebook::util::StartsWith(line, "GET /css/site.css 200 21 ");
  CHECK(logged);
}

TEST_CASE("serve: live reload only when asked for, and never on non-HTML files", "[server]") {
  Site site;
  {
    server::ArchiveServer plain(site.cfg, site.Options());
    std::string error;
    REQUIRE(plain.Start(&error));
    CHECK(Get(plain.port(), "/").body ==
          "<!DOCTYPE html><title>Home</title><p>HOME PAGE</p>");  // byte for byte
    CHECK(Get(plain.port(), "/__casebook/live").status == 404);
    CHECK(Get(plain.port(), "/__casebook/live.js").status == 404);
  }
  server::ServeOptions o = site.Options();
  o.live_reload = true;
  server::ArchiveServer live(site.cfg, o);
  std::string error;
  REQUIRE(live.Start(&error));
  const int port = live.port();
  auto home = Get(port, "/");
  CHECK(home.status == 200);
  CHECK(home.body == "<!DOCTYPE html><title>Home</title><p>HOME PAGE</p><script "
                     "src=\"/__casebook/live.js\" data-live=\"/__casebook/live\"></script>\n");
  CheckSecurityHeaders(home);  // script-src 'self' allows it; nothing inline
  CHECK(Get(port, "/css/site.css").body == "body { color: #111; }");
  CHECK(Get(port, "/postmortems.json").body == "[]");
  auto first = Get(port, "/__casebook/live");
  CHECK(first.status == 200);
  CHECK(first.Header("cache-control") == "no-store");
  CHECK(Get(port, "/__casebook/live").body == first.body);  // nothing published since
  // A build publishes by swapping the output folder for a new one.
  const std::string out = site.cfg.OutputDir();
  REQUIRE(::rename(out.c_str(), (out + ".old").c_str()) == 0);
  REQUIRE(::mkdir(out.c_str(), 0755) == 0);
  CHECK(Get(port, "/__casebook/live").body != first.body);
  CHECK(Get(port, "/__casebook/live.js").Header("content-type") ==
        "text/javascript; charset=utf-8");
}

TEST_CASE("serve: traversal attempts never reach files outside the site", "[server]") {
  Site site;
  server::ArchiveServer srv(site.cfg, site.Options());
  std::string error;
  REQUIRE(srv.Start(&error));
  for (const char* target : {"/../outside.txt", "/../../../../etc/passwd", "/%2e%2e/outside.txt",
                             "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd", "/..%2foutside.txt",
                             "/leak.html", "/css/..%5c..%5coutside.txt", "//etc/passwd",
                             "/index.html%00.css", "/%252e%252e/outside.txt"}) {
    INFO(target);
    auto r = Get(srv.port(), target);
    CHECK((r.status == 400 || r.status == 403 || r.status == 404));
    CHECK_FALSE(Contains(r.body, "OUTSIDE SECRET"));
    CHECK_FALSE(Contains(r.body, "root:"));
    CheckSecurityHeaders(r);
  }
  CHECK(Get(srv.port(), "/leak.html").status == 403);
  // Still serving after all that.
  CHECK(Get(srv.port(), "/").status == 200);
  srv.Stop();
}

TEST_CASE("serve: 404 page, 405 for other methods, malformed requests", "[server]") {
  Site site;
  server::ArchiveServer srv(site.cfg, site.Options());
  std::string error;
  REQUIRE(srv.Start(&error));
  const int port = srv.port();

  auto missing = Get(port, "/no/such/page/");
  CHECK(missing.status == 404);
  CHECK(Contains(missing.body, "SITE 404 PAGE"));
  CheckSecurityHeaders(missing);

  auto post = Request(port, "POST", "/search/?q=x", "q=kafka");
  CHECK(post.status == 405);
  CHECK(post.Header("allow") == "GET, HEAD");
  CheckSecurityHeaders(post);
  CHECK(Request(port, "DELETE", "/index.html").status == 405);
  CHECK(Request(port, "TRACE", "/").status == 405);

  // DNS rebinding: a loopback server answers only for loopback host names.
  auto rebound = Parse(Exchange(port, "GET / HTTP/1.1\r\nHost: evil.example:8080\r\nConnection: close\r\n\r\n"));
  CHECK(rebound.status == 403);
  CHECK_FALSE(Contains(rebound.body, "HOME PAGE"));
  CHECK(Parse(Exchange(port, "GET / HTTP/1.1\r\nHost: localhost:1\r\nConnection: close\r\n\r\n")).status == 200);
  CHECK(Parse(Exchange(port, "GET / HTTP/1.1\r\nHost: [::1]:1\r\nConnection: close\r\n\r\n")).status == 200);

  // Garbage and an over-long request line get errors, not a dead server.
  auto garbage = Parse(Exchange(port, "NOT HTTP AT ALL\r\n\r\n"));
  CHECK(garbage.status >= 400);
  auto huge = Get(port, "/" + std::string(10000, 'a'));
  CHECK(huge.status == 414);
  CheckSecurityHeaders(huge);
  auto too_big = Request(port, "POST", "/", std::string(200 * 1024, 'x'));
  CHECK(too_big.status == 413);
  CHECK(Get(port, "/").status == 200);
  srv.Stop();
}

TEST_CASE("serve: search page and JSON API", "[server]") {
  Site site;
  server::ArchiveServer srv(site.cfg, site.Options());
  std::string error;
  REQUIRE(srv.Start(&error));
  const int port = srv.port();

  auto page = Get(port, "/search/?q=kafka");
  CHECK(page.status == 200);
  CHECK(page.Header("content-type") == "text/html; charset=utf-8");
  CHECK(Contains(page.body, "Payment confirmations delayed by Kafka consumer lag"));
  CHECK(Contains(page.body, "href=\"/postmortems/kafka-lag/\""));
  CheckSecurityHeaders(page);
  // The search form of a site built with relative_urls submits here.
  auto from_form = Get(port, "/search/index.html?q=kafka");
  CHECK(from_form.status == 200);
  CHECK(Contains(from_form.body, "href=\"/postmortems/kafka-lag/\""));
  // Snippets come highlighted (Xapian escapes them; <mark> marks matches).
  CHECK(Contains(Get(port, "/search/?q=rebalanced").body, "<mark>rebalanced</mark>"));
  // Facets link to a refined query.
  auto all = Get(port, "/search?q=checkout");
  CHECK(all.status == 200);
  CHECK(Contains(all.body, "class=\"facet\""));
  CHECK(Contains(all.body, "q=checkout%20service%3Acheckout-api"));

  auto api = Get(port, "/api/search?q=database&limit=5");
  CHECK(api.status == 200);
  CHECK(api.Header("content-type") == "application/json; charset=utf-8");
  CHECK(Contains(api.body, "\"hits\""));
  CHECK(Contains(api.body, "\"db-failover\""));
  CHECK(Contains(api.body, "\"link\":\"/postmortems/db-failover/\""));
  CheckSecurityHeaders(api);

  // A query the parser rejects is a result page, not a server error.
  auto bad = Get(port, "/search/?q=%22unbalanced+AND+OR");
  CHECK(bad.status == 200);
  auto bad_api = Get(port, "/api/search?q=%22unbalanced+AND+OR");
  CHECK(bad_api.status == 200);
  CHECK(Contains(bad_api.body, "\"hits\""));
  // Query strings are escaped in the page.
  auto xss = Get(port, "/search/?q=%3Cscript%3Ealert(1)%3C/script%3E");
  CHECK(xss.status == 200);
  CHECK_FALSE(Contains(xss.body, "<script>alert"));

  // A misspelling that matches nothing is retried as corrected.
  auto typo = Get(port, "/api/search?q=rebalnced");
  CHECK(typo.status == 200);
  CHECK(Contains(typo.body, "\"corrected_query\":\"rebalanced\""));
  CHECK(Contains(Get(port, "/search/?q=rebalnced").body, "showing results for “rebalanced”"));

  // Over-long queries are refused with a message.
  auto long_q = Get(port, "/search/?q=" + std::string(2000, 'a'));
  CHECK(long_q.status == 414);
  CHECK(Contains(long_q.body, "too long"));
  CHECK(Get(port, "/api/search?q=" + std::string(2000, 'a')).status == 414);
  CHECK(Get(port, "/api/search?q=x&sort=sideways").status == 400);
  CHECK(Get(port, "/api/search?q=x&offset=-1").status == 400);
  CHECK(Get(port, "/search/?q=kafka&offset=abc&sort=sideways").status == 200);
  // An empty query shows the form.
  CHECK(Get(port, "/search/").status == 200);
  srv.Stop();
}

TEST_CASE("serve: without a search index, static pages still work", "[server]") {
  Site site(/*with_index=*/false);
  server::ArchiveServer srv(site.cfg, site.Options());
  std::string error;
  REQUIRE(srv.Start(&error));
  auto page = Get(srv.port(), "/search/?q=kafka");
  CHECK(page.status == 200);
  CHECK(Contains(page.body, "No search index: run casebook build"));
  auto api = Get(srv.port(), "/api/search?q=kafka");
  CHECK(api.status == 503);
  CHECK(Contains(api.body, "No search index: run casebook build"));
  CHECK(Get(srv.port(), "/").status == 200);
  srv.Stop();
}

TEST_CASE("serve: a base path", "[server]") {
  Site site(/*with_index=*/true, "https://example.com/pm/");
  server::ArchiveServer srv(site.cfg, site.Options());
  std::string error;
  REQUIRE(srv.Start(&error));
  CHECK(Contains(srv.Url(), "/pm/"));
  auto bare = Get(srv.port(), "/pm");
  CHECK(bare.status == 301);
  CHECK(bare.Header("location") == "/pm/");
  CHECK(Contains(Get(srv.port(), "/pm/").body, "HOME PAGE"));
  CHECK(Get(srv.port(), "/index.html").status == 404);
  auto search = Get(srv.port(), "/pm/search/?q=kafka");
  CHECK(Contains(search.body, "href=\"/pm/postmortems/kafka-lag/\""));
  CHECK(Get(srv.port(), "/pm/api/search?q=kafka").status == 200);
  srv.Stop();
}

TEST_CASE("serve: a port in use is a clear error, loopback detection", "[server]") {
  Site site(/*with_index=*/false);
  server::ArchiveServer first(site.cfg, site.Options());
  std::string error;
  REQUIRE(first.Start(&error));
  server::ServeOptions o = site.Options();
  o.port = first.port();
  server::ArchiveServer second(site.cfg, o);
  CHECK_FALSE(second.Start(&error));
  CHECK(Contains(error, "already in use"));
  first.Stop();
  first.Stop();  // idempotent

  CHECK(server::IsLoopbackAddress("127.0.0.1"));
  CHECK(server::IsLoopbackAddress("127.1.2.3"));
  CHECK(server::IsLoopbackAddress("::1"));
  CHECK(server::IsLoopbackAddress("localhost"));
  CHECK_FALSE(server::IsLoopbackAddress("0.0.0.0"));
  CHECK_FALSE(server::IsLoopbackAddress("192.168.1.10"));
  CHECK_FALSE(server::IsLoopbackAddress("::"));
}

TEST_CASE("serve: the default theme's search page", "[server]") {
  Site site;
  site.cfg.theme = casebook::test::SourceDir() + "/themes/default";
  server::ArchiveServer srv(site.cfg, site.Options());
  std::string error;
  REQUIRE(srv.Start(&error));
  auto page = Get(srv.port(), "/search/?q=checkout");
  CHECK(page.status == 200);
  CHECK(Contains(page.body, "Checkout errors after database failover"));
  CHECK(Contains(page.body, "data-rendered=\"true\""));
  CHECK(Contains(page.body, "href=\"/search/?q=checkout%20service%3Acheckout-api\""));
  CHECK(Contains(page.body, "<script src=\"/js/search.js\" defer></script>"));
  // No inline scripts (the CSP would block them).
  CHECK_FALSE(Contains(page.body, "<script>"));
  auto empty = Get(srv.port(), "/search/");
  CHECK(empty.status == 200);
  CHECK(Contains(empty.body, "id=\"search-results\""));
  srv.Stop();
}
