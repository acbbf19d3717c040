// `casebook convert FILE... [--write] [--config FILE]`: rewrites a plain or
// foreign-front-matter postmortem into casebook TOML front matter (what
// `inspect` shows, typed), followed by the body exactly as it was.
//
// Without --write it prints a unified diff and changes nothing. The old
// front matter is replaced only by keys that carry all of it: every key it
// had is written under its casebook name or, when casebook has none, as
// written. The body is never touched, and the new text is parsed again
// before it is written; a file that would not parse back is left alone.
// Exit 0; 1 when a file could not be converted; 2 on a usage error.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/inspect_common.h"
#include "cli/options.h"
#include "content/front_matter.h"
#include "content/loader.h"
#include "util/fs.h"
#include "util/text.h"

namespace casebook::cli {

config::SiteConfig ConfigForFiles(const std::string& config_path, util::Diagnostics* diags) {
  std::string path = config_path;
  if (path.empty() && util::IsRegularFile("site.toml")) path = "site.toml";
  if (path.empty()) return config::SiteConfig();
  return config::Load(path, diags);
}

namespace {

std::string TomlString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string TomlKey(const std::string& key) {
  bool bare = !key.empty();
  for (char c : key)
    bare &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  return bare ? key : TomlString(key);
}

std::string TomlValue(const util::Value& v) {
  switch (v.kind()) {
    case util::Value::Kind::kNull: return "\"\"";
    case util::Value::Kind::kBool: return v.as_bool() ? "true" : "false";
    case util::Value::Kind::kInt: return std::to_string(v.as_int());
    case util::Value::Kind::kFloat: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", v.as_float());
      std::string f = buf;
      if (f.find_first_of(".eEn") == std::string::npos) f += ".0";
      return f;
    }
    case util::Value::Kind::kString: return TomlString(v.as_string());
    case util::Value::Kind::kList: {
      std::vector<std::string> items;
      for (const auto& item : v.as_list()) items.push_back(TomlValue(item));
      return "[" + util::Join(items, ", ") + "]";
    }
    case util::Value::Kind::kMap: {
      std::vector<std::string> items;
      for (const auto& [k, item] : v.as_map()) items.push_back(TomlKey(k) + " = " + TomlValue(item));
      return "{ " + util::Join(items, ", ") + " }";
    }
  }
  return "\"\"";
}

// "2024-03-12T10:14:00+01:00" in the offset it was written in; a bare date.
std::string TomlTime(const util::DateTime& t) {
  if (!t.has_time) return util::FormatDate(t, 0);
  int64_t local = t.utc_seconds + static_cast<int64_t>(t.offset_minutes) * 60;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int64_t secs = local - days * 86400;
  int y, m, d;
  util::CivilFromDays(days, &y, &m, &d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, static_cast<int>(secs / 3600),
                static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  std::string out = buf;
  if (t.offset_minutes == 0) return out + "Z";
  int off = t.offset_minutes < 0 ? -t.offset_minutes : t.offset_minutes;
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", t.offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  return out + buf;
}

std::string List(const std::vector<std::string>& items) {
  std::vector<std::string> q;
  for (const auto& s : items) q.push_back(TomlString(s));
  return "[" + util::Join(q, ", ") + "]";
}

std::string FrontMatter(const content::Document& d) {
  std::string o;
  auto line = [&](const std::string& key, const std::string& value) { o += key + " = " + value + "\n"; };
  line("title", TomlString(d.title));
  if (!d.id_from_file_name) line("id", TomlString(d.id));
  if (d.date) line("date", TomlTime(*d.date));
  if (!d.severity.empty()) line("severity", TomlString(d.severity));
  line("status", TomlString(d.status));
  if (!d.summary.empty()) line("summary", TomlString(d.summary));
  if (!d.authors.empty()) line("authors", List(d.authors));
  if (!d.facilitator.empty()) line("facilitator", TomlString(d.facilitator));
  if (!d.contact.empty()) line("contact", TomlString(d.contact));
  if (!d.services.empty()) line("services", List(d.services));
  if (!d.tags.empty()) line("tags", List(d.tags));
  if (!d.related.empty()) line("related", List(d.related));
  if (!d.check_ignore.empty()) line("check_ignore", List(d.check_ignore));
  const util::Value* incident_extra = nullptr;
  for (const auto& [key, value] : d.extra.as_map()) {
    if (key == "incident" && value.is_map()) {
      incident_extra = &value;
      continue;
    }
    line(TomlKey(key), TomlValue(value));
  }
  const std::pair<const char*, const std::optional<util::DateTime>*> kTimes[] = {
      {"started", &d.incident.started},     {"detected", &d.incident.detected},
      {"first_user_impact", &d.incident.first_user_impact},
      {"first_user_report", &d.incident.first_user_report},
      {"mitigated", &d.incident.mitigated}, {"resolved", &d.incident.resolved}};
  std::string incident;
  for (const auto& [name, t] : kTimes)
    if (*t) incident += std::string(name) + " = " + TomlTime(**t) + "\n";
  if (incident_extra)
    for (const auto& [key, value] : incident_extra->as_map()) incident += TomlKey(key) + " = " + TomlValue(value) + "\n";
  if (!incident.empty()) o += "\n[incident]\n" + incident;
  if (!d.timeline_from_body) {
    for (const auto& e : d.timeline) {
      o += "\n[[timeline]]\nat = " + TomlTime(e.at) + "\n";
      if (!e.text.empty()) o += "text = " + TomlString(e.text) + "\n";
    }
  }
  for (const auto& a : d.actions) {
    o += "\n[[actions]]\ntext = " + TomlString(a.text) + "\n";
    if (!a.owner.empty()) o += "owner = " + TomlString(a.owner) + "\n";
    if (a.due) o += "due = " + util::FormatDate(*a.due, 0) + "\n";
    if (!a.ticket.empty()) o += "ticket = " + TomlString(a.ticket) + "\n";
    o += "status = " + TomlString(a.status) + "\n";
  }
  return o;
}

std::vector<std::string_view> SplitLines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    size_t end = nl == std::string_view::npos ? s.size() : nl;
    out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// A one-hunk unified diff: the front matter replaced, the body unchanged
// (three lines of it shown as context).
std::string Diff(const std::string& path, std::string_view old_head, std::string_view new_head,
                 std::string_view body) {
  auto old_lines = SplitLines(old_head), new_lines = SplitLines(new_head);
  auto body_lines = SplitLines(body);
  size_t context = std::min<size_t>(3, body_lines.size());
  std::string o = "--- a/" + path + "\n+++ b/" + path + "\n";
  o += "@@ -1," + std::to_string(old_lines.size() + context) + " +1," +
       std::to_string(new_lines.size() + context) + " @@\n";
  for (auto l : old_lines) o += "-" + std::string(l) + "\n";
  for (auto l : new_lines) o += "+" + std::string(l) + "\n";
  for (size_t i = 0; i < context; ++i) o += " " + std::string(body_lines[i]) + "\n";
  return o;
}

}  // namespace

int RunConvert(const CommandArgs& argv) {
  Args args(argv, {{"--write"}, {"--config"}});
  if (!args.ok()) return UsageError("convert", args.error());
  if (args.positional().empty())
    return UsageError("convert", "name at least one file, e.g. casebook convert content/x.md");
  util::Diagnostics config_diags;
  config::SiteConfig cfg = ConfigForFiles(args.GetOr("--config", ""), &config_diags);
  if (config_diags.HasErrors()) {
    PrintDiagnostics(config_diags, stderr);
    return 2;
  }
  const bool write = args.Has("--write");
  int status = 0;
  for (const std::string& path : args.positional()) {
    std::string error;
    auto text = util::ReadFile(path, &error);
    if (!text) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), error.c_str());
      status = 1;
      continue;
    }
    content::Document doc;
    util::Diagnostics diags;
    if (content::internal::SplitFrontMatter(*text).kind == content::FrontMatterKind::kToml) {
      // Already casebook's format; rewriting it would drop its comments.
      std::printf("%s: already has TOML front matter; left as is\n", path.c_str());
      continue;
    }
    if (!content::ParseDocument(*text, path, util::BaseName(path), cfg, &doc, &diags) || diags.HasErrors()) {
      PrintDiagnostics(diags, stderr);
      std::fprintf(stderr, "%s: not converted: fix the errors above first\n", path.c_str());
      status = 1;
      continue;
    }
    auto split = content::internal::SplitFrontMatter(*text);
    const size_t body_at = static_cast<size_t>(split.body.data() - text->data());
    std::string_view old_head(text->data(), body_at);
    // Keep a byte order mark where it was.
    std::string bom = util::StartsWith(*text, "\xEF\xBB\xBF") ? "\xEF\xBB\xBF" : "";
    std::string head = bom + "+++\n" + FrontMatter(doc) + "+++\n";
    std::string converted = head + std::string(split.body);
    // Never a loss: the body is the old body byte for byte, and the result
    // parses back.
    content::Document again;
    util::Diagnostics again_diags;
    if (!util::EndsWith(converted, split.body) ||
        !content::ParseDocument(converted, path, util::BaseName(path), cfg, &again, &again_diags) ||
        again_diags.HasErrors()) {
      PrintDiagnostics(again_diags, stderr);
      std::fprintf(stderr, "%s: not converted: the result would not read back the same\n", path.c_str());
      status = 1;
      continue;
    }
    if (!write) {
      std::fputs(Diff(path, old_head.substr(bom.size()), std::string_view(head).substr(bom.size()), split.body).c_str(),
                 stdout);
      continue;
    }
    if (!util::WriteFile(path, converted, &error)) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), error.c_str());
      status = 1;
      continue;
    }
    std::printf("%s: converted\n", path.c_str());
  }
  if (!write && status == 0)
    std::fprintf(stderr, "nothing written; run again with --write to apply\n");
  return status;
}

}  // namespace casebook::cli
