// Placeholder until `casebook serve` is implemented.
#include <cstdio>

#include "cli/commands.h"

namespace casebook::cli {

int RunServe(const CommandArgs&) {
  std::fprintf(stderr, "casebook serve: not implemented yet\n");
  return 2;
}

}  // namespace casebook::cli
