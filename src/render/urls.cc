#include "render/urls.h"

#include "util/text.h"

namespace casebook::render {

std::string BasePath(std::string_view base_url) {
  std::string_view rest = base_url;
  size_t scheme = rest.find("://");
  if (scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
    size_t slash = rest.find('/');
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  // Drop any query or fragment someone put in base_url.
  size_t cut = rest.find_first_of("?#");
  if (cut != std::string_view::npos) rest = rest.substr(0, cut);
  std::string path(rest);
  if (path.empty() || path[0] != '/') path.insert(path.begin(), '/');
  if (path.back() != '/') path += '/';
  return path;
}

namespace {

/// The attribute whose value starts at html[value_start] (just after `="`),
/// if it is one that holds a URL.
bool IsUrlAttribute(std::string_view html, size_t value_start) {
  static constexpr std::string_view kNames[] = {"href", "src", "action", "poster"};
  size_t eq = value_start - 2;  // the '='
  for (std::string_view name : kNames) {
    if (eq < name.size() + 1) continue;
    size_t begin = eq - name.size();
    if (html.substr(begin, name.size()) != name) continue;
    char before = html[begin - 1];
    if (before == ' ' || before == '\n' || before == '\t') return true;
  }
  return false;
}

}  // namespace

std::string RelativizeHtml(std::string_view html, std::string_view page_path,
                           std::string_view base_path) {
  std::string up;
  for (char c : page_path)
    if (c == '/') up += "../";
  std::string out;
  out.reserve(html.size() + html.size() / 16);
  size_t pos = 0;
  while (true) {
    size_t quote = html.find("=\"", pos);
    if (quote == std::string_view::npos) break;
    size_t value = quote + 2;
    size_t end = html.find('"', value);
    if (end == std::string_view::npos) break;
    std::string_view url = html.substr(value, end - value);
    out.append(html.substr(pos, value - pos));
    if (IsUrlAttribute(html, value) && util::StartsWith(url, base_path) &&
        !util::StartsWith(url, "//")) {
      std::string_view rest = url.substr(base_path.size());
      size_t cut = rest.find_first_of("?#");
      std::string_view path = rest.substr(0, cut);
      out += up;
      out.append(path);
      if (path.empty() || path.back() == '/') out += "index.html";
      if (cut != std::string_view::npos) out.append(rest.substr(cut));
    } else {
      out.append(url);
    }
    pos = end;
  }
  out.append(html.substr(pos));
  return out;
}

std::string EncodePath(std::string_view relative_path) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t slash = relative_path.find('/', start);
    std::string_view seg = relative_path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    out += util::UrlEncode(seg);
    if (slash == std::string_view::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out;
}

bool IsSafeHref(std::string_view url) {
  std::string_view u = util::Trim(url);
  if (u.empty()) return false;
  for (char c : u) {
    // Control characters and whitespace inside a URL can hide a scheme
    // ("java\tscript:") from naive checks; refuse them outright.
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) return false;
  }
  size_t colon = u.find(':');
  size_t delim = u.find_first_of("/?#");
  if (colon == std::string_view::npos || (delim != std::string_view::npos && delim < colon)) {
    return true;  // no scheme: a relative or absolute path
  }
  std::string scheme = util::ToLowerAscii(u.substr(0, colon));
  return scheme == "http" || scheme == "https" || scheme == "mailto";
}

std::string TicketUrl(std::string_view pattern, std::string_view ticket) {
  std::string_view t = util::Trim(ticket);
  if (pattern.empty() || t.empty()) return {};
  std::string url = util::ReplaceAll(std::string(pattern), "{ticket}", util::UrlEncode(t));
  return IsSafeHref(url) ? url : std::string();
}

std::string SourceUrl(std::string_view pattern, std::string_view source_path) {
  if (pattern.empty() || source_path.empty()) return {};
  std::string url = util::ReplaceAll(std::string(pattern), "{path}", EncodePath(source_path));
  return IsSafeHref(url) ? url : std::string();
}

std::string RepositoryPath(std::string_view source, std::string_view relative_path) {
  std::string dir(source);
  while (dir.size() >= 2 && dir[0] == '.' && dir[1] == '/') dir.erase(0, 2);
  if (dir == ".") dir.clear();
  while (!dir.empty() && dir.back() == '/') dir.pop_back();
  if (dir.empty()) return std::string(relative_path);
  return dir + "/" + std::string(relative_path);
}

}  // namespace casebook::render
