// TemplateSet: a theme's Mustache templates, read and parsed once.
//
// Load() reads every `*.mustache` under <theme>/templates/ (any depth; the
// name is the relative path without ".mustache": "postmortem", "partials/x")
// and then every `*.mustache` under <site root>/layouts/, which replaces a
// theme template of the same name or adds a new one.
//
// Partials ({{> name}}) are resolved at load time from the set itself: each
// template is parsed once with its partials inlined (delimiter changes are
// respected; a partial starts with the default "{{ }}" as the spec says).
// Nothing is read from disk or parsed again while rendering, and no string
// from the data is ever parsed as a template. A partial that does not exist
// renders nothing and is reported as a warning; a partial that includes
// itself is an error.
//
// Data: util::Value trees. Maps become Mustache objects, lists lists, bools
// bools; ints and floats become their decimal text (Mustache has no number
// type, so "0" is truthy: give templates explicit `has_x` bools). Null and
// the empty string become false, so {{#x}}..{{/x}} tests "x is set".
// {{x}} HTML-escapes; {{{x}}} is for pre-rendered HTML only.
//
// Rendering a page: Render("postmortem", data) renders postmortem.mustache,
// then the layout base.mustache with the same data plus {{{content}}}.
//
// Thread-safety: after Load() a TemplateSet is logically immutable. Render
// and RenderRaw are const and safe to call from many threads at once: each
// call renders a private copy of the parsed template, taken from a small
// mutex-guarded pool (kainjow's render() is not const). This is the only
// translation unit that includes <kainjow/mustache.hpp>.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "util/diagnostics.h"
#include "util/value.h"

namespace casebook::render {

class TemplateSet {
 public:
  /// One template's text; `file` names it in diagnostics.
  struct Source {
    std::string name;  // "postmortem", "partials/badge"
    std::string file;  // "themes/default/templates/postmortem.mustache"
    std::string text;
  };

  /// The name of the layout every page is wrapped in.
  static constexpr const char* kLayout = "base";

  /// Reads cfg.ThemeDir()/templates and <cfg.root>/layouts. Returns nullptr
  /// when the theme has no templates folder, the layout is missing, or any
  /// template fails to parse (each problem is an error in `diags` naming the
  /// template file and, where known, the line).
  static std::unique_ptr<TemplateSet> Load(const config::SiteConfig& cfg,
                                           util::Diagnostics* diags);

  /// Same, from sources in memory (later sources replace earlier ones of the
  /// same name). Used by Load and by tests.
  static std::unique_ptr<TemplateSet> FromSources(const std::vector<Source>& sources,
                                                  util::Diagnostics* diags);

  ~TemplateSet();
  TemplateSet(const TemplateSet&) = delete;
  TemplateSet& operator=(const TemplateSet&) = delete;

  bool Has(const std::string& name) const;
  /// Every template name, sorted.
  std::vector<std::string> Names() const;
  /// A hash of every template's name and text: pages rendered from the same
  /// data with the same fingerprint are byte-identical (the page cache).
  const std::string& fingerprint() const;
  /// The file a template came from ("" when unknown).
  std::string FileOf(const std::string& name) const;

  /// Renders page template `name` and wraps it in the layout (`data` plus
  /// "content"). An unknown template or a render error is reported in
  /// `diags` (may be null) and gives "".
  std::string Render(const std::string& name, const util::Value& data,
                     util::Diagnostics* diags) const;

  /// Renders one template without the layout (feeds, fragments).
  std::string RenderRaw(const std::string& name, const util::Value& data,
                        util::Diagnostics* diags = nullptr) const;

 private:
  TemplateSet();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace casebook::render
