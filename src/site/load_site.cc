// LoadSite: config -> content -> model, the first half of the pipeline
// (build.cc has the rest). Also used by brief, actions and serve.
#include "content/git_history.h"
#include "site/build.h"
#include "site/step_timer.h"
#include "util/fs.h"

namespace casebook::site {

std::unique_ptr<Site> LoadSite(const BuildOptions& options,
                               util::Diagnostics* diags,
                               std::vector<StepTime>* timings,
                               const content::SourceListing* listing) {
  auto site = std::make_unique<Site>();
  {
    StepTimer t(timings, "config");
    util::Diagnostics config_diags;
    site->config = config::Load(options.config_path, &config_diags);
    diags->Append(config_diags);
    if (config_diags.HasErrors()) return nullptr;
    if (options.source) site->config.source = *options.source;
    if (options.output) site->config.output = *options.output;
  }
  if (!util::IsDirectory(site->config.SourceDir())) {
    diags->Error(site->config.config_path, 0, "config/source",
                 "source folder " + site->config.SourceDir() + " does not exist",
                 "create it, or set `source` in site.toml (or --source) to the folder "
                 "holding your postmortems");
    return nullptr;
  }
  // The build cache for parsed and rendered postmortems (content/load_cache.h,
  // model/render_cache.h), beside the page cache; --no-cache goes without.
  const std::string cache_dir =
      options.cache ? util::JoinPath(site->config.root, ".casebook") : std::string();
  content::GitHistory history;
  {
    StepTimer t(timings, "git history");
    history = content::GitHistory::Read(site->config.SourceDir());
  }
  // The render cache is read while the content loads (both are read at
  // every build; a one-file edit spends most of these two steps on them).
  model::RenderCacheReadAhead render_cache(site->config, cache_dir, JobsFor(options));
  {
    StepTimer t(timings, "load content");
    content::LoadOptions load_options;
    load_options.include_drafts = options.drafts;
    load_options.jobs = JobsFor(options);
    load_options.cache_dir = cache_dir;
    load_options.bodies = options.markdown_bodies;
    load_options.listing = listing;
    site->loaded = content::LoadAll(site->config, load_options, diags, &history);
  }
  {
    StepTimer t(timings, "build model");
    model::BuildModelOptions model_options;
    model_options.today = options.today ? *options.today : util::Today();
    model_options.jobs = JobsFor(options);
    model_options.cache_dir = cache_dir;
    model_options.keep_markdown = options.markdown_bodies;
    model_options.read_ahead = &render_cache;
    site->model = model::BuildSiteModel(site->config, std::move(site->loaded.documents),
                                        history, model_options, diags);
    site->loaded.documents.clear();
  }
  return site;
}

}  // namespace casebook::site
