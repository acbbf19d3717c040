#include <catch2/catch.hpp>

#include <cstdlib>

#include "util/datetime.h"

using namespace casebook::util;

namespace {
// UTC seconds of a civil date-time.
int64_t Utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}
}  // namespace

TEST_CASE("civil day arithmetic round-trips", "[datetime]") {
  CHECK(DaysFromCivil(1970, 1, 1) == 0);
  CHECK(DaysFromCivil(2000, 3, 1) == 11017);
  CHECK(DaysFromCivil(1969, 12, 31) == -1);
  for (int64_t days : {-1000000LL, -1LL, 0LL, 59LL, 11016LL, 19000LL, 2932896LL}) {
    int y, m, d;
    CivilFromDays(days, &y, &m, &d);
    CHECK(DaysFromCivil(y, m, d) == days);
  }
  CHECK(IsValidDate(2024, 2, 29));
  CHECK_FALSE(IsValidDate(2023, 2, 29));
  CHECK_FALSE(IsValidDate(2023, 2, 30));
  CHECK_FALSE(IsValidDate(1900, 2, 29));
  CHECK(IsValidDate(2000, 2, 29));
  CHECK_FALSE(IsValidDate(2023, 13, 1));
  CHECK_FALSE(IsValidDate(2023, 4, 31));
  CHECK_FALSE(IsValidDate(2023, 4, 0));
}

TEST_CASE("zone names and numeric offsets", "[datetime]") {
  CHECK(ZoneOffsetMinutes("UTC") == 0);
  CHECK(ZoneOffsetMinutes("Z") == 0);
  CHECK(ZoneOffsetMinutes("gmt") == 0);
  CHECK(ZoneOffsetMinutes("CET") == 60);
  CHECK(ZoneOffsetMinutes("CEST") == 120);
  CHECK(ZoneOffsetMinutes("IST") == 330);
  CHECK(ZoneOffsetMinutes("EST") == -300);
  CHECK(ZoneOffsetMinutes("PDT") == -420);
  CHECK(ZoneOffsetMinutes("AEDT") == 660);
  CHECK(ZoneOffsetMinutes("+02:00") == 120);
  CHECK(ZoneOffsetMinutes("-0500") == -300);
  CHECK(ZoneOffsetMinutes("+05:30") == 330);
  CHECK(ZoneOffsetMinutes("UTC+2") == 120);
  CHECK(ZoneOffsetMinutes("GMT-03:30") == -210);
  CHECK(ZoneOffsetMinutes(" CET ") == 60);
  CHECK_FALSE(ZoneOffsetMinutes("Mars"));
  CHECK_FALSE(ZoneOffsetMinutes(""));
  CHECK_FALSE(ZoneOffsetMinutes("+25:00"));
  CHECK_FALSE(ZoneOffsetMinutes("+02:75"));
  CHECK_FALSE(ZoneOffsetMinutes("CET+1"));  // only UTC/GMT take an offset
  CHECK_FALSE(ZoneOffsetMinutes("Europe/Copenhagen"));
}

TEST_CASE("ParseDateTime: RFC 3339", "[datetime]") {
  auto a = ParseDateTime("2024-03-12T09:14:00Z");
  REQUIRE(a);
  CHECK(a->utc_seconds == Utc(2024, 3, 12, 9, 14));
  CHECK(a->has_time);
  CHECK(a->offset_minutes == 0);

  auto b = ParseDateTime("2024-03-12T10:14:00+01:00");
  REQUIRE(b);
  CHECK(b->utc_seconds == Utc(2024, 3, 12, 9, 14));
  CHECK(b->offset_minutes == 60);

  auto c = ParseDateTime("2024-03-12T04:14:30.123456-05:00");
  REQUIRE(c);
  CHECK(c->utc_seconds == Utc(2024, 3, 12, 9, 14, 30));
  CHECK(c->offset_minutes == -300);

  auto d = ParseDateTime("2021-06-22T08:21Z");
  REQUIRE(d);
  CHECK(d->utc_seconds == Utc(2021, 6, 22, 8, 21));

  // Without a zone the default offset applies.
  auto e = ParseDateTime("2024-03-12T10:14:00", 60);
  REQUIRE(e);
  CHECK(e->utc_seconds == Utc(2024, 3, 12, 9, 14));
}

TEST_CASE("ParseDateTime: loose forms from plain Markdown", "[datetime]") {
  auto a = ParseDateTime("2021-06-22 08:21");
  REQUIRE(a);
  CHECK(a->utc_seconds == Utc(2021, 6, 22, 8, 21));
  CHECK_FALSE(a->approximate);

  auto b = ParseDateTime("2021-06-22 08:21 CET");
  REQUIRE(b);
  CHECK(b->utc_seconds == Utc(2021, 6, 22, 7, 21));
  CHECK(b->offset_minutes == 60);

  auto b2 = ParseDateTime("2021-06-22 08:21", 60);
  REQUIRE(b2);
  CHECK(b2->utc_seconds == b->utc_seconds);

  auto b3 = ParseDateTime("2021-06-22 08:21 UTC", 60);  // explicit zone wins
  REQUIRE(b3);
  CHECK(b3->utc_seconds == Utc(2021, 6, 22, 8, 21));

  auto c = ParseDateTime("~2025-03-03 19:30");
  REQUIRE(c);
  CHECK(c->approximate);
  CHECK(c->utc_seconds == Utc(2025, 3, 3, 19, 30));

  auto c2 = ParseDateTime("2020-11-17 10:45~");
  REQUIRE(c2);
  CHECK(c2->approximate);

  auto d = ParseDateTime("2019-12-03 --:--", 60);
  REQUIRE(d);
  CHECK(d->time_unknown);
  CHECK_FALSE(d->has_time);
  CHECK(FormatDate(*d, 0) == "2019-12-03");

  auto d2 = ParseDateTime("2024-03-13 HH:mm");
  REQUIRE(d2);
  CHECK(d2->time_unknown);

  auto e = ParseDateTime("2024-04-09 8:40");
  REQUIRE(e);
  CHECK(e->utc_seconds == Utc(2024, 4, 9, 8, 40));

  auto f = ParseDateTime("2021-12-10   15:40");
  REQUIRE(f);
  CHECK(f->utc_seconds == Utc(2021, 12, 10, 15, 40));

  auto g = ParseDateTime("2024-03-12");
  REQUIRE(g);
  CHECK_FALSE(g->has_time);
  CHECK(g->utc_seconds == Utc(2024, 3, 12));

  auto h = ParseDateTime("2021-06-22 08:21 +0200");
  REQUIRE(h);
  CHECK(h->utc_seconds == Utc(2021, 6, 22, 6, 21));

  auto i = ParseDateTime("  2021-06-22 08:21 (UTC+2)  ");
  REQUIRE(i);
  CHECK(i->offset_minutes == 120);
}

TEST_CASE("ParseDateTime rejects what is not a date-time", "[datetime]") {
  CHECK_FALSE(ParseDateTime("2023-02-30"));
  CHECK_FALSE(ParseDateTime("2023-02-29 10:00"));
  CHECK_FALSE(ParseDateTime("2023-13-01"));
  CHECK_FALSE(ParseDateTime("2023-01-01 25:00"));
  CHECK_FALSE(ParseDateTime("2023-01-01 10:61"));
  CHECK_FALSE(ParseDateTime("2023-01-01T"));
  CHECK_FALSE(ParseDateTime("yesterday"));
  CHECK_FALSE(ParseDateTime(""));
  CHECK_FALSE(ParseDateTime("20202-01-16 12:00"));
  CHECK_FALSE(ParseDateTime("2022-05-?? HH:mm"));
  CHECK_FALSE(ParseDateTime("2021-06-22 08:21 Mars"));
  CHECK_FALSE(ParseDateTime("2021-06-22 08:21 and more"));
  CHECK_FALSE(ParseDateTime("2021/06/22"));
}

TEST_CASE("ParseLeadingDateTime finds a date-time at the start of a row", "[datetime]") {
  size_t used = 0;
  auto a = ParseLeadingDateTime("2021-06-22 08:21 Deploy starts", 0, &used);
  REQUIRE(a);
  CHECK(a->utc_seconds == Utc(2021, 6, 22, 8, 21));
  CHECK(std::string_view("2021-06-22 08:21 Deploy starts").substr(used) == " Deploy starts");

  std::string_view row = "**2021-06-22 08:21** Alert fires";
  auto b = ParseLeadingDateTime(row, 60, &used);
  REQUIRE(b);
  CHECK(b->utc_seconds == Utc(2021, 6, 22, 7, 21));
  CHECK(row.substr(used) == " Alert fires");

  std::string_view zoned = "`2021-06-22 08:21 EST`: paged";
  auto c = ParseLeadingDateTime(zoned, 0, &used);
  REQUIRE(c);
  CHECK(c->offset_minutes == -300);
  CHECK(zoned.substr(used) == ": paged");

  // A range keeps its start; the rest is left for the caller.
  std::string_view range = "2020-10-06 09:00 - 11:00";
  auto d = ParseLeadingDateTime(range, 60, &used);
  REQUIRE(d);
  CHECK(d->offset_minutes == 60);
  CHECK(range.substr(used) == " - 11:00");

  std::string_view tight = "2022-08-03 12:26-12:??";
  auto e = ParseLeadingDateTime(tight, 0, &used);
  REQUIRE(e);
  CHECK(e->utc_seconds == Utc(2022, 8, 3, 12, 26));
  CHECK(tight.substr(used) == "-12:??");

  CHECK_FALSE(ParseLeadingDateTime("08:21 no date", 0, &used));
  CHECK_FALSE(ParseLeadingDateTime("Deploy on 2021-06-22", 0, &used));
}

TEST_CASE("DateInFileName", "[datetime]") {
  auto a = DateInFileName("2023-11-02-primary-failover.md");
  REQUIRE(a);
  CHECK(FormatDate(*a, 0) == "2023-11-02");
  CHECK_FALSE(a->has_time);
  auto b = DateInFileName("incident_20230415_db.md");
  REQUIRE(b);
  CHECK(FormatDate(*b, 0) == "2023-04-15");
  CHECK_FALSE(DateInFileName("PM2020-004 - CoreDNS upgrade issue.md"));
  CHECK_FALSE(DateInFileName("2023-02-30-bad.md"));
  CHECK_FALSE(DateInFileName("build-123456789.md"));
  CHECK_FALSE(DateInFileName("notes.md"));
}

TEST_CASE("formatting dates, offsets and RFC 3339", "[datetime]") {
  DateTime t;
  t.utc_seconds = Utc(2024, 3, 12, 9, 14);
  CHECK(FormatDate(t, 0) == "2024-03-12");
  CHECK(FormatDateTime(t, 0) == "2024-03-12 09:14 UTC");
  CHECK(FormatDateTime(t, 60) == "2024-03-12 10:14 +01:00");
  CHECK(FormatDateTime(t, -600) == "2024-03-11 23:14 -10:00");
  CHECK(FormatRfc3339(t) == "2024-03-12T09:14:00Z");
  CHECK(FormatOffset(0) == "UTC");
  CHECK(FormatOffset(330) == "+05:30");
  CHECK(FormatOffset(-300) == "-05:00");

  auto day = ParseDateTime("2024-03-12", 60);
  REQUIRE(day);
  CHECK(FormatDate(*day, -600) == "2024-03-12");  // a date stays its day
  CHECK(FormatDateTime(*day, 0) == "2024-03-12");

  DateTime old;
  old.utc_seconds = -1;
  CHECK(FormatRfc3339(old) == "1969-12-31T23:59:59Z");
}

TEST_CASE("FormatDuration", "[datetime]") {
  CHECK(FormatDuration(0) == "0 s");
  CHECK(FormatDuration(45) == "45 s");
  CHECK(FormatDuration(7 * 60) == "7 min");
  CHECK(FormatDuration(7 * 60 + 40) == "7 min");
  CHECK(FormatDuration(2 * 3600) == "2 h");
  CHECK(FormatDuration(2 * 3600 + 5 * 60) == "2 h 5 min");
  CHECK(FormatDuration(3 * 86400) == "3 d");
  CHECK(FormatDuration(3 * 86400 + 4 * 3600 + 59 * 60) == "3 d 4 h");
  CHECK(FormatDuration(-7 * 60) == "-7 min");
}

TEST_CASE("ParseDuration", "[datetime]") {
  CHECK(ParseDuration("30m") == 1800);
  CHECK(ParseDuration("2h") == 7200);
  CHECK(ParseDuration("1h30m") == 5400);
  CHECK(ParseDuration("90s") == 90);
  CHECK(ParseDuration("2d") == 172800);
  CHECK(ParseDuration("45") == 2700);
  CHECK(ParseDuration("8 minutes") == 480);
  CHECK(ParseDuration("54 hours 10 minutes") == 54 * 3600 + 600);
  CHECK_FALSE(ParseDuration(""));
  CHECK_FALSE(ParseDuration("?"));
  CHECK_FALSE(ParseDuration("N/A"));
  CHECK_FALSE(ParseDuration("5 parsecs"));
  CHECK_FALSE(ParseDuration("1h 30"));
}

TEST_CASE("Today honours SOURCE_DATE_EPOCH", "[datetime]") {
  const char* old = std::getenv("SOURCE_DATE_EPOCH");
  std::string saved = old ? old : "";
  setenv("SOURCE_DATE_EPOCH", "1710235000", 1);  // 2024-03-12T09:16:40Z
  DateTime t = Today();
  CHECK(t.utc_seconds == Utc(2024, 3, 12));
  CHECK_FALSE(t.has_time);
  unsetenv("SOURCE_DATE_EPOCH");
  DateTime now = Today();
  CHECK(now.utc_seconds % 86400 == 0);
  CHECK(now.utc_seconds > Utc(2024, 1, 1));
  if (old) setenv("SOURCE_DATE_EPOCH", saved.c_str(), 1);
}
