#include "util/hash.h"

#include <cstdint>
#include <cstdio>

namespace casebook::util {

std::string Fingerprint(std::string_view data) {
  uint64_t a = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
  uint64_t b = 0x84222325cbf29ce4ULL;  // a second, different stream
  for (unsigned char c : data) {
    a = (a ^ c) * 0x100000001b3ULL;
    b = (b ^ static_cast<unsigned char>(c + 0x5b)) * 0x100000001b3ULL;
    b ^= b >> 29;
  }
  char out[33];
  std::snprintf(out, sizeof out, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return out;
}

}  // namespace casebook::util
