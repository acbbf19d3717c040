// Placeholder until `casebook build` is implemented.
#include <cstdio>

#include "cli/commands.h"

namespace casebook::cli {

int RunBuild(const CommandArgs&) {
  std::fprintf(stderr, "casebook build: not implemented yet\n");
  return 2;
}

}  // namespace casebook::cli
