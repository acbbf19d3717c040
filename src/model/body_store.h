// BodyStore: the render cache's text file, <cache_dir>/bodytext-<hash>,
// where each rendered body's HTML and plain text are kept so that the model
// holds neither (at 100,000 postmortems they are ~700 MB). Pages and the
// search index read one body at a time, by offset (pread), when they need
// it (model::BodyHtml, model::BodyPlainText).
//
// The file is a magic line and a generation (16 hex digits, new for every
// file created) followed by bodies, each its HTML then its plain text. It is
// only appended to while a build runs (a body rendered again is appended;
// the older copy becomes garbage until the file is rewritten), so what a
// record of the render cache (render_cache.h, which names the generation)
// points at never moves. A new file is written beside it and renamed into
// place (Publish) when the cache is rebuilt or compacted. Every read is
// checked against the body's hash: a short or damaged file is a cache miss
// (the body is rendered again from its source file), never a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "model/postmortem.h"
#include "util/diagnostics.h"

namespace casebook::model {

class BodyStore {
 public:
  /// The existing file at `path` when it is of `generation` (else null).
  static std::unique_ptr<BodyStore> OpenExisting(const std::string& path,
                                                 const std::string& generation,
                                                 bool markdown_unsafe);
  /// A new, empty file with a new generation, written beside `path` until
  /// Publish(); null when it cannot be created.
  static std::unique_ptr<BodyStore> Create(const std::string& path, bool markdown_unsafe);
  ~BodyStore();  // closes the file; removes it unless published or opened
  BodyStore(const BodyStore&) = delete;
  BodyStore& operator=(const BodyStore&) = delete;

  const std::string& generation() const { return generation_; }
  /// Bytes of bodies the file held when opened (garbage included).
  uint64_t opened_bytes() const { return opened_size_; }
  uint64_t size() const;
  /// Whether a record's span lies inside the file as opened.
  bool Contains(const StoredBody& at) const;

  /// Appends a body (thread-safe). false when it could not be written.
  bool Append(const std::string& html, const std::string& plain_text, StoredBody* at);
  /// Reads the body at `at` (either output may be null); false when the
  /// bytes are missing or their hash is not `hash`.
  bool Read(const StoredBody& at, const std::string& hash, std::string* html,
            std::string* plain_text) const;
  /// Renames a created file into place (over the previous one).
  bool Publish();

  bool markdown_unsafe() const { return markdown_unsafe_; }
  /// Bodies that could neither be read nor rendered again (thread-safe).
  void Fail(const std::string& file, const std::string& message) const;
  util::Diagnostics Failures() const;

 private:
  BodyStore() = default;
  std::string path_, tmp_, generation_;
  int fd_ = -1;
  bool markdown_unsafe_ = false;
  uint64_t opened_size_ = 0;
  mutable std::mutex mutex_;  // guards end_ and failures_
  uint64_t end_ = 0;
  mutable util::Diagnostics failures_;
};

}  // namespace casebook::model
