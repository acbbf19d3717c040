// Title, timeline and figures read from a Markdown body (see plain_markdown.h).
#include "content/plain_markdown.h"

#include <algorithm>
#include <cctype>

#include "util/datetime.h"
#include "util/text.h"

namespace casebook::content::internal {

namespace {

constexpr std::string_view kDash = "\xE2\x80\x94";  // "—", joins table cells

struct Line {
  std::string_view text;
  int number = 0;
  bool code = false;  // inside (or a fence of) a fenced code block
};

// Splits into lines and marks fenced code blocks (``` or ~~~).
std::vector<Line> Lines(std::string_view body, int body_line) {
  std::vector<Line> out;
  char fence_char = 0;
  size_t fence_len = 0;
  size_t pos = 0;
  int number = body_line;
  while (pos < body.size()) {
    size_t eol = body.find('\n', pos);
    size_t end = eol == std::string_view::npos ? body.size() : eol;
    std::string_view text = body.substr(pos, end - pos);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    size_t indent = 0;
    while (indent < text.size() && indent < 4 && text[indent] == ' ') ++indent;
    size_t run = 0;
    if (indent < 4) {
      char c = indent < text.size() ? text[indent] : 0;
      if (c == '`' || c == '~')
        while (indent + run < text.size() && text[indent + run] == c) ++run;
      if (run >= 3) {
        if (!fence_char) {
          fence_char = c;
          fence_len = run;
          out.push_back({text, number, true});
          pos = end + 1;
          ++number;
          continue;
        }
        if (c == fence_char && run >= fence_len &&
            util::Trim(text.substr(indent + run)).empty()) {
          fence_char = 0;
          out.push_back({text, number, true});
          pos = end + 1;
          ++number;
          continue;
        }
      }
    }
    out.push_back({text, number, fence_char != 0});
    pos = end + 1;
    ++number;
  }
  return out;
}

// An ATX heading: level 1-6 and its text without the closing #s.
bool Heading(std::string_view line, int* level, std::string* text) {
  size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  size_t n = 0;
  while (i + n < line.size() && line[i + n] == '#') ++n;
  if (n == 0 || n > 6) return false;
  size_t j = i + n;
  if (j < line.size() && line[j] != ' ' && line[j] != '\t') return false;
  std::string_view rest = util::Trim(line.substr(j));
  size_t k = rest.size();
  while (k > 0 && rest[k - 1] == '#') --k;
  if (k == 0) rest = {};
  else if (k < rest.size() && (rest[k - 1] == ' ' || rest[k - 1] == '\t'))
    rest = util::Trim(rest.substr(0, k));
  *level = static_cast<int>(n);
  *text = std::string(rest);
  return true;
}

// Table cells of a row ("| a | b |" -> {"a", "b"}); "\|" stays a pipe.
std::vector<std::string> Cells(std::string_view line) {
  line = util::Trim(line);
  if (!line.empty() && line.front() == '|') line.remove_prefix(1);
  if (!line.empty() && line.back() == '|' && !(line.size() >= 2 && line[line.size() - 2] == '\\'))
    line.remove_suffix(1);
  std::vector<std::string> cells;
  std::string cur;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cur += '|';
      ++i;
    } else if (line[i] == '|') {
      cells.emplace_back(util::Trim(cur));
      cur.clear();
    } else {
      cur += line[i];
    }
  }
  cells.emplace_back(util::Trim(cur));
  return cells;
}

bool IsSeparatorRow(std::string_view line) {
  if (line.find('-') == std::string_view::npos || line.find('|') == std::string_view::npos)
    return false;
  for (const auto& c : Cells(line)) {
    std::string_view s = c;
    if (!s.empty() && s.front() == ':') s.remove_prefix(1);
    if (!s.empty() && s.back() == ':') s.remove_suffix(1);
    if (s.empty() || s.find_first_not_of('-') != std::string_view::npos) return false;
  }
  return true;
}

// The content of a list item ("- x", "* x", "1. x"), or nullopt.
std::optional<std::string_view> ListContent(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t') && i < 12) ++i;
  if (i >= line.size()) return std::nullopt;
  size_t j = i;
  if (line[j] == '-' || line[j] == '*' || line[j] == '+') {
    ++j;
  } else {
    while (j < line.size() && j - i < 9 && std::isdigit(static_cast<unsigned char>(line[j]))) ++j;
    if (j == i || j >= line.size() || (line[j] != '.' && line[j] != ')')) return std::nullopt;
    ++j;
  }
  if (j < line.size() && line[j] != ' ' && line[j] != '\t') return std::nullopt;
  return util::Trim(line.substr(j));
}

// A range end at the start of `s`: "- 11:00", "-12:??", "– 11:00",
// "to 11:00". Returns "(until 11:00)" plus whatever follows it.
std::optional<std::string> RangeEnd(std::string_view s) {
  s = util::Trim(s);
  if (util::StartsWith(s, "-")) s.remove_prefix(1);
  else if (util::StartsWith(s, "\xE2\x80\x93") || util::StartsWith(s, kDash)) s.remove_prefix(3);
  else if (util::IStartsWith(s, "to ")) s.remove_prefix(3);
  else if (util::IStartsWith(s, "until ")) s.remove_prefix(6);
  else return std::nullopt;
  s = util::Trim(s);
  auto time_char = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '?'; };
  size_t h = 0;
  while (h < s.size() && h < 2 && time_char(s[h])) ++h;
  if (h == 0 || h + 3 > s.size() || s[h] != ':' || !time_char(s[h + 1]) || !time_char(s[h + 2]))
    return std::nullopt;
  size_t end = h + 3;
  if (end < s.size() && std::isalnum(static_cast<unsigned char>(s[end]))) return std::nullopt;
  std::string out = "(until " + std::string(s.substr(0, end)) + ")";
  std::string_view tail = util::Trim(s.substr(end));
  if (!tail.empty()) out += " " + std::string(tail);
  return out;
}

// Drops separators left between a date-time and its text ("08:21: x", "08:21 - x").
std::string_view StripLeadingSeparator(std::string_view s) {
  s = util::Trim(s);
  for (std::string_view sep : {std::string_view(":"), std::string_view("-"),
                               std::string_view("\xE2\x80\x93"), kDash, std::string_view("|")}) {
    if (util::StartsWith(s, sep)) return util::Trim(s.substr(sep.size()));
  }
  return s;
}

bool IsTimeWord(const std::string& t) {
  return t == "time" || t == "times" || t == "timeline" || t == "timezone" || t == "tz" ||
         t == "timestamps" || t == "zone";
}

bool IsFiller(const std::string& t) {
  static const char* kWords[] = {"are", "is", "in", "all", "shown", "given", "listed", "the",
                                 "zone", "reported", "written", "expressed", "-", "=", "of"};
  return std::any_of(std::begin(kWords), std::end(kWords), [&](const char* w) { return t == w; });
}

std::optional<int> TokenZone(const std::string& tok) {
  if (tok.size() < 2) return std::nullopt;  // a lone "Z" in prose is not a zone
  return util::ZoneOffsetMinutes(tok);
}

}  // namespace

std::optional<std::string> FirstHeading(std::string_view body, int* line) {
  for (const Line& l : Lines(body, 1)) {
    if (l.code) continue;
    int level = 0;
    std::string text;
    if (Heading(l.text, &level, &text) && level == 1 && !text.empty()) {
      if (line) *line = l.number;
      return text;
    }
  }
  return std::nullopt;
}

std::optional<int> ZoneInText(std::string_view text) {
  std::vector<std::string> toks;
  std::string cur;
  auto flush = [&] {
    while (!cur.empty() && (cur.back() == '.' || cur.back() == ':' || cur.back() == '!'))
      cur.pop_back();
    if (!cur.empty()) toks.push_back(cur);
    cur.clear();
  };
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::string_view("()[]{},;|*_`\"'").find(c) != std::string_view::npos) {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  for (size_t i = 0; i < toks.size(); ++i) {
    if (!IsTimeWord(util::ToLowerAscii(toks[i]))) continue;
    if (i > 0)
      if (auto z = TokenZone(toks[i - 1])) return z;
    size_t j = i + 1;
    while (j < toks.size() && IsFiller(util::ToLowerAscii(toks[j]))) ++j;
    if (j < toks.size())
      if (auto z = TokenZone(toks[j])) return z;
  }
  return std::nullopt;
}

std::vector<TimelineEntry> ExtractTimeline(std::string_view body, int body_line,
                                           int default_offset_minutes) {
  std::vector<Line> lines = Lines(body, body_line);
  std::vector<TimelineEntry> entries;
  size_t i = 0;
  while (i < lines.size()) {
    // Find the next timeline section.
    int section_level = 0;
    for (; i < lines.size(); ++i) {
      int level = 0;
      std::string text;
      if (lines[i].code || !Heading(lines[i].text, &level, &text) || level < 2) continue;
      std::string lower = util::ToLowerAscii(text);
      if (util::StartsWith(lower, "timeline") || util::EndsWith(lower, " timeline")) {
        section_level = level;
        break;
      }
    }
    if (section_level == 0) break;
    std::optional<int> section_zone = ZoneInText(lines[i].text);
    ++i;
    std::optional<int> table_zone;
    bool in_table = false;
    bool continuing = false;  // the previous line was a list entry
    for (; i < lines.size(); ++i) {
      const Line& l = lines[i];
      int level = 0;
      std::string heading;
      if (!l.code && Heading(l.text, &level, &heading) && level <= section_level) break;
      if (l.code || util::Trim(l.text).empty()) {
        in_table = false;
        continuing = false;
        continue;
      }
      const int zone = table_zone.value_or(section_zone.value_or(default_offset_minutes));
      bool has_pipe = l.text.find('|') != std::string_view::npos;
      if (has_pipe && !in_table && i + 1 < lines.size() && IsSeparatorRow(lines[i + 1].text)) {
        // A table header: its first cell may name the zone ("Time (UTC)").
        in_table = true;
        continuing = false;
        std::vector<std::string> header = Cells(l.text);
        table_zone = header.empty() ? std::nullopt : ZoneInText(header[0]);
        ++i;  // the separator row
        continue;
      }
      if (has_pipe && (in_table || util::StartsWith(util::Trim(l.text), "|"))) {
        continuing = false;
        std::vector<std::string> cells = Cells(l.text);
        if (cells.empty()) continue;
        size_t used = 0;
        auto at = util::ParseLeadingDateTime(cells[0], zone, &used);
        if (!at) continue;
        std::vector<std::string> parts;
        for (size_t c = 1; c < cells.size(); ++c)
          if (!cells[c].empty()) parts.push_back(cells[c]);
        std::string text = util::Join(parts, std::string(" ") + std::string(kDash) + " ");
        std::string_view left = util::Trim(std::string_view(cells[0]).substr(used));
        if (!left.empty()) {
          std::string prefix = RangeEnd(left).value_or(std::string(left));
          text = text.empty() ? prefix : prefix + " " + text;
        }
        entries.push_back({*at, text, l.number});
        continue;
      }
      in_table = false;
      auto item = ListContent(l.text);
      std::string_view content = item ? *item : util::Trim(l.text);
      size_t used = 0;
      auto at = util::ParseLeadingDateTime(content, zone, &used);
      // Plain lines count only with a time ("2021-06-22 08:21 ..."), so that
      // prose such as "2021-06-22 was a Monday" is not an entry.
      if (at && (item || at->has_time || at->time_unknown)) {
        std::string_view rest = content.substr(used);
        std::string text = RangeEnd(rest).value_or(std::string(StripLeadingSeparator(rest)));
        entries.push_back({*at, text, l.number});
        continuing = item.has_value();
        continue;
      }
      if (continuing && !item && (l.text[0] == ' ' || l.text[0] == '\t')) {
        entries.back().text += " " + std::string(util::Trim(l.text));
        continue;
      }
      continuing = false;
      if (entries.empty() && !item) {
        if (auto z = ZoneInText(l.text)) section_zone = z;
      }
    }
    if (!entries.empty()) break;
  }
  return entries;
}

std::vector<BodyFigure> ExtractFigures(std::string_view body, int body_line) {
  std::vector<BodyFigure> out;
  for (const Line& l : Lines(body, body_line)) {
    if (l.code) continue;
    auto item = ListContent(l.text);
    if (!item) continue;
    std::string content(*item);
    content = util::ReplaceAll(content, "**", "");
    content = util::ReplaceAll(content, "__", "");
    size_t colon = content.find(':');
    if (colon == std::string::npos) continue;
    std::string label(util::Trim(std::string_view(content).substr(0, colon)));
    if (!util::IStartsWith(label, "time to")) continue;
    std::string value = content.substr(colon + 1);
    // Footnote marks ("279 minutes [^3]") are not part of the value.
    for (size_t p; (p = value.find("[^")) != std::string::npos;) {
      size_t close = value.find(']', p);
      if (close == std::string::npos) break;
      value.erase(p, close - p + 1);
    }
    value = std::string(util::Trim(value));
    if (value.find_first_of("0123456789") == std::string::npos) continue;
    out.push_back({label, value, l.number});
  }
  return out;
}

}  // namespace casebook::content::internal
