// Dates, zones and durations (see datetime.h): a hand-written scanner, no
// locale, no tz database; every function pure.
#include "util/datetime.h"

#include <array>
#include <cctype>

#include "util/text.h"

namespace casebook::util {

namespace {

struct ZoneName {
  const char* name;
  int offset_minutes;
};

// Fixed offsets only: "CET" is +01:00 all year (see the header).
constexpr std::array<ZoneName, 22> kZones{{
    {"UTC", 0},      {"GMT", 0},      {"Z", 0},        {"CET", 60},
    {"CEST", 120},   {"EET", 120},    {"EEST", 180},   {"WET", 0},
    {"WEST", 60},    {"BST", 60},     {"IST", 330},    {"EST", -300},
    {"EDT", -240},   {"CST", -360},   {"CDT", -300},   {"MST", -420},
    {"MDT", -360},   {"PST", -480},   {"PDT", -420},   {"JST", 540},
    {"AEST", 600},   {"AEDT", 660},
}};

constexpr int kMaxOffsetMinutes = 14 * 60;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// Reads exactly `n` digits at `pos`.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  *out = v;
  return true;
}

// "+hh:mm", "+hhmm", "+hh", "+h" at the start of `s`; returns bytes used (0 = none).
size_t ParseNumericOffset(std::string_view s, int* minutes) {
  if (s.empty() || (s[0] != '+' && s[0] != '-')) return 0;
  int sign = s[0] == '-' ? -1 : 1;
  size_t i = 1;
  size_t start = i;
  while (i < s.size() && IsDigit(s[i]) && i - start < 4) ++i;
  size_t nd = i - start;
  int h = 0, m = 0;
  if (nd == 1 || nd == 2) {
    Digits(s, start, nd, &h);
    if (i < s.size() && s[i] == ':') {
      if (!Digits(s, i + 1, 2, &m)) return 0;
      i += 3;
    }
  } else if (nd == 4) {
    Digits(s, start, 2, &h);
    Digits(s, start + 2, 2, &m);
  } else {
    return 0;
  }
  if (m >= 60 || h * 60 + m > kMaxOffsetMinutes) return 0;
  *minutes = sign * (h * 60 + m);
  return i;
}

struct Scanned {
  DateTime dt;
  size_t end = 0;  // bytes used
};

// A zone token at `pos` (after optional spaces): "Z", "+01:00", "CET",
// "UTC+2", "(CET)". Returns bytes used from `pos` (0 = none) and the offset.
// `dash_ok`: whether "-05:00" may be an offset; after a bare "09:00" it is
// more likely a range ("09:00-11:00", "09:00 - 11:00").
size_t ScanZone(std::string_view s, size_t pos, bool dash_ok, int* offset) {
  size_t i = pos;
  bool had_space = false;
  while (i < s.size() && IsSpace(s[i])) {
    ++i;
    had_space = true;
  }
  bool paren = i < s.size() && s[i] == '(';
  if (paren) ++i;
  size_t begin = i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    if (s[i] == '-' && (had_space || !dash_ok)) return 0;
    size_t n = ParseNumericOffset(s.substr(i), offset);
    if (n == 0) return 0;
    i += n;
  } else {
    while (i < s.size() && IsAlpha(s[i])) ++i;
    if (i == begin) return 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      int ignored = 0;
      i += ParseNumericOffset(s.substr(i), &ignored);
    }
    auto z = ZoneOffsetMinutes(s.substr(begin, i - begin));
    if (!z) return 0;
    *offset = *z;
  }
  if (paren) {
    if (i >= s.size() || s[i] != ')') return 0;
    ++i;
  }
  // The zone must end at a word boundary ("08:21 CETx" is not a zone).
  if (i < s.size() && (IsAlpha(s[i]) || IsDigit(s[i]))) return 0;
  return i - pos;
}

// Scans the longest date-time at the start of `s`. Greedy; the caller decides
// whether leftovers are allowed.
bool Scan(std::string_view s, int default_offset, Scanned* out) {
  DateTime dt;
  size_t i = 0;
  if (i < s.size() && s[i] == '~') {
    dt.approximate = true;
    ++i;
    while (i < s.size() && IsSpace(s[i])) ++i;
  }
  int y, mo, d;
  if (!Digits(s, i, 4, &y) || i + 10 > s.size() || s[i + 4] != '-' ||
      !Digits(s, i + 5, 2, &mo) || s[i + 7] != '-' || !Digits(s, i + 8, 2, &d))
    return false;
  if (i > 0 && IsDigit(s[i - 1])) return false;
  if (!IsValidDate(y, mo, d)) return false;
  i += 10;
  if (i < s.size() && IsDigit(s[i])) return false;  // "2021-06-221"

  int h = 0, mi = 0, sec = 0;
  bool had_seconds = false;
  dt.has_time = false;
  // Time: "T08:21", " 08:21", "  8:21:30.123", " --:--", " HH:mm", " 12:??".
  size_t t = i;
  bool tsep = t < s.size() && (s[t] == 'T' || s[t] == 't');
  if (tsep) {
    ++t;
  } else {
    while (t < s.size() && IsSpace(s[t])) ++t;
  }
  if (t > i) {
    std::string_view rest = s.substr(t);
    auto placeholder = [&](std::string_view p) {
      return rest.size() >= p.size() && IStartsWith(rest, p) &&
             (rest.size() == p.size() || !IsAlpha(rest[p.size()]));
    };
    if (!tsep && (placeholder("--:--") || placeholder("??:??") ||
                  placeholder("hh:mm"))) {
      dt.time_unknown = true;
      i = t + 5;
    } else {
      size_t hd = 0;
      while (t + hd < s.size() && IsDigit(s[t + hd]) && hd < 3) ++hd;
      if ((hd == 1 || hd == 2) && t + hd < s.size() && s[t + hd] == ':') {
        Digits(s, t, hd, &h);
        size_t m = t + hd + 1;
        bool ok = false;
        if (Digits(s, m, 2, &mi)) {
          ok = h < 24 && mi < 60;
          m += 2;
        } else if (!tsep && m + 2 <= s.size() && s.substr(m, 2) == "??") {
          ok = h < 24;  // "12:??": the hour is known
          mi = 0;
          dt.approximate = true;
          m += 2;
        }
        if (ok && (m >= s.size() || !IsDigit(s[m]))) {
          if (m < s.size() && s[m] == ':' && Digits(s, m + 1, 2, &sec)) {
            had_seconds = true;
            if (sec > 60) return false;
            if (sec == 60) sec = 59;  // leap second
            m += 3;
            if (m < s.size() && (s[m] == '.' || s[m] == ',') && m + 1 < s.size() &&
                IsDigit(s[m + 1])) {
              ++m;
              while (m < s.size() && IsDigit(s[m])) ++m;  // fraction ignored
            }
          }
          dt.has_time = true;
          i = m;
        } else if (tsep) {
          return false;
        }
      } else if (tsep) {
        return false;
      }
    }
  }

  int offset = default_offset;
  if (dt.has_time) {
    size_t zpos = i;
    bool z = zpos < s.size() && (s[zpos] == 'Z' || s[zpos] == 'z') &&
             (zpos + 1 >= s.size() || !IsAlpha(s[zpos + 1]));
    if (z) {
      offset = 0;
      i = zpos + 1;
    } else {
      int zo = 0;
      size_t n = ScanZone(s, i, tsep || had_seconds, &zo);
      if (n > 0) {
        offset = zo;
        i += n;
      }
    }
  } else if (dt.time_unknown) {
    int zo = 0;
    size_t n = ScanZone(s, i, false, &zo);
    if (n > 0) {
      offset = zo;
      i += n;
    }
  }
  if (i < s.size() && s[i] == '~') {  // "2020-11-17 10:45~"
    dt.approximate = true;
    ++i;
  }
  dt.offset_minutes = offset;
  dt.utc_seconds = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
                   static_cast<int64_t>(offset) * 60;
  out->dt = dt;
  out->end = i;
  return true;
}

}  // namespace

std::optional<int> ZoneOffsetMinutes(std::string_view zone) {
  zone = Trim(zone);
  if (zone.empty()) return std::nullopt;
  if (zone[0] == '+' || zone[0] == '-') {
    int m = 0;
    size_t n = ParseNumericOffset(zone, &m);
    if (n == 0 || n != zone.size()) return std::nullopt;
    return m;
  }
  size_t letters = 0;
  while (letters < zone.size() && IsAlpha(zone[letters])) ++letters;
  std::string name = ToLowerAscii(zone.substr(0, letters));
  std::optional<int> base;
  for (const auto& z : kZones) {
    if (name == ToLowerAscii(z.name)) base = z.offset_minutes;
  }
  if (!base) return std::nullopt;
  if (letters == zone.size()) return base;
  // "UTC+2", "GMT-05:30": only after UTC/GMT.
  if (name != "utc" && name != "gmt") return std::nullopt;
  int m = 0;
  std::string_view rest = zone.substr(letters);
  size_t n = ParseNumericOffset(rest, &m);
  if (n == 0 || n != rest.size()) return std::nullopt;
  return m;
}

std::optional<DateTime> ParseDateTime(std::string_view text,
                                      int default_offset_minutes) {
  text = Trim(text);
  Scanned sc;
  if (!Scan(text, default_offset_minutes, &sc)) return std::nullopt;
  if (!Trim(text.substr(sc.end)).empty()) return std::nullopt;
  return sc.dt;
}

std::optional<DateTime> ParseLeadingDateTime(std::string_view text,
                                             int default_offset_minutes,
                                             size_t* consumed) {
  size_t i = 0;
  auto skip_decor = [&] {
    for (;;) {
      if (i < text.size() && (IsSpace(text[i]) || text[i] == '|' || text[i] == '`' ||
                              text[i] == '*' || text[i] == '_')) {
        ++i;
      } else {
        break;
      }
    }
  };
  skip_decor();
  Scanned sc;
  if (!Scan(text.substr(i), default_offset_minutes, &sc)) return std::nullopt;
  i += sc.end;
  // Closing decoration: "**2021-06-22 08:21**", "`...`".
  while (i < text.size() && (text[i] == '*' || text[i] == '`' || text[i] == '_')) ++i;
  if (i < text.size() && IsAlpha(text[i])) return std::nullopt;  // "2021-06-22x"
  if (consumed) *consumed = i;
  return sc.dt;
}

std::optional<DateTime> DateInFileName(std::string_view name) {
  for (size_t i = 0; i + 8 <= name.size(); ++i) {
    if (i > 0 && IsDigit(name[i - 1])) continue;
    int y, m, d;
    size_t end;
    if (i + 10 <= name.size() && Digits(name, i, 4, &y) &&
        (name[i + 4] == '-' || name[i + 4] == '_') && name[i + 7] == name[i + 4] &&
        Digits(name, i + 5, 2, &m) && Digits(name, i + 8, 2, &d)) {
      end = i + 10;
    } else if (Digits(name, i, 4, &y) && Digits(name, i + 4, 2, &m) &&
               Digits(name, i + 6, 2, &d)) {
      end = i + 8;
    } else {
      continue;
    }
    if (end < name.size() && IsDigit(name[end])) continue;
    if (y < 1970 || y > 2199 || !IsValidDate(y, m, d)) continue;
    DateTime dt;
    dt.has_time = false;
    dt.utc_seconds = DaysFromCivil(y, m, d) * 86400;
    return dt;
  }
  return std::nullopt;
}

}  // namespace casebook::util
