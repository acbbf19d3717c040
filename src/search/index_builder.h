// Building the Xapian full-text index from the site model, and the
// build-time uses of it (similar incidents). Callers never see Xapian types.
//
// Updates are incremental and atomic: documents whose source is unchanged
// are left alone, removed postmortems are deleted, and readers never see a
// half-written index (a failed build leaves the previous index usable). A
// damaged index is set aside and rebuilt, with a warning (index_builder.cc).
//
// A build uses IndexUpdate: Start works out similar incidents for every
// postmortem (in memory, from term vectors: those of unchanged postmortems
// come from a cache in the index folder) and starts writing the index on a
// background thread, so pages can be rendered meanwhile; Finish waits for
// it. UpdateIndex + ComputeSimilar do the same in two synchronous steps
// (ComputeSimilar reads the written index); both give the same results.
#pragma once

#include <memory>
#include <string>

#include "model/site_model.h"
#include "util/diagnostics.h"

namespace casebook::search {

struct IndexStats {
  int added = 0;
  int updated = 0;
  int deleted = 0;
  int unchanged = 0;
};

/// A running index update. Typical use in a build:
///
///   auto update = search::IndexUpdate::Start(&model, cfg.IndexDir(), jobs, diags);
///   ... render pages (they may read model, including Postmortem::similar) ...
///   search::IndexStats stats;
///   if (!update->Finish(&stats, diags)) { /* error in diags; old index intact */ }
///
/// `site` must stay alive and unmodified (it is read by the writer) until
/// Finish returns or the object is destroyed (which waits for the writer).
class IndexUpdate {
 public:
  /// Works out what changed, fills Postmortem::similar of every postmortem
  /// in `site` (exactly the same results a clean build gives), then starts
  /// writing the Xapian index on ONE background thread and returns. `jobs`
  /// threads (at least 1) may be used before returning. Never null. Errors
  /// are reported by Finish; `diags` is for warnings only.
  static std::unique_ptr<IndexUpdate> Start(model::SiteModel* site, const std::string& index_dir,
                                            int jobs, util::Diagnostics* diags);

  /// False when the writer will not read the postmortems' text any more
  /// (Start wrote every document of a new index itself): the caller may
  /// free the model's plain text (markdown::Rendered::plain_text).
  bool TextNeeded() const;

  /// Waits until the writer has written the similar-incident caches and
  /// freed the term vectors and ranking states they are made from (the
  /// first thing it does), or returns at once when no writer runs. A build
  /// calls it before rendering pages, so the two are never held at once.
  void WaitForCaches();

  /// Waits for the writer. False (error in diags) when the index could not
  /// be written; the previous index is then intact. Call once.
  bool Finish(IndexStats* stats, util::Diagnostics* diags);

  /// Waits for the writer if Finish was not called.
  ~IndexUpdate();

  IndexUpdate(const IndexUpdate&) = delete;
  IndexUpdate& operator=(const IndexUpdate&) = delete;

  struct State;

 private:
  explicit IndexUpdate(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// Brings the index at `index_dir` up to date with `site`, synchronously.
/// Returns false (with an error in `diags`) when the index could not be
/// written; the previous index is then still intact.
bool UpdateIndex(const model::SiteModel& site, const std::string& index_dir,
                 IndexStats* stats, util::Diagnostics* diags);

/// Fills Postmortem::similar (up to 5 per postmortem, leaving out itself and
/// its explicit related ones) from the index at `index_dir` (or the
/// similar-incident cache a build left for exactly this model). The same
/// results as IndexUpdate::Start when the index holds the model's
/// documents. Deterministic.
void ComputeSimilar(const std::string& index_dir, model::SiteModel* site);

}  // namespace casebook::search
