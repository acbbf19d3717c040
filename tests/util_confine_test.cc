// Confinement to the site folder: which roots a folder may resolve into,
// and which links under a folder leave them (real folders and links).
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>

#include "test_support.h"
#include "util/confine.h"

using namespace casebook;
namespace fs = std::filesystem;

TEST_CASE("AllowedRoots: the site root, plus a folder named outside it", "[confine]") {
  test::TempDir dir;
  dir.Write("site/content/a.md", "a");
  dir.Write("elsewhere/b.md", "b");
  const std::string site = fs::canonical(dir.path() + "/site").string();
  const std::string elsewhere = fs::canonical(dir.path() + "/elsewhere").string();
  CHECK(util::AllowedRoots(site, site + "/content") == std::vector<std::string>{site});
  CHECK(util::AllowedRoots(site, site + "/../elsewhere") ==
        std::vector<std::string>{site, elsewhere});
  // A link named inside the root is judged by where it leads, not trusted.
  REQUIRE(::symlink(elsewhere.c_str(), (site + "/linked").c_str()) == 0);
  CHECK(util::AllowedRoots(site, site + "/linked") == std::vector<std::string>{site});
  CHECK(util::ResolvesOutside(site + "/linked", {site}) == elsewhere);
  CHECK_FALSE(util::ResolvesOutside(site + "/content/a.md", {site}));
  CHECK_FALSE(util::ResolvesOutside(site + "/missing", {site}));  // reads nothing
  // "/site-other" is not inside "/site".
  CHECK_FALSE(util::IsInsideFolder(site + "-other/x", site));
  CHECK(util::IsInsideFolder(site + "/x", site));
}

TEST_CASE("LinksOutside: file and folder links out, once each, links inside followed",
          "[confine]") {
  test::TempDir dir;
  dir.Write("site/static/plain.txt", "p");
  dir.Write("site/assets/logo.txt", "l");
  dir.Write("outside/secret.txt", "s");
  dir.Write("outside/folder/deep.txt", "d");
  const std::string site = fs::canonical(dir.path() + "/site").string();
  const std::string out = fs::canonical(dir.path() + "/outside").string();
  auto link = [](const std::string& target, const std::string& at) {
    REQUIRE(::symlink(target.c_str(), at.c_str()) == 0);
  };
  link(out + "/secret.txt", site + "/static/k.txt");
  link(out + "/folder", site + "/static/docs");
  link("../assets", site + "/static/assets");                    // inside: followed
  link(out + "/secret.txt", site + "/assets/also.txt");          // found through it
  link(site + "/static", site + "/static/loop");                 // a loop: read once
  link("/nonexistent/target", site + "/static/broken.txt");      // resolves nowhere
  auto found = util::LinksOutside(site + "/static", {site});
  REQUIRE(found.size() == 3);
  CHECK(found[0].path == site + "/static/assets/also.txt");
  CHECK(found[0].target == out + "/secret.txt");
  CHECK(found[1].path == site + "/static/docs");
  CHECK(found[1].target == out + "/folder");
  CHECK(found[2].path == site + "/static/k.txt");
  // The folder itself leaving is one finding.
  link(out, site + "/layouts");
  auto whole = util::LinksOutside(site + "/layouts", {site});
  REQUIRE(whole.size() == 1);
  CHECK(whole[0].path == site + "/layouts");
  CHECK(util::LinksOutside(site + "/none", {site}).empty());
}
