// The parts of the template view shared by every page: the page frame
// (site + page keys), URLs, severity badges and postmortem list items.
#include <algorithm>
#include <array>
#include <unordered_map>

#include "content/document.h"
#include "render/color.h"
#include "render/urls.h"
#include "render/view.h"
#include "util/datetime.h"
#include "util/hash.h"
#include "util/parallel.h"
#include "util/slug.h"
#include "util/text.h"

namespace casebook::render {

using util::Value;

std::string CountLabel(size_t n, const std::string& singular, const std::string& plural) {
  return GroupDigits(n) + " " + (n == 1 ? singular : plural);
}

std::string MonthName(int month) {
  static const char* kNames[] = {"January", "February", "March",     "April",
                                 "May",     "June",     "July",      "August",
                                 "September", "October", "November", "December"};
  return month >= 1 && month <= 12 ? kNames[month - 1] : "";
}

void SetList(Value& map, const std::string& key, Value list) {
  map["has_" + key] = !list.as_list().empty();
  map[key] = std::move(list);
}

Value SeverityBadge(const config::SiteConfig& cfg, const std::string& name) {
  const config::SeverityLevel* level = nullptr;
  for (const auto& l : cfg.severities) {
    if (l.name == name) { level = &l; break; }
  }
  if (!level) {
    for (const auto& l : cfg.severities) {
      if (util::ToLowerAscii(l.name) == util::ToLowerAscii(name)) { level = &l; break; }
    }
  }
  Value b = Value::MakeMap();
  b["name"] = name;
  b["label"] = level && !level->label.empty() ? level->label : name;
  std::string color = SanitizeColor(level ? level->color : "");
  b["color"] = color;
  b["text_color"] = TextColorOn(color);
  b["description"] = level ? level->description : "";
  return b;
}

bool IsOverdue(const content::ActionItem& action, const util::DateTime& today,
               int64_t* days_overdue) {
  // The calendar day where each was written: a due date "2024-04-01" is that
  // day whatever its offset.
  auto local_day = [](const util::DateTime& t) {
    int64_t s = t.utc_seconds + static_cast<int64_t>(t.offset_minutes) * 60;
    return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
  };
  std::string status = action.status.empty() ? "open" : action.status;
  if (status != "open" || !action.due) return false;
  int64_t days = local_day(today) - local_day(*action.due);
  if (days_overdue) *days_overdue = days > 0 ? days : 0;
  return days > 0;
}

std::string SourcePath(const config::SiteConfig& cfg, const content::Document& doc) {
  std::string dir = cfg.source;
  if (!cfg.root.empty() && util::StartsWith(dir, cfg.root + "/")) dir = dir.substr(cfg.root.size() + 1);
  return RepositoryPath(dir, doc.relative_path);
}

namespace {

bool HasScheme(const std::string& url) { return url.find("://") != std::string::npos; }

std::string AbsoluteFor(const config::SiteConfig& cfg, const std::string& relative) {
  std::string base = cfg.base_url;
  if (base.empty() || base.back() != '/') base += '/';
  if (!HasScheme(base)) base = BasePath(base);
  return base + EncodePath(relative);
}

}  // namespace

Value SiteFrame(const config::SiteConfig& cfg, const std::string& section) {
  std::string base = BasePath(cfg.base_url);
  auto link = [&](const std::string& rel) { return base + EncodePath(rel); };

  Value site = Value::MakeMap();
  site["title"] = cfg.title;
  site["description"] = cfg.description;
  site["language"] = cfg.language.empty() ? "en" : cfg.language;
  site["base"] = base;
  site["base_url"] = cfg.base_url;
  site["home_url"] = base;
  site["search_url"] = link("search/");
  site["archive_url"] = link("archive/");
  site["actions_url"] = link("actions/");
  site["actions_csv_url"] = link("actions.csv");
  site["stats_url"] = link("stats/");
  site["feed_url"] = link("feed.xml");
  site["json_url"] = link("postmortems.json");
  site["css_url"] = link("css/style.css");
  site["search_js_url"] = link("js/search.js");
  site["filter_js_url"] = link("js/filter.js");
  site["favicon_url"] = link("favicon.svg");

  Value nav = Value::MakeList();
  auto add_nav = [&](const std::string& label, const std::string& url, const std::string& id) {
    Value n = Value::MakeMap();
    n["label"] = label;
    n["url"] = url;
    n["current"] = section == id;
    nav.Push(std::move(n));
  };
  add_nav("Home", base, "home");
  Value taxonomies = Value::MakeList();
  for (const auto& key : cfg.taxonomies) {
    Value t = Value::MakeMap();
    t["key"] = key;
    t["label"] = model::TaxonomyLabel(key);
    t["url"] = link(key + "/");
    taxonomies.Push(t);
    add_nav(model::TaxonomyLabel(key), link(key + "/"), key);
  }
  add_nav("Archive", link("archive/"), "archive");
  add_nav("Actions", link("actions/"), "actions");
  add_nav("Stats", link("stats/"), "stats");
  add_nav("Search", link("search/"), "search");
  SetList(site, "taxonomies", std::move(taxonomies));
  site["nav"] = std::move(nav);
  return site;
}

Value PageFrame(const config::SiteConfig& cfg, const PageInfo& page) {
  return PageFrame(cfg, page, SiteFrame(cfg, page.section));
}

Value PageFrame(const config::SiteConfig& cfg, const PageInfo& page, Value site) {
  std::string base = BasePath(cfg.base_url);
  auto link = [&](const std::string& rel) { return base + EncodePath(rel); };
  Value p = Value::MakeMap();
  p["title"] = page.title.empty() ? cfg.title : page.title;
  p["full_title"] = page.title.empty() ? cfg.title : page.title + " · " + cfg.title;
  std::string description = page.description.empty() ? cfg.description : page.description;
  p["description"] = util::Truncate(util::Trim(description), 300);
  p["url"] = link(page.path);
  p["canonical"] = HasScheme(cfg.base_url) ? AbsoluteFor(cfg, page.path) : "";
  p["section"] = page.section;
  p["feed_url"] = page.feed_path.empty() ? "" : link(page.feed_path);
  p["feed_title"] = page.feed_title;
  p["is_home"] = page.section == "home";
  p["noindex"] = page.noindex;
  p["prev_url"] = page.prev_path.empty() ? "" : link(page.prev_path);
  p["next_url"] = page.next_path.empty() ? "" : link(page.next_path);

  Value frame = Value::MakeMap();
  frame["site"] = std::move(site);
  frame["page"] = std::move(p);
  return frame;
}

Value SearchView(const config::SiteConfig& cfg, const std::string& query) {
  PageInfo info;
  info.title = query.empty() ? "Search" : "Search: " + query;
  info.path = "search/";
  info.section = "search";
  info.noindex = true;
  Value v = PageFrame(cfg, info);
  v["query"] = query;
  SetList(v, "results", Value::MakeList());
  v["no_results"] = false;
  v["total"] = "";
  v["total_label"] = "";
  v["did_you_mean"] = "";
  v["did_you_mean_url"] = "";  // search_url + "?q=" + UrlEncode(suggestion)
  SetList(v, "facets", Value::MakeList());
  SetList(v, "pages", Value::MakeList());
  v["previous_page"] = false;
  v["next_page"] = false;
  v["message"] = "";
  v["server_rendered"] = false;  // set by `casebook serve` once it has searched
  return v;
}

View::View(const model::SiteModel& site)
    : site_(site), cfg_(*site.config), base_path_(BasePath(site.config->base_url)),
      undated_(UndatedByTitle(site)) {
  terms_.assign(site.postmortems.size(),
                std::vector<std::vector<const model::Term*>>(site.taxonomies.size()));
  for (size_t t = 0; t < site.taxonomies.size(); ++t) {
    for (const auto& term : site.taxonomies[t].terms) {
      for (int pm : term.postmortems) {
        if (pm >= 0 && static_cast<size_t>(pm) < terms_.size()) terms_[pm][t].push_back(&term);
      }
    }
  }
  // Order each postmortem's terms as the postmortem lists its values (each
  // postmortem on its own: on every core, as it is done on every build).
  util::ParallelFor(terms_.size(), util::DefaultJobs(), [&](size_t pm) {
    for (size_t t = 0; t < site.taxonomies.size(); ++t) {
      auto& list = terms_[pm][t];
      if (list.size() < 2) continue;
      // slug -> first position (a map, not a search per comparison: a
      // postmortem with thousands of tags stays n log n).
      std::unordered_map<std::string, size_t> first_at;
      size_t position = 0;
      for (const auto& v : site.postmortems[pm].doc.Taxonomy(site.taxonomies[t].key))
        first_at.emplace(model::TermSlug(v), position++);
      auto rank = [&](const model::Term* term) {
        auto it = first_at.find(term->slug);
        return it == first_at.end() ? position : it->second;
      };
      std::stable_sort(list.begin(), list.end(),
                       [&](const model::Term* a, const model::Term* b) { return rank(a) < rank(b); });
    }
  });
  for (const auto& pm : site.postmortems) {
    if (!pm.doc.severity.empty() && !badges_.count(pm.doc.severity)) {
      badges_[pm.doc.severity] = SeverityBadge(cfg_, pm.doc.severity);
    }
  }
  // The `site` key of every page, one per nav section (pages share it).
  std::vector<std::string> sections = {"", "home", "archive", "actions", "stats", "search"};
  for (const auto& key : cfg_.taxonomies) sections.push_back(key);
  for (const auto& section : sections) {
    Value frame = SiteFrame(cfg_, section);
    frame.Freeze();
    site_frames_[section] = std::move(frame);
  }
  // A postmortem's link item is built once and frozen, so the postmortem
  // pages that link it share it and the page cache hashes it once. Link
  // items are needed by every postmortem page's key; action rows only by
  // the lists, so they are built when first asked for; list items are made
  // for each list (ListItem).
  const size_t n = site.postmortems.size();
  links_.resize(n);
  link_once_ = std::make_unique<std::once_flag[]>(n);
  link_digests_.resize(n);
  term_digests_.resize(n);
  size_t severity_taxonomy = site.taxonomies.size();
  for (size_t t = 0; t < site.taxonomies.size(); ++t)
    if (site.taxonomies[t].key == "severity") severity_taxonomy = t;
  source_keys_.assign(n, std::string());
  list_keys_.assign(n, std::string());
  util::ParallelFor(n, util::DefaultJobs(), [&](size_t i) {
    const auto& pm = site.postmortems[i];
    // What MakeLinkItem and Severity read (the rest comes from site.toml).
    util::StreamHash link;
    link.AddString(pm.id());
    link.AddString(pm.doc.title);
    link.AddString(pm.url);
    link.AddInt(pm.incident_date ? 1 : 0);
    if (pm.incident_date) {
      link.AddInt(pm.incident_date->utc_seconds);
      link.AddInt(pm.incident_date->offset_minutes);
      link.AddInt(pm.incident_date->has_time * 4 + pm.incident_date->approximate * 2 +
                  pm.incident_date->time_unknown);
    }
    link.AddString(pm.doc.severity);
    const bool severity_term =
        severity_taxonomy < site.taxonomies.size() && !terms_[i][severity_taxonomy].empty();
    link.AddString(severity_term ? terms_[i][severity_taxonomy].front()->slug : std::string(1, '\0'));
    link.Finish(link_digests_[i].v);
    util::StreamHash terms;
    for (size_t t = 0; t < site.taxonomies.size(); ++t) {
      terms.AddString(site.taxonomies[t].key);
      terms.AddString(site.taxonomies[t].label);
      terms.AddInt(static_cast<int64_t>(terms_[i][t].size()));
      for (const model::Term* term : terms_[i][t]) {
        terms.AddString(term->name);
        terms.AddString(term->slug);
      }
    }
    terms.Finish(term_digests_[i].v);
    if (pm.doc.source_hash.empty()) return;
    // What the postmortem's own file gives, rendered, besides the body
    // (its path relative to the source folder: pages never show where the
    // repository is, so a moved checkout keeps its pages). The rendered
    // summary, timeline, actions and lessons by their digest, made when they
    // were rendered (model::FragmentsDigest): not hashed again at every build.
    util::StreamHash own;
    for (const std::string* s : {&pm.doc.relative_path, &pm.url}) own.AddString(*s);
    own.AddInt(pm.history ? pm.history->commits : -1);
    if (pm.history) {
      own.AddInt(pm.history->last_changed.utc_seconds);
      own.AddInt(pm.history->last_changed.offset_minutes);
    }
    const std::array<uint64_t, 2> fragments = model::FragmentsDigest(pm);
    own.AddBytes(fragments.data(), sizeof fragments);
    util::StreamHash source = own;
    source.AddString(pm.doc.source_hash);
    // The rendered body: its hash (the HTML is not read), or the HTML itself.
    source.AddString(pm.body_hash.empty() ? pm.body.html : pm.body_hash);
    source_keys_[i] = source.Hex();
    // The list key: every field of the document but its body, and the
    // links the model worked out (referenced_by comes from other bodies).
    util::StreamHash list = own;
    list.AddString(content::DigestWithoutBody(pm.doc));
    for (const auto* links : {&pm.related, &pm.referenced_by}) {
      list.AddInt(static_cast<int64_t>(links->size()));
      for (int j : *links) list.AddString(IdOf(j));
    }
    list.AddString(IdOf(pm.previous));
    list.AddString(IdOf(pm.next));
    // The one part of the body a list page shows: the service briefing's
    // lessons (their text is in the fragments' digest), under their heading.
    list.AddString(HeadingAnchor(pm, pm.lessons_heading));
    list_keys_[i] = list.Hex();
  });
  FindBriefingLessons();
}

const std::string& View::IdOf(int index) const {
  static const std::string kNone(1, '\0');
  if (index < 0 || static_cast<size_t>(index) >= site_.postmortems.size()) return kNone;
  return site_.postmortems[index].id();
}

void View::ActionPostmortems() const {
  std::call_once(actions_once_, [this] {
    // An action's `postmortem` key, shared by the postmortem's actions.
    std::vector<Value> action_pms(site_.postmortems.size());
    util::ParallelFor(action_pms.size(), util::DefaultJobs(), [&](size_t i) {
      if (site_.postmortems[i].doc.actions.empty()) return;
      action_pms[i] = ActionPostmortem(site_.postmortems[i]);
      action_pms[i].Freeze();
    });
    action_pms_ = std::move(action_pms);
  });
}

Value View::Frame(const PageInfo& page) const {
  auto it = site_frames_.find(page.section);
  return it != site_frames_.end() ? PageFrame(cfg_, page, it->second) : PageFrame(cfg_, page);
}

std::string View::Link(const std::string& relative) const {
  return base_path_ + EncodePath(relative);
}

std::string View::Absolute(const std::string& relative) const {
  return AbsoluteFor(cfg_, relative);
}

std::string View::TermPath(const model::Taxonomy& tax, const model::Term& term) const {
  return tax.key + "/" + term.slug + "/";
}

Value View::Severity(int index) const {
  const auto& pm = site_.postmortems[index];
  if (pm.doc.severity.empty()) return Value(false);
  // The badge depends only on the severity as written and its term: one
  // frozen copy shared by every link and list item that shows it.
  const model::Term* term = nullptr;
  size_t term_taxonomy = 0;
  for (size_t t = 0; t < site_.taxonomies.size(); ++t) {
    if (site_.taxonomies[t].key == "severity" && !terms_[index][t].empty()) {
      term = terms_[index][t].front();
      term_taxonomy = t;
    }
  }
  std::lock_guard<std::mutex> lock(severity_mu_);
  Value& shared = severity_badges_[{pm.doc.severity, term}];
  if (shared.is_null()) {
    auto cached = badges_.find(pm.doc.severity);
    Value b = cached != badges_.end() ? cached->second : SeverityBadge(cfg_, pm.doc.severity);
    b["url"] = term ? Link(TermPath(site_.taxonomies[term_taxonomy], *term)) : std::string();
    b.Freeze();
    shared = std::move(b);
  }
  return shared;
}

const Value& View::TermChip(size_t taxonomy, const model::Term& term) const {
  std::lock_guard<std::mutex> lock(severity_mu_);
  Value& chip = term_chips_[&term];
  if (chip.is_null()) {
    Value v = Value::MakeMap();
    v["name"] = term.name;
    v["url"] = Link(TermPath(site_.taxonomies[taxonomy], term));
    v.Freeze();
    chip = std::move(v);
  }
  return chip;  // std::map: the reference stays valid as others are added
}

Value View::TermLinks(int index, size_t taxonomy) const {
  Value list = Value::MakeList();
  for (const model::Term* term : terms_[index][taxonomy]) list.Push(TermChip(taxonomy, *term));
  return list;
}

// Made for each list that shows it (a postmortem is on ~7 list pages), not
// kept: every item held at once was ~2 KB per postmortem, the largest part
// of what the list pages added to a 100,000-postmortem build's peak memory.
// The badge and service chips in it are shared (Severity, TermChip).
Value View::ListItem(int index) const {
  const auto& pm = site_.postmortems[index];
  Value v = LinkItem(index);  // id, title, url, dates, severity
  v["status"] = pm.doc.status;
  v["is_draft"] = pm.doc.status == "draft";
  v["is_review"] = pm.doc.status == "review";
  v["status_label"] = pm.doc.status == "draft"    ? "Draft"
                      : pm.doc.status == "review" ? "In review"
                                                  : "";
  // A list item is repeated on the page of every term its postmortem has,
  // so what it shows is bounded (docs/security.md, "Output bounds"): a
  // long summary becomes its first words, at most kCardChips services.
  v["summary_html"] = pm.summary_html.size() <= kCardSummaryBytes
                          ? pm.summary_html
                          : util::HtmlEscape(util::Truncate(pm.doc.summary, kCardSummaryBytes / 4));
  // Services link to their term pages when "services" is a taxonomy.
  Value services = Value::MakeList();
  bool found = false;
  for (size_t t = 0; t < site_.taxonomies.size(); ++t) {
    if (site_.taxonomies[t].key == "services") {
      services = TermLinks(index, t);
      found = true;
    }
  }
  if (!found) {
    for (const auto& s : pm.doc.services) {
      Value sv = Value::MakeMap();
      sv["name"] = s;
      sv["url"] = "";
      services.Push(std::move(sv));
    }
  }
  const size_t all_services = services.as_list().size();
  if (all_services > kCardChips) {
    services.as_list().resize(kCardChips);
    v["services_more"] = "+" + GroupDigits(all_services - kCardChips) + " more";
  } else {
    v["services_more"] = "";
  }
  for (Value& chip : services.as_list()) {
    // Read through const: chips are shared (TermChip), copied only to cut.
    const Value* name = static_cast<const Value&>(chip).Find("name");
    if (name && name->as_string().size() > kCardChipBytes) {
      std::string cut = util::Truncate(name->as_string(), kCardChipBytes);
      chip["name"] = std::move(cut);
    }
  }
  SetList(v, "services", std::move(services));
  return v;
}

Value View::ItemList(const std::vector<int>& indices) const {
  Value list = Value::MakeList();
  for (int i : indices) {
    if (i >= 0 && static_cast<size_t>(i) < site_.postmortems.size()) list.Push(ListItem(i));
  }
  return list;
}

}  // namespace casebook::render
