#include "util/slug.h"

#include <cstdint>

#include "util/unicode.h"

namespace casebook::util {
namespace {

// Decodes one UTF-8 code point at s[i]; advances i. Invalid bytes -> U+FFFD.
uint32_t Decode(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) { ++i; return c; }
  int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || i + len > s.size()) { ++i; return 0xFFFD; }
  uint32_t cp = c & (0xFF >> (len + 1));
  for (int k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) { ++i; return 0xFFFD; }
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += len;
  return cp;
}

void Encode(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Letters and digits are kept; ASCII punctuation, Latin-1 symbols, general
// punctuation, symbols and CJK punctuation become separators.
bool IsWordChar(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                        (cp >= '0' && cp <= '9');
  if (cp >= 0x80 && cp <= 0xBF) return false;     // Latin-1 controls/symbols
  if (cp == 0xD7 || cp == 0xF7) return false;     // × ÷
  if (cp >= 0x2000 && cp <= 0x2BFF) return false; // punctuation, arrows, symbols
  if (cp >= 0x3000 && cp <= 0x303F) return false; // CJK punctuation
  if (cp >= 0xFE00 && cp <= 0xFE0F) return false; // variation selectors
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false; // emoji
  if (cp == 0xFEFF || cp == 0xFFFD) return false;
  return true;
}

// FNV-1a, 32 bits: short, stable across platforms and versions.
uint32_t Fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

std::string Hex8(uint32_t h) {
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (int i = 7; i >= 0; --i) hex += kHex[(h >> (i * 4)) & 15];
  return hex;
}

}  // namespace

std::string Slugify(std::string_view raw) {
  const std::string text = LowerNfc(raw);
  std::string out;
  bool pending_dash = false;
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = Decode(text, i);
    if (IsWordChar(cp)) {
      if (pending_dash && !out.empty()) out += '-';
      pending_dash = false;
      Encode(cp, out);
    } else {
      pending_dash = true;
    }
  }
  return out;
}

std::string SafeSlug(std::string_view text, std::string_view fallback_prefix, SlugFix* fix) {
  std::string slug = Slugify(text);
  SlugFix how = SlugFix::kNone;
  if (slug.empty()) {
    slug = std::string(fallback_prefix) + Hex8(Fnv1a(Nfc(text)));
    how = SlugFix::kFallback;
  } else if (slug.size() > kMaxSlugBytes) {
    const std::string suffix = "-" + Hex8(Fnv1a(slug));
    size_t n = kMaxSlugBytes - suffix.size();
    while (n > 0 && (static_cast<unsigned char>(slug[n]) & 0xC0) == 0x80) --n;  // whole characters
    while (n > 0 && slug[n - 1] == '-') --n;
    slug = slug.substr(0, n) + suffix;
    how = SlugFix::kShortened;
  }
  if (fix) *fix = how;
  return slug;
}

bool IsUrlSafeId(std::string_view id) {
  if (id.empty() || id.front() == '.' || id.size() > 200) return false;
  if (id.find("..") != std::string_view::npos) return false;
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7F) return false;
    if (c == '/' || c == '\\' || c == ' ' || c == '?' || c == '#' || c == '%' ||
        c == '"' || c == '<' || c == '>' || c == '\'' || c == '`' || c == '&')
      return false;
  }
  return true;
}

std::string SlugDeduper::Unique(std::string slug) {
  if (slug.empty()) slug = "section";
  std::string candidate = slug;
  // Remembering where each base slug's numbering stopped keeps many equal
  // headings linear instead of quadratic; the results are the same.
  int& n = next_suffix_[slug];
  while (used_.count(candidate)) candidate = slug + "-" + std::to_string(++n);
  used_.insert(candidate);
  return candidate;
}

}  // namespace casebook::util
