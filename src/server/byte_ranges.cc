#include "server/byte_ranges.h"

#include <algorithm>

#include "util/text.h"

namespace casebook::server {
namespace {

// A run of digits as a number; false when empty, not digits, or too long.
bool ParseNumber(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = n;
  return true;
}

}  // namespace

RangeRequest ParseRangeHeader(const std::string& range_header, uint64_t size) {
  RangeRequest out;
  std::string_view h = util::Trim(range_header);
  if (h.size() < 6 || util::ToLowerAscii(h.substr(0, 6)) != "bytes=") return out;
  std::vector<std::string> specs = util::Split(h.substr(6), ',');
  if (specs.empty() || specs.size() > kMaxRanges) return out;
  std::vector<ByteRange> wanted;
  for (const std::string& raw : specs) {
    std::string_view spec = util::Trim(raw);
    size_t dash = spec.find('-');
    if (dash == std::string_view::npos) return out;  // syntax error: ignore
    std::string_view a = util::Trim(spec.substr(0, dash)), b = util::Trim(spec.substr(dash + 1));
    uint64_t first = 0, last = 0;
    if (a.empty()) {  // "-N": the last N bytes
      if (!ParseNumber(b, &last)) return out;
      if (last == 0 || size == 0) continue;  // unsatisfiable
      wanted.push_back({size - std::min(last, size), size - 1});
      continue;
    }
    if (!ParseNumber(a, &first)) return out;
    if (b.empty()) {
      last = UINT64_MAX;
    } else if (!ParseNumber(b, &last) || last < first) {
      return out;  // "10-5" is invalid syntax (RFC 9110 14.1.1): ignore
    }
    if (first >= size) continue;  // unsatisfiable
    wanted.push_back({first, std::min(last, size - 1)});
  }
  if (wanted.empty()) {
    out.verdict = RangeVerdict::kUnsatisfiable;
    return out;
  }
  std::sort(wanted.begin(), wanted.end(),
            [](const ByteRange& x, const ByteRange& y) { return x.first < y.first; });
  for (const ByteRange& r : wanted) {
    if (!out.ranges.empty() && r.first <= out.ranges.back().last + 1) {
      out.ranges.back().last = std::max(out.ranges.back().last, r.last);
    } else {
      out.ranges.push_back(r);
    }
  }
  out.verdict = RangeVerdict::kPartial;
  return out;
}

std::string ContentRangeValue(const ByteRange& r, uint64_t size) {
  return "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) + "/" +
         std::to_string(size);
}

std::string MultipartByteranges(const std::vector<ByteRange>& ranges, uint64_t size,
                                const std::string& content_type, const std::string& boundary,
                                const std::function<std::string(uint64_t, uint64_t)>& read) {
  std::string body;
  for (const ByteRange& r : ranges) {
    body += "--" + boundary + "\r\nContent-Type: " + content_type +
            "\r\nContent-Range: " + ContentRangeValue(r, size) + "\r\n\r\n";
    body += read(r.first, r.length());
    body += "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return body;
}

}  // namespace casebook::server
