// Document: one postmortem file as read from disk, front matter typed.
//
// This is the loader's output and the single parser that build, check,
// search and new all share. Every field FORMAT.md defines is here; unknown
// keys are kept in `extra`. Line numbers are 1-based lines of the source file
// (front matter keys and body alike) so findings point at the right place.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/key_lines.h"
#include "util/datetime.h"
#include "util/value.h"

namespace casebook::content {

enum class FrontMatterKind { kNone, kToml, kYaml };

struct TimelineEntry {
  util::DateTime at;
  std::string text;   // Markdown, as written
  int line = 0;
};

struct ActionItem {
  std::string text;
  std::string owner;
  std::optional<util::DateTime> due;  // date only
  std::string ticket;
  std::string status = "open";  // open | done | wontfix (as written, lowercased)
  int line = 0;
};

struct IncidentTimes {
  std::optional<util::DateTime> started, detected, first_user_impact,
      first_user_report, mitigated, resolved;
};

/// A "- Time to detection: 8 minutes" line from a plain-Markdown body: a figure
/// to show, never trusted over [incident] times.
struct BodyFigure {
  std::string label;
  std::string value;
  int line = 0;
};

struct Document {
  // Where it came from.
  std::string path;           // as opened (root-joined)
  std::string relative_path;  // relative to the source folder, '/' separators
  FrontMatterKind front_matter = FrontMatterKind::kNone;

  // Front matter (FORMAT.md). Empty / nullopt when absent.
  std::string id;                 // explicit or from the file name
  bool id_from_file_name = true;
  std::string title;              // explicit, first "# " heading, or file name
  enum class TitleSource { kFrontMatter, kHeading, kFileName } title_source =
      TitleSource::kFileName;
  int title_line = 0;  // file line of the "# " heading used as the title
  std::optional<util::DateTime> date;  // written/held date
  std::string severity;
  std::string status = "final";   // draft | review | final
  std::string summary;
  std::vector<std::string> tags, services, authors, related;
  std::string facilitator, contact;
  IncidentTimes incident;
  std::vector<TimelineEntry> timeline;
  bool timeline_from_body = false;  // extracted from a "## Timeline" section
  std::vector<ActionItem> actions;
  std::vector<std::string> check_ignore;  // rule ids silenced for this file
  /// Every other front matter key, as written. Also used for custom
  /// taxonomies (e.g. "categories"): see Taxonomy().
  util::Value extra = util::Value::MakeMap();
  /// Line of each top-level front matter key ("title" -> 2), all in one
  /// string (key_lines.h): every build reads ~20 keys for each postmortem
  /// from the load cache (2 million entries at 100,000).
  KeyLines key_lines;

  // Body.
  std::string body;        // Markdown after the front matter
  int body_line = 1;       // file line of body's first line
  std::vector<BodyFigure> figures;

  /// Set by LoadAll (and kept in its cache): no field that
  /// model::StripControlCharacters cleans holds a control character
  /// (ShownFieldsHaveControls), so the model need not look at every field
  /// of every postmortem at every build. False: not known, look.
  bool shown_fields_clean = false;

  /// util::Fingerprint of the file's bytes, set by LoadAll (empty for a
  /// document parsed from text by other means). With relative_path it names
  /// exactly what the document was parsed from (build caches key on it).
  std::string source_hash;

  /// DigestWithoutBody's value, worked out by LoadAll when the file was
  /// parsed and kept in its cache beside the parse (so valid exactly as
  /// long as the file's bytes and the parse settings are the same): an
  /// unchanged postmortem is not serialised and hashed again at every
  /// build. Set only when shown_fields_clean (the model then changes none
  /// of the fields it covers); empty: not known, DigestWithoutBody works
  /// it out. Code that changes a loaded document's fields must clear it.
  std::string digest_without_body;

  /// Values of a taxonomy key: "tags", "services", "severity" or any key in
  /// `extra` holding a string or a list of strings.
  std::vector<std::string> Taxonomy(const std::string& key) const;
  /// The name findings use: the path as opened (e.g. "content/2024/x.md",
  /// so it opens from where casebook ran), else the relative path.
  const std::string& SourceName() const { return path.empty() ? relative_path : path; }
  /// File line of a front matter key, or 1 when unknown.
  int LineOf(const std::string& key) const;
};

/// The folder of a page bundle ("2024/db-outage" for
/// "2024/db-outage/index.md"), or "" when `relative_path` is not a bundle's
/// index.md. The folder names the postmortem (its id and date, as a file
/// name would), and every other file in it is published beside its page.
std::string PageBundleDir(const std::string& relative_path);

/// Calls f(key, field) for every field pages and terminals show, the one
/// list both ShownFieldsHaveControls and model::StripControlCharacters
/// walk: title, summary, severity, tags, services, authors, facilitator,
/// contact, actions (text, owner, ticket), timeline (text), in that order,
/// each key's fields together. `Doc`: Document or const Document.
template <typename Doc, typename F>
void ForEachShownField(Doc& doc, F&& f) {
  f(std::string_view("title"), doc.title);
  f(std::string_view("summary"), doc.summary);
  f(std::string_view("severity"), doc.severity);
  for (auto& s : doc.tags) f(std::string_view("tags"), s);
  for (auto& s : doc.services) f(std::string_view("services"), s);
  for (auto& s : doc.authors) f(std::string_view("authors"), s);
  f(std::string_view("facilitator"), doc.facilitator);
  f(std::string_view("contact"), doc.contact);
  for (auto& a : doc.actions) {
    f(std::string_view("actions"), a.text);
    f(std::string_view("actions"), a.owner);
    f(std::string_view("actions"), a.ticket);
  }
  for (auto& e : doc.timeline) f(std::string_view("timeline"), e.text);
}

/// True when a field pages and terminals show (ForEachShownField) holds a
/// control character (util::HasControls).
bool ShownFieldsHaveControls(const Document& doc);

/// A hash of every field of `doc` (the same fields the load cache keeps)
/// except `body` and `key_lines`: what the document shows outside its own
/// page, where the rendered body is not used. Fields read from the body
/// (a timeline, figures, a title) are included. doc.digest_without_body
/// when set (LoadAll's), else worked out from the fields.
std::string DigestWithoutBody(const Document& doc);
/// The same, always worked out from the fields (what LoadAll stores).
std::string ComputeDigestWithoutBody(const Document& doc);

}  // namespace casebook::content
