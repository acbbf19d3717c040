// Binary cache files: a buffered writer that writes a temporary file and
// renames it into place (a reader never sees half a file); and a buffered
// reader whose every read is bounds-checked, so a truncated or corrupt file
// only makes reads fail (ok() false), never crash or allocate wildly.
//
// A file is one or more parts (NewPart()), each readable on its own (by its
// own thread), and ends with a trailer: each part's offset and checksum, the
// number of parts and a marker. VerifyEnd() checks that a part was read to
// its end and that its bytes are the ones written.
//
// Used by the build caches (content/load_cache.cc, model/render_cache.cc).
// Integers are little-endian fixed width; strings are a u32 length and the
// bytes. Files are streamed through a 1 MB buffer, never held whole.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "util/hash.h"
#include "util/parallel.h"

namespace casebook::content {

class BinaryWriter {
 public:
  /// Starts writing `path` (through "path.<pid>.tmp"); ok() false on failure.
  explicit BinaryWriter(const std::string& path);
  /// Writes nowhere: only hashes what is written (see Digest).
  struct DigestOnly {};
  explicit BinaryWriter(DigestOnly);
  ~BinaryWriter();  // abandons the temporary file unless Commit() ran
  BinaryWriter(const BinaryWriter&) = delete;
  BinaryWriter& operator=(const BinaryWriter&) = delete;

  void U8(uint8_t v) { Bytes(&v, 1); }
  void U32(uint32_t v);
  void I64(int64_t v);
  void F64(double v);
  void Str(std::string_view s);
  void Strs(const std::vector<std::string>& v);  // a count, then each string
  void Bytes(const void* data, size_t size);

  /// Ends the current part and starts another.
  void NewPart();
  /// Writes the trailer, flushes and renames the file into place. false
  /// (file removed) on error.
  bool Commit();
  bool ok() const { return ok_; }
  /// A DigestOnly writer: the hash of everything written (32 hex digits).
  std::string Digest();

 private:
  void Flush();
  std::string path_, tmp_;
  std::FILE* file_ = nullptr;
  std::vector<char> buffer_;
  size_t used_ = 0;
  bool ok_ = false;
  util::StreamHash sum_;  // checksum of the current part
  uint64_t written_ = 0, part_begin_ = 0;
  std::vector<uint64_t> part_begins_, part_sums_;
};

class BinaryReader {
 public:
  /// Opens part `part` of `path`; ok() false when it cannot be read.
  explicit BinaryReader(const std::string& path, size_t part = 0);
  /// The number of parts of the file at `path`; 0 when it has no valid trailer.
  static size_t Parts(const std::string& path);
  ~BinaryReader();
  BinaryReader(const BinaryReader&) = delete;
  BinaryReader& operator=(const BinaryReader&) = delete;

  // Each returns false (and ok() becomes false for good) on a short read.
  bool U8(uint8_t* v) { return Bytes(v, 1); }
  bool U32(uint32_t* v);
  bool I64(int64_t* v);
  bool F64(double* v);
  bool Int(int* v);  // an I64 that must fit an int
  bool Bool(bool* v);
  bool Str(std::string* s);
  bool Strs(std::vector<std::string>* v);
  bool Skip(size_t size);
  /// Inline when the bytes are in the buffer (nearly every read: a cache
  /// holds millions of short fields).
  bool Bytes(void* data, size_t size) {
    if (ok_ && size <= end_ - pos_) {
      std::memcpy(data, buffer_.data() + pos_, size);
      pos_ += size;
      remaining_ -= size;
      return true;
    }
    return BytesSlow(data, size);
  }
  /// A count of items each at least `min_item_bytes` long: fails when the
  /// rest of the file could not hold that many (a corrupt count).
  bool Count(uint32_t* n, size_t min_item_bytes = 1);
  bool ok() const { return ok_; }
  /// true when the whole part was read and its checksum matches.
  bool VerifyEnd();

 private:
  bool Fill();
  bool BytesSlow(void* data, size_t size);
  std::FILE* file_ = nullptr;
  std::vector<char> buffer_;
  size_t pos_ = 0, end_ = 0;
  uint64_t remaining_ = 0;  // bytes of the part not yet consumed
  uint64_t unread_ = 0;     // bytes of the part not yet read from the file
  uint64_t want_sum_ = 0;
  bool ok_ = false;
  util::StreamHash sum_;  // checksum of the current part
};

/// Reads a file whose every part is a record count, the records and
/// `end_marker` (part 0 starts with a header `read_header` checks), each
/// part on its own thread (up to `jobs`), and appends the records to `out`
/// in file order. False (nothing appended) when the file does not have
/// `parts` parts or any part is unusable. Records are at least
/// `min_record_bytes` long (a corrupt count fails before allocating).
template <typename Record, typename ReadHeader, typename ReadRecord>
bool ReadRecordParts(const std::string& path, size_t parts, int jobs, size_t min_record_bytes,
                     uint32_t end_marker, const ReadHeader& read_header,
                     const ReadRecord& read_record, std::vector<Record>* out) {
  if (BinaryReader::Parts(path) != parts) return false;
  std::vector<std::vector<Record>> read(parts);
  std::vector<char> ok(parts, 0);
  util::ParallelFor(parts, jobs, [&](size_t part) {
    BinaryReader in(path, part);
    uint32_t count, marker;
    if (!in.ok() || (part == 0 && !read_header(in)) || !in.Count(&count, min_record_bytes)) return;
    read[part].resize(count);
    for (auto& record : read[part])
      if (!read_record(in, &record)) return;
    ok[part] = in.U32(&marker) && marker == end_marker && in.VerifyEnd();
  });
  for (char good : ok)
    if (!good) return false;
  // Reserved, so the records are moved once (growing by doubling would
  // hold up to three copies of every record's fixed part at once).
  size_t total = out->size();
  for (const auto& part : read) total += part.size();
  out->reserve(total);
  for (auto& part : read) {
    for (auto& record : part) out->push_back(std::move(record));
    std::vector<Record>().swap(part);
  }
  return true;
}

}  // namespace casebook::content
