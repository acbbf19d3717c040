// SiteModel: the whole archive, resolved. Built once per build from the
// loaded Documents; read-only afterwards (safe to read from many threads).
//
// Build() renders each body's Markdown (resolving links between postmortems),
// derives incident dates and durations, sorts newest first, groups by
// taxonomy and by date, and links incidents to each other. Problems (a
// duplicate id, a broken link, an unknown `related` id) go to `diags`; the
// affected postmortem is still published where that is safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "content/document.h"
#include "content/git_history.h"
#include "model/postmortem.h"
#include "util/datetime.h"
#include "util/diagnostics.h"

namespace casebook::model {

struct Term {
  std::string name;  // as first written (the most common spelling wins)
  std::string slug;
  std::string description;   // for severity: from site.toml
  std::string color;         // for severity: from site.toml
  std::vector<int> postmortems;  // newest first
};

struct Taxonomy {
  std::string key;    // "tags", "services", "severity", "categories", ...
  std::string label;  // "Tags", "Services", "Severity", "Categories"
  std::vector<Term> terms;  // severity: site.toml order; else by name
  const Term* FindBySlug(const std::string& slug) const;
};

struct ArchiveMonth {
  int month = 1;                 // 1..12
  std::vector<int> postmortems;  // newest first
};

struct ArchiveYear {
  int year = 0;
  std::vector<ArchiveMonth> months;  // newest first
  int count = 0;
};

/// One action item across the archive, with its postmortem.
struct ActionRef {
  int postmortem = -1;
  int action = -1;  // index into doc.actions
};

struct SiteModel {
  const config::SiteConfig* config = nullptr;
  util::DateTime today;  // "today" for overdue logic (fixed by --today)
  std::vector<Postmortem> postmortems;  // newest incident first, then id
  std::unordered_map<std::string, int> by_id;    // id -> index
  std::unordered_map<std::string, int> by_path;  // relative_path -> index
  std::vector<Taxonomy> taxonomies;    // in site.toml order
  std::vector<ArchiveYear> archive;    // newest year first
  std::vector<ActionRef> actions;      // open first, then by due date
  /// Files published beside the postmortems (model/attachments.h): path
  /// in the output -> file on disk, e.g. "postmortems/db-outage/graph.png"
  /// (a page bundle's) or "files/2024/latency.png" (linked from a page).
  std::map<std::string, std::string> attachments;
  /// The render cache's text file the postmortems' stored bodies are read
  /// from (Postmortem::stored); null without a cache.
  std::shared_ptr<BodyStore> body_store;

  const Taxonomy* FindTaxonomy(const std::string& key) const;
  const Postmortem* FindById(const std::string& id) const;
};

/// The render cache (model/render_cache.h) read on a thread of its own:
/// made before the content loads, so that both build caches are read at
/// once (the content's on the other cores), and handed to BuildSiteModel
/// (BuildModelOptions::read_ahead), which then does not read it again.
/// Only a read: its records are checked exactly as those of a read by
/// BuildSiteModel itself, and used only by a build of the same config
/// object (unchanged in between) and `cache_dir`.
class RenderCacheReadAhead {
 public:
  RenderCacheReadAhead(const config::SiteConfig& cfg, const std::string& cache_dir, int jobs);
  ~RenderCacheReadAhead();  // waits for the read
  RenderCacheReadAhead(const RenderCacheReadAhead&) = delete;
  RenderCacheReadAhead& operator=(const RenderCacheReadAhead&) = delete;
  struct Read;  // the records and the text file's generation (links.cc)
  struct FreeRead {
    void operator()(Read* read) const;
  };
  using ReadPtr = std::unique_ptr<Read, FreeRead>;
  /// Waits for the read and gives it away (once): null when it was made
  /// for another config object or cache folder.
  ReadPtr Take(const config::SiteConfig& cfg, const std::string& cache_dir);

 private:
  const config::SiteConfig* cfg_;
  std::string cache_dir_;
  ReadPtr read_;
  std::unique_ptr<std::thread> thread_;
};

struct BuildModelOptions {
  util::DateTime today;
  int jobs = 1;  // threads for rendering Markdown
  /// When set (e.g. "<root>/.casebook"), rendered Markdown is cached there
  /// and unchanged documents are not rendered again (model/render_cache.h).
  /// Documents need their source_hash (LoadAll sets it). Same results.
  std::string cache_dir;
  /// False: each document's Markdown (doc.body) is released once rendered,
  /// and a document loaded without it (content::LoadOptions::bodies) is
  /// read from its file only when it must be rendered again. A build sets
  /// it; commands that read the Markdown keep it.
  bool keep_markdown = true;
  /// The render cache already being read (for `cache_dir`), or null.
  RenderCacheReadAhead* read_ahead = nullptr;
};

/// Builds the model. Takes the documents by value (moved in).
SiteModel BuildSiteModel(const config::SiteConfig& cfg,
                         std::vector<content::Document> docs,
                         const content::GitHistory& history,
                         const BuildModelOptions& options,
                         util::Diagnostics* diags);

/// The folder name of a taxonomy term (util::SafeSlug with "_term-" for
/// values that slug to nothing, e.g. "🔥"; control characters ignored).
std::string TermSlug(std::string_view value);
/// The folder name of an action owner's page (actions/owner/<slug>/).
std::string OwnerSlug(std::string_view owner);
/// A date from 1970-01-01 up to `days_ahead` days after `today` (no upper
/// bound when today is unset, i.e. the epoch).
bool IsPlausibleDate(const util::DateTime& t, const util::DateTime& today, int days_ahead = 365);

/// Durations from incident times (UTC): detect = detected - started, ...
Durations ComputeDurations(const content::IncidentTimes& t);

/// "Tags" from "tags", "Services" from "services", "Categories", ...
std::string TaxonomyLabel(const std::string& key);

}  // namespace casebook::model
