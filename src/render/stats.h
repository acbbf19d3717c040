// Archive statistics for the stats page, the term pages, the home page, the
// action tracker (/actions/, actions.csv) and `casebook actions`: counts,
// medians and per-period aggregation. Pure functions of the model; no clock
// (today is SiteModel::today), no I/O; thread-safe.
//
// Days are calendar days, as the pages show them:
//   - an incident's day is its incident date in the display zone (site.toml
//     `timezone`), the same day the date archive files it under;
//   - a due date is the day as written;
//   - today is SiteModel::today (the build date, or --today).
// Windows of "7 days" include today: new this week = incident day in
// [today-6, today]; due soon = an open item due in [today, today+6].
//
// Periods are integer keys so they sort and step: a year is y, a quarter
// y*4 + (q-1), a month y*12 + (m-1). Period lists are oldest first and hold
// every period with data; a run of at most kMaxEmptyRun empty periods
// between two of them is kept (zero counts), a longer run becomes one slot
// (PeriodCounts::ends, labelled "2012–2023"), so a chart has at most
// (kMaxEmptyRun + 1) slots per period with data, whatever the dates.
//
// Incident dates before 1970 or more than a year after today
// (model::IsPlausibleDate) count as undated here: IncidentDay is nullopt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/site_model.h"

namespace casebook::render::stats {

/// Median of the known values (nullopt ones skipped): the middle value, or
/// the mean of the two middle values for an even count. nullopt when no
/// value is known.
std::optional<double> Median(const std::vector<std::optional<int64_t>>& values);

// ---- Days and periods ----------------------------------------------------

/// Days since 1970-01-01 of `t` as FormatDate shows it: a date without a
/// time is the day written; a date-time is its day at `display_offset`.
int64_t DayOf(const util::DateTime& t, int display_offset_minutes);
/// Longest run of empty periods a chart shows one by one.
constexpr int kMaxEmptyRun = 12;

/// The incident's day in the display zone; nullopt without an incident date
/// or with an implausible one (Postmortem::incident_date_plausible).
std::optional<int64_t> IncidentDay(const model::SiteModel& site, int postmortem);
/// SiteModel::today as a day number.
int64_t TodayDay(const model::SiteModel& site);

enum class PeriodKind { kYear, kQuarter, kMonth };
/// The period holding `day`.
int PeriodOf(PeriodKind kind, int64_t day);
/// "2024", "2024 Q1", "2024-03".
std::string PeriodLabel(PeriodKind kind, int period);
/// PeriodLabel, or "2012–2023" for a slot spanning several periods.
std::string SlotLabel(PeriodKind kind, int first, int last);

// ---- Counts per period ---------------------------------------------------

/// Counts per period and series: counts[p][s] for periods[p], series[s].
struct PeriodCounts {
  PeriodKind kind = PeriodKind::kYear;
  std::vector<int> periods;          // oldest first (see above)
  /// Last period of each slot: ends[p] == periods[p], or later for a
  /// collapsed run of empty periods (counts zero).
  std::vector<int> ends;
  std::vector<std::string> series;   // labels
  std::vector<std::string> colors;   // "#rrggbb", one per series
  std::vector<std::vector<int64_t>> counts;

  int64_t Total() const;
  int64_t PeriodTotal(size_t p) const;
};

/// Postmortems per month, one series per severity level (site.toml order,
/// its label and colour) plus "Unknown" when some have none or an unknown
/// one. The window ends at the month of the newest incident and spans at
/// most `max_months` back (fewer when the archive spans fewer). Undated
/// postmortems are left out.
PeriodCounts MonthlyBySeverity(const model::SiteModel& site, size_t max_months = 24);

/// How many of `postmortems` had their incident in each year from
/// `first_year` to `last_year` (one series, "Postmortems"), over the years
/// in which the SITE has incidents (long empty runs collapsed, see above).
/// Use the site's year span (YearSpan) so every term's chart has the same
/// axis.
PeriodCounts CountsByYear(const model::SiteModel& site, const std::vector<int>& postmortems,
                          int first_year, int last_year);
/// The first and last year with a dated incident; false when none.
bool YearSpan(const model::SiteModel& site, int* first_year, int* last_year);
/// The years with a (plausibly) dated incident: all that YearSpan and
/// CountsByYear read of the whole archive, one pass over it. A caller
/// charting many terms makes it once and passes it to the two below (made
/// for each term, it was a pass over every postmortem per term).
std::set<int> DatedYears(const model::SiteModel& site);
bool YearSpan(const std::set<int>& dated_years, int* first_year, int* last_year);
PeriodCounts CountsByYear(const model::SiteModel& site, const std::vector<int>& postmortems,
                          int first_year, int last_year, const std::set<int>& dated_years);

// ---- Durations -----------------------------------------------------------

/// Medians of time to detect / mitigate / resolve (seconds) over some
/// postmortems; each median only counts the postmortems where both ends are
/// known (model::Durations), never a guess.
struct DurationMedians {
  std::optional<double> detect, mitigate, resolve;
  size_t detect_n = 0, mitigate_n = 0, resolve_n = 0;
  size_t postmortems = 0;
  bool Any() const { return detect || mitigate || resolve; }
};
DurationMedians MediansOf(const model::SiteModel& site, const std::vector<int>& postmortems);

struct QuarterMedians {
  int quarter = 0;  // period key
  int last_quarter = 0;  // > quarter: a collapsed run of empty quarters
  DurationMedians medians;
};
/// Every quarter from the first to the last dated incident (by incident day;
/// long empty runs collapsed), with the medians of that quarter's
/// postmortems.
std::vector<QuarterMedians> MediansByQuarter(const model::SiteModel& site);

// ---- Taxonomy terms ------------------------------------------------------

struct TermCount {
  const model::Term* term = nullptr;
  size_t count = 0;
};
/// The `n` terms with the most postmortems: most first, then by name as the
/// taxonomy orders them. Terms without postmortems are left out.
std::vector<TermCount> TopTerms(const model::Taxonomy& tax, size_t n);

// ---- Action items --------------------------------------------------------

/// One action item, resolved against today. `status` is "open" when empty.
struct ActionRow {
  int postmortem = -1;
  int action = -1;
  const model::Postmortem* pm = nullptr;
  const content::ActionItem* item = nullptr;
  std::string status;
  bool overdue = false;        // open and due before today (IsOverdue)
  int64_t overdue_days = 0;    // > 0 only when overdue
  bool due_soon = false;       // open and due today or in the next 6 days
  std::optional<int64_t> days_until_due;  // due - today; nullopt without due
  /// site.toml's ticket_url pattern (ActionRows sets it; null: none).
  const std::string* ticket_pattern = nullptr;
  /// TicketUrl(cfg.ticket_url, ticket) or "": made where a row is shown,
  /// not for each of the ~300,000 rows every build makes at 100,000
  /// postmortems (an edit's build shows a few).
  std::string ticket_url() const;
};

/// Every action item in SiteModel::actions order (open first, then by due
/// date). When `actions` is empty but postmortems hold items (a model built
/// by hand), they are collected in postmortem order.
std::vector<ActionRow> ActionRows(const model::SiteModel& site);

struct ActionCounts {
  size_t total = 0, open = 0, overdue = 0, due_soon = 0, done = 0, wontfix = 0, other = 0;
};
ActionCounts CountActions(const std::vector<ActionRow>& rows);
/// The same over the rows at `indices` (a view's subset of `rows`).
ActionCounts CountActions(const std::vector<ActionRow>& rows, const std::vector<size_t>& indices);

/// Action items per quarter of their postmortem's incident date (items of
/// undated postmortems are left out), as of today: series "Done", "Won't
/// fix", "Open" (open, not overdue; other statuses count here too),
/// "Overdue". Quarters from the first to the last with an item (long empty
/// runs collapsed).
PeriodCounts ActionsByQuarter(const model::SiteModel& site, const std::vector<ActionRow>& rows);

// ---- Home page -----------------------------------------------------------

/// Postmortems whose incident day is in [today-6, today], newest first.
std::vector<int> NewThisWeek(const model::SiteModel& site);
/// Postmortems whose incident day has today's month and day in an earlier
/// year (on 28 February of a non-leap year, 29 February counts too), newest
/// first.
std::vector<int> OnThisDay(const model::SiteModel& site);

}  // namespace casebook::render::stats
