// Placeholder until `casebook actions` is implemented.
#include <cstdio>

#include "cli/commands.h"

namespace casebook::cli {

int RunActions(const CommandArgs&) {
  std::fprintf(stderr, "casebook actions: not implemented yet\n");
  return 2;
}

}  // namespace casebook::cli
