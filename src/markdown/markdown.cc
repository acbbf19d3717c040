// Markdown -> HTML through cmark-gfm (the only file that renders with it).
//
// Pipeline per Render(): parse (see g_parse_mutex: text that could hold
// strikethrough or autolinks is parsed one at a time, the rest in parallel) -> merge
// adjacent text nodes -> resolve links to other postmortems (links.cc) ->
// blank dangerous link/image URLs -> collect plain text -> give every heading
// an id and a self-link -> render HTML with the extension list (tagfilter).
// Tree walks collect nodes first and mutate afterwards (cmark iterator rules).
// Never prints; input of any size or shape is accepted.
#include "markdown/markdown.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

#include "util/slug.h"
#include "util/text.h"

namespace casebook::markdown {

namespace detail {
// Defined in links.cc.
void ResolveDocLinks(cmark_node* doc, const Options& options, std::vector<DocLink>* links);
}  // namespace detail

namespace {

std::once_flag g_init_once;

// cmark-gfm 0.29.0.gfm.6 keeps the inline parser's special-character tables
// (SPECIAL_CHARS, and SKIP_CHARS for emphasis-like extensions) in globals.
// cmark_parser_finish() -> process_inlines() calls
// cmark_manage_extensions_special_characters(parser, 1) before parsing the
// inlines and (parser, 0) after, which walks the parser's *inline* extensions
// and sets, then clears, the characters each one lists: '~' (strikethrough,
// also a skip character) and ':' and 'w' (autolink). Concurrent parses race
// on the clearing: one thread's cleanup makes another miss ~~strike~~ or www.
// links (github/cmark-gfm PR #176). The lists cannot simply be emptied once
// and the characters set for good: process_emphasis() finds the extension
// that handles a '~' delimiter through the same list and loops forever when
// none does.
//
// So there are two kinds of parser:
//  - full: every extension. Only these write the tables, so they parse one
//    at a time (g_parse_mutex);
//  - plain: table, tagfilter and tasklist only, which have no inline hooks
//    and list no characters, so a plain parse writes no global at all and
//    runs without the lock. It is used only for text in which strikethrough
//    and autolink cannot match: no '~', no '@' (email autolinks, found by
//    autolink's postprocess), no "://" (url_match needs it after the ':')
//    and no "www." (www_match needs it at the 'w'). For such text both kinds
//    give the same tree: the extra special characters of a concurrent full
//    parse only split text runs into more text nodes, which are merged again
//    (cmark_consolidate_text_nodes) before anything reads them, and no skip
//    character occurs in the text. markdown_render_test renders many
//    documents of both kinds on many threads and compares them with one
//    thread's results and with the full parser's.
// Besides those tables, parsing only reads globals set once at registration
// (the extension registry, node types); table's cmark_arena_push/pop only
// read a null pointer unless cmark's arena allocator is in use (it is not).
std::mutex g_parse_mutex;

constexpr const char* kPlainExtensions[] = {"table", "tagfilter", "tasklist"};
constexpr const char* kInlineExtensions[] = {"strikethrough", "autolink"};

// True when strikethrough and autolink cannot match anywhere in `text` (see
// above), so a plain parser gives what a full one would.
bool NeedsFullParser(std::string_view text) {
  if (text.find_first_of("~@") != std::string_view::npos) return true;
  if (text.find("://") != std::string_view::npos) return true;
  for (size_t w = text.find_first_of("wW"); w != std::string_view::npos;
       w = text.find_first_of("wW", w + 1)) {
    if (w + 4 <= text.size() && (text[w + 1] | 0x20) == 'w' && (text[w + 2] | 0x20) == 'w' &&
        text[w + 3] == '.')
      return true;
  }
  return false;
}

struct ParserFree {
  void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct NodeFree {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct IterFree {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};
using ParserPtr = std::unique_ptr<cmark_parser, ParserFree>;
using NodePtr = std::unique_ptr<cmark_node, NodeFree>;

// Calls f(node, event) for every event of a walk over `root`. `f` must not
// change the tree.
template <typename F>
void Walk(cmark_node* root, F&& f) {
  std::unique_ptr<cmark_iter, IterFree> it(cmark_iter_new(root));
  if (!it) return;
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
    f(cmark_iter_get_node(it.get()), ev);
  }
}

std::string_view Literal(cmark_node* node) {
  const char* s = cmark_node_get_literal(node);
  return s ? std::string_view(s) : std::string_view();
}

bool IsBlock(cmark_node* node) {
  return (cmark_node_get_type(node) & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_BLOCK;
}

std::string RenderHtml(cmark_node* node, int options, cmark_llist* extensions) {
  char* out = cmark_render_html(node, options, extensions);
  if (!out) return {};
  std::string html(out);
  std::free(out);
  return html;
}

// Text as cmark's HTML renderer writes a text node (houdini_escape_html0,
// not secure): & < > and " escaped, nothing else.
void AppendEscaped(std::string& out, std::string_view text) {
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char* rep = nullptr;
    switch (text[i]) {
      case '&': rep = "&amp;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '"': rep = "&quot;"; break;
      default: continue;
    }
    out.append(text, start, i - start);
    out += rep;
    start = i + 1;
  }
  out.append(text, start, std::string_view::npos);
}

// ---- URL safety -------------------------------------------------------------

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// True for javascript:, vbscript: and data: URLs other than raster images,
// compared the way browsers read a scheme: leading spaces and control
// characters skipped, tabs and newlines inside ignored, any case.
bool IsDangerousUrl(std::string_view url) {
  size_t i = 0;
  while (i < url.size() && static_cast<unsigned char>(url[i]) <= 0x20) ++i;
  std::string head;
  for (; i < url.size() && head.size() < 16; ++i) {
    char c = url[i];
    if (c == '\t' || c == '\n' || c == '\r') continue;
    head += AsciiLower(c);
  }
  if (util::StartsWith(head, "javascript:") || util::StartsWith(head, "vbscript:")) return true;
  if (util::StartsWith(head, "data:")) {
    // data:image/ is allowed, except SVG (the one image type that can script).
    return !util::StartsWith(head, "data:image/") || util::StartsWith(head, "data:image/svg");
  }
  return false;
}

void BlankDangerousUrls(cmark_node* doc) {
  std::vector<cmark_node*> bad;
  Walk(doc, [&](cmark_node* n, cmark_event_type ev) {
    cmark_node_type t = cmark_node_get_type(n);
    if (ev != CMARK_EVENT_ENTER || (t != CMARK_NODE_LINK && t != CMARK_NODE_IMAGE)) return;
    const char* url = cmark_node_get_url(n);
    if (url && IsDangerousUrl(url)) bad.push_back(n);
  });
  for (cmark_node* n : bad) cmark_node_set_url(n, "");
}

// ---- Plain text -------------------------------------------------------------

// Appends a separator unless the text is empty or already ends in whitespace
// (a newline wins over a space).
void Separate(std::string& out, char sep) {
  if (out.empty()) return;
  char last = out.back();
  if (last == '\n') return;
  if (last == ' ') {
    if (sep == '\n') out.back() = '\n';
    return;
  }
  out += sep;
}

std::string PlainText(cmark_node* doc) {
  std::string out;
  Walk(doc, [&](cmark_node* n, cmark_event_type ev) {
    switch (cmark_node_get_type(n)) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE:
        out += Literal(n);
        return;
      case CMARK_NODE_SOFTBREAK:
        Separate(out, ' ');
        return;
      case CMARK_NODE_LINEBREAK:
        Separate(out, '\n');
        return;
      case CMARK_NODE_CODE_BLOCK:
        Separate(out, '\n');
        out += Literal(n);
        Separate(out, '\n');
        return;
      default:
        break;
    }
    if (ev == CMARK_EVENT_EXIT && IsBlock(n)) {
      const char* type = cmark_node_get_type_string(n);
      Separate(out, type && std::string_view(type) == "table_cell" ? ' ' : '\n');
    }
  });
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// ---- Headings ---------------------------------------------------------------

std::string HeadingText(cmark_node* heading) {
  std::string text;
  Walk(heading, [&](cmark_node* n, cmark_event_type) {
    cmark_node_type t = cmark_node_get_type(n);
    if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE) text += Literal(n);
    if (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK) text += ' ';
  });
  return std::string(util::Trim(text));
}

// Replaces every heading by a custom block holding `<hN id="slug">inner
// <a class="anchor">#</a></hN>` (cmark renders headings without attributes,
// and a custom block with children would put newlines inside the tag).
void AnchorHeadings(cmark_node* doc, const Options& options, int render_options,
                    cmark_llist* extensions, std::vector<Heading>* headings) {
  std::vector<cmark_node*> nodes;
  Walk(doc, [&](cmark_node* n, cmark_event_type ev) {
    if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(n) == CMARK_NODE_HEADING) {
      nodes.push_back(n);
    }
  });
  util::SlugDeduper deduper;
  for (cmark_node* node : nodes) {
    Heading h;
    h.level = cmark_node_get_heading_level(node);
    h.text = HeadingText(node);
    std::string slug = util::Slugify(h.text);
    h.anchor = deduper.Unique(slug.empty() ? std::string("section") : std::move(slug));
    h.line = cmark_node_get_start_line(node) + options.line_offset;

    std::string inner;
    cmark_node* only = cmark_node_first_child(node);
    if (only && !cmark_node_next(only) && cmark_node_get_type(only) == CMARK_NODE_TEXT) {
      // The common case, a heading of plain text: what cmark would render.
      AppendEscaped(inner, Literal(only));
    } else {
      inner = RenderHtml(node, render_options, extensions);
      size_t open = inner.find('>');
      size_t close = inner.rfind("</h");
      if (open == std::string::npos || close == std::string::npos || close <= open) {
        inner.clear();
      } else {
        inner = inner.substr(open + 1, close - open - 1);
      }
    }
    const std::string level = std::to_string(h.level);
    const std::string anchor = util::HtmlEscape(h.anchor);
    std::string html = "<h" + level + " id=\"" + anchor + "\">" + inner +
                       "<a class=\"anchor\" href=\"#" + anchor +
                       "\" aria-label=\"Link to this section\">#</a></h" + level + ">";

    NodePtr block(cmark_node_new(CMARK_NODE_CUSTOM_BLOCK));
    if (block && cmark_node_set_on_enter(block.get(), html.c_str()) &&
        cmark_node_set_on_exit(block.get(), "") && cmark_node_replace(node, block.get())) {
      block.release();  // now owned by the document
      cmark_node_free(node);
    }
    headings->push_back(std::move(h));
  }
}

// ---- Scrolling blocks ---------------------------------------------------------

// Text of a table's header row ("Service, Errors"), for its region's name.
std::string HeaderText(cmark_node* table) {
  std::string text;
  cmark_node* header = cmark_node_first_child(table);
  if (!header) return text;
  for (cmark_node* cell = cmark_node_first_child(header); cell; cell = cmark_node_next(cell)) {
    std::string cell_text = HeadingText(cell);
    if (cell_text.empty()) continue;
    if (!text.empty()) text += ", ";
    text += cell_text;
  }
  return text;
}

// Code blocks and tables scroll sideways when wider than the column, so a
// keyboard must be able to reach them (WCAG 2.1.1; axe-core's
// scrollable-region-focusable): <pre tabindex="0"> (what GitHub writes), and
// each table inside <div class="table-wrap" role="region" tabindex="0"> named
// after its header row, numbered when two would share a name (regions are
// landmarks, and landmarks need unique names).
void FocusableScrollers(cmark_node* doc, int render_options, cmark_llist* extensions) {
  std::vector<cmark_node*> code_blocks, tables;
  Walk(doc, [&](cmark_node* n, cmark_event_type ev) {
    if (ev != CMARK_EVENT_ENTER) return;
    if (cmark_node_get_type(n) == CMARK_NODE_CODE_BLOCK) code_blocks.push_back(n);
    const char* type = cmark_node_get_type_string(n);
    if (type && std::string_view(type) == "table") tables.push_back(n);
  });
  for (cmark_node* node : code_blocks) {
    std::string html = RenderHtml(node, render_options, extensions);
    if (!util::StartsWith(html, "<pre")) continue;
    html.insert(4, " tabindex=\"0\"");
    NodePtr block(cmark_node_new(CMARK_NODE_CUSTOM_BLOCK));
    if (block && cmark_node_set_on_enter(block.get(), html.c_str()) &&
        cmark_node_set_on_exit(block.get(), "") && cmark_node_replace(node, block.get())) {
      block.release();  // now owned by the document
      cmark_node_free(node);
    }
  }
  std::vector<std::string> names;
  for (cmark_node* node : tables) {
    std::string header = HeaderText(node);
    std::string name = header.empty() ? "Table" : "Table: " + header;
    const size_t same = static_cast<size_t>(std::count(names.begin(), names.end(), name));
    names.push_back(name);
    if (same > 0) name += " (" + std::to_string(same + 1) + ")";
    const std::string open = "<div class=\"table-wrap\" role=\"region\" aria-label=\"" +
                             util::HtmlEscape(name) + "\" tabindex=\"0\">";
    NodePtr block(cmark_node_new(CMARK_NODE_CUSTOM_BLOCK));
    if (!block || !cmark_node_set_on_enter(block.get(), open.c_str()) ||
        !cmark_node_set_on_exit(block.get(), "</div>") ||
        !cmark_node_insert_before(node, block.get())) {
      continue;
    }
    cmark_node* wrapper = block.release();  // now owned by the document
    if (!cmark_node_append_child(wrapper, node)) {
      // Not allowed here: put the table back where it was, drop the wrapper.
      cmark_node_unlink(wrapper);
      cmark_node_free(wrapper);
    }
  }
}

// ---- Rendering --------------------------------------------------------------

struct Output {
  Rendered rendered;
  bool single_paragraph = false;  // the document is exactly one paragraph
};

Output RenderDocument(const std::string& markdown, const Options& options) {
  Init();
  const int cmark_options = CMARK_OPT_FOOTNOTES | CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES |
                            CMARK_OPT_VALIDATE_UTF8 | (options.unsafe ? CMARK_OPT_UNSAFE : 0);
  Output out;
  ParserPtr parser(cmark_parser_new(cmark_options));
  if (!parser) return out;
  const bool full = NeedsFullParser(markdown);
  auto attach = [&](const char* name) {
    if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name))
      cmark_parser_attach_syntax_extension(parser.get(), ext);
  };
  // The same order as a full parser always had: table, strikethrough,
  // autolink, tagfilter, tasklist.
  attach(kPlainExtensions[0]);
  if (full)
    for (const char* name : kInlineExtensions) attach(name);
  for (size_t i = 1; i < std::size(kPlainExtensions); ++i) attach(kPlainExtensions[i]);
  NodePtr doc;
  if (full) {
    std::lock_guard<std::mutex> lock(g_parse_mutex);
    cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
    doc.reset(cmark_parser_finish(parser.get()));
  } else {
    cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
    doc.reset(cmark_parser_finish(parser.get()));
  }
  if (!doc) return out;
  cmark_llist* extensions = cmark_parser_get_syntax_extensions(parser.get());

  cmark_consolidate_text_nodes(doc.get());
  if (options.resolver || options.file_resolver) detail::ResolveDocLinks(doc.get(), options, &out.rendered.links);
  BlankDangerousUrls(doc.get());
  out.rendered.plain_text = PlainText(doc.get());

  cmark_node* first = cmark_node_first_child(doc.get());
  out.single_paragraph = first && cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH &&
                         cmark_node_next(first) == nullptr;

  AnchorHeadings(doc.get(), options, cmark_options, extensions, &out.rendered.headings);
  FocusableScrollers(doc.get(), cmark_options, extensions);
  out.rendered.html = RenderHtml(doc.get(), cmark_options, extensions);
  return out;  // doc is freed before parser (declaration order), as cmark needs
}

// A one-line fragment of prose in which Markdown can find nothing: it starts
// with a letter (so no block: list, heading, quote, code, table, thematic
// break or definition), does not end in a space (cmark would trim it), has no
// control character, no invalid UTF-8 and no ASCII punctuation that opens an
// inline (* _ ` [ ] ! < > & \\ ~ @), and nothing autolink matches. cmark
// renders such text as one paragraph holding one text node, so RenderInline
// returns the text escaped, without a parse. nullopt otherwise.
// markdown_render_test compares this with cmark on many fragments.
std::optional<std::string> PlainFragment(std::string_view text) {
  if (text.empty()) return std::string();
  const unsigned char first = static_cast<unsigned char>(text.front());
  const bool letter = (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z');
  if (!letter || text.back() == ' ') return std::nullopt;
  bool ascii = true;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      ascii = false;
      continue;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ')
      continue;
    switch (c) {
      case ',': case '.': case ';': case ':': case '?': case '(': case ')': case '/':
      case '%': case '=': case '+': case '-': case '\'': case '"': case '#': case '$':
      case '^': case '{': case '}': case '|':
        continue;
      default:
        return std::nullopt;
    }
  }
  if (!ascii && util::InvalidUtf8Offset(text) != std::string::npos) return std::nullopt;
  if (NeedsFullParser(text)) return std::nullopt;
  std::string out;
  out.reserve(text.size() + 8);
  AppendEscaped(out, text);
  return out;
}

}  // namespace

void Init() {
  std::call_once(g_init_once, [] { cmark_gfm_core_extensions_ensure_registered(); });
}

Rendered Render(const std::string& markdown, const Options& options) {
  return RenderDocument(markdown, options).rendered;
}

std::string RenderInline(const std::string& markdown, const Options& options) {
  if (auto plain = PlainFragment(markdown)) return std::move(*plain);
  Output out = RenderDocument(markdown, options);
  std::string& html = out.rendered.html;
  constexpr std::string_view kOpen = "<p>";
  constexpr std::string_view kClose = "</p>\n";
  if (out.single_paragraph && util::StartsWith(html, kOpen) && util::EndsWith(html, kClose)) {
    return html.substr(kOpen.size(), html.size() - kOpen.size() - kClose.size());
  }
  return std::move(html);
}

}  // namespace casebook::markdown
