#include "util/hash.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace casebook::util {
namespace {

uint64_t Mix(uint64_t h) {  // the MurmurHash3 finaliser
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
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
  a = Mix(a ^ tail ^ data.size());
  b = Mix(b + tail + (static_cast<uint64_t>(data.size()) << 1));
  char out[33];
  std::snprintf(out, sizeof out, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return out;
}

}  // namespace casebook::util
