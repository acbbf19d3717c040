// Internal to src/search: the index writer, which brings the published
// version of the index up to date with the model's postmortems in four
// named steps, each in a file of its own:
//
//   1. open or recover (index_folder.h): is the published version usable?
//      Not when missing, of another schema, failing its seal or unreadable:
//      then it is set aside (with a warning naming the damage) and step 4
//      writes a new one.
//   2. plan (index_plan.h): which documents to add, replace or delete,
//      by content hash. Nothing changed: done, nothing is written.
//   3. update in place (index_in_place.cc): up to kMaxInPlace changes go
//      into the published version in one Xapian transaction (readers see
//      the old or the new revision; no copy is made), then it is re-sealed.
//      Corruption found on the way falls through to step 4.
//   4. new version (index_new_version.cc): a first build, a schema change
//      or a larger change writes v<N+1> in shards, compacts, seals and
//      syncs it, then renames a new stub over `current`.
//
// A failure before the commit (3) or the rename (4) leaves the previous
// index as it was. The writer only reads the model (through the fields).
//
// Test hooks: CASEBOOK_TEST_FAIL_INDEX_AFTER=N makes an update throw after
// writing N documents (a crash mid-build); CASEBOOK_TEST_SHARD_DOCS=N makes
// shards of N documents.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "search/index_builder.h"
#include "search/index_document.h"
#include "search/index_metadata.h"
#include "search/index_plan.h"
#include "search/similar_engine.h"

namespace casebook::search {

/// Changes applied in place, in one transaction; more build a new version.
inline constexpr size_t kMaxInPlace = 2000;
/// Documents per shard of a new version: kMinShardDocs, or as many more as
/// keep it to kMaxShards shards. Until a shard is flushed, Xapian holds its
/// postings and positions in maps keyed by term and, per term, by docid;
/// adding a document walks them once per term, and in small shards those
/// maps stay small and in cache: at 10,000 postmortems shards of 100 rather
/// than 500 take ~2.5 cpu-s (of ~15) off the index step and ~25 MB off its
/// peak (docs/benchmarks.md, branch index5). The cap bounds the files the
/// compaction opens at once (about four a shard): 200 shards, as many as
/// shards of 500 gave at 100,000 postmortems.
inline constexpr size_t kMinShardDocs = 100;
inline constexpr size_t kMaxShards = 200;
/// The shard size for `documents` documents (CASEBOOK_TEST_SHARD_DOCS, when
/// set, instead).
size_t ShardDocs(size_t documents);

/// Documents made before the writer runs (by IndexUpdate::Start), by index
/// into the fields; each is taken once. Thread-safe.
class PremadeDocuments {
 public:
  PremadeDocuments();
  ~PremadeDocuments();
  PremadeDocuments(PremadeDocuments&&) noexcept;
  PremadeDocuments& operator=(PremadeDocuments&&) noexcept;
  void Add(size_t k, Xapian::Document doc);
  /// Moves document k into *doc; false when there is none.
  bool Take(size_t k, Xapian::Document* doc);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Everything the writer needs.
struct WriteJob {
  std::string dir;
  std::vector<IndexFields> fields;  // one per indexed postmortem
  PremadeDocuments premade;
  SynonymMap synonyms;
  int jobs = 1;  // threads writing the shards of a new version
  // Shards Start already wrote (every document, in order) when there was no
  // usable index, and their spelling counts; the writer adds the metadata
  // and compacts them.
  std::vector<std::string> prebuilt;
  SpellingDelta prebuilt_spelling;
  // Caches written before the index (Start only, when similar incidents
  // were computed).
  bool write_caches = false;
  bool term_cache_current = false;  // terms.cache lacks only a few vectors: left as it is
  similar::Corpus corpus;
  std::vector<std::string> corpus_hashes;
  similar::RankState rank_state;
  std::string similar_key;  // empty: leave similar.cache as it is
  const model::SiteModel* site = nullptr;  // whose results similar.cache gets
  similar::RankState prev_state;           // freed by the writer, off the critical path
  PreviousContents previous;  // the documents the last build indexed (from prev_state)
  // The published version was looked at (InspectIndex): `rebuild` when it
  // cannot be used, `damage` saying why when it was damaged.
  bool inspected = false;
  bool rebuild = false;
  std::string damage;
  // The facet dictionary the fields' facet_ids refer to (AssignFacetIds).
  bool facets_assigned = false;
  std::string facet_dictionary;
};

/// Gives every field its facet ids (IndexFields::facet_ids), before any
/// document is made, and job->facet_dictionary the dictionary they refer
/// to: the published version's with the names it lacks appended, when that
/// version can be updated (so the ids of the documents left in it stay
/// valid), else a new one. A published version without a readable
/// dictionary is rebuilt (job->rebuild, job->damage says why).
void AssignFacetIds(WriteJob* job);

/// Document k of the job, premade or made with `maker` (one per thread),
/// counted for CASEBOOK_TEST_FAIL_INDEX_AFTER (throws when it is reached).
class DocumentSource {
 public:
  explicit DocumentSource(WriteJob* job);
  Xapian::Document Get(size_t k, DocumentMaker& maker);

 private:
  WriteJob& job_;
  long fail_after_ = -1;
  std::atomic<long> written_{0};
};

/// Step 3: applies `plan` to the version at `version_dir` in one
/// transaction; adds the spelling changes to *spelling. Throws on errors
/// (Xapian::DatabaseCorruptError when the version turns out damaged).
void UpdateInPlace(const std::string& version_dir, const Plan& plan, const WriteJob& job,
                   DocumentSource& docs, const IndexStamps& stamps,
                   SpellingDelta* spelling);

/// Step 4: writes every document into a new version, seals and syncs it,
/// publishes it and removes the older ones (but `current`). Throws on errors
/// (the new version is then removed; the published one is untouched).
void WriteNewVersion(const WriteJob& job, DocumentSource& docs, std::optional<int> current,
                     const IndexStamps& stamps, SpellingDelta* spelling);

/// Runs the four steps; false with *error on failure (stats cleared).
bool RunWriter(WriteJob* job, IndexStats* stats, std::string* error);

/// Step timings on stderr when CASEBOOK_SEARCH_PROFILE is set (for
/// benchmarks; wall and process CPU seconds since the previous mark).
void ProfileMark(const char* what);

}  // namespace casebook::search
