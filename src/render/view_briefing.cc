// The service page as a briefing (the web face of `casebook brief`): page 1
// of a services term shows, above its incidents, the service's open action
// items (overdue first) and the lessons learned of its latest incidents.
// Its median durations are the term page's own (AddTermStats).
//
// Its most similar recurring incidents: the pairs of its incidents that
// search listed as similar to each other (Postmortem::similar, read as is).
//
// Everything shown is covered by the lists key: action items come from
// front matter, and the lessons (Postmortem::lessons, from the body; taken
// when the View is made, FindBriefingLessons) are hashed into each ListKey
// (view_common.cc), so an incremental build redoes this page when either
// changes. The similar pairs come from the bodies through search, which no
// ListKey covers, so a service's page 1 is keyed by the lists key and its
// own pairs (AddRecurringKey; renderer.cc), not kept by the lists key alone.
#include <algorithm>

#include "render/view.h"
#include "util/datetime.h"
#include "util/hash.h"
#include "util/text.h"

namespace casebook::render {

using util::Value;

namespace {

constexpr size_t kBriefingActions = 10;
constexpr size_t kBriefingLessons = 3;
constexpr size_t kLessonChars = 600;
constexpr size_t kRecurringPairs = 5;
// A similar incident ranked r-th (from 0) in a list scores kRankScore - r;
// a pair listed both ways scores twice.
constexpr int kRankScore = 20;

}  // namespace

namespace {
// ASCII case-insensitive equality (ToLowerAscii on both sides, without
// making either: every build keys each postmortem's lessons heading).
bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
}  // namespace

std::string HeadingAnchor(const model::Postmortem& pm, const std::string& text) {
  if (text.empty()) return "";
  for (const auto& h : pm.body.headings) {
    // The heading trimmed, less one trailing ":", trimmed again.
    std::string_view have = util::Trim(h.text);
    if (!have.empty() && have.back() == ':') have.remove_suffix(1);
    if (EqualsIgnoringAsciiCase(util::Trim(have), text)) return h.anchor;
  }
  return "";
}

void View::FindBriefingLessons() {
  const model::Taxonomy* services = site_.FindTaxonomy("services");
  if (!services) return;
  // The latest incidents that wrote some (each term's list is newest first).
  for (const auto& term : services->terms) {
    std::vector<BriefingLesson>& found = briefing_lessons_[&term];
    for (int index : term.postmortems) {
      if (found.size() >= kBriefingLessons) break;
      const model::Postmortem& pm = site_.postmortems[static_cast<size_t>(index)];
      if (pm.lessons.empty()) continue;
      found.push_back({index, util::Truncate(pm.lessons, kLessonChars),
                       HeadingAnchor(pm, pm.lessons_heading)});
    }
  }
}

std::vector<View::RecurringPair> View::RecurringPairs(const model::Term& term) const {
  // Linear in the service's incidents times the length of their similar
  // lists (a handful each), and made for every service's page 1 key at
  // every build: sorted vectors, not a node per incident and per pair.
  // Whether a similar incident is one of the service's: its own few terms
  // of the taxonomy (terms_), not a sorted copy of the service's list.
  size_t taxonomy = site_.taxonomies.size();
  for (size_t t = 0; t < site_.taxonomies.size(); ++t) {
    const auto& terms = site_.taxonomies[t].terms;
    if (!terms.empty() && &term >= terms.data() && &term < terms.data() + terms.size()) taxonomy = t;
  }
  std::vector<int> members;  // (a term not of this model: its list, sorted)
  if (taxonomy == site_.taxonomies.size()) {
    members.assign(term.postmortems.begin(), term.postmortems.end());
    std::sort(members.begin(), members.end());
  }
  auto member = [&](int index) {
    if (taxonomy == site_.taxonomies.size())
      return std::binary_search(members.begin(), members.end(), index);
    if (index < 0 || static_cast<size_t>(index) >= terms_.size()) return false;
    const auto& of = terms_[static_cast<size_t>(index)][taxonomy];
    return std::find(of.begin(), of.end(), &term) != of.end();
  };
  // Each listing of one of the service's incidents on another's list, in
  // the order they are met; `order` keeps that order among a pair's own.
  struct Listing {
    std::pair<int, int> key;  // (newer, older): the model is newest first
    size_t order;
    int from;  // whose list
    const model::SimilarIncident* similar;
    int score;
  };
  std::vector<Listing> listings;
  for (int index : term.postmortems) {
    const auto& similar = site_.postmortems[static_cast<size_t>(index)].similar;
    for (size_t r = 0; r < similar.size(); ++r) {
      const model::SimilarIncident& s = similar[r];
      if (s.index == index || !member(s.index)) continue;
      listings.push_back({{std::min(index, s.index), std::max(index, s.index)}, listings.size(), index,
                          &s, std::max(1, kRankScore - static_cast<int>(r))});
    }
  }
  std::sort(listings.begin(), listings.end(), [](const Listing& a, const Listing& b) {
    return a.key != b.key ? a.key < b.key : a.order < b.order;
  });
  // One pair per key, in key order: the reason is the first listing's,
  // or the newer incident's own list's when it lists the other.
  std::vector<RecurringPair> best;
  for (const Listing& l : listings) {
    if (best.empty() || best.back().first != l.key.first || best.back().second != l.key.second)
      best.push_back({l.key.first, l.key.second, nullptr, 0});
    RecurringPair& p = best.back();
    if (!p.similar || l.from == l.key.first) p.similar = l.similar;
    p.score += l.score;
  }
  // Best first; ties to the newer pair (key order, kept by the stable sort).
  std::stable_sort(best.begin(), best.end(),
                   [](const RecurringPair& a, const RecurringPair& b) { return a.score > b.score; });
  if (best.size() > kRecurringPairs) best.resize(kRecurringPairs);
  return best;
}

void View::AddRecurringKey(const model::Term& term, util::StreamHash* h) const {
  h->AddString(term.slug);
  for (const RecurringPair& p : RecurringPairs(term)) {
    h->AddString(IdOf(p.first));
    h->AddString(IdOf(p.second));
    h->AddInt(p.similar->index == p.first ? 1 : 0);  // whose list gave the reason
    h->AddInt(static_cast<int64_t>(p.similar->shared_terms.size()));
    for (const auto& t : p.similar->shared_terms) h->AddString(t);
  }
}

void View::AddServiceBriefing(Value& page, const model::Term& term) const {
  Value briefing = Value::MakeMap();

  // Open items: not done / won't fix, overdue first, then in tracker order.
  std::vector<size_t> open;
  for (const auto& group : tracker_.services) {
    if (group.slug != term.slug) continue;
    for (size_t i : group.rows) {
      const auto& row = tracker_.rows[i];
      if (row.status != "done" && row.status != "wontfix") open.push_back(i);
    }
  }
  std::stable_sort(open.begin(), open.end(), [&](size_t a, size_t b) {
    return tracker_.rows[a].overdue > tracker_.rows[b].overdue;
  });
  size_t overdue = 0;
  for (size_t i : open) overdue += tracker_.rows[i].overdue;
  Value actions = Value::MakeList();
  for (size_t k = 0; k < open.size() && k < kBriefingActions; ++k) actions.Push(ActionView(open[k]));
  SetList(briefing, "actions", std::move(actions));
  briefing["open_label"] = CountLabel(open.size(), "open action item", "open action items");
  briefing["overdue_label"] = overdue ? CountLabel(overdue, "overdue", "overdue") : "";
  briefing["more_actions"] = open.size() > kBriefingActions;
  briefing["actions_url"] = Link("actions/service/" + term.slug + "/");

  // Lessons of the latest incidents that wrote some (FindBriefingLessons).
  Value lessons = Value::MakeList();
  static const std::vector<BriefingLesson> kNone;
  auto found = briefing_lessons_.find(&term);
  const auto& found_lessons = found == briefing_lessons_.end() ? kNone : found->second;
  for (const BriefingLesson& lesson : found_lessons) {
    const model::Postmortem& pm = site_.postmortems[static_cast<size_t>(lesson.index)];
    Value l = Value::MakeMap();
    l["postmortem"] = ActionPostmortem(pm);
    l["text"] = lesson.text;
    l["url"] = Link(pm.url) + (lesson.anchor.empty() ? "" : "#" + lesson.anchor);
    lessons.Push(std::move(l));
  }
  SetList(briefing, "lessons", std::move(lessons));

  Value recurring = Value::MakeList();
  for (const RecurringPair& p : RecurringPairs(term)) {
    Value r = Value::MakeMap();
    r["first"] = LinkItem(p.first);
    r["second"] = LinkItem(p.second);
    const int from = p.similar->index == p.second ? p.first : p.second;
    r["reason"] = SimilarReason(from, *p.similar);
    recurring.Push(std::move(r));
  }
  SetList(briefing, "recurring", std::move(recurring));
  page["briefing"] = std::move(briefing);
}

}  // namespace casebook::render
