// The build pipeline, step by step:
//
//   config::Load(site.toml) -> content::LoadAll -> model::BuildSiteModel
//   -> search::IndexUpdate::Start (similar incidents; the index is then
//      written on a thread of its own, alongside rendering)
//   -> render::RenderSite, each file streamed into site::Publisher's staging
//   -> IndexUpdate::Finish -> Publisher::Commit (atomic swap into the output)
//
// Each step is timed (shown with --verbose). Problems in the input are
// reported as diagnostics; the build goes on to report every one, and only
// publishes when there is no error, so a failed build leaves the previously
// published site as it was.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "content/loader.h"
#include "model/site_model.h"
#include "util/datetime.h"
#include "util/diagnostics.h"

namespace casebook::site {

struct BuildOptions {
  std::string config_path = "site.toml";
  std::optional<std::string> source;  // overrides site.toml `source`
  std::optional<std::string> output;  // overrides site.toml `output`
  bool drafts = false;
  bool verbose = false;
  std::optional<util::DateTime> today;  // default: util::Today()
  int jobs = 0;                         // 0 = number of cores
  bool index = true;                    // write the search index
  bool cache = true;                    // skip pages whose inputs are unchanged
  /// False when the process exits right after the build (the CLI): the
  /// model is then left to the OS instead of freed object by object, which
  /// takes ~0.3 s of CPU at 10,000 postmortems.
  bool free_memory = true;
  /// False: each postmortem's Markdown is not kept in the model (loaded
  /// only for files that changed, released once rendered). Build sets it;
  /// LoadSite's other callers (brief, actions) read the Markdown.
  bool markdown_bodies = true;
};

/// A loaded archive: the config and the model that points into it. Kept
/// together (and not copyable) so the model's config pointer stays valid.
struct Site {
  config::SiteConfig config;
  model::SiteModel model;
  content::LoadResult loaded;  // documents moved out; skipped/drafts kept
};

struct StepTime {
  std::string step;
  double seconds = 0;
  double cpu_seconds = 0;  // user + system, all threads
  long peak_rss_kb = 0;    // the process's peak so far, at the step's end
};

struct BuildReport {
  int postmortems = 0;
  int files_written = 0;   // files whose bytes changed
  int files_total = 0;
  int pages_rendered = 0;  // pages and data files made anew (the rest reused)
  int drafts_left_out = 0;
  std::string output_dir;
  bool relative_urls = true;  // site.toml's relative_urls: pages work from disk
  std::string base_path = "/";  // where `casebook serve` shows the site
  std::vector<StepTime> timings;
  std::vector<std::string> skipped;  // what the loader skipped, with reasons
  bool published = false;
  bool refused = false;  // the output folder may not be replaced (output_guard.h)
};

/// Reads config and content and builds the model (no output). For build,
/// brief, actions and serve. Returns nullptr when the config has errors.
/// `listing`: the source folder as a stat walk of this build found it
/// (content::LoadOptions::listing), or null.
std::unique_ptr<Site> LoadSite(const BuildOptions& options,
                               util::Diagnostics* diags,
                               std::vector<StepTime>* timings = nullptr,
                               const content::SourceListing* listing = nullptr);

/// The whole build. Returns true when the site was published.
bool Build(const BuildOptions& options, BuildReport* report,
           util::Diagnostics* diags);

}  // namespace casebook::site
