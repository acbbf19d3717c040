// BuildSiteModel: the steps that turn loaded Documents into the archive
// model, in order. Each step lives in its own file:
//   ids and severities (here) -> bodies and links (links.cc) -> dates and
//   order (here) -> cross-links (links.cc) -> taxonomies, archive, actions
//   (taxonomies.cc).
#include "model/site_model.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_map>

#include "markdown/markdown.h"
#include "model/steps.h"
#include "util/parallel.h"
#include "util/text.h"
#include "util/unicode.h"

namespace casebook::model {

const Term* Taxonomy::FindBySlug(const std::string& slug) const {
  for (const auto& t : terms)
    if (t.slug == slug) return &t;
  return nullptr;
}

const Taxonomy* SiteModel::FindTaxonomy(const std::string& key) const {
  for (const auto& t : taxonomies)
    if (t.key == key) return &t;
  return nullptr;
}

const Postmortem* SiteModel::FindById(const std::string& id) const {
  auto it = by_id.find(id);
  return it == by_id.end() ? nullptr : &postmortems[it->second];
}

Durations ComputeDurations(const content::IncidentTimes& t) {
  Durations d;
  auto diff = [&](const std::optional<util::DateTime>& end)
      -> std::optional<int64_t> {
    if (!t.started || !end) return std::nullopt;
    if (!t.started->has_time || !end->has_time) return std::nullopt;
    return end->utc_seconds - t.started->utc_seconds;
  };
  d.detect = diff(t.detected);
  d.mitigate = diff(t.mitigated);
  d.resolve = diff(t.resolved);
  return d;
}

// "- Time to detection: 5 minutes" figures fill the durations the incident
// times do not give (plain-Markdown archives often have only these).
static void DurationsFromFigures(const std::vector<content::BodyFigure>& figures, Durations* d) {
  for (const auto& f : figures) {
    std::string label = util::ToLowerAscii(f.label);
    std::optional<int64_t>* slot =
        label.find("detect") != std::string::npos   ? &d->detect
        : label.find("mitigat") != std::string::npos ? &d->mitigate
        : (label.find("recover") != std::string::npos || label.find("resol") != std::string::npos ||
           label.find("restor") != std::string::npos || label.find("repair") != std::string::npos)
            ? &d->resolve
            : nullptr;
    if (!slot || *slot) continue;
    std::string value = f.value;
    // "~84 minutes", "84 minutes (approx.)"
    while (!value.empty() && (value[0] == '~' || value[0] == ' ' || value[0] == '<' || value[0] == '>'))
      value.erase(0, 1);
    size_t paren = value.find('(');
    if (paren != std::string::npos) value.resize(paren);
    if (auto seconds = util::ParseDuration(util::Trim(value)); seconds && *seconds >= 0) *slot = seconds;
  }
}

std::string TaxonomyLabel(const std::string& key) {
  std::string label;
  bool upper = true;
  for (char c : key) {
    if (c == '_' || c == '-') {
      label += ' ';
      upper = true;
      continue;
    }
    label += (upper && c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    upper = false;
  }
  return label;
}

namespace {

// Duplicate ids: the first file (by path) keeps the id; the others are left
// out, and both files are named so the author can pick a new id. Ids that
// differ only in case or Unicode normalisation ("CaseId", "caseid") count
// as duplicates (names/collision): their folders would be one on macOS and
// Windows.
std::vector<content::Document> DropDuplicateIds(
    std::vector<content::Document> docs, int jobs, util::Diagnostics* diags) {
  auto by_path = [](const auto& a, const auto& b) { return a.relative_path < b.relative_path; };
  if (!std::is_sorted(docs.begin(), docs.end(), by_path))  // LoadAll's are sorted
    std::sort(docs.begin(), docs.end(), by_path);
  // An id of ASCII without capitals (nearly all: ids are slugs) is its own
  // folded name: only the others are folded into a string of their own.
  auto folds_to_itself = [](const std::string& id) {
    for (unsigned char c : id)
      if (c >= 0x80 || (c >= 'A' && c <= 'Z')) return false;
    return true;
  };
  std::vector<std::string> folded(docs.size());
  std::vector<char> is_folded(docs.size(), 0);  // folded[i] holds the name
  util::ParallelFor(docs.size(), jobs, [&](size_t i) {
    if (folds_to_itself(docs[i].id)) return;
    folded[i] = util::FoldedName(docs[i].id);
    is_folded[i] = 1;
  });
  // folded id -> index of the first document (by path) using it.
  std::unordered_map<std::string_view, size_t> first;
  first.reserve(docs.size());
  std::vector<char> keep(docs.size(), 1);
  bool any_duplicate = false;
  for (size_t i = 0; i < docs.size(); ++i) {
    const auto& doc = docs[i];
    const std::string_view key = is_folded[i] ? std::string_view(folded[i]) : doc.id;
    auto [it, inserted] = first.emplace(key, i);
    if (!inserted) {
      const auto& other = docs[it->second];
      if (other.id == doc.id)
        diags->Error(doc.SourceName(), doc.LineOf("id"), "schema/duplicate-id",
                     "id \"" + doc.id + "\" is already used by " + other.SourceName(),
                     "give one of the two postmortems another id (front matter `id = ...`)");
      else
        diags->Error(doc.SourceName(), doc.LineOf("id"), "names/collision",
                     "id \"" + doc.id + "\" differs from \"" + other.id + "\" (" +
                         other.SourceName() +
                         ") only in case or Unicode normalisation: on macOS and Windows their "
                         "pages would be one folder; this one is left out",
                     "give one of the two postmortems another id (front matter `id = ...`)");
      keep[i] = 0;
      any_duplicate = true;
    }
  }
  if (!any_duplicate) return docs;
  first.clear();  // it points into docs
  std::vector<content::Document> kept;
  kept.reserve(docs.size());
  for (size_t i = 0; i < docs.size(); ++i)
    if (keep[i]) kept.push_back(std::move(docs[i]));
  return kept;
}

// The index of each document's severity in site.toml (-1 when it has none
// or an unknown one, which is an error), in document order.
std::vector<int> SeverityRanks(const config::SiteConfig& cfg,
                               const std::vector<content::Document>& docs,
                               util::Diagnostics* diags) {
  std::vector<int> ranks(docs.size(), -1);
  for (size_t i = 0; i < docs.size(); ++i) {
    const content::Document& doc = docs[i];
    if (doc.severity.empty()) continue;
    auto rank = cfg.SeverityRank(doc.severity);
    if (rank) {
      ranks[i] = *rank;
      continue;
    }
    std::vector<std::string> names;
    for (const auto& s : cfg.severities) names.push_back(s.name);
    diags->Error(doc.SourceName(), doc.LineOf("severity"), "schema/severity",
                 "unknown severity \"" + doc.severity + "\"",
                 "use one of " + util::Join(names, ", ") +
                     " (the [[severity]] levels in site.toml)");
  }
  return ranks;
}

std::optional<util::DateTime> IncidentDate(const content::Document& doc) {
  if (doc.incident.started) return doc.incident.started;
  if (!doc.timeline.empty()) return doc.timeline.front().at;
  return doc.date;
}

// The order of `docs` newest incident first; undated last; ties by id so
// the order is total. Sorting indices lets each document be moved once,
// straight into its place in the model (they are large).
std::vector<size_t> NewestFirst(const std::vector<content::Document>& docs,
                                const std::vector<std::optional<util::DateTime>>& dates) {
  std::vector<size_t> order(docs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const auto& a = dates[x];
    const auto& b = dates[y];
    if (a.has_value() != b.has_value()) return a.has_value();
    if (a && a->utc_seconds != b->utc_seconds) return a->utc_seconds > b->utc_seconds;
    return docs[x].id < docs[y].id;
  });
  return order;
}

}  // namespace

SiteModel BuildSiteModel(const config::SiteConfig& cfg,
                         std::vector<content::Document> docs,
                         const content::GitHistory& history,
                         const BuildModelOptions& options,
                         util::Diagnostics* diags) {
  SiteModel site;
  site.config = &cfg;
  site.today = options.today;

  {
    // On every core; each document's warnings kept apart and added in
    // order, so the report does not depend on scheduling.
    std::vector<util::Diagnostics> stripped(docs.size());
    util::ParallelFor(docs.size(), options.jobs,
                      [&](size_t i) { StripControlCharacters(&docs[i], &stripped[i]); });
    for (const auto& d : stripped) diags->Append(d);
  }
  docs = DropDuplicateIds(std::move(docs), options.jobs, diags);
  // Severities are checked in path order (the order of their findings).
  const std::vector<int> ranks = SeverityRanks(cfg, docs, diags);
  std::vector<std::optional<util::DateTime>> dates(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) dates[i] = IncidentDate(docs[i]);
  const std::vector<size_t> order = NewestFirst(docs, dates);
  // Each Postmortem is made around its moved Document, not default-made
  // (a Document, its `extra` map and all) and then overwritten.
  site.postmortems.reserve(docs.size());
  for (size_t i : order) site.postmortems.emplace_back(std::move(docs[i]));
  util::ParallelFor(order.size(), options.jobs, [&](size_t at) {
    const size_t i = order[at];
    Postmortem& pm = site.postmortems[at];
    // Made at its size: ShrinkToFit would copy a concatenation's spare room.
    constexpr std::string_view kPrefix = "postmortems/";
    pm.url.reserve(kPrefix.size() + pm.doc.id.size() + 1);
    pm.url.append(kPrefix).append(pm.doc.id).append("/");
    pm.summary_in_body = !pm.doc.summary.empty() && pm.doc.key_lines.count("summary") &&
                         pm.doc.LineOf("summary") >= pm.doc.body_line;
    pm.incident_date = dates[i];
    pm.durations = ComputeDurations(pm.doc.incident);
    DurationsFromFigures(pm.doc.figures, &pm.durations);
    pm.severity_rank = ranks[i];
    if (const auto* h = history.Find(pm.doc.relative_path)) pm.history = *h;
  });
  docs.clear();
  // The two maps on two threads (each is 100,000 string keys at that size).
  util::ParallelFor(2, options.jobs, [&site](size_t map) {
    auto& index = map == 0 ? site.by_id : site.by_path;
    index.reserve(site.postmortems.size());
    for (size_t i = 0; i < site.postmortems.size(); ++i) {
      const content::Document& doc = site.postmortems[i].doc;
      index[map == 0 ? doc.id : doc.relative_path] = static_cast<int>(i);
    }
  });

  // Also finds each body's lessons (cached with the rendered body).
  // Model indices in path order (the documents' order), for the render cache.
  std::vector<size_t> path_order(order.size());
  for (size_t at = 0; at < order.size(); ++at) path_order[order[at]] = at;
  RenderBodies(cfg, &site, options.jobs, options.cache_dir, options.keep_markdown,
               options.read_ahead, &path_order, diags);
  // Two groups of steps that write different fields and read none the other
  // writes, on two threads; their findings are added in the order the steps
  // ran one after the other, so the report does not depend on scheduling.
  util::Diagnostics linked, grouped;
  util::ParallelFor(2, options.jobs, [&](size_t group) {
    if (group == 0) {
      LinkIncidents(&site, &linked);  // related, referenced_by, previous, next
      CheckDates(&site, &linked);     // incident_date_plausible
    } else {
      BuildTaxonomies(cfg, &site, &grouped);  // taxonomies
      BuildArchive(cfg, &site);               // archive
      CollectActions(&site);                  // actions
    }
  });
  diags->Append(linked);
  diags->Append(grouped);
  CheckFolderNames(&site, diags);
  return site;
}

}  // namespace casebook::model
