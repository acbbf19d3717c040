// Prose extraction: block pass (which lines are prose, how they group into
// paragraphs), inline masking, then normalisation. See prose.h.
#include "check/prose.h"

#include <cctype>
#include <map>
#include <string_view>

#include "util/text.h"

namespace casebook::check {
namespace {

struct RawLine {
  int line;
  std::string_view text;
};

int IndentOf(std::string_view l, size_t* first) {
  int indent = 0;
  size_t i = 0;
  for (; i < l.size() && (l[i] == ' ' || l[i] == '\t'); ++i)
    indent = l[i] == '\t' ? (indent / 4 + 1) * 4 : indent + 1;
  *first = i;
  return indent;
}

// Length of a fence ("```" / "~~~" or longer) at the start of `s`, else 0.
size_t FenceLength(std::string_view s, char* fence_char) {
  if (s.empty() || (s[0] != '`' && s[0] != '~')) return 0;
  size_t n = s.find_first_not_of(s[0]);
  if (n == std::string_view::npos) n = s.size();
  if (n < 3) return 0;
  *fence_char = s[0];
  return n;
}

bool IsListItem(std::string_view s) {
  if (s.size() >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') &&
      (s[1] == ' ' || s[1] == '\t'))
    return true;
  size_t d = 0;
  while (d < s.size() && d < 9 && std::isdigit(static_cast<unsigned char>(s[d]))) ++d;
  return d > 0 && d + 1 < s.size() && (s[d] == '.' || s[d] == ')') &&
         (s[d + 1] == ' ' || s[d + 1] == '\t');
}

bool IsReferenceDefinition(std::string_view s) {
  if (s.empty() || s[0] != '[') return false;
  size_t close = s.find("]:");
  return close != std::string_view::npos && s.find(']') == close;
}

// Block pass: groups the prose lines of the body into paragraphs.
std::vector<std::vector<RawLine>> Paragraphs(const std::string& body, int first_line) {
  std::vector<std::vector<RawLine>> out(1);
  auto brk = [&out] {
    if (!out.back().empty()) out.emplace_back();
  };
  char fence_char = 0;
  size_t fence_len = 0;
  bool in_comment = false, in_quote = false, in_list = false, prev_blank = true;
  std::string_view all(body);
  int n = first_line;
  for (size_t pos = 0; pos <= all.size(); ++n) {
    size_t nl = all.find('\n', pos);
    if (nl == std::string_view::npos) nl = all.size();
    std::string_view l = all.substr(pos, nl - pos);
    pos = nl + 1;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    size_t first = 0;
    int indent = IndentOf(l, &first);
    std::string_view t = l.substr(first);
    bool blank = t.empty();
    if (in_comment) {
      if (t.find("-->") != std::string_view::npos) in_comment = false;
      continue;
    }
    if (fence_len) {
      char c = 0;
      if (indent <= 3 && FenceLength(t, &c) >= fence_len && c == fence_char &&
          util::Trim(t.substr(FenceLength(t, &c))).empty())
        fence_len = 0;
      continue;
    }
    if (blank) {
      brk();
      in_quote = false;
      prev_blank = true;
      continue;
    }
    bool was_blank = prev_blank;
    prev_blank = false;
    char c = 0;
    if (indent <= 3 && FenceLength(t, &c)) {
      fence_char = c;
      fence_len = FenceLength(t, &c);
      brk();
      continue;
    }
    bool list_item = IsListItem(t);
    if (was_blank && !list_item && indent < 2) in_list = false;
    if (indent >= 4 && out.back().empty() && !in_list && !list_item) continue;  // code
    if (indent <= 3 && t[0] == '>') {
      brk();
      in_quote = true;
      continue;
    }
    if (in_quote) continue;  // lazy continuation of a quote
    if (util::StartsWith(t, "<!--")) {
      brk();
      if (t.find("-->", 4) == std::string_view::npos) in_comment = true;
      continue;
    }
    if (IsReferenceDefinition(t)) {
      brk();
      continue;
    }
    if (list_item) {
      in_list = true;
      brk();
    }
    bool own = (indent <= 3 && t[0] == '#') || t[0] == '|';
    if (own) brk();
    out.back().push_back({n, l});
    if (own) brk();
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

bool StartsAt(std::string_view s, size_t i, std::string_view what) {
  return s.substr(i, what.size()) == what;
}

// Where each "[" / "(" closes, where the next "]]" is, and which backtick run
// closes which: computed once per paragraph so the scan below stays linear
// on any input (no rescanning for every unmatched bracket or backtick).
struct Closers {
  std::vector<size_t> match;        // index of the closing ']' / ')', or npos
  std::vector<size_t> next_double;  // index of the next "]]" at or after i, or npos
  struct Run {
    size_t pos, len, next_same;     // next_same: index into runs, or npos
  };
  std::vector<Run> runs;            // backtick runs, in order
};

Closers FindClosers(std::string_view s) {
  const size_t npos = std::string_view::npos;
  Closers c;
  c.match.assign(s.size(), npos);
  c.next_double.assign(s.size() + 1, npos);
  std::vector<size_t> square, round;
  for (size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    if (ch == '\\') {
      ++i;
    } else if (ch == '[') {
      square.push_back(i);
    } else if (ch == '(') {
      round.push_back(i);
    } else if (ch == ']' && !square.empty()) {
      c.match[square.back()] = i;
      square.pop_back();
    } else if (ch == ')' && !round.empty()) {
      c.match[round.back()] = i;
      round.pop_back();
    } else if (ch == '`') {
      size_t e = i;
      while (e < s.size() && s[e] == '`') ++e;
      c.runs.push_back({i, e - i, npos});
      i = e - 1;
    }
  }
  for (size_t i = s.size(); i-- > 0;)
    c.next_double[i] = i + 1 < s.size() && s[i] == ']' && s[i + 1] == ']' ? i : c.next_double[i + 1];
  std::map<size_t, size_t> last_of_len;
  for (size_t k = c.runs.size(); k-- > 0;) {
    auto it = last_of_len.find(c.runs[k].len);
    if (it != last_of_len.end()) c.runs[k].next_same = it->second;
    last_of_len[c.runs[k].len] = k;
  }
  return c;
}

// Marks what is not prose inside one paragraph's joined text.
std::vector<bool> InlineMask(std::string_view s) {
  const size_t npos = std::string_view::npos;
  std::vector<bool> mask(s.size(), false);
  auto set = [&mask](size_t from, size_t to) {
    for (size_t k = from; k < to && k < mask.size(); ++k) mask[k] = true;
  };
  Closers c = FindClosers(s);
  size_t run = 0;  // the first backtick run at or after i
  for (size_t i = 0; i < s.size();) {
    char ch = s[i];
    if (ch == '\\') {
      i += 2;
      continue;
    }
    if (ch == '`') {
      while (run < c.runs.size() && c.runs[run].pos < i) ++run;
      if (run < c.runs.size() && c.runs[run].pos == i) {
        const auto& open = c.runs[run];
        if (open.next_same != npos) {
          const auto& close = c.runs[open.next_same];
          set(i, close.pos + close.len);
          i = close.pos + close.len;
        } else {
          i += open.len;  // no closing run: literal backticks
        }
        continue;
      }
      ++i;  // a backtick escaped earlier in its run
      continue;
    }
    if (StartsAt(s, i, "<!--")) {
      size_t e = s.find("-->", i + 4);
      e = e == npos ? s.size() : e + 3;
      set(i, e);
      i = e;
      continue;
    }
    if (ch == '<' && i + 1 < s.size() &&
        (std::isalpha(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '/')) {
      size_t e = s.find_first_of("<>", i + 1);
      if (e != npos && s[e] == '>') {
        set(i, e + 1);
        i = e + 1;
        continue;
      }
    }
    if (ch == '[' || (ch == '!' && i + 1 < s.size() && s[i + 1] == '[')) {
      size_t b = ch == '!' ? i + 1 : i;
      if (StartsAt(s, b, "[[") && c.next_double[b + 2] != npos) {
        size_t e = c.next_double[b + 2] + 2;
        set(i, e);
        i = e;
        continue;
      }
      size_t e = c.match[b];
      if (e != npos && e + 1 < s.size() && (s[e + 1] == '(' || s[e + 1] == '[') &&
          c.match[e + 1] != npos) {
        size_t e2 = c.match[e + 1] + 1;
        set(i, e2);
        i = e2;
        continue;
      }
    }
    bool word_start = i == 0 || !IsWordByte(s[i - 1]);
    if (word_start && (StartsAt(s, i, "http://") || StartsAt(s, i, "https://") ||
                       StartsAt(s, i, "www.") || StartsAt(s, i, "mailto:"))) {
      size_t e = s.find_first_of(" \t\n", i);
      if (e == npos) e = s.size();
      set(i, e);
      i = e;
      continue;
    }
    ++i;
  }
  // Double quotes, on what is left: "..." and “...”.
  static const std::string_view kOpen = "\xE2\x80\x9C", kClose = "\xE2\x80\x9D";
  size_t open = std::string_view::npos;
  bool curly = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (mask[i]) continue;
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    bool straight = s[i] == '"';
    bool opens = StartsAt(s, i, kOpen), closes = StartsAt(s, i, kClose);
    if (!straight && !opens && !closes) continue;
    size_t len = straight ? 1 : 3;
    if (open == std::string_view::npos) {
      if (straight || opens) {
        open = i;
        curly = opens;
      }
    } else if ((straight && !curly) || (closes && curly)) {
      set(open, i + len);
      open = std::string_view::npos;
    }
    i += len - 1;
  }
  return mask;
}

// Normalises joined text into `out` (see prose.h) using the mask.
void Normalise(std::string_view s, const std::vector<bool>& mask,
               const std::vector<int>& line, const std::vector<int>& byte, Prose* out) {
  auto emit = [&](char c, size_t i) {
    out->text += c;
    out->line.push_back(line[i]);
    out->byte.push_back(byte[i]);
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    char last = out->text.empty() ? '\0' : out->text.back();
    if (mask[i]) {
      if (last != '\x01') emit('\x01', i);
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (last != ' ' && !out->text.empty()) emit(' ', i);
    } else if (c == '*' || c == '~') {
      // emphasis / strikethrough markers
    } else if (c == '_' && (i == 0 || i + 1 >= s.size() ||
                            !std::isalnum(static_cast<unsigned char>(s[i - 1])) ||
                            !std::isalnum(static_cast<unsigned char>(s[i + 1])))) {
      // emphasis marker, not the "_" inside snake_case
    } else if (StartsAt(s, i, "\xE2\x80\x99") || StartsAt(s, i, "\xE2\x80\x98")) {
      emit('\'', i);
      i += 2;
    } else {
      emit(c, i);
    }
  }
}

}  // namespace

bool IsWordByte(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u >= 0x80 || std::isalnum(u) || c == '_';
}

bool IsWholeWord(const std::string& text, size_t from, size_t to) {
  auto joiner = [](char c) { return c == '-' || c == '\''; };
  if (from > 0) {
    char b = text[from - 1];
    if (IsWordByte(b)) return false;
    if (joiner(b) && from > 1 && IsWordByte(text[from - 2])) return false;
  }
  if (to < text.size()) {
    char a = text[to];
    if (IsWordByte(a)) return false;
    if (joiner(a) && to + 1 < text.size() && IsWordByte(text[to + 1])) return false;
  }
  return true;
}

std::vector<Prose> BodyProse(const std::string& body, int first_line) {
  std::vector<Prose> result;
  for (const auto& para : Paragraphs(body, first_line)) {
    std::string joined;
    std::vector<int> line, byte;
    for (const RawLine& rl : para) {
      if (!joined.empty()) {
        joined += '\n';
        line.push_back(rl.line);
        byte.push_back(0);
      }
      joined += rl.text;
      for (size_t k = 0; k < rl.text.size(); ++k) {
        line.push_back(rl.line);
        byte.push_back(static_cast<int>(k));
      }
    }
    Prose p;
    Normalise(joined, InlineMask(joined), line, byte, &p);
    result.push_back(std::move(p));
  }
  return result;
}

Prose ValueProse(const std::string& value, int line) {
  std::vector<int> lines(value.size(), line), bytes(value.size());
  for (size_t k = 0; k < value.size(); ++k) bytes[k] = static_cast<int>(k);
  Prose p;
  Normalise(value, InlineMask(value), lines, bytes, &p);
  return p;
}

}  // namespace casebook::check
