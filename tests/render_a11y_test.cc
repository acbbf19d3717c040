// Phones and keyboards in the default theme's HTML (issue 17 item 6), on
// every page of the render fixture: landmarks of one role have different
// names, headings never skip a level, the navigation and the table of
// contents fold into <details> (no JavaScript), action rows name their
// cells for the phone's cards, and every sideways-scrolling region can be
// focused. scripts/a11y checks the same in Chromium with axe-core.
#include <catch2/catch.hpp>

#include <map>
#include <regex>
#include <set>
#include <string>

#include "render/renderer.h"
#include "render/templates.h"
#include "render_fixture.h"
#include "test_support.h"

using namespace casebook;

namespace {

std::map<std::string, std::string> RenderPages() {
  auto f = test::MakeRenderFixture(test::SourceDir());
  util::Diagnostics diags;
  auto templates = render::TemplateSet::Load(f->cfg, &diags);
  REQUIRE(templates);
  std::map<std::string, std::string> pages;
  for (auto& file : render::RenderSite(f->site, *templates, render::RenderOptions{}, &diags)) {
    if (file.path.size() > 5 && file.path.compare(file.path.size() - 5, 5, ".html") == 0) {
      pages[file.path] = std::move(file.content);
    }
  }
  REQUIRE(pages.size() > 10);
  return pages;
}

std::string Attribute(const std::string& tag, const std::string& name) {
  std::smatch m;
  std::regex re("\\s" + name + "=\"([^\"]*)\"");
  return std::regex_search(tag, m, re) ? m[1].str() : std::string();
}

// The text of the element with id `id` (up to its first tag), for
// aria-labelledby.
std::string TextOfId(const std::string& page, const std::string& id) {
  size_t at = page.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  size_t start = page.find('>', at);
  size_t end = page.find('<', start);
  return page.substr(start + 1, end - start - 1);
}

// Names of the landmarks of `role` ("navigation" or "region") on a page.
std::multiset<std::string> LandmarkNames(const std::string& page, const std::string& role) {
  std::multiset<std::string> names;
  std::regex open_tag(R"(<(nav|section|div|aside)\b[^>]*>)");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), open_tag); it != std::sregex_iterator(); ++it) {
    const std::string tag = it->str();
    const std::string element = (*it)[1].str();
    const std::string explicit_role = Attribute(tag, "role");
    std::string name = Attribute(tag, "aria-label");
    const std::string labelledby = Attribute(tag, "aria-labelledby");
    if (name.empty() && !labelledby.empty()) name = TextOfId(page, labelledby);
    const bool is_nav = element == "nav" || explicit_role == "navigation";
    // A section is a region landmark only when it has a name.
    const bool is_region = explicit_role == "region" || (element == "section" && !name.empty());
    if ((role == "navigation" && is_nav) || (role == "region" && is_region)) names.insert(name);
  }
  return names;
}

}  // namespace

TEST_CASE("Every page: landmarks have unique names, headings skip no level") {
  for (const auto& [path, page] : RenderPages()) {
    INFO(path);
    for (const char* role : {"navigation", "region"}) {
      INFO(role);
      auto names = LandmarkNames(page, role);
      for (const auto& name : names) {
        INFO(name);
        CHECK_FALSE(name.empty());
        CHECK(names.count(name) == 1);
      }
    }
    int previous = 0;
    std::regex heading("<h([1-6])\\b");
    for (auto it = std::sregex_iterator(page.begin(), page.end(), heading); it != std::sregex_iterator(); ++it) {
      const int level = std::stoi((*it)[1].str());
      INFO("h" << level << " after h" << previous << " at " << it->position());
      CHECK(level <= previous + 1);
      previous = level;
    }
  }
}

TEST_CASE("The navigation and the table of contents fold into details, action cells are named") {
  auto pages = RenderPages();
  const std::string& pm = pages.at("postmortems/2024-03-12-checkout-pool/index.html");
  // One "Main" navigation, inside the menu a phone opens.
  const size_t menu = pm.find("<details class=\"site-menu\">");
  REQUIRE(menu != std::string::npos);
  CHECK(pm.find("<summary>", menu) < pm.find("<nav class=\"site-nav\" aria-label=\"Main\">", menu));
  // The table of contents comes before the text, as a disclosure.
  const size_t toc = pm.find("<details class=\"toc-menu\">");
  REQUIRE(toc != std::string::npos);
  CHECK(toc < pm.find("<div class=\"pm-main\">"));
  CHECK(pm.find("<nav class=\"toc\" aria-labelledby=\"toc-heading\">", toc) != std::string::npos);
  // Each action cell says what it is, for the card a phone shows.
  for (const char* label : {"Owner", "Due", "Status", "Ticket"}) {
    INFO(label);
    CHECK(pm.find(std::string("data-label=\"") + label + "\"") != std::string::npos);
  }
  const std::string& tracker = pages.at("actions/index.html");
  for (const char* label : {"Postmortem", "Owner", "Due", "Status", "Ticket"}) {
    INFO(label);
    CHECK(tracker.find(std::string("data-label=\"") + label + "\"") != std::string::npos);
  }
  // Every region that scrolls sideways can be reached by keyboard.
  for (const auto& [path, page] : pages) {
    INFO(path);
    std::regex wrap(R"re(<div class="(table-wrap|chart-svg)"[^>]*>)re");
    for (auto it = std::sregex_iterator(page.begin(), page.end(), wrap); it != std::sregex_iterator(); ++it) {
      INFO(it->str());
      CHECK(Attribute(it->str(), "tabindex") == "0");
    }
  }
}
