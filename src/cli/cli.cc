#include "cli/cli.h"

#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "cli/commands.h"
#include "markdown/markdown.h"

namespace casebook::cli {
namespace {

struct Command {
  int (*run)(const CommandArgs&);
  const char* summary;
  const char* usage;
};

const std::map<std::string, Command>& Commands() {
  static const std::map<std::string, Command> kCommands = {
      {"build", {RunBuild, "build the site and search index into the output folder",
                 "casebook build [--config FILE] [--source DIR] [--output DIR] [--drafts]\n"
                 "               [--today YYYY-MM-DD] [--jobs N] [--no-index] [--no-cache] [--verbose] [--quiet]\n"}},
      {"check", {RunCheck, "validate postmortems and lint for blameless language",
                 "casebook check [PATH...] [--format text|json|github] [--strict] [--today YYYY-MM-DD]\n"
                 "               [--config FILE]\n"}},
      {"init", {RunInit, "make a folder a casebook archive: site.toml, an example, .gitignore",
                "casebook init [DIR] [--title TITLE] [--source FOLDER]\n"
                "  writes DIR/site.toml, an example postmortem under DIR/content/ (unless it\n"
                "  already holds Markdown files) and .gitignore lines for .casebook/ and\n"
                "  public/; never overwrites a file (missing .gitignore lines are appended)\n"}},
      {"new", {RunNew, "start a new postmortem from the archetype",
               "casebook new TITLE [--severity S] [--service X]... [--tag X]...\n"
               "                   [--date YYYY-MM-DD] [--dir DIR] [--edit] [--config FILE]\n"}},
      {"search", {RunSearch, "search past incidents from the terminal",
                  "casebook search QUERY... [--limit N] [--offset N] [--sort relevance|date]\n"
                  "                         [--json] [--config FILE]\n"}},
      {"serve", {RunServe, "serve the built site and search over HTTP",
                 "casebook serve [--port 8080] [--bind 127.0.0.1] [--watch [--drafts]] [--config FILE]\n"
                 "  --watch   build first, then rebuild whenever a postmortem, site.toml or the\n"
                 "            theme is saved (reload the page to see it); --drafts builds drafts too\n"}},
      {"brief", {RunBrief, "what to read before changing a service or area",
                 "casebook brief SERVICE|TAG... [--json | --markdown] [--config FILE]\n"}},
      {"actions", {RunActions, "list action items across the archive",
                   "casebook actions [--open] [--overdue] [--owner X] [--service X] [--json]\n"
                   "                 [--today YYYY-MM-DD] [--config FILE]\n"}},
      {"inspect", {RunInspect, "show what was read from a file, field by field, and from which line",
                   "casebook inspect FILE... [--json] [--config FILE]\n"}},
      {"convert", {RunConvert, "rewrite plain or foreign files into casebook front matter",
                   "casebook convert FILE... [--write] [--config FILE]\n"
                   "  prints a diff; --write replaces the front matter, the body is kept as is\n"}},
  };
  return kCommands;
}

void PrintHelp(std::FILE* out) {
  std::fprintf(out,
               "casebook %s: a static site generator for blameless postmortem archives\n\n"
               "usage: casebook <command> [options]\n\ncommands:\n",
               CASEBOOK_VERSION);
  for (const auto& [name, cmd] : Commands())
    std::fprintf(out, "  %-8s %s\n", name.c_str(), cmd.summary);
  std::fprintf(out,
               "\nRun `casebook help <command>` for a command's options.\n"
               "Every command reads ./site.toml unless --config names another.\n");
}

}  // namespace

std::string UsageOf(const std::string& command) {
  auto it = Commands().find(command);
  return it == Commands().end() ? std::string() : std::string("usage: ") + it->second.usage;
}

int UsageError(const std::string& command, const std::string& message) {
  std::cerr << "casebook " << command << ": " << message << "\n" << UsageOf(command);
  return 2;
}

int Run(int argc, char** argv) {
  if (argc < 2) {
    PrintHelp(stderr);
    return 2;
  }
  std::string first = argv[1];
  if (first == "--help" || first == "-h") {
    PrintHelp(stdout);
    return 0;
  }
  if (first == "--version" || first == "-V") {
    std::printf("casebook %s\n", CASEBOOK_VERSION);
    return 0;
  }
  if (first == "help") {
    if (argc < 3) {
      PrintHelp(stdout);
      return 0;
    }
    std::string usage = UsageOf(argv[2]);
    if (usage.empty()) {
      std::fprintf(stderr, "casebook: no such command: %s\n", argv[2]);
      return 2;
    }
    std::fputs(usage.c_str(), stdout);
    return 0;
  }
  auto it = Commands().find(first);
  if (it == Commands().end()) {
    std::fprintf(stderr, "casebook: unknown command '%s'\n\n", first.c_str());
    PrintHelp(stderr);
    return 2;
  }
  CommandArgs args(argv + 2, argv + argc);
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(UsageOf(first).c_str(), stdout);
      return 0;
    }
  }
  markdown::Init();
  return it->second.run(args);
}

}  // namespace casebook::cli
