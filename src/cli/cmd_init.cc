// `casebook init [DIR] [--title TITLE] [--source FOLDER]`
//
// Makes DIR (default: the current folder; created when missing) a casebook
// archive: writes site.toml, an example postmortem under the source folder
// and the .gitignore lines for casebook's cache and output. It never
// overwrites: an existing site.toml or example is kept and reported; the
// example is left out when the source folder already holds Markdown files
// (an archive that has postmortems needs no example); missing lines are
// appended to an existing .gitignore. Exit 0 done (also when everything was
// already there), 1 a file could not be written, 2 bad usage.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "util/fs.h"
#include "util/text.h"

namespace casebook::cli {
namespace {

std::string TomlString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;  // no control characters in a title
    out += c;
  }
  return out + "\"";
}

std::string SiteToml(const std::string& title, const std::string& source) {
  return "# casebook site configuration; every key is described in casebook's\n"
         "# docs/configuration.md.\n\n"
         "title = " + TomlString(title) + "\n"
         "# Where the site will be served from: \"/\" for the root of a domain,\n"
         "# \"https://pm.example.com/\" (feeds and the sitemap need a full URL).\n"
         "base_url = \"/\"\n"
         "description = \"Blameless postmortems: what happened, what it cost users, and what we changed.\"\n"
         "# Pages link to each other relatively, so the output folder also works\n"
         "# opened from disk (a CI artifact, a zip). false: clean absolute links.\n"
         "relative_urls = true\n\n"
         "# Folder holding the postmortems (any depth) and the folder the site is\n"
         "# written to, relative to this file.\n"
         "source = " + TomlString(source) + "\n"
         "output = \"public\"\n"
         "timezone = \"UTC\"\n\n"
         "# Front matter keys that get index pages: /<key>/ and /<key>/<term>/.\n"
         "taxonomies = [\"tags\", \"services\", \"severity\"]\n\n"
         "# Link action item tickets and each page's source file:\n"
         "# ticket_url = \"https://jira.example.com/browse/{ticket}\"\n"
         "# source_url = \"https://git.example.com/team/postmortems/blob/main/{path}\"\n\n"
         "# Severity levels, most severe first; front matter `severity` names one.\n"
         "[[severity]]\nname = \"SEV1\"\nlabel = \"Critical\"\n"
         "description = \"Customers could not use a core feature.\"\n\n"
         "[[severity]]\nname = \"SEV2\"\nlabel = \"Major\"\n"
         "description = \"A customer-facing feature was degraded for many users.\"\n\n"
         "[[severity]]\nname = \"SEV3\"\nlabel = \"Minor\"\n"
         "description = \"Limited customer impact.\"\n\n"
         "[[severity]]\nname = \"SEV4\"\nlabel = \"Low\"\n"
         "description = \"Internal impact only, or a near miss worth learning from.\"\n\n"
         "[check]\n"
         "# Sections every postmortem needs, and fields every action item needs.\n"
         "required_sections = [\"Summary\", \"Impact\", \"Timeline\", \"Action items\"]\n"
         "action_required = [\"owner\", \"due\"]\n";
}

const char* kExamplePath = "2024/2024-01-15-example-expired-status-page-certificate.md";

const char* kExample = R"(+++
# An example in casebook's format (TOML front matter between +++ lines; YAML
# between --- lines works too). Delete it once the archive has its own.
title = "Example: the status page certificate expired"
id = "2024-01-15-example-expired-status-page-certificate"
date = 2024-01-17
severity = "SEV3"
status = "final"                  # draft | review | final (drafts are built only with --drafts)
summary = "The status page's TLS certificate expired; browsers refused it for 47 minutes, so customers checking on a payments delay saw a certificate warning instead of our updates."
tags = ["certificates", "example"]
services = ["status-page"]
authors = ["Your Name"]
facilitator = "Another Name"
contact = "team-sre"

[incident]
started = 2024-01-15T08:00:00Z
detected = 2024-01-15T08:21:00Z
mitigated = 2024-01-15T08:47:00Z
resolved = 2024-01-15T10:30:00Z

[[timeline]]
at = 2024-01-15T08:00:00Z
text = "The status page's certificate expires; its renewal job had been failing silently for 30 days."

[[timeline]]
at = 2024-01-15T08:21:00Z
text = "Support reports that customers see a certificate warning on the status page."

[[timeline]]
at = 2024-01-15T08:47:00Z
text = "A renewed certificate is deployed by hand; the status page loads again."

[[timeline]]
at = 2024-01-15T10:30:00Z
text = "The renewal job's expired API token is replaced and a manual renewal run succeeds."

[[actions]]
text = "Alert when any certificate we serve expires within 14 days"
owner = "team-sre"
due = 2024-02-15
ticket = "SRE-101"
status = "done"

[[actions]]
text = "Make the renewal job fail loudly: page the owning team after two failed runs"
owner = "team-sre"
due = 2024-03-01
status = "done"
+++

## Summary

The status page's TLS certificate expired at 08:00 UTC. Its renewal job had
been failing for a month because the DNS provider's API token it used had
expired, and nothing reported the failures. For 47 minutes browsers refused
to open the status page.

## Impact

Customers who opened the status page during an unrelated payments delay saw
a certificate warning instead of our updates; support received 38 tickets.

## Timeline

The timeline is in the front matter above; pages show it as a table.

## Contributing factors

- The renewal job's failures went to a log nobody read.
- Certificates were monitored on the main site but not on the status page,
  which is hosted separately.

## Resolution

A certificate was renewed and deployed by hand; the job got a new token.

## Lessons learned

Certificates on every host we serve need the same monitoring, whoever runs
the host. (Put images beside this file and link them by a relative path,
e.g. `![p99 latency](latency.png)`: they are published with the page.)

## Action items

The action items are in the front matter; `casebook actions` lists them
across the archive.
)";

/// The lines `.gitignore` needs for casebook's cache and the output folder.
std::vector<std::string> IgnoreLines() { return {".casebook/", "/public/"}; }

bool HasMarkdown(const std::string& dir) {
  if (!util::IsDirectory(dir)) return false;
  return !util::WalkFiles(dir, ".md").files.empty();
}

}  // namespace

int RunInit(const CommandArgs& argv) {
  Args args(argv, {{}, {"--title", "--source"}});
  if (!args.ok()) return UsageError("init", args.error());
  if (args.positional().size() > 1) return UsageError("init", "give one folder at most");
  const std::string dir = args.positional().empty() ? "." : args.positional()[0];
  const std::string title = args.GetOr("--title", "Postmortems");
  const std::string source = args.GetOr("--source", "content");
  if (util::Trim(source).empty() || source[0] == '/' || source.find("..") != std::string::npos)
    return UsageError("init", "--source wants a folder inside DIR, such as \"postmortems\"");

  std::string error;
  if (!util::MakeDirs(dir, &error)) {
    std::fprintf(stderr, "casebook init: %s\n", error.c_str());
    return 1;
  }
  auto shown = [&](const std::string& rel) { return dir == "." ? rel : util::JoinPath(dir, rel); };
  bool failed = false;
  auto create = [&](const std::string& rel, const std::string& text) {
    std::string path = util::JoinPath(dir, rel);
    if (util::IsRegularFile(path) || util::IsDirectory(path)) {
      std::printf("kept     %s (it exists; not overwritten)\n", shown(rel).c_str());
      return;
    }
    if (!util::WriteFile(path, text, &error)) {
      std::fprintf(stderr, "casebook init: %s\n", error.c_str());
      failed = true;
      return;
    }
    std::printf("created  %s\n", shown(rel).c_str());
  };

  create("site.toml", SiteToml(title, source));

  const std::string source_dir = util::JoinPath(dir, source);
  if (HasMarkdown(source_dir)) {
    std::printf("skipped  the example postmortem (%s already holds Markdown files)\n",
                shown(source).c_str());
  } else {
    create(util::JoinPath(source, kExamplePath), kExample);
  }

  // .gitignore: created, or the missing lines appended (nothing removed).
  const std::string gitignore = util::JoinPath(dir, ".gitignore");
  std::string current;
  if (util::IsRegularFile(gitignore)) {
    auto text = util::ReadFile(gitignore, &error);
    if (!text) {
      std::fprintf(stderr, "casebook init: %s\n", error.c_str());
      return 1;
    }
    current = *text;
  }
  // "public", "public/", "/public" and "/public/" all count as the line.
  auto bare = [](std::string_view line) {
    line = util::Trim(line);
    while (!line.empty() && line.front() == '/') line.remove_prefix(1);
    while (!line.empty() && line.back() == '/') line.remove_suffix(1);
    return std::string(line);
  };
  std::vector<std::string> have;
  for (const auto& line : util::Split(current, '\n')) have.push_back(bare(line));
  std::string missing, missing_shown;
  for (const auto& line : IgnoreLines()) {
    bool found = false;
    for (const auto& h : have) found = found || h == bare(line);
    if (!found) {
      missing += line + "\n";
      missing_shown += (missing_shown.empty() ? "" : ", ") + line;
    }
  }
  if (missing.empty()) {
    std::printf("kept     %s (it already ignores .casebook/ and public/)\n", shown(".gitignore").c_str());
  } else {
    bool existed = util::IsRegularFile(gitignore);
    std::string text = current;
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += "# casebook: its cache and the built site\n" + missing;
    if (!util::WriteFile(gitignore, text, &error)) {
      std::fprintf(stderr, "casebook init: %s\n", error.c_str());
      return 1;
    }
    std::printf("%s %s (%s)\n", existed ? "appended" : "created ", shown(".gitignore").c_str(),
                missing_shown.c_str());
  }
  if (failed) return 1;

  std::string cd = dir == "." ? "" : "cd " + dir + " && ";
  std::printf("\nNext: %scasebook new \"What happened\" --severity SEV3 --service NAME\n"
              "      casebook check && casebook build && casebook serve\n",
              cd.c_str());
  return 0;
}

}  // namespace casebook::cli
