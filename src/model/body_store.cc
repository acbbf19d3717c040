// The render cache's text file (see body_store.h).
#include "model/body_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "model/steps.h"
#include "util/hash.h"

namespace casebook::model {

namespace {

constexpr char kMagic[] = "casebook body text\n";
constexpr size_t kMagicSize = sizeof(kMagic) - 1;
constexpr size_t kGenerationSize = 16;
constexpr uint64_t kHeaderSize = kMagicSize + kGenerationSize;

bool WriteAll(int fd, const char* data, size_t size, uint64_t offset) {
  while (size > 0) {
    ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

bool ReadAll(int fd, char* data, size_t size, uint64_t offset) {
  while (size > 0) {
    ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
    if (n <= 0) return false;  // an error, or the file is shorter
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

// A name no other file of this cache had: the records of an older file
// never match a newer one.
std::string NewGeneration(const std::string& path) {
  util::StreamHash h;
  h.AddString(path);
  h.AddInt(static_cast<int64_t>(::getpid()));
  h.AddInt(std::chrono::system_clock::now().time_since_epoch().count());
  h.AddInt(std::chrono::steady_clock::now().time_since_epoch().count());
  return h.Hex().substr(0, kGenerationSize);
}

}  // namespace

std::string BodyHash(const std::string& html, const std::string& plain_text) {
  util::StreamHash h;
  h.AddString(html);
  h.AddString(plain_text);
  return h.Hex();
}

std::array<uint64_t, 2> FragmentsDigest(const Postmortem& pm) {
  return pm.fragments_digest != std::array<uint64_t, 2>{} ? pm.fragments_digest
                                                          : ComputeFragmentsDigest(pm);
}

std::array<uint64_t, 2> ComputeFragmentsDigest(const Postmortem& pm) {
  util::StreamHash h;
  h.AddString(pm.summary_html);
  for (const auto* list : {&pm.timeline_html, &pm.action_html}) {
    h.AddInt(static_cast<int64_t>(list->size()));
    for (const auto& s : *list) h.AddString(s);
  }
  h.AddString(pm.lessons);
  h.AddString(pm.lessons_heading);
  std::array<uint64_t, 2> out;
  h.Finish(out.data());
  if (out == std::array<uint64_t, 2>{}) out[0] = 1;  // all zero means "not known"
  return out;
}

std::unique_ptr<BodyStore> BodyStore::OpenExisting(const std::string& path,
                                                   const std::string& generation,
                                                   bool markdown_unsafe) {
  if (generation.size() != kGenerationSize) return nullptr;
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return nullptr;
  char header[kHeaderSize];
  struct stat st;
  if (!ReadAll(fd, header, kHeaderSize, 0) || std::memcmp(header, kMagic, kMagicSize) != 0 ||
      std::string(header + kMagicSize, kGenerationSize) != generation || ::fstat(fd, &st) != 0) {
    ::close(fd);
    return nullptr;
  }
  std::unique_ptr<BodyStore> store(new BodyStore);
  store->path_ = path;
  store->generation_ = generation;
  store->fd_ = fd;
  store->markdown_unsafe_ = markdown_unsafe;
  store->opened_size_ = store->end_ = static_cast<uint64_t>(st.st_size);
  return store;
}

std::unique_ptr<BodyStore> BodyStore::Create(const std::string& path, bool markdown_unsafe) {
  std::unique_ptr<BodyStore> store(new BodyStore);
  store->path_ = path;
  store->tmp_ = path + "." + std::to_string(::getpid()) + ".tmp";
  store->generation_ = NewGeneration(path);
  store->markdown_unsafe_ = markdown_unsafe;
  store->fd_ = ::open(store->tmp_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (store->fd_ < 0) return nullptr;
  const std::string header = std::string(kMagic) + store->generation_;
  if (!WriteAll(store->fd_, header.data(), header.size(), 0)) return nullptr;  // ~ removes it
  store->opened_size_ = store->end_ = header.size();
  return store;
}

BodyStore::~BodyStore() {
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
}

uint64_t BodyStore::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return end_;
}

bool BodyStore::Contains(const StoredBody& at) const {
  return at.offset >= kHeaderSize && at.offset <= opened_size_ &&
         uint64_t{at.html_size} + at.text_size <= opened_size_ - at.offset;
}

bool BodyStore::Append(const std::string& html, const std::string& plain_text,
                       StoredBody* at) {
  const uint64_t size = html.size() + plain_text.size();
  if (html.size() > UINT32_MAX || plain_text.size() > UINT32_MAX) return false;
  uint64_t offset;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    offset = end_;
    end_ += size;
  }
  // Threads write their own spans at once; a failed write leaves a hole
  // that no record points at.
  if (!WriteAll(fd_, html.data(), html.size(), offset) ||
      !WriteAll(fd_, plain_text.data(), plain_text.size(), offset + html.size()))
    return false;
  at->store = this;
  at->offset = offset;
  at->html_size = static_cast<uint32_t>(html.size());
  at->text_size = static_cast<uint32_t>(plain_text.size());
  return true;
}

bool BodyStore::Read(const StoredBody& at, const std::string& hash, std::string* html,
                     std::string* plain_text) const {
  std::string both(uint64_t{at.html_size} + at.text_size, '\0');
  if (!ReadAll(fd_, both.data(), both.size(), at.offset)) return false;
  std::string h = both.substr(0, at.html_size), t = both.substr(at.html_size);
  if (BodyHash(h, t) != hash) return false;
  if (html) *html = std::move(h);
  if (plain_text) *plain_text = std::move(t);
  return true;
}

bool BodyStore::Publish() {
  if (tmp_.empty()) return true;
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) return false;
  tmp_.clear();
  return true;
}

void BodyStore::Fail(const std::string& file, const std::string& message) const {
  std::lock_guard<std::mutex> lock(mutex_);
  failures_.Error(file, 0, "output/body", message,
                  "run the build again; if this recurs, delete the .casebook folder");
}

util::Diagnostics BodyStore::Failures() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failures_;
}

namespace {

// Reads (or renders again) a stored body; false when neither works.
bool LoadStored(const Postmortem& pm, std::string* html, std::string* plain_text) {
  const BodyStore& store = *pm.stored.store;
  if (store.Read(pm.stored, pm.body_hash, html, plain_text)) return true;
  std::string h, t, error;
  if (internal::RenderAgain(pm, store.markdown_unsafe(), &h, &t, &error) &&
      BodyHash(h, t) == pm.body_hash) {
    if (html) *html = std::move(h);
    if (plain_text) *plain_text = std::move(t);
    return true;
  }
  store.Fail(pm.doc.SourceName(),
             "its rendered body could not be read from the build cache, nor rendered again" +
                 (error.empty() ? std::string(" (the file changed during the build)")
                                : ": " + error));
  return false;
}

}  // namespace

std::string BodyHtml(const Postmortem& pm) {
  if (!pm.stored.store) return pm.body.html;
  std::string html;
  LoadStored(pm, &html, nullptr);
  return html;
}

std::string BodyPlainText(const Postmortem& pm) {
  if (!pm.stored.store) return pm.body.plain_text;
  std::string text;
  LoadStored(pm, nullptr, &text);
  return text;
}

}  // namespace casebook::model
