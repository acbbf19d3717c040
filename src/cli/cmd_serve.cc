// `casebook serve`: serves the built site and its search over HTTP until
// Ctrl-C (server/server.h). Reads site.toml only; the site must have been
// built (`casebook build`) into the output folder first.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "config/config.h"
#include "server/server.h"
#include "util/fs.h"

namespace casebook::cli {

int RunServe(const CommandArgs& argv) {
  Args args(argv, {{}, {"--config", "--port", "--bind"}});
  if (!args.ok()) return UsageError("serve", args.error());
  if (!args.positional().empty())
    return UsageError("serve", "unexpected argument " + args.positional()[0]);

  server::ServeOptions options;
  bool bad = false;
  long port = args.GetInt("--port", 8080, &bad);
  if (bad || port < 1 || port > 65535)
    return UsageError("serve", "--port needs a number from 1 to 65535");
  options.port = static_cast<int>(port);
  options.bind = args.GetOr("--bind", "127.0.0.1");
  if (options.bind.empty()) return UsageError("serve", "--bind needs an address");

  util::Diagnostics diags;
  config::SiteConfig cfg = config::Load(args.GetOr("--config", "site.toml"), &diags);
  diags.Sort();
  if (diags.HasErrors()) {
    PrintDiagnostics(diags, stderr);
    return 2;
  }
  PrintDiagnostics(diags, stderr);  // warnings only

  if (!util::IsDirectory(cfg.OutputDir())) {
    std::fprintf(stderr, "casebook serve: no site in %s/: run `casebook build` first\n",
                 cfg.OutputDir().c_str());
    return 2;
  }
  return server::Serve(cfg, options);
}

}  // namespace casebook::cli
