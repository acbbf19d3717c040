// BuildIdentity: the running binary's identity for cache keys.
#include <catch2/catch.hpp>

#include <cctype>
#include <fstream>
#include <iterator>
#include <string>

#include "util/build_identity.h"

using casebook::util::BuildIdentity;

namespace {

// The bytes of a hex string, or "" when it is not one.
std::string Unhex(const std::string& hex) {
  if (hex.size() % 2) return "";
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (!std::isxdigit(static_cast<unsigned char>(hex[i])) ||
        !std::isxdigit(static_cast<unsigned char>(hex[i + 1])))
      return "";
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

}  // namespace

TEST_CASE("BuildIdentity: the version, then this executable's build-id found in its own file") {
  const std::string& id = BuildIdentity();
  CHECK(&id == &BuildIdentity());  // computed once
  auto plus = id.find('+');
  REQUIRE(plus != std::string::npos);
  CHECK(plus > 0);  // the version comes first
  std::string bytes = Unhex(id.substr(plus + 1));
  // GCC and Clang on Debian link with a build-id (20 bytes of SHA-1); the
  // fallback is a 16-byte Fingerprint of the file. Either way the bytes
  // must come from this very executable, not be a constant.
  REQUIRE(bytes.size() >= 16);
  std::ifstream exe("/proc/self/exe", std::ios::binary);
  std::string file((std::istreambuf_iterator<char>(exe)), std::istreambuf_iterator<char>());
  if (bytes.size() == 20) CHECK(file.find(bytes) != std::string::npos);
}
