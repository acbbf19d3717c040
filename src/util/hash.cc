#include "util/hash.h"

#include <cstdint>
#include <cstring>

namespace casebook::util {
namespace {

// The two lanes as 32 lower-case hex digits, high nibble first (what
// "%016llx%016llx" printed: snprintf was most of a key's cost when the
// View keys every postmortem at every build).
std::string HexOf(uint64_t a, uint64_t b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 15; i >= 0; --i, a >>= 4) out[static_cast<size_t>(i)] = kDigits[a & 15];
  for (int i = 31; i >= 16; --i, b >>= 4) out[static_cast<size_t>(i)] = kDigits[b & 15];
  return out;
}

}  // namespace

std::string Fingerprint(std::string_view data) {
  // Two 64-bit lanes over 8-byte words (little-endian loads), each with its
  // own multiplier, finalised with the length. Stable everywhere we build.
  uint64_t a = 0x9e3779b97f4a7c15ULL, b = 0xcbf29ce484222325ULL;
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, data.data() + i, 8);
    a = (a ^ w) * 0x100000001b3ULL;
    a ^= a >> 31;
    b = (b + w) * 0xff51afd7ed558ccdULL;
    b ^= b >> 29;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, data.data() + i, data.size() - i);
  a = MixBits(a ^ tail ^ data.size());
  b = MixBits(b + tail + (static_cast<uint64_t>(data.size()) << 1));
  return HexOf(a, b);
}

void StreamHash::Word(uint64_t w) {
  a_ = (a_ ^ w) * 0x100000001b3ULL;
  a_ ^= a_ >> 31;
  b_ = (b_ + w) * 0xff51afd7ed558ccdULL;
  b_ ^= b_ >> 29;
}

void StreamHash::AddBytes(const void* data, size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  total_ += size;
  while (size > 0 && pending_size_ > 0) {  // finish a partial word first
    pending_ |= static_cast<uint64_t>(*p++) << (8 * pending_size_);
    --size;
    if (++pending_size_ == 8) {
      Word(pending_);
      pending_ = 0;
      pending_size_ = 0;
    }
  }
  if (size == 0) return;
  for (; size >= 8; size -= 8, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    Word(w);
  }
  for (size_t i = 0; i < size; ++i) pending_ |= static_cast<uint64_t>(p[i]) << (8 * i);
  pending_size_ = size;
}

void StreamHash::Finish(uint64_t out[2]) const {
  out[0] = MixBits(a_ ^ pending_ ^ total_);
  out[1] = MixBits(b_ + pending_ + (total_ << 1));
}

std::string StreamHash::Hex() const {
  uint64_t h[2];
  Finish(h);
  return HexOf(h[0], h[1]);
}

}  // namespace casebook::util
