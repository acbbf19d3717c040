// Options several commands share: --config, --today, --jobs, and printing
// diagnostics for a terminal.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "cli/args.h"
#include "util/datetime.h"
#include "util/diagnostics.h"

namespace casebook::cli {

/// Parses --today YYYY-MM-DD. nullopt when absent; *bad when malformed.
std::optional<util::DateTime> TodayOption(const Args& args, bool* bad);

/// "file:line:col: level: rule: message" and an indented hint, one per finding.
void PrintDiagnostics(const util::Diagnostics& diags, std::FILE* out);

}  // namespace casebook::cli
