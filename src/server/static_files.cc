#include "server/static_files.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <map>
#include <vector>

#include "util/text.h"

namespace casebook::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// realpath(3): the canonical absolute path, or nullopt when the path (or a
// component) does not exist or cannot be read.
std::optional<std::string> Canonical(const std::string& path) {
  char buf[PATH_MAX];
  if (!::realpath(path.c_str(), buf)) return std::nullopt;
  return std::string(buf);
}

bool Inside(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                          path[root.size()] == '/');
}

StaticTarget Make(StaticStatus status, std::string reason) {
  StaticTarget t;
  t.status = status;
  t.reason = std::move(reason);
  return t;
}

// A canonical path that must be a regular file inside `root`.
StaticTarget ServeIfRegular(const std::string& path, const std::string& root) {
  auto canon = Canonical(path);
  if (!canon) return Make(StaticStatus::kNotFound, "no such file");
  if (!Inside(*canon, root)) return Make(StaticStatus::kForbidden, "resolves outside the site");
  struct stat st;
  if (::stat(canon->c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return Make(StaticStatus::kNotFound, "not a regular file");
  StaticTarget t = Make(StaticStatus::kFile, "file");
  t.file = *canon;
  return t;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string_view PathOfTarget(std::string_view target) {
  size_t q = target.find_first_of("?#");
  return q == std::string_view::npos ? target : target.substr(0, q);
}

StaticTarget ResolveStatic(const std::string& root, const std::string& base_path,
                           std::string_view raw_path) {
  if (raw_path.empty() || raw_path.front() != '/')
    return Make(StaticStatus::kBadRequest, "path must start with /");
  // Encoded separators would let a segment smuggle a "/" or "\" past the
  // segment checks below.
  std::string lower = util::ToLowerAscii(raw_path);
  if (lower.find("%2f") != std::string::npos || lower.find("%5c") != std::string::npos)
    return Make(StaticStatus::kForbidden, "encoded path separator");
  auto decoded = PercentDecode(raw_path);
  if (!decoded) return Make(StaticStatus::kBadRequest, "malformed percent-escape");
  for (unsigned char c : *decoded) {
    if (c < 0x20 || c == 0x7f) return Make(StaticStatus::kBadRequest, "control byte in path");
    if (c == '\\') return Make(StaticStatus::kForbidden, "backslash in path");
  }

  std::string base = PercentDecode(base_path).value_or(base_path);
  if (base.empty() || base.back() != '/') base += '/';
  if (base.front() != '/') base = "/" + base;
  if (base.size() > 1 && *decoded == base.substr(0, base.size() - 1)) {
    StaticTarget t = Make(StaticStatus::kRedirect, "base path without /");
    t.location = base_path;
    return t;
  }
  if (!util::StartsWith(*decoded, base)) return Make(StaticStatus::kNotFound, "outside base path");
  std::string rel = decoded->substr(base.size());
  const bool trailing_slash = rel.empty() || rel.back() == '/';

  std::vector<std::string> segments;
  for (std::string& seg : util::Split(rel, '/')) {
    if (seg.empty()) continue;
    if (seg == "." || seg == "..") return Make(StaticStatus::kForbidden, "dot segment");
    if (seg.front() == '.') return Make(StaticStatus::kNotFound, "dot-file");
    segments.push_back(std::move(seg));
  }

  auto canon_root = Canonical(root);
  if (!canon_root) return Make(StaticStatus::kNotFound, "no output folder");
  std::string candidate = *canon_root;
  for (const auto& seg : segments) candidate += "/" + seg;

  auto canon = Canonical(candidate);
  if (!canon) return Make(StaticStatus::kNotFound, "no such file");
  if (!Inside(*canon, *canon_root)) return Make(StaticStatus::kForbidden, "resolves outside the site");
  struct stat st;
  if (::stat(canon->c_str(), &st) != 0) return Make(StaticStatus::kNotFound, "no such file");
  if (S_ISDIR(st.st_mode)) {
    if (!trailing_slash) {
      StaticTarget t = Make(StaticStatus::kRedirect, "folder without /");
      t.location = base_path;
      if (t.location.empty() || t.location.back() != '/') t.location += '/';
      for (const auto& seg : segments) t.location += util::UrlEncode(seg) + "/";
      return t;
    }
    return ServeIfRegular(*canon + "/index.html", *canon_root);
  }
  if (trailing_slash) return Make(StaticStatus::kNotFound, "file requested as a folder");
  return ServeIfRegular(*canon, *canon_root);
}

std::string ContentTypeFor(std::string_view file_name) {
  static const std::map<std::string, std::string> kTypes = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"json", "application/json; charset=utf-8"},
      {"xml", "application/xml; charset=utf-8"},
      {"atom", "application/atom+xml; charset=utf-8"},
      {"rss", "application/rss+xml; charset=utf-8"},
      {"txt", "text/plain; charset=utf-8"},
      {"md", "text/plain; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"avif", "image/avif"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"pdf", "application/pdf"},
      {"map", "application/json; charset=utf-8"},
      {"webmanifest", "application/manifest+json"},
  };
  size_t slash = file_name.rfind('/');
  std::string_view name = slash == std::string_view::npos ? file_name : file_name.substr(slash + 1);
  if (name == "feed.xml") return "application/atom+xml; charset=utf-8";
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  auto it = kTypes.find(util::ToLowerAscii(name.substr(dot + 1)));
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

}  // namespace casebook::server
