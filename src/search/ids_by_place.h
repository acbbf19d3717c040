// The place of an id among the ids of the last build, most of which are
// where they were (the same id at the same place): that place is tried
// first, and a map of every id is made only once an id is not there (at
// 100,000 postmortems, a map per edit was a cost of its own).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace casebook::search {

/// `id_at(p)` gives the id at place p (a std::string_view into storage
/// that outlives this), for p < `size`.
template <typename IdAt>
class IdsByPlace {
 public:
  IdsByPlace(size_t size, IdAt id_at) : size_(size), id_at_(std::move(id_at)) {}

  /// Where `id` is: `place` when it is there, else its place found by the
  /// map; nullopt when it is nowhere.
  std::optional<size_t> Find(size_t place, std::string_view id) {
    if (place < size_ && id_at_(place) == id) return place;
    if (by_id_.empty()) {
      by_id_.reserve(size_);
      for (size_t p = 0; p < size_; ++p) unique_ &= by_id_.emplace(id_at_(p), p).second;
    }
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return std::nullopt;
    return it->second;
  }

  /// False once the map met an id twice (its first place is the one found).
  bool unique() const { return unique_; }

 private:
  size_t size_;
  IdAt id_at_;
  std::unordered_map<std::string_view, size_t> by_id_;
  bool unique_ = true;
};

}  // namespace casebook::search
