// The compact binary encoding of the search caches in the index folder
// (terms.cache, similar.state): unsigned LEB128 varints, length-prefixed
// strings, little-endian 64-bit words, and a checksum of the payload.
// Reading is bounds-checked: a truncated or corrupt file reads as false.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "search/schema.h"

namespace casebook::search::codec {

inline void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

inline void PutU64(std::string* out, uint64_t v) {
  char bytes[8];
  std::memcpy(bytes, &v, 8);
  out->append(bytes, 8);
}

inline uint64_t Checksum(std::string_view payload) {
  schema::Hasher h;
  h.Add(payload);
  return h.Value();
}

class Reader {
 public:
  explicit Reader(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}
  bool Varint(uint64_t* v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      unsigned char c = static_cast<unsigned char>(*p_++);
      r |= static_cast<uint64_t>(c & 0x7f) << shift;
      if (!(c & 0x80)) {
        *v = r;
        return true;
      }
    }
    return false;
  }
  /// A varint that can be no more than the bytes left (a count of items of
  /// at least one byte each, or a string length).
  bool Count(uint64_t* n) { return Varint(n) && *n <= static_cast<uint64_t>(end_ - p_); }
  bool String(std::string_view* s) {
    uint64_t n;
    if (!Count(&n)) return false;
    *s = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  bool String(std::string* s) {
    std::string_view v;
    if (!String(&v)) return false;
    s->assign(v);
    return true;
  }
  bool U64(uint64_t* v) {
    if (end_ - p_ < 8) return false;
    std::memcpy(v, p_, 8);
    p_ += 8;
    return true;
  }
  bool AtEnd() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace casebook::search::codec
