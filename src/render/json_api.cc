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
// Strings are JSON-quoted by util::JsonWriter (with <, >, & as \u escapes);
// keys are in byte order.
#include "render/outputs.h"

#include <algorithm>
#include <map>
#include <vector>

#include "util/parallel.h"
#include "render/urls.h"
#include "util/datetime.h"
#include "util/json_writer.h"
#include "util/text.h"

namespace casebook::render {

namespace {

void Rfc3339OrNull(util::JsonWriter& w, const std::optional<util::DateTime>& t) {
  if (t) w.String(util::FormatRfc3339(*t));
  else w.Null();
}

void SecondsOrNull(util::JsonWriter& w, const std::optional<int64_t>& s) {
  if (s) w.Int(*s);
  else w.Null();
}

void Ids(util::JsonWriter& w, const model::SiteModel& site, const std::vector<int>& indices) {
  w.BeginList();
  for (int i : indices) {
    if (i >= 0 && static_cast<size_t>(i) < site.postmortems.size()) w.String(site.postmortems[i].id());
  }
  w.EndList();
}

void IdOrNull(util::JsonWriter& w, const model::SiteModel& site, int i) {
  if (i < 0 || static_cast<size_t>(i) >= site.postmortems.size()) w.Null();
  else w.String(site.postmortems[i].id());
}

/// What every entry shares: severity labels and the taxonomy keys in order.
struct Shared {
  std::map<std::string, std::string> severity_labels;
  std::vector<std::string> taxonomy_keys;  // sorted, distinct
};

Shared MakeShared(const View& view) {
  Shared shared;
  for (const auto& pm : view.site().postmortems) {
    const std::string& sev = pm.doc.severity;
    if (!sev.empty() && !shared.severity_labels.count(sev))
      shared.severity_labels[sev] = SeverityBadge(view.config(), sev).Find("label")->as_string();
  }
  for (const auto& tax : view.site().taxonomies) shared.taxonomy_keys.push_back(tax.key);
  std::sort(shared.taxonomy_keys.begin(), shared.taxonomy_keys.end());
  shared.taxonomy_keys.erase(std::unique(shared.taxonomy_keys.begin(), shared.taxonomy_keys.end()),
                             shared.taxonomy_keys.end());
  return shared;
}

/// One entry, its keys in byte order (as the file has always had them).
void WriteEntry(util::JsonWriter& w, const View& view, const Shared& shared, size_t index) {
  const model::SiteModel& site = view.site();
  const config::SiteConfig& cfg = view.config();
  const model::Postmortem& pm = site.postmortems[index];
  const content::Document& doc = pm.doc;
  w.BeginObject();

  w.Key("action_items");
  w.BeginList();
  for (const auto& a : doc.actions) {
    w.BeginObject();
    w.Key("due");
    if (a.due) w.String(util::FormatDate(*a.due, a.due->offset_minutes));
    else w.Null();
    int64_t overdue_days = 0;
    bool overdue = IsOverdue(a, site.today, &overdue_days);
    w.Key("overdue");
    w.Bool(overdue);
    w.Key("overdue_days");
    w.Int(overdue_days);  // 0 unless overdue
    w.Key("owner");
    w.String(a.owner);
    w.Key("status");
    w.String(a.status);
    w.Key("text");
    w.String(a.text);
    w.Key("ticket");
    w.String(a.ticket);
    w.Key("ticket_url");
    std::string url = TicketUrl(cfg.ticket_url, a.ticket);
    if (url.empty()) w.Null();
    else w.String(url);
    w.EndObject();
  }
  w.EndList();

  w.Key("commits");
  if (pm.history) w.Int(pm.history->commits);
  else w.Null();
  w.Key("date");
  if (doc.date) w.String(util::FormatDate(*doc.date, doc.date->offset_minutes));
  else w.Null();

  w.Key("durations");
  w.BeginObject();
  w.Key("detect_seconds");
  SecondsOrNull(w, pm.durations.detect);
  w.Key("mitigate_seconds");
  SecondsOrNull(w, pm.durations.mitigate);
  w.Key("resolve_seconds");
  SecondsOrNull(w, pm.durations.resolve);
  w.EndObject();

  w.Key("id");
  w.String(doc.id);

  w.Key("incident");
  w.BeginObject();
  const std::pair<const char*, const std::optional<util::DateTime>*> times[] = {
      {"detected", &doc.incident.detected},
      {"first_user_impact", &doc.incident.first_user_impact},
      {"first_user_report", &doc.incident.first_user_report},
      {"mitigated", &doc.incident.mitigated},
      {"resolved", &doc.incident.resolved},
      {"started", &doc.incident.started},
  };
  for (const auto& [key, t] : times) {
    w.Key(key);
    Rfc3339OrNull(w, *t);
  }
  w.EndObject();

  w.Key("incident_date");
  Rfc3339OrNull(w, pm.incident_date);
  w.Key("last_changed");
  if (pm.history) w.String(util::FormatRfc3339(pm.history->last_changed));
  else w.Null();
  w.Key("next");
  IdOrNull(w, site, pm.next);
  w.Key("previous");
  IdOrNull(w, site, pm.previous);
  w.Key("referenced_by");
  Ids(w, site, pm.referenced_by);
  w.Key("related");
  Ids(w, site, pm.related);
  w.Key("severity");
  w.String(doc.severity);
  w.Key("severity_label");
  auto label = shared.severity_labels.find(doc.severity);
  w.String(label != shared.severity_labels.end() ? label->second : std::string());
  w.Key("source_path");
  w.String(SourcePath(cfg, doc));
  w.Key("status");
  w.String(doc.status);
  w.Key("summary");
  w.String(doc.summary);

  w.Key("taxonomies");
  w.BeginObject();
  for (const auto& key : shared.taxonomy_keys) {
    w.Key(key);
    w.BeginList();
    for (const auto& v : doc.Taxonomy(key)) w.String(v);
    w.EndList();
  }
  w.EndObject();

  w.Key("timeline");
  w.BeginList();
  for (const auto& e : doc.timeline) {
    w.BeginObject();
    w.Key("at");
    w.String(util::FormatRfc3339(e.at));
    w.Key("text");
    w.String(e.text);
    w.EndObject();
  }
  w.EndList();

  w.Key("title");
  w.String(doc.title);
  w.Key("url");
  w.String(view.Absolute(pm.url));
  w.EndObject();
}

}  // namespace

bool AddJsonInputs(const View& view, util::StreamHash* h) {
  // An entry reads its own document (not its body), URL and history, the
  // ids it links to (all in its list key), the taxonomy keys and the shared
  // inputs.
  const model::SiteModel& site = view.site();
  h->AddInt(static_cast<int64_t>(site.taxonomies.size()));
  for (const auto& tax : site.taxonomies) h->AddString(tax.key);
  return AddAllListKeys(view, h);
}

void WritePostmortemsJson(const View& view, int jobs, ChunkOut& chunks, const FragmentIo* fragments) {
  // Straight to text (no Value tree), in blocks of entries written on
  // `jobs` threads and handed on in order, so only a block of entries is
  // ever held (the file is the largest one: ~3 KB per postmortem). With
  // `fragments`, an entry whose key is in the published file is copied
  // from it instead (an entry shows only what its ListKey covers and the
  // shared inputs, which the context holds: see AddJsonInputs).
  constexpr size_t kBlock = 512;
  const size_t n = view.site().postmortems.size();
  const Shared shared = MakeShared(view);
  std::string& out = chunks.text();
  out += "[";
  const size_t held = std::min(n, kBlock);
  std::vector<std::string> entries(held);
  std::vector<std::string_view> texts(held);
  std::vector<FragmentKey> keys(held);
  std::vector<char> keyed(held, 0);
  for (size_t begin = 0; begin < n; begin += kBlock) {
    const size_t count = std::min(kBlock, n - begin);
    util::ParallelFor(count, jobs, [&](size_t k) {
      const size_t index = begin + k;
      keyed[k] = 0;
      if (fragments) {
        const std::string& list_key = view.ListKey(static_cast<int>(index));
        if (!list_key.empty()) {
          keys[k] = fragments->Key(list_key);
          keyed[k] = 1;
          if (fragments->published && fragments->published->Find(keys[k], &texts[k])) return;
        }
      }
      entries[k].clear();
      util::JsonWriter w(&entries[k], /*pretty=*/true, /*depth=*/1);
      WriteEntry(w, view, shared, index);
      // Controls are stripped entry by entry (JSON escapes its own; raw
      // bytes a field kept): the bytes stripping the whole file gives, and
      // the table's places are those of the published bytes.
      if (util::HasControls(entries[k])) entries[k] = util::StripControls(entries[k]);
      texts[k] = entries[k];
    });
    for (size_t k = 0; k < count; ++k) {
      out += begin + k ? ",\n  " : "\n  ";
      if (keyed[k] && fragments->table) fragments->table->Add(keys[k], chunks.position(), texts[k].size());
      out += texts[k];
      chunks.Flush();
    }
    if (fragments && fragments->published && (begin / kBlock) % 32 == 31) fragments->published->Release();
  }
  out += n ? "\n]\n" : "]\n";
}

std::string PostmortemsJson(const View& view, int jobs) {
  return Collect([&](ChunkOut& out) { WritePostmortemsJson(view, jobs, out); });
}

}  // namespace casebook::render
