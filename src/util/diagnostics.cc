#include "util/diagnostics.h"

#include <algorithm>
#include <tuple>

namespace casebook::util {

const char* LevelName(Level level) {
  switch (level) {
    case Level::kError: return "error";
    case Level::kWarning: return "warning";
    case Level::kOff: return "off";
  }
  return "error";
}

std::string Diagnostic::Format() const {
  std::string out = file;
  if (line > 0) {
    // Appended piecewise: `":" + std::to_string(n)` trips GCC 12's false
    // -Wrestrict positive (GCC bug 105651) in Release builds.
    out += ':';
    out += std::to_string(line);
    if (column > 0) {
      out += ':';
      out += std::to_string(column);
    }
  }
  out += ": ";
  out += LevelName(level);
  out += ": ";
  if (!rule.empty()) out += rule + ": ";
  out += message;
  return out;
}

void Diagnostics::Error(std::string file, int line, std::string rule,
                        std::string message, std::string hint, int column) {
  items_.push_back({Level::kError, std::move(file), line, column,
                    std::move(rule), std::move(message), std::move(hint)});
}

void Diagnostics::Warning(std::string file, int line, std::string rule,
                          std::string message, std::string hint, int column) {
  items_.push_back({Level::kWarning, std::move(file), line, column,
                    std::move(rule), std::move(message), std::move(hint)});
}

void Diagnostics::Append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

void Diagnostics::Sort() {
  std::stable_sort(items_.begin(), items_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.file, a.line, a.column, a.rule) <
                            std::tie(b.file, b.line, b.column, b.rule);
                   });
}

int Diagnostics::ErrorCount() const {
  return static_cast<int>(std::count_if(
      items_.begin(), items_.end(),
      [](const Diagnostic& d) { return d.level == Level::kError; }));
}

int Diagnostics::WarningCount() const {
  return static_cast<int>(std::count_if(
      items_.begin(), items_.end(),
      [](const Diagnostic& d) { return d.level == Level::kWarning; }));
}

}  // namespace casebook::util
