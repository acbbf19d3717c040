// Calendar arithmetic, formatting, durations and Today() (see datetime.h).
// Pure functions; Today() reads SOURCE_DATE_EPOCH or the clock.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "util/datetime.h"
#include "util/text.h"

namespace casebook::util {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string Pad2(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

}  // namespace

int64_t DaysFromCivil(int year, int month, int day) {
  const int64_t y = static_cast<int64_t>(year) - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t days, int* year, int* month, int* day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
  *month = static_cast<int>(m);
  *day = static_cast<int>(d);
}

bool IsValidDate(int year, int month, int day) {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = kDays[month - 1];
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && leap) max = 29;
  return day <= max;
}

std::string FormatDate(const DateTime& t, int display_offset_minutes) {
  // A date without time is the day it was written, whatever the display zone.
  int offset = t.has_time ? display_offset_minutes : t.offset_minutes;
  int64_t local = t.utc_seconds + static_cast<int64_t>(offset) * 60;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

std::string FormatOffset(int offset_minutes) {
  if (offset_minutes == 0) return "UTC";
  int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  return std::string(offset_minutes < 0 ? "-" : "+") + Pad2(a / 60) + ":" + Pad2(a % 60);
}

std::string FormatDateTime(const DateTime& t, int display_offset_minutes) {
  std::string day = FormatDate(t, display_offset_minutes);
  if (!t.has_time) return day;
  int64_t local = t.utc_seconds + static_cast<int64_t>(display_offset_minutes) * 60;
  int64_t secs = ((local % 86400) + 86400) % 86400;
  return day + " " + Pad2(static_cast<int>(secs / 3600)) + ":" +
         Pad2(static_cast<int>(secs / 60 % 60)) + " " + FormatOffset(display_offset_minutes);
}

std::string FormatRfc3339(const DateTime& t) {
  int64_t days = t.utc_seconds >= 0 ? t.utc_seconds / 86400 : (t.utc_seconds - 86399) / 86400;
  int64_t secs = t.utc_seconds - days * 86400;
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  return buf;
}

std::string FormatDuration(int64_t seconds) {
  if (seconds < 0) return "-" + FormatDuration(-seconds);
  if (seconds < 60) return std::to_string(seconds) + " s";
  int64_t minutes = seconds / 60;
  if (minutes < 60) return std::to_string(minutes) + " min";
  int64_t hours = minutes / 60;
  if (hours < 24) {
    std::string out = std::to_string(hours) + " h";
    if (minutes % 60) out += " " + std::to_string(minutes % 60) + " min";
    return out;
  }
  std::string out = std::to_string(hours / 24) + " d";
  if (hours % 24) out += " " + std::to_string(hours % 24) + " h";
  return out;
}

std::optional<int64_t> ParseDuration(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  size_t i = 0;
  int parts = 0;
  bool bare = false;
  while (i < text.size()) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i >= text.size()) break;
    if (!IsDigit(text[i])) return std::nullopt;
    int64_t n = 0;
    while (i < text.size() && IsDigit(text[i])) {
      n = n * 10 + (text[i] - '0');
      if (n > 1000000000) return std::nullopt;
      ++i;
    }
    while (i < text.size() && IsSpace(text[i])) ++i;
    size_t u = i;
    while (i < text.size() && IsAlpha(text[i])) ++i;
    std::string unit = ToLowerAscii(text.substr(u, i - u));
    int64_t mult;
    if (unit.empty()) {
      bare = true;
      mult = 60;
    } else if (unit == "s" || unit == "sec" || unit == "secs" || unit == "second" ||
               unit == "seconds") {
      mult = 1;
    } else if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" ||
               unit == "minutes") {
      mult = 60;
    } else if (unit == "h" || unit == "hr" || unit == "hrs" || unit == "hour" ||
               unit == "hours") {
      mult = 3600;
    } else if (unit == "d" || unit == "day" || unit == "days") {
      mult = 86400;
    } else if (unit == "w" || unit == "week" || unit == "weeks") {
      mult = 7 * 86400;
    } else {
      return std::nullopt;
    }
    total += n * mult;
    ++parts;
    while (i < text.size() && (IsSpace(text[i]) || text[i] == ',')) ++i;
    if (i + 3 <= text.size() && IStartsWith(text.substr(i), "and ")) i += 4;
  }
  if (parts == 0 || (bare && parts > 1)) return std::nullopt;  // "1h 30" is ambiguous
  return total;
}

DateTime Today() {
  int64_t now = 0;
  const char* sde = std::getenv("SOURCE_DATE_EPOCH");
  bool have = false;
  if (sde && *sde) {
    char* end = nullptr;
    long long v = std::strtoll(sde, &end, 10);
    if (end && *end == '\0') {
      now = v;
      have = true;
    }
  }
  if (!have) {
    now = std::chrono::duration_cast<std::chrono::seconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  }
  DateTime t;
  int64_t days = now >= 0 ? now / 86400 : (now - 86399) / 86400;
  t.utc_seconds = days * 86400;
  t.has_time = false;
  return t;
}

}  // namespace casebook::util
