// The briefing behind `casebook brief SERVICE|TAG...`: what to read before
// changing a system. Past incidents whose services or tags (or any other
// configured taxonomy but severity) match one of the subjects, by slug
// ("Checkout API" = "checkout-api"; "service:x" / "tag:x" restrict to one
// taxonomy), most severe first, then most recent; each with its summary,
// its lessons learned (as plain text) and its open action items; then the
// similar incidents (Postmortem::similar, from ComputeSimilar) not already
// listed.
//
// Works on the SiteModel alone (no index needed; similar incidents are only
// there when ComputeSimilar ran). Pure functions of their inputs; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "markdown/markdown.h"
#include "model/site_model.h"
#include "util/value.h"

namespace casebook::search {

struct BriefAction {
  std::string text, owner, due, ticket, status;
  bool overdue = false;  // due before the model's "today"
};

struct BriefIncident {
  std::string id, title, url, link;  // link: base_url + url
  std::string date, severity, severity_label, summary;
  std::string source_path;  // the file, as opened (relative to the cwd when the root is)
  std::vector<std::string> services, tags;
  std::vector<std::string> matched;  // the subjects it matched, as given
  std::string lessons;               // plain text; "" when there is no such section
  std::vector<BriefAction> open_actions;
};

struct BriefSimilar {
  std::string id, title, url, link, date, severity, severity_label, summary;
  std::vector<std::string> similar_to;    // ids of listed incidents
  std::vector<std::string> shared_terms;  // why (from the first of those)
};

struct Brief {
  std::vector<std::string> subjects;
  std::vector<std::string> unmatched;  // subjects no incident matched
  std::vector<BriefIncident> incidents;
  std::vector<BriefSimilar> similar;  // at most kMaxBriefSimilar
};

inline constexpr size_t kMaxBriefSimilar = 10;

Brief MakeBrief(const model::SiteModel& site, const std::vector<std::string>& subjects);

/// The indices (into site.postmortems) of the incidents MakeBrief lists, in
/// its order: to compute similar incidents for just those (similar.h).
std::vector<int> BriefPostmortems(const model::SiteModel& site,
                                  const std::vector<std::string>& subjects);

/// Plain text for a terminal or a plain comment.
std::string BriefToText(const Brief& brief);
/// GitHub-flavoured Markdown, for a pull-request comment.
std::string BriefToMarkdown(const Brief& brief);
util::Value BriefToValue(const Brief& brief);

/// Markdown to readable plain text (markdown/markdown.h; the service page
/// shows lessons with it too).
using markdown::MarkdownToPlain;

}  // namespace casebook::search
