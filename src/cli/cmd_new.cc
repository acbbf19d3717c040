// `casebook new TITLE [--severity S] [--service X]... [--tag X]...
//               [--date YYYY-MM-DD] [--dir DIR] [--edit] [--config FILE]`
//
// Writes <dir>/<yyyy>/<date>-<slug>.md (dir: --dir, else the site's source
// folder) from the archetype (archetypes/postmortem.md at the site root, else
// the theme's), with title, id, date, severity, services and tags filled in.
// The severity defaults to the least severe level in site.toml (the last
// one). Never overwrites: an existing file is an error (exit 1). Prints the
// new file's path on stdout; --edit then opens it in $VISUAL or $EDITOR.
// Exit 0 done, 1 the file exists / the editor failed / the result does not
// parse, 2 bad usage or no usable site.toml or archetype.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "check/archetype.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "config/config.h"
#include "content/loader.h"
#include "util/confine.h"
#include "util/datetime.h"
#include "util/fs.h"
#include "util/text.h"

namespace casebook::cli {
namespace {

std::string ShellQuote(const std::string& s) {
  return "'" + util::ReplaceAll(s, "'", "'\\''") + "'";
}

int OpenEditor(const std::string& path) {
  const char* editor = std::getenv("VISUAL");
  if (!editor || !*editor) editor = std::getenv("EDITOR");
  if (!editor || !*editor) {
    std::cerr << "casebook new: --edit: set $EDITOR (or $VISUAL) to open " << path << "\n";
    return 1;
  }
  std::string cmd = std::string(editor) + " " + ShellQuote(path);
  std::fflush(stdout);
  int status = std::system(cmd.c_str());
  if (status != 0) {
    std::cerr << "casebook new: the editor (" << editor << ") exited with an error\n";
    return 1;
  }
  return 0;
}

}  // namespace

int RunNew(const CommandArgs& argv) {
  OptionSpec spec;
  spec.flags = {"--edit"};
  spec.values = {"--severity", "--service", "--tag", "--date", "--dir", "--config"};
  Args args(argv, spec);
  if (!args.ok()) return UsageError("new", args.error());

  check::NewPostmortem pm;
  pm.title = std::string(util::Trim(util::Join(args.positional(), " ")));
  if (pm.title.empty()) return UsageError("new", "a TITLE is required");
  pm.services = args.GetAll("--service");
  pm.tags = args.GetAll("--tag");

  util::DateTime date = util::Today();
  if (auto d = args.Get("--date")) {
    auto parsed = util::ParseDateTime(*d);
    if (!parsed || parsed->has_time)
      return UsageError("new", "--date wants a date as YYYY-MM-DD, not \"" + *d + "\"");
    date = *parsed;
  }
  pm.date = util::FormatDate(date, date.offset_minutes);

  util::Diagnostics config_diags;
  config::SiteConfig cfg = config::Load(args.GetOr("--config", "site.toml"), &config_diags);
  PrintDiagnostics(config_diags, stderr);
  if (config_diags.HasErrors()) {
    std::cerr << "casebook new: cannot run without a valid site configuration\n";
    return 2;
  }

  pm.severity = args.GetOr("--severity", check::DefaultSeverity(cfg));
  if (!cfg.severities.empty() && !cfg.FindSeverity(pm.severity)) {
    std::string names;
    for (const auto& s : cfg.severities) names += (names.empty() ? "" : ", ") + s.name;
    return UsageError("new", "unknown severity \"" + pm.severity + "\" (site.toml lists " +
                                 names + ")");
  }

  std::string archetype_path = check::FindArchetype(cfg);
  if (archetype_path.empty()) {
    std::cerr << "casebook new: no archetype: add archetypes/postmortem.md to the site or "
                 "to the theme ("
              << util::JoinPath(cfg.ThemeDir(), "archetypes/postmortem.md") << ")\n";
    return 2;
  }
  // Its text goes into content/: a link out of the site is not read.
  if (auto target = util::ResolvesOutside(archetype_path,
                                          util::AllowedRoots(cfg.root, cfg.ThemeDir()))) {
    std::cerr << "casebook new: " << archetype_path << " is a symbolic link to " << *target
              << ", outside the site folder: it is not read; replace the link with a copy of "
                 "the archetype\n";
    return 2;
  }
  std::string error;
  auto archetype = util::ReadFile(archetype_path, &error);
  if (!archetype) {
    std::cerr << "casebook new: " << error << "\n";
    return 2;
  }

  std::string dir = args.GetOr("--dir", cfg.SourceDir());
  std::string path = check::NewPostmortemPath(dir, pm);
  if (util::IsRegularFile(path) || util::IsDirectory(path)) {
    std::cerr << "casebook new: " << path << " already exists; not overwriting it\n";
    return 1;
  }
  std::string text = check::FillArchetype(*archetype, pm);
  if (!util::WriteFile(path, text, &error)) {
    std::cerr << "casebook new: " << error << "\n";
    return 1;
  }
  std::cout << path << "\n";

  // The archetype is the site's to change: make sure what it gave still parses.
  content::Document doc;
  util::Diagnostics parse_diags;
  bool parsed = content::ParseDocument(text, path, util::BaseName(path), cfg, &doc,
                                       &parse_diags);
  PrintDiagnostics(parse_diags, stderr);
  if (!parsed || parse_diags.HasErrors()) {
    std::cerr << "casebook new: " << archetype_path
              << " produced a file with errors; fix the archetype\n";
    return 1;
  }
  return args.Has("--edit") ? OpenEditor(path) : 0;
}

}  // namespace casebook::cli
