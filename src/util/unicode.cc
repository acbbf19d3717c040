#include "util/unicode.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

namespace casebook::util {
namespace {

bool IsAscii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

icu::UnicodeString NfcOf(std::string_view text) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) return u;  // ICU data missing: keep the text as is
  icu::UnicodeString out = nfc->normalize(u, status);
  return U_FAILURE(status) ? u : out;
}

std::string Utf8(const icu::UnicodeString& u) {
  std::string out;
  u.toUTF8String(out);
  return out;
}

}  // namespace

std::string Nfc(std::string_view text) {
  if (IsAscii(text)) return std::string(text);
  return Utf8(NfcOf(text));
}

std::string LowerNfc(std::string_view text) {
  if (IsAscii(text)) return AsciiLower(text);
  icu::UnicodeString u = NfcOf(text);
  u.toLower(icu::Locale::getRoot());
  return Nfc(Utf8(u));  // lowercasing can decompose ("İ" -> "i̇")
}

std::string FoldedName(std::string_view text) {
  if (IsAscii(text)) return AsciiLower(text);
  icu::UnicodeString u = NfcOf(text);
  u.foldCase();
  return Nfc(Utf8(u));
}

}  // namespace casebook::util
