// A damaged search index rebuilds itself: bytes flipped in any file of it,
// the build still succeeds, says so once, and search works again.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <vector>

#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::RunCasebook;
using casebook::test::TempDir;

namespace {

const std::string kBuild = "build --today 2024-06-01";

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Inverts 16 bytes of `path` from `fraction` of its length (the file keeps
// its size; with `keep_mtime`, its modification time too, as bit rot would).
void FlipBytes(const fs::path& path, double fraction, bool keep_mtime) {
  const auto mtime = fs::last_write_time(path);
  const auto size = fs::file_size(path);
  REQUIRE(size > 0);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  for (std::uintmax_t i = 0; i < 16 && i < size; ++i) {
    const auto at = static_cast<std::streamoff>((static_cast<std::uintmax_t>(size * fraction) + i) % size);
    f.seekg(at);
    char c = 0;
    f.get(c);
    f.seekp(at);
    f.put(static_cast<char>(~c));
  }
  f.close();
  if (keep_mtime) fs::last_write_time(path, mtime);
}

// The files of the published version of the index.
std::vector<fs::path> IndexFiles(const std::string& site) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(site + "/.casebook/index"))
    if (e.is_regular_file() && e.path().parent_path().filename().string()[0] == 'v' &&
        e.path().filename() != "flintlock" && fs::file_size(e.path()) > 0)
      files.push_back(e.path());
  return files;
}

void ExpectSearchWorks(const std::string& site) {
  auto r = RunCasebook("search \"resolution failures\"", site);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.out, "Internal DNS resolution failures"));
}

}  // namespace

TEST_CASE("bytes flipped in any file of the search index: the build rebuilds it with a warning") {
  TempDir dir;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  REQUIRE(RunCasebook(kBuild, dir.path()).exit_code == 0);
  const size_t files = IndexFiles(dir.path()).size();
  REQUIRE(files >= 6);  // the Xapian tables and the seal
  int edit = 0;
  for (size_t k = 0; k < files; ++k) {
    for (double fraction : {0.0, 0.5, 0.9}) {
      const fs::path file = IndexFiles(dir.path())[k];
      INFO(file.filename().string() << " at " << fraction);
      FlipBytes(file, fraction, /*keep_mtime=*/false);
      // An edit too, so the index must be written to.
      dir.Write("content/2024/2024-05-01-edit.md",
                "+++\ntitle = \"Edit " + std::to_string(++edit) +
                    "\"\ndate = 2024-05-01\nseverity = \"SEV3\"\n+++\n\nBody.\n");
      auto r = RunCasebook(kBuild, dir.path());
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
      CHECK(Contains(r.err, "search/index"));
      CHECK(Contains(r.err, "rebuilt from scratch"));
      CHECK(Contains(r.err, file.filename().string()));
      ExpectSearchWorks(dir.path());
      // Once rebuilt, the warning does not come back.
      r = RunCasebook(kBuild, dir.path());
      REQUIRE(r.exit_code == 0);
      CHECK_FALSE(Contains(r.err, "search/index"));
    }
  }
}

TEST_CASE("bit rot that keeps the files' times, a lost stub or a deleted table never fails a build") {
  TempDir dir;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  REQUIRE(RunCasebook(kBuild, dir.path()).exit_code == 0);
  int edit = 0;
  auto build_and_search = [&](const std::string& step) {
    INFO(step);
    dir.Write("content/2024/2024-05-01-edit.md",
              "+++\ntitle = \"Edit " + std::to_string(++edit) +
                  "\"\ndate = 2024-05-01\nseverity = \"SEV3\"\n+++\n\nBody.\n");
    auto r = RunCasebook(kBuild, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    ExpectSearchWorks(dir.path());
  };
  const size_t files = IndexFiles(dir.path()).size();
  for (size_t k = 0; k < files; ++k)
    for (double fraction : {0.05, 0.3, 0.6}) {
      const fs::path file = IndexFiles(dir.path())[k];
      FlipBytes(file, fraction, /*keep_mtime=*/true);
      build_and_search(file.filename().string() + " flipped in place, same mtime");
    }
  std::ofstream(dir.path() + "/.casebook/index/current", std::ios::trunc) << "garbage";
  build_and_search("the stub names no version");
  fs::remove(IndexFiles(dir.path()).front());
  build_and_search("a table deleted");
}

namespace {

// Copies the site folder `from` into `to` (which exists); with `keep_times`
// every file keeps its modification time, as cp -a and rsync -a do.
void CopySite(const std::string& from, const std::string& to, bool keep_times) {
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  if (!keep_times) return;
  for (const auto& e : fs::recursive_directory_iterator(from))
    if (e.is_regular_file())
      fs::last_write_time(fs::path(to) / fs::relative(e.path(), from), e.last_write_time());
}

// Adds (or rewrites) a postmortem titled `title` and builds.
casebook::test::CommandResult EditAndBuild(const TempDir& site, const std::string& title) {
  site.Write("content/2024/2024-05-01-edit.md",
             "+++\ntitle = \"" + title + "\"\ndate = 2024-05-01\nseverity = \"SEV3\"\n+++\n\nBody.\n");
  return RunCasebook(kBuild, site.path());
}

void ExpectFound(const TempDir& site, const std::string& query, const std::string& title) {
  auto r = RunCasebook("search \"" + query + "\"", site.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.out, title));
}

}  // namespace

TEST_CASE("an index updated in place is re-sealed by stat alone and copies that keep times are used") {
  TempDir site;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", site.path(), fs::copy_options::recursive);
  REQUIRE(RunCasebook(kBuild, site.path()).exit_code == 0);
  auto r = EditAndBuild(site, "Quokka pager storm");  // an update in place
  REQUIRE(r.exit_code == 0);
  CHECK_FALSE(Contains(r.err, "search/index"));
  std::string seal;
  for (const auto& e : fs::directory_iterator(site.path() + "/.casebook/index"))
    if (e.is_directory() && e.path().filename().string()[0] == 'v')
      seal = site.Read(fs::relative(e.path() / "casebook.seal", site.path()).string());
  // The tables the update changed are sealed without reading them: no hash.
  CHECK(Contains(seal, " - postlist.glass\n"));
  ExpectFound(site, "quokka", "Quokka pager storm");

  SECTION("a copy that keeps modification times is updated, not rebuilt") {
    TempDir copy;
    CopySite(site.path(), copy.path(), /*keep_times=*/true);
    r = EditAndBuild(copy, "Wombat pager storm");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_FALSE(Contains(r.err, "search/index"));
    ExpectFound(copy, "wombat", "Wombat pager storm");
  }
  SECTION("a copy that does not keep them is rebuilt once, then verified by its bytes") {
    TempDir copy;
    CopySite(site.path(), copy.path(), /*keep_times=*/false);
    r = EditAndBuild(copy, "Wombat pager storm");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(Contains(r.err, "rebuilt from scratch"));
    CHECK(Contains(r.err, "must keep modification times"));
    ExpectFound(copy, "wombat", "Wombat pager storm");
    // A new version has every file hashed: a copy of it is checked by its
    // bytes and used.
    TempDir second;
    CopySite(copy.path(), second.path(), /*keep_times=*/false);
    r = EditAndBuild(second, "Numbat pager storm");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_FALSE(Contains(r.err, "search/index"));
    ExpectFound(second, "numbat", "Numbat pager storm");
  }
}
