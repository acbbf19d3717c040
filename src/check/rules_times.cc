// Time rules:
//   times/order           (error)   [incident] times out of order: detected,
//                                   first_user_impact, first_user_report,
//                                   mitigated or resolved before started;
//                                   first_user_report before first_user_impact;
//                                   resolved before mitigated
//   times/timeline-order  (warning) a timeline entry earlier than the one above it
//   times/before-start    (warning) a timeline entry before incident.started
//   times/future          (error)   date, [incident] times or timeline entries
//                                   after today (--today); dates more than a
//                                   year ahead are the model's
//                                   times/implausible instead
//   times/no-date         (warning) no incident date at all: no date, no
//                                   incident.started, no timeline, none in
//                                   the file name (listed under archive/undated/)
// Where either side is a date without a time, the comparison is by day.
#include <cstdint>
#include <optional>

#include "check/internal.h"
#include "content/plain_facts.h"

namespace casebook::check {
namespace {

using util::DateTime;

int64_t DayOf(const DateTime& t) {
  int64_t local = t.utc_seconds + int64_t{t.offset_minutes} * 60;
  return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

bool ExactTime(const DateTime& t) { return t.has_time && !t.time_unknown; }

// true when a is before b (by day where either has no time).
bool Before(const DateTime& a, const DateTime& b) {
  if (ExactTime(a) && ExactTime(b)) return a.utc_seconds < b.utc_seconds;
  return DayOf(a) < DayOf(b);
}

std::string Show(const DateTime& t) {
  return ExactTime(t) ? util::FormatDateTime(t, t.offset_minutes)
                      : util::FormatDate(t, t.offset_minutes);
}

struct Named {
  const char* key;
  const std::optional<DateTime>* value;
};

}  // namespace

void CheckTimeRules(const RuleContext& ctx, util::Diagnostics* out) {
  const content::Document& doc = ctx.doc;
  const content::IncidentTimes& in = doc.incident;
  auto incident_line = [&ctx](const char* key) {
    int l = ctx.KeyLine(std::string("incident.") + key);
    if (!l) l = ctx.src.FindKey(key, ctx.KeyLine("incident"));
    if (!l) l = ctx.KeyLine("incident");
    return l;
  };

  // times/order: each later time is checked against its earlier ones; one
  // finding per key at most.
  const std::vector<std::pair<Named, std::vector<Named>>> order = {
      {{"detected", &in.detected}, {{"started", &in.started}}},
      {{"first_user_impact", &in.first_user_impact}, {{"started", &in.started}}},
      {{"first_user_report", &in.first_user_report},
       {{"started", &in.started}, {"first_user_impact", &in.first_user_impact}}},
      {{"mitigated", &in.mitigated}, {{"started", &in.started}}},
      {{"resolved", &in.resolved}, {{"started", &in.started}, {"mitigated", &in.mitigated}}},
  };
  for (const auto& [later, earlier_list] : order) {
    if (!*later.value) continue;
    for (const Named& earlier : earlier_list) {
      if (!*earlier.value || !Before(**later.value, **earlier.value)) continue;
      int line = incident_line(later.key);
      ctx.Report(out, util::Level::kError, line, line ? ctx.src.FirstColumn(line) : 0,
                 "times/order",
                 std::string("incident.") + later.key + " (" + Show(**later.value) +
                     ") is before incident." + earlier.key + " (" +
                     Show(**earlier.value) + ")",
                 std::string("check both times and their zones: ") + later.key +
                     " cannot come before " + earlier.key);
      break;
    }
  }

  // Timeline order and start.
  for (size_t i = 0; i < doc.timeline.size(); ++i) {
    const auto& e = doc.timeline[i];
    int line = e.line ? e.line : ctx.KeyLine("timeline");
    if (int at = ctx.src.FindKey("at", line)) line = at;  // TOML: the `at =` line
    int column = line ? ctx.src.FirstColumn(line) : 0;
    if (i > 0 && Before(e.at, doc.timeline[i - 1].at)) {
      ctx.Report(out, util::Level::kWarning, line, column, "times/timeline-order",
                 "timeline entry at " + Show(e.at) + " comes before the entry above it (" +
                     Show(doc.timeline[i - 1].at) + ")",
                 "keep the timeline in time order; check the date and the zone");
    } else if (in.started && Before(e.at, *in.started)) {
      ctx.Report(out, util::Level::kWarning, line, column, "times/before-start",
                 "timeline entry at " + Show(e.at) + " is before incident.started (" +
                     Show(*in.started) + ")",
                 "move incident.started back to when it began, or check this entry's "
                 "date and zone");
    }
  }

  // times/no-date.
  if (!doc.date && !in.started && doc.timeline.empty()) {
    // A Date line that was not read (e.g. "03/04/2017": April or March?) is
    // what to fix: point at it.
    const auto facts = content::internal::ExtractPlainFacts(doc.body, doc.body_line);
    if (const auto* f = facts.Find("date")) {
      ctx.Report(out, util::Level::kWarning, f->line, ctx.src.FirstColumn(f->line), "times/no-date",
                 "\"" + f->value + "\" is not read as a date, so this postmortem has no "
                 "incident date and is listed only under archive/undated/",
                 "write it year first (2024-03-12); a date like 03/04/2017 reads both ways, "
                 "so casebook does not guess");
    } else {
      ctx.Report(out, util::Level::kWarning, 1, 1, "times/no-date",
                 "no incident date: this postmortem sorts last and is listed only under "
                 "archive/undated/",
                 "add `date = 2024-03-12` to the front matter, a `Date: 2024-03-12` line under "
                 "the title, or the date to the file name (2024-03-12-name.md)");
    }
  }

  // times/future.
  auto future = [&ctx](const DateTime& t) {
    if (!model::IsPlausibleDate(t, ctx.today)) return false;  // times/implausible (model)
    if (ExactTime(t)) return t.utc_seconds > ctx.today.utc_seconds + 86400 + 14 * 3600;
    return DayOf(t) > DayOf(ctx.today);
  };
  auto report_future = [&](const DateTime& t, int line, const std::string& what) {
    ctx.Report(out, util::Level::kError, line, line ? ctx.src.FirstColumn(line) : 0,
               "times/future",
               what + " " + Show(t) + " is in the future (today is " +
                   util::FormatDate(ctx.today, 0) + ")",
               "check the year and the month; use --today to check as of another day");
  };
  if (doc.date && future(*doc.date)) report_future(*doc.date, ctx.KeyLine("date"), "date");
  const Named all[] = {{"started", &in.started},
                       {"detected", &in.detected},
                       {"first_user_impact", &in.first_user_impact},
                       {"first_user_report", &in.first_user_report},
                       {"mitigated", &in.mitigated},
                       {"resolved", &in.resolved}};
  for (const Named& n : all)
    if (*n.value && future(**n.value))
      report_future(**n.value, incident_line(n.key), std::string("incident.") + n.key);
  for (const auto& e : doc.timeline)
    if (future(e.at))
      report_future(e.at, e.line ? e.line : ctx.KeyLine("timeline"), "timeline entry");
}

}  // namespace casebook::check
