// Title, timeline and figures read from a Markdown body (see plain_markdown.h).
#include "content/plain_markdown.h"

#include <algorithm>
#include <cctype>
#include <climits>

#include "util/datetime.h"
#include "util/text.h"

namespace casebook::content::internal {

namespace {
constexpr std::string_view kDash = "\xE2\x80\x94";  // "—", joins table cells
}  // namespace

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
          out.push_back(Line{text, number, true, 0, {}, false});
          pos = end + 1;
          ++number;
          continue;
        }
        if (c == fence_char && run >= fence_len &&
            util::Trim(text.substr(indent + run)).empty()) {
          fence_char = 0;
          out.push_back(Line{text, number, true, 0, {}, false});
          pos = end + 1;
          ++number;
          continue;
        }
      }
    }
    out.push_back(Line{text, number, fence_char != 0, 0, {}, false});
    pos = end + 1;
    ++number;
  }
  MarkHeadings(&out);
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

namespace {
// A setext underline ("====" or "----", nothing else on the line).
bool SetextUnderline(std::string_view line, char* c) {
  line = util::Trim(line);
  if (line.size() < 2 || (line[0] != '=' && line[0] != '-')) return false;
  if (line.find_first_not_of(line[0]) != std::string_view::npos) return false;
  *c = line[0];
  return true;
}
}  // namespace

void MarkHeadings(std::vector<Line>* lines) {
  std::vector<Line>& ls = *lines;
  for (size_t i = 0; i < ls.size(); ++i) {
    if (ls[i].code) continue;
    int level = 0;
    std::string text;
    if (Heading(ls[i].text, &level, &text)) {
      ls[i].heading = level;
      ls[i].heading_text = text;
      continue;
    }
    // "Title\n=====": a paragraph's only line over an underline. A list
    // item, a table row or an indented line is not a setext heading.
    char c = 0;
    std::string_view t = util::Trim(ls[i].text);
    if (i + 1 < ls.size() && !ls[i + 1].code && !t.empty() && SetextUnderline(ls[i + 1].text, &c) &&
        (i == 0 || util::Trim(ls[i - 1].text).empty() || ls[i - 1].heading) &&
        !ListContent(ls[i].text) && t.find('|') == std::string_view::npos &&
        ls[i].text[0] != ' ' && ls[i].text[0] != '\t') {
      ls[i].heading = c == '=' ? 1 : 2;
      ls[i].heading_text = std::string(t);
      ls[i + 1].underline = true;
      ++i;
    }
  }
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

namespace {

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

namespace {

bool Digit(char c) { return c >= '0' && c <= '9'; }
bool Alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// Month number for "October", "Oct", "oct." (0 when not a month).
int MonthNumber(std::string_view word) {
  static const char* kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                                  "july",    "august",   "september", "october", "november", "december"};
  std::string w = util::ToLowerAscii(word);
  if (!w.empty() && w.back() == '.') w.pop_back();
  if (w.size() < 3) return 0;
  for (int m = 0; m < 12; ++m) {
    std::string_view full = kMonths[m];
    if (w == full || (w.size() == 3 && full.substr(0, 3) == w) || (w == "sept" && m == 8)) return m + 1;
  }
  return 0;
}

bool Weekday(std::string_view word) {
  static const char* kDays[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  std::string w = util::ToLowerAscii(word);
  if (!w.empty() && w.back() == '.') w.pop_back();
  for (const char* d : kDays) {
    std::string_view full = d;
    if (w == full || (w.size() == 3 && full.substr(0, 3) == w)) return true;
  }
  return false;
}

// Reads a run of letters (with a trailing '.') or digits at `i`.
std::string_view Word(std::string_view s, size_t i, size_t* end) {
  size_t j = i;
  if (j < s.size() && Digit(s[j])) {
    while (j < s.size() && Digit(s[j])) ++j;
  } else {
    while (j < s.size() && Alpha(s[j])) ++j;
    if (j < s.size() && j > i && s[j] == '.') ++j;
  }
  *end = j;
  return s.substr(i, j - i);
}

size_t SkipSpaceComma(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == ',' || s[i] == '\t')) ++i;
  return i;
}

// A day number with an optional ordinal suffix ("21", "31st").
bool DayNumber(std::string_view s, size_t i, int* day, size_t* end) {
  size_t j = i;
  while (j < s.size() && Digit(s[j]) && j - i < 2) ++j;
  if (j == i || (j < s.size() && Digit(s[j]))) return false;
  *day = std::stoi(std::string(s.substr(i, j - i)));
  std::string suffix;
  size_t k = j;
  while (k < s.size() && Alpha(s[k]) && k - j < 2) suffix += static_cast<char>(std::tolower(s[k++]));
  if (suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th") j = k;
  if (j < s.size() && Alpha(s[j])) return false;
  *end = j;
  return true;
}

bool Year(std::string_view s, size_t i, int* year, size_t* end) {
  if (i + 4 > s.size()) return false;
  for (size_t k = i; k < i + 4; ++k)
    if (!Digit(s[k])) return false;
  if (i + 4 < s.size() && (Digit(s[i + 4]) || Alpha(s[i + 4]))) return false;
  *year = std::stoi(std::string(s.substr(i, 4)));
  *end = i + 4;
  return true;
}

}  // namespace

std::optional<TimeOfDay> ParseLeadingTime(std::string_view text) {
  size_t i = 0;
  TimeOfDay t;
  while (i < text.size() && (text[i] == ' ' || text[i] == '*' || text[i] == '_' || text[i] == '`' ||
                             text[i] == '[' || text[i] == '(' || text[i] == '~')) {
    if (text[i] == '~') t.approximate = true;
    ++i;
  }
  size_t h = i;
  while (h < text.size() && Digit(text[h]) && h - i < 2) ++h;
  if (h == i || h + 3 > text.size() || text[h] != ':' || !Digit(text[h + 1]) || !Digit(text[h + 2]))
    return std::nullopt;
  int hour = std::stoi(std::string(text.substr(i, h - i)));
  int minute = (text[h + 1] - '0') * 10 + (text[h + 2] - '0');
  int second = 0;
  size_t j = h + 3;
  if (j + 2 < text.size() && text[j] == ':' && Digit(text[j + 1]) && Digit(text[j + 2])) {
    second = (text[j + 1] - '0') * 10 + (text[j + 2] - '0');
    j += 3;
  }
  if (j < text.size() && (Digit(text[j]) || text[j] == ':')) return std::nullopt;
  // "2:51 pm"
  size_t k = j;
  while (k < text.size() && text[k] == ' ') ++k;
  std::string ampm = util::ToLowerAscii(text.substr(k, 4));
  if ((util::StartsWith(ampm, "am") || util::StartsWith(ampm, "pm") || util::StartsWith(ampm, "a.m.") ||
       util::StartsWith(ampm, "p.m.")) && hour >= 1 && hour <= 12) {
    size_t len = ampm[1] == '.' ? 4 : 2;
    if (k + len >= text.size() || !Alpha(text[k + len])) {
      if (ampm[0] == 'p' && hour != 12) hour += 12;
      if (ampm[0] == 'a' && hour == 12) hour = 0;
      j = k + len;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  if (j < text.size() && Alpha(text[j]) && text[j] != 'Z') return std::nullopt;
  t.seconds = hour * 3600 + minute * 60 + second;
  // A zone right after: "Z", " UTC", " (CET)", "+02:00".
  if (j < text.size() && text[j] == 'Z' && (j + 1 == text.size() || !Alpha(text[j + 1]))) {
    t.offset = 0;
    ++j;
  } else {
    size_t z = j;
    while (z < text.size() && text[z] == ' ') ++z;
    bool paren = z < text.size() && text[z] == '(';
    if (paren) ++z;
    size_t ze = z;
    while (ze < text.size() && (Alpha(text[ze]) || Digit(text[ze]) || text[ze] == '+' ||
                                (text[ze] == '-' && ze == z) || (text[ze] == ':' && ze > z && Digit(text[ze - 1]))))
      ++ze;
    std::string_view tok = text.substr(z, ze - z);
    if (tok.size() >= 2 && (!paren || (ze < text.size() && text[ze] == ')'))) {
      if (auto off = util::ZoneOffsetMinutes(tok)) {
        bool upper_or_sign = !Alpha(tok[0]) || std::isupper(static_cast<unsigned char>(tok[0]));
        if (upper_or_sign) {
          t.offset = *off;
          j = paren ? ze + 1 : ze;
        }
      }
    }
  }
  while (j < text.size() && (text[j] == '*' || text[j] == '_' || text[j] == '`' || text[j] == ']' ||
                             text[j] == ')'))
    ++j;
  t.consumed = j;
  return t;
}

// A numeric day and month before a four-digit year: "10/21/2015",
// "21/10/2015", "21.10.2015", "3-9-2016". Dots mean day first (as written in
// most of Europe); with / or - the order is read from a part above 12, and a
// date both ways could mean ("03/04/2020") is not read at all: a wrong date
// is worse than none (the file name or front matter can give it).
bool NumericDate(std::string_view s, size_t i, int* y, int* m, int* d, size_t* end) {
  size_t k = i;
  int parts[2] = {0, 0};
  char sep = 0;
  for (int& part : parts) {
    const size_t from = k;
    while (k < s.size() && Digit(s[k]) && k - from < 2) part = part * 10 + (s[k++] - '0');
    if (k == from || k >= s.size() || (sep && s[k] != sep) ||
        (s[k] != '/' && s[k] != '.' && s[k] != '-'))
      return false;
    sep = s[k++];
  }
  if (!Year(s, k, y, end)) return false;
  const int a = parts[0], b = parts[1];
  if (sep == '.' || (a > 12 && b <= 12)) {
    *d = a;
    *m = b;
  } else if (b > 12 && a <= 12) {
    *m = a;
    *d = b;
  } else if (a == b) {
    *d = *m = a;
  } else {
    return false;
  }
  return true;
}

std::optional<util::DateTime> ParseLooseDate(std::string_view text, size_t* consumed) {
  size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '*' || text[i] == '_' || text[i] == '`'))
    ++i;
  int y = 0, m = 0, d = 0;
  size_t end = 0;
  // ISO: 2015-10-21 or 2015/10/21.
  if (i + 10 <= text.size() && Year(text, i, &y, &end) &&
      (text[i + 4] == '-' || text[i + 4] == '/') && text[i + 7] == text[i + 4] && Digit(text[i + 5]) &&
      Digit(text[i + 6]) && Digit(text[i + 8]) && Digit(text[i + 9]) &&
      (i + 10 == text.size() || !Digit(text[i + 10]))) {
    m = (text[i + 5] - '0') * 10 + (text[i + 6] - '0');
    d = (text[i + 8] - '0') * 10 + (text[i + 9] - '0');
    end = i + 10;
  } else if (NumericDate(text, i, &y, &m, &d, &end)) {  // 10/21/2015, 21.10.2015
  } else {
    size_t j = i, e = 0;
    std::string_view w = Word(text, j, &e);
    if (Weekday(w)) j = SkipSpaceComma(text, e);
    w = Word(text, j, &e);
    if (int month = MonthNumber(w)) {  // October 21, 2015
      size_t k = SkipSpaceComma(text, e);
      if (!DayNumber(text, k, &d, &e)) return std::nullopt;
      k = SkipSpaceComma(text, e);
      if (!Year(text, k, &y, &end)) return std::nullopt;
      m = month;
    } else if (DayNumber(text, j, &d, &e)) {  // 21 October 2015, 31st March 2021
      size_t k = e;
      while (k < text.size() && (text[k] == ' ' || text[k] == '-')) ++k;
      if (k < text.size() && util::IStartsWith(text.substr(k), "of ")) k += 3;
      w = Word(text, k, &e);
      m = MonthNumber(w);
      if (!m) return std::nullopt;
      k = e;
      while (k < text.size() && (text[k] == ' ' || text[k] == ',' || text[k] == '-')) ++k;
      if (!Year(text, k, &y, &end)) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (y < 1970 || y > 2199 || !util::IsValidDate(y, m, d)) return std::nullopt;
  while (end < text.size() && (text[end] == '*' || text[end] == '_' || text[end] == '`')) ++end;
  util::DateTime dt;
  dt.has_time = false;
  dt.utc_seconds = util::DaysFromCivil(y, m, d) * 86400;
  if (consumed) *consumed = end;
  return dt;
}

std::optional<std::string> FirstHeading(std::string_view body, int* line) {
  for (const Line& l : Lines(body, 1)) {
    if (l.code) continue;
    if (l.heading == 1 && !l.heading_text.empty()) {
      if (line) *line = l.number;
      return l.heading_text;
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

namespace {

// "14:51" at `zone` on `day` (a date at UTC midnight of the day written).
util::DateTime AtTimeOfDay(const util::DateTime& day, const TimeOfDay& t, int zone) {
  util::DateTime at;
  int offset = t.offset.value_or(zone);
  at.utc_seconds = day.utc_seconds + t.seconds - static_cast<int64_t>(offset) * 60;
  at.offset_minutes = offset;
  at.approximate = t.approximate;
  return at;
}

// A line that only names the day of the entries below it: "2015-10-21",
// "### October 21, 2015", "**2015-10-21** (all times UTC)". Anything after
// the date must be decoration, a parenthesis or a zone note.
std::optional<util::DateTime> DayLine(std::string_view text) {
  size_t used = 0;
  auto day = ParseLooseDate(text, &used);
  if (!day) return std::nullopt;
  std::string_view rest = util::Trim(text.substr(used));
  while (!rest.empty() && (rest.front() == '*' || rest.front() == '_' || rest.front() == ':' ||
                           rest.front() == '`'))
    rest = util::Trim(rest.substr(1));
  if (rest.empty() || rest.front() == '(' || rest.front() == '[' || ZoneInText(rest) ||
      util::ZoneOffsetMinutes(rest))
    return day;
  return std::nullopt;
}

// The zone of a day line: "(all times UTC)", "(PDT)", "CET".
std::optional<int> DayLineZone(std::string_view text) {
  if (auto z = ZoneInText(text)) return z;
  size_t used = 0;
  if (!ParseLooseDate(text, &used)) return std::nullopt;
  std::string rest(util::Trim(text.substr(used)));
  std::string tok;
  for (char c : rest)
    if (c != '(' && c != ')' && c != '*' && c != '_' && c != ' ' && c != '[' && c != ']') tok += c;
  if (tok.size() < 2) return std::nullopt;
  return util::ZoneOffsetMinutes(tok);
}

}  // namespace

std::vector<TimelineEntry> ExtractTimeline(std::string_view body, int body_line,
                                           int default_offset_minutes,
                                           std::optional<util::DateTime> default_day) {
  std::vector<Line> lines = Lines(body, body_line);
  std::vector<TimelineEntry> entries;
  size_t i = 0;
  while (i < lines.size()) {
    // Find the next timeline section.
    int section_level = 0;
    for (; i < lines.size(); ++i) {
      if (lines[i].code || !lines[i].heading) continue;
      std::string lower = util::ToLowerAscii(lines[i].heading_text);
      if (util::StartsWith(lower, "timeline") || util::EndsWith(lower, " timeline") ||
          util::StartsWith(lower, "chronology") || util::StartsWith(lower, "sequence of events")) {
        section_level = lines[i].heading;
        break;
      }
    }
    if (section_level == 0) break;
    std::optional<int> section_zone = ZoneInText(lines[i].text);
    ++i;
    std::optional<int> table_zone;
    bool in_table = false;
    bool continuing = false;  // the previous line was a list entry
    // The day that time-only entries ("- 14:51 ...") fall on: a date line
    // above them, else the incident date given by the caller.
    std::optional<util::DateTime> day = default_day;
    int64_t last_time_only = INT64_MIN;  // to roll past midnight
    auto time_only = [&](std::string_view content, int zone, size_t* used) -> std::optional<util::DateTime> {
      if (!day) return std::nullopt;
      auto t = ParseLeadingTime(content);
      if (!t) return std::nullopt;
      util::DateTime at = AtTimeOfDay(*day, *t, zone);
      if (last_time_only != INT64_MIN && at.utc_seconds < last_time_only) {
        // 23:50 then 00:10: the next day.
        day->utc_seconds += 86400;
        at.utc_seconds += 86400;
      }
      last_time_only = at.utc_seconds;
      *used = t->consumed;
      return at;
    };
    for (; i < lines.size(); ++i) {
      const Line& l = lines[i];
      if (l.underline) continue;
      if (!l.code && l.heading && l.heading <= section_level) break;
      if (l.code || util::Trim(l.text).empty()) {
        in_table = false;
        continuing = false;
        continue;
      }
      if (l.heading) {  // "### 2015-10-21" inside the timeline
        if (auto d = DayLine(l.heading_text)) {
          day = d;
          last_time_only = INT64_MIN;
          if (auto z = DayLineZone(l.heading_text)) section_zone = z;
        }
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
        if (!table_zone && header.size() > 1) table_zone = ZoneInText(header[1]);
        ++i;  // the separator row
        continue;
      }
      if (has_pipe && (in_table || util::StartsWith(util::Trim(l.text), "|"))) {
        continuing = false;
        std::vector<std::string> cells = Cells(l.text);
        if (cells.empty()) continue;
        size_t used = 0;
        size_t first_text = 1;
        auto at = util::ParseLeadingDateTime(cells[0], zone, &used);
        if (at && !at->has_time && cells.size() > 2) {
          // "| 2024-04-10 | 09:12 | ... |": a date column, then a time column.
          if (auto t = ParseLeadingTime(cells[1]); t && util::Trim(cells[1].substr(t->consumed)).empty()) {
            util::DateTime d = *at;
            int64_t local = d.utc_seconds + static_cast<int64_t>(d.offset_minutes) * 60;
            d.utc_seconds = local - ((local % 86400) + 86400) % 86400;
            at = AtTimeOfDay(d, *t, zone);
            first_text = 2;
          }
        }
        if (!at) at = time_only(cells[0], zone, &used);
        if (!at) continue;
        std::vector<std::string> parts;
        for (size_t c = first_text; c < cells.size(); ++c)
          if (!cells[c].empty()) parts.push_back(cells[c]);
        std::string text = util::Join(parts, std::string(" ") + std::string(kDash) + " ");
        std::string_view left =
            first_text == 1 ? util::Trim(std::string_view(cells[0]).substr(used)) : std::string_view();
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
      if (at && !at->has_time && !at->time_unknown) {
        // A date alone on its line names the day of the entries below.
        if (auto d = DayLine(content)) {
          day = d;
          last_time_only = INT64_MIN;
          if (auto z = DayLineZone(content)) section_zone = z;
          continuing = false;
          continue;
        }
      } else if (!at) {
        if (auto d = DayLine(content)) {  // "October 21, 2015 (all times UTC)"
          day = d;
          last_time_only = INT64_MIN;
          if (auto z = DayLineZone(content)) section_zone = z;
          continuing = false;
          continue;
        }
        at = time_only(content, zone, &used);
        if (at && !item && used >= content.size()) at.reset();  // a bare "14:51" line
      }
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
