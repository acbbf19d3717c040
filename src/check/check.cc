// The check pipeline: load (drafts included) -> model -> rules -> policy
// (levels, ignore comments, check_ignore) -> scope -> sorted report.
#include "check/check.h"

#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "check/internal.h"
#include "content/loader.h"
#include "markdown/markdown.h"
#include "util/fs.h"
#include "util/text.h"

namespace casebook::check {
namespace {

namespace fs = std::filesystem;

// [check] levels: exact id, then "family/*", then "family".
std::optional<util::Level> ConfiguredLevel(const config::SiteConfig& cfg,
                                           const std::string& rule) {
  const auto& levels = cfg.check.levels;
  auto it = levels.find(rule);
  if (it != levels.end()) return it->second;
  std::string family = rule.substr(0, rule.find('/'));
  for (const std::string& key : {family + "/*", family}) {
    it = levels.find(key);
    if (it != levels.end()) return it->second;
  }
  return std::nullopt;
}

std::string Canonical(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? path : p.string();
}

bool Within(const std::string& path, const std::string& scope) {
  return path == scope || (util::StartsWith(path, scope) && path.size() > scope.size() &&
                           path[scope.size()] == '/');
}

// Drops exact repeats, and a finding without a column where the same rule
// reported the same line with one.
void Dedupe(util::Diagnostics* diags) {
  diags->Sort();
  auto& items = diags->items();
  std::set<std::tuple<std::string, int, std::string>> with_column;
  for (const auto& d : items)
    if (d.column > 0) with_column.insert({d.file, d.line, d.rule});
  std::set<std::tuple<std::string, int, int, std::string, std::string>> seen;
  std::vector<util::Diagnostic> kept;
  for (auto& d : items) {
    if (d.column == 0 && with_column.count({d.file, d.line, d.rule})) continue;
    if (!seen.insert({d.file, d.line, d.column, d.rule, d.message}).second) continue;
    kept.push_back(std::move(d));
  }
  items = std::move(kept);
}

}  // namespace

int CheckReport::ExitCode() const {
  if (!fatal.empty()) return 2;
  return errors > 0 || (strict && warnings > 0) ? 1 : 0;
}

void CheckDocuments(const config::SiteConfig& cfg,
                    const std::vector<content::Document>& docs,
                    const model::SiteModel* model, util::Diagnostics* diags,
                    std::optional<util::DateTime> today) {
  markdown::Init();
  util::DateTime now = today                                         ? *today
                       : model && model->today.utc_seconds != 0 ? model->today
                                                                    : util::Today();
  std::map<std::string, SourceFile> sources;
  std::map<std::string, const content::Document*> by_file;
  std::map<std::string, std::vector<util::Diagnostic*>> earlier;  // by file
  for (auto& d : diags->items()) earlier[d.file].push_back(&d);
  util::Diagnostics found;
  for (const auto& doc : docs) {
    const std::string& file = doc.path;
    const SourceFile& src =
        sources.emplace(file, SourceFile::Load(doc.path, &doc)).first->second;
    by_file[file] = &doc;
    const auto& mine = earlier[file];
    LocateLinkFindings(doc, src, model, mine);
    std::set<std::string> earlier_rules;
    for (const util::Diagnostic* d : mine) earlier_rules.insert(d->rule);
    const model::Postmortem* pm = nullptr;
    if (model) {
      auto it = model->by_path.find(doc.relative_path);
      if (it != model->by_path.end()) pm = &model->postmortems[it->second];
    }
    RuleContext ctx(cfg, doc, src, pm, now, file);
    CheckSchemaRules(ctx, earlier_rules, &found);
    CheckTimeRules(ctx, &found);
    CheckActionRules(ctx, &found);
    CheckSectionRules(ctx, &found);
    CheckBlamelessRules(ctx, &found);
  }
  diags->Append(found);

  // The policy, applied to every finding.
  std::vector<util::Diagnostic> kept;
  for (auto& d : diags->items()) {
    // A file left out for safety (a link out of the site, over a limit) is
    // left out by build whatever the policy says: check does not hide it,
    // and does not read the file again for ignore comments.
    if (d.rule == "content/outside-link" || util::StartsWith(d.rule, "limits/")) {
      kept.push_back(std::move(d));
      continue;
    }
    if (auto level = ConfiguredLevel(cfg, d.rule)) d.level = *level;
    if (d.level == util::Level::kOff) continue;
    auto src = sources.find(d.file);
    if (src == sources.end()) {
      std::string path = util::IsRegularFile(d.file)
                             ? d.file
                             : util::JoinPath(cfg.SourceDir(), d.file);
      src = sources.emplace(d.file, SourceFile::Load(path, nullptr)).first;
    }
    if (src->second.Ignores(d.line, d.rule)) continue;
    auto doc = by_file.find(d.file);
    bool ignored = false;
    if (doc != by_file.end())
      for (const auto& pattern : doc->second->check_ignore)
        ignored |= RuleMatches(pattern, d.rule);
    if (!ignored) kept.push_back(std::move(d));
  }
  diags->items() = std::move(kept);
  Dedupe(diags);
}

CheckReport RunCheck(const config::SiteConfig& cfg, const CheckOptions& options) {
  CheckReport report;
  report.strict = options.strict;
  const std::string source = cfg.SourceDir();
  if (!util::IsDirectory(source)) {
    report.fatal = "source folder \"" + source + "\" not found (set `source` in " +
                   (cfg.config_path.empty() ? std::string("site.toml") : cfg.config_path) +
                   ")";
    return report;
  }
  const std::string source_abs = Canonical(source);
  std::vector<std::string> scope;
  for (const auto& p : options.paths) {
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      report.fatal = "no such file or folder: " + p;
      return report;
    }
    std::string c = Canonical(p);
    if (!Within(c, source_abs) && !Within(source_abs, c))
      report.notes.push_back(p + ": not under " + source + ", skipped");
    else
      scope.push_back(Within(source_abs, c) ? source_abs : c);
  }
  if (!options.paths.empty() && scope.empty()) return report;  // nothing to check

  markdown::Init();
  util::Diagnostics diags;
  content::LoadOptions load_options;
  load_options.include_drafts = true;
  content::LoadResult loaded = content::LoadAll(cfg, load_options, &diags);
  content::ReportLinksOutside(cfg, &diags);  // theme, layouts, static, archetypes
  util::DateTime today = options.today ? *options.today : util::Today();
  model::BuildModelOptions model_options;
  model_options.today = today;
  model::SiteModel model = model::BuildSiteModel(
      cfg, loaded.documents, content::GitHistory(), model_options, &diags);
  // A build warns about an implausible date (and keeps it out of charts);
  // check, the gate before merging, refuses it.
  for (auto& d : diags.items())
    if (d.rule == "times/implausible") d.level = util::Level::kError;

  // One name per file in every finding: the path as opened.
  std::map<std::string, std::string> names;
  for (const auto& doc : loaded.documents) {
    names[doc.relative_path] = doc.path;
    names[util::JoinPath(source, doc.relative_path)] = doc.path;
  }
  for (auto& d : diags.items()) {
    auto it = names.find(d.file);
    if (it != names.end()) d.file = it->second;
    else if (!d.file.empty() && d.file.front() != '/' &&
             util::IsRegularFile(util::JoinPath(source, d.file)))
      d.file = util::JoinPath(source, d.file);  // a file the loader left out
  }
  CheckDocuments(cfg, loaded.documents, &model, &diags, today);

  auto in_scope = [&](const std::string& file) {
    if (scope.empty()) return true;
    std::string c = Canonical(util::IsRegularFile(file) ? file : util::JoinPath(source, file));
    for (const auto& s : scope)
      if (Within(c, s)) return true;
    return false;
  };
  std::map<std::string, bool> files;
  for (const auto& doc : loaded.documents)
    if (in_scope(doc.path)) files[doc.path] = true;
  for (const auto& d : diags.items()) {
    if (!in_scope(d.file)) continue;
    if (d.level == util::Level::kError && util::EndsWith(d.file, ".md")) files[d.file] = true;
    report.diagnostics.Add(d);
  }
  for (const auto& p : options.paths) {
    std::string c = Canonical(p);
    bool known = !util::IsRegularFile(p);
    for (const auto& [f, _] : files) known |= Canonical(f) == c;
    if (!known && Within(c, source_abs))
      report.notes.push_back(p + ": not a postmortem (ignored by the loader), skipped");
  }
  report.diagnostics.Sort();
  report.files = static_cast<int>(files.size());
  report.errors = report.diagnostics.ErrorCount();
  report.warnings = report.diagnostics.WarningCount();
  return report;
}

const std::vector<RuleInfo>& Rules() {
  using util::Level;
  static const std::vector<RuleInfo> kRules = {
      {"schema/front-matter", Level::kError, "front matter that does not parse (loader)"},
      {"schema/encoding", Level::kError, "a file that is not valid UTF-8 (loader)"},
      {"schema/type", Level::kError, "a value of the wrong type, e.g. a title that is not a string (loader)"},
      {"schema/date", Level::kError, "a date or date-time that is not one (loader)"},
      {"schema/status", Level::kError, "a status other than draft, review, final (loader)"},
      {"schema/timeline", Level::kError, "a timeline entry without `at` (loader)"},
      {"content/unreadable", Level::kError, "a file that cannot be read (loader)"},
      {"content/outside-link", Level::kError,
       "a content, theme, layouts, static or archetypes file or folder that links outside the site (not read)"},
      {"limits/file-size", Level::kError, "a postmortem larger than [limits] max_file_bytes (loader)"},
      {"limits/nesting", Level::kError,
       "block quotes, lists, brackets or TOML keys nested deeper than [limits] max_nesting (loader)"},
      {"limits/table-cells", Level::kError, "a Markdown table with more cells than [limits] max_table_cells (loader)"},
      {"limits/front-matter", Level::kError,
       "front matter that expands to more than 100,000 values (YAML aliases; loader)"},
      {"schema/id", Level::kError, "an id that is not URL-safe"},
      {"schema/duplicate-id", Level::kError, "two postmortems with the same id (model)"},
      {"schema/severity", Level::kError, "a severity not listed in site.toml (model)"},
      {"schema/unknown-key", Level::kWarning, "an unknown key close to a known one"},
      {"schema/custom-key", Level::kOff, "any key that is not part of the format"},
      {"schema/title", Level::kWarning, "no title: the file name is used"},
      {"times/order", Level::kError, "[incident] times out of order"},
      {"times/timeline-order", Level::kWarning, "a timeline entry earlier than the one above"},
      {"times/before-start", Level::kWarning, "a timeline entry before incident.started"},
      {"times/future", Level::kError, "a date or time after today"},
      {"times/no-date", Level::kWarning, "no incident date anywhere in the file (listed under archive/undated/)"},
      {"times/implausible", Level::kError, "a date before 1970 or more than a year after today (model; a warning in build)"},
      {"names/collision", Level::kError, "two ids, terms or owners that differ only in case or Unicode normalisation (model)"},
      {"names/fallback-slug", Level::kWarning, "a term with no letter or digit, e.g. \"🔥\": its page gets a hash-based name (model)"},
      {"names/shortened-slug", Level::kWarning, "a term too long for a folder name: its page name is shortened (model)"},
      {"names/control-characters", Level::kWarning, "control characters (NUL, ESC, ...) in a title, term or other field, left out (model)"},
      {"links/related", Level::kWarning, "a related id that names no postmortem (model)"},
      {"links/broken", Level::kWarning, "a .md or [[id]] link to no postmortem (model)"},
      {"links/missing-file", Level::kWarning, "a link or image to a local file that does not exist (model)"},
      {"links/unpublished-file", Level::kWarning,
       "a link or image to a file outside the source folder, hidden or over [limits] max_attachment_bytes: not published (model)"},
      {"actions/missing-owner", Level::kError, "an action item without owner"},
      {"actions/missing-due", Level::kError, "an action item without due date"},
      {"actions/missing-ticket", Level::kError, "an action item without ticket"},
      {"actions/overdue", Level::kWarning, "an open action item past its due date"},
      {"actions/none", Level::kWarning, "a final postmortem without action items"},
      {"sections/missing", Level::kError, "a required section is missing"},
      {"sections/empty", Level::kError, "a required section is empty or placeholder only"},
      {"blameless/counterfactual", Level::kWarning, "would have, could have, should have, if only, failed to"},
      {"blameless/judgement", Level::kWarning, "careless, negligent, sloppy, stupid, fault, blame, human error, obviously, simply, just had to"},
      {"blameless/person-as-cause", Level::kWarning, "caused by <name>, root cause: <name>, <name>'s mistake"},
      {"blameless/custom", Level::kWarning, "a phrase from [check] blameless_add"},
  };
  return kRules;
}

}  // namespace casebook::check
