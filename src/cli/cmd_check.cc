// Placeholder until `casebook check` is implemented.
#include <cstdio>

#include "cli/commands.h"

namespace casebook::cli {

int RunCheck(const CommandArgs&) {
  std::fprintf(stderr, "casebook check: not implemented yet\n");
  return 2;
}

}  // namespace casebook::cli
