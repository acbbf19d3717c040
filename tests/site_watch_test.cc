// site::StampInputs, what `serve --watch` polls: it changes when an input
// is written, added, removed or renamed, and not when a build writes its
// output, cache and index, or an editor its dot-files.
#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "config/config.h"
#include "site/watch.h"
#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::RunCasebook;
using casebook::test::TempDir;

namespace {

casebook::config::SiteConfig LoadFixture(const TempDir& dir) {
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  casebook::util::Diagnostics diags;
  auto cfg = casebook::config::Load(dir.path() + "/site.toml", &diags);
  REQUIRE_FALSE(diags.HasErrors());
  return cfg;
}

// Rewrites a file with new bytes of the same size: only its mtime (and, for
// some editors, its inode) tells.
void Touch(const std::string& path) {
  auto t = fs::last_write_time(path);
  fs::last_write_time(path, t + std::chrono::seconds(1));
}

}  // namespace

TEST_CASE("watch: the stamp holds while nothing is written and a build does not move it") {
  TempDir dir;
  auto cfg = LoadFixture(dir);
  std::string before = casebook::site::StampInputs(cfg);
  CHECK(before == casebook::site::StampInputs(cfg));

  auto r = RunCasebook("build --today 2024-06-01", dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(dir.Exists("public/index.html"));
  REQUIRE(dir.Exists(".casebook"));
  dir.Write("content/.2024-03-12-checkout-pool.md.swp", "editor swap file");
  dir.Write("content/2024/.#lock", "emacs lock");
  CHECK(casebook::site::StampInputs(cfg) == before);
}

TEST_CASE("watch: editing, adding, removing or renaming an input changes the stamp") {
  TempDir dir;
  auto cfg = LoadFixture(dir);
  const std::string pm = dir.path() + "/content/2024/2024-03-12-checkout-pool.md";
  std::string s0 = casebook::site::StampInputs(cfg);

  Touch(pm);  // same bytes, newer mtime
  std::string s1 = casebook::site::StampInputs(cfg);
  CHECK(s1 != s0);

  dir.Write("content/2025/2025-01-01-new.md", "+++\ntitle = \"New\"\n+++\n");
  std::string s2 = casebook::site::StampInputs(cfg);
  CHECK(s2 != s1);

  fs::rename(dir.path() + "/content/2025/2025-01-01-new.md",
             dir.path() + "/content/2025/2025-01-02-renamed.md");
  std::string s3 = casebook::site::StampInputs(cfg);
  CHECK(s3 != s2);

  fs::remove(dir.path() + "/content/2025/2025-01-02-renamed.md");
  std::string s4 = casebook::site::StampInputs(cfg);
  CHECK(s4 != s3);

  Touch(dir.path() + "/site.toml");
  std::string s5 = casebook::site::StampInputs(cfg);
  CHECK(s5 != s4);

  dir.Write("static/logo.svg", "<svg/>");
  std::string s6 = casebook::site::StampInputs(cfg);
  CHECK(s6 != s5);

  // A file beside the postmortems may be published with one (an image).
  dir.Write("content/2024/latency.svg", "<svg/>");
  std::string s7 = casebook::site::StampInputs(cfg);
  CHECK(s7 != s6);
  s6 = s7;

  // The theme: the site's own, once it has one.
  dir.Write("themes/default/templates/base.mustache", "{{{content}}}");
  CHECK(casebook::site::StampInputs(cfg) != s6);
}

TEST_CASE("watch: the inotify hint wakes up on writes, in new folders too, and sleeps otherwise") {
  TempDir dir;
  auto cfg = LoadFixture(dir);
  casebook::site::InputWatcher watcher(cfg);
  watcher.MaybeChanged();  // whatever copying the fixture left queued
  CHECK_FALSE(watcher.MaybeChanged());

  dir.Write("content/2024/2024-03-12-checkout-pool.md", "+++\ntitle = \"Edited\"\n+++\n");
  CHECK(watcher.MaybeChanged());
  CHECK_FALSE(watcher.MaybeChanged());

  fs::create_directories(dir.path() + "/content/2026/q1");
  CHECK(watcher.MaybeChanged());  // and the new folders are watched from now on
  dir.Write("content/2026/q1/2026-01-05-new.md", "+++\ntitle = \"New\"\n+++\n");
  CHECK(watcher.MaybeChanged());

  dir.Write("site.toml", dir.Read("site.toml") + "\n# edited\n");
  CHECK(watcher.MaybeChanged());
}
