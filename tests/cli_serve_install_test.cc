// `casebook serve` runs the casebook-serve executable from beside itself
// (src/cli/cmd_serve.cc), so that only the server links cpp-httplib and
// OpenSSL. These tests check that split where it could break: an install
// made with `cmake --install` serves (and --watch builds with the casebook
// beside the server), a casebook without its server says what to do, and
// casebook itself does not load the server's libraries.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::BackgroundCasebook;
using casebook::test::Get;
using casebook::test::HttpResponse;
using casebook::test::TempDir;

namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// The file names of the shared libraries `binary` asks the loader for
/// (the ELF's DT_NEEDED strings sit in its .dynstr as plain text).
bool AsksFor(const std::string& binary, const std::string& library) {
  return Contains(Slurp(binary), library + ".so");
}

}  // namespace

TEST_CASE("serve: an install made with cmake --install serves, and --watch builds with it") {
  TempDir prefix;
  const std::string install = std::string("'") + CASEBOOK_CMAKE + "' --install '" +
                              CASEBOOK_BUILD_DIR + "' --prefix '" + prefix.path() +
                              "' >/dev/null";
  REQUIRE(std::system(install.c_str()) == 0);
  const std::string casebook = prefix.path() + "/bin/casebook";
  REQUIRE(fs::exists(prefix.path() + "/bin/casebook-serve"));
  REQUIRE(fs::exists(prefix.path() + "/share/casebook/themes/default"));

  TempDir dir;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  REQUIRE_FALSE(dir.Exists("public"));  // --watch builds it, with bin/casebook
  BackgroundCasebook server({"serve", "--watch", "--port", "0"}, dir.path(), casebook);
  REQUIRE(server.WaitFor("Serving", 60));
  INFO(server.Err());
  const int port = server.ServedPort();
  REQUIRE(port > 0);
  HttpResponse page = Get(port, "/archive/postmortems/2024-03-12-checkout-pool/");
  CHECK(page.status == 200);
  CHECK(Contains(page.body, "Checkout &lt;API&gt; returned 503s &amp; timeouts"));
  // The search page, rendered with the installed theme.
  HttpResponse search = Get(port, "/archive/search?q=checkout");
  CHECK(search.status == 200);
  CHECK(Contains(search.body, "/archive/postmortems/2024-03-12-checkout-pool/"));
  CHECK(server.Stop(SIGTERM) == 0);
}

TEST_CASE("serve: a casebook without casebook-serve beside it says what to do") {
  TempDir bin;
  fs::copy_file(CASEBOOK_BINARY, bin.path() + "/casebook");
  fs::permissions(bin.path() + "/casebook", fs::perms::owner_exec, fs::perm_options::add);
  TempDir dir;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  const std::string cmd = "cd '" + dir.path() + "' && '" + bin.path() +
                          "/casebook' serve --port 0 >/dev/null 2>'" + bin.path() + "/err'";
  const int status = std::system(cmd.c_str());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 2);
  const std::string err = Slurp(bin.path() + "/err");
  CHECK(Contains(err, "casebook serve: cannot run " + bin.path() + "/casebook-serve"));
  CHECK(Contains(err, "reinstall casebook"));
  // Everything else works without it.
  const std::string build = "cd '" + dir.path() + "' && '" + bin.path() +
                            "/casebook' build --quiet >/dev/null 2>&1";
  CHECK(std::system(build.c_str()) == 0);
  CHECK(dir.Exists("public/index.html"));
}

TEST_CASE("serve: only casebook-serve links cpp-httplib and OpenSSL, casebook does not") {
  CHECK(AsksFor(CASEBOOK_SERVE_BINARY, "libcpp-httplib"));
  CHECK_FALSE(AsksFor(CASEBOOK_BINARY, "libcpp-httplib"));
  CHECK_FALSE(AsksFor(CASEBOOK_BINARY, "libssl"));
  CHECK_FALSE(AsksFor(CASEBOOK_BINARY, "libcrypto"));
}
