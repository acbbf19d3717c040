// Shared by the site tests: an incremental build must give exactly the
// bytes of a clean one. Header-only because it asserts with Catch.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "test_support.h"

namespace casebook::test {

/// Runs `build` in `work` (incrementally, over its cache), then the same
/// command with --no-cache on a copy of its inputs (site.toml, content/,
/// layouts/, static/), and checks that both published the same files with
/// the same bytes (and, with `same_warnings`, printed the same warnings).
/// Returns the incremental build's result.
inline CommandResult CompareWithClean(const TempDir& work, const std::string& build,
                                      const std::string& step, bool same_warnings = false) {
  namespace fs = std::filesystem;
  INFO(step);
  auto r = RunCasebook(build, work.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  TempDir clean;
  for (const char* part : {"site.toml", "content", "layouts", "static"}) {
    fs::path from = fs::path(work.path()) / part;
    if (fs::exists(from)) fs::copy(from, fs::path(clean.path()) / part, fs::copy_options::recursive);
  }
  auto c = RunCasebook(build + " --no-cache", clean.path());
  REQUIRE(c.exit_code == 0);
  if (same_warnings) CHECK(r.err == c.err);
  auto incremental = Snapshot(work.path() + "/public");
  auto fresh = Snapshot(clean.path() + "/public");
  REQUIRE(incremental.size() == fresh.size());
  for (const auto& [path, bytes] : fresh) {
    INFO(path);
    REQUIRE(incremental.count(path));
    CHECK(incremental[path] == bytes);
  }
  return r;
}

}  // namespace casebook::test
