// The build stamp's walk handed to the loader (content::SourceListing): the
// loader then neither walks the source folder again nor stats each file,
// and must find exactly what its own walk finds -- the same files in the
// same order, the same skipped entries with the same reasons, the same
// documents and findings, cache or not.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "content/loader.h"
#include "site/build.h"
#include "site/build_stamp.h"
#include "test_support.h"
#include "util/fs.h"

using namespace casebook;
namespace fs = std::filesystem;

namespace {

std::string Dump(const util::WalkResult& walk) {
  std::string out;
  for (const auto& f : walk.files) out += f.path + " | " + f.relative + "\n";
  for (const auto& s : walk.skipped) out += "skipped " + s + "\n";
  for (const auto& o : walk.outside) out += "outside " + o.path + "\n";
  return out;
}

std::string Dump(const content::LoadResult& r, const util::Diagnostics& diags) {
  std::string out;
  for (const auto& d : r.documents)
    out += d.path + " | " + d.relative_path + " | " + d.id + " | " + d.title + " | " +
           d.source_hash + " | " + d.summary + "\n";
  for (const auto& s : r.skipped) out += "skipped " + s + "\n";
  for (const auto& s : r.drafts) out += "draft " + s + "\n";
  for (const auto& d : diags.items()) out += d.Format() + "\n";
  return out;
}

// Names whose order differs between whole paths and names within a folder
// ("a-b.md" < "a/z.md" but folder "a" is listed after "a-b.md"), hidden
// files and folders, other files, a page bundle, a draft, a template, an
// ignored file, a broken one and a FIFO.
void WriteTree(const test::TempDir& dir) {
  dir.Write("site.toml", "title = \"T\"\nignore = [\"skip-*.md\"]\n");
  const std::string pm = "+++\ntitle = \"%\"\ndate = 2024-01-02\n+++\n\nBody of %.\n";
  auto page = [&](const std::string& title) {
    std::string s = pm;
    for (size_t at; (at = s.find('%')) != std::string::npos;) s.replace(at, 1, title);
    return s;
  };
  dir.Write("content/a-b.md", page("A-B"));
  dir.Write("content/a/z.md", page("Z"));
  dir.Write("content/a/b/deep.md", page("Deep"));
  dir.Write("content/a.md", page("A dot"));
  dir.Write("content/B.md", page("Upper"));
  dir.Write("content/.hidden.md", page("Hidden"));
  dir.Write("content/.git/x.md", page("In dot folder"));
  dir.Write("content/notes.txt", "not a postmortem\n");
  dir.Write("content/2024/bundle/index.md", page("Bundle"));
  dir.Write("content/2024/bundle/graph.png", "png");
  dir.Write("content/2024/draft.md", "+++\ntitle = \"Draft\"\nstatus = \"draft\"\n+++\nx\n");
  dir.Write("content/2024/template.md", "+++\ntitle = \"Postmortem template\"\n+++\nx\n");
  dir.Write("content/2024/skip-me.md", page("Ignored"));
  dir.Write("content/2024/broken.md", "+++\ntitle = \"Never closed\n");
  dir.Write("content/2024/empty/.keep", "");
  REQUIRE(::mkfifo((dir.path() + "/content/2024/pipe.md").c_str(), 0644) == 0);
  // Old enough that the stamp can be trusted (the listing is made either way).
  const auto past = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (const auto& e : fs::recursive_directory_iterator(dir.path()))
    if (!e.is_fifo()) fs::last_write_time(e.path(), past);
}

config::SiteConfig Config(const test::TempDir& dir) {
  util::Diagnostics d;
  auto cfg = config::Load(dir.path() + "/site.toml", &d);
  REQUIRE_FALSE(d.HasErrors());
  return cfg;
}

content::SourceListing Listing(const config::SiteConfig& cfg) {
  site::BuildOptions options;
  content::SourceListing listing;
  site::BuildInputsStamp(cfg, options, "2024-06-01T00:00:00Z", &listing);
  return listing;
}

content::LoadResult Load(const config::SiteConfig& cfg, const std::string& cache,
                         const content::SourceListing* listing, util::Diagnostics* diags) {
  content::LoadOptions o;
  o.jobs = 2;
  o.cache_dir = cache;
  o.bodies = false;
  o.listing = listing;
  return content::LoadAll(cfg, o, diags);
}

}  // namespace

TEST_CASE("the stamp walk's listing gives what the loader's own walk gives", "[loader][stamp]") {
  test::TempDir dir;
  WriteTree(dir);
  const config::SiteConfig cfg = Config(dir);
  const content::SourceListing listing = Listing(cfg);
  REQUIRE(listing.root == cfg.SourceDir());
  REQUIRE(listing.entries.size() >= 18);

  std::vector<const content::SourceListing::Entry*> stats;
  const util::WalkResult from_listing = content::WalkFromListing(listing, ".md", &stats);
  const util::WalkResult walked = util::WalkFiles(cfg.SourceDir(), ".md");
  CHECK(Dump(from_listing) == Dump(walked));
  REQUIRE(stats.size() == from_listing.files.size());
  for (size_t i = 0; i < stats.size(); ++i) {
    CHECK(stats[i]->relative == from_listing.files[i].relative);
    CHECK(stats[i]->size == static_cast<int64_t>(fs::file_size(from_listing.files[i].path)));
  }
  CHECK(Dump(walked).find("a-b.md | a-b.md\n" + cfg.SourceDir() + "/a.md") != std::string::npos);
  // The stamp lists in walk order; a listing in any other order gives the same.
  content::SourceListing reversed = listing;
  std::reverse(reversed.entries.begin(), reversed.entries.end());
  std::vector<const content::SourceListing::Entry*> reversed_stats;
  CHECK(Dump(content::WalkFromListing(reversed, ".md", &reversed_stats)) == Dump(walked));
  REQUIRE(reversed_stats.size() == stats.size());
  for (size_t i = 0; i < stats.size(); ++i) CHECK(reversed_stats[i]->relative == stats[i]->relative);
  CHECK(Dump(walked).find("skipped 2024/pipe.md: not a regular file") != std::string::npos);

  // The documents, skipped files and findings: without a cache, writing
  // one, and reading it, with and without the listing.
  util::Diagnostics d0, d1, d2, d3, d4;
  const std::string fresh = Dump(Load(cfg, "", nullptr, &d0), d0);
  CHECK(fresh.find("Never closed") == std::string::npos);
  CHECK(fresh.find("skipped 2024/skip-me.md: ignored") != std::string::npos);
  CHECK(fresh.find("draft 2024/draft.md") != std::string::npos);
  CHECK(Dump(Load(cfg, "", &listing, &d1), d1) == fresh);
  const std::string cache = dir.path() + "/.casebook";
  CHECK(Dump(Load(cfg, cache, &listing, &d2), d2) == fresh);
  CHECK(Dump(Load(cfg, cache, &listing, &d3), d3) == fresh);
  CHECK(Dump(Load(cfg, cache, nullptr, &d4), d4) == fresh);
}

TEST_CASE("an edit the listing saw is loaded, and a listing of another folder is not used",
          "[loader][stamp]") {
  test::TempDir dir;
  WriteTree(dir);
  const config::SiteConfig cfg = Config(dir);
  const std::string cache = dir.path() + "/.casebook";
  util::Diagnostics d0;
  Load(cfg, cache, nullptr, &d0);  // writes the cache

  // Same size, older mtime kept away from "racy": only the stat differs.
  std::string z = dir.Read("content/a/z.md");
  z.replace(z.find("Body"), 4, "Bxdy");
  dir.Write("content/a/z.md", z);
  fs::last_write_time(dir.path() + "/content/a/z.md",
                      fs::file_time_type::clock::now() - std::chrono::minutes(30));
  const content::SourceListing listing = Listing(cfg);
  util::Diagnostics d1, d2;
  const std::string loaded = Dump(Load(cfg, cache, &listing, &d1), d1);
  CHECK(loaded == Dump(Load(cfg, "", nullptr, &d2), d2));

  // A listing made for another folder (or none) is ignored: the loader walks.
  content::SourceListing other = listing;
  other.root = dir.path() + "/elsewhere";
  other.entries.clear();
  util::Diagnostics d3;
  CHECK(Dump(Load(cfg, cache, &other, &d3), d3) == loaded);
}

TEST_CASE("a source folder holding a link gives no listing", "[loader][stamp]") {
  test::TempDir dir;
  WriteTree(dir);
  fs::create_symlink(dir.path() + "/content/a/z.md", dir.path() + "/content/link.md");
  const config::SiteConfig cfg = Config(dir);
  const content::SourceListing listing = Listing(cfg);
  CHECK(listing.root.empty());
  CHECK(listing.entries.empty());
}
