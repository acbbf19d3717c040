// Internal to src/search: a seal on each version of the index, so a damaged
// index is noticed before it is used. Xapian has no checksums of its own, so
// without this a flipped byte could go unnoticed, or fail every build.
//
// <version>/casebook.seal records each file's size, mtime and content hash,
// with a checksum of the seal itself. Before the next update the files are
// compared with it: a file with the sealed size and mtime is trusted (the
// file system says nobody wrote to it; a copy that keeps times, cp -a or
// rsync -a, counts as the file); one whose size or mtime differ (a copy
// that did not keep them) is read and trusted again when its bytes hash to
// the sealed content (and the seal is renewed). Anything else (bytes changed
// behind casebook's back, a file missing or added, no or a damaged seal)
// means the version is not used: the build writes a new one from scratch
// and says so.
//
// Cost: sealing a new version reads it once (the build wrote all of it
// anyway). An update in place re-seals by stat alone, so a one-file edit
// costs O(files) here, not O(index size): the files it changed are sealed
// without a content hash, and only the size+mtime check vouches for them
// until the next new version.
#pragma once

#include <string>

namespace casebook::search {

/// Writes the seal of the version folder `version_dir`, hashing every file.
/// For a version just written in full. Best effort (a version without a
/// seal is rebuilt by the next build).
bool SealVersion(const std::string& version_dir);

/// Renews the seal of `version_dir` after an update in place (which follows
/// a successful CheckSeal): files with the sealed size and mtime keep their
/// content hash, the others are recorded without one. Only stats the files.
bool ResealVersion(const std::string& version_dir);

/// True when `version_dir` is exactly what the last build sealed; else
/// false with `why` (a sentence naming the file).
bool CheckSeal(const std::string& version_dir, std::string* why);

}  // namespace casebook::search
