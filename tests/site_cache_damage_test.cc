// Caches are verified, never trusted blindly: every file in .casebook/
// corrupted, truncated, swapped with its sibling, replaced by an older copy
// of itself or deleted in turn, and the next build still publishes exactly
// what a clean build does (a postmortem deleted earlier never comes back).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::RunCasebook;
using casebook::test::Snapshot;
using casebook::test::TempDir;

namespace {

const std::string kBuild = "build --today 2024-06-01";

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ReplaceFirst(std::string s, const std::string& from, const std::string& to) {
  size_t pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

// The cache files of `site` (relative to .casebook/): everything but lock
// files and the Xapian tables (site_index_damage_test.cc flips those).
std::vector<std::string> CacheFiles(const std::string& site) {
  std::vector<std::string> files;
  const fs::path root = fs::path(site) / ".casebook";
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    const std::string rel = fs::relative(e.path(), root).generic_string();
    if (name == "lock" || name == "flintlock" || name.find(".lock") != std::string::npos) continue;
    if (rel.rfind("index/v", 0) == 0 && name != "casebook.seal") continue;
    files.push_back(rel);
  }
  return files;
}

// The file a swap puts in place of `rel`: its sibling (output <-> staging
// manifest, content <-> bodies cache), "" when it has none.
std::string SwapPartner(const std::vector<std::string>& files, const std::string& rel) {
  for (const auto& [a, b] : {std::pair<std::string, std::string>{"output-", "staging-"},
                             {"content-", "bodies-"}}) {
    for (const auto& [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
      if (rel.rfind(from, 0) != 0) continue;
      std::string other = to + rel.substr(from.size());
      for (const auto& f : files)
        if (f == other) return other;
    }
  }
  return "";
}

}  // namespace

TEST_CASE("every cache file corrupted, truncated, swapped or deleted: the output equals a clean build") {
  TempDir work, contents;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", work.path(), fs::copy_options::recursive);
  const std::string content = work.path() + "/content";
  // Three states of the archive: A; B deletes a postmortem and edits
  // another; C edits a summary lists show.
  const std::string a = contents.path() + "/a", b = contents.path() + "/b", c = contents.path() + "/c";
  fs::copy(content, a, fs::copy_options::recursive);
  fs::copy(a, b, fs::copy_options::recursive);
  fs::remove(b + "/2023/2023-11-02-primary-failover.md");
  std::ofstream(b + "/2023/2023-06-14-dns-outage.md", std::ios::app) << "\nOne more line.\n";
  fs::copy(b, c, fs::copy_options::recursive);
  const std::string pool = c + "/2024/2024-03-12-checkout-pool.md";
  std::ofstream(pool + ".new") << ReplaceFirst(Slurp(pool), "Connection pool exhaustion",
                                               "Pool exhaustion");
  fs::rename(pool + ".new", pool);

  auto clean_build = [&](const std::string& from) {
    TempDir clean;
    fs::copy(work.path() + "/site.toml", clean.path() + "/site.toml");
    fs::copy(from, clean.path() + "/content", fs::copy_options::recursive);
    auto r = RunCasebook(kBuild + " --no-cache", clean.path());
    REQUIRE(r.exit_code == 0);
    return Snapshot(clean.path() + "/public");
  };
  const auto clean_a = clean_build(a), clean_c = clean_build(c);
  auto build = [&](const std::string& from) {
    fs::remove_all(content);
    fs::copy(from, content, fs::copy_options::recursive);
    auto r = RunCasebook(kBuild, work.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  };

  build(a);
  std::map<std::string, std::string> earlier;  // the cache as the first build left it
  for (const auto& rel : CacheFiles(work.path()))
    earlier[rel] = Slurp(work.path() + "/.casebook/" + rel);
  build(b);
  const std::vector<std::string> files = CacheFiles(work.path());
  REQUIRE(files.size() >= 8);  // content, bodies, output, staging, index caches and seal

  int damaged = 0;
  for (const auto& rel : files) {
    for (const std::string mode : {"corrupt", "truncate", "swap", "older", "delete"}) {
      INFO(mode << " .casebook/" << rel);
      const fs::path path = work.path() + "/.casebook/" + rel;
      // Published: B (A two builds ago, with the postmortem B deleted).
      if (!fs::exists(path)) continue;  // not written this time round
      std::string bytes = Slurp(path);
      if (mode == "corrupt") {
        for (size_t i = bytes.size() / 2; i < bytes.size() && i < bytes.size() / 2 + 16; ++i)
          bytes[i] = static_cast<char>(~bytes[i]);
        std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
      } else if (mode == "truncate") {
        fs::resize_file(path, bytes.size() / 2);
      } else if (mode == "swap") {
        const std::string partner = SwapPartner(files, rel);
        if (!partner.empty()) {
          const fs::path other = work.path() + "/.casebook/" + partner;
          if (!fs::exists(other)) continue;
          fs::rename(path, path.string() + ".swap");
          fs::rename(other, path);
          fs::rename(path.string() + ".swap", other);
        } else {
          continue;
        }
      } else if (mode == "older") {  // what restoring an old CI cache does
        if (!earlier.count(rel) || earlier[rel] == bytes) continue;
        std::ofstream(path, std::ios::binary | std::ios::trunc) << earlier[rel];
      } else {
        fs::remove(path);
      }
      ++damaged;
      build(c);
      auto published = Snapshot(work.path() + "/public");
      CHECK_FALSE(published.count("postmortems/2023-11-02-primary-failover/index.html"));
      CHECK(published == clean_c);
      // Back to A (a clean A, too), then B for the next round.
      build(a);
      CHECK(Snapshot(work.path() + "/public") == clean_a);
      build(b);
    }
  }
  CHECK(damaged >= 32);
}
