// The static-file rules of `casebook serve` (server/static_files.h), without
// HTTP: path decoding, traversal, symlinks, base path, content types.
#include <catch2/catch.hpp>
#include <unistd.h>

#include "server/static_files.h"
#include "test_support.h"

using casebook::server::ContentTypeFor;
using casebook::server::PathOfTarget;
using casebook::server::PercentDecode;
using casebook::server::ResolveStatic;
using casebook::server::StaticStatus;
using casebook::test::TempDir;

namespace {

// <tmp>/public is the site; <tmp>/secret.txt lies outside it.
struct Fixture {
  TempDir dir;
  std::string root;
  Fixture() {
    dir.Write("public/index.html", "home");
    dir.Write("public/style.css", "body{}");
    dir.Write("public/postmortems/a/index.html", "a");
    dir.Write("public/empty/readme.txt", "no index here");
    dir.Write("public/.git/config", "dot");
    dir.Write("public/zürich dc/index.html", "unicode");
    dir.Write("secret.txt", "TOP SECRET");
    root = dir.path() + "/public";
    REQUIRE(::symlink((dir.path() + "/secret.txt").c_str(), (root + "/leak.txt").c_str()) == 0);
    REQUIRE(::symlink(dir.path().c_str(), (root + "/up").c_str()) == 0);
    REQUIRE(::symlink("style.css", (root + "/alias.css").c_str()) == 0);
  }
  casebook::server::StaticTarget Get(const std::string& path, const std::string& base = "/") {
    return ResolveStatic(root, base, path);
  }
};

}  // namespace

TEST_CASE("static: files and folders inside the site are served", "[server]") {
  Fixture f;
  auto t = f.Get("/style.css");
  REQUIRE(t.status == StaticStatus::kFile);
  CHECK(t.file.size() > 10);
  CHECK(t.file.substr(t.file.size() - 10) == "/style.css");

  CHECK(f.Get("/").status == StaticStatus::kFile);
  CHECK(f.Get("/postmortems/a/").status == StaticStatus::kFile);
  CHECK(f.Get("/postmortems//a/").status == StaticStatus::kFile);
  CHECK(f.Get("/z%C3%BCrich%20dc/").status == StaticStatus::kFile);
  // A symlink to another file inside the site is followed.
  CHECK(f.Get("/alias.css").status == StaticStatus::kFile);
}

TEST_CASE("static: folders redirect to a trailing slash, built from safe parts", "[server]") {
  Fixture f;
  auto t = f.Get("/postmortems/a");
  REQUIRE(t.status == StaticStatus::kRedirect);
  CHECK(t.location == "/postmortems/a/");
  // A request path starting with "//" must not become an off-site redirect.
  auto t2 = f.Get("//postmortems/a");
  REQUIRE(t2.status == StaticStatus::kRedirect);
  CHECK(t2.location == "/postmortems/a/");
  CHECK(f.Get("/z%C3%BCrich%20dc").location == "/z%C3%BCrich%20dc/");
  // A folder without index.html is not listed.
  CHECK(f.Get("/empty/").status == StaticStatus::kNotFound);
  // A file asked for as a folder.
  CHECK(f.Get("/style.css/").status == StaticStatus::kNotFound);
}

TEST_CASE("static: traversal, encoded separators and symlinks out are refused", "[server]") {
  Fixture f;
  for (const char* path : {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/%2e%2e/etc/passwd",
                           "/..%2fsecret.txt", "/..%2F..%2Fetc/passwd", "/a/../../secret.txt",
                           "/..%5csecret.txt", "/..\\secret.txt", "/leak.txt", "/up/secret.txt",
                           "/.", "/%2e/style.css"}) {
    INFO(path);
    auto t = f.Get(path);
    CHECK((t.status == StaticStatus::kForbidden || t.status == StaticStatus::kNotFound ||
           t.status == StaticStatus::kBadRequest));
    CHECK(t.file.empty());
  }
  CHECK(f.Get("/leak.txt").status == StaticStatus::kForbidden);
  CHECK(f.Get("/%2e%2e/secret.txt").status == StaticStatus::kForbidden);
}

TEST_CASE("static: NUL, control bytes, bad escapes and relative targets are bad requests", "[server]") {
  Fixture f;
  CHECK(f.Get("/style.css%00.html").status == StaticStatus::kBadRequest);
  CHECK(f.Get("/a%0d%0aSet-Cookie:x").status == StaticStatus::kBadRequest);
  CHECK(f.Get("/%zz").status == StaticStatus::kBadRequest);
  CHECK(f.Get("/%4").status == StaticStatus::kBadRequest);
  CHECK(f.Get("style.css").status == StaticStatus::kBadRequest);
  CHECK(f.Get("").status == StaticStatus::kBadRequest);
  CHECK(f.Get("http://example.com/style.css").status == StaticStatus::kBadRequest);
}

TEST_CASE("static: dot-files are not served", "[server]") {
  Fixture f;
  CHECK(f.Get("/.git/config").status == StaticStatus::kNotFound);
  CHECK(f.Get("/%2egit/config").status == StaticStatus::kNotFound);
}

TEST_CASE("static: the base path", "[server]") {
  Fixture f;
  CHECK(f.Get("/pm/style.css", "/pm/").status == StaticStatus::kFile);
  CHECK(f.Get("/pm/", "/pm/").status == StaticStatus::kFile);
  auto t = f.Get("/pm", "/pm/");
  REQUIRE(t.status == StaticStatus::kRedirect);
  CHECK(t.location == "/pm/");
  CHECK(f.Get("/style.css", "/pm/").status == StaticStatus::kNotFound);
  CHECK(f.Get("/pmstyle.css", "/pm/").status == StaticStatus::kNotFound);
  CHECK(f.Get("/pm/../secret.txt", "/pm/").status == StaticStatus::kForbidden);
}

TEST_CASE("static: a missing output folder serves nothing", "[server]") {
  TempDir dir;
  CHECK(ResolveStatic(dir.path() + "/nope", "/", "/index.html").status == StaticStatus::kNotFound);
}

TEST_CASE("static: content types", "[server]") {
  CHECK(ContentTypeFor("index.html") == "text/html; charset=utf-8");
  CHECK(ContentTypeFor("/x/site.CSS") == "text/css; charset=utf-8");
  CHECK(ContentTypeFor("js/search.js") == "text/javascript; charset=utf-8");
  CHECK(ContentTypeFor("logo.svg") == "image/svg+xml");
  CHECK(ContentTypeFor("sitemap.xml") == "application/xml; charset=utf-8");
  CHECK(ContentTypeFor("/out/feed.xml") == "application/atom+xml; charset=utf-8");
  CHECK(ContentTypeFor("tags/db/feed.xml") == "application/atom+xml; charset=utf-8");
  CHECK(ContentTypeFor("postmortems.json") == "application/json; charset=utf-8");
  CHECK(ContentTypeFor("a.png") == "image/png");
  CHECK(ContentTypeFor("favicon.ico") == "image/x-icon");
  CHECK(ContentTypeFor("robots.txt") == "text/plain; charset=utf-8");
  CHECK(ContentTypeFor("actions.csv") == "text/csv; charset=utf-8");
  CHECK(ContentTypeFor("Makefile") == "application/octet-stream");
  CHECK(ContentTypeFor("x.exe") == "application/octet-stream");
}

TEST_CASE("static: percent-decoding and target paths", "[server]") {
  CHECK(PercentDecode("/a%20b") == std::optional<std::string>("/a b"));
  CHECK(PercentDecode("+") == std::optional<std::string>("+"));
  CHECK_FALSE(PercentDecode("%g0").has_value());
  CHECK_FALSE(PercentDecode("%").has_value());
  CHECK(PathOfTarget("/search/?q=x") == "/search/");
  CHECK(PathOfTarget("/a#frag") == "/a");
  CHECK(PathOfTarget("/plain") == "/plain");
}
