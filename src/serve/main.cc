// casebook-serve: the HTTP server of `casebook serve`, in an executable of
// its own so that only it links cpp-httplib and OpenSSL (src/cli/cmd_serve.cc
// says why). `casebook serve ARGS` execs `casebook-serve ARGS` from beside
// itself; run directly, it does the same.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "markdown/markdown.h"
#include "serve/serve_command.h"

int main(int argc, char** argv) {
  using namespace casebook;
  cli::CommandArgs args(argv + 1, argv + argc);
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(cli::UsageOf("serve").c_str(), stdout);
      return 0;
    }
  }
  markdown::Init();  // as casebook does before every command
  return cli::ServeCommand(args);
}
