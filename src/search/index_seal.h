// Internal to src/search: a seal on each version of the index, so a damaged
// index is noticed before it is used. After every write a build records,
// in <version>/casebook.seal, each file's size, mtime, inode and content
// hash, with a checksum of the seal itself. Before the next update the
// files are compared with it: a file whose size, mtime or inode differ
// (a restored copy, say) is read and trusted again when its bytes hash to
// the recorded content (and the seal is renewed); anything else (bytes
// changed behind casebook's back, a file missing or added, no or a damaged
// seal) means the version is not used: the build writes a new version from
// scratch and says so. Xapian has no checksums of its own, so without this
// a flipped byte could go unnoticed, or fail every build.
#pragma once

#include <string>

namespace casebook::search {

/// Writes the seal of the version folder `version_dir`. Best effort (a
/// version without a seal is rebuilt by the next build).
bool SealVersion(const std::string& version_dir);

/// True when `version_dir` is exactly what the last build sealed; else
/// false with `why` (a sentence naming the file).
bool CheckSeal(const std::string& version_dir, std::string* why);

}  // namespace casebook::search
