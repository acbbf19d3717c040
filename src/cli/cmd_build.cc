// `casebook build`: runs the pipeline (site/build.h) and reports.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "site/build.h"

namespace casebook::cli {

int RunBuild(const CommandArgs& argv) {
  Args args(argv, {{"--drafts", "--verbose", "--quiet", "--no-index", "--no-cache"},
                   {"--config", "--source", "--output", "--today", "--jobs"}});
  if (!args.ok()) return UsageError("build", args.error());
  if (!args.positional().empty())
    return UsageError("build", "unexpected argument " + args.positional()[0]);

  site::BuildOptions options;
  options.config_path = args.GetOr("--config", "site.toml");
  options.source = args.Get("--source");
  options.output = args.Get("--output");
  options.drafts = args.Has("--drafts");
  options.verbose = args.Has("--verbose");
  options.index = !args.Has("--no-index");
  options.cache = !args.Has("--no-cache");
  options.free_memory = false;  // the process ends with the build
  bool bad = false;
  options.today = TodayOption(args, &bad);
  if (bad) return UsageError("build", "--today needs a date like 2024-03-14");
  options.jobs = static_cast<int>(args.GetInt("--jobs", 0, &bad));
  if (bad || options.jobs < 0) return UsageError("build", "--jobs needs a number");
  const bool quiet = args.Has("--quiet");

  site::BuildReport report;
  util::Diagnostics diags;
  bool ok = site::Build(options, &report, &diags);
  diags.Sort();
  if (quiet) {
    util::Diagnostics errors;
    for (const auto& d : diags.items())
      if (d.level == util::Level::kError) errors.Add(d);
    PrintDiagnostics(errors, stderr);
  } else {
    PrintDiagnostics(diags, stderr);
  }
  if (options.verbose) {
    for (const auto& s : report.skipped) std::fprintf(stderr, "skipped: %s\n", s.c_str());
    std::fprintf(stderr, "rendered %d file(s); the others were unchanged\n", report.pages_rendered);
    std::fprintf(stderr, "  %-22s %9s %9s %10s\n", "step", "wall", "cpu", "peak RSS");
    for (const auto& t : report.timings)
      std::fprintf(stderr, "  %-22s %7.3f s %7.3f s %7ld MB\n", t.step.c_str(), t.seconds,
                   t.cpu_seconds, t.peak_rss_kb / 1024);
  }
  if (report.refused) {
    std::fprintf(stderr, "build refused: nothing was written to %s\n", report.output_dir.c_str());
    return 2;
  }
  if (!ok) {
    std::fprintf(stderr, "build failed: %d error(s), %d warning(s); %s\n",
                 diags.ErrorCount(), diags.WarningCount(),
                 report.output_dir.empty() ? "nothing was written"
                                           : ("the site in " + report.output_dir +
                                              " was left as it was").c_str());
    return diags.HasErrors() ? 1 : 2;
  }
  if (!quiet) {
    std::printf("Wrote %d postmortem%s to %s/ (%d files, %d changed)", report.postmortems,
                report.postmortems == 1 ? "" : "s", report.output_dir.c_str(),
                report.files_total, report.files_written);
    if (report.drafts_left_out > 0)
      std::printf("; %d draft(s) left out (use --drafts to include)", report.drafts_left_out);
    std::printf(".\n%d warning(s).\n", diags.WarningCount());
    const std::string served = "http://127.0.0.1:8080" + report.base_path;
    if (report.relative_urls) {
      std::printf("Open %s/index.html in a browser (it works from disk; full-text search needs "
                  "the server), or run `casebook serve` and browse %s\n",
                  report.output_dir.c_str(), served.c_str());
    } else {
      std::printf("Pages link with absolute paths under %s (relative_urls = false), so they "
                  "need a web server: run `casebook serve` and browse %s\n",
                  report.base_path.c_str(), served.c_str());
    }
  }
  return 0;
}

}  // namespace casebook::cli
