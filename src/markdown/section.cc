// SectionMarkdown(): the Markdown under one ATX heading, found by its text.
//
// A line scan, no parse: ATX headings ("#" to "######", at most 3 spaces of
// indentation, then a space, a tab or the end of the line) are recognised
// outside fenced code blocks (``` or ~~~). The heading text drops an optional
// closing "#" sequence and is compared case-insensitively (ASCII) ignoring
// surrounding whitespace and a trailing ':'. The section runs to the next
// heading of the same or a higher level (as many "#"s or fewer). Leading blank
// lines and trailing whitespace are dropped. Pure and thread-safe.
#include <string>
#include <string_view>

#include "markdown/markdown.h"
#include "util/text.h"

namespace casebook::markdown {
namespace {

size_t Indent(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[n] == ' ') ++n;
  return n;
}

// The level (1-6) of an ATX heading line, 0 otherwise; its text in `text`.
int AtxHeading(std::string_view line, std::string_view* text) {
  size_t i = Indent(line);
  if (i > 3) return 0;
  size_t hashes = 0;
  while (i + hashes < line.size() && line[i + hashes] == '#') ++hashes;
  if (hashes == 0 || hashes > 6) return 0;
  size_t after = i + hashes;
  if (after < line.size() && line[after] != ' ' && line[after] != '\t') return 0;
  std::string_view rest = util::Trim(line.substr(after));
  // Optional closing sequence: "## Impact ##" (the #s must follow a space).
  size_t end = rest.size();
  while (end > 0 && rest[end - 1] == '#') --end;
  if (end == 0) {
    rest = {};
  } else if (end < rest.size() && (rest[end - 1] == ' ' || rest[end - 1] == '\t')) {
    rest = util::Trim(rest.substr(0, end));
  }
  *text = rest;
  return static_cast<int>(hashes);
}

// A fence opener/closer: at most 3 spaces, then 3+ backticks or tildes.
bool Fence(std::string_view line, char* ch, size_t* len) {
  size_t i = Indent(line);
  if (i > 3 || i >= line.size() || (line[i] != '`' && line[i] != '~')) return false;
  size_t n = 0;
  while (i + n < line.size() && line[i + n] == line[i]) ++n;
  if (n < 3) return false;
  // A backtick fence's info string may not contain backticks.
  if (line[i] == '`' && line.find('`', i + n) != std::string_view::npos) return false;
  *ch = line[i];
  *len = n;
  return true;
}

std::string Normalize(std::string_view heading) {
  std::string_view t = util::Trim(heading);
  while (!t.empty() && t.back() == ':') t = util::Trim(t.substr(0, t.size() - 1));
  return util::ToLowerAscii(t);
}

}  // namespace

std::string SectionMarkdown(const std::string& markdown, const std::string& heading) {
  const std::string wanted = Normalize(heading);
  if (wanted.empty()) return {};
  std::string_view doc(markdown);
  char fence_char = 0;
  size_t fence_len = 0;
  int level = 0;           // level of the matched heading, 0 while searching
  size_t start = 0;        // byte offset where the section's body starts
  size_t end = doc.size();  // byte offset where it stops
  size_t pos = 0;
  while (pos < doc.size()) {
    size_t nl = doc.find('\n', pos);
    size_t next = nl == std::string_view::npos ? doc.size() : nl + 1;
    std::string_view line = doc.substr(pos, next - pos);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);

    char ch = 0;
    size_t len = 0;
    if (fence_char != 0) {
      // Inside a fence: only a closing fence (same char, at least as long, no
      // info string) ends it.
      if (Fence(line, &ch, &len) && ch == fence_char && len >= fence_len &&
          util::Trim(line).size() == len) {
        fence_char = 0;
      }
    } else if (Fence(line, &ch, &len)) {
      fence_char = ch;
      fence_len = len;
    } else {
      std::string_view text;
      int h = AtxHeading(line, &text);
      if (h > 0) {
        if (level == 0 && Normalize(text) == wanted) {
          level = h;
          start = next;
        } else if (level > 0 && h <= level) {
          end = pos;
          break;
        }
      }
    }
    pos = next;
  }
  if (level == 0) return {};

  std::string_view body = doc.substr(start, end - start);
  // Drop leading blank lines (keeping the first line's indentation).
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view first = body.substr(0, nl);
    if (!util::Trim(first).empty() || nl == std::string_view::npos) break;
    body.remove_prefix(nl + 1);
  }
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == ' ' ||
                           body.back() == '\t')) {
    body.remove_suffix(1);
  }
  if (util::Trim(body).empty()) return {};
  return std::string(body);
}

}  // namespace casebook::markdown
