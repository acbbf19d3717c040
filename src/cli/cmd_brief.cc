// Placeholder until `casebook brief` is implemented.
#include <cstdio>

#include "cli/commands.h"

namespace casebook::cli {

int RunBrief(const CommandArgs&) {
  std::fprintf(stderr, "casebook brief: not implemented yet\n");
  return 2;
}

}  // namespace casebook::cli
