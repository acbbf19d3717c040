// Control characters and the load cache (content::Document::
// shown_fields_clean): the loader notes, when it parses a file, whether a
// shown field holds a control character, and the model skips the check for
// a postmortem known to be clean. A postmortem taken from the cache must
// still be stripped and warned about exactly as when it is parsed.
#include <catch2/catch.hpp>

#include <filesystem>

#include "content/loader.h"
#include "test_support.h"

using namespace casebook;
namespace fs = std::filesystem;
using test::RunCasebook;
using test::Snapshot;
using test::TempDir;

namespace {

void WriteArchive(const TempDir& dir) {
  dir.Write("site.toml", "title = \"Controls\"\n");
  dir.Write("content/dirty.md",
            "+++\ntitle = \"Pool \\u001b[31mred\"\ndate = 2024-03-14\n"
            "tags = [\"nul\\u0000tag\"]\n\n[[actions]]\ntext = \"Fix\\u0007 it\"\n"
            "owner = \"ops\"\n+++\n\nText.\n");
  dir.Write("content/owner.md",
            "+++\ntitle = \"Owner\"\ndate = 2024-03-15\n\n[[timeline]]\n"
            "at = 2024-03-15T10:00:00Z\ntext = \"Paged \\u009b\"\n+++\n\nText.\n");
  dir.Write("content/clean.md", "+++\ntitle = \"Clean\"\ndate = 2024-03-16\n+++\n\nText.\n");
}

}  // namespace

TEST_CASE("the loader marks which postmortems hold control characters, cached or parsed",
          "[loader][cache][names]") {
  TempDir dir;
  WriteArchive(dir);
  util::Diagnostics d;
  auto cfg = config::Load(dir.path() + "/site.toml", &d);
  REQUIRE_FALSE(d.HasErrors());
  for (int pass = 0; pass < 2; ++pass) {  // parsed, then from the cache
    INFO(pass);
    content::LoadOptions o;
    o.cache_dir = dir.path() + "/.casebook";
    util::Diagnostics diags;
    auto loaded = content::LoadAll(cfg, o, &diags);
    REQUIRE(loaded.documents.size() == 3);
    for (const auto& doc : loaded.documents) {
      INFO(doc.relative_path);
      CHECK(doc.shown_fields_clean == (doc.relative_path == "clean.md"));
      CHECK(doc.shown_fields_clean == !content::ShownFieldsHaveControls(doc));
    }
  }
}

TEST_CASE("a rebuild from the cache strips and warns about control characters as a clean build",
          "[site][cache][names]") {
  TempDir dir;
  WriteArchive(dir);
  const std::string kBuild = "build --today 2026-01-01";
  auto first = RunCasebook(kBuild, dir.path());
  REQUIRE(first.exit_code == 0);
  // Another file changes: the two with control characters come from the cache.
  dir.Write("content/clean.md", "+++\ntitle = \"Clean again\"\ndate = 2024-03-16\n+++\n\nMore.\n");
  auto again = RunCasebook(kBuild, dir.path());
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  for (const char* warning :
       {"content/dirty.md:2: warning: names/control-characters: `title`",
        "content/dirty.md:4: warning: names/control-characters: `tags`",
        "warning: names/control-characters: `actions`",
        "content/owner.md", "names/control-characters: `timeline`"})
    CHECK(again.err.find(warning) != std::string::npos);

  TempDir clean;
  fs::copy(fs::path(dir.path()) / "site.toml", fs::path(clean.path()) / "site.toml");
  fs::copy(fs::path(dir.path()) / "content", fs::path(clean.path()) / "content",
           fs::copy_options::recursive);
  auto fresh = RunCasebook(kBuild + " --no-cache", clean.path());
  REQUIRE(fresh.exit_code == 0);
  const auto built = Snapshot(dir.path() + "/public");
  CHECK(built == Snapshot(clean.path() + "/public"));
  const std::string& page = built.at("postmortems/dirty/index.html");
  CHECK(page.find('\x1b') == std::string::npos);
  CHECK(page.find('\x07') == std::string::npos);
}
