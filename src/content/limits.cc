// Bounded work per file (see limits.h).
#include "content/limits.h"

#include <vector>

#include "util/toml_shape.h"

namespace casebook::content::internal {

namespace {

std::string Raise(const std::string& key, long long now) {
  return "split or simplify it, or raise the limit in site.toml: [limits] " + key + " = " +
         std::to_string(now * 2) + " (docs/configuration.md)";
}

// Container markers at the start of a Markdown line: each ">" and each list
// marker ("-", "*", "+" or "1." / "1)" followed by a space) opens one more
// level. *content is set to where the line's content starts.
int ContainerDepth(std::string_view l, size_t* content) {
  // A thematic break ("- - -", "* * *") is not a list.
  bool lists = true;
  {
    char mark = 0;
    int count = 0;
    bool only = true;
    for (char c : l) {
      if (c == ' ' || c == '\t' || c == '>') continue;
      if ((c == '-' || c == '*' || c == '_') && (mark == 0 || mark == c)) {
        mark = c;
        ++count;
        continue;
      }
      only = false;
      break;
    }
    if (only && count >= 3) lists = false;
  }
  int depth = 0;
  size_t pos = 0;
  for (;;) {
    while (pos < l.size() && (l[pos] == ' ' || l[pos] == '\t')) ++pos;
    if (pos >= l.size()) break;
    if (l[pos] == '>') {
      ++depth;
      ++pos;
      continue;
    }
    if (!lists) break;
    size_t after = pos;
    if (l[pos] == '-' || l[pos] == '*' || l[pos] == '+') {
      after = pos + 1;
    } else {
      while (after < l.size() && after - pos < 9 && l[after] >= '0' && l[after] <= '9') ++after;
      if (after == pos || after >= l.size() || (l[after] != '.' && l[after] != ')')) break;
      ++after;
    }
    if (after < l.size() && l[after] != ' ' && l[after] != '\t') break;
    ++depth;
    pos = after;
  }
  *content = pos;
  return depth;
}

bool IsBlank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

// Columns of a GFM table delimiter row ("|---|:-:|"), or 0 when `s` is not one.
long DelimiterColumns(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '>')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  s = s.substr(b, e - b);
  bool dash = false, pipe = false;
  for (char c : s) {
    if (c == '-') dash = true;
    else if (c == '|') pipe = true;
    else if (c != ':' && c != ' ' && c != '\t') return 0;
  }
  if (!dash || !pipe) return 0;
  if (!s.empty() && s.front() == '|') s.remove_prefix(1);
  if (!s.empty() && s.back() == '|') s.remove_suffix(1);
  long cols = 1;
  for (char c : s) cols += c == '|' ? 1 : 0;
  return cols;
}

}  // namespace

bool WithinFileSize(long long bytes, const config::Limits& limits, const std::string& file,
                    util::Diagnostics* diags) {
  if (bytes <= limits.max_file_bytes) return true;
  diags->Error(file, 1, "limits/file-size",
               "the file is " + std::to_string(bytes) + " bytes, over the limit of " +
                   std::to_string(limits.max_file_bytes) + " ([limits] max_file_bytes); it is "
                   "left out",
               Raise("max_file_bytes", limits.max_file_bytes));
  return false;
}

bool TomlWithinLimits(std::string_view block, int first_line, const config::Limits& limits,
                      const std::string& file, util::Diagnostics* diags) {
  const int max = limits.max_nesting;
  const auto overrun = util::TomlNestingOverrun(block, max);
  if (!overrun) return true;
  diags->Error(file, first_line + *overrun, "limits/nesting",
               "TOML front matter nests more than " + std::to_string(max) +
                   " levels deep here (a dotted key of many parts, or tables and lists "
                   "inside one another; [limits] max_nesting = " +
                   std::to_string(max) + "); the file is left out",
               Raise("max_nesting", max));
  return false;
}

bool MarkdownWithinLimits(std::string_view text, int first_line, const config::Limits& limits,
                          const std::string& file, util::Diagnostics* diags) {
  std::vector<std::string_view> lines;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  const int max = limits.max_nesting;
  auto too_deep = [&](size_t k, const char* what) {
    diags->Error(file, first_line + static_cast<int>(k), "limits/nesting",
                 std::string(what) + " nest more than " + std::to_string(max) +
                     " levels deep here ([limits] max_nesting = " + std::to_string(max) +
                     "); the file is left out",
                 Raise("max_nesting", max));
    return false;
  };
  // Fenced code and code spans are counted like any text: skipping them
  // would need cmark's own rules for where they start and end (a fence
  // inside a paragraph's indented continuation is not one), and a scan that
  // guessed wrong could be walked around. Over-counting costs nothing real.
  long brackets = 0;
  size_t table_end = 0;  // rows of the last table found are not headers
  for (size_t k = 0; k < lines.size(); ++k) {
    const std::string_view l = lines[k];
    size_t pos = 0;
    if (ContainerDepth(l, &pos) > max) return too_deep(k, "block quotes and lists");
    const std::string_view rest = l.substr(pos);
    if (IsBlank(rest)) {
      brackets = 0;  // inlines are parsed a paragraph (or a table cell) at a time
      continue;
    }
    for (size_t i = 0; i < rest.size(); ++i) {
      const char c = rest[i];
      if (c == '\\') {
        ++i;  // an escaped "[" opens nothing
      } else if (c == '[') {
        if (++brackets > max) return too_deep(k, "unclosed link brackets \"[\"");
      } else if (c == ']' && brackets > 0) {
        --brackets;
      }
    }
    // The header needs no "|" of its own ("x" over "-|-|-" is counted too).
    if (k >= table_end && k + 1 < lines.size()) {
      if (const long cols = DelimiterColumns(lines[k + 1])) {
        long rows = 1;  // the header; every row is padded to its columns
        size_t j = k + 2;
        for (; j < lines.size() && !IsBlank(lines[j]); ++j) ++rows;
        table_end = j;
        const long long cells = static_cast<long long>(cols) * rows;
        if (cells > limits.max_table_cells) {
          diags->Error(file, first_line + static_cast<int>(k), "limits/table-cells",
                       "this table has " + std::to_string(cols) + " columns and " +
                           std::to_string(rows) + " rows, " + std::to_string(cells) +
                           " cells: over the limit of " + std::to_string(limits.max_table_cells) +
                           " ([limits] max_table_cells); the file is left out",
                       Raise("max_table_cells", limits.max_table_cells));
          return false;
        }
      }
    }
  }
  return true;
}

}  // namespace casebook::content::internal
