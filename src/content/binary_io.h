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
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/hash.h"
#include "util/parallel.h"

namespace casebook::content {

/// A part's checksum: catches a damaged cache file (a flipped bit, a torn
/// write), not tampering. Four independent 64-bit lanes over 32-byte
/// blocks, so hashing keeps up with reading: every build checksums each
/// cache it reads whole (hundreds of MB at 100,000 postmortems), and
/// util::StreamHash's two chained lanes (a content hash, kept for
/// Digest) were a visible part of that.
class PartSum {
 public:
  void Add(const void* data, size_t size);
  uint64_t Finish() const;

 private:
  void Block(const unsigned char* p);
  uint64_t lanes_[4] = {0x9e3779b97f4a7c15ULL, 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL,
                        0x7f4a7c159e3779b9ULL};
  unsigned char pending_[32];
  size_t pending_size_ = 0;
  uint64_t total_ = 0;
};

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
  PartSum sum_;             // checksum of the current part (a file)
  util::StreamHash digest_;  // a DigestOnly writer's hash
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
  PartSum sum_;  // checksum of the current part
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
  // Every part's count first (part 0's after its header), so that each
  // part's records are read straight into their places in `out`: no vector
  // per part whose records are then moved (at 100,000 records, a second
  // copy of every record's fixed part and its page faults).
  std::vector<std::unique_ptr<BinaryReader>> in(parts);
  std::vector<uint32_t> counts(parts, 0);
  std::vector<char> ok(parts, 0);
  util::ParallelFor(parts, jobs, [&](size_t part) {
    in[part] = std::make_unique<BinaryReader>(path, part);
    ok[part] = in[part]->ok() && (part > 0 || read_header(*in[part])) &&
               in[part]->Count(&counts[part], min_record_bytes);
  });
  for (char good : ok)
    if (!good) return false;
  const size_t before = out->size();
  std::vector<size_t> begin(parts, before);
  for (size_t part = 1; part < parts; ++part) begin[part] = begin[part - 1] + counts[part - 1];
  out->resize(begin[parts - 1] + counts[parts - 1]);
  util::ParallelFor(parts, jobs, [&](size_t part) {
    BinaryReader& reader = *in[part];
    ok[part] = 0;
    for (size_t i = begin[part], end = i + counts[part]; i < end; ++i)
      if (!read_record(reader, &(*out)[i])) return;
    uint32_t marker;
    ok[part] = reader.U32(&marker) && marker == end_marker && reader.VerifyEnd();
  });
  for (char good : ok) {
    if (!good) {
      out->erase(out->begin() + static_cast<std::ptrdiff_t>(before), out->end());
      return false;
    }
  }
  return true;
}

}  // namespace casebook::content
