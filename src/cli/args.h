// A small argv parser shared by the subcommands: "--flag", "--key value",
// "--key=value", repeated keys, and positional arguments. Unknown options are
// reported so each command can print its usage and exit 2.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace casebook::cli {

struct OptionSpec {
  std::set<std::string> flags;   // take no value: "--drafts", "--json"
  std::set<std::string> values;  // take a value: "--config", "--limit"
};

class Args {
 public:
  /// Parses args (without the program and command names). On an unknown
  /// option or a missing value, ok() is false and error() says which.
  Args(const std::vector<std::string>& args, const OptionSpec& spec);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  bool Has(const std::string& name) const;
  std::optional<std::string> Get(const std::string& name) const;  // last given
  std::string GetOr(const std::string& name, const std::string& fallback) const;
  std::vector<std::string> GetAll(const std::string& name) const;
  /// Integer value; *bad set (and fallback returned) when not a number.
  long GetInt(const std::string& name, long fallback, bool* bad) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::multimap<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positional_;
  std::string error_;
};

}  // namespace casebook::cli
