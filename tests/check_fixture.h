// Shared by the check_*_test.cc files: a throw-away site (site.toml +
// content/) checked with a fixed "today", and finders over the findings.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "check/check.h"
#include "config/config.h"
#include "test_support.h"
#include "util/datetime.h"
#include "util/text.h"

namespace casebook::test {

/// A site in a temporary folder. `site_toml` is written on Check().
struct CheckSite {
  TempDir dir;
  std::string site_toml = "title = \"Test\"\n";

  void Write(const std::string& relative, const std::string& text) const {
    dir.Write(relative, text);
  }

  config::SiteConfig Config() const {
    dir.Write("site.toml", site_toml);
    util::Diagnostics diags;
    config::SiteConfig cfg = config::Load(dir.path() + "/site.toml", &diags);
    INFO("site.toml diagnostics: " << diags.items().size());
    for (const auto& d : diags.items()) UNSCOPED_INFO(d.Format());
    REQUIRE_FALSE(diags.HasErrors());
    return cfg;
  }

  check::CheckReport Check(const std::vector<std::string>& paths = {},
                           const std::string& today = "2024-06-01",
                           bool strict = false) const {
    check::CheckOptions options;
    options.paths = paths;
    options.strict = strict;
    options.today = util::ParseDateTime(today);
    return check::RunCheck(Config(), options);
  }
};

/// Every finding with `rule` (all when empty).
inline std::vector<util::Diagnostic> Findings(const check::CheckReport& r,
                                              const std::string& rule = "") {
  std::vector<util::Diagnostic> out;
  for (const auto& d : r.diagnostics.items())
    if (rule.empty() || d.rule == rule) out.push_back(d);
  return out;
}

/// All findings, one per line, for failure messages.
inline std::string Dump(const check::CheckReport& r) {
  std::string out = r.fatal.empty() ? "" : "FATAL " + r.fatal + "\n";
  for (const auto& d : r.diagnostics.items()) out += d.Format() + "\n";
  return out;
}

/// A complete postmortem that passes every rule (as of 2024-06-01). `extra_fm`
/// goes at the end of the top-level keys; `body` replaces the default body
/// when given.
inline std::string CleanPostmortem(const std::string& extra_fm = "",
                                   const std::string& body = "") {
  std::string fm =
      "+++\n"
      "title = \"Checkout API returned 503s\"\n"
      "date = 2024-03-14\n"
      "severity = \"SEV2\"\n"
      "status = \"final\"\n"
      "summary = \"The connection pool ran out.\"\n"
      "authors = [\"Dana Li\"]\n"
      "facilitator = \"Sam Ortiz\"\n" +
      extra_fm +
      "\n[incident]\n"
      "started = 2024-03-12T09:14:00Z\n"
      "detected = 2024-03-12T09:21:00Z\n"
      "mitigated = 2024-03-12T09:48:00Z\n"
      "resolved = 2024-03-12T10:02:00Z\n"
      "\n[[timeline]]\n"
      "at = 2024-03-12T09:14:00Z\n"
      "text = \"Deploy 4121 starts.\"\n"
      "\n[[actions]]\n"
      "text = \"Alert on pool saturation\"\n"
      "owner = \"team-payments\"\n"
      "due = 2024-07-01\n"
      "ticket = \"PAY-1\"\n"
      "+++\n";
  std::string default_body =
      "\n## Summary\n\nThe pool ran out of connections.\n"
      "\n## Impact\n\nCheckouts failed for 34 minutes.\n"
      "\n## Timeline\n\nSee above.\n"
      "\n## Action items\n\nSee above.\n";
  return fm + (body.empty() ? default_body : body);
}

/// Line numbers of CleanPostmortem(extra_fm) with an empty extra_fm: the
/// body starts on this line (the one after the closing +++).
constexpr int kCleanBodyLine = 26;

}  // namespace casebook::test
