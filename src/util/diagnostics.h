// Diagnostics: the errors and warnings every stage reports.
//
// A Diagnostic always names the file (relative to the archive root where
// possible), the 1-based line and column (0 = unknown), a rule id, what is
// wrong and a one-line hint on what to do. Stages never throw for bad user
// input; they append here and carry on, so one broken postmortem cannot stop
// the others from being read. Not thread-safe: one Diagnostics per thread,
// merged afterwards.
#pragma once

#include <string>
#include <vector>

namespace casebook::util {

enum class Level { kOff, kWarning, kError };

const char* LevelName(Level level);  // "error" | "warning" | "off"

struct Diagnostic {
  Level level = Level::kError;
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
  std::string rule;     // e.g. "schema/severity", "links/broken"
  std::string message;  // what is wrong
  std::string hint;     // what to do about it (may be empty)

  /// "file:line:column: error: rule: message" (line/column left out when 0).
  std::string Format() const;
};

class Diagnostics {
 public:
  void Add(Diagnostic d) { items_.push_back(std::move(d)); }
  void Error(std::string file, int line, std::string rule, std::string message,
             std::string hint = {}, int column = 0);
  void Warning(std::string file, int line, std::string rule,
               std::string message, std::string hint = {}, int column = 0);
  void Append(const Diagnostics& other);

  /// Sorts by file, line, column, then rule, so output is deterministic.
  void Sort();
  int ErrorCount() const;
  int WarningCount() const;
  bool HasErrors() const { return ErrorCount() > 0; }
  const std::vector<Diagnostic>& items() const { return items_; }
  std::vector<Diagnostic>& items() { return items_; }

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace casebook::util
