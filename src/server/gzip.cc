#include "server/gzip.h"

#include <unistd.h>
#include <zlib.h>

#include <cstdlib>

#include "util/text.h"

namespace casebook::server {
namespace {

constexpr int kLevel = 6;

// Incremental gzip: Add() pieces, then Finish().
class Deflater {
 public:
  Deflater() {
    // 15 + 16: a gzip wrapper with zlib's default (empty, mtime 0) header.
    ok_ = deflateInit2(&z_, kLevel, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~Deflater() {
    if (ok_) deflateEnd(&z_);
  }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  bool Add(const char* data, size_t n, std::string* out) { return Run(data, n, Z_NO_FLUSH, out); }
  bool Finish(std::string* out) { return Run(nullptr, 0, Z_FINISH, out); }

 private:
  bool Run(const char* data, size_t n, int flush, std::string* out) {
    if (!ok_) return false;
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    z_.avail_in = static_cast<uInt>(n);
    char buf[65536];
    int rc;
    do {
      z_.next_out = reinterpret_cast<Bytef*>(buf);
      z_.avail_out = sizeof buf;
      rc = deflate(&z_, flush);
      if (rc == Z_STREAM_ERROR) return false;
      out->append(buf, sizeof buf - z_.avail_out);
    } while (z_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    return true;
  }

  z_stream z_{};
  bool ok_ = false;
};

}  // namespace

bool AcceptsGzip(const std::string& accept_encoding) {
  bool gzip_listed = false, gzip_ok = false, star_ok = false;
  for (const std::string& item : util::Split(accept_encoding, ',')) {
    std::vector<std::string> parts = util::Split(item, ';');
    if (parts.empty()) continue;
    std::string coding = util::ToLowerAscii(util::Trim(parts[0]));
    double q = 1.0;
    for (size_t i = 1; i < parts.size(); ++i) {
      std::string p = util::ToLowerAscii(util::Trim(parts[i]));
      if (p.rfind("q=", 0) == 0) q = std::strtod(p.c_str() + 2, nullptr);
    }
    if (coding == "gzip" || coding == "x-gzip") {
      gzip_listed = true;
      gzip_ok = gzip_ok || q > 0;
    } else if (coding == "*") {
      star_ok = q > 0;
    }
  }
  return gzip_listed ? gzip_ok : star_ok;
}

bool IsCompressibleType(const std::string& content_type) {
  std::string t = util::ToLowerAscii(content_type.substr(0, content_type.find(';')));
  if (t.rfind("text/", 0) == 0) return true;
  for (const char* s : {"application/json", "application/javascript", "application/xml",
                        "application/atom+xml", "application/rss+xml", "image/svg+xml",
                        "application/manifest+json"})
    if (t == s) return true;
  return false;
}

std::string GzipString(const std::string& data) {
  Deflater d;
  std::string out;
  d.Add(data.data(), data.size(), &out);
  d.Finish(&out);
  return out;
}

std::optional<std::string> Gunzip(const std::string& data, size_t max_bytes) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK && out.size() <= max_bytes) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // truncated input
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END || out.size() > max_bytes || z.avail_in != 0) return std::nullopt;
  return out;
}

std::shared_ptr<const std::string> GzipFile(int fd) {
  Deflater d;
  auto out = std::make_shared<std::string>();
  char buf[65536];
  off_t offset = 0;
  ssize_t n;
  while ((n = ::pread(fd, buf, sizeof buf, offset)) > 0) {
    if (!d.Add(buf, static_cast<size_t>(n), out.get())) return nullptr;
    offset += n;
  }
  if (n < 0 || !d.Finish(out.get())) return nullptr;
  out->shrink_to_fit();
  return out;
}

std::shared_ptr<const std::string> GzipCache::Find(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void GzipCache::Put(const std::string& key, std::shared_ptr<const std::string> body) {
  if (!body || body->size() > max_bytes_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (index_.count(key)) return;
  bytes_ += body->size();
  lru_.emplace_front(key, std::move(body));
  index_[key] = lru_.begin();
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    bytes_ -= lru_.back().second->size();
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

}  // namespace casebook::server
