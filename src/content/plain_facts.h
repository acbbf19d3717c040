// What a postmortem written for another template says about itself in its
// body: metadata lines ("**Date:** 2015-10-21", "Severity: SEV-2") and
// two-column metadata tables near the top, the summary, the action items of
// an "Action items" / "Follow-ups" / "Remediation" section, and the marker
// words of a timeline ("OUTAGE BEGINS", "INCIDENT ENDS").
//
// Internal to the loader (and to `casebook inspect`, which shows every fact
// with its line, and to check's times/no-date, which points at a date line
// it could not read). Never reports errors: what it cannot read stays text in the
// body. Fenced code blocks are ignored. Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/document.h"

namespace casebook::content::internal {

/// One fact read from the body, before it is typed.
struct PlainFact {
  std::string field;  // canonical: see CanonicalField
  std::string key;    // as written: "Incident date"
  std::string value;  // Markdown as written, trimmed
  int line = 0;       // file line
  std::string how;    // "metadata line", "metadata table", "summary section"
};

struct PlainFacts {
  std::vector<PlainFact> facts;     // in file order; the first of a field wins
  std::vector<ActionItem> actions;  // from the action-items section(s)
  int actions_line = 0;             // file line of that heading; 0: none
  std::string actions_heading;

  const PlainFact* Find(std::string_view field) const;
};

/// The casebook field a metadata key means, matched case-insensitively with
/// its synonyms: "Incident date" -> "date", "Sev" -> "severity", "Written
/// by" -> "authors", "Systems affected" -> "services", "TL;DR" -> "summary",
/// "Impact start" -> "started", "Root causes" -> "root_cause". "" when none.
/// Fields: date severity status authors facilitator services tags summary
/// impact root_cause trigger detection resolution started detected mitigated
/// resolved duration.
std::string CanonicalField(std::string_view key);

PlainFacts ExtractPlainFacts(std::string_view body, int body_line);

/// Reads one list item or table row text of an action-items section:
/// "[x]" / "[ ]", "(done)", DONE / TODO markers, "@owner" / "Owner: X",
/// "due 2024-04-24", ticket ids ("PAY-2210", "Bug 123", "#123"). The text
/// left is the item. nullopt when nothing is left (an empty "-").
std::optional<ActionItem> ParseActionText(std::string_view text);

/// The incident time a timeline entry marks, from its words: "started"
/// ("OUTAGE BEGINS", "impact started"), "detected" ("alerted", "paged"),
/// "mitigated", "resolved" ("INCIDENT ENDS", "back to normal"); "" none.
std::string TimelineMarker(std::string_view text);

/// True for a template rather than a postmortem: "template" in the file name
/// or the title, or unfilled placeholders ("PMyyyy-nnn", "YYYY-MM-DD",
/// "Incident Title") in them.
bool LooksLikeTemplate(std::string_view file_name, std::string_view title);

/// A severity as written ("Sev 2", "SEV-2", "P2", "major") as one of the
/// site's level names ("SEV2"), when it clearly is one; else as written.
std::string NormalizeSeverity(std::string_view value, const std::vector<std::string>& names,
                              const std::vector<std::string>& labels);

/// "Complete, action items in progress" -> "final"; "Draft" -> "draft";
/// "In review" -> "review". nullopt when the value says none of these.
std::optional<std::string> NormalizeStatus(std::string_view value);

/// "a, b and c" / "a; b" / "@a @b" -> {"a", "b", "c"}; links keep their text.
std::vector<std::string> SplitNames(std::string_view value);

}  // namespace casebook::content::internal
