// casebook check: validation and blameless-language lint for a postmortem
// archive, without writing the site.
//
// RunCheck() loads every postmortem with the shared loader (drafts included),
// builds the SiteModel (which reports duplicate ids, unknown severities and
// broken links), then adds the check rules (schema, times, links, actions,
// sections, blameless; see docs/checking.md for every rule id). All findings,
// the loader's and the model's included, then go through one policy:
//   1. [check] levels in site.toml ("off" | "warning" | "error"), by exact
//      rule id first, then by family ("blameless" covers "blameless/*");
//   2. `<!-- casebook-ignore RULE... -->` on the finding's line or the line
//      before (no rule = every rule; a family name covers its rules), and
//      `<!-- casebook-ignore-file RULE... -->` anywhere in the file;
//   3. front matter `check_ignore = ["RULE", ...]` (ids or families).
// Findings are sorted by file, line, column and rule.
//
// Contract: never throws for bad input; a problem that stops the check from
// running at all (no source folder, a PATH that does not exist) is returned
// in CheckReport::fatal. Not thread-safe across calls that share a config.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "content/document.h"
#include "model/site_model.h"
#include "util/datetime.h"
#include "util/diagnostics.h"

namespace casebook::check {

struct CheckOptions {
  /// Restrict the findings to these files or folders (relative to the cwd or
  /// absolute). Links are still resolved against the whole archive. Empty =
  /// the whole archive.
  std::vector<std::string> paths;
  /// Warnings make the check fail (see ExitCode).
  bool strict = false;
  /// "Today" for overdue action items and dates in the future.
  std::optional<util::DateTime> today;  // default util::Today()
};

struct CheckReport {
  util::Diagnostics diagnostics;  // sorted; "off" findings removed
  int errors = 0;
  int warnings = 0;
  int files = 0;                  // postmortem files checked
  std::vector<std::string> notes; // e.g. "README.md: not under content/, skipped"
  std::string fatal;              // non-empty: the check could not run
  bool strict = false;

  /// 0 clean or warnings only; 1 errors (or warnings with strict); 2 fatal.
  int ExitCode() const;
};

/// The whole check, as `casebook check` runs it.
CheckReport RunCheck(const config::SiteConfig& cfg, const CheckOptions& options);

/// The lower level, for tests and tools: runs every check rule on `docs`
/// (`model` supplies rendered headings and the link resolution; may be null,
/// then bodies are rendered here and link findings are the model's business),
/// appends the findings to `*diags`, then applies the policy above to EVERY
/// item in `*diags` (so a caller can pass the loader's and model's findings
/// in first). Sources are re-read from Document::path for ignore comments and
/// columns; when unreadable the body alone is used.
void CheckDocuments(const config::SiteConfig& cfg,
                    const std::vector<content::Document>& docs,
                    const model::SiteModel* model, util::Diagnostics* diags,
                    std::optional<util::DateTime> today = std::nullopt);

/// Every rule id this module reports, with its default level, family and a
/// one-line description (for docs and `--format json` consumers).
struct RuleInfo {
  const char* id;
  util::Level level;
  const char* description;
};
const std::vector<RuleInfo>& Rules();

}  // namespace casebook::check
