// `casebook serve --watch` as an author uses it: the binary started on a
// fixture archive, a postmortem saved, the page fetched again; a broken save
// reported with file and line while the previous site stays served; Ctrl-C
// (SIGINT) ends it with exit code 0. Each wait has a generous timeout and
// polls, so a slow machine makes the test slower, not red.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::BackgroundCasebook;
using casebook::test::Get;
using casebook::test::HttpResponse;
using casebook::test::RunCasebook;
using casebook::test::TempDir;

namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Polls `target` until its body contains `text` (or `seconds` pass).
bool WaitForPage(int port, const std::string& target, const std::string& text, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Contains(Get(port, target).body, text)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void Replace(const std::string& path, const std::string& from, const std::string& to) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("serve --watch: builds first, rebuilds on save, keeps the old site on a broken save") {
  TempDir dir;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  REQUIRE_FALSE(dir.Exists("public"));  // --watch builds it

  BackgroundCasebook server({"serve", "--watch", "--port", "0"}, dir.path());
  REQUIRE(server.WaitFor("Serving", 60));
  INFO(server.Err());
  const int port = server.ServedPort();
  REQUIRE(port > 0);
  const std::string page = "/archive/postmortems/2024-03-12-checkout-pool/";
  HttpResponse first = Get(port, page);
  REQUIRE(first.status == 200);
  CHECK(Contains(first.body, "Checkout &lt;API&gt; returned 503s &amp; timeouts"));
  // Open pages reload themselves after a rebuild: the script, and what it polls.
  CHECK(Contains(first.body, "<script src=\"/archive/__casebook/live.js\" "
                             "data-live=\"/archive/__casebook/live\"></script>\n</body>"));
  HttpResponse script = Get(port, "/archive/__casebook/live.js");
  CHECK(script.status == 200);
  CHECK(Contains(script.Header("content-type"), "javascript"));
  CHECK(Contains(script.body, "location.reload()"));
  const std::string generation = Get(port, "/archive/__casebook/live").body;
  CHECK_FALSE(generation.empty());

  const std::string pm = dir.path() + "/content/2024/2024-03-12-checkout-pool.md";
  Replace(pm, "title = \"Checkout <API> returned 503s & timeouts\"",
          "title = \"Checkout API pool exhausted (saved while serving)\"");
  CHECK(WaitForPage(port, page, "Checkout API pool exhausted (saved while serving)", 60));
  CHECK(server.WaitFor("rebuilt in", 10, /*in_err=*/true));
  CHECK(Get(port, "/archive/__casebook/live").body != generation);
  // The search index was rebuilt too, and the server searches the new one.
  CHECK(WaitForPage(port, "/archive/api/search?q=exhausted", "2024-03-12-checkout-pool", 10));

  // A broken save: the error names the file and line, nothing is published.
  Replace(pm, "severity = \"SEV1\"", "severity = SEV1 oops");
  CHECK(server.WaitFor("the rebuild failed", 60, /*in_err=*/true));
  std::string err = server.Err();
  CHECK(Contains(err, "content/2024/2024-03-12-checkout-pool.md:"));
  CHECK(Contains(err, "error"));
  HttpResponse kept = Get(port, page);
  CHECK(kept.status == 200);
  CHECK(Contains(kept.body, "Checkout API pool exhausted (saved while serving)"));

  // Fixed: served again from the new build.
  Replace(pm, "severity = SEV1 oops", "severity = \"SEV2\"");
  CHECK(WaitForPage(port, page, "../../severity/sev2/index.html", 60));

  CHECK(server.Stop(SIGINT) == 0);
}

TEST_CASE("serve: --drafts needs --watch, and without --watch a missing site is an error") {
  TempDir dir;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  auto r = RunCasebook("serve --drafts --port 0", dir.path());
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "--drafts only goes with --watch"));
  r = RunCasebook("serve --port 0", dir.path());
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "casebook serve --watch"));
}
