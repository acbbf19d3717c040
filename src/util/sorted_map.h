// SortedMap: string keys -> V in one sorted vector; the part of std::map's
// interface that util::Value uses. Template views build millions of small
// maps (a dozen keys each) and mostly read them in key order: one block per
// map instead of one node per key is faster to build, to walk and to free,
// and smaller. Iteration order is the keys' byte order, like std::map.
//
// Unlike std::map, inserting a key invalidates references and iterators
// into the map (the vector may move): do not hold a reference to one entry
// while adding another.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace casebook::util {

template <class V>
class SortedMap {
 public:
  using value_type = std::pair<std::string, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  SortedMap() = default;
  SortedMap(std::initializer_list<value_type> items) {
    for (const auto& item : items) emplace(item.first, item.second);
  }

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  size_t size() const { return items_.size(); }
  void shrink_to_fit() { items_.shrink_to_fit(); }
  void reserve(size_t n) { items_.reserve(n); }
  bool empty() const { return items_.empty(); }

  iterator find(std::string_view key) {
    auto it = LowerBound(key);
    return it != items_.end() && it->first == key ? it : items_.end();
  }
  const_iterator find(std::string_view key) const {
    auto it = const_cast<SortedMap*>(this)->LowerBound(key);
    return it != items_.end() && it->first == key ? const_iterator(it) : items_.end();
  }
  size_t count(std::string_view key) const { return find(key) != end() ? 1 : 0; }

  /// The value at `key`, inserted (default) when missing.
  V& operator[](std::string_view key) {
    auto it = LowerBound(key);
    if (it == items_.end() || it->first != key) it = items_.emplace(it, std::string(key), V());
    return it->second;
  }

  /// Inserts when `key` is missing; like std::map::emplace.
  std::pair<iterator, bool> emplace(std::string key, V value) {
    auto it = LowerBound(key);
    if (it != items_.end() && it->first == key) return {it, false};
    it = items_.emplace(it, std::move(key), std::move(value));
    return {it, true};
  }

 private:
  iterator LowerBound(std::string_view key) {
    // Keys usually arrive in order: check the end first.
    if (items_.empty() || std::string_view(items_.back().first) < key) return items_.end();
    return std::lower_bound(items_.begin(), items_.end(), key,
                            [](const value_type& a, std::string_view k) {
                              return std::string_view(a.first) < k;
                            });
  }

  std::vector<value_type> items_;
};

}  // namespace casebook::util
