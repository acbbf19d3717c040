// The template view of the archive's numbers: the /stats/ page (charts with
// their tables), the small chart and median durations on each taxonomy term
// page, and the home page's "this week" and "on this day". Numbers come from
// stats.h, charts from svg_chart.h; each chart's table is built from the
// same Chart, so the two always agree. Keys are listed in view.h.
#include <algorithm>
#include <cstdint>
#include <tuple>

#include "render/color.h"
#include "render/svg_chart.h"
#include "render/view.h"
#include "util/datetime.h"
#include "util/text.h"

namespace casebook::render {

using util::Value;

namespace {

constexpr size_t kTopTerms = 10;

/// A chart for templates: the SVG and a table of the same numbers. `urls`
/// (optional, one per category) links the row headers.
Value ChartView(const Chart& chart, const std::string& category_label,
                const std::vector<std::string>& urls = {}) {
  Value v = Value::MakeMap();
  v["id"] = chart.id;
  v["title"] = chart.title;
  v["description"] = chart.description;
  v["svg_html"] = RenderSvg(chart);
  v["note"] = "";
  const bool total = chart.kind == ChartKind::kBars && chart.series.size() > 1;
  Value table = Value::MakeMap();
  table["caption"] = chart.title;
  Value columns = Value::MakeList();
  auto column = [&](const std::string& label) {
    Value c = Value::MakeMap();
    c["label"] = label;
    columns.Push(std::move(c));
  };
  column(category_label);
  for (const auto& s : chart.series) column(s.label);
  if (total) column("Total");
  table["columns"] = std::move(columns);
  Value rows = Value::MakeList();
  for (size_t i = 0; i < chart.categories.size(); ++i) {
    Value r = Value::MakeMap();
    r["label"] = chart.categories[i];
    r["url"] = i < urls.size() ? urls[i] : "";
    Value cells = Value::MakeList();
    double sum = 0;
    for (size_t s = 0; s < chart.series.size(); ++s) {
      std::optional<double> value;
      if (s < chart.values.size() && i < chart.values[s].size()) value = chart.values[s][i];
      sum += value.value_or(0);
      Value c = Value::MakeMap();
      c["value"] = FormatValue(chart.format, value);
      cells.Push(std::move(c));
    }
    if (total) {
      Value c = Value::MakeMap();
      c["value"] = FormatValue(chart.format, sum);
      cells.Push(std::move(c));
    }
    r["cells"] = std::move(cells);
    rows.Push(std::move(r));
  }
  SetList(table, "rows", std::move(rows));
  v["table"] = std::move(table);
  return v;
}

/// A Chart of period counts (one series per counts.series).
Chart CountsChart(const stats::PeriodCounts& counts) {
  Chart c;
  c.kind = ChartKind::kBars;
  for (size_t p = 0; p < counts.periods.size(); ++p)
    c.categories.push_back(stats::SlotLabel(counts.kind, counts.periods[p],
                                            p < counts.ends.size() ? counts.ends[p] : counts.periods[p]));
  for (size_t s = 0; s < counts.series.size(); ++s) {
    c.series.push_back({counts.series[s], s < counts.colors.size() ? counts.colors[s] : ""});
    std::vector<std::optional<double>> values;
    for (const auto& row : counts.counts) values.push_back(static_cast<double>(row[s]));
    c.values.push_back(std::move(values));
  }
  return c;
}

std::string Range(const Chart& c) {
  if (c.categories.empty()) return "";
  return c.categories.size() == 1 ? " in " + c.categories.front()
                                  : " from " + c.categories.front() + " to " + c.categories.back();
}

/// Median durations as {label, value, count_label}, known ones only.
Value MedianList(const stats::DurationMedians& m) {
  Value list = Value::MakeList();
  const std::tuple<const char*, const std::optional<double>*, size_t> spans[] = {
      {"Median time to detect", &m.detect, m.detect_n},
      {"Median time to mitigate", &m.mitigate, m.mitigate_n},
      {"Median time to resolve", &m.resolve, m.resolve_n},
  };
  for (const auto& [label, value, n] : spans) {
    if (!*value) continue;
    Value d = Value::MakeMap();
    d["label"] = label;
    d["value"] = FormatValue(ValueFormat::kDuration, *value);
    d["count_label"] = "of " + CountLabel(n, "postmortem", "postmortems");
    list.Push(std::move(d));
  }
  return list;
}

}  // namespace

Value View::StatsPage() const {
  PageInfo info;
  info.title = "Stats";
  info.description = "Incidents over time, how long they took to detect, mitigate and resolve, "
                     "where they happen, and how action items are followed through.";
  info.path = "stats/";
  info.section = "stats";
  Value v = Frame(info);
  Value as_of = Value::MakeMap();
  as_of["date"] = util::FormatDate(site_.today, 0);
  as_of["datetime"] = util::FormatDate(site_.today, 0);
  v["as_of"] = std::move(as_of);
  v["total_label"] = CountLabel(site_.postmortems.size(), "postmortem", "postmortems");
  v["actions_url"] = Link("actions/");
  std::vector<int> all;
  for (size_t i = 0; i < site_.postmortems.size(); ++i) all.push_back(static_cast<int>(i));
  SetList(v, "medians", MedianList(stats::MediansOf(site_, all)));

  Value charts = Value::MakeList();
  {  // Postmortems per month, stacked by severity.
    stats::PeriodCounts monthly = stats::MonthlyBySeverity(site_, 24);
    Chart c = CountsChart(monthly);
    c.id = "chart-monthly";
    c.title = "Postmortems per month, by severity";
    c.x_label = "Month of the incident";
    c.y_label = "Postmortems";
    std::string levels;
    for (const auto& s : monthly.series) levels += (levels.empty() ? "" : ", ") + s;
    int64_t busiest = 0;
    std::string busiest_month;
    for (size_t p = 0; p < monthly.periods.size(); ++p) {
      if (monthly.PeriodTotal(p) > busiest) {
        busiest = monthly.PeriodTotal(p);
        busiest_month = c.categories[p];
      }
    }
    c.description = "Stacked bar chart of postmortems per month" + Range(c) + ", each bar split by severity (" +
                    levels + "). " +
                    CountLabel(static_cast<size_t>(monthly.Total()), "postmortem", "postmortems") +
                    " in " + CountLabel(monthly.periods.size(), "month", "months") +
                    (busiest ? "; the most in one month was " + GroupDigits(static_cast<size_t>(busiest)) + ", in " + busiest_month
                             : "") +
                    ".";
    Value cv = ChartView(c, "Month");
    cv["note"] = "The last 24 months up to the newest incident, by the month of the incident date.";
    charts.Push(std::move(cv));
  }
  {  // Median durations per quarter.
    auto quarters = stats::MediansByQuarter(site_);
    Chart c;
    c.kind = ChartKind::kLines;
    c.id = "chart-durations";
    c.title = "Median time to detect, mitigate and resolve, per quarter";
    c.x_label = "Quarter of the incident";
    c.y_label = "Median duration (log scale)";
    c.format = ValueFormat::kDuration;
    c.log_scale = true;  // minutes to detect and hours to resolve on one axis
    c.series = {{"Detect", "#0b57a4"}, {"Mitigate", "#c2410c"}, {"Resolve", "#1d6b34"}};
    c.values.assign(3, {});
    for (const auto& q : quarters) {
      c.categories.push_back(stats::SlotLabel(stats::PeriodKind::kQuarter, q.quarter,
                                              std::max(q.quarter, q.last_quarter)));
      c.values[0].push_back(q.medians.detect);
      c.values[1].push_back(q.medians.mitigate);
      c.values[2].push_back(q.medians.resolve);
    }
    c.description = "Line chart of the median time from the start of an incident to its detection, "
                    "mitigation and resolution, per quarter" + Range(c) +
                    ", on a logarithmic scale. Only incidents with both times known count; quarters "
                    "without any are gaps.";
    Value cv = ChartView(c, "Quarter");
    cv["table"]["columns"].Push(Value(Value::Map{{"label", Value("Postmortems")}}));
    for (size_t i = 0; i < quarters.size(); ++i) {
      Value cell = Value::MakeMap();
      cell["value"] = static_cast<int64_t>(quarters[i].medians.postmortems);
      cv["table"]["rows"].as_list()[i]["cells"].Push(std::move(cell));
    }
    cv["note"] =
        "Times are measured from the incident's start, in UTC; an unknown end is left out, never guessed.";
    charts.Push(std::move(cv));
  }
  for (const auto& tax : site_.taxonomies) {  // The terms with the most incidents.
    if (tax.key == "severity") continue;
    auto top = stats::TopTerms(tax, kTopTerms);
    Chart c;
    c.kind = ChartKind::kHorizontalBars;
    c.id = "chart-top-" + tax.key;
    c.title = tax.label + " with the most incidents";
    c.y_label = "Postmortems";
    c.series = {{"Postmortems", "#0b57a4"}};
    c.values.assign(1, {});
    std::vector<std::string> urls;
    std::string listed;
    for (const auto& t : top) {
      c.categories.push_back(t.term->name);
      c.values[0].push_back(static_cast<double>(t.count));
      urls.push_back(Link(TermPath(tax, *t.term)));
      listed += (listed.empty() ? "" : ", ") + t.term->name + " (" + GroupDigits(static_cast<size_t>(t.count)) + ")";
    }
    c.description = "Horizontal bar chart of the " + std::to_string(top.size()) + " " +
                    util::ToLowerAscii(tax.label) + " with the most postmortems" +
                    (listed.empty() ? "." : ": " + listed + ".");
    charts.Push(ChartView(c, tax.label.empty() ? "Term" : tax.label, urls));
  }
  {  // Action items by the quarter of their incident.
    stats::PeriodCounts actions = stats::ActionsByQuarter(site_, tracker_.rows);
    Chart c = CountsChart(actions);
    c.id = "chart-actions";
    c.title = "Action items by quarter of their incident: done, open, overdue";
    c.x_label = "Quarter of the incident";
    c.y_label = "Action items";
    stats::ActionCounts n = stats::CountActions(tracker_.rows);
    c.description = "Stacked bar chart of the action items of each quarter's incidents" + Range(c) +
                    ", as of " + util::FormatDate(site_.today, 0) + ": " + GroupDigits(n.done) + " done, " +
                    GroupDigits(n.open - n.overdue) + " open, " + GroupDigits(n.overdue) + " overdue, " +
                    GroupDigits(n.wontfix) + " won't fix.";
    Value cv = ChartView(c, "Quarter");
    cv["note"] = "Each item counts in the quarter of its postmortem's incident, so older quarters show "
                 "how far their follow-up got. Overdue: open and past its due date as of the build date.";
    charts.Push(std::move(cv));
  }
  SetList(v, "charts", std::move(charts));
  return v;
}

void View::AddTermStats(Value& page, const model::Taxonomy& tax, const model::Term& term) const {
  // Every page of a term shows its stats (page 1 its chart): they are made
  // once per term, not once per page (a term can have thousands of pages,
  // and a term's chart spans the whole archive's years: DatedYears, made once).
  {
    std::lock_guard<std::mutex> lock(term_stats_mu_);
    auto it = term_stats_.find(&term);
    if (it != term_stats_.end()) {
      for (const auto& [key, value] : it->second.as_map()) page[key] = value;
      return;
    }
  }
  Value made = Value::MakeMap();
  made["term"] = page["term"];
  MakeTermStats(made, tax, term);
  Value stats = Value::MakeMap();
  for (const char* key : {"term_chart", "medians", "has_medians", "medians_note"})
    if (const Value* v = made.Find(key)) stats[key] = *v;
  stats.Freeze();
  for (const auto& [key, value] : stats.as_map()) page[key] = value;
  std::lock_guard<std::mutex> lock(term_stats_mu_);
  term_stats_.emplace(&term, std::move(stats));
}

void View::MakeTermStats(Value& page, const model::Taxonomy& tax, const model::Term& term) const {
  int first = 0, last = 0;
  bool is_severity = tax.key == "severity";
  std::string label = page["term"]["label"].as_string();
  std::call_once(dated_years_once_, [this] { dated_years_ = stats::DatedYears(site_); });
  if (stats::YearSpan(dated_years_, &first, &last)) {
    Chart c = CountsChart(stats::CountsByYear(site_, term.postmortems, first, last, dated_years_));
    std::string color = page["term"]["color"].as_string();
    if (!c.series.empty()) {
      c.series[0].label = "Postmortems";
      if (!color.empty()) c.series[0].color = color;
    }
    c.kind = ChartKind::kBars;
    c.id = "chart-term";
    c.title = (is_severity ? label + " incidents per year" : "Incidents per year: " + label);
    c.x_label = "Year of the incident";
    c.y_label = "Postmortems";
    c.width = 440;  // shown at about its natural size beside the medians
    c.height = 190;
    std::string counts;
    for (size_t i = 0; i < c.categories.size(); ++i) {
      counts += (counts.empty() ? "" : ", ") + c.categories[i] + ": " + FormatValue(c.format, c.values[0][i]);
    }
    c.description = "Bar chart of postmortems filed under " + label + " per year" + Range(c) + ". " + counts + ".";
    page["term_chart"] = ChartView(c, "Year");
  } else {
    page["term_chart"] = false;
  }
  stats::DurationMedians m = stats::MediansOf(site_, term.postmortems);
  SetList(page, "medians", MedianList(m));
  page["medians_note"] = m.Any() ? "From the incident's start; postmortems without both times are left out." : "";
}

void View::AddHomeActivity(Value& home) const {
  Value today = Value::MakeMap();
  std::string date = util::FormatDate(site_.today, 0);
  today["date"] = date;
  today["datetime"] = date;
  int y, m, d;
  util::CivilFromDays(stats::TodayDay(site_), &y, &m, &d);
  today["day_label"] = std::to_string(d) + " " + MonthName(m);
  home["today"] = std::move(today);

  Value week = Value::MakeMap();
  SetList(week, "postmortems", ItemList(stats::NewThisWeek(site_)));
  Value due = Value::MakeList();
  size_t overdue = 0, open = 0;
  for (size_t i = 0; i < tracker_.rows.size(); ++i) {
    const auto& row = tracker_.rows[i];
    if (row.due_soon) due.Push(ActionView(i));
    overdue += row.overdue;
    open += row.status == "open";
  }
  size_t due_count = due.as_list().size();
  size_t new_count = week["postmortems"].as_list().size();
  SetList(week, "due_soon", std::move(due));
  // Numbers and their words apart, so themes can style the number.
  week["new_count"] = GroupDigits(new_count);
  week["new_text"] = new_count == 1 ? "new postmortem" : "new postmortems";
  week["due_soon_count"] = GroupDigits(due_count);
  week["due_soon_text"] = due_count == 1 ? "action item due in the next 7 days"
                                         : "action items due in the next 7 days";
  week["overdue_count"] = GroupDigits(overdue);
  week["overdue_text"] = overdue == 1 ? "action item overdue" : "action items overdue";
  week["has_overdue"] = overdue > 0;
  week["open_label"] = CountLabel(open, "open action item", "open action items");
  week["actions_url"] = Link("actions/");
  week["overdue_url"] = Link("actions/status/overdue/");
  week["due_soon_url"] = Link("actions/status/due-soon/");
  home["this_week"] = std::move(week);
  home["show_this_week"] = !site_.postmortems.empty();

  // Capped: at 10,000 postmortems a date holds dozens, which would push
  // "Recent postmortems" far down; the rest are a link away.
  Value on_this_day = Value::MakeList();
  std::vector<int> this_day = stats::OnThisDay(site_);
  size_t more = this_day.size() > kOnThisDayShown ? this_day.size() - kOnThisDayShown : 0;
  this_day.resize(this_day.size() - more);
  for (int i : this_day) {
    Value item = ListItem(i);
    int iy, im, id;
    util::CivilFromDays(*stats::IncidentDay(site_, i), &iy, &im, &id);
    item["years_ago"] = CountLabel(static_cast<size_t>(y - iy), "year", "years") + " ago";
    on_this_day.Push(std::move(item));
  }
  SetList(home, "on_this_day", std::move(on_this_day));
  Value rest = Value::MakeMap();
  rest["label"] = GroupDigits(more) + " more on this date in earlier years";
  rest["url"] = Link("archive/");
  home["on_this_day_more"] = more ? std::move(rest) : Value(false);
}

}  // namespace casebook::render
