// The three output formats of `casebook check`. See report.h.
#include "check/report.h"

#include "util/value.h"

namespace casebook::check {
namespace {

std::string Plural(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// GitHub workflow command escaping: data, then property values.
std::string GithubData(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out;
}

std::string GithubProperty(const std::string& s) {
  std::string out;
  for (char c : GithubData(s)) {
    if (c == ':') out += "%3A";
    else if (c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

}  // namespace

std::optional<Format> ParseFormat(const std::string& name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  if (name == "github") return Format::kGithub;
  return std::nullopt;
}

std::string Summary(const CheckReport& report) {
  std::string out = "checked " + Plural(report.files, "postmortem", "postmortems") + ": ";
  if (report.errors == 0 && report.warnings == 0) return out + "no problems found";
  out += Plural(report.errors, "error", "errors") + ", " +
         Plural(report.warnings, "warning", "warnings");
  if (report.strict && report.errors == 0) out += " (--strict: warnings fail)";
  return out;
}

std::string FormatReport(const CheckReport& report, Format format) {
  const auto& items = report.diagnostics.items();
  std::string out;
  switch (format) {
    case Format::kText:
      for (const auto& d : items) {
        out += d.Format() + "\n";
        if (!d.hint.empty()) out += "    hint: " + d.hint + "\n";
      }
      out += Summary(report) + "\n";
      break;
    case Format::kJson: {
      // One object per line, keys in a fixed order.
      out = "[";
      for (size_t i = 0; i < items.size(); ++i) {
        const auto& d = items[i];
        out += i ? ",\n  " : "\n  ";
        out += "{\"file\": " + util::JsonQuote(d.file) +
               ", \"line\": " + std::to_string(d.line) +
               ", \"column\": " + std::to_string(d.column) +
               ", \"level\": " + util::JsonQuote(util::LevelName(d.level)) +
               ", \"rule\": " + util::JsonQuote(d.rule) +
               ", \"message\": " + util::JsonQuote(d.message) +
               ", \"hint\": " + util::JsonQuote(d.hint) + "}";
      }
      out += items.empty() ? "]\n" : "\n]\n";
      break;
    }
    case Format::kGithub:
      for (const auto& d : items) {
        out += d.level == util::Level::kError ? "::error " : "::warning ";
        out += "file=" + GithubProperty(d.file);
        if (d.line > 0) out += ",line=" + std::to_string(d.line);
        if (d.column > 0) out += ",col=" + std::to_string(d.column);
        if (!d.rule.empty()) out += ",title=" + GithubProperty(d.rule);
        out += "::" + GithubData(d.message);
        if (!d.hint.empty()) out += GithubData("\nhint: " + d.hint);
        out += "\n";
      }
      out += Summary(report) + "\n";
      break;
  }
  return out;
}

}  // namespace casebook::check
