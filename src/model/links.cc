// Rendering bodies and linking incidents to each other.
#include <algorithm>
#include <set>

#include "model/steps.h"
#include "util/fs.h"
#include "util/parallel.h"
#include "util/slug.h"

namespace casebook::model {
namespace {

// Resolves a link written in `from` to a postmortem index. `target` is an id
// (wiki) or a path to a .md file relative to `from` ("/x.md" is relative to
// the source folder). The "#fragment" is returned separately.
std::optional<int> ResolveTarget(const SiteModel& site, const Postmortem& from,
                                 const std::string& target, bool wiki,
                                 std::string* fragment) {
  std::string path = target;
  size_t hash = path.find('#');
  if (hash != std::string::npos) {
    if (fragment) *fragment = path.substr(hash);
    path.resize(hash);
  }
  if (wiki) {
    auto it = site.by_id.find(path);
    if (it == site.by_id.end()) it = site.by_id.find(util::Slugify(path));
    if (it == site.by_id.end()) return std::nullopt;
    return it->second;
  }
  std::string relative = !path.empty() && path.front() == '/'
                             ? path.substr(1)
                             : util::JoinPath(util::DirName(from.doc.relative_path), path);
  auto it = site.by_path.find(util::NormalizePath(relative));
  if (it == site.by_path.end()) return std::nullopt;
  return it->second;
}

// A title taken from the body's "# " heading is shown in the page header, so
// the heading is blanked (keeping line numbers) rather than shown twice.
std::string BodyWithoutTitle(const content::Document& doc) {
  if (doc.title_source != content::Document::TitleSource::kHeading || doc.title_line <= 0)
    return doc.body;
  std::string body = doc.body;
  size_t start = 0;
  for (int line = doc.body_line; line < doc.title_line && start != std::string::npos; ++line) {
    start = body.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (start == std::string::npos) return body;
  size_t end = body.find('\n', start);
  body.erase(start, end == std::string::npos ? std::string::npos : end - start);
  return body;
}

void RenderOne(const config::SiteConfig& cfg, const std::string& base,
               const SiteModel& site, Postmortem* pm, util::Diagnostics* diags) {
  markdown::Options options;
  options.unsafe = cfg.markdown_unsafe;
  options.line_offset = pm->doc.body_line - 1;
  options.resolver = [&](const std::string& target,
                         bool wiki) -> std::optional<std::string> {
    std::string fragment;
    auto index = ResolveTarget(site, *pm, target, wiki, &fragment);
    if (!index) return std::nullopt;
    return base + site.postmortems[*index].url + fragment;
  };
  pm->body = markdown::Render(BodyWithoutTitle(pm->doc), options);
  for (const auto& link : pm->body.links) {
    if (link.resolved) continue;
    diags->Warning(pm->doc.SourceName(), link.line, "links/broken",
                   (link.wiki ? "[[" + link.target + "]]" : link.target) +
                       " does not name a postmortem in this archive",
                   link.wiki ? "use the id of an existing postmortem"
                             : "use a path relative to this file, e.g. ../2023/other.md",
                   link.column);
  }
  // Short fragments: same rules, links resolved, but no line numbers needed.
  markdown::Options inline_options = options;
  inline_options.line_offset = 0;
  pm->summary_html = markdown::RenderInline(pm->doc.summary, inline_options);
  pm->timeline_html.clear();
  for (const auto& entry : pm->doc.timeline)
    pm->timeline_html.push_back(markdown::RenderInline(entry.text, inline_options));
  pm->action_html.clear();
  for (const auto& action : pm->doc.actions)
    pm->action_html.push_back(markdown::RenderInline(action.text, inline_options));
}

}  // namespace

void RenderBodies(const config::SiteConfig& cfg, SiteModel* site, int jobs,
                  util::Diagnostics* diags) {
  const std::string base = cfg.BasePath();
  const size_t n = site->postmortems.size();
  // Each postmortem's findings go to its own list, merged in model order, so
  // the report does not depend on thread scheduling.
  std::vector<util::Diagnostics> found(n);
  util::ParallelFor(n, jobs, [&](size_t i) {
    RenderOne(cfg, base, *site, &site->postmortems[i], &found[i]);
  });
  for (const auto& d : found) diags->Append(d);
}

void LinkIncidents(SiteModel* site, util::Diagnostics* diags) {
  auto& pms = site->postmortems;
  std::vector<std::set<int>> referenced_by(pms.size());
  for (size_t i = 0; i < pms.size(); ++i) {
    Postmortem& pm = pms[i];
    std::set<int> related_seen;
    for (const auto& id : pm.doc.related) {
      auto it = site->by_id.find(id);
      if (it == site->by_id.end()) {
        diags->Warning(pm.doc.SourceName(), pm.doc.LineOf("related"), "links/related",
                       "related id \"" + id + "\" does not name a postmortem in this archive",
                       "use the id of an existing postmortem (its file name without .md, "
                       "or its `id`)");
        continue;
      }
      if (it->second == static_cast<int>(i) || !related_seen.insert(it->second).second)
        continue;
      pm.related.push_back(it->second);
      referenced_by[it->second].insert(static_cast<int>(i));
    }
    for (const auto& link : pm.body.links) {
      if (!link.resolved) continue;
      auto index = ResolveTarget(*site, pm, link.target, link.wiki, nullptr);
      if (index && *index != static_cast<int>(i))
        referenced_by[*index].insert(static_cast<int>(i));
    }
  }
  for (size_t i = 0; i < pms.size(); ++i)
    pms[i].referenced_by.assign(referenced_by[i].begin(), referenced_by[i].end());

  // Previous/next by incident date among dated postmortems (list is newest
  // first, so the previous incident is the next dated one down the list).
  int newer = -1;
  for (size_t i = 0; i < pms.size(); ++i) {
    if (!pms[i].incident_date) continue;
    if (newer >= 0) {
      pms[i].next = newer;
      pms[newer].previous = static_cast<int>(i);
    }
    newer = static_cast<int>(i);
  }
}

}  // namespace casebook::model
