// The briefing: see brief.h.
#include "search/brief.h"

#include <algorithm>
#include <map>
#include <set>

#include "markdown/markdown.h"
#include "util/datetime.h"
#include "util/slug.h"
#include "util/text.h"

namespace casebook::search {
namespace {

struct Subject {
  std::string text;  // as given
  std::string slug;
  std::string key;  // "" = services, tags and custom taxonomies; else one key
};

Subject ParseSubject(const std::string& s) {
  Subject out{s, "", ""};
  std::string_view v = util::Trim(s);
  size_t colon = v.find(':');
  if (colon != std::string_view::npos) {
    std::string prefix = util::ToLowerAscii(v.substr(0, colon));
    if (prefix == "service" || prefix == "services") out.key = "services";
    if (prefix == "tag" || prefix == "tags") out.key = "tags";
    if (!out.key.empty()) v = v.substr(colon + 1);
  }
  out.slug = util::Slugify(v);
  return out;
}

std::vector<std::string> Keys(const model::SiteModel& site) {
  std::vector<std::string> keys{"services", "tags"};
  if (site.config)
    for (const auto& k : site.config->taxonomies)
      if (k != "severity" && std::find(keys.begin(), keys.end(), k) == keys.end())
        keys.push_back(k);
  return keys;
}

bool Matches(const content::Document& doc, const Subject& s, const std::vector<std::string>& keys) {
  if (s.slug.empty()) return false;
  for (const auto& key : keys) {
    if (!s.key.empty() && key != s.key) continue;
    for (const auto& v : doc.Taxonomy(key))
      if (util::Slugify(v) == s.slug) return true;
  }
  return false;
}

std::string DateOf(const model::Postmortem& pm, const model::SiteModel& site) {
  if (!pm.incident_date) return "";
  return util::FormatDate(*pm.incident_date,
                          site.config ? site.config->timezone_offset_minutes : 0);
}

std::string LabelOf(const model::Postmortem& pm, const model::SiteModel& site) {
  const auto* cfg = site.config;
  if (cfg && pm.severity_rank >= 0 && pm.severity_rank < static_cast<int>(cfg->severities.size()) &&
      !cfg->severities[pm.severity_rank].label.empty())
    return cfg->severities[pm.severity_rank].label;
  return pm.doc.severity;
}

std::string LinkOf(const model::Postmortem& pm, const model::SiteModel& site) {
  return (site.config ? site.config->base_url : std::string("/")) + pm.url;
}

bool IsOpen(const content::ActionItem& a) {
  std::string s = util::ToLowerAscii(a.status);
  return s != "done" && s != "wontfix" && s != "closed" && s != "cancelled";
}

}  // namespace

namespace {

/// The matching postmortems in briefing order, what each matched, and the
/// subjects nothing matched.
std::vector<int> Match(const model::SiteModel& site, const std::vector<std::string>& subjects,
                       std::map<int, std::vector<std::string>>* matched,
                       std::vector<std::string>* unmatched) {
  std::vector<Subject> parsed;
  for (const auto& s : subjects) parsed.push_back(ParseSubject(s));
  std::vector<std::string> keys = Keys(site);
  std::vector<int> chosen;
  std::set<size_t> used_subjects;
  for (size_t i = 0; i < site.postmortems.size(); ++i) {
    for (size_t k = 0; k < parsed.size(); ++k) {
      if (!Matches(site.postmortems[i].doc, parsed[k], keys)) continue;
      auto& m = (*matched)[static_cast<int>(i)];
      if (m.empty()) chosen.push_back(static_cast<int>(i));
      m.push_back(parsed[k].text);
      used_subjects.insert(k);
    }
  }
  for (size_t k = 0; k < parsed.size(); ++k)
    if (!used_subjects.count(k)) unmatched->push_back(parsed[k].text);

  auto rank = [&](int i) {
    int r = site.postmortems[i].severity_rank;
    return r < 0 ? 1 << 20 : r;
  };
  std::sort(chosen.begin(), chosen.end(), [&](int a, int b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    const auto& da = site.postmortems[a].incident_date;
    const auto& db = site.postmortems[b].incident_date;
    if (da.has_value() != db.has_value()) return da.has_value();
    if (da && db && da->utc_seconds != db->utc_seconds) return da->utc_seconds > db->utc_seconds;
    return site.postmortems[a].doc.id < site.postmortems[b].doc.id;
  });
  return chosen;
}

}  // namespace

std::vector<int> BriefPostmortems(const model::SiteModel& site,
                                  const std::vector<std::string>& subjects) {
  std::map<int, std::vector<std::string>> matched;
  std::vector<std::string> unmatched;
  return Match(site, subjects, &matched, &unmatched);
}

Brief MakeBrief(const model::SiteModel& site, const std::vector<std::string>& subjects) {
  Brief brief;
  brief.subjects = subjects;
  std::map<int, std::vector<std::string>> matched;
  std::vector<int> chosen = Match(site, subjects, &matched, &brief.unmatched);

  for (int i : chosen) {
    const model::Postmortem& pm = site.postmortems[i];
    BriefIncident b;
    b.id = pm.doc.id;
    b.title = pm.doc.title;
    b.url = pm.url;
    b.link = LinkOf(pm, site);
    b.date = DateOf(pm, site);
    b.severity = pm.doc.severity;
    b.severity_label = LabelOf(pm, site);
    b.summary = pm.doc.summary;
    b.source_path = pm.doc.path.empty() ? pm.doc.relative_path : pm.doc.path;
    b.services = pm.doc.services;
    b.tags = pm.doc.tags;
    b.matched = matched[i];
    std::string lessons = markdown::LessonsMarkdown(pm.doc.body);
    if (!lessons.empty()) b.lessons = MarkdownToPlain(lessons);
    for (const auto& a : pm.doc.actions) {
      if (!IsOpen(a)) continue;
      BriefAction x{a.text, a.owner, "", a.ticket, a.status, false};
      if (a.due) {
        x.due = util::FormatDate(*a.due, a.due->offset_minutes);
        x.overdue = a.due->utc_seconds < site.today.utc_seconds && site.today.utc_seconds > 0;
      }
      b.open_actions.push_back(std::move(x));
    }
    brief.incidents.push_back(std::move(b));
  }

  // Similar incidents of the listed ones, in the order they first come up.
  std::set<int> listed(chosen.begin(), chosen.end());
  std::map<int, size_t> similar_at;
  for (int i : chosen) {
    for (const auto& s : site.postmortems[i].similar) {
      if (s.index < 0 || s.index >= static_cast<int>(site.postmortems.size()) ||
          listed.count(s.index))
        continue;
      auto it = similar_at.find(s.index);
      if (it == similar_at.end()) {
        if (brief.similar.size() >= kMaxBriefSimilar) continue;
        const model::Postmortem& pm = site.postmortems[s.index];
        BriefSimilar x;
        x.id = pm.doc.id;
        x.title = pm.doc.title;
        x.url = pm.url;
        x.link = LinkOf(pm, site);
        x.date = DateOf(pm, site);
        x.severity = pm.doc.severity;
        x.severity_label = LabelOf(pm, site);
        x.summary = pm.doc.summary;
        x.shared_terms = s.shared_terms;
        it = similar_at.emplace(s.index, brief.similar.size()).first;
        brief.similar.push_back(std::move(x));
      }
      brief.similar[it->second].similar_to.push_back(site.postmortems[i].doc.id);
    }
  }
  return brief;
}

}  // namespace casebook::search
