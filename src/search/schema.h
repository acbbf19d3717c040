// The search index schema shared by the index builder and the searcher:
// on-disk layout, term prefixes, value slots, the document data record and
// the small helpers both sides need. No Xapian types (xapian.h stays in the
// .cc files). Owned by the search module; everything here is pure and
// thread-safe except the file helpers, which touch only the index folder.
//
// On-disk layout of an index folder (cfg.IndexDir()):
//   current     Xapian stub file "auto v<N>": the published version. Readers
//               open this path. Replaced with rename(), so it always names a
//               complete database.
//   v<N>/       a glass database. Small updates go into it in one Xapian
//               transaction (atomic: readers see the old or the new
//               revision). A first build, a schema change or a large update
//               writes a complete v<N+1>/ instead, then swaps `current`; the
//               previous version is kept for readers that still have it
//               open, older ones and leftovers of failed builds are removed
//               by the next update.
//   lock        flock()ed by a running update, so two builds cannot race.
//
// Terms of a document (boolean unless said otherwise):
//   Q<id>                   unique id term
//   ZS<stem>                title words (free text, `title:`)
//   Z<stem>                 title (wdf x5), summary, body, timeline, action
//                           items, taxonomy values (wdf x2)
//   ZJ<stem> <stem>         two adjacent Z terms, one of them a compound
//                           half (PairTerm: "fail over", "time out", "sign
//                           in"), no positions, wdf = how often: the
//                           compound search finds them without a phrase check
// Free text is stemmed (English) at index and query time alike (STEM_ALL_Z,
// with positions, so phrases work on stems): half the terms of STEM_SOME's
// word + Z<stem> pairs, which roughly halves indexing time. The Z keeps
// MSet::snippet highlighting working; wildcards are rewritten to match Z
// terms (query_parsing.cc).
//
// Spelling data: each distinct word (lower-cased, no digits) of a document
// adds 1 to its frequency; the words are kept in value slot 8 so replacing
// or deleting the document takes exactly them back out.
//   X<KEY>:<slug>           each taxonomy value, KEY = upper-cased taxonomy
//                           key: XTAGS:database, XSERVICES:checkout-api,
//                           XSEVERITY:sev1, XCATEGORIES:...
//   XSTATUS:<status>        draft | review | final
//   XYEAR:<yyyy>            year of the incident date
//   XOWNER:<slug>           action item owners (the full slug and each
//                           "-"-separated part: XOWNER:jane-doe, XOWNER:jane)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace casebook::search::schema {

/// Bumped when terms, values or data change meaning: forces a full rebuild.
// 5: ZJ pair terms; 6: facet ids (facets.h); 7: the content hash of the
// document digest (index_document.cc, IndexHash).
inline constexpr int kVersion = 7;

// Value slots.
inline constexpr unsigned kSlotDate = 0;          // "YYYYMMDD" (string order)
inline constexpr unsigned kSlotSeverityRank = 1;  // sortable_serialise(rank)
inline constexpr unsigned kSlotTtr = 2;           // sortable_serialise(seconds)
inline constexpr unsigned kSlotHash = 3;          // content hash, 16 hex digits
inline constexpr unsigned kSlotFacets = 4;        // facet ids: severity, tags, services (facets.h)
// Slots 5 and 6 are unused.
inline constexpr unsigned kSlotId = 7;     // id, for deterministic ties
inline constexpr unsigned kSlotWords = 8;  // spelling words, ' '-joined

inline constexpr char kIdPrefix[] = "Q";
inline constexpr char kTitlePrefix[] = "S";
inline constexpr char kStatusPrefix[] = "XSTATUS:";
inline constexpr char kYearPrefix[] = "XYEAR:";
inline constexpr char kOwnerPrefix[] = "XOWNER:";
inline constexpr char kPairPrefix[] = "ZJ";

inline constexpr char kMetaSchema[] = "casebook.schema";
inline constexpr char kMetaSynonyms[] = "casebook.synonyms";
/// A key over the ids and content hashes of every document (index_plan.h).
inline constexpr char kMetaContents[] = "casebook.contents";
/// The facet names the documents' kSlotFacets ids stand for (facets.h).
inline constexpr char kMetaFacets[] = "casebook.facets";

/// "X" + upper-cased key + ":" ("tags" -> "XTAGS:").
std::string TaxonomyPrefix(std::string_view key);

/// The form a taxonomy value, status or owner takes in a term: its slug, or
/// its lower-cased text when the slug is empty. Used at index and query time.
std::string TermValue(std::string_view value);

/// Xapian's limit is 245 bytes; longer boolean terms are cut to this.
inline constexpr size_t kMaxTermBytes = 240;
std::string ClampTerm(std::string term);

/// A 64-bit content hash (8 bytes at a time, multiply-xorshift, avalanched
/// at the end; not cryptographic), as 16 hex digits. Stable across runs,
/// builds and machines (little-endian).
class Hasher {
 public:
  void Add(std::string_view s);  // length-prefixed, so fields cannot blur
  void Add(int64_t v);
  std::string Hex() const;
  uint64_t Value() const { return h_; }

 private:
  uint64_t h_ = 1469598103934665603ull;
  void Word(uint64_t w);
};

/// What a result needs, stored as the document data (JSON object).
struct DocData {
  std::string id, url, title, date, severity, severity_label, summary, source_path;
  std::vector<std::string> tags, services;
  std::string text;  // plain text snippets are cut from
};
std::string EncodeDocData(const DocData& d);
/// Reads what EncodeDocData wrote. False on malformed input (fields read so
/// far are kept).
bool DecodeDocData(std::string_view json, DocData* d);

/// The term two adjacent free-text words are indexed as, besides their own
/// Z<stem> terms, given their stems (no "Z"): "ZJfail over" for "failing
/// over", "ZJtime out" for "timed out". Only for pairs that can be one word
/// ("failover", "timeout", "signin", "readonly", "backup"): one stem is a
/// compound half (back, down, in, off, on, only, out, over, up), the other
/// is letters only (a-z, 2 to 40) and not a stop word. These halves are among
/// the most frequent words, so checking such a pair as a phrase reads the
/// positions of most documents; as a term it is one posting list. "" for
/// any other pair. Used at index and query time alike.
std::string PairTerm(std::string_view first_stem, std::string_view second_stem);

/// Common English words the query parser drops (unless the whole query is
/// made of them) and similar-incident terms leave out.
bool IsStopword(std::string_view word);

// Index folder helpers.
std::string StubPath(const std::string& index_dir);
std::string VersionDir(const std::string& index_dir, int version);
/// The version the stub names, nullopt when there is no readable stub.
std::optional<int> ReadCurrentVersion(const std::string& index_dir);
/// Writes the stub for `version` to a temporary file, syncs it and renames it
/// over `current`. False with *error on failure (the old stub is intact).
bool WriteStub(const std::string& index_dir, int version, std::string* error);
/// Versions present as v<N> entries in the folder, ascending.
std::vector<int> ListVersions(const std::string& index_dir);

}  // namespace casebook::search::schema
