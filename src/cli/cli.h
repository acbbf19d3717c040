// Command line: `casebook build | check | new | search | serve | brief |
// actions | help | --version`. Parses argv, runs the command, returns the
// process exit code (0 ok, 1 findings/errors, 2 usage or could not run).
#pragma once

namespace casebook::cli {

int Run(int argc, char** argv);

}  // namespace casebook::cli
