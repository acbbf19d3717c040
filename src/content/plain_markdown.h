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

/// One line of a Markdown body, with what the line-level readers need.
struct Line {
  std::string_view text;
  int number = 0;      // file line
  bool code = false;   // inside (or a fence of) a fenced code block
  int heading = 0;     // 1-6 for an ATX or setext heading line, else 0
  std::string heading_text;
  bool underline = false;  // the "====" / "----" line under a setext heading
};

/// Splits into lines (numbered from `body_line`), marks fenced code blocks
/// and headings (ATX "## x" and setext "x\n===").
std::vector<Line> Lines(std::string_view body, int body_line);
/// An ATX heading: level 1-6 and its text without the closing #s.
bool Heading(std::string_view line, int* level, std::string* text);
void MarkHeadings(std::vector<Line>* lines);
/// Table cells of a row ("| a | b |" -> {"a", "b"}); "\|" stays a pipe.
std::vector<std::string> Cells(std::string_view line);
/// "| --- | :-: |"
bool IsSeparatorRow(std::string_view line);
/// The content of a list item ("- x", "* x", "1. x"), or nullopt.
std::optional<std::string_view> ListContent(std::string_view line);

/// A time of day at the start of a text: "14:51", "9:05", "14:51:30",
/// "~14:51", "**14:51**", "[14:51]", "2:51 pm", with an optional zone right
/// after it ("14:51 UTC", "14:51Z", "14:51 (CET)").
struct TimeOfDay {
  int seconds = 0;                 // since midnight
  std::optional<int> offset;       // minutes, when a zone was written
  bool approximate = false;        // "~14:51"
  size_t consumed = 0;             // bytes used, decoration included
};
std::optional<TimeOfDay> ParseLeadingTime(std::string_view text);

/// A date at the start of a text, written as people write it in documents:
/// "2015-10-21", "2015/10/21", "October 21, 2015", "Oct 21 2015",
/// "21 October 2015", "Wednesday 31st March 2021", "Wed, 21 Oct 2015",
/// "10/21/2015", "21/10/2015", "21.10.2015" (not "03/04/2020": it could be
/// either).
/// Decoration ("**", "_", "`") before it is skipped. A date at UTC midnight
/// (has_time false); `consumed` gets the bytes used.
std::optional<util::DateTime> ParseLooseDate(std::string_view text, size_t* consumed = nullptr);

/// Text of the first level-1 ATX heading ("# Title #" -> "Title"), or nullopt.
/// `*line` (when given) gets its body-relative line, 1-based.
std::optional<std::string> FirstHeading(std::string_view body, int* line = nullptr);

/// A zone named in a line such as "All times in CET", "All times are UTC.",
/// "Date and Time in CET", "Time (UTC)", "Timeline (UTC+2)". nullopt when none.
std::optional<int> ZoneInText(std::string_view text);

/// Reads the first section whose heading starts (or ends) with
/// "Timeline": table rows and list items that begin with a date-time become
/// entries (in file order); other rows are skipped. The zone comes from the
/// row itself, else the table's first header cell, else a line before the
/// entries ("All times in CET"), else `default_offset_minutes`.
/// `body_line` is the file line of the body's first line.
/// A date on its own line or heading inside the section ("2015-10-21 (all
/// times UTC)", "### October 21, 2015") gives the day of the time-only
/// entries below it ("- 14:51 ..."); before any, `default_day` does (the
/// incident date from the metadata). Entries that go back in time roll over
/// to the next day.
std::vector<TimelineEntry> ExtractTimeline(std::string_view body, int body_line,
                                           int default_offset_minutes,
                                           std::optional<util::DateTime> default_day = std::nullopt);

/// List items "Label: value" whose label starts with "Time to" and whose
/// value holds a number ("?" and "N/A" are left out); footnote marks dropped.
std::vector<BodyFigure> ExtractFigures(std::string_view body, int body_line);

}  // namespace casebook::content::internal
