// Fragment tables (fragments.h). A table is one line of text, then the
// records:
//   "casebook-fragments 1 <file key> <file size> <count> <records' hash>\n"
//   count x (key: 2 x u64, offset: u64, size: u32), little-endian
#include "render/fragments.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <sstream>

#include "util/fs.h"

namespace casebook::render {
namespace {

constexpr char kMagic[] = "casebook-fragments 1";
constexpr size_t kRecordBytes = 16 + 8 + 4;

}  // namespace

std::unique_ptr<PublishedFragments> PublishedFragments::Open(const std::string& table_path,
                                                             const std::string& file_path,
                                                             const std::string& file_key) {
  if (file_key.empty()) return nullptr;
  auto text = util::ReadFile(table_path, nullptr);
  if (!text) return nullptr;
  const size_t eol = text->find('\n');
  if (eol == std::string::npos) return nullptr;
  std::istringstream header(text->substr(0, eol));
  std::string magic, version, key, hash;
  uint64_t file_size = 0, count = 0;
  header >> magic >> version >> key >> file_size >> count >> hash;
  if (!header || magic + " " + version != kMagic || key != file_key) return nullptr;
  const std::string_view records(text->data() + eol + 1, text->size() - eol - 1);
  // (count compared by division: a damaged count cannot wrap into a match)
  if (records.size() % kRecordBytes != 0 || count != records.size() / kRecordBytes ||
      util::Fingerprint(records) != hash)
    return nullptr;

  const int fd = ::open(file_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != file_size ||
      file_size == 0) {
    ::close(fd);
    return nullptr;
  }
  void* map = ::mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return nullptr;
  ::madvise(map, file_size, MADV_SEQUENTIAL);
  std::unique_ptr<PublishedFragments> out(new PublishedFragments());
  out->data_ = static_cast<const char*>(map);
  out->size_ = file_size;
  out->places_.reserve(count);
  for (size_t r = 0; r < count; ++r) {
    const char* p = records.data() + r * kRecordBytes;
    FragmentKey k;
    Place place;
    std::memcpy(k.v, p, 16);
    std::memcpy(&place.offset, p + 16, 8);
    std::memcpy(&place.size, p + 24, 4);
    if (place.offset > file_size || place.size > file_size - place.offset) return nullptr;
    out->places_.emplace(k, place);
  }
  return out;
}

PublishedFragments::~PublishedFragments() {
  if (data_) ::munmap(const_cast<char*>(data_), size_);
}

bool PublishedFragments::Find(const FragmentKey& key, std::string_view* bytes) const {
  auto it = places_.find(key);
  if (it == places_.end()) return false;
  *bytes = std::string_view(data_ + it->second.offset, it->second.size);
  found_++;
  return true;
}

void PublishedFragments::Release() const {
  if (data_) ::madvise(const_cast<char*>(data_), size_, MADV_DONTNEED);
}

void FragmentTable::Add(const FragmentKey& key, uint64_t offset, size_t size) {
  char record[kRecordBytes];
  const uint32_t size32 = static_cast<uint32_t>(size);
  std::memcpy(record, key.v, 16);
  std::memcpy(record + 16, &offset, 8);
  std::memcpy(record + 24, &size32, 4);
  records_.append(record, kRecordBytes);
  ++count_;
}

bool FragmentTable::Save(const std::string& table_path, const std::string& file_key,
                         uint64_t file_size) const {
  std::string text = std::string(kMagic) + " " + file_key + " " + std::to_string(file_size) + " " +
                     std::to_string(count_) + " " + util::Fingerprint(records_) + "\n";
  text += records_;
  return util::WriteFile(table_path, text, nullptr);  // (a temporary file renamed)
}

}  // namespace casebook::render
