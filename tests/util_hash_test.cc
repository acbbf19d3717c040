// Fingerprint: the build caches' content hash.
#include <catch2/catch.hpp>

#include <cstdio>
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

TEST_CASE("Fingerprint and StreamHash::Hex keep their digits (caches and keys already written)") {
  // Values from the snprintf("%016llx%016llx") formatting they replaced:
  // every cache and published key written before holds these digits.
  CHECK(Fingerprint("") == "9ca066f1a4ab2eeaefd01f60ba992926");
  CHECK(Fingerprint("casebook") == "b2600411333b94695c675e158a18950d");
  CHECK(Fingerprint("a postmortem's key, longer than a word") == "bade6557454a57c59ee6493945ca7dfd");
  casebook::util::StreamHash h;
  h.AddString("casebook");
  h.AddInt(42);
  CHECK(h.Hex() == "634bc47bfa8a81e58c08c3e4d9dc6784");
  // Hex is Finish's two words, high digits first, leading zeros kept.
  uint64_t words[2];
  h.Finish(words);
  char printed[33];
  std::snprintf(printed, sizeof printed, "%016llx%016llx", static_cast<unsigned long long>(words[0]),
                static_cast<unsigned long long>(words[1]));
  CHECK(h.Hex() == printed);
}
