// site.toml -> SiteConfig (see config.h for the contract).
#include "config/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <set>
#include <tuple>

#include "util/datetime.h"
#include "util/fs.h"
#include "util/text.h"
#include "util/toml_shape.h"

namespace casebook::config {

namespace {

constexpr const char* kHint = "see docs/configuration.md";

const char* TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "a list";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

// Edit distance counting a swap of two neighbours as one edit ("titel").
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// Reads one table's keys into the config, reporting as it goes.
class Reader {
 public:
  Reader(std::string path, util::Diagnostics* diags)
      : path_(std::move(path)), diags_(diags) {}

  void Error(const toml::source_region& where, const std::string& rule,
             const std::string& message) {
    diags_->Error(path_, static_cast<int>(where.begin.line), rule, message, kHint,
                  static_cast<int>(where.begin.column));
  }

  void TypeError(const std::string& key, const toml::node& n, const char* expected) {
    Error(n.source(), "config/type",
          "`" + key + "` must be " + expected + ", not " + TypeName(n));
  }

  void Unknown(const std::string& prefix, const toml::key& k,
               const std::vector<std::string>& known) {
    std::string name(k.str());
    std::string best;
    size_t best_d = 3;
    for (const auto& cand : known) {
      size_t d = EditDistance(util::ToLowerAscii(name), cand);
      size_t limit = cand.size() <= 4 ? 1 : 2;
      if (d <= limit && d < best_d) {
        best = cand;
        best_d = d;
      }
    }
    std::string msg = "unknown key `" + prefix + name + "`";
    std::string hint = kHint;
    if (!best.empty()) {
      msg += " (did you mean `" + prefix + best + "`?)";
      hint = "rename it to `" + best + "`, or remove it";
    }
    diags_->Warning(path_, static_cast<int>(k.source().begin.line),
                    "config/unknown-key", msg, hint,
                    static_cast<int>(k.source().begin.column));
  }

  bool String(const std::string& key, const toml::node& n, std::string* out) {
    if (!n.is_string()) {
      TypeError(key, n, "a string");
      return false;
    }
    *out = n.as_string()->get();
    return true;
  }

  bool Bool(const std::string& key, const toml::node& n, bool* out) {
    if (!n.is_boolean()) {
      TypeError(key, n, "true or false");
      return false;
    }
    *out = n.as_boolean()->get();
    return true;
  }

  // A list of strings; a lone string is a one-item list.
  bool Strings(const std::string& key, const toml::node& n,
               std::vector<std::string>* out) {
    if (n.is_string()) {
      *out = {n.as_string()->get()};
      return true;
    }
    if (!n.is_array()) {
      TypeError(key, n, "a list of strings");
      return false;
    }
    std::vector<std::string> items;
    for (const auto& item : *n.as_array()) {
      if (!item.is_string()) {
        TypeError(key + " item", item, "a string");
        return false;
      }
      items.push_back(item.as_string()->get());
    }
    *out = std::move(items);
    return true;
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  util::Diagnostics* diags_;
};

std::optional<util::Level> ParseLevel(std::string_view s) {
  std::string l = util::ToLowerAscii(util::Trim(s));
  if (l == "off") return util::Level::kOff;
  if (l == "warning" || l == "warn") return util::Level::kWarning;
  if (l == "error") return util::Level::kError;
  return std::nullopt;
}

bool IsColor(const std::string& c) {
  if (c.size() >= 2 && c[0] == '#') {
    size_t n = c.size() - 1;
    if (n != 3 && n != 4 && n != 6 && n != 8) return false;
    return std::all_of(c.begin() + 1, c.end(), [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); });
  }
  return !c.empty() && std::all_of(c.begin(), c.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
  });
}

void ReadSeverities(Reader& r, const toml::node& n, SiteConfig* cfg) {
  if (!n.is_array_of_tables()) {
    r.TypeError("severity", n, "a list of tables ([[severity]])");
    return;
  }
  std::vector<SeverityLevel> levels;
  std::set<std::string> seen;
  for (const auto& item : *n.as_array()) {
    const toml::table& t = *item.as_table();
    SeverityLevel level;
    for (const auto& [k, v] : t) {
      std::string key(k.str());
      if (key == "name") r.String("severity.name", v, &level.name);
      else if (key == "label") r.String("severity.label", v, &level.label);
      else if (key == "description") r.String("severity.description", v, &level.description);
      else if (key == "color" || key == "colour") {
        if (r.String("severity.color", v, &level.color) && !IsColor(level.color)) {
          r.Error(v.source(), "config/value",
                  "severity color `" + level.color +
                      "` is not a CSS colour (\"#b91c1c\" or a name such as \"red\")");
          level.color.clear();
        }
      } else {
        r.Unknown("severity.", k, {"name", "label", "color", "description"});
      }
    }
    if (util::Trim(level.name).empty()) {
      r.Error(t.source(), "config/value", "a [[severity]] level needs a `name`, e.g. name = \"SEV1\"");
      continue;
    }
    if (!seen.insert(level.name).second) {
      r.Error(t.source(), "config/value", "severity `" + level.name + "` is defined twice");
      continue;
    }
    if (level.label.empty()) level.label = level.name;
    if (level.color.empty()) level.color = DefaultSeverityColor(levels.size());
    levels.push_back(std::move(level));
  }
  if (!levels.empty()) cfg->severities = std::move(levels);
}

// [check]: rule-level overrides ("blameless/counterfactual" = "off", also
// written as a sub-table [check.blameless] counterfactual = "off") and the
// check options.
void ReadCheck(Reader& r, const toml::table& t, const std::string& prefix,
               CheckConfig* check) {
  static const std::vector<std::string> kKnown{
      "required_sections", "action_required", "people", "blameless_add",
      "blameless_remove"};
  for (const auto& [k, v] : t) {
    std::string key(k.str());
    if (prefix.empty() && key == "required_sections") {
      r.Strings("check.required_sections", v, &check->required_sections);
    } else if (prefix.empty() && key == "action_required") {
      std::vector<std::string> fields;
      if (r.Strings("check.action_required", v, &fields)) {
        bool ok = true;
        for (const auto& f : fields) {
          if (f != "owner" && f != "due" && f != "ticket") {
            r.Error(v.source(), "config/value",
                    "check.action_required: `" + f + "` is not one of owner, due, ticket");
            ok = false;
          }
        }
        if (ok) check->action_required = fields;
      }
    } else if (prefix.empty() && key == "people") {
      r.Strings("check.people", v, &check->people);
    } else if (prefix.empty() && key == "blameless_add") {
      r.Strings("check.blameless_add", v, &check->blameless_add);
    } else if (prefix.empty() && key == "blameless_remove") {
      r.Strings("check.blameless_remove", v, &check->blameless_remove);
    } else if (v.is_string()) {
      auto level = ParseLevel(v.as_string()->get());
      if (level) {
        check->levels[prefix + key] = *level;
      } else {
        r.Error(v.source(), "config/value",
                "check rule `" + prefix + key + "` = \"" + v.as_string()->get() +
                    "\": the level must be \"off\", \"warning\" or \"error\"");
      }
    } else if (v.is_table()) {
      ReadCheck(r, *v.as_table(), prefix + key + "/", check);
    } else if (!prefix.empty()) {
      r.TypeError("check." + prefix + key, v, "\"off\", \"warning\" or \"error\"");
    } else {
      r.Unknown("check.", k, kKnown);
    }
  }
}

void ReadSearch(Reader& r, const toml::table& t, SearchConfig* search) {
  for (const auto& [k, v] : t) {
    std::string key(k.str());
    if (key == "index") {
      std::string index;
      if (r.String("search.index", v, &index)) {
        if (util::Trim(index).empty()) {
          r.Error(v.source(), "config/value", "search.index must not be empty");
        } else {
          search->index = index;
        }
      }
    } else if (key == "synonyms") {
      if (!v.is_table()) {
        r.TypeError("search.synonyms", v, "a table of word = [\"synonym\", ...]");
        continue;
      }
      for (const auto& [word, list] : *v.as_table()) {
        std::vector<std::string> syns;
        if (r.Strings("search.synonyms." + std::string(word.str()), list, &syns))
          search->synonyms[std::string(word.str())] = syns;
      }
    } else {
      r.Unknown("search.", k, {"index", "synonyms"});
    }
  }
}

void ReadPagination(Reader& r, const toml::node& n, PaginationConfig* pagination) {
  if (!n.is_table()) {
    r.TypeError("pagination", n, "a table ([pagination])");
    return;
  }
  for (const auto& [k, v] : *n.as_table()) {
    std::string key(k.str());
    if (key != "page_size" && key != "actions_page_size") {
      r.Unknown("pagination.", k, {"page_size", "actions_page_size"});
      continue;
    }
    // A page of 10,000 list items is already several MB of HTML.
    if (!v.is_integer()) {
      r.TypeError("pagination." + key, v, "a whole number");
      continue;
    }
    if (v.as_integer()->get() < 1 || v.as_integer()->get() > 10000) {
      r.Error(v.source(), "config/value",
              "pagination." + key + " must be from 1 to 10000, not " + std::to_string(v.as_integer()->get()));
      continue;
    }
    (key == "page_size" ? pagination->page_size : pagination->actions_page_size) =
        static_cast<int>(v.as_integer()->get());
  }
}

void ReadMarkdown(Reader& r, const toml::node& n, SiteConfig* cfg) {
  if (!n.is_table()) {
    r.TypeError("markdown", n, "a table ([markdown])");
    return;
  }
  for (const auto& [k, v] : *n.as_table()) {
    if (k.str() == "unsafe") r.Bool("markdown.unsafe", v, &cfg->markdown_unsafe);
    else r.Unknown("markdown.", k, {"unsafe"});
  }
}

// [limits]: positive integers; 0 or less is refused (a limit of nothing
// would leave every file out).
void ReadLimits(Reader& r, const toml::node& n, Limits* limits) {
  if (!n.is_table()) {
    r.TypeError("limits", n, "a table ([limits])");
    return;
  }
  for (const auto& [k, v] : *n.as_table()) {
    std::string key(k.str());
    long long* wide = key == "max_file_bytes"         ? &limits->max_file_bytes
                      : key == "max_table_cells"      ? &limits->max_table_cells
                      : key == "max_attachment_bytes" ? &limits->max_attachment_bytes
                                                      : nullptr;
    if (!wide && key != "max_nesting") {
      r.Unknown("limits.", k,
                {"max_file_bytes", "max_nesting", "max_table_cells", "max_attachment_bytes"});
      continue;
    }
    if (!v.is_integer()) {
      r.TypeError("limits." + key, v, "a whole number");
      continue;
    }
    const int64_t value = v.as_integer()->get();
    // max_nesting also bounds recursion in the parsers (stack depth), so it
    // stays well below what a thread's stack holds.
    const int64_t most = wide ? INT64_MAX : 1000;
    if (value < 1 || value > most) {
      r.Error(v.source(), "config/value",
              "limits." + key + " = " + std::to_string(value) + ": must be from 1 to " +
                  std::to_string(most));
      continue;
    }
    if (wide) *wide = value;
    else limits->max_nesting = static_cast<int>(value);
  }
}

// [fields]: started = "begin", services = ["product", "component"].
void ReadFields(Reader& r, const toml::node& n, SiteConfig* cfg) {
  if (!n.is_table()) {
    r.TypeError("fields", n, "a table ([fields] with field = \"their key\")");
    return;
  }
  const auto& known = MappableFields();
  for (const auto& [k, v] : *n.as_table()) {
    std::string field(k.str());
    if (util::StartsWith(field, "incident.")) field = field.substr(9);
    if (std::find(known.begin(), known.end(), field) == known.end()) {
      r.Unknown("fields.", k, known);
      continue;
    }
    std::vector<std::string> keys;
    if (r.Strings("fields." + field, v, &keys)) {
      auto& list = cfg->fields[field];
      for (auto& key : keys)
        if (!key.empty() && std::find(list.begin(), list.end(), key) == list.end()) list.push_back(key);
    }
  }
}

void ReadTop(Reader& r, const toml::table& root, SiteConfig* cfg) {
  static const std::vector<std::string> kKnown{
      "title",  "base_url",   "description", "language", "source",     "output",
      "theme",  "timezone",   "severity",    "taxonomies", "ticket_url", "source_url",
      "ignore", "markdown",   "search",      "check",    "limits", "include", "fields",
      "pagination", "relative_urls"};
  for (const auto& [k, v] : root) {
    std::string key(k.str());
    if (key == "title") {
      r.String(key, v, &cfg->title);
    } else if (key == "base_url") {
      std::string url;
      if (r.String(key, v, &url)) {
        url = std::string(util::Trim(url));
        if (url.empty()) url = "/";
        if (url.back() != '/') url += '/';
        cfg->base_url = url;
      }
    } else if (key == "description") {
      r.String(key, v, &cfg->description);
    } else if (key == "language") {
      r.String(key, v, &cfg->language);
    } else if (key == "source" || key == "output" || key == "theme") {
      std::string value;
      if (r.String(key, v, &value)) {
        if (util::Trim(value).empty()) {
          r.Error(v.source(), "config/value", "`" + key + "` must not be empty");
        } else {
          (key == "source" ? cfg->source : key == "output" ? cfg->output : cfg->theme) = value;
        }
      }
    } else if (key == "timezone") {
      std::string zone;
      if (r.String(key, v, &zone)) {
        auto offset = util::ZoneOffsetMinutes(zone);
        if (!offset) {
          r.Error(v.source(), "config/value",
                  "unknown timezone `" + zone +
                      "`: use a fixed zone such as \"UTC\", \"CET\", \"EST\" or \"+02:00\"");
        } else {
          cfg->timezone = zone;
          cfg->timezone_offset_minutes = *offset;
        }
      }
    } else if (key == "severity") {
      ReadSeverities(r, v, cfg);
    } else if (key == "taxonomies") {
      std::vector<std::string> keys;
      if (r.Strings(key, v, &keys)) {
        std::vector<std::string> clean;
        for (const auto& t : keys) {
          bool ok = !t.empty() && std::all_of(t.begin(), t.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
          });
          if (!ok) {
            r.Error(v.source(), "config/value",
                    "taxonomy `" + t + "` must be a lowercase front matter key such as \"categories\"");
          } else if (std::find(clean.begin(), clean.end(), t) == clean.end()) {
            clean.push_back(t);
          }
        }
        cfg->taxonomies = clean;
      }
    } else if (key == "relative_urls") {
      r.Bool(key, v, &cfg->relative_urls);
    } else if (key == "ticket_url") {
      r.String(key, v, &cfg->ticket_url);
    } else if (key == "source_url") {
      r.String(key, v, &cfg->source_url);
    } else if (key == "ignore") {
      std::vector<std::string> globs;
      if (r.Strings(key, v, &globs)) {
        for (auto& g : globs)
          if (std::find(cfg->ignore.begin(), cfg->ignore.end(), g) == cfg->ignore.end())
            cfg->ignore.push_back(g);
      }
    } else if (key == "include") {
      r.Strings(key, v, &cfg->include);
    } else if (key == "fields") {
      ReadFields(r, v, cfg);
    } else if (key == "markdown") {
      ReadMarkdown(r, v, cfg);
    } else if (key == "search") {
      if (v.is_table()) ReadSearch(r, *v.as_table(), &cfg->search);
      else r.TypeError(key, v, "a table ([search])");
    } else if (key == "limits") {
      ReadLimits(r, v, &cfg->limits);
    } else if (key == "pagination") {
      ReadPagination(r, v, &cfg->pagination);
    } else if (key == "check") {
      if (v.is_table()) ReadCheck(r, *v.as_table(), "", &cfg->check);
      else r.TypeError(key, v, "a table ([check])");
    } else {
      r.Unknown("", k, kKnown);
    }
  }
}

}  // namespace

const std::vector<std::string>& MappableFields() {
  static const std::vector<std::string> kFields{
      "title",   "id",       "date",      "severity",  "status",           "summary",
      "tags",    "services", "authors",   "facilitator", "contact",        "related",
      "started", "detected", "first_user_impact", "first_user_report", "mitigated", "resolved",
      "original_report"};
  return kFields;
}

SiteConfig Parse(const std::string& text, const std::string& path,
                 util::Diagnostics* diags) {
  SiteConfig cfg;
  cfg.config_path = path;
  cfg.root = util::DirName(path);
  toml::table root;
  // toml++ recurses per dotted-key part: a 50,000-part key would overflow
  // the stack. No site.toml nests anywhere near this.
  constexpr int kMaxConfigNesting = 1000;
  if (auto line = util::TomlNestingOverrun(text, kMaxConfigNesting)) {
    diags->Error(path, *line + 1, "config/syntax",
                 "site.toml nests more than " + std::to_string(kMaxConfigNesting) +
                     " levels deep here (a dotted key of that many parts, or tables and lists "
                     "inside one another)",
                 "fix the TOML; " + std::string(kHint));
    return cfg;
  }
  try {
    root = toml::parse(std::string_view(text), std::string_view(path));
  } catch (const toml::parse_error& e) {
    diags->Error(path, static_cast<int>(e.source().begin.line), "config/syntax",
                 std::string(e.description()), "fix the TOML syntax; " + std::string(kHint),
                 static_cast<int>(e.source().begin.column));
    return cfg;
  }
  // toml++ tables iterate in key order; report in file order instead.
  util::Diagnostics found;
  Reader reader(path, &found);
  ReadTop(reader, root, &cfg);
  std::stable_sort(found.items().begin(), found.items().end(),
                   [](const util::Diagnostic& a, const util::Diagnostic& b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
  diags->Append(found);
  return cfg;
}

SiteConfig Load(const std::string& path, util::Diagnostics* diags) {
  if (!util::IsRegularFile(path) && !util::IsDirectory(path)) {
    SiteConfig cfg;
    cfg.config_path = path;
    cfg.root = util::DirName(path);
    diags->Error(path, 0, "config/missing",
                 "site.toml not found: create one with at least `title = \"...\"` and "
                 "`base_url = \"https://...\"` in " +
                     (cfg.root.empty() ? std::string("the current folder") : cfg.root) +
                     ", or name another with --config (see docs/configuration.md)",
                 "a minimal site.toml has two lines: title = \"Postmortems\" and base_url = \"/\"");
    return cfg;
  }
  std::string error;
  auto text = util::ReadFile(path, &error);
  if (!text) {
    SiteConfig cfg;
    cfg.config_path = path;
    cfg.root = util::DirName(path);
    diags->Error(path, 0, "config/unreadable", error, kHint);
    return cfg;
  }
  return Parse(*text, path, diags);
}

}  // namespace casebook::config
