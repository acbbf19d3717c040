// Fingerprint: a stable 128-bit content hash as 32 hex digits, for build
// caches (unchanged inputs -> unchanged output, so work can be skipped).
// Two independent 64-bit FNV-1a streams: not cryptographic, but stable
// across runs, builds and machines, unlike std::hash. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace casebook::util {

std::string Fingerprint(std::string_view data);

}  // namespace casebook::util
