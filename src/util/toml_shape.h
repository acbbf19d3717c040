// How deep a TOML text nests, measured without parsing it: toml++ recurses
// once per part of a dotted key (`x.a.a.a... = 1`: 50,000 parts overflow the
// stack) and per nested table or array, so text from outside (front matter,
// site.toml) is measured first. Linear, allocation-free.
#pragma once

#include <optional>
#include <string_view>

namespace casebook::util {

/// The 0-based line of `toml` at which the parts of one dotted key plus the
/// [ and { around it first exceed `max_depth`; nullopt when they never do.
/// Strings and comments are skipped; a float such as 1.5 counts 2 parts (the
/// count is generous, never short).
std::optional<int> TomlNestingOverrun(std::string_view toml, int max_depth);

}  // namespace casebook::util
