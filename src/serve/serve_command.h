// The casebook-serve executable's command: what `casebook serve` runs
// (src/cli/cmd_serve.cc execs casebook-serve with its arguments).
#pragma once

#include "cli/commands.h"

namespace casebook::cli {

/// `casebook serve [--port N] [--bind A] [--watch [--drafts]] [--config F]`
/// in this process: serves until SIGINT / SIGTERM; returns the exit code.
int ServeCommand(const CommandArgs& args);

}  // namespace casebook::cli
