// gzip for text responses (zlib, level 6), when the client asks for it.
//
// Deterministic: the same bytes in give the same bytes out (zlib writes no
// time stamp or file name into the gzip header when none is given), so
// compressed responses are as reproducible as the files they come from.
// Compressed copies of static files are kept in a small cache keyed by the
// file's identity (device, inode, size, change time), so the biggest pages
// (/actions/ is 19 MB at 10,000 postmortems) are compressed once per build,
// not once per request.
//
// Thread-safety: free functions are pure; GzipCache is internally locked.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace casebook::server {

/// True when `accept_encoding` (all Accept-Encoding values joined) accepts
/// gzip: "gzip" or "x-gzip" with q > 0, or "*" with q > 0 and gzip not
/// listed. "gzip;q=0" refuses it.
bool AcceptsGzip(const std::string& accept_encoding);

/// Text formats worth compressing: text/*, JSON, JavaScript, XML, Atom,
/// RSS, SVG. (Images, fonts and archives are compressed already.)
bool IsCompressibleType(const std::string& content_type);

/// The gzip member for `data`.
std::string GzipString(const std::string& data);

/// The bytes of a gzip member, or nullopt when it is not valid gzip or
/// inflates past `max_bytes` (for tests and tools; the server only
/// compresses).
std::optional<std::string> Gunzip(const std::string& data, size_t max_bytes = 64 << 20);

/// The gzip member for the whole file open as `fd` (read with pread from
/// offset 0); nullopt-like empty pointer when reading fails.
std::shared_ptr<const std::string> GzipFile(int fd);

/// Compressed static files, least recently used evicted past `max_bytes`.
class GzipCache {
 public:
  explicit GzipCache(size_t max_bytes) : max_bytes_(max_bytes) {}
  /// `key` names the file and its version (see file comment).
  std::shared_ptr<const std::string> Find(const std::string& key);
  void Put(const std::string& key, std::shared_ptr<const std::string> body);

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const std::string>>;
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::mutex mu_;
  std::list<Entry> lru_;  // front: most recently used
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace casebook::server
