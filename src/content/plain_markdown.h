// What the loader reads from a Markdown body itself: the first "# " heading
// (the title when front matter has none), the structured timeline in a
// "## Timeline" section, and "- Time to detection: 8 minutes" figures.
//
// Internal to the loader. Never reports errors: a row or line it cannot read
// stays plain text in the body. Fenced code blocks are ignored. Pure and
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/document.h"

namespace casebook::content::internal {

/// Text of the first level-1 ATX heading ("# Title #" -> "Title"), or nullopt.
/// `*line` (when given) gets its body-relative line, 1-based.
std::optional<std::string> FirstHeading(std::string_view body, int* line = nullptr);

/// A zone named in a line such as "All times in CET", "All times are UTC.",
/// "Date and Time in CET", "Time (UTC)", "Timeline (UTC+2)". nullopt when none.
std::optional<int> ZoneInText(std::string_view text);

/// Reads the first section whose heading (level 2 or deeper) starts with
/// "Timeline": table rows and list items that begin with a date-time become
/// entries (in file order); other rows are skipped. The zone comes from the
/// row itself, else the table's first header cell, else a line before the
/// entries ("All times in CET"), else `default_offset_minutes`.
/// `body_line` is the file line of the body's first line.
std::vector<TimelineEntry> ExtractTimeline(std::string_view body, int body_line,
                                           int default_offset_minutes);

/// List items "Label: value" whose label starts with "Time to" and whose
/// value holds a number ("?" and "N/A" are left out); footnote marks dropped.
std::vector<BodyFigure> ExtractFigures(std::string_view body, int body_line);

}  // namespace casebook::content::internal
