// The loader's build cache: what each source file parsed into last time, so
// an unchanged file is neither read again nor parsed (internal to loader.cc).
//
// One binary file, <cache_dir>/content-<hash of the source folder>, records
// in path order in two checksummed halves read on two threads, written
// whole, atomically (write, then rename), when anything changed. It starts
// with a magic line, a format version, the casebook version and the inputs
// every document depends on besides its own bytes and path (the source
// folder as named, which is in every diagnostic, and the site timezone);
// when any differs, or the file is truncated or corrupt, it is ignored.
//
// Each record: relative path, size, mtime (ns), the Fingerprint of the
// bytes, whether the file loaded, the diagnostics parsing it gave (replayed
// on every build, so warnings never disappear on a rebuild) and the parsed
// Document without its Markdown body (the bulk of a file: it is read from
// the file only when needed, see LoadOptions::bodies and ReadBody). A file whose size and mtime match is taken as is; otherwise it is
// read and hashed, and a matching hash still saves the parse. A file changed
// less than two seconds before it was read is stored with mtime 0 ("racy",
// as git does), so a same-size edit within one timestamp tick is re-hashed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "content/binary_io.h"
#include "content/document.h"
#include "util/diagnostics.h"

namespace casebook::content::internal {

/// What a record knows of its file.
struct CachedStat {
  std::string relative;
  int64_t size = 0;
  int64_t mtime_ns = 0;  // 0: racy, always re-hash
  std::string hash;      // util::Fingerprint of the bytes
};

struct CachedFile : CachedStat {
  bool ok = false;       // ParseDocument's result
  util::Diagnostics diags;
  Document doc;          // when ok; path and body not stored
};

/// <cache_dir>/content-<16 hex digits of the source folder's Fingerprint>.
std::string LoadCachePath(const std::string& cache_dir, const config::SiteConfig& cfg);

/// Reads a cache written for the same source folder, timezone and casebook
/// version: every record, in path order (its two halves on up to `jobs`
/// threads). false (and `out` empty) when the file is absent, stale,
/// truncated or corrupt.
bool ReadLoadCache(const std::string& path, const config::SiteConfig& cfg, int jobs,
                   std::vector<CachedFile>* out);

/// The same read without a vector of every record: each record is handed
/// to `take(part, record)` as soon as it is read, on the thread reading its
/// part (up to `jobs` at once; a part's records in path order, each path
/// at most once in the file). false when the file is absent, stale,
/// truncated or corrupt, or its paths are out of order: then what `take`
/// was given must not be used.
bool ReadLoadCacheEach(const std::string& path, const config::SiteConfig& cfg, int jobs,
                       const std::function<void(size_t part, CachedFile&& record)>& take);

/// Writes `count` records (Add them in path order), then Commit().
class LoadCacheWriter {
 public:
  LoadCacheWriter(const std::string& path, const config::SiteConfig& cfg, uint32_t count);
  void Add(const CachedStat& file, const Document* doc, const util::Diagnostics& diags);
  bool Commit();

 private:
  void EndPartIfDue();
  BinaryWriter out_;
  uint32_t count_ = 0, first_ = 0, added_ = 0;
};

// Serialisation shared with the model's cache.
/// The header both build caches start with: `magic`, `format`, the casebook
/// version, the source folder and the site's time zone. A cache whose
/// header differs is not used.
void WriteCacheHeader(BinaryWriter& out, std::string_view magic, uint32_t format,
                      const config::SiteConfig& cfg);
bool ReadCacheHeader(BinaryReader& in, std::string_view magic, uint32_t format,
                     const config::SiteConfig& cfg);
void WriteDateTime(BinaryWriter& out, const util::DateTime& t);
bool ReadDateTime(BinaryReader& in, util::DateTime* t);
void WriteDiagnostics(BinaryWriter& out, const util::Diagnostics& diags);
bool ReadDiagnostics(BinaryReader& in, util::Diagnostics* diags);
/// Every field but path, source_hash and body (the Markdown: never
/// cached); without the front matter's line map when `with_key_lines` is
/// false. ReadDocument leaves `body` empty.
void WriteDocument(BinaryWriter& out, const Document& doc, bool with_key_lines = true);
bool ReadDocument(BinaryReader& in, Document* doc);

}  // namespace casebook::content::internal
