// Small string helpers shared by every stage: escaping, UTF-8, trimming.
// All pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace casebook::util {

/// Escapes & < > " ' for HTML text and attribute values; drops C0 control
/// characters other than tab, newline and return, and DEL.
std::string HtmlEscape(std::string_view s);
/// Escapes for XML (feeds, sitemap): & < > " ' and drops characters XML 1.0
/// forbids (control characters other than tab, newline, return).
std::string XmlEscape(std::string_view s);
/// Drops control characters: C0 other than tab, newline and return, DEL and
/// C1 (U+0080-U+009F). For names, titles and every page written: a NUL or an
/// ESC in a tag never reaches a page.
std::string StripControls(std::string_view s);
/// True when StripControls(s) would change `s`.
bool HasControls(std::string_view s);
/// Text from postmortems made safe to print to a terminal: C0 controls other
/// than tab and newline, DEL and C1 controls become visible escapes ("\x1b",
/// "\x9b"), and so do the bidirectional overrides and isolates (U+202A-
/// U+202E, U+2066-U+2069: "\u202e"), so an ESC/OSC sequence in a title cannot
/// recolour, retitle or rewrite the terminal, nor reorder what it shows.
std::string TerminalSafe(std::string_view s);
/// Percent-encodes a path segment or query value (RFC 3986 unreserved kept).
std::string UrlEncode(std::string_view s);

/// True when `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);
/// Byte offset of the first invalid UTF-8 sequence, or npos.
size_t InvalidUtf8Offset(std::string_view s);
/// Replaces invalid sequences with U+FFFD.
std::string SanitizeUtf8(std::string_view s);

std::string_view Trim(std::string_view s);
std::string ToLowerAscii(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
bool IStartsWith(std::string_view s, std::string_view prefix);  // ASCII case-insensitive
std::vector<std::string> Split(std::string_view s, char sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
/// Replaces every occurrence of `from` with `to`.
std::string ReplaceAll(std::string s, std::string_view from, std::string_view to);
/// 1-based line number of byte `offset` in `text`.
int LineOfOffset(std::string_view text, size_t offset);
/// Shortens to at most `max_chars` bytes at a word boundary, adding "…".
std::string Truncate(std::string_view s, size_t max_chars);

}  // namespace casebook::util
