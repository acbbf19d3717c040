// Front matter: splitting it off the body, parsing it (TOML or YAML) into one
// neutral tree, and reading the typed Document fields from that tree.
//
// Internal to the loader (ParseDocument is the public entry point). TOML and
// YAML both become an FmNode tree carrying file line numbers, so the typing
// rules (FORMAT.md) are written once. Parse errors return false with a
// "schema/front-matter" Diagnostic at the file line and column; a bad field
// is a Diagnostic ("schema/type", "schema/date", "schema/status", ...) and
// leaves that field empty, never the whole document. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "content/document.h"
#include "util/diagnostics.h"
#include "util/value.h"

namespace casebook::content::internal {

/// A front matter value, TOML or YAML, with where it was written.
struct FmNode {
  enum class Kind { kNull, kBool, kInt, kFloat, kString, kDate, kList, kMap };
  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string text;  // kString: the string; kDate: ISO text ("2024-03-14",
                     // "2024-03-12T09:14:00Z", "2024-03-12T09:14:00" local)
  std::vector<FmNode> items;  // kList: the items; kMap: the values
  struct Key {
    std::string key;
    int line = 0;    // file line of the key
    int column = 0;  // 1-based; 0 when unknown
  };
  std::vector<Key> keys;  // kMap: keys[i] names items[i]; in file order
  int line = 0;    // file line of the value
  int column = 0;

  const FmNode* Find(std::string_view key) const;
};

/// "a string", "an integer", "a list", ... for messages.
const char* KindName(FmNode::Kind kind);

struct SplitResult {
  FrontMatterKind kind = FrontMatterKind::kNone;
  std::string_view block;  // front matter text between the fences
  int block_line = 0;      // file line of the block's first line
  std::string_view body;
  int body_line = 1;       // file line where the body starts
  bool unterminated = false;  // opened but never closed
};

/// Splits "+++" (TOML) or "---" (YAML) front matter off the top of `text`
/// (an optional UTF-8 byte order mark is skipped). The fences must be alone
/// on their line (trailing spaces and "\r" allowed). YAML may close with "...".
SplitResult SplitFrontMatter(std::string_view text);

/// Parses TOML / YAML front matter whose first line is file line `first_line`.
/// `file` names it in diagnostics. false (with an error) on a syntax error.
bool ParseTomlBlock(std::string_view block, int first_line, const std::string& file,
                    FmNode* out, util::Diagnostics* diags);
bool ParseYamlBlock(std::string_view block, int first_line, const std::string& file,
                    FmNode* out, util::Diagnostics* diags);

/// Reads the FORMAT.md fields of a parsed front matter map into `doc` (id,
/// title, date, severity, status, lists, [incident], [[timeline]],
/// [[actions]], check_ignore; everything else into doc->extra) and records
/// key lines. Zone-less date-times use `default_offset_minutes`.
///
/// Keys other tools write are read as the casebook field they mean: the
/// built-in aliases (BuiltinAliases: start_time -> started, product ->
/// services, url -> original_report, ...) and site.toml's [fields], which
/// win. A built-in alias never applies to a key that is one of the site's
/// taxonomies. `fields` may be null (no [fields]).
void ApplyFrontMatter(const FmNode& root, int default_offset_minutes,
                      const std::string& file, Document* doc,
                      util::Diagnostics* diags,
                      const std::map<std::string, std::vector<std::string>>* fields = nullptr,
                      const std::vector<std::string>* taxonomies = nullptr);

/// The built-in table: (their key, casebook field), in documentation order.
const std::vector<std::pair<std::string, std::string>>& BuiltinAliases();

/// Converts a front matter value for templates (dates become their text).
util::Value ToValue(const FmNode& node);

/// A date-time from a front matter value (TOML date / date-time or a string
/// util::ParseDateTime accepts). A date without a time is stored as UTC
/// midnight of the day written, offset 0. nullopt when it is not one.
std::optional<util::DateTime> ToDateTime(const FmNode& node, int default_offset_minutes);

}  // namespace casebook::content::internal
