// Markdown rendering (the only user of cmark-gfm).
//
// CommonMark + GitHub extensions (tables, strikethrough, autolinks, task
// lists, footnotes). Safe by default: raw HTML is omitted and javascript:
// links are dropped unless `unsafe` (then tagfilter still applies). Headings
// get ids and anchors; a table of contents is collected. Links to other
// postmortems, by relative ".md" path or by "[[id]]", are resolved through the
// caller's resolver: resolved ones point at the page, unresolved ones become
// plain text and are reported. Thread-safe once Init() has run.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace casebook::markdown {

/// Registers the cmark-gfm extensions. Call once from main (or a test) before
/// any Render; later calls do nothing.
void Init();

struct Heading {
  int level = 2;
  std::string text;    // plain text
  std::string anchor;  // unique within the page
  int line = 0;        // source line (body-relative + line_offset)
};

/// A link to another postmortem found in the body, or (file = true) a link
/// or image whose destination is a relative path to some other local file
/// ("latency.png", "data/x.csv", "../shared/d.svg").
struct DocLink {
  std::string target;  // as written: "../2023/x.md#part" or the id in [[id]]
  bool wiki = false;   // written as [[id]]
  bool file = false;   // a local file that is not a postmortem (FileResolver)
  int line = 0;        // source line
  int column = 0;
  bool resolved = false;
};

/// Given a link target, returns the URL to use, or nullopt when it names no
/// postmortem. Called for "[[id]]" (wiki = true, target = id) and for link
/// destinations ending in ".md" (possibly with "#fragment"; wiki = false).
using LinkResolver =
    std::function<std::optional<std::string>(const std::string& target, bool wiki)>;

/// Given the destination of a link or image that is a relative path to a
/// file other than ".md" (as written, "?query" / "#fragment" included),
/// returns the URL to use (the query and fragment are added back), or
/// nullopt: then the destination is left as written.
using FileResolver = std::function<std::optional<std::string>(const std::string& target)>;

struct Options {
  bool unsafe = false;
  int line_offset = 0;  // added to body line numbers so they are file lines
  LinkResolver resolver;  // may be empty: then no links are rewritten
  FileResolver file_resolver;  // may be empty: then file links stay as written
};

struct Rendered {
  std::string html;             // body HTML
  std::vector<Heading> headings;  // every heading, in order
  std::string plain_text;       // text without markup, for search and snippets
  std::vector<DocLink> links;   // links to .md files, [[id]]s and local files
};

Rendered Render(const std::string& markdown, const Options& options);

/// Renders a short inline fragment (a summary, a timeline entry, an action
/// item) to HTML without the wrapping <p>. Same safety rules.
std::string RenderInline(const std::string& markdown, const Options& options);

/// A section of the body by heading text (case-insensitive, e.g. "Lessons
/// learned"): its Markdown up to the next heading of the same or higher
/// level, or "" when absent.
std::string SectionMarkdown(const std::string& markdown, const std::string& heading);

/// The lessons-learned section of a body: the first of "Lessons learned",
/// "Lessons learnt", "Lessons", "What we learned", "Learnings" that has
/// text (SectionMarkdown), or "". `heading` (optional) gets the one found.
std::string LessonsMarkdown(const std::string& markdown, std::string* heading = nullptr);

/// Markdown to readable plain text: emphasis, code marks and link targets
/// dropped, task boxes and headings simplified, lines kept.
std::string MarkdownToPlain(const std::string& markdown);

}  // namespace casebook::markdown
