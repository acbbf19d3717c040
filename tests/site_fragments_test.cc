// postmortems.json and actions.csv are made of fragments (an entry, a row)
// copied from the published file when their key is unchanged, and the
// static search index's files and the tracker's pages are keyed one by one
// by what they show (render/fragments.h, render/renderer.cc). Built for real: an edit to what those files show
// (a title, a summary, an action item's owner, status or due date, a
// postmortem added or removed)
// rebuilt from the published fragments gives the bytes of a clean build,
// the fragments are really taken from the published file, and a table that
// does not describe the published file is never used.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "compare_with_clean.h"
#include "render/outputs.h"
#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::CompareWithClean;
using casebook::test::CopySiteFixture;
using casebook::test::ReadFileAt;
using casebook::test::RunCasebook;
using casebook::test::TempDir;
using casebook::test::WriteFileAt;

namespace {

const std::string kBuild = "build --today 2024-06-01 --no-index";



// 130 postmortems: three docs files of 50 and three words buckets.
std::string Postmortem(int i, const std::string& title) {
  return "+++\ntitle = \"" + title + "\"\ndate = 2024-02-" + std::to_string(10 + i % 18) +
         "\nseverity = \"SEV3\"\nsummary = \"The queue for shard " + std::to_string(i) +
         " filled up.\"\ntags = [\"t" + std::to_string(i % 7) + "\", \"queue\"]\n\n"
         "[[actions]]\ntext = \"Add an alert for shard " + std::to_string(i) + "\"\nowner = \"team-a\"\n\n"
         "[[actions]]\ntext = \"Close ticket " + std::to_string(i) + "\"\nstatus = \"done\"\n"
         "+++\n\n## Summary\n\nShort.\n";
}

std::string GenPath(const TempDir& dir, int i) {
  return dir.path() + "/content/gen/gen-" + std::to_string(i) + ".md";
}

// "<file>: <found> of <total> fragments from the published file", as
// CASEBOOK_RENDER_PROFILE prints it; -1 when the file was not written.
int FragmentsFound(const std::string& err, const std::string& file) {
  std::smatch m;
  const std::regex re(file + ": ([0-9]+) of ([0-9]+) fragments");
  if (!std::regex_search(err, m, re)) return -1;
  return std::stoi(m[1]);
}

struct Profile {  // the builds these tests run print the render's profile
  Profile() { setenv("CASEBOOK_RENDER_PROFILE", "1", 1); }
  ~Profile() { unsetenv("CASEBOOK_RENDER_PROFILE"); }
};

/// The site fixture with 130 postmortems, built once.
casebook::test::CommandResult BuildArchive(const TempDir& dir) {
  CopySiteFixture(dir.path());
  for (int i = 0; i < 130; ++i) WriteFileAt(GenPath(dir, i), Postmortem(i, "Incident " + std::to_string(i)));
  auto r = RunCasebook(kBuild, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

}  // namespace

TEST_CASE("edits to what postmortems.json, actions.csv and the search index show give a clean build's bytes") {
  Profile profile;
  TempDir dir;
  auto r = BuildArchive(dir);
  const std::string words_before = ReadFileAt(dir.path() + "/public/search-index/words-0.json") +
                                   ReadFileAt(dir.path() + "/public/search-index/words-1.json") +
                                   ReadFileAt(dir.path() + "/public/search-index/words-2.json");

  // A title: its entry and rows are made again, every other one copied.
  WriteFileAt(GenPath(dir, 5), Postmortem(5, "Zebra crossing outage"));
  r = CompareWithClean(dir, kBuild, "a title");
  CHECK(FragmentsFound(r.err, "postmortems.json") == 132);  // 133 published, one made
  CHECK(FragmentsFound(r.err, "actions.csv") >= 260);
  CHECK(ReadFileAt(dir.path() + "/public/postmortems.json").find("Zebra crossing outage") != std::string::npos);
  const std::string words_after = ReadFileAt(dir.path() + "/public/search-index/words-0.json") +
                                  ReadFileAt(dir.path() + "/public/search-index/words-1.json") +
                                  ReadFileAt(dir.path() + "/public/search-index/words-2.json");
  CHECK(words_after != words_before);
  CHECK(words_after.find("\"zebra\"") != std::string::npos);
  // Retitled again: the old title's words leave their bucket's file, the
  // new ones come into theirs (a word's bucket: its first two bytes).
  WriteFileAt(GenPath(dir, 5), Postmortem(5, "Quokka crossing outage"));
  CompareWithClean(dir, kBuild, "another title");
  auto bucket_file = [&](const std::string& word) {
    return ReadFileAt(dir.path() + "/public/search-index/words-" +
                      std::to_string(casebook::render::StaticSearchBucket(word, 3)) + ".json");
  };
  CHECK(bucket_file("quokka").find("\"quokka\":[") != std::string::npos);
  CHECK(bucket_file("zebra").find("\"zebra\"") == std::string::npos);
  CHECK(bucket_file("crossing").find("\"crossing\":[") != std::string::npos);

  // A summary and an action item's owner, on another postmortem.
  std::string text = Postmortem(40, "Incident 40");
  text.replace(text.find("filled up."), 10, "overflowed twice.");
  text.replace(text.find("team-a"), 6, "team-c");
  WriteFileAt(GenPath(dir, 40), text);
  CompareWithClean(dir, kBuild, "a summary and an owner");

  // An item done and another overdue: the tracker's counts and groups
  // move, and every tracker page with them.
  text = Postmortem(20, "Incident 20");
  text.replace(text.find("owner = \"team-a\""), 16, "owner = \"team-a\"\nstatus = \"done\"");
  WriteFileAt(GenPath(dir, 20), text);
  text = Postmortem(21, "Incident 21");
  text.replace(text.find("owner = \"team-a\""), 16, "owner = \"team-a\"\ndue = 2024-03-01");
  WriteFileAt(GenPath(dir, 21), text);
  CompareWithClean(dir, kBuild, "an item done, another overdue");
  CHECK(ReadFileAt(dir.path() + "/public/actions/index.html").find("Incident 21") != std::string::npos);

  // A new postmortem (every later entry moves) and one removed.
  WriteFileAt(GenPath(dir, 500), Postmortem(500, "A new incident"));
  CompareWithClean(dir, kBuild, "a postmortem added");
  // ... and one older than all (the first pages of its terms and year
  // show the same items, with new counts, year links and stats).
  std::string oldest = Postmortem(501, "The oldest incident");
  oldest.replace(oldest.find("2024-02-"), 10, "2023-01-01");
  WriteFileAt(GenPath(dir, 501), oldest);
  CompareWithClean(dir, kBuild, "a postmortem added at the end of the lists");
  fs::remove(GenPath(dir, 17));
  r = CompareWithClean(dir, kBuild, "a postmortem removed");
  CHECK(FragmentsFound(r.err, "postmortems.json") > 100);

  // Another day: every action row's overdue days may change, so no
  // fragment made for the old day is taken.
  r = CompareWithClean(dir, "build --today 2024-09-01 --no-index", "another day");
  CHECK(FragmentsFound(r.err, "postmortems.json") == 0);
}

TEST_CASE("a fragment table that is not the published file's is never used") {
  Profile profile;
  TempDir dir;
  auto r = BuildArchive(dir);
  // The tables as the first build left them (a cache restored from an
  // older build describes a file that is no longer published).
  std::map<std::string, std::string> old_tables;
  for (const auto& e : fs::directory_iterator(dir.path() + "/.casebook"))
    if (e.path().filename().string().rfind("fragments-", 0) == 0)
      old_tables[e.path().string()] = ReadFileAt(e.path().string());
  REQUIRE(old_tables.size() == 2);

  // A date that moves an entry among the others, the file's size the
  // same: the old table's places are wrong for it, only its key tells.
  std::string moved = Postmortem(60, "Incident 60");
  moved.replace(moved.find("2024-02-16"), 10, "2024-02-27");
  WriteFileAt(GenPath(dir, 60), moved);
  const size_t size_before = fs::file_size(dir.path() + "/public/postmortems.json");
  CompareWithClean(dir, kBuild, "a date");
  REQUIRE(fs::file_size(dir.path() + "/public/postmortems.json") == size_before);
  for (const auto& [path, bytes] : old_tables) WriteFileAt(path, bytes);
  WriteFileAt(GenPath(dir, 61), Postmortem(61, "Incident 61 renamed"));
  r = CompareWithClean(dir, kBuild, "with the first build's tables");
  CHECK(FragmentsFound(r.err, "postmortems.json") == 0);

  // The published file edited by hand: the table is not used with it.
  WriteFileAt(GenPath(dir, 62), Postmortem(62, "Incident 62, renamed"));
  CompareWithClean(dir, kBuild, "tables saved again");
  {
    std::string json = ReadFileAt(dir.path() + "/public/postmortems.json");
    json.replace(json.find("Incident 3"), 10, "Incident X");
    fs::remove(dir.path() + "/public/postmortems.json");  // (a new inode, as an editor leaves)
    WriteFileAt(dir.path() + "/public/postmortems.json", json);
  }
  WriteFileAt(GenPath(dir, 63), Postmortem(63, "Incident 63, renamed"));
  r = CompareWithClean(dir, kBuild, "the published file edited by hand");
  CHECK(FragmentsFound(r.err, "postmortems.json") == 0);
}
