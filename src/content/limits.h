// Bounded work per file: cheap, linear pre-checks that run before a
// postmortem reaches a parser whose cost or recursion grows with the shape
// of its input, so that no file can crash casebook or stall it.
//
//  - TOML front matter: toml++ recurses once per part of a dotted key
//    (`x.a.a.a... = 1`; 50,000 parts overflow the stack) and per nested
//    table or array: the deepest key plus bracket nesting must stay within
//    [limits] max_nesting (measured by util::TomlNestingOverrun).
//  - Markdown: cmark-gfm's block quote / list nesting and unclosed link
//    brackets (`![[]()` repeated: seconds per 100 KB, quadratic), and a GFM
//    table pads every row to the header's columns (3,000 x 3,000 cells from
//    18 KB: 90 MB of HTML): nesting within max_nesting, cells of one table
//    within max_table_cells.
//
// YAML alias expansion ("billion laughs") is bounded where YAML is
// converted (front_matter_yaml.cc, kMaxFrontMatterValues) and file size in
// the loader. Every finding is an error naming the file, the line, the
// limit and how to raise it; the file is left out, the rest still load.
// The scans over-approximate (a count, not a parse): a file within the
// limits as counted here is within them as the parsers see it. Fenced code
// and code spans are counted like text, and the whole file is scanned,
// front matter included (its strings are rendered as Markdown too).
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"
#include "util/diagnostics.h"

namespace casebook::content::internal {

/// How many values a front matter may hold once YAML aliases are expanded.
constexpr long kMaxFrontMatterValues = 100'000;

/// "limits/file-size" when `bytes` is over cfg max_file_bytes. Line 1.
bool WithinFileSize(long long bytes, const config::Limits& limits, const std::string& file,
                    util::Diagnostics* diags);

/// "limits/nesting": the deepest dotted key plus [ and { nesting of a TOML
/// front matter block whose first line is file line `first_line`.
bool TomlWithinLimits(std::string_view block, int first_line, const config::Limits& limits,
                      const std::string& file, util::Diagnostics* diags);

/// "limits/nesting" (block quotes and list markers at the start of a line,
/// unclosed [ in a paragraph) and "limits/table-cells" for Markdown text
/// whose first line is file line `first_line`.
bool MarkdownWithinLimits(std::string_view text, int first_line, const config::Limits& limits,
                          const std::string& file, util::Diagnostics* diags);

}  // namespace casebook::content::internal
