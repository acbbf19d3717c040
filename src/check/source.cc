// SourceFile, ignore comments, rule-pattern matching and RuleContext helpers.
#include <algorithm>
#include <cctype>

#include "check/internal.h"
#include "markdown/markdown.h"
#include "util/fs.h"
#include "util/text.h"

namespace casebook::check {
namespace {

const std::string kEmpty;

bool IsIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '-' ||
         c == '_' || c == '*' || c == '.';
}

// Rule ids after "casebook-ignore" up to "-->" or the end of the line.
std::vector<std::string> ParseIgnoreIds(std::string_view rest) {
  size_t end = rest.find("-->");
  if (end != std::string_view::npos) rest = rest.substr(0, end);
  std::vector<std::string> ids;
  size_t i = 0;
  while (i < rest.size()) {
    if (!IsIdChar(rest[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < rest.size() && IsIdChar(rest[j])) ++j;
    ids.emplace_back(rest.substr(i, j - i));
    i = j;
  }
  if (ids.empty()) ids.emplace_back();  // bare comment: every rule
  return ids;
}

}  // namespace

bool IsCompletenessRule(std::string_view rule) {
  return util::StartsWith(rule, "sections/") || rule == "actions/missing-owner" ||
         rule == "actions/missing-due" || rule == "actions/missing-ticket" ||
         rule == "actions/none";
}

bool RuleMatches(std::string_view pattern, std::string_view rule) {
  if (pattern.empty() || pattern == "*" || pattern == rule) return true;
  // A family ("blameless" or "blameless/*") covers "blameless/<anything>".
  if (util::EndsWith(pattern, "/*")) pattern.remove_suffix(2);
  return rule.size() > pattern.size() && util::StartsWith(rule, pattern) &&
         rule[pattern.size()] == '/';
}

SourceFile SourceFile::FromText(const std::string& text) {
  SourceFile f;
  for (std::string& l : util::Split(text, '\n')) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    f.lines_.push_back(std::move(l));
  }
  if (!text.empty() && text.back() == '\n') f.lines_.pop_back();
  if (!f.lines_.empty()) {
    std::string first(util::Trim(f.lines_[0]));
    if (util::StartsWith(first, "\xEF\xBB\xBF")) first = first.substr(3);
    if (first == "+++" || first == "---") {
      for (int i = 1; i < f.line_count(); ++i) {
        if (util::Trim(f.lines_[i]) == first) {
          f.fm_first_ = 2;
          f.fm_last_ = i;  // 1-based number of the last line before the delimiter
          break;
        }
      }
    }
  }
  f.ScanIgnores();
  return f;
}

SourceFile SourceFile::Load(const std::string& path, const content::Document* doc) {
  std::string error;
  if (auto text = util::ReadFile(path, &error)) return FromText(*text);
  std::string rebuilt;
  if (doc) {
    for (int i = 1; i < doc->body_line; ++i) rebuilt += "\n";
    rebuilt += doc->body;
  }
  SourceFile f = FromText(rebuilt);
  if (doc && doc->body_line > 2) {
    f.fm_first_ = 2;
    f.fm_last_ = doc->body_line - 2;
  }
  return f;
}

void SourceFile::ScanIgnores() {
  static const std::string kTag = "casebook-ignore";
  for (int n = 1; n <= line_count(); ++n) {
    const std::string& l = line(n);
    for (size_t at = l.find(kTag); at != std::string::npos;
         at = l.find(kTag, at + kTag.size())) {
      std::string_view rest = std::string_view(l).substr(at + kTag.size());
      if (util::StartsWith(rest, "-file")) {
        for (auto& id : ParseIgnoreIds(rest.substr(5))) file_ignores_.push_back(id);
      } else if (rest.empty() || rest[0] == ' ' || rest[0] == '\t' || rest[0] == ':' ||
                 util::StartsWith(rest, "-->")) {
        for (auto& id : ParseIgnoreIds(rest)) ignores_[n].push_back(id);
      }
    }
  }
}

bool SourceFile::Ignores(int line, const std::string& rule) const {
  for (const auto& p : file_ignores_)
    if (RuleMatches(p, rule)) return true;
  for (int n : {line, line - 1}) {
    auto it = ignores_.find(n);
    if (it == ignores_.end()) continue;
    for (const auto& p : it->second)
      if (RuleMatches(p, rule)) return true;
  }
  return false;
}

const std::string& SourceFile::line(int n) const {
  return n >= 1 && n <= line_count() ? lines_[n - 1] : kEmpty;
}

int SourceFile::Column(int n, size_t byte_offset) const {
  const std::string& l = line(n);
  byte_offset = std::min(byte_offset, l.size());
  if (n != col_line_ || byte_offset < col_byte_) {
    col_line_ = n;
    col_byte_ = 0;
    col_value_ = 1;
  }
  for (; col_byte_ < byte_offset; ++col_byte_)
    if ((static_cast<unsigned char>(l[col_byte_]) & 0xC0) != 0x80) ++col_value_;
  return col_value_;
}

int SourceFile::FirstColumn(int n) const {
  const std::string& l = line(n);
  size_t i = l.find_first_not_of(" \t");
  return i == std::string::npos ? 1 : Column(n, i);
}

int SourceFile::Find(std::string_view needle, int from, int to, int* column) const {
  std::string lower_needle = util::ToLowerAscii(needle);
  if (lower_needle.empty()) return 0;
  for (int n = std::max(from, 1); n <= std::min(to, line_count()); ++n) {
    size_t at = util::ToLowerAscii(line(n)).find(lower_needle);
    if (at != std::string::npos) {
      if (column) *column = Column(n, at);
      return n;
    }
  }
  return 0;
}

int SourceFile::FindKey(std::string_view key, int table_line) const {
  if (table_line <= 0) return 0;
  int last = fm_last_ > 0 ? fm_last_ : line_count();
  for (int n = table_line + 1; n <= last; ++n) {
    std::string_view l = util::Trim(line(n));
    if (util::StartsWith(l, "[")) break;  // the next TOML table
    if (!l.empty() && line(n)[0] != ' ' && line(n)[0] != '\t' &&
        l.find(':') != std::string_view::npos && l.find('=') == std::string_view::npos &&
        !util::StartsWith(l, "-"))
      break;  // YAML: the next top-level key
    if (util::StartsWith(l, key)) {
      std::string_view rest = util::Trim(l.substr(key.size()));
      if (util::StartsWith(rest, "=") || util::StartsWith(rest, ":")) return n;
    }
  }
  return 0;
}

void RuleContext::Report(util::Diagnostics* out, util::Level level, int line,
                         int column, const std::string& rule,
                         const std::string& message, const std::string& hint) const {
  if (doc.status == "draft" && level == util::Level::kError && IsCompletenessRule(rule))
    level = util::Level::kWarning;
  out->Add({level, file, line, column, rule, message, hint});
}

int RuleContext::KeyLine(const std::string& key) const {
  auto it = doc.key_lines.find(key);
  return it == doc.key_lines.end() ? 0 : it->second;
}

const std::vector<markdown::Heading>& RuleContext::Headings() const {
  if (pm) return pm->body.headings;
  if (!headings_ready_) {
    markdown::Options opts;
    opts.line_offset = doc.body_line - 1;
    headings_ = markdown::Render(doc.body, opts).headings;
    headings_ready_ = true;
  }
  return headings_;
}

int EditDistance(std::string_view a, std::string_view b) {
  std::string x = util::ToLowerAscii(a), y = util::ToLowerAscii(b);
  const size_t n = x.size(), m = y.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      int cost = x[i - 1] == y[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

}  // namespace casebook::check
