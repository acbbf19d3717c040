// The machine-readable outputs, written in C++ rather than templates so that
// they are well-formed whatever the theme does: Atom feeds (feeds.cc), the
// sitemap (sitemap.cc), postmortems.json (json_api.cc) and actions.csv
// (actions_csv.cc). They use absolute URLs (base_url + path); every user
// value is XML-escaped, JSON-quoted or CSV-quoted.
// No clock is read: dates come from the postmortems. Pure, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "render/fragments.h"
#include "render/view.h"
#include "util/datetime.h"
#include "util/value.h"

namespace casebook::render {

/// Where a large output is written a piece at a time: the writer appends to
/// text() and calls Flush() between records; once the text passes
/// kChunkBytes it is handed to `emit` and dropped, so the file is never
/// held whole. Not thread-safe (one writer).
class ChunkOut {
 public:
  static constexpr size_t kChunkBytes = 1 << 20;
  /// `emit` gets the text in order; false stops the writing (the
  /// writer may go on, nothing more is passed on).
  explicit ChunkOut(std::function<bool(std::string_view)> emit) : emit_(std::move(emit)) {}
  std::string& text() { return text_; }
  /// Bytes written so far: those passed on and those in text().
  uint64_t position() const { return passed_ + text_.size(); }
  /// Passes the text on when there is enough of it.
  void Flush() {
    if (text_.size() >= kChunkBytes) Pass(false);
  }
  /// Passes on the rest; false when `emit` ever refused.
  bool Finish() {
    Pass(true);
    return ok_;
  }

 private:
  void Pass(bool all);
  std::function<bool(std::string_view)> emit_;
  std::string text_;
  uint64_t passed_ = 0;
  bool ok_ = true;
};

/// The newest entries a feed holds.
constexpr size_t kFeedEntries = 50;

struct FeedInfo {
  std::string title;      // feed title
  std::string subtitle;   // may be empty
  std::string feed_path;  // relative: "feed.xml", "tags/dns/feed.xml"
  std::string page_path;  // the HTML page it mirrors: "", "tags/dns/"
};

/// An Atom 1.0 feed of the first kFeedEntries of `postmortems` (newest
/// first, as the model orders them). The feed's <updated> is the newest
/// entry's date (the Unix epoch for an empty feed), never the build time.
std::string AtomFeed(const View& view, const FeedInfo& info, const std::vector<int>& postmortems);

/// AtomFeed's inputs besides the shared ones (renderer.h): the feed's info
/// and the ListKey of each entry. False when one is unknown.
bool AddFeedInputs(const View& view, const FeedInfo& info, const std::vector<int>& postmortems,
                   util::StreamHash* h);

/// The ListKey of every postmortem, in order: what every output but the
/// postmortem pages reads of the postmortems (with the shared inputs, it
/// determines them: the sitemap besides its page list, actions.csv, and
/// every list page). False when one is unknown.
bool AddAllListKeys(const View& view, util::StreamHash* h);

/// An entry's date for feeds and the sitemap: the postmortem's `date`, else
/// its incident date, else its last git change; nullopt when none is known.
std::optional<util::DateTime> UpdatedDate(const model::Postmortem& pm);

/// sitemap.xml listing `page_paths` (relative, "" for home). Postmortem
/// pages get <lastmod>.
void WriteSitemapXml(const View& view, const std::vector<std::string>& page_paths, ChunkOut& out);
std::string SitemapXml(const View& view, const std::vector<std::string>& page_paths);
/// What the sitemap shows of the postmortems (their URLs and lastmod
/// dates), hashed: with the page list, its key. A title edit keeps it.
void AddSitemapInputs(const View& view, util::StreamHash* h);

/// postmortems.json: an array with one object per postmortem (see
/// json_api.cc for the fields), indented, newest first; written entry by
/// entry on `jobs` threads (the same bytes for any number), in order.
/// With `fragments`, each entry is a fragment keyed by its postmortem's
/// ListKey (render/fragments.h): taken from the published file when there,
/// and recorded in the new table.
void WritePostmortemsJson(const View& view, int jobs, ChunkOut& out,
                          const FragmentIo* fragments = nullptr);
std::string PostmortemsJson(const View& view, int jobs);

/// The static-hosting search index (static_search_index.cc): a few small
/// files that themes/default/static/js/search.js reads instead of
/// postmortems.json when there is no search server. Path -> content, the
/// paths being StaticSearchIndexPaths(postmortems). Each file has inputs
/// of its own (below): a change to one postmortem's title re-keys one docs
/// file and a few words files, not all ~2,250 of them.
std::map<std::string, std::string> StaticSearchIndex(const View& view);
/// The same files one by one (the renderer makes each as its own file):
/// the words of every postmortem, grouped by bucket (made once for all the
/// words files), ...
struct StaticSearchWords {
  using Bucket = std::vector<std::pair<std::string, std::vector<int64_t>>>;  // words in byte order
  std::vector<Bucket> buckets;
};
/// What one pass over every postmortem's words tells: what each words
/// file shows, hashed (bucket b's key is made from its postings, word and
/// posting in postmortem order, so a title edit changes the keys of the
/// few buckets its old and new words fall in), and which buckets each
/// postmortem has words in. On every core.
using StaticSearchBucketSet = std::array<uint64_t, 4>;  // bit b: bucket b (at most 256)
struct StaticSearchWordKeys {
  std::vector<std::string> keys;                  // per bucket
  std::vector<StaticSearchBucketSet> buckets_of;  // per postmortem
};
StaticSearchWordKeys MakeStaticSearchWordKeys(const View& view);
/// `wanted`: only the words of the buckets it marks (nullptr: every
/// bucket). With `keys` (of the same view) only the postmortems with words
/// in those buckets are read.
StaticSearchWords MakeStaticSearchWords(const View& view, const std::vector<bool>* wanted = nullptr,
                                        const StaticSearchWordKeys* keys = nullptr);
/// What docs-<shard>.json shows: its postmortems' ListKeys. False when one
/// is unknown.
bool AddStaticSearchDocsInputs(const View& view, size_t shard, util::StreamHash* h);
/// ... search-index/words-<b>.json from buckets[b], docs-<shard>.json and
/// meta.json.
std::string StaticSearchWordsFile(const StaticSearchWords::Bucket& bucket);
std::string StaticSearchDocsFile(const View& view, size_t shard);
std::string StaticSearchMetaFile(size_t docs);
/// Changes with the layout of those files, so a build rewrites them all.
inline constexpr char kStaticSearchIndexFormat[] = "search-index 1: 50 per shard, gaps";
std::vector<std::string> StaticSearchIndexPaths(size_t postmortems);
/// How many word files an archive of `docs` postmortems gets, and which one
/// holds `word` (by its first two bytes; search.js computes the same).
uint32_t StaticSearchBuckets(size_t docs);
uint32_t StaticSearchBucket(std::string_view word, uint32_t buckets);

/// PostmortemsJson's inputs besides the shared ones: every postmortem's
/// ListKey and the taxonomy keys.
bool AddJsonInputs(const View& view, util::StreamHash* h);

/// actions.csv (RFC 4180, CRLF): every action item in tracker order with
/// its postmortem; columns listed in actions_csv.cc.
/// With `fragments`, each row is a fragment keyed by its postmortem's
/// ListKey and the item's place in it (as WritePostmortemsJson's entries).
void WriteActionsCsv(const View& view, ChunkOut& out, const FragmentIo* fragments = nullptr);
std::string ActionsCsv(const View& view);

/// The whole text a Write* function gives (for tests and small files).
std::string Collect(const std::function<void(ChunkOut&)>& write);

}  // namespace casebook::render
