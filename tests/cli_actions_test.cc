// End to end: `casebook actions` as a user runs it for the weekly review
// (the built binary, in a site folder, --today fixed): the table, overdue
// days, the --open / --overdue / --owner / --service filters, --json, and
// the exit codes.
#include <catch2/catch.hpp>

#include "test_support.h"

using casebook::test::RunCasebook;
using casebook::test::TempDir;

namespace {

const char* kCheckout =
    "+++\n"
    "title = \"Pool exhausted\"\n"
    "id = \"checkout-pool\"\n"
    "severity = \"SEV1\"\n"
    "services = [\"checkout-api\", \"Postgres\"]\n"
    "[incident]\n"
    "started = 2024-03-12T09:14:00Z\n"
    "[[actions]]\n"
    "text = \"Alert on pool use\"\n"
    "owner = \"team-payments\"\n"
    "due = 2024-05-31\n"
    "ticket = \"PAY-1\"\n"
    "[[actions]]\n"
    "text = \"Raise the pool size\"\n"
    "owner = \"Dana Li\"\n"
    "due = 2024-03-20\n"
    "ticket = \"PAY-2\"\n"
    "status = \"done\"\n"
    "[[actions]]\n"
    "text = \"Load test checkout\"\n"
    "owner = \"Dana Li\"\n"
    "due = 2024-06-01\n"
    "+++\n"
    "## Impact\n\nCheckouts failed.\n";

const char* kDns =
    "+++\n"
    "title = \"DNS timeouts\"\n"
    "id = \"dns\"\n"
    "severity = \"SEV2\"\n"
    "services = [\"dns\"]\n"
    "[incident]\n"
    "started = 2023-06-14T10:00:00Z\n"
    "[[actions]]\n"
    "text = \"Cache, \\\"resolve\\\" and retry\"\n"
    "owner = \"team-sre\"\n"
    "due = 2024-01-01\n"
    "ticket = \"SRE 7\"\n"
    "[[actions]]\n"
    "text = \"Page on resolver errors\"\n"
    "due = 2024-06-05\n"
    "+++\n"
    "## Impact\n\nSlow.\n";

void MakeSite(const TempDir& dir) {
  dir.Write("site.toml",
            "title = \"Test\"\nbase_url = \"https://pm.example.com/\"\n"
            "ticket_url = \"https://jira.example.com/browse/{ticket}\"\n");
  dir.Write("content/2024/checkout-pool.md", kCheckout);
  dir.Write("content/2023/dns.md", kDns);
}

size_t Lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("cli actions: a table for the review meeting, open first, overdue in days", "[cli][actions]") {
  TempDir dir;
  MakeSite(dir);
  auto r = RunCasebook("actions --today 2024-06-01", dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("5 action items as of 2024-06-01: 4 open (2 overdue, 2 due in the next 7 days), 1 done, "
                    "0 won't fix\n",
                    0) == 0);
  CHECK(r.out.find("STATUS") != std::string::npos);
  CHECK(r.out.find("POSTMORTEM") != std::string::npos);
  // Open first, by due date; overdue ones say by how much.
  size_t sre = r.out.find("152 days overdue"), payments = r.out.find("1 day overdue");
  size_t today = r.out.find("due today"), soon = r.out.find("due in 4 days"), done = r.out.find("done ");
  REQUIRE(sre != std::string::npos);
  REQUIRE(payments != std::string::npos);
  REQUIRE(today != std::string::npos);
  REQUIRE(soon != std::string::npos);
  REQUIRE(done != std::string::npos);
  CHECK(sre < payments);
  CHECK(payments < today);
  CHECK(today < soon);
  CHECK(soon < done);
  CHECK(r.out.find("Cache, \"resolve\" and retry") != std::string::npos);
  CHECK(r.out.find("checkout-pool") != std::string::npos);
  CHECK(r.out.find("SRE 7") != std::string::npos);
  CHECK(r.out.find("\x1b[") == std::string::npos);  // no colour into a pipe
  CHECK(r.err.empty());
}

TEST_CASE("cli actions: --open, --overdue, --owner, --service filter, --today moves overdue", "[cli][actions]") {
  TempDir dir;
  MakeSite(dir);
  auto open = RunCasebook("actions --today 2024-06-01 --open", dir.path());
  CHECK(open.exit_code == 0);
  CHECK(open.out.find("Raise the pool size") == std::string::npos);
  CHECK(open.out.find("Load test checkout") != std::string::npos);
  CHECK(Lines(open.out) == 2 + 1 + 4);  // summary, blank, header, 4 rows

  auto overdue = RunCasebook("actions --today 2024-06-01 --overdue", dir.path());
  CHECK(overdue.out.find("2 action items as of 2024-06-01") == 0);
  CHECK(overdue.out.find("Load test checkout") == std::string::npos);  // due today is not overdue

  auto later = RunCasebook("actions --today 2024-06-02 --overdue", dir.path());
  CHECK(later.out.find("3 action items") == 0);
  CHECK(later.out.find("Load test checkout") != std::string::npos);
  CHECK(later.out.find("2 days overdue") != std::string::npos);  // the item due 2024-05-31

  auto dana = RunCasebook("actions --today 2024-06-01 --owner 'dana li'", dir.path());
  CHECK(dana.out.find("2 action items") == 0);
  CHECK(dana.out.find("team-payments") == std::string::npos);
  auto nobody = RunCasebook("actions --today 2024-06-01 --owner none", dir.path());
  CHECK(nobody.out.find("1 action item as of") == 0);
  CHECK(nobody.out.find("Page on resolver errors") != std::string::npos);
  auto two = RunCasebook("actions --today 2024-06-01 --owner team-sre --owner Team-Payments", dir.path());
  CHECK(two.out.find("2 action items") == 0);

  auto pg = RunCasebook("actions --today 2024-06-01 --service postgres --open", dir.path());
  CHECK(pg.out.find("2 action items") == 0);
  CHECK(pg.out.find("team-sre") == std::string::npos);
  auto none = RunCasebook("actions --today 2024-06-01 --service nothing-here", dir.path());
  CHECK(none.exit_code == 0);
  CHECK(none.out == "0 action items as of 2024-06-01: 0 open (0 overdue, 0 due in the next 7 days), 0 done, "
                    "0 won't fix\n");
}

TEST_CASE("cli actions --json: an array with ids, due dates, tickets and overdue days", "[cli][actions]") {
  TempDir dir;
  MakeSite(dir);
  auto r = RunCasebook("actions --today 2024-06-01 --json --overdue", dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.front() == '[');
  CHECK(r.out.find("\"postmortem_id\": \"dns\"") != std::string::npos);
  CHECK(r.out.find("\"postmortem_url\": \"https://pm.example.com/postmortems/dns/\"") != std::string::npos);
  CHECK(r.out.find("\"overdue_days\": 152") != std::string::npos);
  CHECK(r.out.find("\"overdue_days\": 1,") != std::string::npos);
  CHECK(r.out.find("\"ticket_url\": \"https://jira.example.com/browse/SRE%207\"") != std::string::npos);
  CHECK(r.out.find("\"text\": \"Cache, \\\"resolve\\\" and retry\"") != std::string::npos);
  CHECK(r.out.find("\"due\": \"2024-01-01\"") != std::string::npos);
  CHECK(r.out.find("Load test") == std::string::npos);
  TempDir out;
  out.Write("a.json", r.out);
  CHECK(std::system(("python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==2' '" +
                     out.path() + "/a.json'")
                        .c_str()) == 0);

  auto all = RunCasebook("actions --today 2024-06-01 --json", dir.path());
  CHECK(all.out.find("\"owner\": \"\"") != std::string::npos);      // no owner
  CHECK(all.out.find("\"ticket_url\": null") != std::string::npos);  // no ticket
}

TEST_CASE("cli actions: usage errors exit 2, a missing site.toml exits 1", "[cli][actions]") {
  TempDir dir;
  MakeSite(dir);
  CHECK(RunCasebook("actions --today 2024-13-45", dir.path()).exit_code == 2);
  CHECK(RunCasebook("actions --frobnicate", dir.path()).exit_code == 2);
  CHECK(RunCasebook("actions extra", dir.path()).exit_code == 2);
  TempDir empty;
  auto r = RunCasebook("actions --today 2024-06-01", empty.path());
  CHECK(r.exit_code == 1);
  CHECK_FALSE(r.err.empty());
}
