// Markdown -> HTML through cmark-gfm (the only file that renders with it).
//
// Pipeline per Render(): parse (serialized, see g_parse_mutex) -> merge
// adjacent text nodes -> resolve links to other postmortems (links.cc) ->
// blank dangerous link/image URLs -> collect plain text -> give every heading
// an id and a self-link -> render HTML with the extension list (tagfilter).
// Tree walks collect nodes first and mutate afterwards (cmark iterator rules).
// Never prints; input of any size or shape is accepted.
#include "markdown/markdown.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <cstdlib>
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

// cmark-gfm 0.29.0.gfm.6 keeps the inline parser's special-character table in
// a global that every parse edits: extension characters (~ for strikethrough,
// : and w for autolinks) are added when inline parsing starts and removed when
// it ends. Concurrent parses therefore race, and one thread's cleanup makes
// another miss ~~strike~~ or www. links (github/cmark-gfm PR #176). Parsing is
// serialized; our tree work and the HTML rendering run in parallel.
std::mutex g_parse_mutex;

constexpr const char* kExtensions[] = {"table", "strikethrough", "autolink", "tagfilter",
                                       "tasklist"};

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

    std::string inner = RenderHtml(node, render_options, extensions);
    size_t open = inner.find('>');
    size_t close = inner.rfind("</h");
    if (open == std::string::npos || close == std::string::npos || close <= open) {
      inner.clear();
    } else {
      inner = inner.substr(open + 1, close - open - 1);
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
  for (const char* name : kExtensions) {
    if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name)) {
      cmark_parser_attach_syntax_extension(parser.get(), ext);
    }
  }
  NodePtr doc;
  {
    std::lock_guard<std::mutex> lock(g_parse_mutex);
    cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
    doc.reset(cmark_parser_finish(parser.get()));
  }
  if (!doc) return out;
  cmark_llist* extensions = cmark_parser_get_syntax_extensions(parser.get());

  cmark_consolidate_text_nodes(doc.get());
  if (options.resolver) detail::ResolveDocLinks(doc.get(), options, &out.rendered.links);
  BlankDangerousUrls(doc.get());
  out.rendered.plain_text = PlainText(doc.get());

  cmark_node* first = cmark_node_first_child(doc.get());
  out.single_paragraph = first && cmark_node_get_type(first) == CMARK_NODE_PARAGRAPH &&
                         cmark_node_next(first) == nullptr;

  AnchorHeadings(doc.get(), options, cmark_options, extensions, &out.rendered.headings);
  out.rendered.html = RenderHtml(doc.get(), cmark_options, extensions);
  return out;  // doc is freed before parser (declaration order), as cmark needs
}

}  // namespace

void Init() {
  std::call_once(g_init_once, [] { cmark_gfm_core_extensions_ensure_registered(); });
}

Rendered Render(const std::string& markdown, const Options& options) {
  return RenderDocument(markdown, options).rendered;
}

std::string RenderInline(const std::string& markdown, const Options& options) {
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
