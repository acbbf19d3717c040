// Static files of the built site: mapping a raw request path to a file in
// the output folder, safely, and the Content-Type to send with it.
//
// The rules (each one is a test in tests/server_static_files_test.cc):
//  - the path is percent-decoded once; a malformed escape, an encoded "/" or
//    "\" (%2f, %5c), a NUL or any control byte, or a backslash is refused;
//  - a "." or ".." segment (written or encoded) is refused, so is any
//    segment starting with "." (dot-files such as .git or .casebook are
//    never served);
//  - the path must lie under the site's base path ("/pm/"); "/pm" redirects
//    to "/pm/", anything else outside it is "not found";
//  - the file found is canonicalised (symlinks resolved) and must still lie
//    inside the canonicalised output folder: a symlink pointing out is
//    refused, one pointing elsewhere inside is followed;
//  - a folder without a trailing "/" redirects to the same path with one; a
//    folder with one serves its index.html (checked the same way);
//  - only regular files are served (no devices, fifos, sockets).
// Redirect locations are rebuilt from the validated segments, never copied
// from the request, so they cannot point off-site ("//evil.example/").
//
// Pure functions of the request and the file system; thread-safe. No
// HTTP library types here: the server (http_server.cc) turns a
// StaticTarget into a response.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace casebook::server {

enum class StaticStatus {
  kFile,        // serve `file`
  kRedirect,    // 301 to `location`
  kNotFound,    // 404 (the site's 404 page)
  kForbidden,   // 403: traversal, dot-file, symlink out
  kBadRequest,  // 400: malformed escapes, control bytes
};

struct StaticTarget {
  StaticStatus status = StaticStatus::kNotFound;
  std::string file;      // canonical absolute path (kFile)
  std::string location;  // absolute path on this host, encoded (kRedirect)
  std::string reason;    // short explanation for logs and tests
};

/// Resolves `raw_path` (the request target's path part, still
/// percent-encoded, without "?query") against the output folder `root`,
/// served under `base_path` ("/" or "/pm/"). `root` need not be canonical.
/// When `root` does not exist everything is kNotFound.
StaticTarget ResolveStatic(const std::string& root, const std::string& base_path,
                           std::string_view raw_path);

/// Decodes %XX escapes (no "+" handling: this is for paths). nullopt when an
/// escape is malformed.
std::optional<std::string> PercentDecode(std::string_view s);

/// The Content-Type for a file name: text types carry "; charset=utf-8";
/// "feed.xml" and "*.atom" are application/atom+xml; unknown extensions are
/// application/octet-stream.
std::string ContentTypeFor(std::string_view file_name);

/// The path part of a request target ("/a/b?q=1" -> "/a/b").
std::string_view PathOfTarget(std::string_view target);

}  // namespace casebook::server
