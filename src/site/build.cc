#include "site/build.h"

#include <filesystem>
#include <map>
#include <thread>

#include "model/body_store.h"
#include "render/renderer.h"
#include "render/templates.h"
#include "render/view.h"
#include "search/index_builder.h"
#include "site/build_stamp.h"
#include "site/output_guard.h"
#include "site/publish.h"
#include "site/step_timer.h"
#include "util/build_identity.h"
#include "util/confine.h"
#include "util/datetime.h"
#include "util/fs.h"
#include "util/exit_memory.h"
#include "util/hash.h"
#include "util/parallel.h"

namespace fs = std::filesystem;

namespace casebook::site {
namespace {


// What every output shares besides the postmortems, hashed: casebook,
// site.toml and the options, "today" and the theme (render::RenderOptions::
// inputs_key).
std::string InputsKey(const BuildOptions& options, const Site& site,
                      const render::TemplateSet& templates) {
  const config::SiteConfig& cfg = site.config;
  util::StreamHash h;
  h.AddString(util::BuildIdentity());
  auto config_text = util::ReadFile(cfg.config_path, nullptr);
  h.AddString(config_text ? *config_text : "");
  h.AddString(cfg.source);
  h.AddString(cfg.output);
  // Not cfg.root nor any absolute path: no output depends on where the
  // repository is, so a moved checkout (another CI workspace) reuses it all.
  h.AddInt(options.drafts);
  h.AddInt(options.index);
  h.AddString(util::FormatRfc3339(site.model.today));
  h.AddString(templates.fingerprint());
  return h.Hex();
}

// What the whole site is made from, hashed: the inputs key, every
// postmortem's file (path, bytes, git history) and the static files. The
// output is a pure function of these, so when the key is the one the
// published site was made from, no page needs rendering. "" when a
// postmortem's bytes are unknown (never skip then).
std::string SiteKey(const std::string& inputs_key, const Site& site, const StaticFiles& statics) {
  util::StreamHash h;
  h.AddString(inputs_key);
  h.AddInt(static_cast<int64_t>(site.model.postmortems.size()));
  for (const auto& pm : site.model.postmortems) {
    if (pm.doc.source_hash.empty()) return "";
    h.AddString(pm.doc.relative_path);  // not the absolute path (InputsKey)
    h.AddString(pm.doc.source_hash);
    h.AddInt(pm.history ? 1 : 0);
    if (pm.history) {
      h.AddString(util::FormatRfc3339(pm.history->last_changed));
      h.AddInt(pm.history->commits);
    }
  }
  for (const auto& [rel, full] : statics) {
    auto bytes = util::ReadFile(full, nullptr);
    h.AddString(rel);
    h.AddString(bytes ? util::Fingerprint(*bytes) : "?");
  }
  return h.Hex();
}

// The static files (theme, then site), less any that resolve outside the
// site (reported by content::ReportLinksOutside): those are never read.
StaticFiles StaticFilesInside(const config::SiteConfig& cfg) {
  const std::string theme_static = util::JoinPath(cfg.ThemeDir(), "static");
  StaticFiles statics = ListStaticFiles({theme_static, util::JoinPath(cfg.root, "static")});
  std::vector<std::string> roots = util::AllowedRoots(cfg.root, theme_static);
  for (auto it = statics.begin(); it != statics.end();) {
    if (util::ResolvesOutside(it->second, roots)) it = statics.erase(it);
    else ++it;
  }
  return statics;
}

// The no-change rebuild (build_stamp.h): when the build stamp matches what
// the inputs are now, the index is as the stamped build left it and the
// output is intact, reports what that build reported and returns true.
// `*inputs` gets the stamp of the inputs ("" when none can be trusted).
// When the build must run, `*opened` gets the publisher opened here (its
// manifests read and every published file lstat'd once), for the build to
// use rather than open it again, and `*listing` the source folder's walk,
// for the loader to use rather than walk and stat every file again.
bool Unchanged(const BuildOptions& options, BuildReport* report, util::Diagnostics* diags,
               std::string* inputs, std::unique_ptr<Publisher>* opened,
               content::SourceListing* listing) {
  StepTimer t(&report->timings, "unchanged? (stamp)");
  util::Diagnostics config_diags;
  config::SiteConfig cfg = config::Load(options.config_path, &config_diags);
  if (config_diags.HasErrors()) return false;
  if (options.source) cfg.source = *options.source;
  if (options.output) cfg.output = *options.output;
  const std::string today = util::FormatRfc3339(options.today ? *options.today : util::Today());
  const std::string cache_dir = util::JoinPath(cfg.root, ".casebook");
  // The output's manifest is read and checked (an lstat per file) while the
  // inputs are walked (a stat per file): the two halves of the question.
  std::unique_ptr<Publisher> publisher;
  std::string error;
  util::Diagnostics guard;
  std::thread output_check([&] {
    if (CheckOutputFolder(cfg, cache_dir, &guard) && guard.items().empty())
      publisher = Publisher::Open(cfg.OutputDir(), cache_dir, &error);
  });
  *inputs = BuildInputsStamp(cfg, options, today, listing);
  output_check.join();
  *opened = std::move(publisher);
  if (inputs->empty()) return false;
  std::string stamped_inputs, stamped_index, stamped_keys;
  StampedReport stamped;
  if (!ReadBuildStamp(StampPath(cache_dir, cfg.OutputDir()), &stamped_inputs, &stamped_index,
                      &stamped_keys, &stamped) ||
      stamped_inputs != *inputs || stamped_keys.empty() ||
      (options.index && (stamped_index.empty() || IndexStamp(cfg.IndexDir()) != stamped_index)))
    return false;
  Publisher* pub = opened->get();
  if (!pub || pub->PublishedSiteKey() != stamped_keys || !pub->Exact() ||
      !pub->AllIntact(/*as_opened=*/true))
    return false;
  // Its manifest (134,500 entries at 100,000 postmortems) is left to the
  // process's end, like the model of a build (BuildOptions::free_memory):
  // freeing it entry by entry took ~30 ms here.
  if (options.free_memory) opened->reset();
  else Publisher::LeaveToExit(std::move(*opened));
  report->postmortems = stamped.postmortems;
  report->drafts_left_out = stamped.drafts_left_out;
  report->skipped = stamped.skipped;
  report->files_total = stamped.files_total;
  report->files_written = 0;
  report->output_dir = cfg.OutputDir();
  report->relative_urls = cfg.relative_urls;
  report->base_path = cfg.BasePath();
  diags->Append(stamped.diags);
  report->published = true;
  return true;
}

}  // namespace

bool Build(const BuildOptions& options, BuildReport* report,
           util::Diagnostics* diags) {
  const size_t first_finding = diags->items().size();
  std::string stamp_inputs;
  std::unique_ptr<Publisher> opened;  // by Unchanged, for the same output folder
  content::SourceListing listing;     // by Unchanged: the source folder's walk
  if (options.cache && Unchanged(options, report, diags, &stamp_inputs, &opened, &listing))
    return true;
  // A build never reads the Markdown once rendered (pages and the index use
  // the rendered body, read from the render cache when needed), so only
  // changed files' bodies are loaded (LoadOptions::bodies).
  BuildOptions load_options = options;
  load_options.markdown_bodies = false;
  auto site = LoadSite(load_options, diags, &report->timings, &listing);
  listing = content::SourceListing{};  // ~15 MB at 100,000: not held through the build
  if (!site) return false;
  // The front matter's line numbers are not read again either, nor the
  // body's links and the paths they were resolved by (the model has worked
  // out what they link; a body rendered again replays Postmortem::answers):
  // give their memory to what comes next.
  for (auto& pm : site->model.postmortems) {
    std::string().swap(pm.doc.body);
    pm.doc.key_lines.Release();
    std::vector<markdown::DocLink>().swap(pm.body.links);
  }
  decltype(site->model.by_path)().swap(site->model.by_path);
  // And what building the model left spare in each postmortem's vectors
  // and strings (~1 KB each): the model is held through the steps that
  // need the most memory.
  auto& pms = site->model.postmortems;
  util::ParallelFor(pms.size(), JobsFor(options), [&](size_t i) { model::ShrinkToFit(&pms[i]); });
  const config::SiteConfig& cfg = site->config;
  report->postmortems = static_cast<int>(site->model.postmortems.size());
  report->drafts_left_out = static_cast<int>(site->loaded.drafts.size());
  report->skipped = site->loaded.skipped;
  report->output_dir = cfg.OutputDir();
  report->relative_urls = cfg.relative_urls;
  report->base_path = cfg.BasePath();
  // Before anything is written beside the archive's own cache.
  const std::string cache_dir = util::JoinPath(cfg.root, ".casebook");
  if (!CheckOutputFolder(cfg, cache_dir, diags)) {
    report->refused = true;
    return false;
  }
  content::ReportLinksOutside(cfg, diags);  // theme, layouts, static, archetypes

  std::unique_ptr<render::TemplateSet> templates;
  {
    StepTimer t(&report->timings, "load theme");
    templates = render::TemplateSet::Load(cfg, diags);
  }
  if (!templates) return false;

  // The index is only touched when the input is good, so a build with
  // errors in its postmortems leaves the previous index (like the previous
  // site) in place. Start fills the similar incidents the pages show (and,
  // when there is no index yet, writes its shards), then writes the rest of
  // the index on a thread of its own while the pages render.
  // An incremental build makes the render's View beside the similar step,
  // which leaves a core idle much of the time and writes nothing the View
  // reads when it is made (only Postmortem::similar). Not a clean build:
  // there the View waits for the similar step's memory to be given back
  // (IndexUpdate::WaitForCaches), which is that build's peak.
  struct EarlyView {
    std::unique_ptr<render::View> view;
    std::thread thread;
    std::unique_ptr<render::View> Take() {
      if (thread.joinable()) thread.join();
      return std::move(view);
    }
    ~EarlyView() {
      if (thread.joinable()) thread.join();
    }
  } early_view;
  if (options.cache && opened && !opened->PublishedSiteKey().empty() && !diags->HasErrors()) {
    const model::SiteModel* model = &site->model;
    early_view.thread = std::thread([&early_view, model] {
      early_view.view = std::make_unique<render::View>(*model);
    });
  }
  std::unique_ptr<search::IndexUpdate> index_update;
  if (options.index && !diags->HasErrors()) {
    StepTimer t(&report->timings, "similar (+ new index)");
    index_update = search::IndexUpdate::Start(&site->model, cfg.IndexDir(), JobsFor(options), diags);
    // Pages never read the plain text (only the index does).
    if (!index_update->TextNeeded())
      for (auto& pm : site->model.postmortems) std::string().swap(pm.body.plain_text);
  }

  // Files go straight from the render threads into the staging folder
  // (publish.h), so the site is never held in memory all at once.
  std::string error;
  std::unique_ptr<Publisher> publisher =
      opened && opened->OpenedFor(cfg.OutputDir(), cache_dir)
          ? std::move(opened)
          : Publisher::Open(cfg.OutputDir(), cache_dir, &error);
  opened.reset();
  if (!publisher) {
    diags->Error(cfg.OutputDir(), 0, "output/write", error,
                 "check the folder's permissions; the previous site is unchanged");
    return false;
  }
  StaticFiles statics = StaticFilesInside(cfg);
  // Files beside postmortems are published like static files (static/ wins).
  for (const auto& [output, file] : site->model.attachments) statics.emplace(output, file);
  const std::string inputs_key = InputsKey(options, *site, *templates);
  std::string site_key = SiteKey(inputs_key, *site, statics);
  // The manifest's header holds the site key and the lists key
  // (render::RenderOptions::lists_key), space-separated.
  const std::string published = publisher->PublishedSiteKey();
  const size_t space = published.find(' ');
  const std::string published_site_key = published.substr(0, space);
  const std::string published_lists_key =
      space == std::string::npos ? std::string() : published.substr(space + 1);
  std::string lists_key;
  if (options.cache && !site_key.empty() && site_key == published_site_key &&
      publisher->KeepAll()) {
    // Nothing the site is made from changed, and the output is intact.
    report->files_total = 0;
  } else {
    StepTimer t(&report->timings, "render + write");
    // The index writer's first task writes the similar-incident caches and
    // frees the term vectors and ranking states they are made from: wait
    // for it, so they are never held together with the View being made and
    // the pages (that overlap was a clean build's peak: 462 MB at 30,000
    // postmortems, 425 MB once they were freed). Only when the index was
    // made anew (a clean build, whose every term vector was made): an edit's
    // build keeps rendering meanwhile, its wall time is what matters there.
    if (index_update && !index_update->TextNeeded()) index_update->WaitForCaches();
    render::RenderOptions render_options;
    render_options.jobs = JobsFor(options);
    render_options.free_memory = options.free_memory;
    Publisher* pub = publisher.get();
    render_options.lists_key = &lists_key;
    model::SiteModel* model = &site->model;  // the renderer reads it as const
    // What only the postmortem's own page reads (RenderOptions::
    // postmortem_page_done), freed before the list pages build their items.
    render_options.view = [&early_view] { return early_view.Take(); };
    render_options.postmortem_page_done = [model](int index) {
      model::Postmortem& pm = model->postmortems[static_cast<size_t>(index)];
      std::string().swap(pm.body.html);
      std::vector<markdown::Heading>().swap(pm.body.headings);
      std::vector<std::string>().swap(pm.timeline_html);
      std::string().swap(pm.lessons);
      std::string().swap(pm.lessons_heading);
    };
    if (options.cache) {
      render_options.inputs_key = inputs_key;
      render_options.published_lists_key = published_lists_key;
      render_options.published_key = [pub](const std::string& path) {
        return pub->PublishedKey(path);
      };
      render_options.keep_published = [pub](const std::string& path, std::string_view key) {
        return pub->KeepPublished(path, key);
      };
      // The fragment tables of postmortems.json and actions.csv, one set
      // per output folder, named as its manifest is (render/fragments.h).
      const std::string tables = util::JoinPath(
          cache_dir,
          "fragments-" + util::Fingerprint(FolderName(cache_dir, cfg.OutputDir())).substr(0, 16) + "-");
      render_options.fragment_table = [tables](const std::string& path) { return tables + path; };
      render_options.published_file = [out = cfg.OutputDir()](const std::string& path) {
        return util::JoinPath(out, path);
      };
    }
    render_options.sink = [pub](render::OutputFile& file, std::string* err) {
      if (file.reuse) {
        pub->Keep(file.path, file.key);
        return true;
      }
      return pub->Put(file.path, file.key, file.content, err);
    };
    // The large files go to staging a piece at a time.
    render_options.open_stream = [pub](const std::string& path, std::string* err)
        -> std::unique_ptr<render::OutputStream> {
      struct Staged : render::OutputStream {
        std::unique_ptr<Publisher::Stream> stream;
        bool Write(std::string_view bytes, std::string* e) override { return stream->Write(bytes, e); }
        bool Close(const std::string& key, std::string* e) override { return stream->Close(key, e); }
      };
      auto staged = std::make_unique<Staged>();
      staged->stream = pub->OpenStream(path, err);
      if (!staged->stream) return nullptr;
      return staged;
    };
    const size_t findings = diags->items().size();
    for (const auto& file : render::RenderSite(site->model, *templates, render_options, diags))
      report->pages_rendered += file.reuse ? 0 : 1;
    // A render that had something to say must run again next time.
    if (diags->items().size() != findings) site_key.clear();
  }
  if (site_key.empty()) lists_key.clear();
  if (lists_key.empty() && site_key == published_site_key) lists_key = published_lists_key;
  if (index_update) {
    StepTimer t(&report->timings, "search index (rest)");
    search::IndexStats stats;
    if (!index_update->Finish(&stats, diags)) return false;
  }
  // A body neither the render cache nor its file could give (body_store.h).
  if (site->model.body_store) diags->Append(site->model.body_store->Failures());
  if (diags->HasErrors()) return false;

  {
    StepTimer t(&report->timings, "publish");
    PublishStats stats;
    const std::string keys = site_key.empty() ? std::string() : site_key + " " + lists_key;
    if (!publisher->Commit(statics, keys, &stats, &error)) {
      diags->Error(cfg.OutputDir(), 0, "output/write", error,
                   "check the folder's permissions and free disk space; the previous "
                   "site is unchanged");
      return false;
    }
    report->files_written = stats.written;
    report->files_total = stats.written + stats.unchanged;
  }
  if (!stamp_inputs.empty() && !site_key.empty()) {
    // What the next build needs to know it has nothing to do (build_stamp.h).
    StampedReport stamped;
    stamped.postmortems = report->postmortems;
    stamped.drafts_left_out = report->drafts_left_out;
    stamped.files_total = report->files_total;
    stamped.skipped = report->skipped;
    for (size_t i = first_finding; i < diags->items().size(); ++i)
      stamped.diags.Add(diags->items()[i]);
    WriteBuildStamp(StampPath(cache_dir, cfg.OutputDir()), stamp_inputs,
                    options.index ? IndexStamp(cfg.IndexDir()) : std::string(),
                    site_key + " " + lists_key, stamped);
  }
  report->published = true;
  if (!options.free_memory) {  // see BuildOptions::free_memory
    util::LeaveToExit(std::move(site));
    // Its three manifests (the output's, staging's and the new site's,
    // 134,500 entries each at 100,000 postmortems): freeing them
    // entry by entry took ~60 ms at the end of an edit's build.
    Publisher::LeaveToExit(std::move(publisher));
  }
  return true;
}

}  // namespace casebook::site
