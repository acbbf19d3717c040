// End-to-end: with relative_urls (the default) a built site works opened
// from disk: every link and asset of every page resolves to a file in the
// output folder. Feeds and the sitemap keep absolute URLs from base_url.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "test_support.h"

namespace fs = std::filesystem;
using casebook::test::RunCasebook;
using casebook::test::TempDir;

namespace {

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Every href, src and action value in `html`.
std::vector<std::string> Links(const std::string& html) {
  static const std::regex kAttr(R"re(\s(?:href|src|action)="([^"]*)")re");
  std::vector<std::string> links;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), kAttr); it != std::sregex_iterator();
       ++it)
    links.push_back((*it)[1].str());
  return links;
}

bool HasScheme(const std::string& url) {
  size_t colon = url.find(':');
  return colon != std::string::npos && url.find_first_of("/?#") > colon;
}

void BuildFixture(const TempDir& dir) {
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  auto r = RunCasebook("build --today 2024-06-01", dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("relative_urls: every link of every page resolves to a file from disk", "[site][links]") {
  TempDir dir;
  BuildFixture(dir);
  const fs::path out = fs::path(dir.path()) / "public";
  int pages = 0, checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(out)) {
    if (!e.is_regular_file() || e.path().extension() != ".html") continue;
    const std::string page = fs::relative(e.path(), out).generic_string();
    if (page == "404.html") continue;  // served for unknown URLs: absolute on purpose
    ++pages;
    for (const std::string& link : Links(ReadAll(e.path()))) {
      INFO(page << " links to \"" << link << "\"");
      if (HasScheme(link) || link.empty() || link[0] == '#') continue;
      CHECK(link[0] != '/');  // an absolute path breaks from disk
      std::string path = PercentDecode(link.substr(0, link.find_first_of("?#")));
      fs::path target = (e.path().parent_path() / path).lexically_normal();
      CHECK(fs::is_regular_file(target));  // a folder would open as a listing
      CHECK(target.string().rfind(out.string(), 0) == 0);
      ++checked;
    }
  }
  CHECK(pages > 20);
  CHECK(checked > 500);
}

TEST_CASE("relative_urls: links are relative to the page, feeds and sitemap stay absolute",
          "[site][links]") {
  TempDir dir;
  BuildFixture(dir);
  std::string post = dir.Read("public/postmortems/2024-03-12-checkout-pool/index.html");
  CHECK(post.find("href=\"../../css/style.css\"") != std::string::npos);
  CHECK(post.find("href=\"../../tags/database/index.html\"") != std::string::npos);
  CHECK(post.find("href=\"../../index.html\"") != std::string::npos);
  std::string home = dir.Read("public/index.html");
  CHECK(home.find("href=\"css/style.css\"") != std::string::npos);
  CHECK(home.find("action=\"search/index.html\"") != std::string::npos);
  CHECK(home.find("href=\"/archive/") == std::string::npos);
  // The canonical URL is absolute (base_url has a host).
  CHECK(post.find("rel=\"canonical\" href=\"https://pm.example.com/archive/postmortems/") !=
        std::string::npos);
  CHECK(dir.Read("public/sitemap.xml").find("<loc>https://pm.example.com/archive/postmortems/") !=
        std::string::npos);
  CHECK(dir.Read("public/feed.xml").find("href=\"https://pm.example.com/archive/postmortems/") !=
        std::string::npos);
  CHECK(dir.Read("public/404.html").find("href=\"/archive/css/style.css\"") != std::string::npos);
}

TEST_CASE("relative_urls = false keeps absolute links, and the build message says so",
          "[site][links]") {
  TempDir dir;
  fs::copy(fs::path(CASEBOOK_FIXTURES) / "site", dir.path(), fs::copy_options::recursive);
  dir.Write("site.toml", "relative_urls = false\n" + dir.Read("site.toml"));
  auto r = RunCasebook("build --today 2024-06-01", dir.path());
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("need a web server") != std::string::npos);
  std::string post = dir.Read("public/postmortems/2024-03-12-checkout-pool/index.html");
  CHECK(post.find("href=\"/archive/css/style.css\"") != std::string::npos);
  CHECK(post.find("href=\"/archive/tags/database/\"") != std::string::npos);

  // Switching it on re-renders every page (the mode is part of each page's key).
  dir.Write("site.toml", "relative_urls = true\n" + dir.Read("site.toml").substr(22));
  r = RunCasebook("build --today 2024-06-01", dir.path());
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("it works from disk") != std::string::npos);
  post = dir.Read("public/postmortems/2024-03-12-checkout-pool/index.html");
  CHECK(post.find("href=\"../../tags/database/index.html\"") != std::string::npos);
}
