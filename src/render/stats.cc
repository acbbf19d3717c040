// Archive statistics: medians, counts per period, top terms, action rows.
// See stats.h for the conventions (days, periods, windows).
#include "render/stats.h"

#include <algorithm>
#include <map>
#include <set>

#include "render/color.h"
#include "render/urls.h"
#include "render/view.h"
#include "util/parallel.h"

namespace casebook::render::stats {

std::optional<double> Median(const std::vector<std::optional<int64_t>>& values) {
  std::vector<int64_t> known;
  for (const auto& v : values) {
    if (v) known.push_back(*v);
  }
  if (known.empty()) return std::nullopt;
  std::sort(known.begin(), known.end());
  size_t mid = known.size() / 2;
  if (known.size() % 2 == 1) return static_cast<double>(known[mid]);
  return (static_cast<double>(known[mid - 1]) + static_cast<double>(known[mid])) / 2.0;
}

// ---- Days and periods ----------------------------------------------------

int64_t DayOf(const util::DateTime& t, int display_offset_minutes) {
  int offset = t.has_time ? display_offset_minutes : t.offset_minutes;
  int64_t local = t.utc_seconds + static_cast<int64_t>(offset) * 60;
  return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

std::optional<int64_t> IncidentDay(const model::SiteModel& site, int postmortem) {
  const auto& pm = site.postmortems[postmortem];
  if (!pm.incident_date || !pm.incident_date_plausible) return std::nullopt;
  int offset = site.config ? site.config->timezone_offset_minutes : 0;
  return DayOf(*pm.incident_date, offset);
}

int64_t TodayDay(const model::SiteModel& site) { return DayOf(site.today, 0); }

int PeriodOf(PeriodKind kind, int64_t day) {
  int y, m, d;
  util::CivilFromDays(day, &y, &m, &d);
  switch (kind) {
    case PeriodKind::kYear: return y;
    case PeriodKind::kQuarter: return y * 4 + (m - 1) / 3;
    case PeriodKind::kMonth: return y * 12 + (m - 1);
  }
  return y;
}

std::string PeriodLabel(PeriodKind kind, int period) {
  auto pad2 = [](int n) { return std::string(n < 10 ? "0" : "") + std::to_string(n); };
  switch (kind) {
    case PeriodKind::kYear: return std::to_string(period);
    case PeriodKind::kQuarter: return std::to_string(period / 4) + " Q" + std::to_string(period % 4 + 1);
    case PeriodKind::kMonth: return std::to_string(period / 12) + "-" + pad2(period % 12 + 1);
  }
  return std::to_string(period);
}

std::string SlotLabel(PeriodKind kind, int first, int last) {
  return first == last ? PeriodLabel(kind, first)
                       : PeriodLabel(kind, first) + "\u2013" + PeriodLabel(kind, last);
}

int64_t PeriodCounts::Total() const {
  int64_t n = 0;
  for (size_t p = 0; p < counts.size(); ++p) n += PeriodTotal(p);
  return n;
}

int64_t PeriodCounts::PeriodTotal(size_t p) const {
  int64_t n = 0;
  for (int64_t c : counts[p]) n += c;
  return n;
}

namespace {

/// Periods first..last (inclusive) with `series` zeroed.
PeriodCounts MakeCounts(PeriodKind kind, int first, int last, std::vector<std::string> series,
                        std::vector<std::string> colors) {
  PeriodCounts c;
  c.kind = kind;
  c.series = std::move(series);
  c.colors = std::move(colors);
  for (int p = first; p <= last; ++p) {
    c.periods.push_back(p);
    c.ends.push_back(p);
    c.counts.emplace_back(c.series.size(), 0);
  }
  return c;
}

/// Slots (first, last period) for the periods holding data: each of them,
/// the empty periods between two of them one by one when there are at most
/// kMaxEmptyRun, else one slot for the whole run.
std::vector<std::pair<int, int>> Slots(const std::set<int>& with_data) {
  std::vector<std::pair<int, int>> slots;
  for (int p : with_data) {
    if (!slots.empty()) {
      const int gap_first = slots.back().second + 1, gap_last = p - 1;
      if (gap_last - gap_first + 1 > kMaxEmptyRun) {
        slots.emplace_back(gap_first, gap_last);
      } else {
        for (int q = gap_first; q <= gap_last; ++q) slots.emplace_back(q, q);
      }
    }
    slots.emplace_back(p, p);
  }
  return slots;
}

/// Counts with one zeroed row per slot; *slot_of maps a period with data
/// to its row.
PeriodCounts MakeSlotCounts(PeriodKind kind, const std::vector<std::pair<int, int>>& slots,
                            std::vector<std::string> series, std::vector<std::string> colors,
                            std::map<int, size_t>* slot_of) {
  PeriodCounts c;
  c.kind = kind;
  c.series = std::move(series);
  c.colors = std::move(colors);
  for (const auto& [first, last] : slots) {
    if (first == last) (*slot_of)[first] = c.periods.size();
    c.periods.push_back(first);
    c.ends.push_back(last);
    c.counts.emplace_back(c.series.size(), 0);
  }
  return c;
}

/// The dated postmortems' periods, by index; nullopt for undated ones.
std::vector<std::optional<int>> PeriodsOf(const model::SiteModel& site, PeriodKind kind) {
  std::vector<std::optional<int>> out(site.postmortems.size());
  for (size_t i = 0; i < site.postmortems.size(); ++i) {
    if (auto day = IncidentDay(site, static_cast<int>(i))) out[i] = PeriodOf(kind, *day);
  }
  return out;
}

}  // namespace

PeriodCounts MonthlyBySeverity(const model::SiteModel& site, size_t max_months) {
  const config::SiteConfig& cfg = *site.config;
  std::vector<std::string> labels, colors;
  for (size_t r = 0; r < cfg.severities.size(); ++r) {
    const auto& level = cfg.severities[r];
    labels.push_back(level.label.empty() ? level.name : level.label);
    colors.push_back(SanitizeColor(level.color, config::DefaultSeverityColor(r)));
  }
  const int severities = static_cast<int>(cfg.severities.size());
  auto months = PeriodsOf(site, PeriodKind::kMonth);
  std::optional<int> newest;
  bool unknown = false;
  for (size_t i = 0; i < months.size(); ++i) {
    if (!months[i]) continue;
    if (!newest || *months[i] > *newest) newest = *months[i];
  }
  if (!newest || max_months == 0) return MakeCounts(PeriodKind::kMonth, 1, 0, labels, colors);
  int oldest = *newest;
  for (const auto& m : months) {
    if (m && *m < oldest) oldest = *m;
  }
  int first = std::max(oldest, *newest - static_cast<int>(max_months) + 1);
  for (size_t i = 0; i < months.size(); ++i) {
    int rank = site.postmortems[i].severity_rank;
    if (months[i] && *months[i] >= first && (rank < 0 || rank >= severities)) unknown = true;
  }
  if (unknown) {
    labels.push_back("Unknown");
    colors.push_back("#8a939e");
  }
  PeriodCounts c = MakeCounts(PeriodKind::kMonth, first, *newest, labels, colors);
  for (size_t i = 0; i < months.size(); ++i) {
    if (!months[i] || *months[i] < first) continue;
    int rank = site.postmortems[i].severity_rank;
    size_t s = rank >= 0 && rank < severities ? static_cast<size_t>(rank) : labels.size() - 1;
    ++c.counts[*months[i] - first][s];
  }
  return c;
}

std::set<int> DatedYears(const model::SiteModel& site) {
  std::set<int> years;
  for (size_t i = 0; i < site.postmortems.size(); ++i)
    if (auto day = IncidentDay(site, static_cast<int>(i))) years.insert(PeriodOf(PeriodKind::kYear, *day));
  return years;
}

bool YearSpan(const std::set<int>& dated_years, int* first_year, int* last_year) {
  if (dated_years.empty()) return false;
  *first_year = *dated_years.begin();
  *last_year = *dated_years.rbegin();
  return true;
}

bool YearSpan(const model::SiteModel& site, int* first_year, int* last_year) {
  return YearSpan(DatedYears(site), first_year, last_year);
}

PeriodCounts CountsByYear(const model::SiteModel& site, const std::vector<int>& postmortems,
                          int first_year, int last_year) {
  return CountsByYear(site, postmortems, first_year, last_year, DatedYears(site));
}

PeriodCounts CountsByYear(const model::SiteModel& site, const std::vector<int>& postmortems,
                          int first_year, int last_year, const std::set<int>& dated_years) {
  std::set<int> years{first_year, last_year};
  for (auto y = dated_years.lower_bound(first_year); y != dated_years.end() && *y <= last_year; ++y)
    years.insert(*y);
  std::map<int, size_t> slot_of;
  PeriodCounts c = MakeSlotCounts(PeriodKind::kYear, Slots(years), {"Postmortems"}, {"#0b57a4"},
                                  &slot_of);
  for (int i : postmortems) {
    if (i < 0 || static_cast<size_t>(i) >= site.postmortems.size()) continue;
    auto day = IncidentDay(site, i);
    if (!day) continue;
    auto slot = slot_of.find(PeriodOf(PeriodKind::kYear, *day));
    if (slot != slot_of.end()) ++c.counts[slot->second][0];
  }
  return c;
}

// ---- Durations -----------------------------------------------------------

DurationMedians MediansOf(const model::SiteModel& site, const std::vector<int>& postmortems) {
  std::vector<std::optional<int64_t>> detect, mitigate, resolve;
  DurationMedians m;
  for (int i : postmortems) {
    if (i < 0 || static_cast<size_t>(i) >= site.postmortems.size()) continue;
    const auto& d = site.postmortems[i].durations;
    detect.push_back(d.detect);
    mitigate.push_back(d.mitigate);
    resolve.push_back(d.resolve);
    m.detect_n += d.detect ? 1 : 0;
    m.mitigate_n += d.mitigate ? 1 : 0;
    m.resolve_n += d.resolve ? 1 : 0;
    ++m.postmortems;
  }
  m.detect = Median(detect);
  m.mitigate = Median(mitigate);
  m.resolve = Median(resolve);
  return m;
}

std::vector<QuarterMedians> MediansByQuarter(const model::SiteModel& site) {
  auto quarters = PeriodsOf(site, PeriodKind::kQuarter);
  std::map<int, std::vector<int>> by_quarter;
  for (size_t i = 0; i < quarters.size(); ++i) {
    if (quarters[i]) by_quarter[*quarters[i]].push_back(static_cast<int>(i));
  }
  std::vector<QuarterMedians> out;
  std::set<int> with_data;
  for (const auto& [q, list] : by_quarter) with_data.insert(q);
  for (const auto& [first, last] : Slots(with_data)) {
    auto it = first == last ? by_quarter.find(first) : by_quarter.end();
    out.push_back({first, last, it == by_quarter.end() ? DurationMedians{} : MediansOf(site, it->second)});
  }
  return out;
}

// ---- Taxonomy terms ------------------------------------------------------

std::vector<TermCount> TopTerms(const model::Taxonomy& tax, size_t n) {
  std::vector<TermCount> all;
  for (const auto& term : tax.terms) {
    if (!term.postmortems.empty()) all.push_back({&term, term.postmortems.size()});
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const TermCount& a, const TermCount& b) { return a.count > b.count; });
  if (all.size() > n) all.resize(n);
  return all;
}

// ---- Action items --------------------------------------------------------

std::string ActionRow::ticket_url() const {
  return ticket_pattern && item ? TicketUrl(*ticket_pattern, item->ticket) : std::string();
}

std::vector<ActionRow> ActionRows(const model::SiteModel& site) {
  std::vector<model::ActionRef> refs = site.actions;
  if (refs.empty()) {
    for (size_t p = 0; p < site.postmortems.size(); ++p) {
      for (size_t a = 0; a < site.postmortems[p].doc.actions.size(); ++a) {
        refs.push_back({static_cast<int>(p), static_cast<int>(a)});
      }
    }
  }
  const int64_t today = TodayDay(site);
  static const std::string kNoPattern;
  const std::string* ticket_pattern = site.config ? &site.config->ticket_url : &kNoPattern;
  // Each row on its own, on every core (~300,000 rows at 100,000
  // postmortems, made on every build), then the valid ones in order.
  std::vector<ActionRow> made(refs.size());
  std::vector<char> valid(refs.size(), 0);
  util::ParallelFor(refs.size(), util::DefaultJobs(), [&](size_t r) {
    const auto& ref = refs[r];
    if (ref.postmortem < 0 || static_cast<size_t>(ref.postmortem) >= site.postmortems.size()) return;
    const auto& pm = site.postmortems[ref.postmortem];
    if (ref.action < 0 || static_cast<size_t>(ref.action) >= pm.doc.actions.size()) return;
    const auto& item = pm.doc.actions[ref.action];
    ActionRow& row = made[r];
    valid[r] = 1;
    row.postmortem = ref.postmortem;
    row.action = ref.action;
    row.pm = &pm;
    row.item = &item;
    row.status = item.status.empty() ? "open" : item.status;
    row.overdue = IsOverdue(item, site.today, &row.overdue_days);
    if (!row.overdue) row.overdue_days = 0;
    if (item.due) row.days_until_due = DayOf(*item.due, item.due->offset_minutes) - today;
    row.due_soon = row.status == "open" && row.days_until_due && *row.days_until_due >= 0 &&
                   *row.days_until_due <= 6;
    row.ticket_pattern = ticket_pattern;
  });
  std::vector<ActionRow> rows;
  rows.reserve(refs.size());
  for (size_t r = 0; r < made.size(); ++r)
    if (valid[r]) rows.push_back(std::move(made[r]));
  return rows;
}

namespace {
void Count(const ActionRow& r, ActionCounts* c) {
  ++c->total;
  if (r.status == "open") ++c->open;
  else if (r.status == "done") ++c->done;
  else if (r.status == "wontfix") ++c->wontfix;
  else ++c->other;
  if (r.overdue) ++c->overdue;
  if (r.due_soon) ++c->due_soon;
}
}  // namespace

ActionCounts CountActions(const std::vector<ActionRow>& rows) {
  ActionCounts c;
  for (const auto& r : rows) Count(r, &c);
  return c;
}

ActionCounts CountActions(const std::vector<ActionRow>& rows, const std::vector<size_t>& indices) {
  ActionCounts c;
  for (size_t i : indices) Count(rows[i], &c);
  return c;
}

PeriodCounts ActionsByQuarter(const model::SiteModel& site, const std::vector<ActionRow>& rows) {
  // Closed items first (the bottom of a stacked bar), overdue on top.
  enum { kDone, kWontfix, kOpen, kOverdue };
  std::vector<std::string> labels = {"Done", "Won't fix", "Open", "Overdue"};
  std::vector<std::string> colors = {"#1d6b34", "#8a939e", "#0b57a4", "#a4161a"};
  std::vector<std::pair<int, int>> items;  // quarter, series
  for (const auto& r : rows) {
    auto day = IncidentDay(site, r.postmortem);
    if (!day) continue;
    int s = r.status == "done"      ? kDone
            : r.status == "wontfix" ? kWontfix
            : r.overdue             ? kOverdue
                                    : kOpen;
    items.emplace_back(PeriodOf(PeriodKind::kQuarter, *day), s);
  }
  std::set<int> with_data;
  for (const auto& [q, s] : items) with_data.insert(q);
  std::map<int, size_t> slot_of;
  PeriodCounts c = MakeSlotCounts(PeriodKind::kQuarter, Slots(with_data), labels, colors, &slot_of);
  for (const auto& [q, s] : items) ++c.counts[slot_of.at(q)][s];
  return c;
}

// ---- Home page -----------------------------------------------------------

std::vector<int> NewThisWeek(const model::SiteModel& site) {
  const int64_t today = TodayDay(site);
  std::vector<int> out;
  for (size_t i = 0; i < site.postmortems.size(); ++i) {
    auto day = IncidentDay(site, static_cast<int>(i));
    if (day && *day <= today && *day >= today - 6) out.push_back(static_cast<int>(i));
  }
  return out;
}

std::vector<int> OnThisDay(const model::SiteModel& site) {
  int ty, tm, td;
  util::CivilFromDays(TodayDay(site), &ty, &tm, &td);
  bool leap_day_too = tm == 2 && td == 28 && !util::IsValidDate(ty, 2, 29);
  std::vector<int> out;
  for (size_t i = 0; i < site.postmortems.size(); ++i) {
    auto day = IncidentDay(site, static_cast<int>(i));
    if (!day) continue;
    int y, m, d;
    util::CivilFromDays(*day, &y, &m, &d);
    if (y >= ty || m != tm) continue;
    if (d == td || (leap_day_too && d == 29)) out.push_back(static_cast<int>(i));
  }
  return out;
}

}  // namespace casebook::render::stats
