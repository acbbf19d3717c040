// Link rules. The SiteModel resolves links while it builds (one resolver for
// build and check) and reports:
//   links/related  a `related` id that names no postmortem
//   links/broken   a body link to a ".md" file or an [[id]] that resolves to
//                  no postmortem
// This file only makes sure those findings point at the exact place: the
// line of the id inside the `related` array and the column of the link in the
// body, where the model left them at 0.
#include "check/internal.h"
#include "util/text.h"

namespace casebook::check {
namespace {

const model::Postmortem* Find(const content::Document& doc, const model::SiteModel* model) {
  if (!model) return nullptr;
  auto it = model->by_path.find(doc.relative_path);
  if (it == model->by_path.end()) return nullptr;
  return &model->postmortems[it->second];
}

void LocateRelated(const content::Document& doc, const SourceFile& src,
                   const model::SiteModel* model, util::Diagnostic* d) {
  std::vector<std::string> unknown;
  for (const auto& id : doc.related)
    if (!model || !model->by_id.count(id)) unknown.push_back(id);
  if (unknown.empty()) return;
  std::string id = unknown.front();
  for (const auto& u : unknown)
    if (d->message.find(u) != std::string::npos) id = u;
  auto key = doc.key_lines.find("related");
  int from = d->line > 0 ? d->line : key != doc.key_lines.end() ? key->second : 1;
  int to = src.fm_last() > 0 ? src.fm_last() : src.line_count();
  int column = 0;
  int line = src.Find("\"" + id + "\"", from, to, &column);
  if (line) ++column;  // past the opening quote
  else line = src.Find(id, from, to, &column);
  if (!line) return;
  d->line = line;
  d->column = column;
}

void LocateBroken(const model::Postmortem* pm, const SourceFile& src,
                  util::Diagnostic* d) {
  if (!pm) return;
  const markdown::DocLink* best = nullptr;
  for (const auto& link : pm->body.links) {
    if (link.resolved || link.file || (d->line > 0 && link.line != d->line)) continue;
    if (!best || d->message.find(link.target) != std::string::npos) best = &link;
  }
  if (!best) return;
  d->line = best->line;
  if (best->column > 0) {
    d->column = best->column;
    return;
  }
  int column = 0;
  std::string needle = best->wiki ? "[[" + best->target : "(" + best->target;
  if (src.Find(needle, best->line, best->line, &column)) d->column = column;
}

}  // namespace

void LocateLinkFindings(const content::Document& doc, const SourceFile& src,
                        const model::SiteModel* model,
                        const std::vector<util::Diagnostic*>& findings) {
  const model::Postmortem* pm = Find(doc, model);
  for (util::Diagnostic* d : findings) {
    if (d->line > 0 && d->column > 0) continue;
    if (d->rule == "links/related") LocateRelated(doc, src, model, d);
    else if (d->rule == "links/broken") LocateBroken(pm, src, d);
  }
}

}  // namespace casebook::check
