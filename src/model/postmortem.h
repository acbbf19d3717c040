// Postmortem: one loaded Document plus everything derived from the whole
// archive (URL, rendered body, incident date, durations, cross-links).
// Plain data; built by SiteModel, read by render and search. Indices refer to
// SiteModel::postmortems.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "content/document.h"
#include "content/git_history.h"
#include "markdown/markdown.h"
#include "util/datetime.h"

namespace casebook::model {

/// Time to detect / mitigate / resolve in seconds, where both ends are known.
struct Durations {
  std::optional<int64_t> detect, mitigate, resolve;
};

/// A similar past incident (found by search at build time) and why.
struct SimilarIncident {
  int index = -1;
  std::vector<std::string> shared_terms;
};

/// A question the Markdown renderer asked a resolver while rendering a body
/// (a link's target) and the answer: the render cache checks them, and a
/// body read back from it can be rendered again by replaying them.
struct ResolverAnswer {
  std::string target;
  bool wiki = false;
  bool file = false;  // asked of the file resolver (a local file, not a postmortem)
  bool found = false;
  std::string url;  // when found
};

class BodyStore;

/// Where a rendered body's HTML and plain text are kept when not in memory:
/// a span of the render cache's text file (model/body_store.h).
struct StoredBody {
  const BodyStore* store = nullptr;  // null: body.html and body.plain_text hold them
  uint64_t offset = 0;
  uint32_t html_size = 0, text_size = 0;
};

struct Postmortem {
  Postmortem() = default;
  /// Made around its Document (moved in), not a default one overwritten.
  explicit Postmortem(content::Document d) : doc(std::move(d)) {}

  content::Document doc;
  std::string url;  // relative to base_url: "postmortems/<id>/"

  /// Body headings and links; its HTML and plain text only while `stored`
  /// has no store (else they are read when used: BodyHtml, BodyPlainText).
  markdown::Rendered body;
  std::string body_hash;  // of the body's HTML and plain text (BodyHash)
  StoredBody stored;
  /// What rendering the body asked (kept while the body is stored, so a
  /// damaged cache can be rendered around).
  std::vector<ResolverAnswer> answers;
  std::string summary_html;  // summary rendered inline
  /// The summary was read from the body (no `summary` key): the page shows
  /// it where it was written, not again above the body.
  bool summary_in_body = false;
  std::vector<std::string> timeline_html;  // one per doc.timeline entry
  std::vector<std::string> action_html;    // one per doc.actions entry
  /// The body's lessons-learned section as plain text (markdown::
  /// LessonsMarkdown, MarkdownToPlain) and the heading it was under; ""
  /// without one. Kept because a build drops the body once rendered.
  std::string lessons, lessons_heading;
  /// A hash of summary_html, timeline_html, action_html, lessons and
  /// lessons_heading (FragmentsDigest), made when they are rendered and kept
  /// with them in the render cache: build keys hash these 16 bytes instead
  /// of the texts of every postmortem at every build. All zero: not known.
  std::array<uint64_t, 2> fragments_digest{};

  /// incident.started, else the first timeline entry, else date. nullopt when
  /// none is known (then it sorts last and is left out of the date archive).
  std::optional<util::DateTime> incident_date;
  /// False when incident_date is before 1970 or more than a year after
  /// today (model::IsPlausibleDate): the charts and "on this day" leave it out.
  bool incident_date_plausible = true;
  Durations durations;
  int severity_rank = -1;  // index into SiteConfig::severities; -1 unknown

  std::vector<int> related;        // explicit `related`, resolved
  std::vector<int> referenced_by;  // incidents whose body or related links here
  std::vector<SimilarIncident> similar;  // filled by search::ComputeSimilar
  int previous = -1;  // the incident before this one by incident date
  int next = -1;      // the one after

  std::optional<content::FileHistory> history;  // from git, when available

  const std::string& id() const { return doc.id; }
};

/// The hash Postmortem::body_hash holds: of the rendered HTML and plain text.
std::string BodyHash(const std::string& html, const std::string& plain_text);

/// pm.fragments_digest when known, else worked out from the fragments
/// (ComputeFragmentsDigest).
std::array<uint64_t, 2> FragmentsDigest(const Postmortem& pm);
/// The hash of pm's summary_html, timeline_html, action_html, lessons and
/// lessons_heading (never all zero).
std::array<uint64_t, 2> ComputeFragmentsDigest(const Postmortem& pm);

/// The body's HTML / plain text: from memory, else read from the render
/// cache's text file (checked against body_hash; rendered again from the
/// source file when the cache is damaged). Thread-safe. "" when neither
/// works: then the store records an error (BodyStore::Failures).
std::string BodyHtml(const Postmortem& pm);
std::string BodyPlainText(const Postmortem& pm);

/// Gives back the room building `pm` left spare in its vectors and strings
/// (capacity over size): the model is held, postmortem by postmortem, through
/// "similar" and the render (compact.cc). Changes no value.
void ShrinkToFit(Postmortem* pm);

}  // namespace casebook::model
