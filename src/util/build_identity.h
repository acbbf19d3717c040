// BuildIdentity: which casebook binary is running, for cache keys.
//
// The version alone is not enough: development builds are all "dev", and a
// change of code or of a default (a page size, a template helper) must not
// let the next build reuse output the old binary made. So the identity is the
// version plus the executable's GNU build-id (a hash the linker writes over
// the code), read from memory in O(1); without a build-id, a fingerprint of
// the executable file; without that, the version alone.
#pragma once

#include <string>

namespace casebook::util {

/// "<version>+<hex>", computed once per process. Thread-safe.
const std::string& BuildIdentity();

}  // namespace casebook::util
