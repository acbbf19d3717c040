// Large files made of fragments, each keyed by what it shows: an entry of
// postmortems.json, a row of actions.csv. When a file is written, a table
// of its fragments (key, offset, length) is saved beside the build's
// caches; the next build that writes the file again copies every fragment
// whose key is unchanged from the published file's bytes and makes only the
// others (a title edit serialises one entry of 100,000, not 320 MB). The
// table is trusted only for the published file it was written with: the
// same file key (what the whole file was made from, as the publisher
// records it) and the same size; anything else (no table, a damaged one, a
// file edited by hand, a build that failed before publishing) makes every
// fragment, as a clean build does. A fragment's key holds everything the
// file shares (casebook, site.toml, today, ...), so one made under other
// shared inputs is never taken.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/hash.h"

namespace casebook::render {

struct FragmentKey {
  uint64_t v[2] = {0, 0};
  bool operator==(const FragmentKey& o) const { return v[0] == o.v[0] && v[1] == o.v[1]; }
};
inline FragmentKey MakeFragmentKey(const util::StreamHash& h) {
  FragmentKey k;
  h.Finish(k.v);
  return k;
}

/// The fragments of a published file, read from the table saved with it.
class PublishedFragments {
 public:
  /// The table at `table_path` when it was saved for the file now at
  /// `file_path` published with key `file_key`; nullptr otherwise.
  static std::unique_ptr<PublishedFragments> Open(const std::string& table_path,
                                                  const std::string& file_path,
                                                  const std::string& file_key);
  ~PublishedFragments();
  /// The published bytes of the fragment keyed `key`; false when there is
  /// none. The view stays valid while this object lives.
  bool Find(const FragmentKey& key, std::string_view* bytes) const;
  /// Gives back the pages of the published file read so far (they are
  /// read again if needed): a 320 MB file is never resident whole.
  void Release() const;
  /// How many fragments Find found.
  size_t found() const { return found_.load(); }

 private:
  PublishedFragments() = default;
  struct KeyHash {
    size_t operator()(const FragmentKey& k) const { return static_cast<size_t>(k.v[0]); }
  };
  struct Place {
    uint64_t offset;
    uint32_t size;
  };
  const char* data_ = nullptr;
  size_t size_ = 0;
  std::unordered_map<FragmentKey, Place, KeyHash> places_;
  mutable std::atomic<size_t> found_{0};
};

/// The table of a file being written: each fragment's key and place.
class FragmentTable {
 public:
  void Add(const FragmentKey& key, uint64_t offset, size_t size);
  /// Saves the table for the file of `file_size` bytes made with
  /// `file_key` (util::WriteFile: a temporary file renamed into place). False on failure
  /// (the next build then makes every fragment).
  bool Save(const std::string& table_path, const std::string& file_key, uint64_t file_size) const;
  size_t size() const { return count_; }

 private:
  std::string records_;  // key (16 bytes), offset (8), size (4) each
  size_t count_ = 0;
};

/// What a file made of fragments reuses and records; either may be null.
struct FragmentIo {
  const PublishedFragments* published = nullptr;
  FragmentTable* table = nullptr;
  /// Hashed first into every fragment's key: what the file shares (see
  /// above) and which file it is.
  std::string context;

  /// The key of the fragment showing the postmortem whose ListKey is
  /// `list_key` (and, for one of its rows, which one: `part`).
  FragmentKey Key(const std::string& list_key, std::optional<int64_t> part = std::nullopt) const {
    util::StreamHash h;
    h.AddString(context);
    h.AddString(list_key);
    if (part) h.AddInt(*part);
    return MakeFragmentKey(h);
  }
};

}  // namespace casebook::render
