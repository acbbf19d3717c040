// ShrinkToFit: gives back what building the model left spare in each
// postmortem's vectors and strings (push_back doubles a vector's capacity).
// At 10,000 postmortems that was ~1 KB per postmortem (before the
// allocator's rounding), held through "similar" and the render.
#include "model/postmortem.h"

namespace casebook::model {
namespace {

void Fit(std::string& s) { s.shrink_to_fit(); }
template <typename T>
void FitVector(std::vector<T>& v) {
  v.shrink_to_fit();
}
void FitStrings(std::vector<std::string>& v) {
  FitVector(v);
  for (auto& s : v) Fit(s);
}

}  // namespace

void ShrinkToFit(Postmortem* pm) {
  content::Document& doc = pm->doc;
  for (std::string* s : {&doc.path, &doc.relative_path, &doc.id, &doc.title, &doc.severity,
                         &doc.status, &doc.summary, &doc.facilitator, &doc.contact,
                         &doc.source_hash, &doc.digest_without_body})
    Fit(*s);
  for (auto* list : {&doc.tags, &doc.services, &doc.authors, &doc.related, &doc.check_ignore})
    FitStrings(*list);
  FitVector(doc.timeline);
  for (auto& entry : doc.timeline) Fit(entry.text);
  FitVector(doc.actions);
  for (auto& a : doc.actions)
    for (std::string* s : {&a.text, &a.owner, &a.ticket, &a.status}) Fit(*s);
  FitVector(doc.figures);
  for (auto& f : doc.figures) {
    Fit(f.label);
    Fit(f.value);
  }
  Fit(pm->url);
  FitVector(pm->body.headings);
  for (auto& h : pm->body.headings) {
    Fit(h.text);
    Fit(h.anchor);
  }
  Fit(pm->body_hash);
  FitVector(pm->answers);
  for (auto& a : pm->answers) {
    Fit(a.target);
    Fit(a.url);
  }
  Fit(pm->summary_html);
  FitStrings(pm->timeline_html);
  FitStrings(pm->action_html);
  Fit(pm->lessons);
  Fit(pm->lessons_heading);
  FitVector(pm->related);
  FitVector(pm->referenced_by);
}

}  // namespace casebook::model
