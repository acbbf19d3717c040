// Placeholder until `casebook search` is implemented.
#include <cstdio>

#include "cli/commands.h"

namespace casebook::cli {

int RunSearch(const CommandArgs&) {
  std::fprintf(stderr, "casebook search: not implemented yet\n");
  return 2;
}

}  // namespace casebook::cli
