// Slugs for URLs and heading anchors.
//
// Lowercase; Unicode letters and digits are kept (Latin-1, Latin Extended-A,
// Greek and Cyrillic capitals are lowered; other scripts are kept as they
// are); every other run of characters becomes a single "-"; no leading or
// trailing "-". Two terms with the same slug share a page. Pure, thread-safe.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace casebook::util {

/// "Checkout API (EU)" -> "checkout-api-eu"; "Zürich DC" -> "zürich-dc".
/// Returns "" when nothing is left (the caller picks a fallback).
std::string Slugify(std::string_view text);

/// True when `id` is safe as one URL path segment and one file name: non-empty,
/// no "/", "\\", "..", control characters, spaces, or leading ".".
bool IsUrlSafeId(std::string_view id);

/// Hands out unique anchors within one page: "impact", "impact-1", ...
class SlugDeduper {
 public:
  std::string Unique(std::string slug);
 private:
  std::set<std::string> used_;
  std::map<std::string, int> next_suffix_;  // base slug -> next number to try
};

}  // namespace casebook::util
