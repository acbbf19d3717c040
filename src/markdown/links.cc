// Links to other postmortems inside a parsed cmark-gfm document.
//
// Two forms (see FORMAT.md "Body"):
//  - a link whose destination is a relative path ending in ".md" (before any
//    ?query or #fragment): resolved -> the destination becomes the resolver's
//    URL plus the original #fragment; unresolved -> the link is replaced by
//    its contents (plain text);
//  - "[[id]]" or "[[id|label]]" inside ordinary text (never inside code, which
//    cmark keeps in CODE nodes, nor inside another link): resolved -> a link
//    showing the label or the id; unresolved -> the label or the id as text.
//  - a link or image whose destination is a relative path to any other file
//    ("latency.png", "data/x.csv?raw#row=3"): the file resolver's URL plus
//    the original ?query#fragment when it has one, else left as written.
// Every occurrence is reported as a DocLink with its source position.
// Absolute paths ("/img/x.png", from static/), URLs with a scheme, "//host"
// and "#anchor" / "?query" alone are never touched.
// Expects adjacent text nodes to have been merged (cmark_consolidate_text_nodes).
#include <cmark-gfm.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "markdown/markdown.h"
#include "util/text.h"

namespace casebook::markdown::detail {

void ResolveDocLinks(cmark_node* doc, const Options& options, std::vector<DocLink>* links);

namespace {

struct NodeFree {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
using NodePtr = std::unique_ptr<cmark_node, NodeFree>;

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// "https:", "mailto:", "C:" ... (RFC 3986 scheme followed by ':').
bool HasScheme(std::string_view url) {
  if (url.empty() || !IsAsciiAlpha(url[0])) return false;
  for (size_t i = 1; i < url.size(); ++i) {
    char c = url[i];
    if (c == ':') return true;
    if (!IsAsciiAlpha(c) && !IsAsciiDigit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return false;
}

bool IsRelativeMarkdownPath(std::string_view url) {
  if (url.empty() || url[0] == '/' || url[0] == '\\' || HasScheme(url)) return false;
  std::string_view path = url.substr(0, url.find_first_of("?#"));
  return path.size() > 3 && util::ToLowerAscii(path.substr(path.size() - 3)) == ".md";
}

bool IsRelativeFilePath(std::string_view url) {
  if (url.empty() || url[0] == '/' || url[0] == '\\' || url[0] == '#' || url[0] == '?' ||
      HasScheme(url))
    return false;
  std::string_view path = url.substr(0, url.find_first_of("?#"));
  if (path.empty() || path.back() == '/') return false;  // a folder is no file
  return !(path.size() > 3 && util::ToLowerAscii(path.substr(path.size() - 3)) == ".md");
}

struct WikiLink {
  size_t begin = 0;  // offset of "[["
  size_t end = 0;    // offset just past "]]"
  std::string id;
  std::string label;  // "" when none
};

// The first well-formed "[[id]]" / "[[id|label]]" at or after `from`. The
// inside may not contain '[', ']' or a newline, and the id may not be blank.
std::optional<WikiLink> FindWikiLink(std::string_view s, size_t from) {
  while (true) {
    size_t open = s.find("[[", from);
    if (open == std::string_view::npos) return std::nullopt;
    size_t i = open + 2;
    while (i < s.size() && s[i] != '[' && s[i] != ']' && s[i] != '\n') ++i;
    if (i + 1 < s.size() && s[i] == ']' && s[i + 1] == ']') {
      std::string_view inside = s.substr(open + 2, i - open - 2);
      size_t bar = inside.find('|');
      std::string_view id = util::Trim(inside.substr(0, bar));
      if (!id.empty()) {
        WikiLink link;
        link.begin = open;
        link.end = i + 2;
        link.id = std::string(id);
        if (bar != std::string_view::npos) link.label = std::string(util::Trim(inside.substr(bar + 1)));
        return link;
      }
    }
    from = open + 1;
  }
}

NodePtr NewText(const std::string& text) {
  NodePtr node(cmark_node_new(CMARK_NODE_TEXT));
  if (node) cmark_node_set_literal(node.get(), text.c_str());
  return node;
}

NodePtr NewLink(const std::string& url, const std::string& text) {
  NodePtr link(cmark_node_new(CMARK_NODE_LINK));
  if (!link) return link;
  cmark_node_set_url(link.get(), url.c_str());
  cmark_node_set_title(link.get(), "");
  NodePtr child = NewText(text);
  if (child && cmark_node_append_child(link.get(), child.get())) child.release();
  return link;
}

// Splits one text node around its [[...]]s.
void ResolveWikiText(cmark_node* text, const Options& options, std::vector<DocLink>* links) {
  const char* literal = cmark_node_get_literal(text);
  if (!literal) return;
  const std::string s(literal);
  const int line = cmark_node_get_start_line(text) + options.line_offset;
  const int column = cmark_node_get_start_column(text);

  std::vector<NodePtr> pieces;
  std::string pending;  // text not yet turned into a node
  size_t pos = 0;
  bool found = false;
  while (std::optional<WikiLink> wiki = FindWikiLink(s, pos)) {
    found = true;
    pending.append(s, pos, wiki->begin - pos);
    std::optional<std::string> url = options.resolver(wiki->id, true);
    DocLink link;
    link.target = wiki->id;
    link.wiki = true;
    link.line = line;
    link.column = column + static_cast<int>(wiki->begin);
    link.resolved = url.has_value();
    links->push_back(std::move(link));
    const std::string& shown = wiki->label.empty() ? wiki->id : wiki->label;
    if (url) {
      if (!pending.empty()) pieces.push_back(NewText(pending));
      pending.clear();
      pieces.push_back(NewLink(*url, shown));
    } else {
      pending += shown;
    }
    pos = wiki->end;
  }
  if (!found) return;
  pending.append(s, pos, std::string::npos);
  if (!pending.empty()) pieces.push_back(NewText(pending));
  for (NodePtr& piece : pieces) {
    if (!piece || !cmark_node_insert_before(text, piece.get())) return;  // leave text as is
    piece.release();
  }
  cmark_node_free(text);
}

void ResolveMarkdownLink(cmark_node* node, const Options& options, std::vector<DocLink>* links) {
  const char* raw = cmark_node_get_url(node);
  if (!raw) return;
  const std::string url(raw);
  std::optional<std::string> resolved = options.resolver(url, false);
  DocLink link;
  link.target = url;
  link.line = cmark_node_get_start_line(node) + options.line_offset;
  link.column = cmark_node_get_start_column(node);
  link.resolved = resolved.has_value();
  links->push_back(std::move(link));

  if (resolved) {
    std::string out = *resolved;
    size_t hash = url.find('#');
    if (hash != std::string::npos && out.find('#') == std::string::npos) out += url.substr(hash);
    cmark_node_set_url(node, out.c_str());
    return;
  }
  // Unwrap: move the children out, then drop the link.
  while (cmark_node* child = cmark_node_first_child(node)) {
    if (!cmark_node_insert_before(node, child)) {
      cmark_node_set_url(node, "");  // cannot unwrap: at least point nowhere
      return;
    }
  }
  cmark_node_free(node);
}

void ResolveFileLink(cmark_node* node, const Options& options, std::vector<DocLink>* links) {
  const char* raw = cmark_node_get_url(node);
  if (!raw) return;
  const std::string url(raw);
  std::optional<std::string> resolved = options.file_resolver(url);
  DocLink link;
  link.target = url;
  link.file = true;
  link.line = cmark_node_get_start_line(node) + options.line_offset;
  link.column = cmark_node_get_start_column(node);
  link.resolved = resolved.has_value();
  links->push_back(std::move(link));
  if (!resolved) return;  // left as written (the caller reports it)
  std::string out = *resolved;
  size_t rest = url.find_first_of("?#");
  if (rest != std::string::npos) out += url.substr(rest);
  cmark_node_set_url(node, out.c_str());
}

}  // namespace

void ResolveDocLinks(cmark_node* doc, const Options& options, std::vector<DocLink>* links) {
  enum class Kind { kDocLink, kWikiText, kFile };
  struct Found {
    cmark_node* node;
    Kind kind;
  };
  std::vector<Found> found;
  {
    std::unique_ptr<cmark_iter, void (*)(cmark_iter*)> it(cmark_iter_new(doc), cmark_iter_free);
    if (!it) return;
    int link_depth = 0;  // inside a link or image: no [[...]] (no nested <a>)
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
      cmark_node* n = cmark_iter_get_node(it.get());
      cmark_node_type t = cmark_node_get_type(n);
      if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) {
        if (ev == CMARK_EVENT_EXIT) {
          --link_depth;
          continue;
        }
        ++link_depth;
        const char* url = cmark_node_get_url(n);
        if (!url) continue;
        if (t == CMARK_NODE_LINK && options.resolver && IsRelativeMarkdownPath(url))
          found.push_back({n, Kind::kDocLink});
        else if (options.file_resolver && IsRelativeFilePath(url))
          found.push_back({n, Kind::kFile});
      } else if (t == CMARK_NODE_TEXT && link_depth == 0 && options.resolver) {
        const char* literal = cmark_node_get_literal(n);
        if (literal && std::string_view(literal).find("[[") != std::string_view::npos) {
          found.push_back({n, Kind::kWikiText});
        }
      }
    }
  }
  // Document order; no collected node lies inside another collected one, so
  // freeing one never invalidates the rest.
  for (const Found& f : found) {
    switch (f.kind) {
      case Kind::kDocLink: ResolveMarkdownLink(f.node, options, links); break;
      case Kind::kWikiText: ResolveWikiText(f.node, options, links); break;
      case Kind::kFile: ResolveFileLink(f.node, options, links); break;
    }
  }
}

}  // namespace casebook::markdown::detail
