// SiteConfig: site.toml, typed, with defaults, validated.
//
// Load() never throws: a missing file, bad TOML or a value of the wrong type
// is reported in `diags` with file and line; unknown keys are warnings (naming
// the nearest known key). The caller stops on errors. Paths in the config
// (source, output, theme, search.index) are resolved against the folder
// holding site.toml (`root`). A default-constructed SiteConfig is a valid
// config (default severities included). `ignore` globs from site.toml are
// added to the defaults (README.md, _index.md), not put in their place.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/diagnostics.h"

namespace casebook::config {

struct SeverityLevel {
  std::string name;         // "SEV1" — what front matter says
  std::string label;        // "Critical" — what pages show (default: name)
  std::string color;        // "#b91c1c" — badge colour (default from rank)
  std::string description;  // what the level means
};

struct CheckConfig {
  // rule id -> level override ("off" | "warning" | "error").
  std::map<std::string, util::Level> levels;
  std::vector<std::string> required_sections{"Summary", "Impact", "Timeline",
                                             "Action items"};
  std::vector<std::string> action_required{"owner", "due"};  // of owner, due, ticket
  std::vector<std::string> people;            // names never to be a "cause"
  std::vector<std::string> blameless_add;     // extra phrases to flag
  std::vector<std::string> blameless_remove;  // default phrases to allow
};

struct SearchConfig {
  std::string index = ".casebook/index";  // relative to root (see IndexDir())
  std::map<std::string, std::vector<std::string>> synonyms;
};

/// [limits]: bounded work per file (docs/configuration.md). A postmortem over
/// a limit is an error naming the file, the line and the limit, and is left
/// out; the rest of the archive is still read.
struct Limits {
  long long max_file_bytes = 5'000'000;  // a postmortem's size on disk
  int max_nesting = 100;  // block quotes, lists, brackets; front matter keys and tables
  long long max_table_cells = 100'000;  // columns x rows of one Markdown table
  /// A file published beside a postmortem (an image, a PDF, a CSV); larger
  /// ones are left out with a warning. Generous: recordings and long PDFs
  /// are legitimate, but every build reads each published file.
  long long max_attachment_bytes = 100'000'000;
};

/// How many items a list page shows ([pagination] in site.toml). Longer
/// lists go on /<list>/page/2/ and on.
struct PaginationConfig {
  int page_size = 50;           // postmortems per term / archive-year page
  int actions_page_size = 50;   // action items per /actions/ page (at 100, ~2,300 elements: over 1 s to ready at 4x CPU slowdown)
};

/// The built-in severity levels used when site.toml names none: SEV1..SEV4
/// (Critical, Major, Minor, Low).
std::vector<SeverityLevel> DefaultSeverities();
/// Badge colour ("#b91c1c") for the level at `rank` when site.toml gives none.
const char* DefaultSeverityColor(size_t rank);

struct SiteConfig {
  std::string root;         // folder holding site.toml ("" = cwd)
  std::string config_path;  // path to site.toml as given

  std::string title = "Postmortems";
  std::string base_url = "/";  // always ends with "/"
  std::string description;
  std::string language = "en";
  std::string source = "content";  // resolved: JoinPath(root, source)
  std::string output = "public";
  std::string theme = "default";
  std::string timezone = "UTC";  // display zone name as given
  int timezone_offset_minutes = 0;
  std::vector<SeverityLevel> severities = DefaultSeverities();  // most severe first
  std::vector<std::string> taxonomies{"tags", "services", "severity"};
  std::string ticket_url;  // "https://jira.example.com/browse/{ticket}"
  std::string source_url;  // "https://git.example.com/pm/blob/main/{path}"
  bool markdown_unsafe = false;
  /// Pages link to each other with relative URLs ending in index.html, so
  /// the output folder works opened from disk (a CI artifact, a zip) as well
  /// as on any host path. Feeds, sitemap and JSON stay absolute (base_url).
  bool relative_urls = true;
  std::vector<std::string> ignore{"README.md", "_index.md"};  // file-name globs
  /// Globs of files to load even when they look like templates.
  std::vector<std::string> include;
  /// [fields]: casebook field -> front matter keys of another tool that
  /// mean it (`started = "begin"`, `services = ["product", "component"]`).
  std::map<std::string, std::vector<std::string>> fields;
  CheckConfig check;
  SearchConfig search;
  Limits limits;
  PaginationConfig pagination;

  /// Absolute-or-relative paths resolved against `root`.
  std::string SourceDir() const;
  std::string OutputDir() const;
  std::string ThemeDir() const;  // themes/<theme> under root
  std::string IndexDir() const;  // search.index resolved against root
  /// The path part of base_url, for links inside pages: "https://x.com/pm/"
  /// -> "/pm/"; "/" -> "/". Always starts and ends with "/". (base_path.cc)
  std::string BasePath() const;
  /// base_url + a site-relative path, for feeds, sitemap and JSON.
  std::string AbsoluteUrl(const std::string& relative) const;

  /// Rank of a severity name (0 = most severe); nullopt when unknown.
  std::optional<int> SeverityRank(const std::string& name) const;
  const SeverityLevel* FindSeverity(const std::string& name) const;
};

/// The casebook fields a [fields] entry may name: "date", "severity", ...,
/// "started" .. "resolved" (the [incident] times), "original_report".
const std::vector<std::string>& MappableFields();

/// Reads `path` (usually "site.toml"). On a missing file the error says how to
/// create one. Returns the config even with errors (defaults filled in).
SiteConfig Load(const std::string& path, util::Diagnostics* diags);

/// Parses site.toml text (for tests). `path` is used in messages and as root.
SiteConfig Parse(const std::string& text, const std::string& path,
                 util::Diagnostics* diags);

}  // namespace casebook::config
