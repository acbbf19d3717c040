// Placeholder until `casebook new` is implemented.
#include <cstdio>

#include "cli/commands.h"

namespace casebook::cli {

int RunNew(const CommandArgs&) {
  std::fprintf(stderr, "casebook new: not implemented yet\n");
  return 2;
}

}  // namespace casebook::cli
