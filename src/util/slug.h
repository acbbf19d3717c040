// Slugs for URLs and heading anchors.
//
// NFC, then Unicode lowercase (util/unicode.h); letters and digits are kept;
// every other run of characters becomes a single "-"; no leading or trailing
// "-". Two terms with the same slug share a page (so "CaseId" and "caseid",
// or NFC and NFD "café", are one term). Pure, thread-safe.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace casebook::util {

/// "Checkout API (EU)" -> "checkout-api-eu"; "Zürich DC" -> "zürich-dc".
/// Returns "" when nothing is left (the caller picks a fallback).
std::string Slugify(std::string_view text);

/// Longest slug SafeSlug returns, in bytes: well under the 255 bytes a path
/// component may have on common file systems (143 on eCryptfs).
constexpr size_t kMaxSlugBytes = 120;

enum class SlugFix { kNone, kFallback, kShortened };

/// Slugify(text), fit to be one folder name on any file system:
///   - nothing left ("🔥", "!!!"): `fallback_prefix` + 8 hex digits of a
///     hash of the NFC text, e.g. "_term-3f2a9c1b" (Slugify never starts
///     with "_", so a fallback never meets a real slug);
///   - over kMaxSlugBytes: cut at a character boundary and ended with "-" and
///     8 hex digits of a hash of the whole slug.
/// Deterministic; `*fix` (optional) says which applied.
std::string SafeSlug(std::string_view text, std::string_view fallback_prefix,
                     SlugFix* fix = nullptr);

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
