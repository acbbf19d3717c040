// The template view of the list pages: home, taxonomy and term pages, the
// date archive, 404 and the static search page. The numbers on the home
// and term pages come from view_stats.cc. Keys are listed in view.h.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "render/color.h"
#include <algorithm>

#include "render/stats.h"
#include "render/view.h"
#include "util/datetime.h"
#include "util/text.h"

namespace casebook::render {

using util::Value;

namespace {

constexpr size_t kHomeRecent = 20;
// A taxonomy index with more terms than this gets "most used" and A-Z.
constexpr size_t kManyTerms = 40;
constexpr size_t kTopTerms = 30;

const model::Taxonomy* FindTaxonomy(const model::SiteModel& site, const std::string& key) {
  for (const auto& t : site.taxonomies) {
    if (t.key == key) return &t;
  }
  return nullptr;
}

}  // namespace

Value View::Home() const {
  PageInfo info;
  info.section = "home";
  info.path = "";
  Value v = Frame(info);

  std::vector<int> recent;
  for (size_t i = 0; i < site_.postmortems.size() && i < kHomeRecent; ++i) {
    recent.push_back(static_cast<int>(i));
  }
  SetList(v, "recent", ItemList(recent));
  v["has_more"] = site_.postmortems.size() > kHomeRecent;
  v["total_label"] = CountLabel(site_.postmortems.size(), "postmortem", "postmortems");

  // Counts per severity level, in site.toml order.
  const model::Taxonomy* severity_tax = FindTaxonomy(site_, "severity");
  Value severities = Value::MakeList();
  for (size_t rank = 0; rank < cfg_.severities.size(); ++rank) {
    const auto& level = cfg_.severities[rank];
    size_t count = 0;
    for (const auto& pm : site_.postmortems) {
      if (pm.severity_rank == static_cast<int>(rank)) ++count;
    }
    Value s = SeverityBadge(cfg_, level.name);
    s["count"] = GroupDigits(count);
    s["count_label"] = CountLabel(count, "postmortem", "postmortems");
    s["url"] = "";
    if (severity_tax && count > 0) {
      for (const auto& term : severity_tax->terms) {
        bool match = false;
        for (int pm : term.postmortems) {
          if (site_.postmortems[pm].severity_rank == static_cast<int>(rank)) match = true;
        }
        if (match) {
          s["url"] = Link(TermPath(*severity_tax, term));
          break;
        }
      }
    }
    severities.Push(std::move(s));
  }
  SetList(v, "severities", std::move(severities));

  Value taxonomies = Value::MakeList();
  for (const auto& t : site_.taxonomies) {
    Value tv = Value::MakeMap();
    tv["key"] = t.key;
    tv["label"] = t.label;
    tv["url"] = Link(t.key + "/");
    tv["term_count"] = CountLabel(t.terms.size(), "term", "terms");
    taxonomies.Push(std::move(tv));
  }
  SetList(v, "taxonomies", std::move(taxonomies));

  Value years = Value::MakeList();
  for (const auto& y : site_.archive) {
    Value yv = Value::MakeMap();
    yv["year"] = static_cast<int64_t>(y.year);
    yv["url"] = Link("archive/" + std::to_string(y.year) + "/");
    yv["count"] = GroupDigits(y.count);
    years.Push(std::move(yv));
  }
  SetList(v, "years", std::move(years));
  size_t undated = Undated().size();
  v["undated_url"] = undated && undated_page_ ? Value(Link("archive/undated/")) : Value(false);
  v["undated_count"] = CountLabel(undated, "postmortem", "postmortems");
  AddHomeActivity(v);  // this week, on this day (view_stats.cc)
  return v;
}

Value View::TaxonomyIndex(const model::Taxonomy& tax) const {
  PageInfo info;
  info.title = tax.label;
  info.description = "Postmortems by " + util::ToLowerAscii(tax.label) + ".";
  info.path = tax.key + "/";
  info.section = tax.key;
  Value v = Frame(info);

  Value t = Value::MakeMap();
  t["key"] = tax.key;
  t["label"] = tax.label;
  t["url"] = Link(tax.key + "/");
  t["is_severity"] = tax.key == "severity";
  v["taxonomy"] = std::move(t);

  Value terms = Value::MakeList();
  for (const auto& term : tax.terms) {
    Value tv = Value::MakeMap();
    tv["name"] = term.name;
    tv["url"] = Link(TermPath(tax, term));
    tv["count"] = GroupDigits(term.postmortems.size());
    tv["count_label"] = CountLabel(term.postmortems.size(), "postmortem", "postmortems");
    tv["description"] = term.description;
    std::string color = term.color.empty() ? "" : SanitizeColor(term.color);
    if (tax.key == "severity") {
      Value badge = SeverityBadge(cfg_, term.name);
      tv["label"] = *badge.Find("label");
      if (color.empty()) color = badge.Find("color")->as_string();
      if (term.description.empty()) tv["description"] = *badge.Find("description");
    } else {
      tv["label"] = term.name;
    }
    tv["color"] = color;
    tv["text_color"] = color.empty() ? "" : TextColorOn(color);
    tv["feed_url"] = Link(TermPath(tax, term) + "feed.xml");
    terms.Push(std::move(tv));
  }
  v["has_terms"] = !terms.as_list().empty();
  // Big taxonomies (hundreds of terms): the most used first, then A-Z
  // under letter headings with jump links, and a filter box (js/filter.js).
  const bool many = tax.terms.size() > kManyTerms;
  v["has_many_terms"] = many;
  v["term_count_label"] = GroupDigits(tax.terms.size()) + (tax.terms.size() == 1 ? " term" : " terms");
  Value top = Value::MakeList();
  Value letters = Value::MakeList();
  if (many) {
    std::vector<size_t> order(tax.terms.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return tax.terms[a].postmortems.size() > tax.terms[b].postmortems.size();
    });
    for (size_t i = 0; i < order.size() && i < kTopTerms; ++i) top.Push(terms.as_list()[order[i]]);
    std::string current;
    for (size_t i = 0; i < tax.terms.size(); ++i) {
      const unsigned char first = tax.terms[i].name.empty() ? ' ' : static_cast<unsigned char>(tax.terms[i].name[0]);
      const std::string letter = std::isalpha(first) ? std::string(1, static_cast<char>(std::toupper(first))) : "#";
      if (letters.as_list().empty() || letter != current) {
        Value l = Value::MakeMap();
        l["letter"] = letter;
        l["anchor"] = letter == "#" ? "letter-other" : "letter-" + util::ToLowerAscii(letter);
        SetList(l, "terms", Value::MakeList());
        letters.Push(std::move(l));
        current = letter;
      }
      Value& group = letters.as_list().back();
      group["terms"].Push(terms.as_list()[i]);
      group["has_terms"] = true;
    }
  }
  SetList(v, "top_terms", std::move(top));
  SetList(v, "letters", std::move(letters));
  SetList(v, "terms", std::move(terms));
  return v;
}

Value View::TermPage(const model::Taxonomy& tax, const model::Term& term, size_t page) const {
  Value badge = SeverityBadge(cfg_, term.name);
  bool is_severity = tax.key == "severity";
  std::string label = is_severity ? badge.Find("label")->as_string() : term.name;

  PageInfo info;
  info.title = tax.label + ": " + label;
  info.description = term.description.empty()
                         ? CountLabel(term.postmortems.size(), "postmortem", "postmortems") +
                               " filed under " + label + "."
                         : term.description;
  info.path = TermPath(tax, term);
  info.section = tax.key;
  info.feed_path = TermPath(tax, term) + "feed.xml";
  info.feed_title = cfg_.title + ": " + label;
  const ListPage lp = Paginate(TermPath(tax, term), term.postmortems.size(),
                               static_cast<size_t>(cfg_.pagination.page_size), page);
  ApplyPage(lp, &info);
  Value v = Frame(info);

  Value t = Value::MakeMap();
  t["key"] = tax.key;
  t["label"] = tax.label;
  t["url"] = Link(tax.key + "/");
  t["is_severity"] = is_severity;
  v["taxonomy"] = std::move(t);

  v["term"] = TermHeading(tax, term);
  SetList(v, "postmortems",
          ItemList(std::vector<int>(term.postmortems.begin() + static_cast<long>(lp.begin),
                                    term.postmortems.begin() + static_cast<long>(lp.end))));
  v["pager"] = Pager(lp);
  // Year jump links: the page where each incident year starts (the list is
  // newest first). Only for lists of more than one page.
  Value years = Value::MakeList();
  if (lp.pages > 1) {
    for (const auto& [year, k] : TermYearStarts(term)) {
      const size_t page_of = k / static_cast<size_t>(cfg_.pagination.page_size) + 1;
      Value y = Value::MakeMap();
      y["year"] = year;
      y["url"] = Link(PagePath(lp.first_path, page_of));
      y["current"] = page_of == lp.page;
      years.Push(std::move(y));
    }
  }
  SetList(v, "year_links", std::move(years));
  AddTermStats(v, tax, term);  // incidents per year, median durations (view_stats.cc)
  if (lp.page > 1) v["term_chart"] = false;  // the numbers are on page 1
  // A service's page 1 is its briefing: open action items and lessons.
  v["briefing"] = false;
  if (tax.key == "services" && lp.page == 1) AddServiceBriefing(v, term);
  return v;
}

Value View::TermHeading(const model::Taxonomy& tax, const model::Term& term) const {
  Value badge = SeverityBadge(cfg_, term.name);
  const bool is_severity = tax.key == "severity";
  const std::string label = is_severity ? badge.Find("label")->as_string() : term.name;
  Value tv = Value::MakeMap();
  tv["name"] = term.name;
  tv["label"] = label;
  tv["url"] = Link(TermPath(tax, term));
  tv["count_label"] = CountLabel(term.postmortems.size(), "postmortem", "postmortems");
  std::string description = term.description;
  std::string color = term.color.empty() ? "" : SanitizeColor(term.color);
  if (is_severity) {
    if (description.empty()) description = badge.Find("description")->as_string();
    if (color.empty()) color = badge.Find("color")->as_string();
  }
  tv["description"] = description;
  tv["color"] = color;
  tv["text_color"] = color.empty() ? "" : TextColorOn(color);
  tv["feed_url"] = Link(TermPath(tax, term) + "feed.xml");
  return tv;
}

bool View::AddListItemsInputs(const std::vector<int>& shown, util::StreamHash* h) const {
  // A list item shows its postmortem's link item (LinkItem: id, title, URL,
  // dates, severity and its term), status, summary and services (their
  // terms): its ListKey, link digest and terms digest.
  h->AddInt(static_cast<int64_t>(shown.size()));
  for (int i : shown) {
    if (i < 0 || static_cast<size_t>(i) >= site_.postmortems.size()) {
      h->AddInt(-1);
      continue;
    }
    const std::string& key = ListKey(i);
    if (key.empty()) return false;
    h->AddString(key);
    h->AddBytes(link_digests_[i].v, sizeof link_digests_[i].v);
    h->AddBytes(term_digests_[i].v, sizeof term_digests_[i].v);
  }
  return true;
}

bool View::AddTermPageInputs(const model::Taxonomy& tax, const model::Term& term, size_t page,
                             util::StreamHash* h) const {
  // What the whole term shows on every page (its heading, stats and year
  // links), hashed once per term; then the page's place and its items.
  std::string digest;
  {
    std::lock_guard<std::mutex> lock(term_digests_mu_);
    auto it = term_page_digests_.find(&term);
    if (it != term_page_digests_.end()) digest = it->second;
  }
  if (digest.empty()) {
    util::StreamHash t;
    t.AddString(tax.key);
    t.AddString(tax.label);
    t.AddInt(static_cast<int64_t>(term.postmortems.size()));
    Value made = Value::MakeMap();
    made["term"] = TermHeading(tax, term);
    AddTermStats(made, tax, term);
    made.AddHash(&t);
    for (const auto& [year, k] : TermYearStarts(term)) {
      t.AddString(year);
      t.AddInt(static_cast<int64_t>(k));
    }
    digest = t.Hex();
    std::lock_guard<std::mutex> lock(term_digests_mu_);
    term_page_digests_.emplace(&term, digest);
  }
  h->AddString(digest);
  const ListPage lp = Paginate(TermPath(tax, term), term.postmortems.size(),
                               static_cast<size_t>(cfg_.pagination.page_size), page);
  h->AddInt(static_cast<int64_t>(lp.page));
  h->AddInt(static_cast<int64_t>(lp.pages));
  return AddListItemsInputs(std::vector<int>(term.postmortems.begin() + static_cast<long>(lp.begin),
                                             term.postmortems.begin() + static_cast<long>(lp.end)),
                            h);
}

bool View::AddArchiveYearInputs(const model::ArchiveYear& year, size_t page, util::StreamHash* h) const {
  // The year, its months' sizes (the month links), the other years (the
  // newer and older links), the page's place and its items.
  h->AddInt(year.year);
  h->AddInt(year.count);
  h->AddInt(static_cast<int64_t>(site_.archive.size()));
  for (const auto& y : site_.archive) h->AddInt(y.year);
  size_t total = 0;
  for (const auto& m : year.months) {
    h->AddInt(m.month);
    h->AddInt(static_cast<int64_t>(m.postmortems.size()));
    total += m.postmortems.size();
  }
  const ListPage lp = Paginate("archive/" + std::to_string(year.year) + "/", total,
                               static_cast<size_t>(cfg_.pagination.page_size), page);
  h->AddInt(static_cast<int64_t>(lp.page));
  h->AddInt(static_cast<int64_t>(lp.pages));
  std::vector<int> shown;
  size_t offset = 0;
  for (const auto& m : year.months) {
    for (int i : m.postmortems) {
      if (offset >= lp.begin && offset < lp.end) shown.push_back(i);
      ++offset;
    }
  }
  return AddListItemsInputs(shown, h);
}

const std::vector<std::pair<std::string, size_t>>& View::TermYearStarts(
    const model::Term& term) const {
  {
    std::lock_guard<std::mutex> lock(term_years_mu_);
    auto it = term_years_.find(&term);
    if (it != term_years_.end()) return it->second;  // (map nodes never move)
  }
  // The year is worked out as a number and formatted only where it changes
  // (the text is a function of the number: util::FormatDate's first four
  // characters).
  std::vector<std::pair<std::string, size_t>> starts;
  std::string last;
  int last_number = 0;
  bool any = false;
  for (size_t k = 0; k < term.postmortems.size(); ++k) {
    const auto& date = site_.postmortems[static_cast<size_t>(term.postmortems[k])].incident_date;
    if (!date) continue;
    int number, month, day;
    util::CivilFromDays(stats::DayOf(*date, cfg_.timezone_offset_minutes), &number, &month, &day);
    if (any && number == last_number) continue;
    any = true;
    last_number = number;
    char digits[16];
    std::snprintf(digits, sizeof digits, "%04d", number);
    std::string year = std::string(digits).substr(0, 4);
    if (year == last) continue;
    last = year;
    starts.emplace_back(year, k);
  }
  std::lock_guard<std::mutex> lock(term_years_mu_);
  return term_years_.emplace(&term, std::move(starts)).first->second;
}

Value View::Archive() const {
  PageInfo info;
  info.title = "Archive";
  info.description = "Postmortems by year of the incident.";
  info.path = "archive/";
  info.section = "archive";
  Value v = Frame(info);
  Value years = Value::MakeList();
  size_t dated = 0;
  for (const auto& y : site_.archive) {
    Value yv = Value::MakeMap();
    yv["year"] = static_cast<int64_t>(y.year);
    yv["url"] = Link("archive/" + std::to_string(y.year) + "/");
    yv["count"] = GroupDigits(y.count);
    yv["count_label"] = CountLabel(static_cast<size_t>(y.count), "postmortem", "postmortems");
    dated += static_cast<size_t>(y.count);
    years.Push(std::move(yv));
  }
  SetList(v, "years", std::move(years));
  size_t undated = site_.postmortems.size() > dated ? site_.postmortems.size() - dated : 0;
  v["undated_label"] =
      undated ? CountLabel(undated, "postmortem has", "postmortems have") + " no known incident date." : "";
  v["undated_url"] = undated && undated_page_ ? Value(Link("archive/undated/")) : Value(false);
  return v;
}

std::vector<int> UndatedByTitle(const model::SiteModel& site) {
  std::vector<int> out;
  for (size_t i = 0; i < site.postmortems.size(); ++i)
    if (!site.postmortems[i].incident_date) out.push_back(static_cast<int>(i));
  std::sort(out.begin(), out.end(), [&](int a, int b) {
    const auto& x = site.postmortems[a].doc;
    const auto& y = site.postmortems[b].doc;
    return x.title != y.title ? x.title < y.title : x.id < y.id;
  });
  return out;
}

Value View::ArchiveUndated(size_t page) const {
  PageInfo info;
  info.title = "Undated postmortems";
  info.description = "Postmortems with no known incident date.";
  info.path = "archive/undated/";
  info.section = "archive";
  const std::vector<int>& undated = Undated();
  // Paginated like a year: an archive without dates can put every
  // postmortem here.
  const ListPage lp = Paginate(info.path, undated.size(),
                               static_cast<size_t>(cfg_.pagination.page_size), page);
  ApplyPage(lp, &info);
  Value v = Frame(info);
  v["count_label"] = CountLabel(undated.size(), "postmortem", "postmortems");
  SetList(v, "postmortems", ItemList(std::vector<int>(undated.begin() + static_cast<long>(lp.begin),
                                                      undated.begin() + static_cast<long>(lp.end))));
  v["pager"] = Pager(lp);
  return v;
}

Value View::ArchiveYear(const model::ArchiveYear& year, size_t page) const {
  std::string y = std::to_string(year.year);
  PageInfo info;
  info.title = "Incidents in " + y;
  info.description = CountLabel(static_cast<size_t>(year.count), "postmortem", "postmortems") +
                     " of incidents in " + y + ".";
  info.path = "archive/" + y + "/";
  info.section = "archive";
  size_t total = 0;
  for (const auto& m : year.months) total += m.postmortems.size();
  const size_t page_size = static_cast<size_t>(cfg_.pagination.page_size);
  const ListPage lp = Paginate(info.path, total, page_size, page);
  ApplyPage(lp, &info);
  Value v = Frame(info);
  v["year"] = y;
  v["count_label"] = CountLabel(static_cast<size_t>(year.count), "postmortem", "postmortems");
  // The year's postmortems run month by month across the pages; each page
  // shows the months of its slice, and the month links go to the page
  // where the month starts.
  Value months = Value::MakeList();
  Value month_links = Value::MakeList();
  size_t offset = 0;
  for (const auto& m : year.months) {
    const std::string anchor = MonthName(m.month).empty() ? "" : util::ToLowerAscii(MonthName(m.month));
    const size_t begin = offset, end = offset + m.postmortems.size();
    offset = end;
    Value link = Value::MakeMap();
    link["name"] = MonthName(m.month);
    link["url"] = Link(PagePath(lp.first_path, page_size ? begin / page_size + 1 : 1)) + "#" + anchor;
    month_links.Push(std::move(link));
    if (end <= lp.begin || begin >= lp.end) continue;
    const size_t from = std::max(begin, lp.begin) - begin, to = std::min(end, lp.end) - begin;
    Value mv = Value::MakeMap();
    mv["name"] = MonthName(m.month);
    mv["anchor"] = anchor;
    mv["continued"] = from > 0;
    mv["count_label"] = CountLabel(m.postmortems.size(), "postmortem", "postmortems");
    SetList(mv, "postmortems", ItemList(std::vector<int>(m.postmortems.begin() + static_cast<long>(from),
                                                         m.postmortems.begin() + static_cast<long>(to))));
    months.Push(std::move(mv));
  }
  SetList(v, "months", std::move(months));
  SetList(v, "month_links", std::move(month_links));
  v["pager"] = Pager(lp);
  // Archive years are newest first: the one before is newer.
  auto neighbour = [&](int offset) -> Value {
    for (size_t i = 0; i < site_.archive.size(); ++i) {
      if (site_.archive[i].year != year.year) continue;
      long j = static_cast<long>(i) + offset;
      if (j < 0 || j >= static_cast<long>(site_.archive.size())) return Value(false);
      Value n = Value::MakeMap();
      n["year"] = static_cast<int64_t>(site_.archive[j].year);
      n["url"] = Link("archive/" + std::to_string(site_.archive[j].year) + "/");
      return n;
    }
    return Value(false);
  };
  v["newer"] = neighbour(-1);
  v["older"] = neighbour(+1);
  return v;
}

Value View::NotFound() const {
  PageInfo info;
  info.title = "Page not found";
  info.path = "404.html";
  info.noindex = true;
  return Frame(info);
}

Value View::Search() const { return SearchView(cfg_, ""); }

}  // namespace casebook::render
