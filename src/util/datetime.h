// Dates, date-times, time zones and durations.
//
// Postmortems carry RFC 3339 date-times (TOML/YAML), bare dates, and in plain
// Markdown timelines, looser forms such as "2021-06-22 08:21",
// "~2025-03-03 19:30" or "2019-12-03 --:--" in a zone named elsewhere
// ("All times in CET"). Everything is stored as UTC seconds plus the offset it
// was written in. Zones are fixed offsets (UTC, GMT, CET, CEST, EST, PDT, ...,
// "+02:00"); we do not consult a tz database, so "CET" means +01:00 all year.
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace casebook::util {

struct DateTime {
  int64_t utc_seconds = 0;  // seconds since 1970-01-01T00:00:00Z
  int offset_minutes = 0;   // the offset it was written in, for display
  bool has_time = true;     // false: a date only (stored as 00:00 at offset)
  bool approximate = false; // written with a leading "~"
  bool time_unknown = false;// written as "--:--": the day is known, not the time

  bool operator<(const DateTime& o) const { return utc_seconds < o.utc_seconds; }
  bool operator==(const DateTime& o) const {
    return utc_seconds == o.utc_seconds && has_time == o.has_time;
  }
};

/// Days since 1970-01-01 for a proleptic Gregorian date (Hinnant's algorithm).
int64_t DaysFromCivil(int year, int month, int day);
/// Inverse of DaysFromCivil.
void CivilFromDays(int64_t days, int* year, int* month, int* day);
bool IsValidDate(int year, int month, int day);

/// Offset in minutes for a zone name: "UTC", "Z", "GMT", "CET", "CEST",
/// "+02:00", "-0500", "UTC+2". nullopt when unknown.
std::optional<int> ZoneOffsetMinutes(std::string_view zone);

/// Parses RFC 3339 ("2024-03-12T09:14:00Z", "...+01:00", fractional seconds
/// ignored), a bare date ("2024-03-12"), and "2024-03-12 09:14[:ss]" with an
/// optional trailing zone name. A leading "~" sets `approximate`; "--:--" as
/// the time sets `time_unknown`. Without a zone, `default_offset_minutes`
/// applies. nullopt when the text is not a date-time (surrounding whitespace
/// is trimmed; anything else left over fails). Also accepted, as found in real
/// timelines: a one-digit hour ("8:40"), several spaces before the time, a
/// trailing "~" (approximate), "HH:mm" / "??:??" as the time (time_unknown),
/// "12:??" (hour known: 12:00, approximate), a zone in parentheses "(CET)".
/// A date without a time is stored as 00:00 at the offset (has_time false).
std::optional<DateTime> ParseDateTime(std::string_view text,
                                      int default_offset_minutes = 0);

/// Finds a date-time at the very start of `text` (after optional "~", "**",
/// "`" or "|" and spaces) and returns it with how many bytes it used.
/// Used for timeline rows like "2021-06-22 08:21 Deploy starts".
std::optional<DateTime> ParseLeadingDateTime(std::string_view text,
                                             int default_offset_minutes,
                                             size_t* consumed);

/// Finds the first yyyy-mm-dd (or yyyymmdd with separators around it) in a
/// file name such as "2023-11-02-primary-failover.md". nullopt when none.
std::optional<DateTime> DateInFileName(std::string_view name);

/// The day (at `display_offset`) as "2024-03-12". A date without a time is
/// always the day it was written, whatever the display offset.
std::string FormatDate(const DateTime& t, int display_offset_minutes);
/// "2024-03-12 09:14 UTC" / "2024-03-12 10:14 +01:00"; date only when !has_time.
/// Does not mark `approximate` (the caller adds "~" if it wants).
std::string FormatDateTime(const DateTime& t, int display_offset_minutes);
/// RFC 3339 in UTC: "2024-03-12T09:14:00Z". For feeds, JSON and <time>.
std::string FormatRfc3339(const DateTime& t);
/// "UTC" for 0, otherwise "+01:00" / "-05:30".
std::string FormatOffset(int offset_minutes);

/// Human duration: "45 s", "7 min", "2 h 5 min", "3 d 4 h". Negative -> "-7 min".
std::string FormatDuration(int64_t seconds);
/// Parses "30m", "2h", "1h30m", "90s", "2d", "45" (minutes) into seconds;
/// also spelled out: "8 minutes", "54 hours 10 minutes".
std::optional<int64_t> ParseDuration(std::string_view text);

/// Today's date (UTC) as a DateTime without time. Honours SOURCE_DATE_EPOCH.
DateTime Today();

}  // namespace casebook::util
