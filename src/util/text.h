// Small string helpers shared by every stage: escaping, UTF-8, trimming.
// All pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace casebook::util {

/// Escapes & < > " ' for HTML text and attribute values.
std::string HtmlEscape(std::string_view s);
/// Escapes for XML (feeds, sitemap): & < > " ' and drops characters XML 1.0
/// forbids (control characters other than tab, newline, return).
std::string XmlEscape(std::string_view s);
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
