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

/// Headings lessons are filed under, in order of preference.
const char* const kLessonHeadings[] = {"Lessons learned", "Lessons learnt", "Lessons",
                                       "What we learned", "Learnings"};

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

std::string RemoveLinkTargets(std::string line) {
  // "![alt](url)" / "[text](url)" -> text; "[[id]]" -> id.
  line = util::ReplaceAll(std::move(line), "[[", "");
  line = util::ReplaceAll(std::move(line), "]]", "");
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '!' && i + 1 < line.size() && line[i + 1] == '[') continue;
    if (line[i] == ']' && i + 1 < line.size() && line[i + 1] == '(') {
      size_t close = line.find(')', i + 2);
      if (close != std::string::npos) {
        i = close;
        continue;
      }
    }
    if (line[i] == '[' && line.find("](", i) != std::string::npos) continue;
    out += line[i];
  }
  return out;
}

}  // namespace

std::string MarkdownToPlain(const std::string& markdown) {
  std::vector<std::string> lines;
  bool blank = false;
  for (std::string line : util::Split(markdown, '\n')) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string_view t = util::Trim(line);
    if (t.empty()) {
      if (!lines.empty()) blank = true;
      continue;
    }
    if (util::StartsWith(t, "```") || util::StartsWith(t, "~~~") || util::StartsWith(t, "<!--"))
      continue;
    std::string indent = line.substr(0, line.find_first_not_of(" \t"));
    std::string text(t);
    if (text[0] == '#') {  // heading -> "Text:"
      text = std::string(util::Trim(text.substr(text.find_first_not_of('#'))));
      if (!text.empty() && text.back() != ':') text += ':';
      indent.clear();
    }
    for (const char* box : {"- [ ] ", "- [x] ", "- [X] ", "* [ ] ", "* [x] "})
      if (util::StartsWith(text, box)) text = "- " + text.substr(6);
    if (util::StartsWith(text, "* ") || util::StartsWith(text, "+ ")) text[0] = '-';
    if (util::StartsWith(text, "> ")) text = text.substr(2);
    text = RemoveLinkTargets(std::move(text));
    for (const char* mark : {"**", "__", "`"}) text = util::ReplaceAll(std::move(text), mark, "");
    if (blank) lines.emplace_back();
    blank = false;
    lines.push_back(indent + text);
  }
  return util::Join(lines, "\n");
}

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
    for (const char* heading : kLessonHeadings) {
      std::string section = markdown::SectionMarkdown(pm.doc.body, heading);
      if (!section.empty()) {
        b.lessons = MarkdownToPlain(section);
        break;
      }
    }
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
