// Renderer: SiteModel + theme -> every output file of the site, in memory.
//
// Pages (home, one per postmortem, taxonomy and term lists, date archive,
// 404, search page), feeds (Atom: the site and one per taxonomy term),
// sitemap.xml and postmortems.json. Writing to disk is the caller's job
// (site::Publish). The output is a pure function of the model and the
// theme: no clocks, no randomness, so two builds give identical bytes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/site_model.h"
#include "util/diagnostics.h"

namespace casebook::render {

struct OutputFile {
  std::string path;     // relative to the output folder: "postmortems/x/index.html"
  std::string content;
  /// True when the file already published at `path` is still right (its key
  /// is unchanged): `content` is empty and the page was not rendered.
  bool reuse = false;
  /// What the file was made from: a hash of the casebook version, the theme,
  /// the template and either the page's view data or its inputs (see
  /// RenderOptions::inputs_key). Equal keys mean byte-identical files. ""
  /// for files keyed by their bytes (feeds, sitemap, postmortems.json and
  /// actions.csv without an inputs_key).
  std::string key;
};

class TemplateSet;  // templates.h: loads and parses a theme once
class View;         // view.h: the model indexed for templates, with per-postmortem keys

/// Renders the whole site. Template errors go to `diags` with the template's
/// file name. Uses one thread per core (see RenderOptions).
std::vector<OutputFile> RenderSite(const model::SiteModel& site,
                                   const TemplateSet& templates,
                                   util::Diagnostics* diags);

/// A file written piece by piece (RenderOptions::open_stream): the large
/// machine-readable outputs (postmortems.json, actions.csv, sitemap.xml, the
/// static search index) are made a chunk at a time and never held whole.
class OutputStream {
 public:
  /// Without a successful Close, the file is dropped (never published).
  virtual ~OutputStream() = default;
  /// Appends `bytes`; false with `error` when they could not be written.
  virtual bool Write(std::string_view bytes, std::string* error) = 0;
  /// The file is complete, made from `key` (as OutputFile::key; "" = keyed
  /// by its bytes). False with `error` when it could not be finished.
  virtual bool Close(const std::string& key, std::string* error) = 0;
};

struct RenderOptions {
  /// Threads rendering pages; 0 = one per core. The output (files, order,
  /// bytes, diagnostics) is the same for any value.
  int jobs = 0;
  /// The key of the file the last build published at `path` ("" when none,
  /// or when the file is no longer there). A file whose new key is the same
  /// is not rendered again: it comes out with reuse = true. The view stays
  /// valid through the render (a build asks for ~134,500 keys at 100,000
  /// postmortems: none is copied to be compared).
  std::function<std::string_view(const std::string& path)> published_key;
  /// Optional, with published_key: keeps the published file at `path` as
  /// it is (given to no sink) when it is still intact and was made from
  /// `key` ("": from any key), and says so; false when it is not there, not
  /// intact or made from another key. A file kept this way comes out with
  /// reuse = true and its key (empty for "": the files the lists key keeps,
  /// published_lists_key). One lookup each, no key copied; when set, it
  /// decides for every keyed file (published_key is not asked again).
  std::function<bool(const std::string& path, std::string_view key)> keep_published;
  /// When set, gets each file as soon as it is made, on the render threads
  /// (any order), and RenderSite returns the files without their content, so
  /// the site is never all in memory. False (with an error) when the file
  /// could not be written; the error goes to diags under the file's path.
  std::function<bool(OutputFile& file, std::string* error)> sink;
  /// With a sink: opens the file at `path` for writing piece by piece, for
  /// the large files made in C++ (see OutputStream); they are then not
  /// given to the sink (its Close records them). nullptr with `error` when
  /// it cannot be opened. Unset: those files go to the sink whole.
  std::function<std::unique_ptr<OutputStream>(const std::string& path, std::string* error)>
      open_stream;
  /// Where the table of the fragments of `path` is kept (postmortems.json,
  /// actions.csv: render/fragments.h); unset: no tables, every fragment is
  /// made. Only with inputs_key.
  std::function<std::string(const std::string& path)> fragment_table;
  /// Where the published file at `path` is read (its fragments are copied
  /// when its table is the one saved with it and published_key says it is
  /// intact).
  std::function<std::string(const std::string& path)> published_file;
  /// A hash of the inputs every file shares besides the model's postmortems:
  /// casebook, site.toml, the build options, today and the theme. With it,
  /// postmortem pages and the feeds, sitemap, postmortems.json and
  /// actions.csv are keyed by their inputs (View::SourceKey and the keys of
  /// what they link to), so unchanged ones are skipped without building
  /// their data; "" keys every page by its view data instead.
  std::string inputs_key;
  /// The lists key the published site was made from (see lists_key). When
  /// the new one is the same, every file but the postmortem pages is kept as
  /// published (when intact) without being built: a change that only
  /// touched postmortem bodies leaves them all as they were.
  std::string published_lists_key;
  /// Gets the new lists key: a hash of the shared inputs and every
  /// postmortem's View::ListKey ("" without inputs_key).
  std::string* lists_key = nullptr;
  /// When set, called on the render thread once postmortem `index`'s own
  /// page is written or kept: nothing in this render reads that
  /// postmortem's body HTML, headings, timeline HTML or lessons again (the
  /// View took what the service pages show of the lessons when it was
  /// made), so the caller may free them. Postmortem pages render before the list pages, which need the
  /// most memory.
  std::function<void(int index)> postmortem_page_done;
  /// False when the process exits right after: the view's memory is then
  /// left to the OS rather than freed object by object.
  bool free_memory = true;
  /// When set, gives the View of this very model, made ahead (a build makes
  /// it beside the similar step, which writes only Postmortem::similar, a
  /// field the View does not read when it is made); nullptr or unset: it is
  /// made here.
  std::function<std::unique_ptr<View>()> view;
};

std::vector<OutputFile> RenderSite(const model::SiteModel& site,
                                   const TemplateSet& templates,
                                   const RenderOptions& options,
                                   util::Diagnostics* diags);

}  // namespace casebook::render
