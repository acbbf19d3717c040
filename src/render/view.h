// The template view: model -> util::Value trees that the Mustache templates
// read. This is the only code that knows template keys; the model never
// sees them. Everything here is plain text (escaped by {{ }} in templates)
// except keys ending in `_html`, which hold HTML from the markdown module.
//
// Every list key `x` comes with a bool `has_x` (SetList).
// Every page gets two keys (PageFrame):
//   site: title, description, language, base (path, "/pm/"), base_url,
//         home_url, search_url, archive_url, actions_url, actions_csv_url,
//         stats_url, feed_url, json_url, css_url, search_js_url,
//         favicon_url, taxonomies[{key,label,url}], nav[{label,url,current}]
//   page: title, full_title, description, url, canonical, section,
//         feed_url, feed_title, is_home, noindex
// A list item (`item`, used by every list; see ListItem):
//   id, title, url, date, datetime, severity{name,label,color,text_color,url}
//   (false when none), status, status_label, is_draft, is_review,
//   summary_html, services[{name,url}]
// A link item (related incidents, previous/next): id, title, url, date,
//   datetime, severity.
// Page templates and their own keys:
//   home:         recent[item], has_more, total_label, severities[{name,
//                 label,color,text_color,description,count,url}],
//                 taxonomies[{key,label,url,term_count}], years[{year,url,
//                 count}], today{date,datetime,day_label}, this_week{
//                 postmortems[item] (incident in the 7 days to today),
//                 due_soon[action] (open, due in the next 7 days),
//                 new_count, new_text, due_soon_count, due_soon_text,
//                 overdue_count, overdue_text, has_overdue, open_label,
//                 actions_url, overdue_url, due_soon_url},
//                 on_this_day[item + years_ago] (at most kOnThisDayShown),
//                 on_this_day_more{label,url} (false when none left out),
//                 show_this_week
//   postmortem:   pm{... item keys, incident[{label,display,datetime}],
//                 durations[{label,value,seconds}], taxonomies[{key,label,
//                 terms[{name,url}]}] (severity left out: it is the badge),
//                 authors[{name}], facilitator, contact, has_people,
//                 has_facts (any of durations, incident, taxonomies, people),
//                 timeline[{datetime,date,time,show_date,text_html,
//                 approximate}], show_timeline (false when the timeline was
//                 read from the body, which shows it), body_html,
//                 body_parts[{html,timeline_here,actions_here}] (the body cut
//                 after its own Timeline / Action items sections),
//                 timeline_in_body, actions_in_body, toc[{text,anchor,
//                 children[],has_children}], actions[{text_html,owner,due,
//                 due_datetime,status,status_label,status_class,overdue,
//                 overdue_label,ticket,ticket_url}], actions_summary,
//                 related[link], referenced_by[link], linked[link +
//                 direction] (the two merged, each incident once: "linked
//                 from here", "links here" or "linked both ways"),
//                 similar[link+reason],
//                 previous, next (link or false), has_related_section,
//                 source{path,url}, history{date,datetime,commits_label} or
//                 false, figures[{label,value}], extra (unknown front matter
//                 keys as written)}
//   taxonomy:     taxonomy{key,label,url,is_severity}, terms[{name,label,url,
//                 count,count_label,description,color,text_color,feed_url}]
//   term:         taxonomy{...}, term{name,label,url,count_label,description,
//                 color,text_color,feed_url}, postmortems[item] (this page's),
//                 pager,
//                 term_chart (chart, incidents per year; false when no
//                 incident is dated), medians[{label,value,count_label}]
//                 (median time to detect / mitigate / resolve, only those
//                 known), medians_note
//   actions:      (/actions/, /actions/owner/<slug>/, /actions/status/<s>/)
//                 as_of{date,datetime}, filter ({kind,label} or false),
//                 counts{total,open,overdue,due_soon,done,wontfix,
//                 total_label,cards[{kind,count,label,url ("" on filtered
//                 pages),alert}]}, owners[{label,url,count_label,open_label,
//                 overdue_count,has_overdue,current}], services[same as
//                 owners], services_label, filter_is_service, statuses[{label,
//                 url,count,current}], actions[action + group_heading],
//                 pager, actions_url, actions_csv_url, json_url. /actions/
//                 lists the items not done / won't fix; every view is
//                 paginated (actions/owner/<slug>/page/2/).
//   stats:        as_of{date,datetime}, total_label, medians[{label,value,
//                 count_label}], charts[chart], actions_url
//   archive:      years[{year,url,count,count_label}], undated_label,
//                 undated_url (or false)
//   archive_undated: count_label, postmortems[item]
//   archive_year: year, count_label, months[{name,anchor,continued,
//                 count_label,postmortems[item]}] (this page's),
//                 month_links[{name,url}], pager, newer, older ({year,url}
//                 or false)
// Paginated lists (see ListPage) have `pager`: page, pages, has_pages,
//   showing_label ("Showing 51–100 of 4,145"), prev, next ({number,url} or
//   false), numbers[{number,url,current,gap}] (first, last and two either
//   side of the current page; gap entries stand for the pages left out);
//   `page` gets prev_url and next_url for <link rel=prev/next>.
//   404:          (frame only)
//   search:       query, results[{title,url,date,severity_label,
//                 severity_color,severity_text_color,snippet_html,
//                 source_path}], no_results, total, total_label,
//                 did_you_mean, did_you_mean_url, facets[{name,key,values[
//                 {label,count,url,active}]}], pages[{number,url,current}],
//                 previous_page, next_page ({url} or false), message,
//                 server_rendered (SearchView gives empty defaults; the
//                 server fills them)
// An action (tracker row; see ActionItemView): text_html, postmortem{id,
//   title,url,date}, owner, owner_url, due, due_datetime, due_label
//   ("due today", "due in 3 days"), due_soon, status, status_label,
//   status_class, overdue, overdue_days, overdue_label, ticket, ticket_url.
// A chart (see ChartView): id, title, description, svg_html (inline SVG
//   from svg_chart.h), table{caption, columns[{label}], rows[{label,url,
//   cells[{value}]}]}, note.
// Thread-safe: a View is immutable after construction.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/site_model.h"
#include "render/stats.h"
#include "util/value.h"

namespace casebook::render {

/// The postmortems with no incident date, by title then id (view_lists.cc).
std::vector<int> UndatedByTitle(const model::SiteModel& site);

/// What a page tells the layout about itself.
struct PageInfo {
  std::string title;        // "" on the home page (the site title is used)
  std::string description;  // meta description; "" = the site's
  std::string path;         // relative to base_url: "tags/", "" for home
  std::string section;      // nav entry to mark current: "home", "tags", ...
  std::string feed_path;    // a page-specific Atom feed, relative; "" = none
  std::string feed_title;
  bool noindex = false;     // 404 and search
  std::string prev_path;    // paginated lists: the pages before and after
  std::string next_path;    // (relative; "" = none), for <link rel=prev/next>
};

/// One page of a paginated list (view_pages.cc): items [begin, end) of
/// `total`, page `page` (1-based) of `pages` (at least 1).
struct ListPage {
  std::string first_path;  // the list's own path: "tags/dns/"
  size_t page = 1, pages = 1, total = 0, begin = 0, end = 0;
};
/// Pages needed for `total` items (1 for an empty list).
size_t PageCount(size_t total, size_t page_size);
/// Page 1 is the list's own path; page n is first_path + "page/n/".
std::string PagePath(const std::string& first_path, size_t page);
ListPage Paginate(const std::string& first_path, size_t total, size_t page_size, size_t page);
/// Sets the page's path, its title's "(page n of m)" and prev/next paths.
void ApplyPage(const ListPage& page, PageInfo* info);
/// "4,145": thousands separated by commas.
std::string GroupDigits(size_t n);

/// The `site` and `page` keys, from the config alone (the server's search
/// page uses this without a model).
util::Value PageFrame(const config::SiteConfig& cfg, const PageInfo& page);
/// The same with the `site` key given (SiteFrame of the page's section).
util::Value PageFrame(const config::SiteConfig& cfg, const PageInfo& page, util::Value site);
/// The `site` key: nav entries mark `section` as current.
util::Value SiteFrame(const config::SiteConfig& cfg, const std::string& section);

/// The search page with a query and no results yet: the frame plus the
/// search keys with empty values. The server fills results, total, etc.
util::Value SearchView(const config::SiteConfig& cfg, const std::string& query);

/// One view of the action tracker: one owner's items or one status's.
struct ActionGroup {
  std::string slug;          // URL segment: "team-payments", "open", "overdue"
  std::string label;         // "team-payments", "Open", "Overdue"
  std::vector<size_t> rows;  // indices into View::action_rows(), in order
};

/// Builds the view of each page of one SiteModel. Construction indexes the
/// model once (terms of each postmortem, list items, badges), so keep one
/// View per render. All methods are const and safe from many threads.
class View {
 public:
  explicit View(const model::SiteModel& site);

  util::Value Home() const;
  util::Value Postmortem(int index) const;
  util::Value TaxonomyIndex(const model::Taxonomy& tax) const;
  util::Value TermPage(const model::Taxonomy& tax, const model::Term& term, size_t page = 1) const;
  util::Value Archive() const;
  util::Value ArchiveYear(const model::ArchiveYear& year, size_t page = 1) const;
  /// archive/undated/: postmortems with no known incident date, by title.
  util::Value ArchiveUndated(size_t page) const;  // 1-based
  /// Indices of the postmortems with no incident date, by title then id
  /// (worked out once: each page of archive/undated/ reads it).
  const std::vector<int>& Undated() const { return undated_; }
  /// Whether archive/undated/ is written (a theme from before it has no
  /// archive_undated template: then the page and its links are left out).
  void SetUndatedPage(bool on) { undated_page_ = on; }
  util::Value NotFound() const;
  util::Value Search() const;
  // The action tracker and the stats page (view_actions.cc, view_stats.cc).
  // Each paginated at [pagination] actions_page_size (page 2: <path>page/2/).
  util::Value ActionsPage(size_t page = 1) const;                     // actions/ (needs attention)
  util::Value ActionsOwnerPage(const ActionGroup& owner, size_t page = 1) const;   // actions/owner/<slug>/
  util::Value ActionsStatusPage(const ActionGroup& status, size_t page = 1) const; // actions/status/<slug>/
  util::Value ActionsServicePage(const ActionGroup& service, size_t page = 1) const;  // actions/service/<slug>/
  util::Value StatsPage() const;                                     // stats/

  /// Every action item resolved against today, in tracker order (open
  /// first, then by due date), and the owner / status views of them.
  const std::vector<stats::ActionRow>& action_rows() const { return tracker_.rows; }
  const std::vector<ActionGroup>& action_owners() const { return tracker_.owners; }
  const std::vector<ActionGroup>& action_statuses() const { return tracker_.statuses; }
  const std::vector<ActionGroup>& action_services() const { return tracker_.services; }
  /// The rows /actions/ shows: those not done or won't fix, in tracker
  /// order (overdue first, then due soon, then the other open ones).
  const std::vector<size_t>& action_attention() const { return tracker_.attention; }

  /// PageFrame, with the `site` key shared between pages.
  util::Value Frame(const PageInfo& page) const;

  /// A postmortem as a list item (see the header comment).
  util::Value ListItem(int index) const;

  // Input keys: what an output is made from, hashed without building it, so
  // an unchanged page can be skipped before its view is built. Together with
  // the inputs every output shares (casebook, site.toml, options, today, the
  // theme: RenderOptions::inputs_key) they determine the output exactly.
  /// Everything postmortem `index` contributes from its own file: path,
  /// bytes, git history, URL, and the HTML rendered from it (which also
  /// covers how its links resolved). "" when its bytes are unknown.
  const std::string& SourceKey(int index) const { return source_keys_[index]; }
  /// What every output but the postmortem's own page reads of it: every
  /// field of its document except the body (content::DigestWithoutBody),
  /// its file's path and git history, URL, the HTML of its summary,
  /// timeline and actions and its lessons (by their digest, made when they
  /// were rendered: model::FragmentsDigest), and the ids it links to and is
  /// linked from.
  /// Only postmortem pages show the body (and similar incidents, which
  /// come from it). "" when its bytes are unknown.
  const std::string& ListKey(int index) const { return list_keys_[index]; }
  /// Adds what the page of postmortem `index` is made from: its source key
  /// (which covers what its frame reads: title, summary, URL), its terms digest, and the link digest of every
  /// postmortem it links to (related, referenced by, similar, previous,
  /// next), with each similar incident's terms digest and shared words (its
  /// reason). Cheap: no view data is built. Keep in step with Postmortem().
  /// False when a key is unknown.
  bool AddPostmortemInputs(int index, util::StreamHash* h) const;

  // URLs. `relative` is a path relative to base_url ("postmortems/x/").
  std::string Link(const std::string& relative) const;      // "/pm/postmortems/x/"
  std::string Absolute(const std::string& relative) const;  // base_url + path
  std::string TermPath(const model::Taxonomy& tax, const model::Term& term) const;

  const model::SiteModel& site() const { return site_; }
  const config::SiteConfig& config() const { return cfg_; }

 private:
  bool undated_page_ = true;
  util::Value Severity(int index) const;
  util::Value TermLinks(int index, size_t taxonomy) const;
  /// {name,url} of a term, frozen, made once and shared by every list.
  const util::Value& TermChip(size_t taxonomy, const model::Term& term) const;
  /// Severity badges with their term's url (Severity) and term chips
  /// (TermChip), one per severity and term: every link and list item held
  /// its own copy (~0.7 KB per postmortem at 100,000).
  mutable std::mutex severity_mu_;
  mutable std::map<std::pair<std::string, const model::Term*>, util::Value> severity_badges_;
  mutable std::map<const model::Term*, util::Value> term_chips_;
  util::Value ItemList(const std::vector<int>& indices) const;
  util::Value Actions(const model::Postmortem& pm) const;
  util::Value Timeline(const model::Postmortem& pm) const;
  util::Value Incident(const model::Postmortem& pm) const;
  util::Value RelatedLinks(const model::Postmortem& pm) const;
  /// Why similar incident `s` is listed on postmortem `index`: shared
  /// services, tags, then distinctive words; "" when nothing is shared.
  std::string SimilarReason(int index, const model::SimilarIncident& s) const;
  util::Value LinkItem(int index) const;
  util::Value MakeLinkItem(int index) const;

  // view_actions.cc / view_stats.cc
  struct Tracker {
    std::vector<stats::ActionRow> rows;
    std::vector<ActionGroup> owners;    // by name; "No owner" last
    std::vector<ActionGroup> statuses;  // open, overdue, done, wontfix, others
    std::vector<ActionGroup> services;  // by the services taxonomy's terms (slug = term slug)
    std::vector<size_t> attention;      // not done / won't fix (see action_attention)
  };
  static Tracker MakeTracker(const model::SiteModel& site);
  util::Value ActionItemView(const stats::ActionRow& row) const;
  /// The `postmortem` key of an action ({id,title,url,date}).
  util::Value ActionPostmortem(const model::Postmortem& pm) const;
  /// ActionItemView of tracker_.rows[i], made for each page that shows it
  /// (a row is on 3 or 4 tracker pages): kept for every row, the views
  /// were the largest thing a 100,000-postmortem build held (~450 MB).
  /// Their `postmortem` keys are shared (ActionPostmortems).
  util::Value ActionView(size_t i) const {
    ActionPostmortems();
    return ActionItemView(tracker_.rows[i]);
  }
  void ActionPostmortems() const;
  /// The id of postmortem `index`, or "\0" when there is none (a
  /// reference, not a copy: the keys read ~5 ids per postmortem).
  const std::string& IdOf(int index) const;
  util::Value TrackerPage(const ActionGroup* group, const std::string& kind, size_t page) const;
  /// The pager keys of one page (see the header comment).
  util::Value Pager(const ListPage& page) const;
  void AddHomeActivity(util::Value& home) const;
  void AddTermStats(util::Value& page, const model::Taxonomy& tax, const model::Term& term) const;
  void MakeTermStats(util::Value& page, const model::Taxonomy& tax, const model::Term& term) const;
  mutable std::mutex term_stats_mu_;
  mutable std::map<const model::Term*, util::Value> term_stats_;  // AddTermStats, per term
  mutable std::once_flag dated_years_once_;
  mutable std::set<int> dated_years_;  // stats::DatedYears: every term's chart spans them
  /// Where each incident year starts in a term's newest-first list: the
  /// year's text and the index of its first postmortem (TermPage's year
  /// links). Made once per term: walking the list for each of a term's
  /// pages made the term pages quadratic in the term's size.
  const std::vector<std::pair<std::string, size_t>>& TermYearStarts(const model::Term& term) const;
  /// A term page's "term" map (its name, label, colour, description, URLs).
  util::Value TermHeading(const model::Taxonomy& tax, const model::Term& term) const;
  /// Each shown postmortem's ListKey, link and terms digests (list items).
  bool AddListItemsInputs(const std::vector<int>& shown, util::StreamHash* h) const;
  mutable std::mutex term_digests_mu_;
  mutable std::map<const model::Term*, std::string> term_page_digests_;  // AddTermPageInputs
  mutable std::mutex term_years_mu_;
  mutable std::map<const model::Term*, std::vector<std::pair<std::string, size_t>>> term_years_;
  /// The `briefing` key of a service's page 1 (view_briefing.cc).
  void AddServiceBriefing(util::Value& page, const model::Term& term) const;
  /// A pair of a service's incidents that search found similar to each
  /// other; `similar` is the entry of `first`'s list (or of `second`'s, when
  /// only that one lists `first`) naming the other.
  struct RecurringPair {
    int first = -1, second = -1;  // first is the newer
    const model::SimilarIncident* similar = nullptr;
    int score = 0;
  };
  /// The service's most similar pairs, best first (view_briefing.cc).
  std::vector<RecurringPair> RecurringPairs(const model::Term& term) const;

 public:
  /// Frees the link items kept while the postmortem pages render (each
  /// page links ~10 others); LinkItem then makes each one anew. Only while
  /// no other thread uses the view: the list pages hold their own copies.
  void DropLinkItems() const;

  /// Adds what service `term`'s recurring incidents are made from (the
  /// pairs, their shared terms), which the list keys do not cover: they
  /// come from the bodies, through search. Part of its page 1's key.
  void AddRecurringKey(const model::Term& term, util::StreamHash* h) const;

  /// What a tracker page (TrackerPage: `group` of `kind`, or /actions/
  /// when null) shows besides the shared inputs: the whole tracker's
  /// counts and views (one digest for all its pages), the page's place, and
  /// each row it shows (its postmortem's ListKey and the item's place in
  /// it). A title edit then re-keys the pages that show its rows, not all
  /// ~19,000 tracker pages at 100,000 postmortems (each of which had its
  /// data built to compare keys). False when a ListKey is unknown.
  /// What a term's page and a year's archive page show besides the
  /// shared inputs, hashed: what the whole list shows on every page (for a
  /// term: its heading, stats and year links, once per term), the page's
  /// place, and each item's ListKey, link and terms digests. A title edit
  /// re-keys the pages that show the postmortem. Not for a service's page
  /// 1 (its briefing: see AddRecurringKey). False when a ListKey is unknown.
  bool AddTermPageInputs(const model::Taxonomy& tax, const model::Term& term, size_t page,
                         util::StreamHash* h) const;
  bool AddArchiveYearInputs(const model::ArchiveYear& year, size_t page, util::StreamHash* h) const;

  bool AddTrackerPageInputs(const ActionGroup* group, const std::string& kind, size_t page,
                            util::StreamHash* h) const;

 private:

  const model::SiteModel& site_;
  const config::SiteConfig& cfg_;
  std::string base_path_;
  std::map<std::string, util::Value> badges_;  // severity name -> badge keys
  std::map<std::string, util::Value> site_frames_;  // section -> SiteFrame
  /// LinkItem of every postmortem, each built (and frozen) the first time
  /// a page asks for it: a rebuild that renders a few pages builds a few.
  mutable std::vector<util::Value> links_;
  mutable std::unique_ptr<std::once_flag[]> link_once_;
  /// 128-bit digests, one per postmortem, computed with the View from the
  /// model alone (no view data built) and combined into page keys:
  struct Digest {
    uint64_t v[2] = {0, 0};
  };
  /// what MakeLinkItem reads (id, title, URL, incident date, severity and
  /// its term) ...
  std::vector<Digest> link_digests_;
  /// ... and the postmortem's terms (names and paths, every taxonomy, in
  /// the order terms_ holds them), which SimilarReason reads.
  std::vector<Digest> term_digests_;
  std::vector<std::string> source_keys_;       // SourceKey of every postmortem
  std::vector<std::string> list_keys_;         // ListKey of every postmortem
  /// What each service's briefing shows of its incidents' lessons (those
  /// of its latest incidents that wrote some: the postmortem, the text as
  /// shown, the section's anchor), found with the View: a build frees a
  /// postmortem's lessons and headings once its own page is done
  /// (RenderOptions::postmortem_page_done), before the service pages.
  struct BriefingLesson {
    int index = -1;
    std::string text, anchor;
  };
  std::map<const model::Term*, std::vector<BriefingLesson>> briefing_lessons_;
  void FindBriefingLessons();  // view_briefing.cc
  /// terms_[pm][taxonomy] = the model's terms holding that postmortem, in
  /// the order the postmortem lists its values.
  std::vector<std::vector<std::vector<const model::Term*>>> terms_;
  std::vector<int> undated_;  // see Undated()
  /// Built once with the View (a default member initializer, so it runs
  /// after site_ is bound, whatever the constructor does).
  Tracker tracker_ = MakeTracker(site_);
  /// What every tracker page shows of the whole tracker (counts of each
  /// view, the group sizes of /actions/), counted once (TrackerSummary):
  /// counted per page, the tracker grew with the square of the archive.
  struct TrackerTotals {
    stats::ActionCounts all;
    std::map<const ActionGroup*, stats::ActionCounts> groups;
    std::map<std::string, size_t> attention_groups;  // /actions/ headings
    // The owner and service lists every tracker page shows, none marked
    // current (frozen; a page copies them and marks its own group).
    util::Value owner_views, service_views;
  };
  const TrackerTotals& TrackerSummary() const;
  mutable std::once_flag totals_once_;
  mutable TrackerTotals totals_;
  /// TrackerSummary and the views' names, hashed once (AddTrackerPageInputs).
  const std::string& TrackerDigest() const;
  mutable std::once_flag tracker_digest_once_;
  mutable std::string tracker_digest_;
  mutable std::once_flag actions_once_;
  mutable std::vector<util::Value> action_pms_;    // ActionPostmortem of each postmortem
};

// Small shared helpers (view_common.cc).
/// Sets map[key] = list and map["has_" + key] = !list.empty(). Every list
/// in the view comes with its has_ flag, for {{#has_x}}<ul>..</ul>{{/has_x}}.
void SetList(util::Value& map, const std::string& key, util::Value list);
// What a list item shows of its postmortem, at most (it is repeated on the
// page of every term the postmortem has; docs/security.md, "Output bounds").
constexpr size_t kOnThisDayShown = 5;      // home page "On this day", then a link
constexpr size_t kMaxReasonChips = 3;      // shared services / tags in a similar reason
constexpr size_t kCardChips = 10;           // service chips, then "+N more"
constexpr size_t kCardChipBytes = 100;      // each chip's name
constexpr size_t kCardTitleBytes = 200;     // titles in lists and links
constexpr size_t kCardSummaryBytes = 1200;  // longer: the summary's first words
/// "1,990".
/// "1 postmortem", "3 postmortems".
/// The anchor of body heading `text` (case-insensitive, a trailing ":"
/// ignored), or "" (view_briefing.cc).
std::string HeadingAnchor(const model::Postmortem& pm, const std::string& text);
std::string CountLabel(size_t n, const std::string& singular, const std::string& plural);
/// "January" .. "December"; "" out of range.
std::string MonthName(int month);
/// The severity levels' badge keys from config ({name,label,color,
/// text_color,description}); unknown names get a grey badge with the name.
util::Value SeverityBadge(const config::SiteConfig& cfg, const std::string& name);
/// True when an action item is open and due before `today` (compared as
/// calendar days); *days_overdue (optional) gets how many days.
bool IsOverdue(const content::ActionItem& action, const util::DateTime& today,
               int64_t* days_overdue = nullptr);
/// A postmortem's source file from the repository root: the configured
/// source folder (made relative to the site root) + its relative path.
std::string SourcePath(const config::SiteConfig& cfg, const content::Document& doc);

}  // namespace casebook::render
