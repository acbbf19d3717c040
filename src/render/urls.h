// URL helpers for the renderer: the base path pages link with, absolute URLs
// for feeds / sitemap / JSON, percent-encoding of path segments, and the
// ticket and source links from site.toml.
//
// Contract: every href this module returns is either a path starting with
// "/", an http(s)/mailto URL, or "" (meaning "show as text"). A javascript:,
// data: or any other scheme is never returned. Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace casebook::render {

/// The path part of base_url, always starting and ending with "/":
/// "https://x.com/pm/" -> "/pm/"; "/" -> "/"; "https://x.com" -> "/".
std::string BasePath(std::string_view base_url);

/// For `relative_urls`: `html` (a page written to `page_path`, e.g.
/// "tags/dns/index.html") with every href, src and action attribute value
/// that starts with `base_path` (and is not protocol-relative) rewritten
/// relative to the page, a directory link getting "index.html" so that it
/// works opened from disk: "/pm/tags/" -> "../../tags/index.html",
/// "/pm/?q=1#x" -> "../../index.html?q=1#x". Anything else (other hosts,
/// fragments, relative links, text) is left as it is. Only attribute values
/// in double quotes are touched, so escaped user text never matches.
std::string RelativizeHtml(std::string_view html, std::string_view page_path,
                           std::string_view base_path);

/// Percent-encodes each segment of a relative path ("postmortems/zürich dc/")
/// keeping the "/" separators; RFC 3986 unreserved bytes are kept.
std::string EncodePath(std::string_view relative_path);

/// True when `url` is safe to put in an href: no scheme (relative or
/// absolute path, fragment, query) or one of http, https, mailto.
bool IsSafeHref(std::string_view url);

/// `pattern` with every "{ticket}" replaced by UrlEncode(ticket); "" when the
/// pattern or ticket is empty or the result is not a safe href.
std::string TicketUrl(std::string_view pattern, std::string_view ticket);

/// `pattern` with every "{path}" replaced by the source path, each segment
/// percent-encoded; "" when the pattern is empty or the result is unsafe.
std::string SourceUrl(std::string_view pattern, std::string_view source_path);

/// Joins the configured source folder (as written in site.toml, e.g.
/// "content" or "./content/") with a document's relative path: the path of
/// the file relative to the repository root ("content/2024/x.md"). An
/// absolute source folder is kept as is.
std::string RepositoryPath(std::string_view source, std::string_view relative_path);

}  // namespace casebook::render
