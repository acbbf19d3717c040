// Internal to the check module: the source text of one file, the context a
// rule family runs in, and the rule families themselves (one .cc each).
// Nothing outside src/check includes this.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "check/check.h"
#include "config/config.h"
#include "content/document.h"
#include "model/postmortem.h"
#include "util/datetime.h"
#include "util/diagnostics.h"

namespace casebook::check {

/// Rules whose findings a draft may still have: reported as warnings (not
/// errors) while status = "draft".
bool IsCompletenessRule(std::string_view rule);

/// The raw lines of one source file, read once, for columns and ignore
/// comments. Lines are 1-based through line().
class SourceFile {
 public:
  /// Reads `path`; when unreadable, rebuilds the file from `doc` (front
  /// matter lines left blank, body from body_line on). `doc` may be null.
  static SourceFile Load(const std::string& path, const content::Document* doc);
  /// For tests and front-matter-free text.
  static SourceFile FromText(const std::string& text);

  int line_count() const { return static_cast<int>(lines_.size()); }
  /// Line n (1-based) without its newline; "" when out of range.
  const std::string& line(int n) const;
  /// First and last line of the front matter between the delimiters
  /// (0, -1 when there is none).
  int fm_first() const { return fm_first_; }
  int fm_last() const { return fm_last_; }

  /// 1-based column (in characters) of byte `byte_offset` of line n.
  int Column(int n, size_t byte_offset) const;
  /// Column of the first non-blank character of line n (1 when blank).
  int FirstColumn(int n) const;
  /// First line in [from, to] containing `needle` (ASCII case-insensitive);
  /// sets *column. 0 when not found.
  int Find(std::string_view needle, int from, int to, int* column) const;
  /// Line of front matter key `key` inside the table that starts at line
  /// `table_line` (e.g. "detected" under "[incident]"), scanning until the
  /// next table header; 0 when not found.
  int FindKey(std::string_view key, int table_line) const;

  /// Does an ignore comment on line n (or n-1), or a file-wide one, cover
  /// `rule`?
  bool Ignores(int line, const std::string& rule) const;

 private:
  void ScanIgnores();
  std::vector<std::string> lines_;
  int fm_first_ = 0, fm_last_ = -1;
  // Column() resumes from the last call on the same line (findings come in
  // order), so many findings on one long line stay linear.
  mutable int col_line_ = 0, col_value_ = 1;
  mutable size_t col_byte_ = 0;
  // line -> rules named in a casebook-ignore comment ("" = every rule).
  std::map<int, std::vector<std::string>> ignores_;
  std::vector<std::string> file_ignores_;
};

/// Does `pattern` (an exact rule id, a family such as "blameless", "*" or
/// "" for every rule) cover `rule`?
bool RuleMatches(std::string_view pattern, std::string_view rule);

/// Everything one rule family needs for one document.
struct RuleContext {
  RuleContext(const config::SiteConfig& c, const content::Document& d,
              const SourceFile& s, const model::Postmortem* p, util::DateTime t,
              std::string f)
      : cfg(c), doc(d), src(s), pm(p), today(t), file(std::move(f)) {}

  const config::SiteConfig& cfg;
  const content::Document& doc;
  const SourceFile& src;
  const model::Postmortem* pm;  // from the model, or null
  util::DateTime today;
  std::string file;  // as shown in findings

  /// Adds a finding at line:column with `level`, turned into a warning for
  /// drafts when the rule is a completeness rule.
  void Report(util::Diagnostics* out, util::Level level, int line, int column,
              const std::string& rule, const std::string& message,
              const std::string& hint) const;
  /// Line of a top-level front matter key (0 when unknown).
  int KeyLine(const std::string& key) const;
  /// Headings of the body with file lines (from the model when it has them,
  /// else rendered here).
  const std::vector<markdown::Heading>& Headings() const;

 private:
  mutable std::vector<markdown::Heading> headings_;
  mutable bool headings_ready_ = false;
};

// The rule families. Each appends its findings for one document.
/// `earlier_rules`: rule ids already reported for this file (by the loader).
void CheckSchemaRules(const RuleContext& ctx, const std::set<std::string>& earlier_rules,
                      util::Diagnostics* out);        // rules_schema.cc
void CheckTimeRules(const RuleContext& ctx, util::Diagnostics* out);     // rules_times.cc
void CheckActionRules(const RuleContext& ctx, util::Diagnostics* out);   // rules_actions.cc
void CheckSectionRules(const RuleContext& ctx, util::Diagnostics* out);  // rules_sections.cc
void CheckBlamelessRules(const RuleContext& ctx, util::Diagnostics* out);  // blameless.cc

/// rules_links.cc: gives the model's link findings (links/broken,
/// links/related) for this document a line and column where they lack one.
void LocateLinkFindings(const content::Document& doc, const SourceFile& src,
                        const model::SiteModel* model,
                        const std::vector<util::Diagnostic*>& findings);

/// Damerau-Levenshtein distance (optimal string alignment), ASCII
/// case-insensitive. For "did you mean".
int EditDistance(std::string_view a, std::string_view b);

}  // namespace casebook::check
