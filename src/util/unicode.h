// Unicode normalisation and case folding, for names that become folders.
//
// Backed by ICU (libicu-dev), which only this file uses. Text that is all
// ASCII never reaches ICU (it is already NFC; ASCII lowercasing is exact),
// so the common case costs nothing. Invalid UTF-8 becomes U+FFFD. Pure and
// thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace casebook::util {

/// Canonical composition (NFC): "cafe\u0301" -> "caf\u00e9".
std::string Nfc(std::string_view text);

/// Unicode lowercase (full mappings, root locale) of the NFC text.
std::string LowerNfc(std::string_view text);

/// The key two names share when a case-insensitive or normalisation-
/// insensitive file system (macOS, Windows) would store them as one:
/// NFC of the full case folding. "CaseId" and "caseid", or NFC and NFD
/// "Café", have the same key.
std::string FoldedName(std::string_view text);

}  // namespace casebook::util
