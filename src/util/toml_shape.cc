// TOML nesting, measured without parsing (see toml_shape.h).
#include "util/toml_shape.h"

namespace casebook::util {

namespace {

bool IsBareChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '+' || c == ':' || static_cast<unsigned char>(c) >= 0x80;
}

// Skips a string starting at text[*i] (a quote), counting newlines in
// multi-line strings. An unterminated string ends at the end of its line
// (the parser reports it).
void SkipString(std::string_view text, size_t* i, int* line) {
  const char q = text[*i];
  const size_t n = text.size();
  if (*i + 2 < n && text[*i + 1] == q && text[*i + 2] == q) {
    *i += 3;
    while (*i < n) {
      if (q == '"' && text[*i] == '\\') {
        if (*i + 1 < n && text[*i + 1] == '\n') ++*line;
        *i += 2;
        continue;
      }
      if (text[*i] == '\n') ++*line;
      if (*i + 2 < n && text[*i] == q && text[*i + 1] == q && text[*i + 2] == q) {
        *i += 3;
        return;
      }
      ++*i;
    }
    return;
  }
  ++*i;
  while (*i < n && text[*i] != q && text[*i] != '\n') *i += (q == '"' && text[*i] == '\\') ? 2 : 1;
  if (*i < n && text[*i] == q) ++*i;
}

}  // namespace

std::optional<int> TomlNestingOverrun(std::string_view text, int max_depth) {
  int line = 0, brackets = 0, chain = 0;
  bool after_dot = false;
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const char c = text[i];
    bool atom = false;
    if (c == '\n') {
      ++line;
      chain = 0;
      after_dot = false;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '#') {
      while (i < n && text[i] != '\n') ++i;
    } else if (c == '"' || c == '\'') {
      const int at = line;
      SkipString(text, &i, &line);
      if (line != at) chain = 0;  // a multi-line string is a value
      atom = true;
    } else if (c == '.') {
      after_dot = true;
      ++i;
    } else if (IsBareChar(c)) {
      while (i < n && IsBareChar(text[i])) ++i;
      atom = true;
    } else {
      if (c == '[' || c == '{') ++brackets;
      if ((c == ']' || c == '}') && brackets > 0) --brackets;
      chain = 0;
      after_dot = false;
      ++i;
    }
    if (atom) {
      chain = after_dot ? chain + 1 : 1;
      after_dot = false;
    }
    if (chain + brackets > max_depth) return line;
  }
  return std::nullopt;
}

}  // namespace casebook::util
