// The large machine-readable files (postmortems.json, actions.csv,
// sitemap.xml) are written into staging a piece at a time
// (Publisher::OpenStream). Built for real: they hold every postmortem and
// action, parse as JSON and CSV, equal a rebuild's bytes, and a stream that
// fails or is abandoned leaves the published site as it was.
#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "site/publish.h"
#include "test_support.h"
#include "util/hash.h"

namespace fs = std::filesystem;
using casebook::site::Publisher;
using casebook::site::PublishStats;
using casebook::test::CopySiteFixture;
using casebook::test::ReadFileAt;
using casebook::test::RunCasebook;
using casebook::test::Snapshot;
using casebook::test::TempDir;
using casebook::test::WriteFileAt;

namespace {

const std::string kBuild = "build --today 2024-06-01 --no-index";



// A postmortem with a long summary and three action items, one of them
// with a comma, a quote and a line break (a quoted CSV field).
std::string Postmortem(int i) {
  std::string summary;
  while (summary.size() < 1500) summary += "The queue for shard " + std::to_string(i) + " filled up. ";
  return "+++\ntitle = \"Incident " + std::to_string(i) + "\"\ndate = 2024-02-" +
         std::to_string(10 + i % 18) + "\nseverity = \"SEV3\"\nsummary = \"" + summary +
         "\"\ntags = [\"t" + std::to_string(i % 7) + "\"]\n\n"
         "[[actions]]\ntext = \"Add an alert for shard " + std::to_string(i) + "\"\nowner = \"team-a\"\n\n"
         "[[actions]]\ntext = \"Say \\\"why\\\", then\\nwrite it down\"\nowner = \"team-b\"\ndue = 2024-03-01\n\n"
         "[[actions]]\ntext = \"Close ticket " + std::to_string(i) + "\"\nstatus = \"done\"\n"
         "+++\n\n## Summary\n\nShort.\n";
}

// Runs python3 on `script` with the file `path` as argv[1]; its exit code.
int Python(const std::string& script, const std::string& path) {
  TempDir dir;
  dir.Write("check.py", script);
  const std::string cmd = "python3 '" + dir.path() + "/check.py' '" + path + "' >&2";
  return std::system(cmd.c_str());
}

}  // namespace

TEST_CASE("postmortems.json and actions.csv are written whole, larger than a chunk, and parse") {
  TempDir dir;
  CopySiteFixture(dir.path());
  // 700 postmortems of ~2.5 KB of JSON each: the file is several 1 MB
  // chunks (ChunkOut::kChunkBytes).
  for (int i = 0; i < 700; ++i)
    WriteFileAt(dir.path() + "/content/gen/gen-" + std::to_string(i) + ".md", Postmortem(i));
  auto r = RunCasebook(kBuild, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string json = ReadFileAt(dir.path() + "/public/postmortems.json");
  const std::string csv = ReadFileAt(dir.path() + "/public/actions.csv");
  CHECK(json.size() > 2 * 1024 * 1024);
  // The fixture's 3 published postmortems (one is a draft) and the 700.
  CHECK(Python("import json,sys\n"
               "d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
               "assert len(d) == 703, len(d)\n"
               "ids = [e['id'] for e in d]\n"
               "assert len(set(ids)) == 703\n"
               "assert all('gen-%d' % i in ids for i in range(700))\n"
               "e = [e for e in d if e['id'] == 'gen-5'][0]\n"
               "assert e['title'] == 'Incident 5', e['title']\n"
               "assert len(e['action_items']) == 3\n"
               "assert e['action_items'][1]['text'] == 'Say \"why\", then\\nwrite it down'\n"
               "c = [e for e in d if e['id'] == '2024-03-12-checkout-pool'][0]\n"
               "assert c['severity_label'] == 'Critical'\n",
               dir.path() + "/public/postmortems.json") == 0);
  CHECK(Python("import csv,sys\n"
               "rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))\n"
               "assert rows[0] == ['postmortem_id', 'postmortem_title', 'text', 'owner', 'due',"
               " 'status', 'ticket', 'ticket_url', 'overdue_days'], rows[0]\n"
               "gen = [r for r in rows[1:] if r[0].startswith('gen-')]\n"
               "assert len(gen) == 2100, len(gen)\n"
               "assert all(len(r) == 9 for r in rows)\n"
               "quoted = [r for r in gen if r[0] == 'gen-9' and r[3] == 'team-b'][0]\n"
               "assert quoted[2] == 'Say \"why\", then\\nwrite it down', quoted\n"
               "assert quoted[4] == '2024-03-01' and quoted[8] == '92', quoted\n"
               "pay = [r for r in rows if r[6] == 'PAY 1432'][0]\n"
               "assert pay[7] == 'https://jira.example.com/browse/PAY%201432', pay\n",
               dir.path() + "/public/actions.csv") == 0);
  CHECK(csv.substr(csv.size() - 2) == "\r\n");
  CHECK(json.substr(json.size() - 3) == "\n]\n");

  // A clean build elsewhere gives the same bytes (and a rebuild that
  // renders them again, with the cache off, keeps the published files).
  const auto first = Snapshot(dir.path() + "/public");
  struct stat before;
  REQUIRE(stat((dir.path() + "/public/postmortems.json").c_str(), &before) == 0);
  r = RunCasebook(kBuild + " --no-cache", dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Snapshot(dir.path() + "/public") == first);
  struct stat after;
  REQUIRE(stat((dir.path() + "/public/postmortems.json").c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);  // the same bytes: the published file is kept
  CHECK(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
}

TEST_CASE("A stream's content hash and bookkeeping match a whole file's") {
  TempDir out, cache;
  const std::string output = out.path() + "/public";
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "line " + std::to_string(i) + "\n";
  std::string error;
  {
    auto pub = Publisher::Open(output, cache.path(), &error);
    REQUIRE(pub);
    REQUIRE(pub->Put("whole.txt", "", big, &error));
    auto s = pub->OpenStream("dir/streamed.txt", &error);
    REQUIRE(s);
    for (size_t at = 0; at < big.size(); at += 1000)
      REQUIRE(s->Write(std::string_view(big).substr(at, 1000), &error));
    REQUIRE(s->Close("", &error));
    // Abandoned before Close: never published.
    auto dropped = pub->OpenStream("dropped.txt", &error);
    REQUIRE(dropped);
    REQUIRE(dropped->Write("half", &error));
    dropped.reset();
    PublishStats stats;
    REQUIRE(pub->Commit({}, "", &stats, &error));
    CHECK(stats.written == 2);
  }
  CHECK(ReadFileAt(output + "/whole.txt") == big);
  CHECK(ReadFileAt(output + "/dir/streamed.txt") == big);
  CHECK_FALSE(fs::exists(output + "/dropped.txt"));
  CHECK_FALSE(fs::exists(out.path() + "/.public.staging/dropped.txt"));
  // Keyed by content, the two are the same file to the next build: streamed
  // again with the same bytes, nothing changes.
  struct stat before;
  REQUIRE(stat((output + "/dir/streamed.txt").c_str(), &before) == 0);
  {
    auto pub = Publisher::Open(output, cache.path(), &error);
    REQUIRE(pub);
    auto s = pub->OpenStream("dir/streamed.txt", &error);
    REQUIRE(s);
    REQUIRE(s->Write(big, &error));
    REQUIRE(s->Close("", &error));
    REQUIRE(pub->Put("whole.txt", "", big + "more\n", &error));
    PublishStats stats;
    REQUIRE(pub->Commit({}, "", &stats, &error));
    CHECK(stats.written == 1);  // whole.txt
    CHECK(stats.unchanged == 1);
  }
  struct stat after;
  REQUIRE(stat((output + "/dir/streamed.txt").c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);
  CHECK(casebook::util::Fingerprint(big) == [&] {
    casebook::util::StreamHash h;
    for (size_t at = 0; at < big.size(); at += 7) {
      const size_t n = std::min<size_t>(7, big.size() - at);
      h.AddBytes(big.data() + at, n);
    }
    return h.Hex();
  }());
}

TEST_CASE("A stream stopped by a full disk leaves the published site and no partial file") {
  if (geteuid() != 0) {
    WARN("skipped: needs root to mount a small tmpfs");
    return;
  }
  TempDir disk, cache;
  if (::mount("tmpfs", disk.path().c_str(), "tmpfs", 0, "size=512k") != 0) {
    WARN("skipped: mount -t tmpfs failed: " << std::strerror(errno));
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{disk.path()};
  const std::string output = disk.path() + "/public";
  std::string error;
  {
    auto pub = Publisher::Open(output, cache.path(), &error);
    REQUIRE(pub);
    REQUIRE(pub->Put("index.html", "", "<p>old</p>\n", &error));
    REQUIRE(pub->Put("postmortems.json", "", "[]\n", &error));
    PublishStats stats;
    REQUIRE(pub->Commit({}, "", &stats, &error));
  }
  const auto published = Snapshot(output);
  {
    auto pub = Publisher::Open(output, cache.path(), &error);
    REQUIRE(pub);
    REQUIRE(pub->Put("index.html", "", "<p>new</p>\n", &error));
    auto s = pub->OpenStream("postmortems.json", &error);
    REQUIRE(s);
    const std::string chunk(64 * 1024, 'x');
    bool failed = false;
    for (int i = 0; i < 32 && !failed; ++i) failed = !s->Write(chunk, &error);  // 2 MB
    CHECK(failed);
    CHECK(error.find("No space left on device") != std::string::npos);
    CHECK_FALSE(s->Close("", &error));
    // The build fails here: no Commit.
  }
  CHECK(Snapshot(output) == published);
  size_t left = 0;
  const std::string staging = disk.path() + "/.public.staging";
  if (fs::exists(staging))
    for (const auto& e : fs::recursive_directory_iterator(staging))
      if (e.is_regular_file()) ++left;
  CHECK(left <= 1);  // its marker at most
}
