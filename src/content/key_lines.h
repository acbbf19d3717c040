// KeyLines: each front matter key's line in the file ("title" -> 2), for
// findings that point at a key.
//
// Every entry lives in one string (a u32 key length, the key's bytes, the
// line as a u32), keys in byte order: one allocation per document instead
// of a vector and a string per long key ("incident.first_user_report"). A
// build reads ~20 keys for each postmortem from the load cache and looks
// at a few of them (100,000 documents: ~2 million entries, ~100 MB as
// separate strings). The load cache keeps the string as is (Bytes,
// FromBytes), so a read is one copy, no per-key decoding.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace casebook::content {

class KeyLines {
 public:
  using value_type = std::pair<std::string_view, int>;

  /// Walks the entries in key order; yields (key, line) by value.
  class const_iterator {
   public:
    const_iterator() = default;
    value_type operator*() const { return {Key(), Line()}; }
    struct Arrow {
      value_type entry;
      const value_type* operator->() const { return &entry; }
    };
    Arrow operator->() const { return {**this}; }
    const_iterator& operator++() {
      at_ += kLengthBytes + KeySize() + kLineBytes;
      return *this;
    }
    bool operator==(const const_iterator& o) const { return at_ == o.at_; }
    bool operator!=(const const_iterator& o) const { return at_ != o.at_; }

   private:
    friend class KeyLines;
    explicit const_iterator(const char* at) : at_(at) {}
    uint32_t KeySize() const {
      uint32_t n;
      std::memcpy(&n, at_, sizeof n);
      return n;
    }
    std::string_view Key() const { return {at_ + kLengthBytes, KeySize()}; }
    int Line() const {
      int32_t line;
      std::memcpy(&line, at_ + kLengthBytes + KeySize(), sizeof line);
      return line;
    }
    const char* at_ = nullptr;
  };

  const_iterator begin() const { return const_iterator(bytes_.data()); }
  const_iterator end() const { return const_iterator(bytes_.data() + bytes_.size()); }
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  const_iterator find(std::string_view key) const;
  size_t count(std::string_view key) const { return find(key) != end() ? 1 : 0; }
  /// Adds `key` at `line` when it is missing; like std::map::emplace
  /// (true when added).
  bool emplace(std::string_view key, int line);
  /// Sets `key`'s line, adding the key when it is missing.
  void Set(std::string_view key, int line);
  /// Removes every entry and gives back the string's memory (assigning
  /// an empty KeyLines would keep it: a moved-in short string does not
  /// free the old buffer).
  void Release() {
    std::string().swap(bytes_);
    count_ = 0;
  }

  /// The entries as one string (what the load cache stores).
  const std::string& Bytes() const { return bytes_; }
  /// Takes `bytes` (from Bytes()); false, leaving `out` empty, when they are
  /// not well-formed entries in strictly increasing key order.
  static bool FromBytes(std::string bytes, KeyLines* out);

 private:
  static constexpr size_t kLengthBytes = 4, kLineBytes = 4;
  // Where `key` is or would be inserted, and whether it is there.
  std::pair<size_t, bool> Position(std::string_view key) const;
  void Insert(size_t at, std::string_view key, int line);

  std::string bytes_;
  uint32_t count_ = 0;
};

}  // namespace casebook::content
