// RenderSite: the list of every output file, in a fixed order: home, the
// postmortem pages, taxonomy and term pages with their feeds, the date
// archive, the action tracker (actions/, by owner, by status), stats/,
// search, 404, then feed.xml, sitemap.xml, postmortems.json and actions.csv.
//
// The files are planned first (paths checked, one job per file), then the
// jobs run on `jobs` threads, postmortem pages first, then the others
// heaviest first; each job writes only its own slot, and the
// slots and their diagnostics are collected in plan order, so the output
// does not depend on the number of threads. A path that would leave the
// output folder, or one planned twice (e.g. a taxonomy named "archive"), is
// an error and is skipped.
#include "render/renderer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "render/fragments.h"
#include "render/outputs.h"
#include "render/templates.h"
#include "render/urls.h"
#include "render/view.h"
#include "util/build_identity.h"
#include "util/exit_memory.h"
#include "util/hash.h"
#include "util/parallel.h"
#include "util/text.h"

namespace casebook::render {

namespace {

// With CASEBOOK_RENDER_PROFILE in the environment, the render's phases and
// every job that took over a second are printed to stderr (wall seconds
// since the render started), to see what a large build waits on.
double RenderClock() {
  using clock = std::chrono::steady_clock;
  static const clock::time_point start = clock::now();
  return std::chrono::duration<double>(clock::now() - start).count();
}
bool RenderProfile() {
  static const bool on = std::getenv("CASEBOOK_RENDER_PROFILE") != nullptr;
  return on;
}
void RenderMark(const std::string& what, double since = -1) {
  if (!RenderProfile()) return;
  const double now = RenderClock();
  if (since >= 0)
    std::fprintf(stderr, "  [render] %8.2f s  %-40s %.2f s\n", now, what.c_str(), now - since);
  else
    std::fprintf(stderr, "  [render] %8.2f s  %s\n", now, what.c_str());
}

/// A relative output path with no "..", ".", empty or absolute segments.
/// Checked in place: every planned file (~135,000 at 100,000 postmortems)
/// passes here on the main thread, and splitting each path into strings
/// was most of planning's time.
bool IsSafeOutputPath(std::string_view path) {
  if (path.empty() || path[0] == '/' || path.find('\\') != std::string_view::npos) return false;
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    const std::string_view seg =
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

struct Job {
  std::string path;
  std::function<std::string(util::Diagnostics*)> make;  // files made in C++
  /// Large files made in C++, written a piece at a time (see OutputStream).
  std::function<void(ChunkOut&)> stream;
  /// Told the key and size of a streamed file once it is written (its
  /// fragment table is saved then). Optional.
  std::function<void(const std::string& key, uint64_t size)> streamed;
  std::string tmpl;                   // pages: the template ...
  std::function<util::Value()> data;  // ... and the view data
  /// Hashes what the file is made from besides the shared inputs (see
  /// View::SourceKey); false when that is unknown. Optional.
  std::function<bool(util::StreamHash*)> inputs;
  /// Roughly how much work the file is (postmortems it shows): heavy files
  /// start first, so no thread is left with a long one at the end.
  size_t weight = 1;
  /// A postmortem's own page (the only kind of file that reads a body):
  /// the postmortem's index; -1 for other files.
  int postmortem_page = -1;
  /// Shows what search found similar among other postmortems (a service's
  /// page 1, its recurring pairs): no list key covers that, so the page is
  /// never kept by the lists key alone.
  bool shows_similar = false;
};

class Plan {
 public:
  /// `relative_base`: the base path pages link with when site.toml asks for
  /// relative URLs (see RelativizeHtml), else "".
  Plan(const TemplateSet& templates, std::string relative_base, util::Diagnostics* diags)
      : templates_(templates), relative_base_(std::move(relative_base)), diags_(diags),
        salt_(util::BuildIdentity() + '\0' + templates_.fingerprint() + '\0' + relative_base_) {}

  /// A page at `url_path` (+ "index.html" for "dir/" and "") from template
  /// `tmpl`; `data` builds its view on the worker thread.
  bool Page(const std::string& url_path, const std::string& tmpl, std::function<util::Value()> data,
            bool in_sitemap = true) {
    std::string file = url_path.empty() || url_path.back() == '/' ? url_path + "index.html" : url_path;
    if (!File(std::move(file), nullptr)) return false;
    jobs_.back().tmpl = tmpl;
    jobs_.back().data = std::move(data);
    if (in_sitemap) pages_.push_back(url_path);
    return true;
  }

  /// Gives the file just planned (when Page or File returned true) an input
  /// key: with RenderOptions::inputs_key, it is skipped when the key is the
  /// published one, before its data is built.
  void Inputs(std::function<bool(util::StreamHash*)> inputs) { jobs_.back().inputs = std::move(inputs); }
  /// Sets the weight (Job::weight) of the file just planned.
  void Weight(size_t weight) { jobs_.back().weight = weight; }
  /// Marks the file just planned as postmortem `index`'s own page.
  void PostmortemPage(int index) { jobs_.back().postmortem_page = index; }
  /// Marks the file just planned as one that shows similar incidents (Job::shows_similar).
  void ShowsSimilar() { jobs_.back().shows_similar = true; }

  /// Room for `n` files.
  void Reserve(size_t n) {
    jobs_.reserve(n);
    paths_.reserve(n);
    pages_.reserve(n);
  }

  /// A large file made in C++ a piece at a time (Job::stream).
  bool Stream(const std::string& path, std::function<void(ChunkOut&)> write,
              std::function<void(const std::string& key, uint64_t size)> streamed = {}) {
    if (!File(path, nullptr)) return false;
    jobs_.back().stream = std::move(write);
    jobs_.back().streamed = std::move(streamed);
    return true;
  }

  bool File(std::string path, std::function<std::string(util::Diagnostics*)> make) {
    if (!IsSafeOutputPath(path)) {
      Error(path, "refusing to write outside the output folder: \"" + path + "\"");
      return false;
    }
    if (!paths_.insert(path).second) {
      Error(path, "two pages would be written to \"" + path + "\"; the second is left out",
            "rename the taxonomy or the postmortem id so the URLs differ");
      return false;
    }
    jobs_.push_back({std::move(path), std::move(make), {}, {}, {}, {}, {}, 1, -1});
    return true;
  }

  /// Runs every job on up to `threads` threads; results in plan order.
  /// Files whose key is unchanged are not rendered (see OutputFile::key).
  /// With `lists_unchanged`, every intact published file but the
  /// postmortem pages and the pages that show similar incidents is kept as
  /// it is (see RenderOptions::lists_key).
  /// `between` runs once every postmortem page is done, before the other
  /// files (no job runs meanwhile).
  std::vector<OutputFile> Run(const RenderOptions& options, int threads, bool lists_unchanged,
                              const std::function<void()>& between) {
    size_t n = jobs_.size();
    std::vector<OutputFile> files(n);
    std::vector<util::Diagnostics> diags(n);
    // Postmortem pages first (each may free its body when done: see
    // RenderOptions::postmortem_page_done), then the rest heaviest first;
    // results still go to their plan slots.
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const bool pa = jobs_[a].postmortem_page >= 0, pb = jobs_[b].postmortem_page >= 0;
      if (pa != pb) return pa;
      return jobs_[a].weight > jobs_[b].weight;
    });
    size_t pages = 0;  // postmortem pages, first in `order`
    while (pages < n && jobs_[order[pages]].postmortem_page >= 0) ++pages;
    auto run = [&](size_t k) {
      const size_t i = order[k];
      const Job& job = jobs_[i];
      const double job_start = RenderProfile() ? RenderClock() : 0;
      struct Timed {  // (CASEBOOK_RENDER_PROFILE) a job that took over a second
        const std::string& path;
        double start;
        ~Timed() {
          if (RenderProfile() && RenderClock() - start > 1.0) RenderMark("job " + path, start);
        }
      } timed{job.path, job_start};
      OutputFile& file = files[i];
      file.path = job.path;
      struct PageDone {  // tells the caller, however the job ends
        const RenderOptions& options;
        int index;
        ~PageDone() {
          if (index >= 0 && options.postmortem_page_done) options.postmortem_page_done(index);
        }
      } page_done{options, job.postmortem_page};
      // A file the lists key covers, kept as published when it is intact.
      const bool kept_by_lists = lists_unchanged && job.postmortem_page < 0 &&
                                 !job.shows_similar && options.published_key;
      if (kept_by_lists && options.keep_published) {
        if (options.keep_published(job.path, std::string_view())) {
          file.reuse = true;
          return;
        }
      } else if (kept_by_lists) {
        file.key = std::string(options.published_key(job.path));
        if (!file.key.empty()) {
          file.reuse = true;
          if (options.sink) {
            std::string error;
            options.sink(file, &error);  // keeping a published file cannot fail
          }
          return;
        }
      }
      // Two kinds of keys: from the inputs (cheap; the data is not built
      // when the file is unchanged), else from the page's view data.
      file.key = InputsKey(job, options);
      const bool keyed = !file.key.empty();
      auto published = [&] {
        return options.published_key && options.published_key(job.path) == file.key;
      };
      if (keyed && options.keep_published) {
        // Compared and kept in one lookup (~100,000 unchanged postmortem
        // pages at 100,000 postmortems): no sink call, no second search.
        if (options.keep_published(job.path, file.key)) {
          file.reuse = true;
          return;
        }
      }
      if (keyed && !options.keep_published && published()) {
        file.reuse = true;
      } else if (job.stream && options.sink && options.open_stream) {
        WriteStream(job, options, &file, &diags[i]);
        return;
      } else if (job.stream) {
        file.content = Collect(job.stream);
      } else if (!job.data) {
        file.content = job.make(&diags[i]);
      } else {
        util::Value data = job.data();
        if (!keyed) {
          util::StreamHash key;
          key.AddString(salt_);
          key.AddString(job.tmpl);
          data.AddHash(&key);
          file.key = key.Hex();
        }
        if (!keyed && published()) {
          file.reuse = true;
        } else {
          file.content = templates_.Render(job.tmpl, data, &diags[i]);
          // 404.html is served for unknown URLs at any depth: it keeps
          // absolute links.
          if (!relative_base_.empty() && job.path != "404.html")
            file.content = RelativizeHtml(file.content, job.path, relative_base_);
        }
      }
      // Control characters (a NUL or an ESC from a postmortem, in a body
      // cmark passed through) never reach a published file; JSON escapes
      // its own, so this only ever changes raw bytes.
      if (util::HasControls(file.content)) file.content = util::StripControls(file.content);
      // A file with problems is never reused: its diagnostics must come
      // again on the next build.
      if (!diags[i].items().empty() && !file.key.empty())
        file.key = util::Fingerprint(file.key + "!");
      if (options.sink) {
        std::string error;
        if (!options.sink(file, &error)) {
          diags[i].Error(job.path, 0, "output/write", error,
                         "check the folder's permissions and free disk space; the previous "
                         "site is unchanged");
        }
        file.content.clear();
        file.content.shrink_to_fit();
      }
    };
    RenderMark("postmortem pages start");
    util::ParallelFor(pages, threads, run);
    RenderMark("postmortem pages done");
    if (between) between();
    RenderMark("other files start");
    util::ParallelFor(n - pages, threads, [&](size_t k) { run(pages + k); });
    RenderMark("other files done");
    if (diags_) {
      for (const auto& d : diags) diags_->Append(d);
    }
    return files;
  }

  /// The pages planned so far for the sitemap, moved out (the plan has no
  /// more use for them: ~100,000 paths at 100,000 postmortems).
  std::vector<std::string> TakePages() { return std::move(pages_); }
  /// How many files are planned (the last one planned is size() - 1).
  size_t size() const { return jobs_.size(); }

  /// File `index`'s key from its inputs (Job::inputs), "" when it has none
  /// or they are unknown.
  std::string InputsKey(size_t index, const RenderOptions& options) const {
    return InputsKey(jobs_[index], options);
  }

 private:
  std::string InputsKey(const Job& job, const RenderOptions& options) const {
    if (!job.inputs || options.inputs_key.empty()) return std::string();
    // What every file's key starts with, hashed once (a run keys every
    // file: ~135,000 at 100,000 postmortems).
    std::call_once(inputs_prefix_once_, [&] {
      inputs_prefix_.AddString(salt_);
      inputs_prefix_.AddString("inputs");
      inputs_prefix_.AddString(options.inputs_key);
    });
    util::StreamHash key = inputs_prefix_;
    key.AddString(job.path);
    key.AddString(job.tmpl);
    return job.inputs(&key) ? key.Hex() : std::string();
  }

  /// Writes a streamed job's file through options.open_stream, controls
  /// stripped chunk by chunk (ChunkOut never splits one).
  static void WriteStream(const Job& job, const RenderOptions& options, OutputFile* file,
                          util::Diagnostics* diags) {
    std::string error;
    std::unique_ptr<OutputStream> out = options.open_stream(job.path, &error);
    if (out) {
      ChunkOut chunks([&](std::string_view piece) {
        if (!util::HasControls(piece)) return out->Write(piece, &error);
        return out->Write(util::StripControls(piece), &error);
      });
      job.stream(chunks);
      // (A file with problems would get a key of its own, as in Run; these
      // report none.)
      if (chunks.Finish() && out->Close(file->key, &error)) {
        if (job.streamed) job.streamed(file->key, chunks.position());
        return;
      }
    }
    diags->Error(job.path, 0, "output/write", error,
                 "check the folder's permissions and free disk space; the previous "
                 "site is unchanged");
  }

  void Error(const std::string& path, const std::string& message, const std::string& hint = {}) {
    if (diags_) diags_->Error(path, 0, "render/path", message, hint);
  }

  const TemplateSet& templates_;
  const std::string relative_base_;
  util::Diagnostics* diags_;
  const std::string salt_;  // in every key: casebook, the theme, the links' base
  // InputsKey's first part: the salt and RenderOptions::inputs_key (one
  // set of options per plan).
  mutable std::once_flag inputs_prefix_once_;
  mutable util::StreamHash inputs_prefix_;
  std::vector<Job> jobs_;
  std::unordered_set<std::string> paths_;  // (only asked whether a path is taken)
  std::vector<std::string> pages_;
};


/// A file made of fragments (render/fragments.h) as one render writes it:
/// the published file's fragments while it is written, then its table.
struct FragmentFile {
  std::string path, table_path, published_file;  // table_path "": no fragments
  std::function<std::string_view(const std::string& path)> published_key;
  std::unique_ptr<PublishedFragments> published;
  FragmentTable table;
  FragmentIo io;
  /// What the writer reuses and records (nullptr: no fragments).
  const FragmentIo* Start() {
    if (table_path.empty()) return nullptr;
    if (published_key && !published_file.empty())
      published =
          PublishedFragments::Open(table_path, published_file, std::string(published_key(path)));
    io.published = published.get();
    io.table = &table;
    return &io;
  }
  /// The file was written with `key`: its table is saved for the next build.
  void Save(const std::string& key, uint64_t size) {
    if (!table_path.empty())
      RenderMark(path + ": " + std::to_string(published ? published->found() : 0) + " of " +
                 std::to_string(table.size()) + " fragments from the published file");
    published.reset();
    if (!table_path.empty() && io.table) table.Save(table_path, key, size);
    table = FragmentTable();
  }
};

}  // namespace

std::vector<OutputFile> RenderSite(const model::SiteModel& site, const TemplateSet& templates,
                                   util::Diagnostics* diags) {
  return RenderSite(site, templates, RenderOptions{}, diags);
}

std::vector<OutputFile> RenderSite(const model::SiteModel& site, const TemplateSet& templates,
                                   const RenderOptions& options, util::Diagnostics* diags) {
  // The view indexes the whole model (~100 MB at 10,000 postmortems); a
  // caller that exits right after may ask not to free it (see RenderOptions).
  RenderMark("view start");
  std::unique_ptr<View> owned_view = options.view ? options.view() : nullptr;
  if (!owned_view) owned_view = std::make_unique<View>(site);
  RenderMark("view done");
  owned_view->SetUndatedPage(!templates.FileOf("archive_undated").empty());
  const View& view = *owned_view;
  const View* v = &view;
  const config::SiteConfig& cfg = view.config();
  Plan plan(templates, cfg.relative_urls ? BasePath(cfg.base_url) : std::string(), diags);
  const size_t page_size = static_cast<size_t>(cfg.pagination.page_size);
  // A page per postmortem and about a third as many other files (1.35 per
  // postmortem at 100,000): room for them at once, not grown by doubling.
  plan.Reserve(site.postmortems.size() + site.postmortems.size() / 2 + 1024);

  // The lists key (below), for the pages keyed by it and more.
  auto lists_digest = std::make_shared<std::string>();
  plan.Page("", "home", [v] { return v->Home(); });
  for (size_t i = 0; i < site.postmortems.size(); ++i) {
    int index = static_cast<int>(i);
    if (plan.Page(site.postmortems[i].url, "postmortem", [v, index] { return v->Postmortem(index); })) {
      plan.Inputs([v, index](util::StreamHash* h) { return v->AddPostmortemInputs(index, h); });
      plan.PostmortemPage(index);
    }
  }

  for (const auto& tax : site.taxonomies) {
    const model::Taxonomy* t = &tax;
    plan.Page(tax.key + "/", "taxonomy", [v, t] { return v->TaxonomyIndex(*t); });
    for (const auto& term : tax.terms) {
      const model::Term* tm = &term;
      std::string path = view.TermPath(tax, term);
      const size_t term_pages = PageCount(term.postmortems.size(), page_size);
      for (size_t p = 1; p <= term_pages; ++p) {
        if (plan.Page(PagePath(path, p), "term", [v, t, tm, p] { return v->TermPage(*t, *tm, p); })) {
          plan.Weight(std::min(term.postmortems.size(), page_size));
          // A service's briefing: its recurring pairs (View::RecurringPairs),
          // which no list key covers. Keyed by the lists key (all the rest
          // it shows) and its own pairs: an edit that moves other
          // services' pairs neither rebuilds it nor every other list.
          if (tax.key == "services" && p == 1) {
            plan.ShowsSimilar();
            plan.Inputs([v, tm, lists_digest](util::StreamHash* h) {
              if (lists_digest->empty()) return false;
              h->AddString(*lists_digest);
              v->AddRecurringKey(*tm, h);
              return true;
            });
          } else {
            // Keyed by what it shows (View::AddTermPageInputs).
            plan.Inputs([v, t, tm, p](util::StreamHash* h) { return v->AddTermPageInputs(*t, *tm, p, h); });
          }
        }
      }
      FeedInfo feed;
      std::string label = tax.key == "severity"
                              ? SeverityBadge(cfg, term.name).Find("label")->as_string()
                              : term.name;
      feed.title = cfg.title + ": " + tax.label + ": " + label;
      feed.subtitle = term.description;
      feed.feed_path = path + "feed.xml";
      feed.page_path = path;
      if (plan.File(feed.feed_path, [v, feed, tm](util::Diagnostics*) {
            return AtomFeed(*v, feed, tm->postmortems);
          }))
        plan.Inputs([v, feed, tm](util::StreamHash* h) { return AddFeedInputs(*v, feed, tm->postmortems, h); });
    }
  }

  plan.Page("archive/", "archive", [v] { return v->Archive(); });
  if (!templates.FileOf("archive_undated").empty()) {
    const size_t undated = view.Undated().size();
    for (size_t p = 1; undated && p <= PageCount(undated, page_size); ++p) {
      if (plan.Page(PagePath("archive/undated/", p), "archive_undated", [v, p] { return v->ArchiveUndated(p); }))
        plan.Weight(std::min(undated, page_size));
    }
  }
  for (const auto& year : site.archive) {
    const model::ArchiveYear* y = &year;
    size_t count = 0;
    for (const auto& m : year.months) count += m.postmortems.size();
    const std::string path = "archive/" + std::to_string(year.year) + "/";
    for (size_t p = 1; p <= PageCount(count, page_size); ++p) {
      if (plan.Page(PagePath(path, p), "archive_year", [v, y, p] { return v->ArchiveYear(*y, p); })) {
        plan.Weight(std::min(count, page_size));
        plan.Inputs([v, y, p](util::StreamHash* h) { return v->AddArchiveYearInputs(*y, p, h); });
      }
    }
  }
  // The action tracker: every view paginated (see View::TrackerPage).
  const size_t actions_page_size = static_cast<size_t>(cfg.pagination.actions_page_size);
  // Each page keyed by the rows it shows (View::AddTrackerPageInputs).
  auto tracker_pages = [&](const std::string& path, size_t rows, const ActionGroup* g,
                           const std::string& kind, auto make) {
    for (size_t p = 1; p <= PageCount(rows, actions_page_size); ++p) {
      if (plan.Page(PagePath(path, p), "actions", [make, p] { return make(p); })) {
        plan.Weight(std::min(rows, actions_page_size));
        plan.Inputs([v, g, kind, p](util::StreamHash* h) { return v->AddTrackerPageInputs(g, kind, p, h); });
      }
    }
  };
  tracker_pages("actions/", view.action_attention().size(), nullptr, "",
                [v](size_t p) { return v->ActionsPage(p); });
  for (const auto& owner : view.action_owners()) {
    const ActionGroup* g = &owner;
    tracker_pages("actions/owner/" + owner.slug + "/", owner.rows.size(), g, "owner",
                  [v, g](size_t p) { return v->ActionsOwnerPage(*g, p); });
  }
  for (const auto& status : view.action_statuses()) {
    const ActionGroup* g = &status;
    tracker_pages("actions/status/" + status.slug + "/", status.rows.size(), g, "status",
                  [v, g](size_t p) { return v->ActionsStatusPage(*g, p); });
  }
  for (const auto& service : view.action_services()) {
    const ActionGroup* g = &service;
    tracker_pages("actions/service/" + service.slug + "/", service.rows.size(), g, "service",
                  [v, g](size_t p) { return v->ActionsServicePage(*g, p); });
  }
  plan.Page("stats/", "stats", [v] { return v->StatsPage(); });
  plan.Page("search/", "search", [v] { return v->Search(); }, /*in_sitemap=*/false);
  plan.Page("404.html", "404", [v] { return v->NotFound(); }, /*in_sitemap=*/false);

  FeedInfo feed;
  feed.title = cfg.title;
  feed.subtitle = cfg.description;
  feed.feed_path = "feed.xml";
  feed.page_path = "";
  std::vector<int> newest;
  for (size_t i = 0; i < site.postmortems.size() && i < kFeedEntries; ++i) {
    newest.push_back(static_cast<int>(i));
  }
  if (plan.File("feed.xml", [v, feed, newest](util::Diagnostics*) { return AtomFeed(*v, feed, newest); }))
    plan.Inputs([v, feed, newest](util::StreamHash* h) { return AddFeedInputs(*v, feed, newest, h); });
  // Shared by the sitemap's two jobs, not copied into each.
  auto pages = std::make_shared<const std::vector<std::string>>(plan.TakePages());
  if (plan.Stream("sitemap.xml", [v, pages](ChunkOut& out) { WriteSitemapXml(*v, *pages, out); })) {
    plan.Inputs([v, pages](util::StreamHash* h) {
      h->AddInt(static_cast<int64_t>(pages->size()));
      for (const auto& p : *pages) h->AddString(p);
      AddSitemapInputs(*v, h);
      return true;
    });
  }
  const int jobs = options.jobs > 0 ? options.jobs : util::DefaultJobs();
  // postmortems.json and actions.csv are made of fragments (an entry, a
  // row: render/fragments.h), reused from the published file when their
  // keys are unchanged. Their context: what every fragment shares.
  std::string fragment_context;
  if (!options.inputs_key.empty()) {
    fragment_context = util::BuildIdentity() + '\0' + options.inputs_key;
    for (const auto& tax : site.taxonomies) fragment_context += '\0' + tax.key;
  }
  auto fragments_of = [&options, fragment_context](const std::string& path) {
    auto io = std::make_shared<FragmentFile>();
    if (!fragment_context.empty() && options.fragment_table) {
      io->path = path;
      io->table_path = options.fragment_table(path);
      io->published_file = options.published_file ? options.published_file(path) : std::string();
      io->published_key = options.published_key;
      io->io.context = fragment_context + '\0' + path;
    }
    return io;
  };
  auto json = fragments_of("postmortems.json");
  if (plan.Stream(
          "postmortems.json",
          [v, jobs, json](ChunkOut& out) { WritePostmortemsJson(*v, jobs, out, json->Start()); },
          [json](const std::string& key, uint64_t size) { json->Save(key, size); })) {
    plan.Inputs([v](util::StreamHash* h) { return AddJsonInputs(*v, h); });
    plan.Weight(4 * site.postmortems.size());  // the largest file
  }
  {
    // The static search index: many small files, each keyed by what it
    // shows. The words files' keys come from one pass over every
    // postmortem's words; the buckets whose key changed are made together
    // by the first worker that needs one, from the postmortems with words
    // in them; each bucket is freed as its file is written and the whole
    // once the last one is made. The docs files each read their own 50
    // postmortems.
    struct Words {
      std::once_flag keys_once;
      StaticSearchWordKeys keys;  // MakeStaticSearchWordKeys
      std::once_flag once;
      std::vector<bool> wanted;  // buckets to make (their key is not the published one)
      StaticSearchWords words;
      std::atomic<size_t> left{0};  // wanted words files not yet made
      std::function<bool(size_t bucket)> changed;  // set once every file is planned
      const StaticSearchWordKeys& Keys(const View& view) {
        std::call_once(keys_once, [&] { keys = MakeStaticSearchWordKeys(view); });
        return keys;
      }
    };
    auto shared = std::make_shared<Words>();
    const std::vector<std::string> paths = StaticSearchIndexPaths(site.postmortems.size());
    const std::string words_prefix = "search-index/words-", docs_prefix = "search-index/docs-";
    std::vector<std::pair<size_t, std::string>> word_jobs;  // plan index, path of bucket b
    bool first_words = true;
    for (const auto& path : paths) {
      std::function<std::string(util::Diagnostics*)> make;
      std::function<bool(util::StreamHash*)> inputs;
      bool words = false;
      if (util::StartsWith(path, words_prefix)) {
        const size_t b = std::stoul(path.substr(words_prefix.size()));
        words = true;
        make = [v, shared, b](util::Diagnostics*) {
          std::call_once(shared->once, [&] {
            const size_t buckets = StaticSearchBuckets(v->site().postmortems.size());
            shared->wanted.assign(buckets, true);
            for (size_t k = 0; k < buckets && shared->changed; ++k) shared->wanted[k] = shared->changed(k);
            shared->left = static_cast<size_t>(
                std::count(shared->wanted.begin(), shared->wanted.end(), true));
            // With published keys the word keys are made (to compare):
            // only the postmortems with words in the wanted buckets are read.
            shared->words = MakeStaticSearchWords(*v, &shared->wanted,
                                                  shared->changed ? &shared->Keys(*v) : nullptr);
            std::vector<StaticSearchBucketSet>().swap(shared->keys.buckets_of);
          });
          if (b >= shared->wanted.size() || !shared->wanted[b]) {
            // (Not expected: a bucket found unchanged is kept, not made.)
            std::vector<bool> only(shared->wanted.size(), false);
            if (b < only.size()) only[b] = true;
            StaticSearchWords alone = MakeStaticSearchWords(*v, &only);
            return StaticSearchWordsFile(b < alone.buckets.size() ? alone.buckets[b]
                                                                  : StaticSearchWords::Bucket());
          }
          std::string text = StaticSearchWordsFile(shared->words.buckets[b]);
          StaticSearchWords::Bucket().swap(shared->words.buckets[b]);
          if (--shared->left == 0) StaticSearchWords().buckets.swap(shared->words.buckets);
          return text;
        };
        inputs = [v, shared, b](util::StreamHash* h) {
          h->AddInt(StaticSearchBuckets(v->site().postmortems.size()));
          h->AddString(shared->Keys(*v).keys[b]);
          return true;
        };
      } else if (util::StartsWith(path, docs_prefix)) {
        const size_t shard = std::stoul(path.substr(docs_prefix.size()));
        make = [v, shard](util::Diagnostics*) { return StaticSearchDocsFile(*v, shard); };
        inputs = [v, shard](util::StreamHash* h) { return AddStaticSearchDocsInputs(*v, shard, h); };
      } else {
        const size_t n = site.postmortems.size();
        make = [n](util::Diagnostics*) { return StaticSearchMetaFile(n); };
        inputs = [n](util::StreamHash* h) {
          h->AddInt(static_cast<int64_t>(n));
          return true;
        };
      }
      if (plan.File(path, std::move(make))) {
        plan.Inputs([inputs = std::move(inputs)](util::StreamHash* h) {
          h->AddString(kStaticSearchIndexFormat);  // the files' layout
          return inputs(h);
        });
        if (words) word_jobs.emplace_back(plan.size() - 1, path);
        // The first words file makes the words for all: started among the
        // heavy files, it is done before the light ones at the end would
        // wait for it.
        if (words && first_words) plan.Weight(site.postmortems.size());
        if (words) first_words = false;
      }
    }
    // Which buckets the words pass makes: those whose file's key is not
    // the published one (every bucket without published keys).
    if (options.published_key && word_jobs.size() == StaticSearchBuckets(site.postmortems.size())) {
      const Plan* p = &plan;
      const RenderOptions* o = &options;
      shared->changed = [p, o, word_jobs](size_t b) {
        const std::string key = p->InputsKey(word_jobs[b].first, *o);
        return key.empty() || o->published_key(word_jobs[b].second) != key;
      };
    }
  }
  auto csv = fragments_of("actions.csv");
  if (plan.Stream(
          "actions.csv", [v, csv](ChunkOut& out) { WriteActionsCsv(*v, out, csv->Start()); },
          [csv](const std::string& key, uint64_t size) { csv->Save(key, size); })) {
    plan.Inputs([v](util::StreamHash* h) { return AddAllListKeys(*v, h); });
    plan.Weight(view.action_rows().size());
  }

  RenderMark("planned");
  // The lists key: with the shared inputs, the list keys of all the
  // postmortems in order determine every file but the postmortem pages.
  std::string lists_key;
  if (!options.inputs_key.empty()) {
    util::StreamHash h;
    h.AddString(util::BuildIdentity() + '\0' + templates.fingerprint());
    h.AddString(kStaticSearchIndexFormat);
    h.AddString(cfg.relative_urls ? "relative" : "absolute");
    h.AddString(options.inputs_key);
    // Not the service pages' recurring pairs (what search found similar):
    // those pages add their own (ShowsSimilar), so an edit that moves a
    // similar list re-keys them, not every list.
    if (AddAllListKeys(view, &h)) lists_key = h.Hex();
  }
  *lists_digest = lists_key;
  if (options.lists_key) *options.lists_key = lists_key;
  const bool lists_unchanged = !lists_key.empty() && lists_key == options.published_lists_key;
  // The link items the postmortem pages shared are not needed by the list
  // pages (their list items are made from fresh ones): freed before those
  // pages build theirs, so the two are never held at once.
  std::vector<OutputFile> files =
      plan.Run(options, jobs, lists_unchanged, [v] { v->DropLinkItems(); });
  if (!options.free_memory) util::LeaveToExit(std::move(owned_view));
  return files;
}

}  // namespace casebook::render
