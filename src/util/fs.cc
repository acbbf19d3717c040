#include "util/fs.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/confine.h"

namespace fs = std::filesystem;

namespace casebook::util {

std::optional<std::string> ReadFile(const std::string& path, std::string* error) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (error) *error = path + ": is a folder, not a file";
    return std::nullopt;
  }
  // One allocation of the file's size and read(2) straight into it (a
  // stream into an ostringstream copied a 67 MB cache three times over).
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (error) *error = path + ": cannot open: " + std::strerror(errno);
    return std::nullopt;
  }
  struct stat st;
  std::string out;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
    out.resize(static_cast<size_t>(st.st_size));
  size_t used = 0;
  char more[64 * 1024];  // past the size fstat gave (a file that grew, a pipe)
  while (true) {
    const bool room = used < out.size();
    const ssize_t got = room ? read(fd, out.data() + used, out.size() - used)
                             : read(fd, more, sizeof more);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int saved = errno;
      close(fd);
      if (error) *error = path + ": read error: " + std::strerror(saved);
      return std::nullopt;
    }
    if (got == 0) break;  // the end
    if (!room) out.append(more, static_cast<size_t>(got));
    used += static_cast<size_t>(got);
  }
  close(fd);
  out.resize(used);  // (a file that shrank meanwhile)
  return out;
}

bool WriteFile(const std::string& path, const std::string& content,
               std::string* error) {
  std::error_code ec;
  fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      if (error) *error = tmp + ": cannot write: " + std::strerror(errno);
      return false;
    }
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out.flush()) {
      if (error) *error = tmp + ": write failed (disk full?)";
      return false;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    if (error) *error = path + ": cannot rename into place: " + ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

MappedFile::MappedFile(const std::string& path, std::string* error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (error) *error = path + ": cannot open: " + std::strerror(errno);
    return;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (error) *error = path + ": not a regular file";
    close(fd);
    return;
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size > 0) {
    // Populated at once: its callers read every byte, and one call maps
    // the pages the page cache holds without a fault per few pages.
    void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (map == MAP_FAILED) {
      if (error) *error = path + ": cannot map: " + std::strerror(errno);
      close(fd);
      return;
    }
    data_ = static_cast<const char*>(map);
    size_ = size;
  }
  close(fd);  // the mapping keeps the file
  ok_ = true;
}

MappedFile::~MappedFile() { Unmap(); }

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(other.data_), size_(other.size_), ok_(other.ok_) {
  other.data_ = nullptr;
  other.size_ = 0;
  other.ok_ = false;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    Unmap();
    data_ = other.data_;
    size_ = other.size_;
    ok_ = other.ok_;
    other.data_ = nullptr;
    other.size_ = 0;
    other.ok_ = false;
  }
  return *this;
}

void MappedFile::Unmap() {
  if (data_) munmap(const_cast<char*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
  ok_ = false;
}

bool WriteFileIfChanged(const std::string& path, const std::string& content,
                        bool* changed, std::string* error) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec) &&
      fs::file_size(path, ec) == content.size()) {
    auto old = ReadFile(path, nullptr);
    if (old && *old == content) {
      if (changed) *changed = false;
      return true;
    }
  }
  if (changed) *changed = true;
  return WriteFile(path, content, error);
}

namespace {

// `dir_rel` is `dir` relative to the walk root ("" for the root). Relative
// paths are built as strings: fs::relative canonicalises every component,
// one readlink() each, which dominated the walk of a large archive.
void Walk(const fs::path& dir, const std::string& dir_rel, const std::string& ext,
          const std::vector<std::string>* roots, std::set<std::string>* seen_dirs,
          WalkResult* result) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  if (ec) {
    result->skipped.push_back((dir_rel.empty() ? "." : dir_rel) + ": cannot read folder");
    return;
  }
  std::vector<fs::directory_entry> entries;
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    entries.push_back(*it);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path() < b.path(); });
  for (const auto& entry : entries) {
    const fs::path& p = entry.path();
    std::string name = p.filename().string();
    std::string rel = dir_rel.empty() ? name : dir_rel + "/" + name;
    if (!name.empty() && name[0] == '.') {
      result->skipped.push_back(rel + ": hidden");
      continue;
    }
    // Only links can leave: a plain entry of a folder inside is inside.
    if (roots && entry.is_symlink(ec)) {
      if (auto target = ResolvesOutside(p.string(), *roots)) {
        const bool wanted = entry.is_directory(ec) ||
                            (name.size() > ext.size() &&
                             name.compare(name.size() - ext.size(), ext.size(), ext) == 0);
        if (wanted) {  // would have been read: the caller reports it
          result->outside.push_back({p.string(), rel});
          result->outside_targets.push_back(*target);
        } else {
          result->skipped.push_back(rel + ": not a " + ext + " file (a link out of the site)");
        }
        continue;
      }
    }
    if (entry.is_directory(ec)) {
      fs::path canon = fs::canonical(p, ec);
      if (ec) {
        result->skipped.push_back(rel + ": broken link");
        continue;
      }
      if (!seen_dirs->insert(canon.string()).second) {
        result->skipped.push_back(rel + ": symlink loop or folder already read");
        continue;
      }
      Walk(p, rel, ext, roots, seen_dirs, result);
    } else if (entry.is_regular_file(ec)) {
      if (name.size() > ext.size() &&
          name.compare(name.size() - ext.size(), ext.size(), ext) == 0) {
        result->files.push_back({p.string(), rel});
      } else {
        result->skipped.push_back(rel + ": not a " + ext + " file");
      }
    } else {
      result->skipped.push_back(rel + ": not a regular file");
    }
  }
}

}  // namespace

WalkResult WalkFiles(const std::string& root, const std::string& extension,
                     const std::vector<std::string>* roots) {
  WalkResult result;
  std::set<std::string> seen;
  std::error_code ec;
  fs::path canon = fs::canonical(root, ec);
  if (ec) return result;
  if (roots) {
    if (auto target = ResolvesOutside(root, *roots)) {
      result.outside.push_back({root, "."});
      result.outside_targets.push_back(*target);
      return result;
    }
  }
  seen.insert(canon.string());
  Walk(fs::path(root), "", extension, roots, &seen, &result);
  std::sort(result.files.begin(), result.files.end(),
            [](const WalkEntry& a, const WalkEntry& b) { return a.relative < b.relative; });
  return result;
}

bool IsDirectory(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

bool IsRegularFile(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

bool MakeDirs(const std::string& path, std::string* error) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec && !fs::is_directory(path)) {
    if (error) *error = path + ": cannot create folder: " + ec.message();
    return false;
  }
  return true;
}

bool RemoveAll(const std::string& path, std::string* error) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) {
    if (error) *error = path + ": cannot remove: " + ec.message();
    return false;
  }
  return true;
}

bool CopyTree(const std::string& from, const std::string& to, std::string* error) {
  std::error_code ec;
  fs::create_directories(to, ec);
  fs::copy(from, to,
           fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
  if (ec) {
    if (error) *error = "cannot copy " + from + " to " + to + ": " + ec.message();
    return false;
  }
  return true;
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty() || a == ".") return b;
  if (b.empty()) return a;
  if (b.front() == '/') return b;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

std::string DirName(const std::string& path) {
  size_t pos = path.rfind('/');
  return pos == std::string::npos ? std::string() : path.substr(0, pos);
}

std::string BaseName(const std::string& path) {
  size_t pos = path.rfind('/');
  return pos == std::string::npos ? path : path.substr(pos + 1);
}

std::string NormalizePath(const std::string& path) {
  bool absolute = !path.empty() && path.front() == '/';
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t pos = path.find('/', start);
    if (pos == std::string::npos) pos = path.size();
    std::string part = path.substr(start, pos - start);
    if (part.empty() || part == ".") {
    } else if (part == "..") {
      if (!parts.empty() && parts.back() != "..") parts.pop_back();
      else if (!absolute) parts.push_back(part);
    } else {
      parts.push_back(part);
    }
    start = pos + 1;
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out;
}

}  // namespace casebook::util
