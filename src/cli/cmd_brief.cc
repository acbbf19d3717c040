// `casebook brief SERVICE|TAG...`: what to read before changing a system.
//
// Loads the archive (site::LoadSite: site.toml, content, model), and when a
// search index exists, finds the similar incidents of the listed ones with
// it (search::ComputeSimilarFor); without one the briefing simply has no
// similar incidents. Prints the
// briefing (search/brief.h) as text, --markdown or --json. Exit 0 even when
// nothing matches (the briefing says so); 2 on a usage error or a site.toml
// that cannot be used.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "search/brief.h"
#include "search/searcher.h"
#include "search/similar.h"
#include "site/build.h"
#include "util/text.h"

namespace casebook::cli {

int RunBrief(const CommandArgs& argv) {
  Args args(argv, {{"--json", "--markdown"}, {"--config"}});
  if (!args.ok()) return UsageError("brief", args.error());
  if (args.positional().empty())
    return UsageError("brief",
                      "name at least one service or tag, e.g. casebook brief checkout-api");
  if (args.Has("--json") && args.Has("--markdown"))
    return UsageError("brief", "choose one of --json and --markdown");

  site::BuildOptions options;
  options.config_path = args.GetOr("--config", "site.toml");
  options.index = false;
  util::Diagnostics diags;
  std::unique_ptr<site::Site> site = site::LoadSite(options, &diags);
  if (!site) {
    util::Diagnostics errors;
    for (const auto& d : diags.items())
      if (d.level == util::Level::kError) errors.Add(d);
    PrintDiagnostics(errors, stderr);
    return 2;
  }
  if (diags.HasErrors())
    std::fprintf(stderr,
                 "note: %d problem(s) in the archive; the briefing may be incomplete "
                 "(run `casebook check`)\n",
                 diags.ErrorCount());

  const std::vector<std::string>& subjects = args.positional();
  std::string index_dir = site->config.IndexDir();
  if (search::Searcher::IndexExists(index_dir)) {
    search::ComputeSimilarFor(index_dir, &site->model,
                              search::BriefPostmortems(site->model, subjects));
  } else {
    std::fprintf(stderr,
                 "note: no search index at %s, so no similar incidents "
                 "(run `casebook build`)\n",
                 index_dir.c_str());
  }

  search::Brief brief = search::MakeBrief(site->model, subjects);
  if (args.Has("--json")) {
    std::printf("%s\n", search::BriefToValue(brief).ToJson(true).c_str());
  } else if (args.Has("--markdown")) {
    std::fputs(util::TerminalSafe(search::BriefToMarkdown(brief)).c_str(), stdout);
  } else {
    std::fputs(util::TerminalSafe(search::BriefToText(brief)).c_str(), stdout);
  }
  return 0;
}

}  // namespace casebook::cli
