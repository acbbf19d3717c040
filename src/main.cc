// casebook: a static site generator for postmortem archives.
// Everything lives in the cb_* libraries; main only hands argv to the CLI.
#include "cli/cli.h"

int main(int argc, char** argv) { return casebook::cli::Run(argc, argv); }
