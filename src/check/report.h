// Output formats of `casebook check`. Pure functions of a CheckReport.
//
//   text:   file:line:column: error|warning: rule-id: message
//               hint: what to do
//           ... then one summary line ("checked 9 postmortems: 1 error, 2 warnings")
//   json:   [{"file":..,"line":..,"column":..,"level":..,"rule":..,
//             "message":..,"hint":..}, ...]  (summary goes to stderr)
//   github: ::error file=F,line=L,col=C,title=RULE::MESSAGE%0Ahint
//           (GitHub Actions workflow commands; the summary follows as text)
#pragma once

#include <optional>
#include <string>

#include "check/check.h"

namespace casebook::check {

enum class Format { kText, kJson, kGithub };

/// "text" | "json" | "github" -> Format; nullopt when unknown.
std::optional<Format> ParseFormat(const std::string& name);

/// The findings in `format`, each line ending in "\n". For kText and kGithub
/// the summary line is included; for kJson it is not (see Summary()).
std::string FormatReport(const CheckReport& report, Format format);

/// "checked 9 postmortems: 1 error, 2 warnings" / "...: no problems found".
std::string Summary(const CheckReport& report);

}  // namespace casebook::check
