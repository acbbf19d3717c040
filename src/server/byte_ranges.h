// Range requests on static files (RFC 9110 section 14): "bytes=" ranges
// only; first-last, first- and -suffix forms; several ranges answered as
// multipart/byteranges.
//
//  - no Range, another unit ("items=..."), an invalid range ("bytes=10-5",
//    "bytes=x") or more than kMaxRanges ranges: the Range field is ignored
//    (200, full body), as the RFC allows; so is a Range next to any If-Range
//    (we send no validators);
//  - ranges that all start past the end ("bytes=500-" or "bytes=-0" of 100
//    bytes): 416 with "Content-Range: bytes */<size>";
//  - otherwise 206 with the satisfiable ranges, each clipped to the file
//    (last >= size means "to the end"); overlapping or adjacent ranges are
//    merged, so a request for many small overlapping pieces costs no more
//    than the file itself.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace casebook::server {

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
};

enum class RangeVerdict { kIgnore, kPartial, kUnsatisfiable };

struct RangeRequest {
  RangeVerdict verdict = RangeVerdict::kIgnore;
  std::vector<ByteRange> ranges;  // kPartial: sorted, merged, non-empty
};

constexpr size_t kMaxRanges = 16;

/// Decides how to answer `range_header` for a body of `size` bytes.
RangeRequest ParseRangeHeader(const std::string& range_header, uint64_t size);

/// "bytes 0-10/2610".
std::string ContentRangeValue(const ByteRange& r, uint64_t size);

/// The multipart/byteranges body for several ranges: each part starts with
/// "--<boundary>", Content-Type and Content-Range; `read(first, length)`
/// returns that slice of the body. Ends with "--<boundary>--".
std::string MultipartByteranges(const std::vector<ByteRange>& ranges, uint64_t size,
                                const std::string& content_type, const std::string& boundary,
                                const std::function<std::string(uint64_t, uint64_t)>& read);

}  // namespace casebook::server
