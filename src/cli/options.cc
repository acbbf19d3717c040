#include "cli/options.h"

#include "util/text.h"

namespace casebook::cli {

std::optional<util::DateTime> TodayOption(const Args& args, bool* bad) {
  auto text = args.Get("--today");
  if (!text) return std::nullopt;
  auto t = util::ParseDateTime(*text);
  if (!t || t->has_time) {
    *bad = true;
    return std::nullopt;
  }
  return t;
}

void PrintDiagnostics(const util::Diagnostics& diags, std::FILE* out) {
  for (const auto& d : diags.items()) {
    std::fprintf(out, "%s\n", util::TerminalSafe(d.Format()).c_str());
    if (!d.hint.empty()) std::fprintf(out, "    hint: %s\n", util::TerminalSafe(d.hint).c_str());
  }
}

}  // namespace casebook::cli
