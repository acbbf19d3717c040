// `casebook inspect FILE... [--json] [--config FILE]`: what the loader read
// from each file, field by field, with the line each value came from, and
// the fields it did not find, so an author sees why a field is empty.
//
// Parses each file as `build` does (content::ParseDocument with the site's
// config: [fields], severities, zone; defaults without a site.toml). Body
// facts that have no casebook field (impact, root cause, trigger) are listed
// too. Exit 0; 1 when a file cannot be read or parsed; 2 on a usage error.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/inspect_common.h"
#include "cli/options.h"
#include "content/loader.h"
#include "content/plain_facts.h"
#include "util/fs.h"
#include "util/json_writer.h"
#include "util/text.h"

namespace casebook::cli {

namespace {

struct Field {
  std::string name;
  std::string value;  // "" = not found
  int line = 0;       // 0 = not from a line (file name, default)
  std::string from;   // "front matter", "body", "file name", "timeline", ...
};

std::string Times(const std::optional<util::DateTime>& t) {
  return t ? util::FormatDateTime(*t, t->offset_minutes) : std::string();
}

std::vector<Field> Fields(const content::Document& d, const std::string& text) {
  const bool fm = d.front_matter != content::FrontMatterKind::kNone;
  auto line_of = [&](const std::string& key) {
    auto it = d.key_lines.find(key);
    return it == d.key_lines.end() ? 0 : it->second;
  };
  auto from = [&](int line) {
    if (!line) return std::string();
    return fm && line < d.body_line ? std::string("front matter") : std::string("body");
  };
  std::vector<Field> out;
  auto add = [&](const std::string& name, const std::string& value, const std::string& key,
                 const std::string& fallback_from = "") {
    int line = line_of(key);
    out.push_back({name, value, line, line ? from(line) : (value.empty() ? "" : fallback_from)});
  };
  std::string title_from = d.title_source == content::Document::TitleSource::kFileName ? "file name" : "";
  Field title{"title", d.title, d.title_source == content::Document::TitleSource::kHeading ? d.title_line : line_of("title"), ""};
  title.from = title.line ? from(title.line) : title_from;
  out.push_back(title);
  add("id", d.id, "id", "file name");
  add("date", d.date ? util::FormatDate(*d.date, 0) : "", "date",
      d.date ? "file name, incident start or timeline" : "");
  add("severity", d.severity, "severity");
  add("status", d.status, "status", "default");
  add("summary", util::Truncate(d.summary, 100), "summary");
  add("authors", util::Join(d.authors, ", "), "authors");
  add("facilitator", d.facilitator, "facilitator");
  add("contact", d.contact, "contact");
  add("services", util::Join(d.services, ", "), "services");
  add("tags", util::Join(d.tags, ", "), "tags");
  const std::pair<const char*, const std::optional<util::DateTime>*> kTimes[] = {
      {"started", &d.incident.started},     {"detected", &d.incident.detected},
      {"first_user_impact", &d.incident.first_user_impact},
      {"first_user_report", &d.incident.first_user_report},
      {"mitigated", &d.incident.mitigated}, {"resolved", &d.incident.resolved}};
  for (const auto& [name, t] : kTimes) add(std::string("incident.") + name, Times(*t), std::string("incident.") + name);
  Field tl{"timeline", d.timeline.empty() ? "" : std::to_string(d.timeline.size()) + " entries",
           d.timeline.empty() ? 0 : d.timeline.front().line, ""};
  tl.from = tl.line ? (d.timeline_from_body ? "body" : "front matter") : "";
  out.push_back(tl);
  Field ac{"actions", d.actions.empty() ? "" : std::to_string(d.actions.size()) + " items",
           d.actions.empty() ? 0 : line_of("actions"), ""};
  ac.from = from(ac.line);
  out.push_back(ac);
  if (const auto* r = d.extra.Find("original_report"); r && r->is_string())
    add("original_report", r->as_string(), "original_report");
  (void)text;
  return out;
}

}  // namespace

int RunInspect(const CommandArgs& argv) {
  Args args(argv, {{"--json"}, {"--config"}});
  if (!args.ok()) return UsageError("inspect", args.error());
  if (args.positional().empty()) return UsageError("inspect", "name at least one file, e.g. casebook inspect content/x.md");
  util::Diagnostics config_diags;
  config::SiteConfig cfg = ConfigForFiles(args.GetOr("--config", ""), &config_diags);
  if (config_diags.HasErrors()) {
    PrintDiagnostics(config_diags, stderr);
    return 2;
  }
  const bool json = args.Has("--json");
  std::string out;
  util::JsonWriter w(&out, true);
  if (json) w.BeginList();
  int status = 0;
  for (const std::string& path : args.positional()) {
    std::string error;
    auto text = util::ReadFile(path, &error);
    content::Document doc;
    util::Diagnostics diags;
    if (!text || !content::ParseDocument(*text, path, util::BaseName(path), cfg, &doc, &diags)) {
      if (!text) std::fprintf(stderr, "%s: %s\n", path.c_str(), error.c_str());
      PrintDiagnostics(diags, stderr);
      status = 1;
      continue;
    }
    std::vector<Field> fields = Fields(doc, *text);
    auto facts = content::internal::ExtractPlainFacts(doc.body, doc.body_line);
    std::vector<std::string> missing;
    for (const auto& f : fields)
      if (f.value.empty()) missing.push_back(f.name);
    if (json) {
      w.BeginObject();
      w.Key("file");
      w.String(path);
      w.Key("fields");
      w.BeginObject();
      for (const auto& f : fields) {
        if (f.value.empty()) continue;
        w.Key(f.name);
        w.BeginObject();
        w.Key("value");
        w.String(f.value);
        w.Key("line");
        if (f.line) w.Int(f.line); else w.Null();
        w.Key("from");
        w.String(f.from);
        w.EndObject();
      }
      w.EndObject();
      w.Key("not_found");
      w.BeginList();
      for (const auto& m : missing) w.String(m);
      w.EndList();
      w.Key("actions");
      w.BeginList();
      for (const auto& a : doc.actions) {
        w.BeginObject();
        w.Key("text"); w.String(a.text);
        w.Key("owner"); w.String(a.owner);
        w.Key("due"); if (a.due) w.String(util::FormatDate(*a.due, 0)); else w.Null();
        w.Key("ticket"); w.String(a.ticket);
        w.Key("status"); w.String(a.status);
        w.Key("line"); w.Int(a.line);
        w.EndObject();
      }
      w.EndList();
      w.Key("body_facts");
      w.BeginList();
      for (const auto& f : facts.facts) {
        w.BeginObject();
        w.Key("field"); w.String(f.field);
        w.Key("key"); w.String(f.key);
        w.Key("value"); w.String(f.value);
        w.Key("line"); w.Int(f.line);
        w.Key("how"); w.String(f.how);
        w.EndObject();
      }
      w.EndList();
      w.EndObject();
      continue;
    }
    std::printf("%s\n", path.c_str());
    for (const auto& f : fields) {
      if (f.value.empty()) continue;
      std::string where = f.line ? "line " + std::to_string(f.line) + ", " + f.from : f.from;
      std::printf("  %-24s %s  (%s)\n", f.name.c_str(), util::SanitizeUtf8(f.value).c_str(), where.c_str());
    }
    for (const auto& a : doc.actions) {
      std::string meta = a.status;
      if (!a.owner.empty()) meta += ", owner " + a.owner;
      if (a.due) meta += ", due " + util::FormatDate(*a.due, 0);
      if (!a.ticket.empty()) meta += ", ticket " + a.ticket;
      std::printf("    - %s  [%s]  (line %d)\n", util::Truncate(a.text, 70).c_str(), meta.c_str(), a.line);
    }
    bool header = false;
    for (const auto& f : facts.facts) {
      if (f.field != "impact" && f.field != "root_cause" && f.field != "trigger" &&
          f.field != "detection" && f.field != "resolution" && f.field != "duration")
        continue;
      if (!header) std::printf("  read from the body, shown in the text (no field of their own):\n");
      header = true;
      std::printf("    %-22s %s  (line %d)\n", f.key.c_str(), util::Truncate(f.value, 60).c_str(), f.line);
    }
    if (!missing.empty()) std::printf("  not found: %s\n", util::Join(missing, ", ").c_str());
    if (diags.ErrorCount() + diags.WarningCount() > 0) PrintDiagnostics(diags, stdout);
  }
  if (json) {
    w.EndList();
    std::printf("%s\n", out.c_str());
  }
  return status;
}

}  // namespace casebook::cli
