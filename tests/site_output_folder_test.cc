// The output folder is casebook's or empty: a build refuses (exit 2) to
// replace a folder it did not write or one that overlaps the archive, the
// home folder or /, and writes nothing outside the output, its staging
// folder and .casebook/.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::RunCasebook;
using casebook::test::TempDir;

namespace {

const std::string kBuild = "build --today 2024-06-01";

void CopyFixture(const TempDir& dir) {
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
}

// Every entry under `root` (files with their bytes, folders and links by
// name), relative path -> bytes; `skip` lists top-level names left out.
std::map<std::string, std::string> Tree(const std::string& root,
                                        const std::vector<std::string>& skip = {}) {
  std::map<std::string, std::string> tree;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string rel = fs::relative(it->path(), root).generic_string();
    const std::string top = rel.substr(0, rel.find('/'));
    if (std::find(skip.begin(), skip.end(), top) != skip.end()) {
      if (it->is_directory() && !it->is_symlink()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink()) {
      tree[rel] = "-> " + fs::read_symlink(it->path()).string();
      it.disable_recursion_pending();
    } else if (it->is_directory()) {
      tree[rel] = "/";
    } else {
      std::ifstream in(it->path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      tree[rel] = ss.str();
    }
  }
  return tree;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// HOME set for the builds this object's scope runs.
class ScopedHome {
 public:
  explicit ScopedHome(const std::string& home) {
    if (const char* old = std::getenv("HOME")) old_ = old;
    setenv("HOME", home.c_str(), 1);
  }
  ~ScopedHome() { setenv("HOME", old_.c_str(), 1); }

 private:
  std::string old_;
};

}  // namespace

TEST_CASE("a build refuses an output folder that overlaps the archive, home or /, and keeps it whole") {
  TempDir parent, home;
  const std::string site = parent.path() + "/site";
  fs::create_directories(site);
  for (const auto& e : fs::directory_iterator(fs::path(CASEBOOK_FIXTURES) / "site"))
    fs::copy(e.path(), site / e.path().filename(), fs::copy_options::recursive);
  // What a careless --output would destroy: a repository, a theme of the
  // site's own, a home folder with its files.
  fs::create_directories(site + "/.git/objects");
  std::ofstream(site + "/.git/HEAD") << "ref: refs/heads/main\n";
  fs::create_directories(site + "/themes/mine");
  std::ofstream(site + "/themes/mine/theme.txt") << "keep me\n";
  home.Write("notes.txt", "my own notes\n");
  ScopedHome scoped(home.path());

  const auto site_before = Tree(site);
  const auto home_before = Tree(home.path());
  const auto parent_before = Tree(parent.path(), {"site"});
  struct Case {
    std::string output, says;
  };
  const std::vector<Case> cases = {
      {home.path(), "is the home folder"},
      {".git", "is the git repository"},
      {".git/objects", "is inside the git repository"},
      {"themes", "is the themes folder"},
      {"themes/mine", "is inside the themes folder"},
      {"static", "is the static folder"},
      {"layouts", "is the layouts folder"},
      {"content", "is the content folder"},
      {"content/2023", "is inside the content folder"},
      {".casebook", "is the build cache"},
      {"/", "holds the site folder"},
      {"..", "holds the site folder"},
      {".", "is the site folder"},
      {"site.toml", "is the config file"},
  };
  for (int round = 0; round < 2; ++round) {
    for (const auto& c : cases) {
      INFO("--output " << c.output << ", round " << round);
      auto r = RunCasebook(kBuild + " --output '" + c.output + "'", site);
      CHECK(r.exit_code == 2);
      CHECK(Contains(r.err, "output/overlap"));
      CHECK(Contains(r.err, "output folder " + c.output + " " + c.says));
      CHECK(Contains(r.err, "nothing was written"));
    }
    // A second round after a change to the archive (what used to delete
    // the folder's own files the first time round moved them aside).
    std::ofstream(site + "/content/2024/2024-05-01-new.md")
        << "+++\ntitle = \"New\"\ndate = 2024-05-01\nseverity = \"SEV3\"\n+++\n\nBody.\n";
  }
  fs::remove(site + "/content/2024/2024-05-01-new.md");
  CHECK(Tree(site, {".casebook"}) == [&] {
    auto t = site_before;
    t.erase(".casebook");
    return t;
  }());
  CHECK(Tree(home.path()) == home_before);
  CHECK(Tree(parent.path(), {"site"}) == parent_before);
}

TEST_CASE("a build refuses a non-empty folder it did not write, a link or a file, exit 2") {
  TempDir dir, www;
  CopyFixture(dir);
  www.Write("index.html", "<p>somebody else's site</p>\n");
  www.Write("img/logo.png", "png");
  const auto www_before = Tree(www.path());

  auto r = RunCasebook(kBuild + " --output '" + www.path() + "'", dir.path());
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "output/not-ours"));
  CHECK(Contains(r.err, www.path() + " is not empty and was not written by casebook"));
  CHECK(Contains(r.err, "hint:"));
  CHECK(Tree(www.path()) == www_before);

  fs::create_directory_symlink(www.path(), dir.path() + "/public");
  r = RunCasebook(kBuild, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "is a symbolic link"));
  fs::remove(dir.path() + "/public");
  dir.Write("public", "a file\n");
  r = RunCasebook(kBuild, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "is a file, not a folder"));
  CHECK(dir.Read("public") == "a file\n");
  CHECK(Tree(www.path()) == www_before);

  // A staging folder (beside the output) that casebook did not make is not
  // emptied either.
  fs::remove(dir.path() + "/public");
  dir.Write(".public.staging/mine.txt", "mine\n");
  r = RunCasebook(kBuild, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "staging folder (beside the output)"));
  CHECK(dir.Read(".public.staging/mine.txt") == "mine\n");
  fs::remove_all(dir.path() + "/.public.staging");

  // An empty folder is taken (and from then on recognised by the marker).
  fs::create_directory(dir.path() + "/public");
  r = RunCasebook(kBuild, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(dir.Exists("public/.casebook-output"));
  CHECK(Contains(dir.Read("public/.casebook-output"), "casebook build"));
  dir.Write("content/2024/2024-05-01-new.md",
            "+++\ntitle = \"New\"\ndate = 2024-05-01\nseverity = \"SEV3\"\n+++\n\nBody.\n");
  r = RunCasebook(kBuild, dir.path());
  REQUIRE(r.exit_code == 0);
  CHECK(dir.Exists("public/postmortems/2024-05-01-new/index.html"));
  CHECK(dir.Exists("public/.casebook-output"));
}

TEST_CASE("a site published by an older casebook, without a marker, is recognised by its manifest") {
  TempDir dir;
  CopyFixture(dir);
  REQUIRE(RunCasebook(kBuild, dir.path()).exit_code == 0);
  // What an older casebook left: no marker, a "#site" manifest listing
  // every file it published (the format before the checksum).
  fs::remove(dir.path() + "/public/.casebook-output");
  fs::remove_all(dir.path() + "/.public.staging");
  fs::path manifest;
  for (const auto& e : fs::directory_iterator(dir.path() + "/.casebook")) {
    const std::string name = e.path().filename().string();
    if (name.rfind("output-", 0) == 0) manifest = e.path();
    if (name.rfind("staging-", 0) == 0) fs::remove(e.path());
  }
  REQUIRE(!manifest.empty());
  auto write_legacy = [&] {
    std::ofstream out(manifest, std::ios::trunc);
    out << "#site old\n";
    for (const auto& e : fs::recursive_directory_iterator(dir.path() + "/public"))
      if (e.is_regular_file())
        out << "k c 1 1 1 " << fs::relative(e.path(), dir.path() + "/public").generic_string()
            << "\n";
  };
  write_legacy();
  dir.Write("public/mine.txt", "not casebook's\n");  // not in the manifest: not ours
  auto r = RunCasebook(kBuild, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "output/not-ours"));
  CHECK(dir.Read("public/mine.txt") == "not casebook's\n");

  fs::remove(dir.path() + "/public/mine.txt");
  write_legacy();
  r = RunCasebook(kBuild, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(dir.Exists("public/.casebook-output"));

  // Without the manifest, an unmarked folder is somebody else's.
  fs::remove(dir.path() + "/public/.casebook-output");
  fs::remove_all(dir.path() + "/.casebook");
  r = RunCasebook(kBuild, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(dir.Exists("public/index.html"));
}

TEST_CASE("a build writes nothing outside the output, its staging folder and .casebook/") {
  TempDir parent;
  const std::string site = parent.path() + "/site";
  fs::create_directories(site);
  for (const auto& e : fs::directory_iterator(fs::path(CASEBOOK_FIXTURES) / "site"))
    fs::copy(e.path(), site / e.path().filename(), fs::copy_options::recursive);
  const std::vector<std::string> ours = {"public", ".public.staging", ".casebook"};
  const auto site_before = Tree(site, ours);
  const auto parent_before = Tree(parent.path(), {"site"});
  for (int i = 0; i < 3; ++i) {
    std::ofstream(site + "/content/2024/2024-05-0" + std::to_string(i + 1) + "-x.md")
        << "+++\ntitle = \"X\"\ndate = 2024-05-01\nseverity = \"SEV3\"\n+++\n\nBody.\n";
    REQUIRE(RunCasebook(kBuild, site).exit_code == 0);
    fs::remove(site + "/content/2024/2024-05-0" + std::to_string(i + 1) + "-x.md");
  }
  REQUIRE(RunCasebook(kBuild, site).exit_code == 0);
  CHECK(Tree(site, ours) == site_before);
  CHECK(Tree(parent.path(), {"site"}) == parent_before);
}
