// Splitting front matter off a file and reading FORMAT.md's typed fields from
// the parsed tree (see front_matter.h).
#include <algorithm>

#include "content/front_matter.h"
#include "content/plain_facts.h"
#include "util/text.h"

namespace casebook::content::internal {

const FmNode* FmNode::Find(std::string_view key) const {
  if (kind != Kind::kMap) return nullptr;
  for (size_t i = 0; i < keys.size() && i < items.size(); ++i)
    if (keys[i].key == key) return &items[i];
  return nullptr;
}

const char* KindName(FmNode::Kind kind) {
  switch (kind) {
    case FmNode::Kind::kNull: return "empty";
    case FmNode::Kind::kBool: return "a boolean";
    case FmNode::Kind::kInt: return "an integer";
    case FmNode::Kind::kFloat: return "a number";
    case FmNode::Kind::kString: return "a string";
    case FmNode::Kind::kDate: return "a date";
    case FmNode::Kind::kList: return "a list";
    case FmNode::Kind::kMap: return "a table";
  }
  return "a value";
}

SplitResult SplitFrontMatter(std::string_view text) {
  SplitResult r;
  size_t pos = util::StartsWith(text, "\xEF\xBB\xBF") ? 3 : 0;
  r.body = text.substr(pos);
  auto line_at = [&](size_t start, size_t* next) {
    size_t eol = text.find('\n', start);
    *next = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view line = text.substr(start, (eol == std::string_view::npos ? text.size() : eol) - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    return line;
  };
  size_t next = 0;
  std::string_view first = line_at(pos, &next);
  std::string_view fence;
  if (first == "+++") {
    r.kind = FrontMatterKind::kToml;
    fence = "+++";
  } else if (first == "---") {
    r.kind = FrontMatterKind::kYaml;
    fence = "---";
  } else {
    return r;
  }
  const size_t block_start = next;
  r.block_line = 2;
  int line_no = 2;
  for (size_t at = block_start; at < text.size(); ++line_no) {
    size_t after = 0;
    std::string_view line = line_at(at, &after);
    if (line == fence || (r.kind == FrontMatterKind::kYaml && line == "...")) {
      r.block = text.substr(block_start, at - block_start);
      r.body = text.substr(after);
      r.body_line = line_no + 1;
      return r;
    }
    at = after;
  }
  r.unterminated = true;
  r.block = text.substr(block_start);
  r.body = {};
  return r;
}

util::Value ToValue(const FmNode& node) {
  switch (node.kind) {
    case FmNode::Kind::kNull: return util::Value();
    case FmNode::Kind::kBool: return util::Value(node.b);
    case FmNode::Kind::kInt: return util::Value(static_cast<int64_t>(node.i));
    case FmNode::Kind::kFloat: return util::Value(node.f);
    case FmNode::Kind::kString:
    case FmNode::Kind::kDate: return util::Value(node.text);
    case FmNode::Kind::kList: {
      util::Value list = util::Value::MakeList();
      for (const auto& item : node.items) list.Push(ToValue(item));
      return list;
    }
    case FmNode::Kind::kMap: {
      util::Value map = util::Value::MakeMap();
      for (size_t i = 0; i < node.keys.size(); ++i) map[node.keys[i].key] = ToValue(node.items[i]);
      return map;
    }
  }
  return util::Value();
}

std::optional<util::DateTime> ToDateTime(const FmNode& node, int default_offset_minutes) {
  if (node.kind != FmNode::Kind::kDate && node.kind != FmNode::Kind::kString)
    return std::nullopt;
  auto dt = util::ParseDateTime(node.text, default_offset_minutes);
  if (dt && !dt->has_time) {
    // The day as written, at UTC midnight.
    int64_t local = dt->utc_seconds + static_cast<int64_t>(dt->offset_minutes) * 60;
    int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    dt->utc_seconds = days * 86400;
    dt->offset_minutes = 0;
  }
  return dt;
}

namespace {

class FieldReader {
 public:
  FieldReader(const std::string& file, int offset, util::Diagnostics* diags)
      : file_(file), offset_(offset), diags_(diags) {}

  void Error(const FmNode& at, const std::string& rule, const std::string& message,
             const std::string& hint = {}) {
    diags_->Error(file_, at.line, rule, message, hint, at.column);
  }

  void TypeError(const std::string& key, const FmNode& n, const std::string& expected) {
    Error(n, "schema/type",
          "`" + key + "` must be " + expected + ", not " + KindName(n.kind),
          "see the front matter keys in FORMAT.md (docs/format.md)");
  }

  // A string (a date's text is accepted too). Empty values are absent.
  bool String(const std::string& key, const FmNode& n, std::string* out) {
    if (n.kind == FmNode::Kind::kNull) return false;
    if (n.kind != FmNode::Kind::kString && n.kind != FmNode::Kind::kDate) {
      TypeError(key, n, "a string");
      return false;
    }
    *out = std::string(util::Trim(n.text));
    return true;
  }

  // A string or a list of strings (a lone string is a one-item list).
  void Strings(const std::string& key, const FmNode& n, std::vector<std::string>* out) {
    out->clear();
    if (n.kind == FmNode::Kind::kNull) return;
    if (n.kind == FmNode::Kind::kString || n.kind == FmNode::Kind::kDate) {
      std::string s(util::Trim(n.text));
      if (!s.empty()) out->push_back(s);
      return;
    }
    if (n.kind != FmNode::Kind::kList) {
      TypeError(key, n, "a string or a list of strings");
      return;
    }
    for (const auto& item : n.items) {
      if (item.kind != FmNode::Kind::kString && item.kind != FmNode::Kind::kDate) {
        TypeError(key, item, "a list of strings (this item is not a string)");
        continue;
      }
      std::string s(util::Trim(item.text));
      if (!s.empty() && std::find(out->begin(), out->end(), s) == out->end())
        out->push_back(s);
    }
  }

  std::optional<util::DateTime> Date(const std::string& key, const FmNode& n) {
    if (n.kind == FmNode::Kind::kNull) return std::nullopt;
    auto dt = ToDateTime(n, offset_);
    if (!dt) {
      std::string what = n.kind == FmNode::Kind::kString
                             ? "\"" + n.text + "\" is not a valid date"
                             : std::string("it is ") + KindName(n.kind);
      Error(n, "schema/date", "`" + key + "` must be a date or date-time: " + what,
            "write 2024-03-14 or 2024-03-12T09:14:00Z (RFC 3339)");
    }
    return dt;
  }

  // Lowercased; must be one of `allowed`.
  bool Status(const std::string& key, const FmNode& n,
              const std::vector<std::string>& allowed, std::string* out) {
    std::string s;
    if (!String(key, n, &s)) return false;
    s = util::ToLowerAscii(s);
    if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
      Error(n, "schema/status",
            "`" + key + "` is \"" + n.text + "\"; expected one of " + util::Join(allowed, ", "));
      return false;
    }
    *out = s;
    return true;
  }

  int offset() const { return offset_; }

 private:
  const std::string& file_;
  int offset_;
  util::Diagnostics* diags_;
};

void ReadIncident(FieldReader& r, const FmNode& n, Document* doc) {
  if (n.kind == FmNode::Kind::kNull) return;
  if (n.kind != FmNode::Kind::kMap) {
    r.TypeError("incident", n, "a table ([incident] with started, detected, ...)");
    return;
  }
  IncidentTimes& t = doc->incident;
  const std::pair<const char*, std::optional<util::DateTime>*> kFields[] = {
      {"started", &t.started},
      {"detected", &t.detected},
      {"first_user_impact", &t.first_user_impact},
      {"first_user_report", &t.first_user_report},
      {"mitigated", &t.mitigated},
      {"resolved", &t.resolved},
  };
  util::Value rest = util::Value::MakeMap();
  for (size_t i = 0; i < n.keys.size(); ++i) {
    const std::string& key = n.keys[i].key;
    doc->key_lines.Set("incident." + key, n.keys[i].line);
    bool known = false;
    for (const auto& [name, field] : kFields) {
      if (key == name) {
        *field = r.Date("incident." + key, n.items[i]);
        known = true;
      }
    }
    if (!known) rest[key] = ToValue(n.items[i]);
  }
  if (!rest.as_map().empty()) doc->extra["incident"] = rest;
}

void ReadTimeline(FieldReader& r, const FmNode& n, Document* doc) {
  if (n.kind == FmNode::Kind::kNull) return;
  if (n.kind != FmNode::Kind::kList) {
    r.TypeError("timeline", n, "a list of entries ([[timeline]] with at and text)");
    return;
  }
  for (const auto& item : n.items) {
    if (item.kind != FmNode::Kind::kMap) {
      r.TypeError("timeline entry", item, "a table with `at` and `text`");
      continue;
    }
    const FmNode* at = item.Find("at");
    if (!at) {
      r.Error(item, "schema/timeline", "a timeline entry has no `at` date-time",
              "add at = 2024-03-12T09:14:00Z");
      continue;
    }
    auto when = r.Date("timeline.at", *at);
    if (!when) continue;
    TimelineEntry entry;
    entry.at = *when;
    entry.line = item.line;
    if (const FmNode* text = item.Find("text")) r.String("timeline.text", *text, &entry.text);
    doc->timeline.push_back(std::move(entry));
  }
}

void ReadActions(FieldReader& r, const FmNode& n, Document* doc) {
  if (n.kind == FmNode::Kind::kNull) return;
  if (n.kind != FmNode::Kind::kList) {
    r.TypeError("actions", n, "a list of action items ([[actions]] with text, owner, due, ...)");
    return;
  }
  for (const auto& item : n.items) {
    if (item.kind != FmNode::Kind::kMap) {
      r.TypeError("actions item", item, "a table with text, owner, due, ticket, status");
      continue;
    }
    ActionItem a;
    a.line = item.line;
    for (size_t k = 0; k < item.keys.size(); ++k) {
      const std::string& key = item.keys[k].key;
      const FmNode& value = item.items[k];
      if (key == "text") {
        r.String("actions.text", value, &a.text);
      } else if (key == "owner") {
        r.String("actions.owner", value, &a.owner);
      } else if (key == "due") {
        a.due = r.Date("actions.due", value);
      } else if (key == "ticket") {
        if (value.kind == FmNode::Kind::kInt) a.ticket = std::to_string(value.i);
        else r.String("actions.ticket", value, &a.ticket);
      } else if (key == "status") {
        r.Status("actions.status", value, {"open", "done", "wontfix"}, &a.status);
      }
    }
    doc->actions.push_back(std::move(a));
  }
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& BuiltinAliases() {
  static const std::vector<std::pair<std::string, std::string>> kAliases{
      {"start_time", "started"},        {"started_at", "started"},
      {"start", "started"},             {"impact_start", "started"},
      {"incident_start", "started"},    {"outage_start", "started"},
      {"began_at", "started"},          {"detected_at", "detected"},
      {"detection_time", "detected"},   {"alerted_at", "detected"},
      {"mitigated_at", "mitigated"},    {"mitigation_time", "mitigated"},
      {"end_time", "resolved"},         {"ended_at", "resolved"},
      {"resolved_at", "resolved"},      {"end", "resolved"},
      {"impact_end", "resolved"},       {"incident_end", "resolved"},
      {"outage_end", "resolved"},       {"incident_date", "date"},
      {"product", "services"},          {"products", "services"},
      {"component", "services"},        {"components", "services"},
      {"service", "services"},          {"systems", "services"},
      {"affected_services", "services"}, {"team", "contact"},
      {"owner_team", "contact"},        {"author", "authors"},
      {"owner", "authors"},             {"written_by", "authors"},
      {"keywords", "tags"},             {"labels", "tags"},
      {"categories", "tags"},           {"category", "tags"},
      {"sev", "severity"},              {"priority", "severity"},
      {"impact_level", "severity"},     {"tldr", "summary"},
      {"description", "summary"},       {"overview", "summary"},
      {"url", "original_report"},       {"link", "original_report"},
      {"source_url", "original_report"}, {"report_url", "original_report"},
      {"original_url", "original_report"}, {"postmortem_url", "original_report"},
  };
  return kAliases;
}

namespace {

// key -> casebook field, for this site: the built-in table, then [fields].
std::map<std::string, std::string> AliasMap(
    const std::map<std::string, std::vector<std::string>>* fields,
    const std::vector<std::string>* taxonomies) {
  std::map<std::string, std::string> out;
  for (const auto& [key, field] : BuiltinAliases()) {
    if (taxonomies && std::find(taxonomies->begin(), taxonomies->end(), key) != taxonomies->end())
      continue;
    out[key] = field;
  }
  if (fields)
    for (const auto& [field, keys] : *fields)
      for (const auto& key : keys) out[key] = field;
  return out;
}

bool IsIncidentTime(const std::string& field) {
  return field == "started" || field == "detected" || field == "first_user_impact" ||
         field == "first_user_report" || field == "mitigated" || field == "resolved";
}

}  // namespace

void ApplyFrontMatter(const FmNode& root, int default_offset_minutes,
                      const std::string& file, Document* doc,
                      util::Diagnostics* diags,
                      const std::map<std::string, std::vector<std::string>>* fields,
                      const std::vector<std::string>* taxonomies) {
  FieldReader r(file, default_offset_minutes, diags);
  bool has_status = false;
  const std::map<std::string, std::string> aliases = AliasMap(fields, taxonomies);
  // Casebook's own keys come first, so an alias never overrides them.
  std::vector<size_t> order;
  for (size_t i = 0; i < root.keys.size() && i < root.items.size(); ++i)
    if (!aliases.count(root.keys[i].key)) order.push_back(i);
  for (size_t i = 0; i < root.keys.size() && i < root.items.size(); ++i)
    if (aliases.count(root.keys[i].key)) order.push_back(i);
  for (size_t i : order) {
    std::string key = root.keys[i].key;
    const FmNode& v = root.items[i];
    if (auto alias = aliases.find(key); alias != aliases.end()) {
      const std::string& field = alias->second;
      const int line = root.keys[i].line;
      if (IsIncidentTime(field)) {
        IncidentTimes& t = doc->incident;
        std::optional<util::DateTime>* slot =
            field == "started" ? &t.started : field == "detected" ? &t.detected
            : field == "mitigated" ? &t.mitigated : field == "resolved" ? &t.resolved
            : field == "first_user_impact" ? &t.first_user_impact : &t.first_user_report;
        if (!*slot) {
          *slot = r.Date(key, v);
          if (*slot) doc->key_lines.emplace("incident." + field, line);
        }
        continue;
      }
      if (field == "original_report") {
        std::string url;
        if (r.String(key, v, &url) && !url.empty() && !doc->extra.Find("original_report"))
          doc->extra["original_report"] = url;
        doc->key_lines.emplace("original_report", line);
        continue;
      }
      if (field == "tags" || field == "services" || field == "authors" || field == "related") {
        std::vector<std::string> values;
        r.Strings(key, v, &values);
        auto& list = field == "tags" ? doc->tags : field == "services" ? doc->services
                     : field == "authors" ? doc->authors : doc->related;
        for (auto& s : values)
          if (std::find(list.begin(), list.end(), s) == list.end()) list.push_back(s);
        doc->key_lines.emplace(field, line);
        continue;
      }
      if (field == "contact" && v.kind == FmNode::Kind::kList) {
        std::vector<std::string> values;
        r.Strings(key, v, &values);
        if (doc->contact.empty()) doc->contact = util::Join(values, ", ");
        doc->key_lines.emplace(field, line);
        continue;
      }
      // A single-valued field: the first key that gives it wins.
      if (doc->key_lines.count(field)) continue;
      key = field;
    }
    doc->key_lines.Set(key, root.keys[i].line);
    if (key == "title") {
      std::string title;
      if (r.String(key, v, &title) && !title.empty()) {
        doc->title = title;
        doc->title_source = Document::TitleSource::kFrontMatter;
      }
    } else if (key == "id") {
      std::string id;
      if (v.kind == FmNode::Kind::kInt) id = std::to_string(v.i);
      else r.String(key, v, &id);
      if (!id.empty()) {
        doc->id = id;
        doc->id_from_file_name = false;
      }
    } else if (key == "date") {
      doc->date = r.Date(key, v);
    } else if (key == "severity") {
      r.String(key, v, &doc->severity);
    } else if (key == "status") {
      has_status = true;
      // Other tools' words for a finished or reviewed report are accepted.
      std::optional<std::string> mapped;
      if (v.kind == FmNode::Kind::kString) {
        std::string l = util::ToLowerAscii(util::Trim(v.text));
        if (l != "draft" && l != "review" && l != "final") mapped = NormalizeStatus(l);
      }
      if (mapped) doc->status = *mapped;
      else r.Status(key, v, {"draft", "review", "final"}, &doc->status);
    } else if (key == "summary") {
      r.String(key, v, &doc->summary);
    } else if (key == "facilitator") {
      r.String(key, v, &doc->facilitator);
    } else if (key == "contact") {
      r.String(key, v, &doc->contact);
    } else if (key == "tags") {
      r.Strings(key, v, &doc->tags);
    } else if (key == "services") {
      r.Strings(key, v, &doc->services);
    } else if (key == "authors") {
      r.Strings(key, v, &doc->authors);
    } else if (key == "related") {
      r.Strings(key, v, &doc->related);
    } else if (key == "check_ignore") {
      r.Strings(key, v, &doc->check_ignore);
    } else if (key == "incident") {
      ReadIncident(r, v, doc);
    } else if (key == "timeline") {
      ReadTimeline(r, v, doc);
    } else if (key == "actions") {
      ReadActions(r, v, doc);
    } else {
      doc->extra[key] = ToValue(v);
    }
  }
  // Hugo's `draft = true` means status "draft" unless a status is given.
  if (!has_status) {
    const util::Value* draft = doc->extra.Find("draft");
    if (draft && draft->kind() == util::Value::Kind::kBool && draft->as_bool())
      doc->status = "draft";
  }
}

}  // namespace casebook::content::internal
