// The static-hosting search index: see outputs.h (StaticSearchIndex).
//
// search-index/meta.json    {"version", "docs", "doc_shard_size",
//                            "doc_shards", "word_buckets"}
// search-index/docs-<k>.json  postmortems k*S .. k*S+S-1 (S = 50) (newest incident
//                            first, as the archive lists them), each
//                            [id, url (relative to base_url), title,
//                            incident date "YYYY-MM-DD" or "", severity
//                            label, summary (cut to 240 bytes)]
// search-index/words-<b>.json {word: [postings]}: every word of the titles,
//                            summaries, ids and taxonomy values, lower-cased,
//                            and "<key>:<slug>" for each taxonomy value and
//                            "year:<yyyy>"; a posting is doc * 2 + 1 when the
//                            word is in the title, doc * 2 otherwise, and a
//                            list holds the first posting, then the gaps. A word
//                            lives in bucket FNV-1a(its first two bytes) % B,
//                            so a typo after the second letter is in the same
//                            bucket as the word (themes/default/static/js/search.js).
#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <vector>

#include "render/outputs.h"
#include "util/datetime.h"
#include "util/hash.h"
#include "util/parallel.h"
#include "util/json_writer.h"
#include "util/slug.h"
#include "util/text.h"

namespace casebook::render {
namespace {

constexpr size_t kDocShardSize = 50;
constexpr size_t kSummaryBytes = 240;

bool IsStop(const std::string& w) {
  if (w.size() > 4) return false;  // the longest stop word
  static const std::set<std::string> stop = {
      "a",   "an",  "and", "are", "as",   "at",   "be",  "by",   "for",  "from", "in", "is",
      "it",  "of",  "on",  "or",  "that", "the",  "this", "to",  "was",  "were", "with"};
  return stop.count(w) > 0;
}

/// Lower-cased runs of letters and digits (bytes >= 0x80 kept as they are),
/// 2 to 40 bytes, stop words left out, appended to `out` (not yet sorted:
/// see SortUnique). A vector of short strings, not a std::set: no node per
/// word, and a word of up to 15 bytes is never allocated.
void Words(const std::string& text, std::vector<std::string>* out) {
  std::string w;
  auto flush = [&] {
    if (w.size() >= 2 && w.size() <= 40 && !IsStop(w)) out->push_back(w);
    w.clear();
  };
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80) {
      w += static_cast<char>(std::tolower(c));
    } else {
      flush();
    }
  }
  flush();
}

void SortUnique(std::vector<std::string>* words) {
  std::sort(words->begin(), words->end());
  words->erase(std::unique(words->begin(), words->end()), words->end());
}

std::string CutUtf8(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "\xE2\x80\xA6";
}

}  // namespace

uint32_t StaticSearchBucket(std::string_view word, uint32_t buckets) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < word.size() && i < 2; ++i) {
    h ^= static_cast<unsigned char>(word[i]);
    h *= 16777619u;
  }
  return buckets == 0 ? 0 : h % buckets;
}

uint32_t StaticSearchBuckets(size_t docs) {
  return static_cast<uint32_t>(std::clamp<size_t>(docs / 40, 1, 256));
}

std::vector<std::string> StaticSearchIndexPaths(size_t postmortems) {
  std::vector<std::string> paths{"search-index/meta.json"};
  for (size_t s = 0; s < (postmortems + kDocShardSize - 1) / kDocShardSize; ++s)
    paths.push_back("search-index/docs-" + std::to_string(s) + ".json");
  for (uint32_t b = 0; b < StaticSearchBuckets(postmortems); ++b)
    paths.push_back("search-index/words-" + std::to_string(b) + ".json");
  return paths;
}

namespace {

/// Postmortem `i`'s words, each list sorted and without repeats: those of
/// its title, and the others (summary, id, taxonomy values, "<key>:<slug>",
/// "year:<yyyy>") less the title's.
void PostmortemWords(const View& view, size_t i, std::vector<std::string>* title,
                     std::vector<std::string>* rest) {
  const model::SiteModel& site = view.site();
  const model::Postmortem& pm = site.postmortems[i];
  const content::Document& doc = pm.doc;
  title->clear();
  rest->clear();
  Words(doc.title, title);
  Words(doc.summary, rest);
  Words(doc.id, rest);
  for (const auto& tax : site.taxonomies) {
    for (const auto& v : doc.Taxonomy(tax.key)) {
      Words(v, rest);
      std::string slug = util::Slugify(v);
      if (!slug.empty()) rest->push_back(tax.key + ":" + slug);
    }
  }
  if (pm.incident_date)
    rest->push_back("year:" +
                    util::FormatDate(*pm.incident_date, view.config().timezone_offset_minutes).substr(0, 4));
  SortUnique(title);
  SortUnique(rest);
  if (!title->empty()) {
    rest->erase(std::remove_if(rest->begin(), rest->end(),
                               [&](const std::string& w) {
                                 return std::binary_search(title->begin(), title->end(), w);
                               }),
                rest->end());
  }
}

/// Postmortems' words, a block at a time on every core: fn(i, title, rest)
/// runs for each postmortem i with `want(i)` in postmortem order, on the
/// calling thread.
template <typename Want, typename Fn>
void ForEachPostmortemWords(const View& view, int jobs, Want want, Fn fn) {
  const size_t n = view.site().postmortems.size();
  constexpr size_t kBlock = 1024;
  struct Lists {
    bool read = false;
    std::vector<std::string> title, rest;
  };
  std::vector<Lists> block(std::min(kBlock, n));
  for (size_t begin = 0; begin < n; begin += kBlock) {
    const size_t count = std::min(kBlock, n - begin);
    util::ParallelFor(count, jobs, [&](size_t k) {
      Lists& lists = block[k];
      lists.read = want(begin + k);
      if (lists.read) PostmortemWords(view, begin + k, &lists.title, &lists.rest);
    });
    for (size_t k = 0; k < count; ++k)
      if (block[k].read) fn(begin + k, block[k].title, block[k].rest);
  }
}

}  // namespace

StaticSearchWordKeys MakeStaticSearchWordKeys(const View& view) {
  const size_t n = view.site().postmortems.size();
  const uint32_t buckets = StaticSearchBuckets(n);
  // A bucket's key is the list of its postings (word, posting) in
  // postmortem order; each postmortem's words are made on every core a
  // block at a time, then hashed into their buckets' keys.
  StaticSearchWordKeys out;
  out.buckets_of.assign(n, StaticSearchBucketSet{});
  std::vector<util::StreamHash> keys(buckets);
  ForEachPostmortemWords(
      view, util::DefaultJobs(), [](size_t) { return true; },
      [&](size_t i, const std::vector<std::string>& title, const std::vector<std::string>& rest) {
        StaticSearchBucketSet& in = out.buckets_of[i];
        const int64_t doc = static_cast<int64_t>(i) * 2;
        for (const auto* words : {&title, &rest}) {
          const int64_t posting = doc + (words == &title ? 1 : 0);
          for (const auto& w : *words) {
            const uint32_t b = StaticSearchBucket(w, buckets);
            keys[b].AddString(w);
            keys[b].AddInt(posting);
            in[b / 64] |= uint64_t{1} << (b % 64);
          }
        }
      });
  out.keys.reserve(buckets);
  for (const auto& h : keys) out.keys.push_back(h.Hex());
  return out;
}

StaticSearchWords MakeStaticSearchWords(const View& view, const std::vector<bool>* wanted,
                                        const StaticSearchWordKeys* keys) {
  const size_t n = view.site().postmortems.size();
  const uint32_t buckets = StaticSearchBuckets(n);
  auto want = [&](const std::string& w) {
    return !wanted || (*wanted)[StaticSearchBucket(w, buckets)];
  };
  // With the word keys, only the postmortems with a word in a wanted
  // bucket are read (for a title edit's few buckets, a part of them).
  StaticSearchBucketSet wanted_set{};
  for (uint32_t b = 0; wanted && b < buckets && b < wanted->size(); ++b)
    if ((*wanted)[b]) wanted_set[b / 64] |= uint64_t{1} << (b % 64);
  auto read = [&](size_t i) {
    if (!wanted || !keys || keys->buckets_of.size() != n) return true;
    const StaticSearchBucketSet& in = keys->buckets_of[i];
    for (size_t k = 0; k < in.size(); ++k)
      if (in[k] & wanted_set[k]) return true;
    return false;
  };
  // Postings per word, docs in order, so every list comes out sorted.
  std::map<std::string, std::vector<int64_t>> postings;
  ForEachPostmortemWords(
      view, util::DefaultJobs(), read,
      [&](size_t i, const std::vector<std::string>& title, const std::vector<std::string>& rest) {
        for (const auto& w : title)
          if (want(w)) postings[w].push_back(static_cast<int64_t>(i) * 2 + 1);
        for (const auto& w : rest)
          if (want(w)) postings[w].push_back(static_cast<int64_t>(i) * 2);
      });
  // Moved out in byte order, so each bucket's words stay in byte order.
  StaticSearchWords words;
  words.buckets.resize(buckets);
  while (!postings.empty()) {
    auto node = postings.extract(postings.begin());
    words.buckets[StaticSearchBucket(node.key(), buckets)].emplace_back(std::move(node.key()),
                                                                       std::move(node.mapped()));
  }
  return words;
}

std::string StaticSearchWordsFile(const StaticSearchWords::Bucket& bucket) {
  std::string text;
  util::JsonWriter w(&text, false);
  w.BeginObject();
  for (const auto& [word, list] : bucket) {
    w.Key(word);
    w.BeginList();
    int64_t previous = 0;
    for (int64_t p : list) {  // gaps: smaller numbers, fewer bytes
      w.Int(p - previous);
      previous = p;
    }
    w.EndList();
  }
  w.EndObject();
  return text + "\n";
}

std::string StaticSearchDocsFile(const View& view, size_t shard) {
  const model::SiteModel& site = view.site();
  const config::SiteConfig& cfg = view.config();
  const size_t n = site.postmortems.size();
  std::string text;
  util::JsonWriter w(&text, false);
  w.BeginList();
  for (size_t i = shard * kDocShardSize; i < n && i < (shard + 1) * kDocShardSize; ++i) {
    const model::Postmortem& pm = site.postmortems[i];
    w.BeginList();
    w.String(pm.doc.id);
    w.String(pm.url);
    w.String(pm.doc.title);
    w.String(pm.incident_date ? util::FormatDate(*pm.incident_date, cfg.timezone_offset_minutes)
                              : std::string());
    w.String(pm.doc.severity.empty()
                 ? std::string()
                 : SeverityBadge(cfg, pm.doc.severity).Find("label")->as_string());
    w.String(CutUtf8(pm.doc.summary, kSummaryBytes));
    w.EndList();
  }
  w.EndList();
  return text + "\n";
}

bool AddStaticSearchDocsInputs(const View& view, size_t shard, util::StreamHash* h) {
  // An entry shows its postmortem's id, URL, title, date, severity and
  // summary: all in its ListKey (site.toml's labels and time zone are
  // shared inputs).
  const size_t n = view.site().postmortems.size();
  const size_t begin = std::min(n, shard * kDocShardSize), end = std::min(n, begin + kDocShardSize);
  h->AddInt(static_cast<int64_t>(end - begin));
  for (size_t i = begin; i < end; ++i) {
    const std::string& key = view.ListKey(static_cast<int>(i));
    if (key.empty()) return false;
    h->AddString(key);
  }
  return true;
}

std::string StaticSearchMetaFile(size_t docs) {
  std::string meta;
  util::JsonWriter m(&meta, false);
  m.BeginObject();
  m.Key("doc_shard_size");
  m.Int(static_cast<int64_t>(kDocShardSize));
  m.Key("doc_shards");
  m.Int(static_cast<int64_t>((docs + kDocShardSize - 1) / kDocShardSize));
  m.Key("docs");
  m.Int(static_cast<int64_t>(docs));
  m.Key("version");
  m.Int(1);
  m.Key("word_buckets");
  m.Int(StaticSearchBuckets(docs));
  m.EndObject();
  return meta + "\n";
}

std::map<std::string, std::string> StaticSearchIndex(const View& view) {
  const size_t n = view.site().postmortems.size();
  std::map<std::string, std::string> files;
  StaticSearchWords words = MakeStaticSearchWords(view);
  for (size_t b = 0; b < words.buckets.size(); ++b)
    files["search-index/words-" + std::to_string(b) + ".json"] = StaticSearchWordsFile(words.buckets[b]);
  for (size_t s = 0; s < (n + kDocShardSize - 1) / kDocShardSize; ++s)
    files["search-index/docs-" + std::to_string(s) + ".json"] = StaticSearchDocsFile(view, s);
  files["search-index/meta.json"] = StaticSearchMetaFile(n);
  return files;
}

}  // namespace casebook::render
