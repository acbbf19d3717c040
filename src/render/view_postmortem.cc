// The template view of one postmortem page: header facts, incident times and
// durations, timeline, table of contents, action items, related incidents,
// source and history. Keys are listed in view.h.
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>

#include "render/urls.h"
#include "render/view.h"
#include "util/datetime.h"
#include "util/hash.h"
#include "util/text.h"

namespace casebook::render {

using util::Value;

namespace {

// Front matter keys casebook has no field for ("company", "url" as the
// original report): shown under the key facts as written, http(s) values as
// links. Tables, the site's taxonomies (shown as chips) and `draft` are not.
Value OtherFacts(const config::SiteConfig& cfg, const content::Document& doc) {
  Value out = Value::MakeList();
  if (!doc.extra.is_map()) return out;
  auto scalar = [](const Value& x) -> std::optional<std::string> {
    switch (x.kind()) {
      case Value::Kind::kString: return x.as_string();
      case Value::Kind::kInt: return std::to_string(x.as_int());
      case Value::Kind::kBool: return std::string(x.as_bool() ? "yes" : "no");
      case Value::Kind::kFloat: {
        std::string f = std::to_string(x.as_float());
        while (f.size() > 1 && f.back() == '0') f.pop_back();
        if (!f.empty() && f.back() == '.') f.pop_back();
        return f;
      }
      default: return std::nullopt;
    }
  };
  for (const auto& [key, value] : doc.extra.as_map()) {
    if (key == "draft" || std::find(cfg.taxonomies.begin(), cfg.taxonomies.end(), key) != cfg.taxonomies.end())
      continue;
    std::vector<std::string> texts;
    if (auto one = scalar(value)) {
      texts.push_back(*one);
    } else if (value.is_list()) {
      for (const auto& item : value.as_list())
        if (auto t = scalar(item)) texts.push_back(*t);
    }
    Value values = Value::MakeList();
    for (const auto& t : texts) {
      if (util::Trim(t).empty()) continue;
      Value tv = Value::MakeMap();
      tv["text"] = t;
      bool link = util::IStartsWith(t, "https://") || util::IStartsWith(t, "http://");
      tv["url"] = link && t.find_first_of(" \t\n\"<>") == std::string::npos ? Value(t) : Value(false);
      values.Push(std::move(tv));
    }
    if (values.as_list().empty()) continue;
    std::string label = key == "original_report" ? "Original report" : key;
    for (auto& c : label)
      if (c == '_' || c == '-') c = ' ';
    if (!label.empty() && label[0] >= 'a' && label[0] <= 'z') label[0] = static_cast<char>(label[0] - 32);
    Value f = Value::MakeMap();
    f["key"] = key;
    f["label"] = label;
    f["values"] = std::move(values);
    out.Push(std::move(f));
  }
  return out;
}


/// Splits "2024-03-12 09:14 UTC" into the day and the rest.
void SplitDateTime(const util::DateTime& t, int offset, std::string* date, std::string* time) {
  std::string full = util::FormatDateTime(t, offset);
  *date = util::FormatDate(t, offset);
  *time = util::StartsWith(full, *date) ? std::string(util::Trim(full.substr(date->size()))) : full;
  if (t.time_unknown || !t.has_time) *time = t.time_unknown ? "time unknown" : "";
}

bool IsHeading(const markdown::Heading& h, std::initializer_list<const char*> names) {
  std::string text = util::ToLowerAscii(util::Trim(h.text));
  for (const char* n : names) {
    if (text == n) return true;
  }
  return false;
}

/// Where the section headed by headings[i] ends in `html`: the start of the
/// next heading of the same or a higher level, or the end. npos when the
/// heading itself cannot be found (then nothing is moved).
size_t SectionEnd(const markdown::Rendered& body, size_t i) {
  auto find_heading = [&](const markdown::Heading& h) {
    return body.html.find("<h" + std::to_string(h.level) + " id=\"" + util::HtmlEscape(h.anchor) + "\"");
  };
  if (find_heading(body.headings[i]) == std::string::npos) return std::string::npos;
  for (size_t j = i + 1; j < body.headings.size(); ++j) {
    if (body.headings[j].level <= body.headings[i].level) return find_heading(body.headings[j]);
  }
  return body.html.size();
}

/// True when every action item was read from the body (its line is past the
/// front matter), so the body already shows each one.
bool ActionsFromBody(const content::Document& doc) {
  if (doc.actions.empty()) return false;
  for (const auto& a : doc.actions)
    if (a.line < doc.body_line) return false;
  return true;
}

/// The body cut at the end of its "## Timeline" and "## Action items"
/// sections, so the structured timeline and action table can sit in them.
Value BodyParts(const markdown::Rendered& body, bool timeline, bool actions,
                bool* timeline_in_body, bool* actions_in_body) {
  std::vector<std::pair<size_t, int>> cuts;  // position, 0 = timeline, 1 = actions
  bool found[2] = {false, false};
  for (size_t i = 0; i < body.headings.size(); ++i) {
    const auto& h = body.headings[i];
    int kind = -1;
    if (timeline && !found[0] && IsHeading(h, {"timeline", "incident timeline"})) kind = 0;
    if (actions && !found[1] &&
        IsHeading(h, {"action items", "actions", "follow-up actions", "follow-ups", "remediation"})) {
      kind = 1;
    }
    if (kind < 0) continue;
    size_t end = SectionEnd(body, i);
    if (end == std::string::npos) continue;
    found[kind] = true;
    cuts.emplace_back(end, kind);
  }
  std::stable_sort(cuts.begin(), cuts.end());
  Value parts = Value::MakeList();
  size_t pos = 0;
  for (const auto& [at, kind] : cuts) {
    Value part = Value::MakeMap();
    part["html"] = body.html.substr(pos, at - pos);
    part["timeline_here"] = kind == 0;
    part["actions_here"] = kind == 1;
    parts.Push(std::move(part));
    pos = at;
  }
  Value last = Value::MakeMap();
  last["html"] = body.html.substr(pos);
  last["timeline_here"] = false;
  last["actions_here"] = false;
  parts.Push(std::move(last));
  *timeline_in_body = found[0];
  *actions_in_body = found[1];
  return parts;
}

Value TableOfContents(const std::vector<markdown::Heading>& headings) {
  Value toc = Value::MakeList();
  for (const auto& h : headings) {
    if (h.level < 2 || h.level > 3 || h.anchor.empty()) continue;
    Value entry = Value::MakeMap();
    entry["text"] = h.text;
    entry["anchor"] = "#" + h.anchor;
    entry["children"] = Value::MakeList();
    if (h.level == 3 && !toc.as_list().empty()) {
      toc.as_list().back()["children"].Push(std::move(entry));
    } else {
      toc.Push(std::move(entry));
    }
  }
  for (auto& entry : toc.as_list()) {
    entry["has_children"] = !entry["children"].as_list().empty();
  }
  return toc;
}

}  // namespace

Value View::Incident(const model::Postmortem& pm) const {
  const auto& in = pm.doc.incident;
  const std::pair<const char*, const std::optional<util::DateTime>*> times[] = {
      {"Started", &in.started},
      {"First user impact", &in.first_user_impact},
      {"Detected", &in.detected},
      {"First user report", &in.first_user_report},
      {"Mitigated", &in.mitigated},
      {"Resolved", &in.resolved},
  };
  Value list = Value::MakeList();
  for (const auto& [label, t] : times) {
    if (!*t) continue;
    Value v = Value::MakeMap();
    v["label"] = label;
    v["display"] = util::FormatDateTime(**t, cfg_.timezone_offset_minutes);
    v["datetime"] = util::FormatRfc3339(**t);
    list.Push(std::move(v));
  }
  return list;
}

Value View::Timeline(const model::Postmortem& pm) const {
  Value list = Value::MakeList();
  std::string previous_day;
  for (size_t i = 0; i < pm.doc.timeline.size(); ++i) {
    const auto& e = pm.doc.timeline[i];
    Value v = Value::MakeMap();
    std::string date, time;
    SplitDateTime(e.at, cfg_.timezone_offset_minutes, &date, &time);
    v["datetime"] = util::FormatRfc3339(e.at);
    v["date"] = date;
    v["time"] = time;
    v["show_date"] = date != previous_day;
    v["approximate"] = e.at.approximate;
    v["text_html"] = i < pm.timeline_html.size() ? pm.timeline_html[i] : util::HtmlEscape(e.text);
    previous_day = date;
    list.Push(std::move(v));
  }
  return list;
}

Value View::Actions(const model::Postmortem& pm) const {
  Value list = Value::MakeList();
  for (size_t i = 0; i < pm.doc.actions.size(); ++i) {
    const auto& a = pm.doc.actions[i];
    Value v = Value::MakeMap();
    v["text_html"] = i < pm.action_html.size() ? pm.action_html[i] : util::HtmlEscape(a.text);
    v["owner"] = a.owner;
    v["due"] = a.due ? util::FormatDate(*a.due, a.due->offset_minutes) : "";
    v["due_datetime"] = a.due ? util::FormatDate(*a.due, a.due->offset_minutes) : "";
    std::string status = a.status.empty() ? "open" : a.status;
    v["status"] = status;
    v["status_label"] = status == "open"      ? "Open"
                        : status == "done"    ? "Done"
                        : status == "wontfix" ? "Won't fix"
                                              : status;
    v["status_class"] = status == "open" || status == "done" || status == "wontfix" ? status : "other";
    int64_t days = 0;
    bool overdue = IsOverdue(a, site_.today, &days);
    v["overdue"] = overdue;
    v["overdue_label"] = overdue ? CountLabel(static_cast<size_t>(days), "day", "days") + " overdue" : "";
    v["ticket"] = a.ticket;
    v["ticket_url"] = TicketUrl(cfg_.ticket_url, a.ticket);
    list.Push(std::move(v));
  }
  return list;
}

Value View::LinkItem(int index) const {
  if (index < 0 || static_cast<size_t>(index) >= links_.size()) return MakeLinkItem(index);
  std::call_once(link_once_[index], [&] {
    Value v = MakeLinkItem(index);
    v.Freeze();
    links_[index] = std::move(v);
  });
  return links_[index];
}

void View::DropLinkItems() const {
  std::vector<Value>().swap(links_);
  link_once_.reset();
}

Value View::MakeLinkItem(int index) const {
  const auto& pm = site_.postmortems[index];
  Value v = Value::MakeMap();
  v["id"] = pm.id();
  // Repeated wherever the postmortem is linked from: bounded (a title is
  // shown whole on its own page).
  v["title"] = util::Truncate(pm.doc.title, kCardTitleBytes);
  v["url"] = Link(pm.url);
  v["date"] = pm.incident_date ? util::FormatDate(*pm.incident_date, cfg_.timezone_offset_minutes) : "";
  v["datetime"] = pm.incident_date ? util::FormatRfc3339(*pm.incident_date) : "";
  v["severity"] = Severity(index);
  return v;
}

std::string View::SimilarReason(int index, const model::SimilarIncident& s) const {
  // Shared services and tags first (what an engineer recognises), then the
  // distinctive words search found in both (the engine keeps only those).
  std::vector<std::string> parts;
  for (const char* key : {"services", "tags"}) {
    for (size_t t = 0; t < site_.taxonomies.size(); ++t) {
      if (site_.taxonomies[t].key != key) continue;
      std::vector<std::string> shared;
      for (const model::Term* term : terms_[index][t]) {
        const auto& other = terms_[s.index][t];
        if (shared.size() < kMaxReasonChips && std::find(other.begin(), other.end(), term) != other.end())
          shared.push_back(util::Truncate(term->name, kCardChipBytes));
      }
      if (shared.empty()) continue;
      bool one = shared.size() == 1;
      std::string label = key == std::string("services") ? (one ? "service" : "services")
                                                          : (one ? "tag" : "tags");
      parts.push_back("same " + label + " " + util::Join(shared, ", "));
    }
  }
  if (!s.shared_terms.empty()) parts.push_back("both mention " + util::Join(s.shared_terms, ", "));
  std::string out = util::Join(parts, "; ");
  if (!out.empty()) out[0] = static_cast<char>(out[0] - 'a' + 'A');  // "same" / "both"
  return out;
}

Value View::RelatedLinks(const model::Postmortem& pm) const {
  auto valid = [&](int i) { return i >= 0 && static_cast<size_t>(i) < site_.postmortems.size(); };
  auto index_of = [&](const model::Postmortem& p) { return static_cast<int>(&p - site_.postmortems.data()); };
  auto links = [&](const std::vector<int>& indices) {
    Value list = Value::MakeList();
    for (int i : indices) {
      if (valid(i)) list.Push(LinkItem(i));
    }
    return list;
  };
  Value v = Value::MakeMap();
  SetList(v, "related", links(pm.related));
  SetList(v, "referenced_by", links(pm.referenced_by));
  // One list of linked incidents: each appears once, saying which way the
  // link goes (an incident both listed here and linking here is not shown
  // under two headings).
  Value linked = Value::MakeList();
  auto holds = [](const std::vector<int>& list, int i) {
    return std::find(list.begin(), list.end(), i) != list.end();
  };
  std::vector<int> shown;
  auto add_linked = [&](int i) {
    if (!valid(i) || holds(shown, i)) return;
    shown.push_back(i);
    bool out = holds(pm.related, i), in = holds(pm.referenced_by, i);
    Value item = LinkItem(i);
    item["direction"] = out && in ? "linked both ways" : out ? "linked from here" : "links here";
    linked.Push(std::move(item));
  };
  for (int i : pm.related) add_linked(i);
  for (int i : pm.referenced_by) add_linked(i);
  SetList(v, "linked", std::move(linked));
  Value similar = Value::MakeList();
  for (const auto& s : pm.similar) {
    if (!valid(s.index)) continue;
    Value item = LinkItem(s.index);
    std::string reason = SimilarReason(index_of(pm), s);
    // The separator only between parts: none when there is no date or badge.
    item["reason_separator"] = !reason.empty() && (site_.postmortems[s.index].incident_date ||
                                                   Severity(s.index).is_map());
    item["reason"] = std::move(reason);
    similar.Push(std::move(item));
  }
  bool has_similar = !similar.as_list().empty();
  SetList(v, "similar", std::move(similar));
  v["previous"] = valid(pm.previous) ? LinkItem(pm.previous) : Value(false);
  v["next"] = valid(pm.next) ? LinkItem(pm.next) : Value(false);
  v["has_related_section"] = !v.Find("related")->as_list().empty() ||
                             !v.Find("referenced_by")->as_list().empty() || has_similar ||
                             valid(pm.previous) || valid(pm.next);
  return v;
}

bool View::AddPostmortemInputs(int index, util::StreamHash* h) const {
  const model::Postmortem& pm = site_.postmortems[index];
  if (source_keys_[index].empty()) return false;
  // The source covers the document and everything made from it alone
  // (with the shared inputs: durations, incident, timeline, actions, body
  // parts, source link, history, figures, extra).
  h->AddString(source_keys_[index]);
  // The frame: a function of site.toml (in the shared inputs) and the
  // title, summary and URL, which the source key already covers: the URL
  // is in it, and the title and summary are read from the file (its bytes
  // and relative path, both in it) as site.toml says, with only control
  // characters taken out; hashing them again was a fifth of this key.
  // Its terms (its list item is made of the above and the terms).
  auto digest = [h](const Digest& d) { h->AddBytes(d.v, sizeof d.v); };
  digest(term_digests_[index]);
  // What RelatedLinks shows of other postmortems: their link items, as the
  // digests of what those are made from.
  auto valid = [&](int i) { return i >= 0 && static_cast<size_t>(i) < site_.postmortems.size(); };
  auto link = [&](int i) {
    h->AddInt(valid(i));
    if (valid(i)) digest(link_digests_[i]);
  };
  for (const auto* list : {&pm.related, &pm.referenced_by}) {
    h->AddInt(static_cast<int64_t>(list->size()));
    for (int i : *list) link(i);
  }
  h->AddInt(static_cast<int64_t>(pm.similar.size()));
  for (const auto& s : pm.similar) {
    link(s.index);
    // The reason (SimilarReason) reads both postmortems' services and tags
    // and the terms search found in both.
    if (!valid(s.index)) continue;
    digest(term_digests_[s.index]);
    h->AddInt(static_cast<int64_t>(s.shared_terms.size()));
    for (const auto& term : s.shared_terms) h->AddString(term);
  }
  link(pm.previous);
  link(pm.next);
  return true;
}

Value View::Postmortem(int index) const {
  const model::Postmortem& pm = site_.postmortems[index];
  const content::Document& doc = pm.doc;

  PageInfo info;
  info.title = doc.title;
  info.description = doc.summary;
  info.path = pm.url;
  Value page = Frame(info);

  // Its own list item.
  Value v = ListItem(index);
  // Its own page shows what list items shorten, whole.
  v["title"] = pm.doc.title;
  v["summary_html"] = pm.summary_html;
  v["summary_in_body"] = pm.summary_in_body;
  SetList(v, "incident", Incident(pm));
  Value durations = Value::MakeList();
  const std::pair<const char*, const std::optional<int64_t>*> spans[] = {
      {"Time to detect", &pm.durations.detect},
      {"Time to mitigate", &pm.durations.mitigate},
      {"Time to resolve", &pm.durations.resolve},
  };
  for (const auto& [label, seconds] : spans) {
    if (!*seconds) continue;
    Value d = Value::MakeMap();
    d["label"] = label;
    d["value"] = util::FormatDuration(**seconds);
    d["seconds"] = **seconds;
    durations.Push(std::move(d));
  }
  SetList(v, "durations", std::move(durations));

  Value taxonomies = Value::MakeList();
  for (size_t t = 0; t < site_.taxonomies.size(); ++t) {
    if (site_.taxonomies[t].key == "severity" || terms_[index][t].empty()) continue;
    Value tv = Value::MakeMap();
    tv["key"] = site_.taxonomies[t].key;
    tv["label"] = site_.taxonomies[t].label;
    SetList(tv, "terms", TermLinks(index, t));
    taxonomies.Push(std::move(tv));
  }
  SetList(v, "taxonomies", std::move(taxonomies));

  Value authors = Value::MakeList();
  for (const auto& a : doc.authors) {
    Value av = Value::MakeMap();
    av["name"] = a;
    authors.Push(std::move(av));
  }
  SetList(v, "authors", std::move(authors));
  v["facilitator"] = doc.facilitator;
  v["contact"] = doc.contact;
  v["has_people"] = !doc.authors.empty() || !doc.facilitator.empty() || !doc.contact.empty();
  SetList(v, "other_facts", OtherFacts(cfg_, doc));
  v["has_facts"] = v.Find("has_people")->as_bool() || v.Find("has_durations")->as_bool() ||
                   v.Find("has_incident")->as_bool() || v.Find("has_taxonomies")->as_bool() ||
                   v.Find("has_other_facts")->as_bool();

  SetList(v, "timeline", Timeline(pm));
  // A timeline read from the body's "## Timeline" section is shown there.
  v["show_timeline"] = !doc.timeline.empty() && !doc.timeline_from_body;
  // The HTML is read from the build cache when the model does not hold it.
  markdown::Rendered body;
  body.html = model::BodyHtml(pm);
  body.headings = pm.body.headings;
  bool timeline_in_body = false, actions_in_body = false;
  SetList(v, "body_parts",
          BodyParts(body, v.Find("show_timeline")->as_bool(), !doc.actions.empty(),
                    &timeline_in_body, &actions_in_body));
  v["body_html"] = std::move(body.html);
  v["timeline_in_body"] = timeline_in_body;
  v["actions_in_body"] = actions_in_body;
  SetList(v, "toc", TableOfContents(pm.body.headings));

  Value actions = Actions(pm);
  size_t open = 0, overdue = 0;
  for (const auto& a : actions.as_list()) {
    if (a.Find("status")->as_string() == "open") ++open;
    if (a.Find("overdue")->as_bool()) ++overdue;
  }
  std::string summary = CountLabel(actions.as_list().size(), "action item", "action items");
  if (!actions.as_list().empty()) {
    summary += ", " + GroupDigits(open) + " open";
    if (overdue) summary += ", " + GroupDigits(overdue) + " overdue";
  }
  v["actions_summary"] = summary;
  // Action items read from the body's own list are shown there, as written:
  // the page gives their count and status instead of repeating them in a table.
  v["actions_from_body"] = ActionsFromBody(doc);
  SetList(v, "actions", std::move(actions));

  Value related = RelatedLinks(pm);
  for (auto& [key, value] : related.as_map()) v[key] = value;

  Value source = Value::MakeMap();
  source["path"] = SourcePath(cfg_, doc);
  source["url"] = SourceUrl(cfg_.source_url, source.Find("path")->as_string());
  v["source"] = std::move(source);

  if (pm.history) {
    Value h = Value::MakeMap();
    h["date"] = util::FormatDate(pm.history->last_changed, cfg_.timezone_offset_minutes);
    h["datetime"] = util::FormatRfc3339(pm.history->last_changed);
    h["commits_label"] = CountLabel(static_cast<size_t>(std::max(pm.history->commits, 0)), "commit", "commits");
    v["history"] = std::move(h);
  } else {
    v["history"] = false;
  }

  Value figures = Value::MakeList();
  for (const auto& f : doc.figures) {
    Value fv = Value::MakeMap();
    fv["label"] = f.label;
    fv["value"] = f.value;
    figures.Push(std::move(fv));
  }
  SetList(v, "figures", std::move(figures));
  v["extra"] = doc.extra;

  page["pm"] = std::move(v);
  return page;
}

}  // namespace casebook::render
