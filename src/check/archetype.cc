// Authoring helpers behind `casebook new`. See archetype.h.
#include "check/archetype.h"

#include <cstdio>

#include "util/fs.h"
#include "util/slug.h"
#include "util/text.h"

namespace casebook::check {

std::string NewPostmortem::Id() const {
  std::string slug = util::Slugify(title);
  if (slug.size() > 60) {
    size_t cut = slug.rfind('-', 60);
    slug = slug.substr(0, cut == std::string::npos || cut < 20 ? 60 : cut);
    // Never end inside a UTF-8 sequence.
    size_t start = slug.size();
    while (start > 0 && (static_cast<unsigned char>(slug[start - 1]) & 0xC0) == 0x80) --start;
    if (start > 0) {
      unsigned char lead = static_cast<unsigned char>(slug[start - 1]);
      size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      if (slug.size() - (start - 1) < want) slug.resize(start - 1);
    }
    while (!slug.empty() && slug.back() == '-') slug.pop_back();
  }
  if (slug.empty()) slug = "postmortem";
  return date + "-" + slug;
}

std::string TomlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n' || c == '\r' || c == '\t') out += ' ';
    else if (u < 0x20 || u == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string TomlArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += "\"" + TomlEscape(items[i]) + "\"";
  }
  return out + "]";
}

std::string FillArchetype(const std::string& archetype, const NewPostmortem& pm) {
  const std::pair<const char*, std::string> values[] = {
      {"title", TomlEscape(pm.title)},     {"id", pm.Id()},
      {"date", pm.date},                   {"severity", TomlEscape(pm.severity)},
      {"services", TomlArray(pm.services)}, {"tags", TomlArray(pm.tags)},
  };
  std::string out = archetype;
  for (const auto& [name, value] : values) {
    out = util::ReplaceAll(out, std::string("{{") + name + "}}", value);
    out = util::ReplaceAll(out, std::string("{{ ") + name + " }}", value);
  }
  return out;
}

std::string FindArchetype(const config::SiteConfig& cfg) {
  for (const std::string& dir : {cfg.root, cfg.ThemeDir()}) {
    std::string path = util::JoinPath(util::JoinPath(dir, "archetypes"), "postmortem.md");
    if (dir.empty()) path = "archetypes/postmortem.md";
    if (util::IsRegularFile(path)) return path;
  }
  return "";
}

std::string NewPostmortemPath(const std::string& dir, const NewPostmortem& pm) {
  return util::JoinPath(util::JoinPath(dir, pm.date.substr(0, 4)), pm.Id() + ".md");
}

std::string DefaultSeverity(const config::SiteConfig& cfg) {
  const auto levels = cfg.severities.empty() ? config::DefaultSeverities() : cfg.severities;
  return levels.empty() ? "SEV4" : levels.back().name;
}

}  // namespace casebook::check
