// Atom 1.0 feeds (RFC 4287): the site feed and one per taxonomy term.
#include <algorithm>
#include <set>

#include "render/outputs.h"
#include "render/urls.h"
#include "util/datetime.h"
#include "util/text.h"

namespace casebook::render {

namespace {

constexpr size_t kFeedCategories = 20;
constexpr size_t kFeedAuthors = 10;
constexpr size_t kFeedNameBytes = 100;

bool HasScheme(const std::string& url) { return url.find("://") != std::string::npos; }

/// An entry id that never changes when the site moves between hosts only
/// if base_url does not; without a host, a URN made from the id.
std::string EntryId(const View& view, const model::Postmortem& pm) {
  if (HasScheme(view.config().base_url)) return view.Absolute(pm.url);
  return "urn:casebook:postmortem:" + util::UrlEncode(pm.id());
}

void Line(std::string& out, int indent, const std::string& text) {
  out.append(static_cast<size_t>(indent) * 2, ' ');
  out += text;
  out += '\n';
}

std::string Element(const std::string& name, const std::string& text) {
  return "<" + name + ">" + util::XmlEscape(text) + "</" + name + ">";
}

/// The first kFeedEntries valid indices of `postmortems`.
std::vector<int> FeedEntries(const View& view, const std::vector<int>& postmortems) {
  std::vector<int> entries;
  for (int i : postmortems) {
    if (entries.size() >= kFeedEntries) break;
    if (i >= 0 && static_cast<size_t>(i) < view.site().postmortems.size()) entries.push_back(i);
  }
  return entries;
}

}  // namespace

std::optional<util::DateTime> UpdatedDate(const model::Postmortem& pm) {
  if (pm.doc.date) return pm.doc.date;
  if (pm.incident_date) return pm.incident_date;
  if (pm.history) return pm.history->last_changed;
  return std::nullopt;
}

bool AddAllListKeys(const View& view, util::StreamHash* h) {
  const size_t n = view.site().postmortems.size();
  h->AddInt(static_cast<int64_t>(n));
  for (size_t i = 0; i < n; ++i) {
    const std::string& key = view.ListKey(static_cast<int>(i));
    if (key.empty()) return false;
    h->AddString(key);
  }
  return true;
}

bool AddFeedInputs(const View& view, const FeedInfo& info, const std::vector<int>& postmortems,
                   util::StreamHash* h) {
  for (const std::string* s : {&info.title, &info.subtitle, &info.feed_path, &info.page_path})
    h->AddString(*s);
  std::vector<int> entries = FeedEntries(view, postmortems);
  h->AddInt(static_cast<int64_t>(entries.size()));
  for (int i : entries) {
    // An entry shows only what its own file gives (title, id, URL, dates,
    // authors, severity, tags, summary) and the shared inputs.
    const std::string& key = view.ListKey(i);
    if (key.empty()) return false;
    h->AddString(key);
  }
  return true;
}

std::string AtomFeed(const View& view, const FeedInfo& info, const std::vector<int>& postmortems) {
  const model::SiteModel& site = view.site();
  const config::SiteConfig& cfg = view.config();
  std::vector<int> entries = FeedEntries(view, postmortems);
  util::DateTime newest;  // the epoch when no entry has a date
  for (int i : entries) {
    auto d = UpdatedDate(site.postmortems[i]);
    if (d && newest.utc_seconds < d->utc_seconds) newest = *d;
  }

  std::string out;
  out.reserve(1024 + entries.size() * 1024);
  out += "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"" +
         util::XmlEscape(cfg.language.empty() ? "en" : cfg.language) + "\">\n";
  Line(out, 1, Element("title", info.title));
  if (!info.subtitle.empty()) Line(out, 1, Element("subtitle", info.subtitle));
  std::string self = view.Absolute(info.feed_path);
  Line(out, 1, Element("id", HasScheme(cfg.base_url) ? self
                                                     : "urn:casebook:feed:" + util::UrlEncode(info.feed_path)));
  Line(out, 1, "<link rel=\"self\" type=\"application/atom+xml\" href=\"" + util::XmlEscape(self) + "\"/>");
  Line(out, 1, "<link rel=\"alternate\" type=\"text/html\" href=\"" +
                   util::XmlEscape(view.Absolute(info.page_path)) + "\"/>");
  Line(out, 1, Element("updated", util::FormatRfc3339(newest)));
  // A feed-level author makes entries without authors valid.
  Line(out, 1, "<author>" + Element("name", cfg.title) + "</author>");
  Line(out, 1, "<generator>casebook</generator>");

  for (int i : entries) {
    const model::Postmortem& pm = site.postmortems[i];
    auto updated = UpdatedDate(pm);
    Line(out, 1, "<entry>");
    // An entry is repeated in the feed of every term its postmortem has, so
    // it is bounded like a list item (view.h): title, summary, at most
    // kFeedCategories tags (the first ones as written) and kFeedAuthors.
    Line(out, 2, Element("title", util::Truncate(pm.doc.title, kCardTitleBytes)));
    Line(out, 2, Element("id", EntryId(view, pm)));
    Line(out, 2, "<link rel=\"alternate\" type=\"text/html\" href=\"" +
                     util::XmlEscape(view.Absolute(pm.url)) + "\"/>");
    Line(out, 2, Element("updated", util::FormatRfc3339(updated ? *updated : util::DateTime{})));
    size_t authors = 0;
    for (const auto& a : pm.doc.authors) {
      if (util::Trim(a).empty() || authors == kFeedAuthors) continue;
      Line(out, 2, "<author>" + Element("name", util::Truncate(a, kFeedNameBytes)) + "</author>");
      ++authors;
    }
    if (!pm.doc.severity.empty()) {
      Line(out, 2, "<category term=\"" + util::XmlEscape(pm.doc.severity) + "\" scheme=\"" +
                       util::XmlEscape(view.Absolute("severity/")) + "\"/>");
    }
    std::set<std::string> tag_slugs;  // a tag written twice is one category
    for (const auto& t : pm.doc.tags) {
      if (tag_slugs.size() == kFeedCategories) break;
      if (util::Trim(t).empty() || !tag_slugs.insert(model::TermSlug(t)).second) continue;
      Line(out, 2, "<category term=\"" + util::XmlEscape(util::Truncate(t, kFeedNameBytes)) + "\"/>");
    }
    if (pm.summary_html.size() > kCardSummaryBytes) {
      Line(out, 2, Element("summary", util::Truncate(pm.doc.summary, kCardSummaryBytes / 4)));
    } else if (!pm.summary_html.empty()) {
      Line(out, 2, "<summary type=\"html\">" + util::XmlEscape(pm.summary_html) + "</summary>");
    } else if (!pm.doc.summary.empty()) {
      Line(out, 2, Element("summary", pm.doc.summary));
    }
    Line(out, 1, "</entry>");
  }
  out += "</feed>\n";
  return out;
}

}  // namespace casebook::render
