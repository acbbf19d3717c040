// `casebook check [PATH...] [--format text|json|github] [--strict]
//                 [--today YYYY-MM-DD] [--config FILE]`
//
// Validates the archive (or only PATHs, still resolving links against the
// whole archive) and lints it for blameless language; writes nothing.
// Findings go to stdout in the chosen format; notes and, for json, the
// summary go to stderr. Exit 0 clean or warnings only, 1 errors (or warnings
// with --strict), 2 could not run (bad usage, no site.toml, no source folder).
#include <cstdio>
#include <iostream>

#include "check/check.h"
#include "check/report.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "config/config.h"
#include "util/text.h"

namespace casebook::cli {

int RunCheck(const CommandArgs& argv) {
  OptionSpec spec;
  spec.flags = {"--strict"};
  spec.values = {"--format", "--config", "--today"};
  Args args(argv, spec);
  if (!args.ok()) return UsageError("check", args.error());

  std::string format_name = args.GetOr("--format", "text");
  auto format = check::ParseFormat(format_name);
  if (!format)
    return UsageError("check", "unknown format \"" + format_name +
                                   "\" (use text, json or github)");

  check::CheckOptions options;
  options.strict = args.Has("--strict");
  options.paths = args.positional();
  bool bad_today = false;
  options.today = TodayOption(args, &bad_today);
  if (bad_today)
    return UsageError("check", "--today wants a date as YYYY-MM-DD, not \"" +
                                   args.GetOr("--today", "") + "\"");

  util::Diagnostics config_diags;
  config::SiteConfig cfg =
      config::Load(args.GetOr("--config", "site.toml"), &config_diags);
  PrintDiagnostics(config_diags, stderr);
  if (config_diags.HasErrors()) {
    std::cerr << "casebook check: cannot run without a valid site configuration\n";
    return 2;
  }

  check::CheckReport report = check::RunCheck(cfg, options);
  if (!report.fatal.empty()) {
    std::cerr << "casebook check: " << report.fatal << "\n";
    return 2;
  }
  for (const auto& note : report.notes) std::cerr << "casebook check: " << note << "\n";
  // Findings quote postmortem text: no ESC/OSC of theirs reaches the terminal.
  std::cout << util::TerminalSafe(check::FormatReport(report, *format));
  if (*format == check::Format::kJson) std::cerr << check::Summary(report) << "\n";
  std::cout.flush();
  return report.ExitCode();
}

}  // namespace casebook::cli
