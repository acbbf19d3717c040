// The service page as a briefing (the web face of `casebook brief`): page 1
// of a services term shows, above its incidents, the service's open action
// items (overdue first) and the lessons learned of its latest incidents.
// Its median durations are the term page's own (AddTermStats).
//
// Everything shown is covered by the lists key: action items come from
// front matter, and the lessons (Postmortem::lessons, from the body) are
// hashed into each ListKey (view_common.cc), so an incremental build redoes this page when either
// changes. Similar incidents are left out: they come from other bodies
// through search, which the lists key does not cover.
#include <algorithm>

#include "render/view.h"
#include "util/datetime.h"
#include "util/text.h"

namespace casebook::render {

using util::Value;

namespace {

constexpr size_t kBriefingActions = 10;
constexpr size_t kBriefingLessons = 3;
constexpr size_t kLessonChars = 600;

}  // namespace

std::string HeadingAnchor(const model::Postmortem& pm, const std::string& text) {
  if (text.empty()) return "";
  const std::string want = util::ToLowerAscii(text);
  for (const auto& h : pm.body.headings) {
    std::string have = util::ToLowerAscii(util::Trim(h.text));
    if (!have.empty() && have.back() == ':') have.pop_back();
    if (util::Trim(have) == want) return h.anchor;
  }
  return "";
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

  // Lessons of the latest incidents that wrote some (the list is newest first).
  Value lessons = Value::MakeList();
  for (int index : term.postmortems) {
    if (lessons.as_list().size() >= kBriefingLessons) break;
    const model::Postmortem& pm = site_.postmortems[static_cast<size_t>(index)];
    if (pm.lessons.empty()) continue;
    Value l = Value::MakeMap();
    l["postmortem"] = ActionPostmortem(pm);
    l["text"] = util::Truncate(pm.lessons, kLessonChars);
    std::string anchor = HeadingAnchor(pm, pm.lessons_heading);
    l["url"] = Link(pm.url) + (anchor.empty() ? "" : "#" + anchor);
    lessons.Push(std::move(l));
  }
  SetList(briefing, "lessons", std::move(lessons));
  page["briefing"] = std::move(briefing);
}

}  // namespace casebook::render
