// Files beside postmortems: the real binary builds the fixture archive with
// an image and a CSV next to a postmortem and a page bundle
// (<folder>/index.md with its own files). Linked files and bundle files are
// published, the page's links point at them (relative and absolute URLs),
// nothing outside the source folder or hidden is published, a missing or
// escaping link warns in build and check, and incremental builds match
// clean ones as files come and go.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

#include "compare_with_clean.h"
#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::CompareWithClean;
using casebook::test::RunCasebook;
using casebook::test::Snapshot;
using casebook::test::TempDir;

namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const char* kPool = "content/2024/2024-03-12-checkout-pool.md";
const char* kPoolPage = "public/postmortems/2024-03-12-checkout-pool/index.html";
const char* kBundlePage = "public/postmortems/2024-05-02-db-outage/index.html";
const char* kSvg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"/>\n";

void AddFiles(const TempDir& dir) {
  dir.Write(kPool, dir.Read(kPool) +
                       "\n## Graphs\n\n"
                       "![p99 latency](latency.svg)\n\n"
                       "[raw data](data/pool%20stats.csv?x=1#row=2)\n\n"
                       "![gone](missing.png)\n\n"
                       "[config](../../site.toml) and [secret](.secret.txt)\n\n"
                       "![static](/img/x.png) [web](https://example.com/a.png) [here](#graphs)\n");
  dir.Write("content/2024/latency.svg", kSvg);
  dir.Write("content/2024/data/pool stats.csv", "minute,p99\n1,120\n");
  dir.Write("content/2024/.secret.txt", "not for the site\n");
  // A page bundle: its id and date come from the folder.
  dir.Write("content/2024/2024-05-02-db-outage/index.md",
            "+++\ntitle = \"Database outage\"\nseverity = \"SEV2\"\nservices = [\"postgres\"]\n+++\n\n"
            "## Summary\n\nThe primary stopped.\n\n![replication lag](graph.svg)\n\n"
            "See [the runbook](runbook.pdf).\n");
  dir.Write("content/2024/2024-05-02-db-outage/graph.svg", kSvg);
  dir.Write("content/2024/2024-05-02-db-outage/runbook.pdf", "%PDF-1.4 fake\n");
  dir.Write("content/2024/2024-05-02-db-outage/img/unlinked.png", "png bytes\n");
  dir.Write("content/2024/2024-05-02-db-outage/.notes", "hidden\n");
}

// The src or href attribute value that follows `marker` (e.g. `alt="x"`).
std::string AttributeNear(const std::string& html, const std::string& name,
                          const std::string& marker) {
  size_t at = html.find(marker);
  REQUIRE(at != std::string::npos);
  size_t tag = html.rfind('<', at);
  size_t end = html.find('>', at);
  std::smatch m;
  std::string element = html.substr(tag, end - tag);
  REQUIRE(std::regex_search(element, m, std::regex(name + "=\"([^\"]*)\"")));
  return m[1];
}

// Where a relative URL on the page at `page` (a file under public/) points.
fs::path Target(const std::string& root, const std::string& page, const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  std::string decoded;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size()) {
      decoded += static_cast<char>(std::stoi(path.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      decoded += path[i];
    }
  }
  return (fs::path(root) / page).parent_path() / decoded;
}

}  // namespace

TEST_CASE("files beside postmortems are published and linked from the page") {
  TempDir dir;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  AddFiles(dir);
  auto r = RunCasebook("build --no-index --today 2024-06-01", dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);

  // Linked files, once, under files/<path in content/>.
  CHECK(dir.Read("public/files/2024/latency.svg") == kSvg);
  CHECK(dir.Read("public/files/2024/data/pool stats.csv") == "minute,p99\n1,120\n");
  std::string page = dir.Read(kPoolPage);
  const std::string root = dir.path();
  std::string img = AttributeNear(page, "src", "alt=\"p99 latency\"");
  CHECK(img == "../../files/2024/latency.svg");
  CHECK(fs::is_regular_file(Target(root, kPoolPage, img)));
  std::string csv = AttributeNear(page, "href", ">raw data<");
  CHECK(Contains(csv, "?x=1#row=2"));
  CHECK(fs::is_regular_file(Target(root, kPoolPage, csv)));

  // The bundle: its page is named by its folder, and every file in the
  // folder but .md and hidden ones is published beside it.
  std::string bundle = dir.Read(kBundlePage);
  CHECK(Contains(bundle, "Database outage"));
  std::string graph = AttributeNear(bundle, "src", "alt=\"replication lag\"");
  CHECK(fs::equivalent(Target(root, kBundlePage, graph),
                       fs::path(root) / "public/postmortems/2024-05-02-db-outage/graph.svg"));
  std::string runbook = AttributeNear(bundle, "href", ">the runbook<");
  CHECK(fs::equivalent(Target(root, kBundlePage, runbook),
                       fs::path(root) / "public/postmortems/2024-05-02-db-outage/runbook.pdf"));
  CHECK(dir.Read("public/postmortems/2024-05-02-db-outage/graph.svg") == kSvg);
  CHECK(dir.Exists("public/postmortems/2024-05-02-db-outage/runbook.pdf"));
  CHECK(dir.Exists("public/postmortems/2024-05-02-db-outage/img/unlinked.png"));
  CHECK(Contains(dir.Read("public/archive/2024/index.html"), "Database outage"));

  // Nothing outside content/, hidden, or not linked from a plain postmortem.
  for (const auto& [path, bytes] : Snapshot(dir.path() + "/public")) {
    INFO(path);
    CHECK_FALSE(Contains(path, "site.toml"));
    CHECK_FALSE(Contains(path, "secret"));
    CHECK_FALSE(Contains(path, ".notes"));
    CHECK_FALSE(Contains(path, "notes.txt"));
    CHECK_FALSE(Contains(path, "index.md"));
    CHECK_FALSE(Contains(bytes, "not for the site"));
  }
  // The escaping link is left as written, the others untouched.
  CHECK(Contains(page, "href=\"../../site.toml\""));
  CHECK(Contains(page, "href=\"https://example.com/a.png\""));
  CHECK(Contains(page, "href=\"#graphs\""));

  // Warnings in build name the file and line; external, static and anchor
  // links say nothing.
  CHECK(Contains(r.err, "links/missing-file"));
  CHECK(Contains(r.err, "missing.png does not exist"));
  CHECK(Contains(r.err, "../../site.toml is outside the source folder"));
  CHECK(Contains(r.err, ".secret.txt names a hidden file"));
  CHECK_FALSE(Contains(r.err, "/img/x.png"));
  CHECK_FALSE(Contains(r.err, "example.com"));
  CHECK_FALSE(Contains(r.err, "#graphs"));

  auto check = RunCasebook("check --today 2024-06-01", dir.path());
  INFO(check.out + check.err);
  const std::string said = check.out + check.err;
  CHECK(std::regex_search(said, std::regex("2024-03-12-checkout-pool\\.md:[0-9]+:[0-9]+.*missing\\.png does not exist")));
  CHECK(Contains(said, "links/unpublished-file"));
  CHECK_FALSE(Contains(said, "latency.svg"));
  CHECK_FALSE(Contains(said, "runbook.pdf"));
}

TEST_CASE("file links use absolute URLs when relative_urls is off") {
  TempDir dir;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  dir.Write("site.toml", "relative_urls = false\n" + dir.Read("site.toml"));
  AddFiles(dir);
  auto r = RunCasebook("build --no-index --today 2024-06-01", dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::string page = dir.Read(kPoolPage);
  std::string img = AttributeNear(page, "src", "alt=\"p99 latency\"");
  CHECK(img == "/archive/files/2024/latency.svg");
  // base_url's path is /archive/: the file is at public/ + the rest.
  CHECK(fs::is_regular_file(fs::path(dir.path()) / "public" / img.substr(std::string("/archive/").size())));
  CHECK(AttributeNear(dir.Read(kBundlePage), "src", "alt=\"replication lag\"") ==
        "/archive/postmortems/2024-05-02-db-outage/graph.svg");
}

TEST_CASE("incremental builds follow files that appear, change and disappear") {
  TempDir work;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", work.path(), fs::copy_options::recursive);
  AddFiles(work);
  const std::string build = "build --no-index --today 2024-06-01";
  REQUIRE(RunCasebook(build, work.path()).exit_code == 0);

  work.Write("content/2024/missing.png", "now here\n");
  CompareWithClean(work, build, "a missing linked file appears");
  CHECK(work.Read("public/files/2024/missing.png") == "now here\n");
  CHECK(Contains(work.Read(kPoolPage), "src=\"../../files/2024/missing.png\""));

  work.Write("content/2024/2024-05-02-db-outage/graph.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n");
  work.Write("content/2024/2024-05-02-db-outage/extra.csv", "a,b\n");
  CompareWithClean(work, build, "a bundle file changes and one is added");
  CHECK(work.Read("public/postmortems/2024-05-02-db-outage/graph.svg") ==
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n");
  CHECK(work.Exists("public/postmortems/2024-05-02-db-outage/extra.csv"));

  fs::remove(fs::path(work.path()) / "content/2024/latency.svg");
  fs::remove(fs::path(work.path()) / "content/2024/2024-05-02-db-outage/extra.csv");
  CompareWithClean(work, build, "a linked file and a bundle file are removed");
  CHECK_FALSE(work.Exists("public/files/2024/latency.svg"));
  CHECK_FALSE(work.Exists("public/postmortems/2024-05-02-db-outage/extra.csv"));
  CHECK(Contains(work.Read(kPoolPage), "src=\"latency.svg\""));  // left as written
}

TEST_CASE("a file that links outside the site is never published") {
  TempDir outside;
  outside.Write("secret.txt", "private key\n");
  TempDir dir;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  AddFiles(dir);
  fs::create_symlink(outside.path() + "/secret.txt",
                     fs::path(dir.path()) / "content/2024/2024-05-02-db-outage/key.txt");
  fs::create_symlink(outside.path() + "/secret.txt", fs::path(dir.path()) / "content/2024/linked.txt");
  dir.Write(kPool, dir.Read(kPool) + "\n[key](linked.txt)\n");
  auto r = RunCasebook("build --no-index --today 2024-06-01", dir.path());
  CHECK(r.exit_code != 0);
  CHECK(Contains(r.err, "content/outside-link"));
  CHECK(Contains(r.err, "key.txt"));
  CHECK(Contains(r.err, "linked.txt"));
  if (fs::exists(fs::path(dir.path()) / "public"))
    for (const auto& [path, bytes] : Snapshot(dir.path() + "/public")) CHECK_FALSE(Contains(bytes, "private key"));
}
