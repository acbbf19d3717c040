// postmortems.json: the archive's machine-readable API.
//
// An array, newest incident first, one object per postmortem:
//   id, url (absolute), title, summary (Markdown as written), date
//   ("YYYY-MM-DD" or null), incident_date (RFC 3339 or null), severity,
//   severity_label, status, source_path (from the repository root),
//   taxonomies {key: [values]}, incident {started, detected,
//   first_user_impact, first_user_report, mitigated, resolved} (RFC 3339 or
//   null), durations {detect_seconds, mitigate_seconds, resolve_seconds}
//   (null when unknown), action_items [{text, owner, due, status, ticket,
//   ticket_url, overdue, overdue_days (0 unless overdue)}], related [ids],
//   referenced_by [ids], previous, next (ids or null), timeline [{at,
//   text}], last_changed, commits.
// Strings are JSON-quoted by util::Value (with <, >, & as \u escapes).
#include "render/outputs.h"

#include <vector>

#include "util/parallel.h"
#include "render/urls.h"
#include "util/datetime.h"
#include "util/text.h"

namespace casebook::render {

using util::Value;

namespace {

Value Rfc3339OrNull(const std::optional<util::DateTime>& t) {
  return t ? Value(util::FormatRfc3339(*t)) : Value();
}

Value SecondsOrNull(const std::optional<int64_t>& s) { return s ? Value(*s) : Value(); }

Value Ids(const model::SiteModel& site, const std::vector<int>& indices) {
  Value list = Value::MakeList();
  for (int i : indices) {
    if (i >= 0 && static_cast<size_t>(i) < site.postmortems.size()) list.Push(site.postmortems[i].id());
  }
  return list;
}

Value IdOrNull(const model::SiteModel& site, int i) {
  if (i < 0 || static_cast<size_t>(i) >= site.postmortems.size()) return Value();
  return Value(site.postmortems[i].id());
}

}  // namespace

Value PostmortemJsonValue(const View& view, size_t index) {
  const model::SiteModel& site = view.site();
  const config::SiteConfig& cfg = view.config();
  {
    const model::Postmortem& pm = site.postmortems[index];
    const content::Document& doc = pm.doc;
    Value v = Value::MakeMap();
    v["id"] = doc.id;
    v["url"] = view.Absolute(pm.url);
    v["title"] = doc.title;
    v["summary"] = doc.summary;
    v["date"] = doc.date ? Value(util::FormatDate(*doc.date, doc.date->offset_minutes)) : Value();
    v["incident_date"] = Rfc3339OrNull(pm.incident_date);
    v["severity"] = doc.severity;
    v["severity_label"] = doc.severity.empty()
                              ? Value(std::string())
                              : *SeverityBadge(cfg, doc.severity).Find("label");
    v["status"] = doc.status;
    v["source_path"] = SourcePath(cfg, doc);

    Value taxonomies = Value::MakeMap();
    for (const auto& tax : site.taxonomies) taxonomies[tax.key] = Value::Strings(doc.Taxonomy(tax.key));
    v["taxonomies"] = std::move(taxonomies);

    Value incident = Value::MakeMap();
    incident["started"] = Rfc3339OrNull(doc.incident.started);
    incident["detected"] = Rfc3339OrNull(doc.incident.detected);
    incident["first_user_impact"] = Rfc3339OrNull(doc.incident.first_user_impact);
    incident["first_user_report"] = Rfc3339OrNull(doc.incident.first_user_report);
    incident["mitigated"] = Rfc3339OrNull(doc.incident.mitigated);
    incident["resolved"] = Rfc3339OrNull(doc.incident.resolved);
    v["incident"] = std::move(incident);

    Value durations = Value::MakeMap();
    durations["detect_seconds"] = SecondsOrNull(pm.durations.detect);
    durations["mitigate_seconds"] = SecondsOrNull(pm.durations.mitigate);
    durations["resolve_seconds"] = SecondsOrNull(pm.durations.resolve);
    v["durations"] = std::move(durations);

    Value actions = Value::MakeList();
    for (const auto& a : doc.actions) {
      Value av = Value::MakeMap();
      av["text"] = a.text;
      av["owner"] = a.owner;
      av["due"] = a.due ? Value(util::FormatDate(*a.due, a.due->offset_minutes)) : Value();
      av["status"] = a.status;
      av["ticket"] = a.ticket;
      std::string url = TicketUrl(cfg.ticket_url, a.ticket);
      av["ticket_url"] = url.empty() ? Value() : Value(url);
      int64_t overdue_days = 0;
      av["overdue"] = IsOverdue(a, site.today, &overdue_days);
      av["overdue_days"] = overdue_days;  // 0 unless overdue
      actions.Push(std::move(av));
    }
    v["action_items"] = std::move(actions);

    v["related"] = Ids(site, pm.related);
    v["referenced_by"] = Ids(site, pm.referenced_by);
    v["previous"] = IdOrNull(site, pm.previous);
    v["next"] = IdOrNull(site, pm.next);

    Value timeline = Value::MakeList();
    for (const auto& e : doc.timeline) {
      Value ev = Value::MakeMap();
      ev["at"] = util::FormatRfc3339(e.at);
      ev["text"] = e.text;
      timeline.Push(std::move(ev));
    }
    v["timeline"] = std::move(timeline);
    v["last_changed"] = pm.history ? Value(util::FormatRfc3339(pm.history->last_changed)) : Value();
    v["commits"] = pm.history ? Value(pm.history->commits) : Value();
    return v;
  }
}

bool AddJsonInputs(const View& view, util::StreamHash* h) {
  // An entry reads its own file's data, the shared inputs, the taxonomy
  // keys and the ids of the postmortems it links to.
  const model::SiteModel& site = view.site();
  h->AddInt(static_cast<int64_t>(site.taxonomies.size()));
  for (const auto& tax : site.taxonomies) h->AddString(tax.key);
  if (!AddAllSources(view, h)) return false;
  auto id = [&](int i) {
    bool valid = i >= 0 && static_cast<size_t>(i) < site.postmortems.size();
    h->AddInt(valid);
    if (valid) h->AddString(site.postmortems[i].id());
  };
  for (const auto& pm : site.postmortems) {
    for (const auto* list : {&pm.related, &pm.referenced_by}) {
      h->AddInt(static_cast<int64_t>(list->size()));
      for (int i : *list) id(i);
    }
    id(pm.previous);
    id(pm.next);
  }
  return true;
}

Value PostmortemsJsonValue(const View& view) {
  Value all = Value::MakeList();
  for (size_t i = 0; i < view.site().postmortems.size(); ++i) all.Push(PostmortemJsonValue(view, i));
  return all;
}

std::string PostmortemsJson(const View& view, int jobs) {
  // Entry by entry, on `jobs` threads, so the whole archive never exists as
  // one tree (~5x the size of the text): the same bytes as
  // PostmortemsJsonValue(view).ToJson(true) + "\n".
  const size_t n = view.site().postmortems.size();
  std::vector<std::string> entries(n);
  util::ParallelFor(n, jobs, [&](size_t i) {
    PostmortemJsonValue(view, i).AppendJson(entries[i], /*pretty=*/true, /*depth=*/1);
  });
  size_t size = 4;
  for (const auto& e : entries) size += e.size() + 4;
  std::string out;
  out.reserve(size);
  out += '[';
  for (size_t i = 0; i < n; ++i) {
    out += i ? ",\n  " : "\n  ";
    out += entries[i];
    std::string().swap(entries[i]);
  }
  out += n ? "\n]\n" : "]\n";
  return out;
}

}  // namespace casebook::render
