// Prose extraction for the blameless-language rules.
//
// Turns a Markdown body into paragraphs of plain prose in which phrases can be
// matched across line breaks, keeping for every character the source line and
// byte it came from. Left out: fenced and indented code, blockquotes (lines
// starting with ">" and their lazy continuation), HTML comments, link
// reference definitions; inside a paragraph: inline code, links and images
// (text and URL), [[id]] links, autolinks and bare URLs, raw HTML tags, and
// text between double quotes ("..." or “...”). Emphasis markers are dropped
// so "*should* have" still reads "should have". Whitespace runs become one
// space; a left-out stretch becomes one '\x01', which never matches a word.
// A lexical scan, not a CommonMark parser: it errs on the side of leaving
// text out. Pure and thread-safe.
#pragma once

#include <string>
#include <vector>

namespace casebook::check {

struct Prose {
  std::string text;        // normalised prose, original case
  std::vector<int> line;   // source line of text[i] (for a value: its line)
  std::vector<int> byte;   // byte offset of text[i] in that line (or value)
};

/// The prose paragraphs of a Markdown body whose first line is file line
/// `first_line`.
std::vector<Prose> BodyProse(const std::string& body, int first_line);

/// One front matter string (a title, summary, timeline or action text) as
/// prose; every character gets line `line` and its byte offset in `value`.
Prose ValueProse(const std::string& value, int line);

/// True for bytes that belong to a word: ASCII letters and digits, '_' and
/// any non-ASCII byte (UTF-8 letters).
bool IsWordByte(char c);

/// Whole-word test for text[from, to): no word character just before or after,
/// where "-" and "'" join words only between letters ("fault-tolerant" and
/// "blame's" are other words; "'simply'" is the word simply).
bool IsWholeWord(const std::string& text, size_t from, size_t to);

}  // namespace casebook::check
