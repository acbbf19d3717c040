// MarkdownToPlain() and LessonsMarkdown(): readable text from a body, for
// `casebook brief` and the service page's lessons.
#include <string>
#include <vector>

#include "markdown/markdown.h"
#include "util/text.h"

namespace casebook::markdown {
namespace {

/// Headings lessons are filed under, in order of preference.
const char* const kLessonHeadings[] = {"Lessons learned", "Lessons learnt", "Lessons",
                                       "What we learned", "Learnings"};

std::string RemoveLinkTargets(std::string line) {
  // "![alt](url)" / "[text](url)" -> text; "[[id]]" -> id.
  line = util::ReplaceAll(std::move(line), "[[", "");
  line = util::ReplaceAll(std::move(line), "]]", "");
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '!' && i + 1 < line.size() && line[i + 1] == '[') continue;
    if (line[i] == ']' && i + 1 < line.size() && line[i + 1] == '(') {
      size_t close = line.find(')', i + 2);
      if (close != std::string::npos) {
        i = close;
        continue;
      }
    }
    if (line[i] == '[' && line.find("](", i) != std::string::npos) continue;
    out += line[i];
  }
  return out;
}

}  // namespace

std::string LessonsMarkdown(const std::string& markdown, std::string* heading) {
  for (const char* h : kLessonHeadings) {
    std::string section = SectionMarkdown(markdown, h);
    if (section.empty()) continue;
    if (heading) *heading = h;
    return section;
  }
  return "";
}

std::string MarkdownToPlain(const std::string& markdown) {
  std::vector<std::string> lines;
  bool blank = false;
  for (std::string line : util::Split(markdown, '\n')) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string_view t = util::Trim(line);
    if (t.empty()) {
      if (!lines.empty()) blank = true;
      continue;
    }
    if (util::StartsWith(t, "```") || util::StartsWith(t, "~~~") || util::StartsWith(t, "<!--"))
      continue;
    std::string indent = line.substr(0, line.find_first_not_of(" \t"));
    std::string text(t);
    if (text[0] == '#') {  // heading -> "Text:"
      text = std::string(util::Trim(text.substr(text.find_first_not_of('#'))));
      if (!text.empty() && text.back() != ':') text += ':';
      indent.clear();
    }
    for (const char* box : {"- [ ] ", "- [x] ", "- [X] ", "* [ ] ", "* [x] "})
      if (util::StartsWith(text, box)) text = "- " + text.substr(6);
    if (util::StartsWith(text, "* ") || util::StartsWith(text, "+ ")) text[0] = '-';
    if (util::StartsWith(text, "> ")) text = text.substr(2);
    text = RemoveLinkTargets(std::move(text));
    for (const char* mark : {"**", "__", "`"}) text = util::ReplaceAll(std::move(text), mark, "");
    if (blank) lines.emplace_back();
    blank = false;
    lines.push_back(indent + text);
  }
  return util::Join(lines, "\n");
}

}  // namespace casebook::markdown
