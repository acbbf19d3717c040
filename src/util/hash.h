// Fingerprint: a stable 128-bit content hash as 32 hex digits, for build
// caches (unchanged inputs -> unchanged output, so work can be skipped).
// Two independent 64-bit FNV-1a streams: not cryptographic, but stable
// across runs, builds and machines, unlike std::hash. Pure, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace casebook::util {

std::string Fingerprint(std::string_view data);

/// The MurmurHash3 finaliser: every input bit moves every output bit (the
/// last step of Fingerprint, StreamHash and the cache parts' sums).
inline uint64_t MixBits(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

/// The same kind of 128-bit hash, fed piece by piece (for hashing a tree
/// without serialising it first). Strings are length-prefixed, so
/// ("ab","c") and ("a","bc") differ.
class StreamHash {
 public:
  void AddBytes(const void* data, size_t size);
  void AddInt(int64_t v) { AddBytes(&v, sizeof v); }
  void AddDouble(double v) { AddBytes(&v, sizeof v); }
  void AddString(std::string_view s) {
    AddInt(static_cast<int64_t>(s.size()));
    AddBytes(s.data(), s.size());
  }
  void Finish(uint64_t out[2]) const;
  /// 32 hex digits, like Fingerprint.
  std::string Hex() const;

 private:
  void Word(uint64_t w);
  uint64_t a_ = 0x9e3779b97f4a7c15ULL, b_ = 0xcbf29ce484222325ULL;
  uint64_t pending_ = 0;  // bytes not yet making a whole word
  size_t pending_size_ = 0;
  uint64_t total_ = 0;
};

}  // namespace casebook::util
