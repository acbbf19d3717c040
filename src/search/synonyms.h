// Search synonyms: casebook's built-in list of operations vocabulary, merged
// with site.toml's [search.synonyms]. The index builder writes the result
// into the index's synonym table (both ways); queries expand through it.
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace casebook::search {

using SynonymMap = std::map<std::string, std::vector<std::string>>;

/// The built-in groups: every word of a group finds the others
/// (docs/search.md lists them).
const std::vector<std::vector<std::string>>& BuiltinSynonymGroups();

/// Built-in broad words and the narrower ones each finds ("5xx" -> "503");
/// a narrower word finds the broad one, not its siblings.
const SynonymMap& BuiltinBroaderTerms();

/// The built-in groups and broader terms as word -> the other words of its groups, then
/// `configured` on top: a configured word adds its list to what it has; a
/// configured word with an empty list ("outage = []") is taken out of the
/// built-in groups altogether (it no longer finds them, nor they it).
SynonymMap MergeSynonyms(const SynonymMap& configured);

}  // namespace casebook::search
