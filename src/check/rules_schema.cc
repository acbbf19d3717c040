// Schema rules that the loader and the model do not already report:
//   schema/unknown-key  (warning) a top-level key that is not in FORMAT.md and
//                       is close to one that is: "servces" -> "services"
//   schema/custom-key   (off)     any other key that is not in FORMAT.md (kept
//                       and passed to templates); turn on for a closed schema
//   schema/title        (warning) no title in front matter nor a "# " heading:
//                       the file name is used
//   schema/id           (error)   an id that is not URL-safe (unless the
//                       loader already said so)
// Keys named in site.toml `taxonomies` and Hugo's own front matter keys count
// as known.
#include <algorithm>

#include "check/internal.h"
#include "util/slug.h"
#include "util/text.h"

namespace casebook::check {
namespace {

// FORMAT.md keys first (they win ties), then keys Hugo understands.
const std::vector<std::string>& KnownKeys() {
  static const std::vector<std::string> kKeys = {
      "title", "id", "date", "severity", "status", "summary", "tags", "services",
      "authors", "facilitator", "contact", "related", "incident", "timeline",
      "actions", "check_ignore",
      // Hugo
      "draft", "slug", "aliases", "lastmod", "publishDate", "expiryDate", "weight",
      "description", "keywords", "categories", "layout", "type", "url", "params",
      "linkTitle", "toc"};
  return kKeys;
}

bool IsKnown(const RuleContext& ctx, const std::string& key) {
  const auto& k = KnownKeys();
  if (std::find(k.begin(), k.end(), key) != k.end()) return true;
  const auto& t = ctx.cfg.taxonomies;
  return std::find(t.begin(), t.end(), key) != t.end();
}

// The nearest known key within a typo's reach, or "".
std::string Nearest(const RuleContext& ctx, const std::string& key) {
  std::vector<std::string> candidates = KnownKeys();
  candidates.insert(candidates.end(), ctx.cfg.taxonomies.begin(), ctx.cfg.taxonomies.end());
  int limit = key.size() <= 4 ? 1 : 2;
  std::string best;
  int best_d = limit + 1;
  for (const auto& c : candidates) {
    int d = EditDistance(key, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace

void CheckSchemaRules(const RuleContext& ctx, const std::set<std::string>& earlier_rules,
                      util::Diagnostics* out) {
  const content::Document& doc = ctx.doc;
  if (doc.extra.is_map()) {
    for (const auto& [key, value] : doc.extra.as_map()) {
      if (IsKnown(ctx, key)) continue;
      int line = ctx.KeyLine(key);
      int column = 0;
      if (line > 0) {
        size_t at = ctx.src.line(line).find(key);
        column = at == std::string::npos ? ctx.src.FirstColumn(line)
                                         : ctx.src.Column(line, at);
      }
      std::string near = Nearest(ctx, key);
      if (!near.empty()) {
        ctx.Report(out, util::Level::kWarning, line, column, "schema/unknown-key",
                   "unknown front matter key \"" + key + "\"; did you mean \"" + near +
                       "\"?",
                   "rename it to \"" + near +
                       "\"; an unknown key is kept for templates but means nothing "
                       "to casebook");
      } else {
        ctx.Report(out, util::Level::kOff, line, column, "schema/custom-key",
                   "front matter key \"" + key + "\" is not part of the format",
                   "custom keys are kept and passed to templates; list it in "
                   "site.toml taxonomies to index it");
      }
    }
  }
  // Unknown keys inside [incident] (the loader keeps them in extra.incident).
  static const std::vector<std::string> kIncidentKeys = {
      "started", "detected", "first_user_impact", "first_user_report", "mitigated",
      "resolved"};
  const util::Value* incident = doc.extra.Find("incident");
  if (incident && incident->is_map()) {
    for (const auto& [key, value] : incident->as_map()) {
      std::string best;
      int best_d = 3;
      for (const auto& k : kIncidentKeys) {
        int d = EditDistance(key, k);
        if (d < best_d) {
          best_d = d;
          best = k;
        }
      }
      int line = ctx.KeyLine("incident." + key);
      int column = line ? ctx.src.FirstColumn(line) : 0;
      if (!best.empty())
        ctx.Report(out, util::Level::kWarning, line, column, "schema/unknown-key",
                   "unknown key \"incident." + key + "\"; did you mean \"" + best + "\"?",
                   "rename it to \"" + best + "\"; otherwise this time is not used");
      else
        ctx.Report(out, util::Level::kOff, line, column, "schema/custom-key",
                   "key \"incident." + key + "\" is not part of the format",
                   "[incident] knows " + util::Join(kIncidentKeys, ", "));
    }
  }
  if (doc.title_source == content::Document::TitleSource::kFileName) {
    ctx.Report(out, util::Level::kWarning, 1, 1, "schema/title",
               "no title: the file name \"" + doc.title + "\" is used instead",
               doc.front_matter == content::FrontMatterKind::kNone
                   ? "start the file with a \"# \" heading that names the incident"
                   : "add title = \"...\" to the front matter");
  }
  if (!util::IsUrlSafeId(doc.id) && !earlier_rules.count("schema/id")) {
    int line = ctx.KeyLine("id");
    ctx.Report(out, util::Level::kError, line > 0 ? line : 1,
               line > 0 ? ctx.src.FirstColumn(line) : 1, "schema/id",
               "id \"" + doc.id + "\" is not URL-safe",
               "use lowercase letters, digits and \"-\", e.g. \"" +
                   util::Slugify(doc.id) + "\"");
  }
}

}  // namespace casebook::check
