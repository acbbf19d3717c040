#include "cli/args.h"

#include <cstdlib>

namespace casebook::cli {

Args::Args(const std::vector<std::string>& args, const OptionSpec& spec) {
  bool only_positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_positional || a.size() < 2 || a[0] != '-') {
      positional_.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    std::string name = a, value;
    bool has_inline = false;
    size_t eq = a.find('=');
    if (eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_inline = true;
    }
    if (spec.flags.count(name)) {
      if (has_inline) {
        error_ = "option " + name + " takes no value";
        return;
      }
      flags_.insert(name);
    } else if (spec.values.count(name)) {
      if (!has_inline) {
        if (i + 1 >= args.size()) {
          error_ = "option " + name + " needs a value";
          return;
        }
        value = args[++i];
      }
      values_.emplace(name, value);
    } else {
      error_ = "unknown option " + name;
      return;
    }
  }
}

bool Args::Has(const std::string& name) const {
  return flags_.count(name) || values_.count(name);
}

std::optional<std::string> Args::Get(const std::string& name) const {
  auto range = values_.equal_range(name);
  if (range.first == range.second) return std::nullopt;
  auto last = range.second;
  --last;
  return last->second;
}

std::string Args::GetOr(const std::string& name, const std::string& fallback) const {
  auto v = Get(name);
  return v ? *v : fallback;
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  std::vector<std::string> out;
  auto range = values_.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

long Args::GetInt(const std::string& name, long fallback, bool* bad) const {
  auto v = Get(name);
  if (!v) return fallback;
  char* end = nullptr;
  long n = std::strtol(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0') {
    if (bad) *bad = true;
    return fallback;
  }
  return n;
}

}  // namespace casebook::cli
