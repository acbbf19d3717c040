// The template view of the action tracker: /actions/ (every action item
// across the archive, open first, overdue flagged), and its views by owner
// (/actions/owner/<slug>/) and by status (/actions/status/<slug>/, with
// "overdue" and "due-soon" as views of open items). Keys are listed in
// view.h. The rows come from stats::ActionRows, so the pages, actions.csv,
// postmortems.json and `casebook actions` agree on what is overdue.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "render/view.h"
#include "util/datetime.h"
#include "util/slug.h"
#include "util/text.h"

namespace casebook::render {

using util::Value;

namespace {

// Views of open items; never taken by a written status of the same slug.
constexpr const char* kOverdue = "overdue";
constexpr const char* kDueSoon = "due-soon";
// Owner slug for items without an owner; Slugify never starts with "_".
constexpr const char* kNoOwner = "_none";

std::string StatusLabel(const std::string& status) {
  if (status == "open") return "Open";
  if (status == "done") return "Done";
  if (status == "wontfix") return "Won't fix";
  if (status == kOverdue) return "Overdue";
  if (status == kDueSoon) return "Due in the next 7 days";
  return status;
}

std::string StatusClass(const std::string& status) {
  return status == "open" || status == "done" || status == "wontfix" ? status : "other";
}

/// A URL segment for an owner: its slug; "_none" without an owner; a stable
/// "_owner-<hash>" when nothing of the name is left in a slug, shortened when
/// too long (model::OwnerSlug, which the model checks for collisions).
std::string OwnerSlug(const std::string& owner) {
  if (util::Trim(owner).empty()) return kNoOwner;
  return model::OwnerSlug(owner);
}

}  // namespace

View::Tracker View::MakeTracker(const model::SiteModel& site) {
  Tracker t;
  t.rows = stats::ActionRows(site);
  std::map<std::string, ActionGroup> owners;
  std::map<std::string, ActionGroup> statuses;
  for (const char* s : {"open", kOverdue, kDueSoon, "done", "wontfix"}) statuses[s] = {s, StatusLabel(s), {}};
  // Slugs of the owners and statuses as written, each made once (at
  // 100,000 postmortems there are ~300,000 rows and a few hundred names).
  std::unordered_map<std::string_view, ActionGroup*> group_of_owner;
  std::unordered_map<std::string_view, std::string> slug_of_status;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const auto& row = t.rows[i];
    const std::string_view trimmed = util::Trim(row.item->owner);
    ActionGroup*& owner_group = group_of_owner[trimmed];
    if (!owner_group) {
      std::string owner(trimmed);
      ActionGroup& g = owners[OwnerSlug(owner)];
      if (g.slug.empty()) {
        g.slug = OwnerSlug(owner);
        g.label = owner.empty() ? "No owner" : owner;  // the first spelling names the page
      }
      owner_group = &g;  // (std::map: stays valid as others are added)
    }
    owner_group->rows.push_back(i);
    auto known = slug_of_status.find(row.status);
    if (known == slug_of_status.end()) {
      std::string slug = util::Slugify(row.status);
      known = slug_of_status.emplace(row.status, slug.empty() ? "other" : slug).first;
    }
    const std::string& status = known->second;
    if (status != kOverdue && status != kDueSoon) {
      ActionGroup& sg = statuses[status];
      if (sg.slug.empty()) sg = {status, StatusLabel(row.status), {}};
      sg.rows.push_back(i);
    }
    if (row.overdue) statuses[kOverdue].rows.push_back(i);
    if (row.due_soon) statuses[kDueSoon].rows.push_back(i);
  }
  for (auto& [slug, g] : owners) t.owners.push_back(std::move(g));
  std::stable_sort(t.owners.begin(), t.owners.end(), [](const ActionGroup& a, const ActionGroup& b) {
    bool na = a.slug == kNoOwner, nb = b.slug == kNoOwner;
    if (na != nb) return nb;
    return util::ToLowerAscii(a.label) < util::ToLowerAscii(b.label);
  });
  for (const char* s : {"open", kOverdue, kDueSoon, "done", "wontfix"}) {
    t.statuses.push_back(std::move(statuses[s]));
    statuses.erase(s);
  }
  for (auto& [slug, g] : statuses) t.statuses.push_back(std::move(g));
  for (size_t i = 0; i < t.rows.size(); ++i) {
    if (t.rows[i].status != "done" && t.rows[i].status != "wontfix") t.attention.push_back(i);
  }
  // By service: the services taxonomy's terms, in its order, each with the
  // items of its postmortems (an item of a postmortem with two services is
  // on both pages).
  for (const auto& tax : site.taxonomies) {
    if (tax.key != "services") continue;
    std::vector<std::vector<size_t>> terms_of(site.postmortems.size());
    for (size_t k = 0; k < tax.terms.size(); ++k) {
      for (int pm : tax.terms[k].postmortems) {
        if (pm >= 0 && static_cast<size_t>(pm) < terms_of.size()) terms_of[pm].push_back(k);
      }
    }
    std::vector<ActionGroup> services(tax.terms.size());
    for (size_t i = 0; i < t.rows.size(); ++i) {
      const int pm = t.rows[i].postmortem;
      if (pm < 0 || static_cast<size_t>(pm) >= terms_of.size()) continue;
      for (size_t k : terms_of[pm]) services[k].rows.push_back(i);
    }
    for (size_t k = 0; k < tax.terms.size(); ++k) {
      if (services[k].rows.empty() || tax.terms[k].slug.empty()) continue;
      services[k].slug = tax.terms[k].slug;
      services[k].label = tax.terms[k].name;
      t.services.push_back(std::move(services[k]));
    }
  }
  return t;
}

Value View::ActionPostmortem(const model::Postmortem& pm) const {
  Value p = Value::MakeMap();
  p["id"] = pm.id();
  p["title"] = pm.doc.title;
  p["url"] = Link(pm.url);
  p["date"] = pm.incident_date ? util::FormatDate(*pm.incident_date, cfg_.timezone_offset_minutes) : "";
  return p;
}

Value View::ActionItemView(const stats::ActionRow& row) const {
  const content::ActionItem& a = *row.item;
  const model::Postmortem& pm = *row.pm;
  Value v = Value::MakeMap();
  size_t index = static_cast<size_t>(row.action);
  v["text_html"] = index < pm.action_html.size() ? pm.action_html[index] : util::HtmlEscape(a.text);
  const size_t pm_index = static_cast<size_t>(row.postmortem);
  const bool shared = pm_index < action_pms_.size() && &site_.postmortems[pm_index] == row.pm &&
                      action_pms_[pm_index].is_map();
  v["postmortem"] = shared ? action_pms_[pm_index] : ActionPostmortem(pm);
  std::string owner = std::string(util::Trim(a.owner));
  v["owner"] = owner;
  v["owner_url"] = Link("actions/owner/" + OwnerSlug(owner) + "/");
  const std::string due = a.due ? util::FormatDate(*a.due, a.due->offset_minutes) : "";
  v["due"] = due;
  v["due_datetime"] = due;
  std::string due_label;
  if (row.due_soon && row.days_until_due) {
    int64_t d = *row.days_until_due;
    due_label = d == 0 ? "due today" : d == 1 ? "due tomorrow" : "due in " + std::to_string(d) + " days";
  }
  v["due_label"] = due_label;
  v["due_soon"] = row.due_soon;
  v["status"] = row.status;
  v["status_label"] = StatusLabel(row.status);
  v["status_class"] = StatusClass(row.status);
  v["overdue"] = row.overdue;
  v["overdue_days"] = row.overdue_days;
  v["overdue_label"] =
      row.overdue ? CountLabel(static_cast<size_t>(row.overdue_days), "day", "days") + " overdue" : "";
  v["ticket"] = a.ticket;
  v["ticket_url"] = row.ticket_url();
  return v;
}

namespace {
// On /actions/, a heading row starts each group: overdue, due soon, open.
std::string AttentionGroup(const stats::ActionRow& row) {
  if (row.overdue) return "Overdue";
  if (row.due_soon) return "Due in the next 7 days";
  return row.status == "open" ? "Open" : StatusLabel(row.status);
}
}  // namespace

const View::TrackerTotals& View::TrackerSummary() const {
  std::call_once(totals_once_, [this] {
    totals_.all = stats::CountActions(tracker_.rows);
    for (const auto* groups : {&tracker_.owners, &tracker_.statuses, &tracker_.services})
      for (const auto& g : *groups) totals_.groups[&g] = stats::CountActions(tracker_.rows, g.rows);
    for (size_t i : tracker_.attention) ++totals_.attention_groups[AttentionGroup(tracker_.rows[i])];
    // The owner and service views, with their open and overdue counts.
    auto views = [&](const std::vector<ActionGroup>& groups, const std::string& view_kind) {
      Value list = Value::MakeList();
      for (const auto& g : groups) {
        const stats::ActionCounts& c = totals_.groups.at(&g);
        const size_t open = c.open, overdue = c.overdue;
        Value o = Value::MakeMap();
        o["label"] = g.label;
        o["url"] = Link("actions/" + view_kind + "/" + g.slug + "/");
        o["count_label"] = CountLabel(g.rows.size(), "item", "items");
        o["open_label"] = GroupDigits(open) + " open";
        o["overdue_count"] = GroupDigits(overdue);
        o["has_overdue"] = overdue > 0;
        o["current"] = false;
        list.Push(std::move(o));
      }
      list.Freeze();
      return list;
    };
    totals_.owner_views = views(tracker_.owners, "owner");
    totals_.service_views = views(tracker_.services, "service");
  });
  return totals_;
}

Value View::TrackerPage(const ActionGroup* group, const std::string& kind, size_t page) const {
  PageInfo info;
  info.section = "actions";
  if (!group) {
    info.title = "Action items";
    info.path = "actions/";
    info.description = "The action items that need attention: overdue, due soon, then the other open ones.";
  } else {
    info.title = "Action items: " + group->label;
    info.path = "actions/" + kind + "/" + group->slug + "/";
    info.description = (kind == "owner"     ? "Action items owned by "
                        : kind == "service" ? "Action items of the service "
                                            : "Action items: ") +
                       group->label + ".";
  }
  // The counts are of the whole view (every item on /actions/); the table
  // shows one page of it (open items only on /actions/).
  const TrackerTotals& totals = TrackerSummary();
  const std::vector<size_t>& shown = group ? group->rows : tracker_.attention;
  const ListPage lp = Paginate(info.path, shown.size(), static_cast<size_t>(cfg_.pagination.actions_page_size), page);
  ApplyPage(lp, &info);
  Value v = Frame(info);
  v["pager"] = Pager(lp);
  Value as_of = Value::MakeMap();
  as_of["date"] = util::FormatDate(site_.today, 0);
  as_of["datetime"] = util::FormatDate(site_.today, 0);
  v["as_of"] = std::move(as_of);
  if (group) {
    Value filter = Value::MakeMap();
    filter["kind"] = kind == "owner" ? "Owner" : kind == "service" ? "Service" : "Status";
    filter["label"] = group->label;
    v["filter"] = std::move(filter);
  } else {
    v["filter"] = false;
  }

  auto group_of = [](const stats::ActionRow& row) { return AttentionGroup(row); };
  const std::map<std::string, size_t>& group_sizes = totals.attention_groups;
  Value items = Value::MakeList();
  std::string last_group;
  for (size_t k = lp.begin; k < lp.end; ++k) {
    const size_t i = shown[k];
    if (group) {
      items.Push(ActionView(i));
      continue;
    }
    Value item = ActionView(i);
    std::string g = group_of(tracker_.rows[i]);
    std::string heading;
    if (g != last_group) {
      const bool continued = k == lp.begin && k > 0 && group_of(tracker_.rows[shown[k - 1]]) == g;
      auto size = group_sizes.find(g);
      heading = g + (continued ? ", continued" : "") + " (" +
                GroupDigits(size == group_sizes.end() ? 0 : size->second) + ")";
    }
    item["group_heading"] = heading;
    last_group = g;
    items.Push(std::move(item));
  }
  const stats::ActionCounts& n = group ? totals.groups.at(group) : totals.all;
  Value counts = Value::MakeMap();
  counts["total"] = static_cast<int64_t>(n.total);
  counts["open"] = static_cast<int64_t>(n.open);
  counts["overdue"] = static_cast<int64_t>(n.overdue);
  counts["due_soon"] = static_cast<int64_t>(n.due_soon);
  counts["done"] = static_cast<int64_t>(n.done);
  counts["wontfix"] = static_cast<int64_t>(n.wontfix);
  counts["total_label"] = GroupDigits(n.total) + (n.total == 1 ? " action item" : " action items");
  // The cards at the top; on a filtered page they count that view's items
  // and do not link (the status pages hold every owner's items).
  Value cards = Value::MakeList();
  const std::pair<const char*, size_t> kinds[] = {
      {"open", n.open}, {kOverdue, n.overdue}, {kDueSoon, n.due_soon}, {"done", n.done}, {"wontfix", n.wontfix}};
  for (const auto& [slug, count] : kinds) {
    Value c = Value::MakeMap();
    c["kind"] = slug;
    c["count"] = GroupDigits(count);
    c["label"] = slug == std::string(kDueSoon) ? "due in the next 7 days" : util::ToLowerAscii(StatusLabel(slug));
    c["url"] = group ? "" : Link("actions/status/" + std::string(slug) + "/");
    c["alert"] = slug == std::string(kOverdue) && count > 0;
    cards.Push(std::move(c));
  }
  SetList(counts, "cards", std::move(cards));
  v["counts"] = std::move(counts);

  // The owner and service views (made once: TrackerSummary), this page's
  // own group marked current.
  auto views = [&](const Value& all, const std::vector<ActionGroup>& groups,
                   const std::string& view_kind) {
    Value list = all;
    if (group && kind == view_kind) {
      for (size_t i = 0; i < groups.size(); ++i)
        if (groups[i].slug == group->slug) list.as_list()[i]["current"] = true;
    }
    return list;
  };
  SetList(v, "owners", views(totals.owner_views, tracker_.owners, "owner"));
  SetList(v, "services", views(totals.service_views, tracker_.services, "service"));
  v["services_label"] = CountLabel(tracker_.services.size(), "service", "services");
  v["filter_is_service"] = group && kind == "service";
  // A long owner list is folded like the services (on a phone hundreds of
  // owners pushed the items a screen or more down), open on an owner's page.
  constexpr size_t kOwnersShownOpen = 12;
  v["owners_folded"] = tracker_.owners.size() > kOwnersShownOpen;
  v["owners_label"] = CountLabel(tracker_.owners.size(), "owner", "owners");
  v["filter_is_owner"] = group && kind == "owner";
  Value statuses = Value::MakeList();
  for (const auto& g : tracker_.statuses) {
    Value s = Value::MakeMap();
    s["label"] = g.label;
    s["url"] = Link("actions/status/" + g.slug + "/");
    s["count"] = GroupDigits(g.rows.size());
    s["current"] = group && kind == "status" && group->slug == g.slug;
    statuses.Push(std::move(s));
  }
  SetList(v, "statuses", std::move(statuses));
  SetList(v, "actions", std::move(items));
  v["actions_url"] = Link("actions/");
  v["actions_csv_url"] = Link("actions.csv");
  v["json_url"] = Link("postmortems.json");
  return v;
}

const std::string& View::TrackerDigest() const {
  std::call_once(tracker_digest_once_, [this] {
    const TrackerTotals& totals = TrackerSummary();
    util::StreamHash h;
    auto counts = [&h](const stats::ActionCounts& c) {
      for (size_t n : {c.total, c.open, c.overdue, c.due_soon, c.done, c.wontfix, c.other})
        h.AddInt(static_cast<int64_t>(n));
    };
    counts(totals.all);
    for (const auto* groups : {&tracker_.owners, &tracker_.statuses, &tracker_.services}) {
      h.AddInt(static_cast<int64_t>(groups->size()));
      for (const auto& g : *groups) {
        h.AddString(g.slug);
        h.AddString(g.label);
        h.AddInt(static_cast<int64_t>(g.rows.size()));
        counts(totals.groups.at(&g));
      }
    }
    h.AddInt(static_cast<int64_t>(totals.attention_groups.size()));
    for (const auto& [name, n] : totals.attention_groups) {
      h.AddString(name);
      h.AddInt(static_cast<int64_t>(n));
    }
    totals.owner_views.AddHash(&h);
    totals.service_views.AddHash(&h);
    h.AddInt(static_cast<int64_t>(tracker_.attention.size()));
    tracker_digest_ = h.Hex();
  });
  return tracker_digest_;
}

bool View::AddTrackerPageInputs(const ActionGroup* group, const std::string& kind, size_t page,
                                util::StreamHash* h) const {
  // A row shows its item, its postmortem's id, title, URL and date and
  // the owner's page (all in the ListKey; its status against today and the
  // ticket URL come from the shared inputs); the page, its pager, the
  // counts and the owner, service and status lists (TrackerDigest).
  h->AddString(TrackerDigest());
  h->AddString(kind);
  h->AddInt(group ? 1 : 0);
  if (group) {
    h->AddString(group->slug);
    h->AddString(group->label);
  }
  const std::vector<size_t>& shown = group ? group->rows : tracker_.attention;
  const std::string path = group ? "actions/" + kind + "/" + group->slug + "/" : "actions/";
  const ListPage lp =
      Paginate(path, shown.size(), static_cast<size_t>(cfg_.pagination.actions_page_size), page);
  h->AddInt(static_cast<int64_t>(shown.size()));
  h->AddInt(static_cast<int64_t>(lp.page));
  h->AddInt(static_cast<int64_t>(lp.begin));
  h->AddInt(static_cast<int64_t>(lp.end));
  // On /actions/ the row before the page tells whether its first group
  // heading says "continued".
  const size_t from = !group && lp.begin > 0 ? lp.begin - 1 : lp.begin;
  for (size_t k = from; k < lp.end; ++k) {
    const stats::ActionRow& row = tracker_.rows[shown[k]];
    const std::string& key = ListKey(row.postmortem);
    if (key.empty()) return false;
    h->AddString(key);
    h->AddInt(row.action);
  }
  return true;
}

Value View::ActionsPage(size_t page) const { return TrackerPage(nullptr, "", page); }

Value View::ActionsOwnerPage(const ActionGroup& owner, size_t page) const {
  return TrackerPage(&owner, "owner", page);
}

Value View::ActionsStatusPage(const ActionGroup& status, size_t page) const {
  return TrackerPage(&status, "status", page);
}

Value View::ActionsServicePage(const ActionGroup& service, size_t page) const {
  return TrackerPage(&service, "service", page);
}

}  // namespace casebook::render
