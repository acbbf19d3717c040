#include "content/binary_io.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <filesystem>

namespace casebook::content {

namespace {
constexpr size_t kBufferSize = 1 << 20;
constexpr uint32_t kTrailerMarker = 0x54524c52;  // "RLRT"
constexpr size_t kMaxParts = 64;

uint64_t Load64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

uint32_t Load32(const unsigned char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}

struct Part {
  uint64_t begin = 0, end = 0, sum = 0;
};

// The parts listed in the trailer of an open file of `size` bytes; empty
// when the trailer is missing or inconsistent.
std::vector<Part> ReadTrailer(std::FILE* f, uint64_t size) {
  unsigned char tail[8];
  if (size < 8 || std::fseek(f, static_cast<long>(size - 8), SEEK_SET) != 0 ||
      std::fread(tail, 1, 8, f) != 8 || Load32(tail + 4) != kTrailerMarker)
    return {};
  const uint32_t n = Load32(tail);
  if (n == 0 || n > kMaxParts || size < 8 + 16ULL * n) return {};
  const uint64_t table_at = size - 8 - 16ULL * n;
  std::vector<unsigned char> table(16 * n);
  if (std::fseek(f, static_cast<long>(table_at), SEEK_SET) != 0 ||
      std::fread(table.data(), 1, table.size(), f) != table.size())
    return {};
  std::vector<Part> parts(n);
  for (uint32_t i = 0; i < n; ++i) {
    parts[i].begin = Load64(&table[16 * i]);
    parts[i].sum = Load64(&table[16 * i + 8]);
  }
  for (uint32_t i = 0; i < n; ++i) {
    parts[i].end = i + 1 < n ? parts[i + 1].begin : table_at;
    if (parts[i].begin > parts[i].end || (i == 0 && parts[i].begin != 0)) return {};
  }
  return parts;
}

}  // namespace

// Each lane: xor a word in, multiply by an odd constant, xor-shift: each
// step is a bijection of the lane for a given word, so a changed word
// always leaves the lane different at that point.
void PartSum::Block(const unsigned char* p) {
  for (int k = 0; k < 4; ++k) {
    uint64_t w;
    std::memcpy(&w, p + 8 * k, 8);
    uint64_t h = (lanes_[k] ^ w) * 0x9fb21c651e98df25ULL;
    lanes_[k] = h ^ (h >> 29);
  }
}

void PartSum::Add(const void* data, size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  total_ += size;
  if (pending_size_ > 0) {  // finish a partial block first
    const size_t n = std::min(size, sizeof pending_ - pending_size_);
    std::memcpy(pending_ + pending_size_, p, n);
    pending_size_ += n;
    p += n;
    size -= n;
    if (pending_size_ < sizeof pending_) return;
    Block(pending_);
    pending_size_ = 0;
  }
  for (; size >= sizeof pending_; size -= sizeof pending_, p += sizeof pending_) Block(p);
  std::memcpy(pending_, p, size);
  pending_size_ = size;
}

uint64_t PartSum::Finish() const {
  unsigned char tail[sizeof pending_] = {};
  std::memcpy(tail, pending_, pending_size_);
  PartSum last = *this;
  if (pending_size_ > 0) last.Block(tail);
  uint64_t h = util::MixBits(total_);
  for (uint64_t lane : last.lanes_) h = util::MixBits(h ^ lane) + 0x9e3779b97f4a7c15ULL;
  return h;
}

BinaryWriter::BinaryWriter(const std::string& path) : path_(path) {
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  tmp_ = path + "." + std::to_string(static_cast<long>(::getpid())) + ".tmp";
  file_ = std::fopen(tmp_.c_str(), "wb");
  ok_ = file_ != nullptr;
  if (ok_) buffer_.resize(kBufferSize);
}

BinaryWriter::BinaryWriter(DigestOnly) : ok_(true) { buffer_.resize(4096); }

std::string BinaryWriter::Digest() {
  Flush();
  return digest_.Hex();
}

BinaryWriter::~BinaryWriter() {
  if (file_) {
    std::fclose(file_);
    std::remove(tmp_.c_str());
  }
}

void BinaryWriter::Flush() {
  if (!ok_ || used_ == 0) return;
  if (file_)
    sum_.Add(buffer_.data(), used_);  // whole buffers: the fast path
  else
    digest_.AddBytes(buffer_.data(), used_);
  if (file_ && std::fwrite(buffer_.data(), 1, used_, file_) != used_) ok_ = false;
  written_ += used_;
  used_ = 0;
}

void BinaryWriter::Bytes(const void* data, size_t size) {
  if (!ok_) return;
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    if (used_ == buffer_.size()) {
      Flush();
      if (!ok_) return;
    }
    size_t n = std::min(size, buffer_.size() - used_);
    std::memcpy(buffer_.data() + used_, p, n);
    used_ += n;
    p += n;
    size -= n;
  }
}

void BinaryWriter::U32(uint32_t v) {
  unsigned char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  Bytes(b, 4);
}

void BinaryWriter::I64(int64_t v) {
  unsigned char b[8];
  uint64_t u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(u >> (8 * i));
  Bytes(b, 8);
}

void BinaryWriter::F64(double v) {
  int64_t bits;
  static_assert(sizeof bits == sizeof v);
  std::memcpy(&bits, &v, sizeof v);
  I64(bits);
}

void BinaryWriter::Str(std::string_view s) {
  if (s.size() > UINT32_MAX) {
    ok_ = false;
    return;
  }
  U32(static_cast<uint32_t>(s.size()));
  Bytes(s.data(), s.size());
}

void BinaryWriter::NewPart() {
  Flush();
  part_begins_.push_back(part_begin_);
  part_sums_.push_back(sum_.Finish());
  sum_ = PartSum();
  part_begin_ = written_;
}

bool BinaryWriter::Commit() {
  if (!file_) return false;
  NewPart();  // ends the last part
  for (size_t i = 0; i < part_begins_.size(); ++i) {
    I64(static_cast<int64_t>(part_begins_[i]));
    I64(static_cast<int64_t>(part_sums_[i]));
  }
  U32(static_cast<uint32_t>(part_begins_.size()));
  U32(kTrailerMarker);
  Flush();
  if (std::fclose(file_) != 0) ok_ = false;
  file_ = nullptr;
  if (ok_ && std::rename(tmp_.c_str(), path_.c_str()) != 0) ok_ = false;
  if (!ok_) std::remove(tmp_.c_str());
  return ok_;
}

BinaryReader::BinaryReader(const std::string& path, size_t part) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) return;
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return;
  std::vector<Part> parts = ReadTrailer(file_, size);
  if (part >= parts.size()) return;
  if (std::fseek(file_, static_cast<long>(parts[part].begin), SEEK_SET) != 0) return;
  remaining_ = unread_ = parts[part].end - parts[part].begin;
  want_sum_ = parts[part].sum;
  buffer_.resize(kBufferSize);
  ok_ = true;
}

size_t BinaryReader::Parts(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return 0;
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  size_t n = ec ? 0 : ReadTrailer(f, size).size();
  std::fclose(f);
  return n;
}

BinaryReader::~BinaryReader() {
  if (file_) std::fclose(file_);
}

bool BinaryReader::Fill() {
  if (!ok_) return false;
  size_t keep = end_ - pos_;
  std::memmove(buffer_.data(), buffer_.data() + pos_, keep);
  pos_ = 0;
  end_ = keep;
  size_t want = static_cast<size_t>(std::min<uint64_t>(buffer_.size() - end_, unread_));
  size_t n = want == 0 ? 0 : std::fread(buffer_.data() + end_, 1, want, file_);
  sum_.Add(buffer_.data() + end_, n);  // whole buffers: the fast path
  unread_ -= n;
  end_ += n;
  return n > 0;
}

bool BinaryReader::BytesSlow(void* data, size_t size) {
  if (!ok_ || size > remaining_) return ok_ = false;
  char* out = static_cast<char*>(data);
  while (size > 0) {
    if (pos_ == end_ && !Fill()) return ok_ = false;
    size_t n = std::min(size, end_ - pos_);
    std::memcpy(out, buffer_.data() + pos_, n);
    pos_ += n;
    out += n;
    size -= n;
    remaining_ -= n;
  }
  return true;
}

bool BinaryReader::Skip(size_t size) {
  if (!ok_ || size > remaining_) return ok_ = false;
  while (size > 0) {
    if (pos_ == end_ && !Fill()) return ok_ = false;
    size_t n = std::min(size, end_ - pos_);
    pos_ += n;
    size -= n;
    remaining_ -= n;
  }
  return true;
}

bool BinaryReader::U32(uint32_t* v) {
  unsigned char b[4];
  if (!Bytes(b, 4)) return false;
  *v = 0;
  for (int i = 0; i < 4; ++i) *v |= static_cast<uint32_t>(b[i]) << (8 * i);
  return true;
}

bool BinaryReader::I64(int64_t* v) {
  unsigned char b[8];
  if (!Bytes(b, 8)) return false;
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u |= static_cast<uint64_t>(b[i]) << (8 * i);
  *v = static_cast<int64_t>(u);
  return true;
}

bool BinaryReader::F64(double* v) {
  int64_t bits;
  if (!I64(&bits)) return false;
  std::memcpy(v, &bits, sizeof *v);
  return true;
}

bool BinaryReader::Int(int* v) {
  int64_t x;
  if (!I64(&x)) return false;
  if (x < INT_MIN || x > INT_MAX) return ok_ = false;
  *v = static_cast<int>(x);
  return true;
}

bool BinaryReader::Bool(bool* v) {
  uint8_t b;
  if (!U8(&b)) return false;
  if (b > 1) return ok_ = false;
  *v = b == 1;
  return true;
}

bool BinaryReader::Str(std::string* s) {
  uint32_t n;
  if (!U32(&n)) return false;
  if (n > remaining_) return ok_ = false;
  if (ok_ && n <= end_ - pos_) {  // in the buffer: one copy, no zero fill
    // A string that must grow is made at its exact size (assign would
    // round it up, and model::ShrinkToFit would then copy it again).
    if (n > s->capacity())
      *s = std::string(buffer_.data() + pos_, n);
    else
      s->assign(buffer_.data() + pos_, n);
    pos_ += n;
    remaining_ -= n;
    return true;
  }
  s->resize(n);
  return Bytes(s->data(), n);
}

bool BinaryReader::Count(uint32_t* n, size_t min_item_bytes) {
  if (!U32(n)) return false;
  if (min_item_bytes > 0 && *n > remaining_ / min_item_bytes) return ok_ = false;
  return true;
}

bool BinaryReader::VerifyEnd() {
  if (!ok_ || remaining_ != 0 || unread_ != 0) return ok_ = false;
  return sum_.Finish() == want_sum_;
}

void BinaryWriter::Strs(const std::vector<std::string>& v) {
  U32(static_cast<uint32_t>(v.size()));
  for (const auto& s : v) Str(s);
}

bool BinaryReader::Strs(std::vector<std::string>* v) {
  uint32_t n;
  if (!Count(&n, 4)) return false;
  v->resize(n);
  for (auto& s : *v)
    if (!Str(&s)) return false;
  return true;
}

}  // namespace casebook::content
