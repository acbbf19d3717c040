// `casebook search QUERY...`: full-text search from the terminal.
//
// Reads only site.toml and opens the index at cfg.IndexDir() (no content
// loading, so it starts fast). One block per hit (severity, date, title, the
// source file, a snippet with matches highlighted when stdout is a terminal
// and NO_COLOR is unset), then facet counts and the total. --json prints the
// whole result (search::ToValue). Exit 0 with matches, 1 with none, 2 on a
// usage error, a bad site.toml or a missing / unreadable index.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "config/config.h"
#include "search/searcher.h"
#include "util/fs.h"
#include "util/text.h"

namespace casebook::cli {
namespace {

struct Style {
  bool on = false;
  std::string Wrap(const std::string& text, const char* code) const {
    return on ? std::string("\x1b[") + code + "m" + text + "\x1b[0m" : text;
  }
};

/// The path to show for a hit's source file: under the source folder,
/// relative to the current folder when it is inside it.
std::string DisplayPath(const config::SiteConfig& cfg, const std::string& relative) {
  std::string path = util::JoinPath(cfg.SourceDir(), relative);
  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  if (!ec && util::StartsWith(path, cwd + "/")) path = path.substr(cwd.size() + 1);
  return path;
}

std::string Snippet(const search::SearchHit& hit, const Style& style) {
  std::string out;
  size_t pos = 0;
  auto plain = [&](size_t end) {
    std::string text;
    for (; pos < end && pos < hit.snippet_text.size(); ++pos) {
      char c = hit.snippet_text[pos];
      text += (c == '\n' || c == '\t' || c == '\r') ? ' ' : c;
    }
    out += util::TerminalSafe(text);
  };
  for (const auto& h : hit.highlights) {
    if (h.offset < pos) continue;
    plain(h.offset);
    std::string match = util::TerminalSafe(hit.snippet_text.substr(h.offset, h.length));
    out += style.Wrap(match, "1;33");
    pos = h.offset + h.length;
  }
  plain(hit.snippet_text.size());
  return out;
}

const char* SeverityColor(const std::string& severity, const config::SiteConfig& cfg) {
  auto rank = cfg.SeverityRank(severity);
  if (!rank) return "1";
  return *rank == 0 ? "1;31" : *rank == 1 ? "1;35" : "1";
}

void PrintHits(const search::SearchResult& r, const config::SiteConfig& cfg, const Style& style) {
  for (const auto& h : r.hits) {
    // Everything from a postmortem goes through TerminalSafe before any
    // colour of ours is added: an ESC in a title prints as "\x1b".
    std::string severity = h.severity.empty() ? "—" : h.severity;
    if (!h.severity_label.empty() && h.severity_label != h.severity)
      severity += " " + h.severity_label;
    std::printf("%s  %s  %s\n",
                style.Wrap(util::TerminalSafe(severity), SeverityColor(h.severity, cfg)).c_str(),
                h.date.empty() ? "date unknown" : util::TerminalSafe(h.date).c_str(),
                style.Wrap(util::TerminalSafe(h.title), "1").c_str());
    std::printf("    %s\n",
                style.Wrap(util::TerminalSafe(DisplayPath(cfg, h.source_path)), "36").c_str());
    std::string snippet = Snippet(h, style);
    if (!snippet.empty()) std::printf("    %s\n", snippet.c_str());
    std::string missing = search::MissingWordsNote(r, h);
    if (!missing.empty()) std::printf("    %s\n", style.Wrap(missing, "2").c_str());
    std::printf("\n");
  }
}

/// One line per facet: the 8 largest values (severity: all), then how many more.
void PrintFacets(const search::SearchResult& r) {
  for (const auto& f : r.facets) {
    if (f.values.empty()) continue;
    std::string line;
    size_t shown = f.key == "severity" ? f.values.size() : std::min<size_t>(8, f.values.size());
    for (size_t i = 0; i < shown; ++i) {
      if (!line.empty()) line += ", ";
      // "~": an estimate from a sample (SearchResult::facets_estimated).
      line += f.values[i].name + " (" + (r.facets_estimated ? "~" : "") +
              std::to_string(f.values[i].count) + ")";
    }
    if (shown < f.values.size()) line += ", +" + std::to_string(f.values.size() - shown) + " more";
    std::printf("%s: %s\n", util::TerminalSafe(util::ToLowerAscii(f.label)).c_str(),
                util::TerminalSafe(line).c_str());
  }
}

}  // namespace

int RunSearch(const CommandArgs& argv) {
  Args args(argv, {{"--json"}, {"--limit", "--offset", "--sort", "--config"}});
  if (!args.ok()) return UsageError("search", args.error());
  if (args.positional().empty())
    return UsageError("search", "give a query, e.g. casebook search \"database failover\"");
  search::SearchRequest request;
  request.query = util::Join(args.positional(), " ");
  bool bad = false;
  request.limit = static_cast<int>(args.GetInt("--limit", 10, &bad));
  if (bad || request.limit < 1) return UsageError("search", "--limit needs a number of 1 or more");
  request.offset = static_cast<int>(args.GetInt("--offset", 0, &bad));
  if (bad || request.offset < 0)
    return UsageError("search", "--offset needs a number of 0 or more");
  std::string sort = args.GetOr("--sort", "relevance");
  if (sort == "date") {
    request.sort = search::SortOrder::kDate;
  } else if (sort != "relevance") {
    return UsageError("search", "--sort takes relevance or date");
  }

  util::Diagnostics diags;
  config::SiteConfig cfg = config::Load(args.GetOr("--config", "site.toml"), &diags);
  if (diags.HasErrors()) {
    util::Diagnostics errors;
    for (const auto& d : diags.items())
      if (d.level == util::Level::kError) errors.Add(d);
    PrintDiagnostics(errors, stderr);
    return 2;
  }
  std::string error;
  auto searcher = search::Searcher::Open(cfg.IndexDir(), cfg, &error);
  if (!searcher) {
    if (!search::Searcher::IndexExists(cfg.IndexDir()))
      error = "no search index at " + cfg.IndexDir() + ": run `casebook build` first";
    std::fprintf(stderr, "casebook search: %s\n", error.c_str());
    return 2;
  }
  search::SearchResult r = searcher->Search(request);
  if (!r.ok) {
    std::fprintf(stderr, "casebook search: %s\n", r.message.c_str());
    return 2;
  }
  if (args.Has("--json")) {
    std::printf("%s\n", search::ToValue(r).ToJson(true).c_str());
    return r.total > 0 ? 0 : 1;
  }

  Style style;
  style.on = ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
  if (!r.message.empty()) std::fprintf(stderr, "note: %s\n", r.message.c_str());
  if (r.auto_retried) {
    std::printf("No match for \"%s\"; showing results for \"%s\".\n\n",
                util::TerminalSafe(r.query).c_str(), util::TerminalSafe(r.corrected_query).c_str());
  }
  if (r.relaxed) {
    std::printf("%s\n\n", util::TerminalSafe(search::RelaxedNote(r)).c_str());
  }
  if (r.total == 0) {
    std::printf("No postmortems match \"%s\".", util::TerminalSafe(r.query).c_str());
    if (!r.corrected_query.empty())
      std::printf(" Did you mean \"%s\"?", util::TerminalSafe(r.corrected_query).c_str());
    std::printf("\n");
    return 1;
  }
  PrintHits(r, cfg, style);
  PrintFacets(r);
  long first = r.hits.empty() ? 0 : r.offset + 1;
  long last = r.offset + static_cast<long>(r.hits.size());
  // "~": an estimate from a sample (SearchResult::total_estimated).
  std::printf("%s%lld %s (showing %ld-%ld)%s\n", r.total_estimated ? "~" : "",
              static_cast<long long>(r.total),
              r.total == 1 ? "match" : "matches", first, last,
              r.total > last ? "; use --offset for more" : "");
  if (!r.auto_retried && !r.corrected_query.empty())
    std::printf("Did you mean \"%s\"?\n", util::TerminalSafe(r.corrected_query).c_str());
  for (const auto& s : r.suggestions)
    if (s != r.corrected_query) std::printf("Or: \"%s\"\n", util::TerminalSafe(s).c_str());
  return 0;
}

}  // namespace casebook::cli
