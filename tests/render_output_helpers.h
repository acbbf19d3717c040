// Helpers for the stats and action-tracker render tests: render a hand-built
// model with the real default theme, count substrings, check XML with
// xmllint (or a tag-balance check when xmllint is absent), pull the inline
// <svg> elements out of a page.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "render/renderer.h"
#include "render/templates.h"
#include "render_fixture.h"
#include "test_support.h"

namespace casebook::test {

struct RenderedSite {
  std::map<std::string, std::string> files;
  util::Diagnostics diags;
  bool Has(const std::string& p) const { return files.count(p) > 0; }
  const std::string& operator[](const std::string& p) const { return files.at(p); }
};

inline std::string DiagText(const util::Diagnostics& d) {
  std::string s;
  for (const auto& item : d.items()) s += item.Format() + "\n";
  return s;
}

inline RenderedSite RenderWithTheme(const RenderFixture& f) {
  RenderedSite r;
  auto templates = render::TemplateSet::Load(f.cfg, &r.diags);
  INFO(DiagText(r.diags));
  REQUIRE(templates);
  for (auto& file : render::RenderSite(f.site, *templates, &r.diags)) r.files[file.path] = std::move(file.content);
  return r;
}

inline size_t CountOf(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

/// Start and end tags balance (self-closing ones count as both). A fallback
/// for machines without xmllint; comments and CDATA are not expected.
inline bool TagsBalance(const std::string& xml) {
  std::vector<std::string> stack;
  for (size_t i = xml.find('<'); i != std::string::npos; i = xml.find('<', i + 1)) {
    size_t end = xml.find('>', i);
    if (end == std::string::npos) return false;
    std::string tag = xml.substr(i + 1, end - i - 1);
    if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;
    bool closing = tag[0] == '/', self = tag.back() == '/';
    std::string name = tag.substr(closing ? 1 : 0);
    name = name.substr(0, name.find_first_of(" \t\n/"));
    if (closing) {
      if (stack.empty() || stack.back() != name) return false;
      stack.pop_back();
    } else if (!self) {
      stack.push_back(name);
    }
  }
  return stack.empty();
}

/// xmllint --noout when installed, else TagsBalance.
inline bool IsWellFormedXml(const std::string& xml) {
  if (!std::filesystem::exists("/usr/bin/xmllint")) return TagsBalance(xml);
  TempDir dir;
  dir.Write("f.xml", xml);
  std::string cmd = "/usr/bin/xmllint --noout '" + dir.path() + "/f.xml' 2>/dev/null";
  return std::system(cmd.c_str()) == 0;
}

/// Every <svg ...>...</svg> element in a page, in order.
inline std::vector<std::string> SvgElements(const std::string& page) {
  std::vector<std::string> out;
  for (size_t p = page.find("<svg"); p != std::string::npos; p = page.find("<svg", p + 1)) {
    size_t end = page.find("</svg>", p);
    if (end == std::string::npos) break;
    out.push_back(page.substr(p, end + 6 - p));
  }
  return out;
}

/// The <svg> whose <title> is `title` ("" when none).
inline std::string SvgTitled(const std::string& page, const std::string& title) {
  for (const auto& svg : SvgElements(page))
    if (svg.find("-title\">" + title + "</title>") != std::string::npos) return svg;
  return "";
}

}  // namespace casebook::test
