// Authoring helpers behind `casebook new`: where a new postmortem goes, which
// archetype it starts from, and how the archetype's placeholders are filled.
//
// Placeholders (plain string replacement, not Mustache): {{title}} and
// {{severity}} become TOML/YAML basic-string contents (backslash and double
// quote escaped, line breaks turned into spaces); {{id}}, {{date}} as is;
// {{services}} and {{tags}} become array literals (["a", "b"], [] when
// empty). "{{ title }}" with inner spaces works too. Pure except
// FindArchetype, which looks at the disk.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace casebook::check {

struct NewPostmortem {
  std::string title;
  std::string date;      // YYYY-MM-DD
  std::string severity;  // a name from site.toml
  std::vector<std::string> services, tags;

  /// "<date>-<slug of title>", the slug cut to 60 characters at a "-";
  /// "<date>-postmortem" when the title has nothing to slug.
  std::string Id() const;
};

/// Escapes for a double-quoted TOML (or YAML) string, without the quotes.
std::string TomlEscape(const std::string& s);
/// ["a", "b"] with each item escaped.
std::string TomlArray(const std::vector<std::string>& items);

/// The archetype with its placeholders filled in.
std::string FillArchetype(const std::string& archetype, const NewPostmortem& pm);

/// <root>/archetypes/postmortem.md when it exists, else
/// <theme dir>/archetypes/postmortem.md when it exists, else "".
std::string FindArchetype(const config::SiteConfig& cfg);

/// <dir>/<yyyy>/<id>.md
std::string NewPostmortemPath(const std::string& dir, const NewPostmortem& pm);

/// The default severity for `new`: the least severe level (the last one in
/// site.toml, or of the built-in SEV1..SEV4).
std::string DefaultSeverity(const config::SiteConfig& cfg);

}  // namespace casebook::check
