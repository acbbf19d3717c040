// Fingerprint: the build caches' content hash.
#include <catch2/catch.hpp>

#include <set>

#include "util/hash.h"

using casebook::util::Fingerprint;

TEST_CASE("Fingerprint is stable, 32 hex digits, and tells near inputs apart") {
  CHECK(Fingerprint("abc") == Fingerprint(std::string("abc")));
  CHECK(Fingerprint("").size() == 32);
  std::set<std::string> seen;
  // Inputs that differ in one byte, in length only, or across the 8-byte
  // word boundary must all get different fingerprints.
  std::string base(40, 'x');
  for (size_t i = 0; i < base.size(); ++i) {
    std::string s = base;
    s[i] = 'y';
    seen.insert(Fingerprint(s));
  }
  for (size_t n = 0; n <= 40; ++n) seen.insert(Fingerprint(base.substr(0, n)));
  seen.insert(Fingerprint(std::string(8, '\0')));
  seen.insert(Fingerprint(std::string(9, '\0')));
  CHECK(seen.size() == 40 + 41 + 2);
}
