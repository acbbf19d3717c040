// Metadata, summary, action items and timeline markers read from the body of
// a postmortem written for another template (see plain_facts.h).
#include "content/plain_facts.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "content/plain_markdown.h"
#include "util/text.h"

namespace casebook::content::internal {

namespace {

bool Alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool Digit(char c) { return c >= '0' && c <= '9'; }
bool Alnum(char c) { return Alpha(c) || Digit(c); }

std::string Lower(std::string_view s) { return util::ToLowerAscii(s); }

// "**Incident date (UTC):**" -> "incident date"
std::string NormalizeKey(std::string_view key) {
  std::string out;
  bool space = false;
  int paren = 0;
  for (char c : key) {
    if (c == '(') ++paren;
    if (paren > 0) {
      if (c == ')') --paren;
      continue;
    }
    if (c == '*' || c == '_' || c == '`' || c == ':' || c == '#') continue;
    if (c == '&') {
      out += space || out.empty() ? "and" : " and";
      space = false;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '-') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

const std::map<std::string, std::string>& Synonyms() {
  static const std::map<std::string, std::string> kMap = [] {
    std::map<std::string, std::string> m;
    auto add = [&](const char* field, std::initializer_list<const char*> keys) {
      for (const char* k : keys) m[k] = field;
    };
    add("date", {"date", "incident date", "date of incident", "incident date and time",
                 "date and time", "incident date/time", "date/time", "occurred", "occurred on",
                 "event date", "outage date"});
    add("severity", {"severity", "sev", "priority", "impact level", "severity level",
                     "incident severity", "incident priority", "incident level", "sev level"});
    add("status", {"status", "postmortem status", "post mortem status", "postmortem state",
                   "document status", "report status"});
    add("authors", {"authors", "author", "written by", "prepared by", "owner", "owners",
                    "postmortem owner", "post mortem owner", "report owner", "document owner",
                    "postmortem author", "postmortem authors"});
    add("facilitator", {"facilitator", "review facilitator", "meeting facilitator",
                        "postmortem facilitator"});
    add("services", {"services", "service", "systems affected", "affected systems",
                     "affected services", "services affected", "system", "systems",
                     "components", "component", "affected components", "components affected",
                     "product", "products", "affected products", "affected product",
                     "affected service", "service affected", "affected system"});
    add("tags", {"tags", "labels", "keywords", "categories", "category", "tag", "label"});
    add("summary", {"summary", "tl;dr", "tldr", "tl dr", "overview", "executive summary",
                    "incident summary", "short summary", "summary of incident",
                    "summary of the incident"});
    add("impact", {"impact", "customer impact", "user impact", "business impact", "impact summary"});
    add("root_cause", {"root cause", "root causes", "cause", "causes", "root cause(s)"});
    add("trigger", {"trigger", "triggers"});
    add("detection", {"detection"});
    add("resolution", {"resolution"});
    add("started", {"started", "start", "start time", "impact start", "impact started",
                    "impact start time", "outage began", "outage begins", "outage start",
                    "outage started", "outage start time", "incident start", "incident started",
                    "incident start time", "began", "start of impact", "impact began",
                    "started at", "first impact", "incident began"});
    add("detected", {"detected", "detected at", "detection time", "time detected", "alerted",
                     "alerted at", "first alert", "time of detection", "detected on"});
    add("mitigated", {"mitigated", "mitigated at", "mitigation time", "time mitigated",
                      "impact mitigated"});
    add("resolved", {"resolved", "resolved at", "impact end", "impact ended", "impact end time",
                     "end time", "ended", "end", "outage ended", "outage end", "outage end time",
                     "incident end", "incident ended", "incident end time", "time resolved",
                     "end of impact", "recovered", "resolved on"});
    add("duration", {"duration", "outage duration", "impact duration", "incident duration",
                     "total duration", "length of outage", "time in sev1", "downtime"});
    return m;
  }();
  return kMap;
}

// A value nobody filled in: "[Name]", "<date>", "YYYY-MM-DD", "TBD", "?".
bool IsPlaceholder(std::string_view v) {
  v = util::Trim(v);
  if (v.empty()) return true;
  if ((v.front() == '[' && v.back() == ']') || (v.front() == '<' && v.back() == '>') ||
      (v.front() == '{' && v.back() == '}'))
    return true;
  std::string l = Lower(v);
  static const char* kEmpty[] = {"tbd", "tbc", "n/a", "na", "-", "--", "?", "??", "none", "todo",
                                 "...", "…", "xxx", "unknown"};
  for (const char* e : kEmpty)
    if (l == e) return true;
  return l.find("yyyy") != std::string::npos || util::StartsWith(l, "_todo") ||
         util::StartsWith(l, "todo:") || l.find("your name goes here") != std::string::npos;
}

// Markdown decoration around a whole value: "**x**", "_x_", trailing "  " or "\".
std::string CleanValue(std::string_view v) {
  v = util::Trim(v);
  if (!v.empty() && v.back() == '\\') v.remove_suffix(1);
  v = util::Trim(v);
  for (std::string_view d : {std::string_view("**"), std::string_view("__"), std::string_view("*"),
                             std::string_view("_"), std::string_view("`")}) {
    if (v.size() > 2 * d.size() && util::StartsWith(v, d) && util::EndsWith(v, d) &&
        v.substr(d.size(), v.size() - 2 * d.size()).find(d) == std::string_view::npos) {
      v = util::Trim(v.substr(d.size(), v.size() - 2 * d.size()));
      break;
    }
  }
  return std::string(v);
}

struct KeyValue {
  std::string key, value;
};

// "**Date:** x", "**Date**: x", "- Date: x", "Date: x" with a known key.
std::optional<KeyValue> KeyValueLine(std::string_view line) {
  auto item = ListContent(line);
  std::string_view s = item ? *item : util::Trim(line);
  if (s.empty() || s.front() == '|' || s.front() == '>' || s.front() == '#') return std::nullopt;
  std::string_view key, value;
  for (std::string_view d : {std::string_view("**"), std::string_view("__")}) {
    if (!util::StartsWith(s, d)) continue;
    size_t close = s.find(d, d.size());
    if (close == std::string_view::npos) return std::nullopt;
    key = s.substr(d.size(), close - d.size());
    std::string_view after = s.substr(close + d.size());
    if (util::EndsWith(util::Trim(key), ":")) {
      key = util::Trim(key);
      key.remove_suffix(1);
      value = after;
    } else if (util::StartsWith(util::Trim(after), ":")) {
      value = util::Trim(after).substr(1);
    } else {
      return std::nullopt;
    }
    break;
  }
  if (key.empty()) {
    size_t colon = s.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 40) return std::nullopt;
    if (colon + 1 < s.size() && s[colon + 1] != ' ' && s[colon + 1] != '\t') return std::nullopt;
    key = s.substr(0, colon);
    value = s.substr(colon + 1);
    if (!Alpha(key.front())) return std::nullopt;
  }
  std::string field = CanonicalField(key);
  if (field.empty()) return std::nullopt;
  return KeyValue{std::string(util::Trim(key)), CleanValue(value)};
}

bool IsTableLine(std::string_view s) {
  s = util::Trim(s);
  return !s.empty() && s.front() == '|';
}

// Heading names, normalized (lowercase, no numbering or trailing colon).
std::string HeadingName(std::string_view text) {
  std::string_view t = util::Trim(text);
  size_t i = 0;
  while (i < t.size() && (Digit(t[i]) || t[i] == '.' || t[i] == ')' || t[i] == ' ')) ++i;
  if (i < t.size()) t = t.substr(i);
  std::string n = NormalizeKey(t);
  // Trailing punctuation and emoji ("Summary 📝", "Action items:").
  while (!n.empty() && !Alnum(n.back()) && n.back() != ')') n.pop_back();
  while (!n.empty() && !Alnum(n.front())) n.erase(0, 1);
  return n;
}

bool IsMetadataSection(const std::string& name) {
  static const char* kNames[] = {"metadata", "details", "incident details", "incident information",
                                 "incident info", "info", "information", "key facts", "facts",
                                 "at a glance", "properties", "stats", "statistics",
                                 "incident metadata", "document details", "overview",
                                 "summary", "incident summary", "tl;dr", "tldr",
                                 "executive summary", "incident overview"};
  return std::any_of(std::begin(kNames), std::end(kNames), [&](const char* n) { return name == n; });
}

bool IsSummarySection(const std::string& name) {
  static const char* kNames[] = {"summary", "tl;dr", "tldr", "tl dr", "overview", "executive summary",
                                 "incident summary", "short summary", "summary of the incident",
                                 "summary of incident", "incident overview", "abstract"};
  return std::any_of(std::begin(kNames), std::end(kNames), [&](const char* n) { return name == n; });
}

// Sections whose first paragraph says what happened, when there is no summary.
bool IsDescriptionSection(const std::string& name) {
  static const char* kNames[] = {"what happened", "description", "incident description",
                                 "introduction", "background", "incident overview",
                                 "what went wrong", "issue summary", "problem"};
  return std::any_of(std::begin(kNames), std::end(kNames), [&](const char* n) { return name == n; });
}

bool IsActionSection(const std::string& name) {
  static const char* kPhrases[] = {"action item", "follow up", "followup", "remediation",
                                   "corrective action", "next step", "preventive action",
                                   "preventative action", "action plan", "repair item",
                                   "improvement action"};
  for (const char* p : kPhrases)
    if (name.find(p) != std::string::npos) return true;
  return name == "actions" || name == "todo" || name == "to do" || name == "tasks" ||
         name == "action" || name == "what we are doing" || name == "what we're doing";
}

struct Section {
  size_t heading = 0;  // index of the heading line
  size_t end = 0;      // one past the last line
  std::string name;
};

// Every heading's section (to the next heading of the same or a higher level).
std::vector<Section> Sections(const std::vector<Line>& lines) {
  std::vector<Section> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].code || !lines[i].heading) continue;
    Section s;
    s.heading = i;
    s.name = HeadingName(lines[i].heading_text);
    s.end = lines.size();
    for (size_t j = i + 1; j < lines.size(); ++j) {
      if (!lines[j].code && lines[j].heading && lines[j].heading <= lines[i].heading) {
        s.end = j;
        break;
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

// Strips "[text](url)" to "text" and "<url>" to "url".
std::string LinkText(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '[') {
      size_t close = s.find(']', i);
      if (close != std::string_view::npos && close + 1 < s.size() && s[close + 1] == '(') {
        size_t paren = s.find(')', close);
        if (paren != std::string_view::npos) {
          out += s.substr(i + 1, close - i - 1);
          i = paren;
          continue;
        }
      }
    }
    out += s[i];
  }
  return out;
}

// The first paragraph (or list) of lines [from, to): Markdown joined by spaces.
std::string FirstParagraph(const std::vector<Line>& lines, size_t from, size_t to, int* line) {
  std::vector<std::string> parts;
  bool list = false;
  for (size_t i = from; i < to; ++i) {
    const Line& l = lines[i];
    if (l.underline) continue;
    std::string_view t = util::Trim(l.text);
    if (l.code || l.heading) {
      if (!parts.empty()) break;
      continue;
    }
    if (t.empty()) {
      if (!parts.empty()) break;
      continue;
    }
    if (util::StartsWith(t, "<!--") || util::StartsWith(t, "_TODO") || IsTableLine(t) ||
        KeyValueLine(l.text))
      {
        if (!parts.empty()) break;
        continue;
      }
    auto item = ListContent(l.text);
    if (parts.empty()) {
      list = item.has_value();
      if (line) *line = l.number;
    } else if (item.has_value() != list && !(list && (l.text[0] == ' ' || l.text[0] == '\t'))) {
      break;
    }
    std::string_view piece = item ? *item : t;
    if (!piece.empty()) parts.emplace_back(piece);
  }
  std::string text = util::Join(parts, " ");
  return IsPlaceholder(text) ? std::string() : text;
}

// Removes [at, at+len) from s and returns true.
void Cut(std::string* s, size_t at, size_t len) { s->erase(at, len); }

bool WordBoundaryAt(const std::string& s, size_t at, size_t len) {
  return (at == 0 || !Alnum(s[at - 1])) && (at + len >= s.size() || !Alnum(s[at + len]));
}

// Finds `word` (case-sensitive when `exact`) as a whole word.
size_t FindWord(const std::string& s, std::string_view word, bool exact) {
  std::string hay = exact ? s : Lower(s);
  std::string needle = exact ? std::string(word) : Lower(word);
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1))
    if (WordBoundaryAt(hay, p, needle.size())) return p;
  return std::string::npos;
}

// A ticket id at `p`: "PAY-2210" (2-10 capitals, a dash, digits).
size_t TicketIdLength(const std::string& s, size_t p) {
  if (p > 0 && (Alnum(s[p - 1]) || s[p - 1] == '-' || s[p - 1] == '/')) return 0;
  size_t i = p;
  while (i < s.size() && std::isupper(static_cast<unsigned char>(s[i]))) ++i;
  size_t letters = i - p;
  if (letters < 2 || letters > 10 || i >= s.size() || s[i] != '-') return 0;
  size_t j = i + 1;
  while (j < s.size() && Digit(s[j])) ++j;
  if (j == i + 1 || (j < s.size() && (Alnum(s[j]) || s[j] == '-'))) return 0;
  std::string prefix = s.substr(p, letters);
  static const char* kNotTickets[] = {"SEV", "CVE", "UTF", "ISO", "RFC", "TLS", "SSL", "HTTP", "GMT", "UTC", "PM"};
  for (const char* n : kNotTickets)
    if (prefix == n) return 0;
  return j - p;
}

// Tidies what is left of an item after its metadata is cut out.
std::string Tidy(std::string s) {
  for (std::string empty : {"()", "[]", "( )", "(, )", "(,)", "(;)"})
    for (size_t p; (p = s.find(empty)) != std::string::npos;) s.erase(p, empty.size());
  std::string out;
  for (char c : s) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    // "a. . ." left by cut-out "Owner: X." parts.
    if (c == '.' && out.size() >= 2 && out.back() == ' ' && out[out.size() - 2] == '.') {
      out.pop_back();
      continue;
    }
    out += c;
  }
  while (util::EndsWith(out, " .")) out.erase(out.size() - 2);
  auto junk = [](char c) {
    return c == ' ' || c == ',' || c == ';' || c == ':' || c == '-' || c == '|' || c == '\t';
  };
  while (!out.empty() && junk(out.back())) out.pop_back();
  // Trailing dashes written as UTF-8 ("—", "–").
  for (bool again = true; again;) {
    again = false;
    for (std::string d : {"\xE2\x80\x94", "\xE2\x80\x93"}) {
      if (util::EndsWith(out, d)) {
        out.resize(out.size() - d.size());
        while (!out.empty() && junk(out.back())) out.pop_back();
        again = true;
      }
    }
  }
  size_t start = 0;
  while (start < out.size() && junk(out[start]) && out[start] != '-') ++start;
  if (util::StartsWith(std::string_view(out).substr(start), "**") &&
      util::EndsWith(out, "**") && out.size() - start == 4)
    return {};
  return out.substr(start);
}

// Cuts "<label> value" where value runs to the next ',', ';', ')' or dash.
std::optional<std::string> CutLabelled(std::string* s, std::initializer_list<const char*> labels) {
  std::string lower = Lower(*s);
  for (const char* label : labels) {
    std::string l = label;
    for (size_t p = lower.find(l); p != std::string::npos; p = lower.find(l, p + 1)) {
      if (p > 0 && Alnum(lower[p - 1])) continue;
      size_t v = p + l.size();
      while (v < s->size() && (*s)[v] == ' ') ++v;
      size_t end = v;
      while (end < s->size() && (*s)[end] != ',' && (*s)[end] != ';' && (*s)[end] != ')' &&
             (*s)[end] != '(' && (*s)[end] != '[' &&
             !((*s)[end] == '.' && (end + 1 == s->size() || (*s)[end + 1] == ' ')) &&
             (*s)[end] != '|' && !util::StartsWith(std::string_view(*s).substr(end), " \xE2\x80\x94") &&
             !util::StartsWith(std::string_view(*s).substr(end), " - "))
        ++end;
      std::string value = CleanValue(std::string_view(*s).substr(v, end - v));
      if (value.empty()) continue;
      Cut(s, p, end - p);
      return value;
    }
  }
  return std::nullopt;
}

std::string StatusWord(std::string_view v) {
  std::string l = Lower(util::Trim(v));
  l = util::ReplaceAll(l, "*", "");
  if (l.empty()) return {};
  if (l.find("won't") != std::string::npos || l.find("wont") != std::string::npos ||
      l.find("cancel") != std::string::npos || l.find("dropped") != std::string::npos ||
      l.find("rejected") != std::string::npos || l.find("obsolete") != std::string::npos)
    return "wontfix";
  if (l.find("not done") != std::string::npos || l.find("not started") != std::string::npos ||
      l.find("incomplete") != std::string::npos)
    return "open";
  for (const char* d : {"done", "complete", "closed", "fixed", "resolved", "finished", "shipped",
                        "merged", "implemented", "\xE2\x9C\x85", "\xE2\x9C\x94", "yes", "[x]"})
    if (l.find(d) != std::string::npos) return "done";
  return "open";
}

std::optional<util::DateTime> DueDate(std::string_view v) {
  v = util::Trim(v);
  if (auto d = ParseLooseDate(v)) return d;
  return std::nullopt;
}

// Column roles of an action-items table, from its header.
struct Columns {
  int text = -1, owner = -1, due = -1, status = -1, ticket = -1;
};

Columns ActionColumns(const std::vector<std::string>& header) {
  Columns c;
  for (size_t i = 0; i < header.size(); ++i) {
    std::string h = NormalizeKey(header[i]);
    int idx = static_cast<int>(i);
    auto has = [&](std::initializer_list<const char*> words) {
      for (const char* w : words)
        if (h == w || util::StartsWith(h, std::string(w) + " ") || util::EndsWith(h, std::string(" ") + w))
          return true;
      return false;
    };
    if (c.owner < 0 && has({"owner", "owners", "assignee", "assigned to", "who", "responsible", "assigned"}))
      c.owner = idx;
    else if (c.due < 0 && has({"due", "deadline", "target date", "due date", "eta", "by when", "target", "when"}))
      c.due = idx;
    else if (c.status < 0 && has({"status", "state", "done", "progress"}))
      c.status = idx;
    else if (c.ticket < 0 && has({"ticket", "bug", "issue", "link", "jira", "tracking", "reference",
                                  "ref", "tracker", "tickets", "bugs", "issues"}))
      c.ticket = idx;
    else if (c.text < 0 && has({"action", "action item", "item", "task", "description", "what",
                                "title", "follow up", "remediation", "action items", "actions",
                                "todo", "step"}))
      c.text = idx;
  }
  if (c.text < 0) {
    for (size_t i = 0; i < header.size(); ++i) {
      int idx = static_cast<int>(i);
      if (idx != c.owner && idx != c.due && idx != c.status && idx != c.ticket) {
        c.text = idx;
        break;
      }
    }
  }
  return c;
}

std::string TicketFromCell(std::string_view cell) {
  std::string v = LinkText(cell);
  v = CleanValue(v);
  if (IsPlaceholder(v)) return {};
  // "https://jira.example.com/browse/PAY-12": the id, not the address.
  if (util::StartsWith(v, "http://") || util::StartsWith(v, "https://")) {
    for (size_t p = v.size(); p-- > 0;)
      if ((p == 0 || v[p - 1] == '/') && TicketIdLength(v.substr(p), 0) == v.size() - p) return v.substr(p);
    return v;
  }
  std::string l = Lower(v);
  for (const char* prefix : {"bug ", "issue ", "ticket ", "b/", "#"}) {
    if (util::StartsWith(l, prefix)) {
      std::string rest(util::Trim(std::string_view(v).substr(std::string_view(prefix).size())));
      if (!rest.empty() && rest[0] == '#') rest.erase(0, 1);
      if (!rest.empty() && std::all_of(rest.begin(), rest.end(), Digit)) return rest;
    }
  }
  return v;
}

void ApplyNestedDetail(std::string_view content, ActionItem* a) {
  auto kv = [&](std::initializer_list<const char*> keys) -> std::optional<std::string> {
    std::string l = Lower(content);
    for (const char* k : keys) {
      std::string key = std::string(k) + ":";
      if (util::StartsWith(l, key)) return CleanValue(content.substr(key.size()));
    }
    return std::nullopt;
  };
  if (auto o = kv({"owner", "assignee", "assigned to", "who"})) {
    if (a->owner.empty() && !IsPlaceholder(*o)) a->owner = util::ReplaceAll(*o, "@", "");
  } else if (auto d = kv({"due", "due date", "deadline", "target date"})) {
    if (!a->due) a->due = DueDate(*d);
  } else if (auto t = kv({"ticket", "bug", "issue", "jira", "link"})) {
    if (a->ticket.empty()) a->ticket = TicketFromCell(*t);
  } else if (auto s = kv({"status", "state"})) {
    a->status = StatusWord(*s);
  }
}

std::vector<ActionItem> ActionsIn(const std::vector<Line>& lines, size_t from, size_t to) {
  std::vector<ActionItem> out;
  size_t base_indent = std::string::npos;
  bool last_was_item = false;
  std::string pending;  // the current top-level item's text
  int pending_line = 0;
  std::vector<std::string_view> pending_details;
  auto flush = [&] {
    if (pending_line == 0) return;
    if (auto a = ParseActionText(pending)) {
      a->line = pending_line;
      for (auto d : pending_details) ApplyNestedDetail(d, &*a);
      out.push_back(std::move(*a));
    }
    pending.clear();
    pending_details.clear();
    pending_line = 0;
  };
  for (size_t i = from; i < to; ++i) {
    const Line& l = lines[i];
    if (l.code || l.heading || l.underline) {
      flush();
      last_was_item = false;
      continue;
    }
    std::string_view t = util::Trim(l.text);
    if (t.empty()) {
      last_was_item = false;
      continue;
    }
    if (IsTableLine(t) && i + 1 < to && IsSeparatorRow(lines[i + 1].text)) {
      flush();
      Columns c = ActionColumns(Cells(l.text));
      size_t j = i + 2;
      for (; j < to && IsTableLine(lines[j].text) && !lines[j].code; ++j) {
        std::vector<std::string> cells = Cells(lines[j].text);
        auto cell = [&](int k) { return k >= 0 && static_cast<size_t>(k) < cells.size() ? cells[k] : std::string(); };
        std::string all;
        for (const auto& x : cells) all += " " + x;
        auto a = ParseActionText(cell(c.text));
        if (!a) continue;
        a->line = lines[j].number;
        if (std::string o = CleanValue(cell(c.owner)); !IsPlaceholder(o)) a->owner = util::ReplaceAll(LinkText(o), "@", "");
        if (c.due >= 0)
          if (auto d = DueDate(cell(c.due))) a->due = d;
        // Markers may sit in any cell ("Bug 5554823 **TODO**").
        bool marked = a->status != "open";
        for (int k = 0; k < static_cast<int>(cells.size()); ++k) {
          if (k == c.text) continue;
          auto parsed = ParseActionText("x " + cells[k]);
          if (!parsed) continue;
          if (parsed->status != "open" || FindWord(cells[k], "TODO", true) != std::string::npos) {
            a->status = parsed->status;
            marked = true;
          }
          if (k == c.ticket) {
            std::string rest = parsed->text.size() > 2 ? parsed->text.substr(2) : std::string();
            a->ticket = !parsed->ticket.empty() ? parsed->ticket : TicketFromCell(rest);
          }
        }
        if (c.status >= 0 && !marked && !util::Trim(cell(c.status)).empty())
          a->status = StatusWord(cell(c.status));
        out.push_back(std::move(*a));
      }
      i = j - 1;
      last_was_item = false;
      continue;
    }
    auto item = ListContent(l.text);
    if (item) {
      size_t indent = l.text.find_first_not_of(" \t");
      if (base_indent == std::string::npos) base_indent = indent;
      if (indent <= base_indent + 1) {
        flush();
        pending = std::string(*item);
        pending_line = l.number;
      } else if (pending_line) {
        pending_details.push_back(*item);
      }
      last_was_item = true;
      continue;
    }
    // A lazy continuation of an item's text.
    if (pending_line && (last_was_item || l.text[0] == ' ' || l.text[0] == '\t')) {
      if (l.text[0] == ' ' || l.text[0] == '\t' || last_was_item) {
        pending += " " + std::string(t);
        continue;
      }
    }
    flush();
  }
  flush();
  return out;
}

}  // namespace

const PlainFact* PlainFacts::Find(std::string_view field) const {
  for (const auto& f : facts)
    if (f.field == field) return &f;
  return nullptr;
}

std::string CanonicalField(std::string_view key) {
  std::string k = NormalizeKey(key);
  if (k.empty() || k.size() > 40) return {};
  auto it = Synonyms().find(k);
  return it == Synonyms().end() ? std::string() : it->second;
}

PlainFacts ExtractPlainFacts(std::string_view body, int body_line) {
  PlainFacts out;
  std::vector<Line> lines = Lines(body, body_line);
  std::vector<Section> sections = Sections(lines);
  // The title: the first heading when it is level 1 (it opens no section).
  size_t first_section = 0;
  if (!sections.empty() && lines[sections[0].heading].heading == 1) first_section = 1;
  // Lines where metadata is read: before the first section, and inside
  // metadata-like sections ("Details", "Summary", "Stats").
  std::vector<bool> meta(lines.size(), false);
  size_t preamble_end = first_section < sections.size() ? sections[first_section].heading : lines.size();
  for (size_t i = 0; i < preamble_end; ++i) meta[i] = true;
  for (size_t s = first_section; s < sections.size(); ++s) {
    if (!IsMetadataSection(sections[s].name)) continue;
    size_t end = sections[s].end;
    for (size_t k = s + 1; k < sections.size() && sections[k].heading < end; ++k) {
      end = sections[k].heading;  // subsections are not metadata unless named so
      break;
    }
    for (size_t i = sections[s].heading + 1; i < end; ++i) meta[i] = true;
  }
  auto add = [&](const std::string& field, const std::string& key, const std::string& value,
                 int line, const char* how) {
    if (IsPlaceholder(value)) return;
    out.facts.push_back({field, key, value, line, how});
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    if (!meta[i] || l.code || l.heading || l.underline) continue;
    if (IsTableLine(l.text)) {
      // A table: a metadata table when most of its first column are keys.
      size_t j = i;
      std::vector<size_t> rows;
      for (; j < lines.size() && IsTableLine(lines[j].text) && !lines[j].code; ++j)
        if (!IsSeparatorRow(lines[j].text)) rows.push_back(j);
      size_t known = 0;
      for (size_t r : rows) {
        auto cells = Cells(lines[r].text);
        if (cells.size() >= 2 && !CanonicalField(cells[0]).empty()) ++known;
      }
      if (known > 0 && known * 2 >= rows.size()) {
        for (size_t r : rows) {
          auto cells = Cells(lines[r].text);
          if (cells.size() < 2) continue;
          std::string field = CanonicalField(cells[0]);
          if (field.empty()) continue;
          std::string value;
          for (size_t c = 1; c < cells.size(); ++c)
            if (!util::Trim(cells[c]).empty()) {
              value = CleanValue(cells[c]);
              break;
            }
          add(field, CleanValue(cells[0]), value, lines[r].number, "metadata table");
        }
      }
      i = j - 1;
      continue;
    }
    if (auto kv = KeyValueLine(l.text)) {
      std::string field = CanonicalField(kv->key);
      std::string value = kv->value;
      int line = l.number;
      if (value.empty() && (field == "summary" || field == "impact" || field == "root_cause")) {
        // "**Overview:**" alone on its line: the paragraph below is the value.
        size_t end = i + 1;
        while (end < lines.size() && !lines[end].heading) ++end;
        value = FirstParagraph(lines, i + 1, end, &line);
      }
      add(field, kv->key, value, line, "metadata line");
    }
  }
  // The summary: a Summary / TL;DR / Overview section's first paragraph;
  // failing that, a "What happened" / "Description" section's, or a lead
  // paragraph of a dozen words or more under the title.
  for (int tier = 0; tier < 2 && !out.Find("summary"); ++tier) {
    for (size_t s = first_section; s < sections.size(); ++s) {
      if (!(tier == 0 ? IsSummarySection(sections[s].name) : IsDescriptionSection(sections[s].name)))
        continue;
      int line = 0;
      std::string text = FirstParagraph(lines, sections[s].heading + 1, sections[s].end, &line);
      if (text.empty()) continue;
      out.facts.push_back({"summary", lines[sections[s].heading].heading_text, text, line,
                           tier == 0 ? "summary section" : "first paragraph of a section"});
      break;
    }
  }
  if (!out.Find("summary")) {
    int line = 0;
    size_t from = first_section == 1 ? sections[0].heading + 1 : 0;
    std::string text = FirstParagraph(lines, from, preamble_end, &line);
    std::string lower = Lower(text);
    size_t words = std::count(text.begin(), text.end(), ' ') + 1;
    if (!text.empty() && words >= 12 && !util::StartsWith(lower, "created by") &&
        !util::StartsWith(lower, "last modified") && !util::StartsWith(lower, "last updated"))
      out.facts.push_back({"summary", "", text, line, "lead paragraph"});
  }
  // Action items: every action-items section not inside another one.
  size_t covered = 0;
  for (size_t s = first_section; s < sections.size(); ++s) {
    if (sections[s].heading < covered || !IsActionSection(sections[s].name)) continue;
    if (!out.actions_line) {
      out.actions_line = lines[sections[s].heading].number;
      out.actions_heading = lines[sections[s].heading].heading_text;
    }
    auto items = ActionsIn(lines, sections[s].heading + 1, sections[s].end);
    for (auto& a : items) out.actions.push_back(std::move(a));
    covered = sections[s].end;
  }
  return out;
}

std::optional<ActionItem> ParseActionText(std::string_view text) {
  ActionItem a;
  std::string s(util::Trim(text));
  // Checkbox.
  if (s.size() >= 3 && s[0] == '[' && s[2] == ']' && (s[1] == ' ' || s[1] == 'x' || s[1] == 'X')) {
    a.status = s[1] == ' ' ? "open" : "done";
    s.erase(0, 3);
  }
  // Markers: bracketed or parenthesized in any case, bare words in capitals.
  struct Marker {
    const char* text;
    bool exact;
    const char* status;
  };
  static const Marker kMarkers[] = {
      {"(done)", false, "done"},       {"[done]", false, "done"},       {"(completed)", false, "done"},
      {"(complete)", false, "done"},   {"(fixed)", false, "done"},      {"**DONE**", true, "done"},
      {"DONE", true, "done"},          {"\xE2\x9C\x85", true, "done"},  {"\xE2\x9C\x94\xEF\xB8\x8F", true, "done"},
      {"\xE2\x9C\x94", true, "done"},  {"(todo)", false, "open"},       {"[todo]", false, "open"},
      {"**TODO**", true, "open"},      {"TODO", true, "open"},          {"(open)", false, "open"},
      {"(in progress)", false, "open"}, {"(wontfix)", false, "wontfix"}, {"(won't fix)", false, "wontfix"},
      {"WONTFIX", true, "wontfix"},    {"WON'T FIX", true, "wontfix"},  {"(cancelled)", false, "wontfix"},
      {"(canceled)", false, "wontfix"},
  };
  for (const Marker& m : kMarkers) {
    std::string needle = m.text;
    size_t p;
    if (m.exact && Alpha(needle[0])) {
      p = FindWord(s, needle, true);
    } else if (m.exact) {
      p = s.find(needle);
    } else {
      p = Lower(s).find(needle);
    }
    if (p == std::string::npos) continue;
    a.status = m.status;
    Cut(&s, p, needle.size());
    // "TODO:" at the start leaves a colon.
    if (p < s.size() && s[p] == ':') s.erase(p, 1);
  }
  // "Status: done"
  if (auto st = CutLabelled(&s, {"status:"})) a.status = StatusWord(*st);
  if (auto o = CutLabelled(&s, {"owner:", "owners:", "assignee:", "assigned to:", "owner -"}))
    if (!IsPlaceholder(*o)) a.owner = util::ReplaceAll(LinkText(*o), "@", "");
  {
    // A due date that is not a date ("due: Q3") stays in the text.
    std::string before = s;
    auto d = CutLabelled(&s, {"due date:", "due:", "deadline:", "due by ", "due on ", "due ", "target date:"});
    size_t used = 0;
    auto date = d ? ParseLooseDate(*d, &used) : std::nullopt;
    if (date) a.due = date;
    else s = before;
  }
  if (auto t = CutLabelled(&s, {"ticket:", "tickets:", "jira:", "issue:", "bug:", "tracked in "}))
    a.ticket = TicketFromCell(*t);
  // "by 2024-05-01"
  if (!a.due) {
    std::string lower = Lower(s);
    for (size_t p = lower.find("by "); p != std::string::npos; p = lower.find("by ", p + 1)) {
      if (p > 0 && Alnum(lower[p - 1])) continue;
      size_t used = 0;
      if (auto date = ParseLooseDate(std::string_view(s).substr(p + 3), &used)) {
        a.due = date;
        Cut(&s, p, 3 + used);
        break;
      }
    }
  }
  // @owner (not an e-mail address).
  for (size_t p = s.find('@'); p != std::string::npos; p = s.find('@', p + 1)) {
    if (p > 0 && (Alnum(s[p - 1]) || s[p - 1] == '.')) continue;
    size_t e = p + 1;
    while (e < s.size() && (Alnum(s[e]) || s[e] == '.' || s[e] == '_' || s[e] == '-')) ++e;
    while (e > p + 1 && (s[e - 1] == '.' || s[e - 1] == '-')) --e;
    if (e == p + 1) continue;
    if (a.owner.empty()) a.owner = s.substr(p + 1, e - p - 1);
    Cut(&s, p, e - p);
    break;
  }
  // Tickets: "[PAY-2210](url)", "PAY-2210", "Bug 123", "bug #123".
  if (a.ticket.empty()) {
    for (size_t p = 0; p < s.size() && a.ticket.empty(); ++p) {
      if (s[p] == '[') {
        size_t close = s.find(']', p);
        if (close != std::string::npos && close + 1 < s.size() && s[close + 1] == '(') {
          std::string inner = s.substr(p + 1, close - p - 1);
          size_t paren = s.find(')', close);
          if (paren != std::string::npos && TicketIdLength(inner, 0) == inner.size() && !inner.empty()) {
            a.ticket = inner;
            Cut(&s, p, paren - p + 1);
          }
        }
        continue;
      }
      if (size_t n = TicketIdLength(s, p)) {
        a.ticket = s.substr(p, n);
        Cut(&s, p, n);
      }
    }
  }
  if (a.ticket.empty()) {
    std::string lower = Lower(s);
    for (const char* prefix : {"bug #", "bug ", "issue #", "b/"}) {
      for (size_t p = lower.find(prefix); p != std::string::npos; p = lower.find(prefix, p + 1)) {
        if (p > 0 && Alnum(lower[p - 1])) continue;
        size_t v = p + std::string_view(prefix).size();
        size_t e = v;
        while (e < s.size() && Digit(s[e])) ++e;
        if (e - v < 2 || (e < s.size() && Alnum(s[e]))) continue;
        a.ticket = s.substr(v, e - v);
        Cut(&s, p, e - p);
        break;
      }
      if (!a.ticket.empty()) break;
    }
  }
  a.text = Tidy(s);
  if (IsPlaceholder(a.text)) return std::nullopt;
  return a;
}

std::string TimelineMarker(std::string_view text) {
  std::string l = Lower(text);
  l = util::ReplaceAll(l, "*", "");
  l = util::ReplaceAll(l, "_", " ");
  auto any = [&](std::initializer_list<const char*> phrases) {
    for (const char* p : phrases)
      if (FindWord(l, p, true) != std::string::npos) return true;
    return false;
  };
  if (any({"outage begins", "outage began", "outage starts", "outage started", "outage start",
           "incident begins", "incident began", "incident starts", "incident started",
           "impact begins", "impact began", "impact starts", "impact started", "impact start",
           "start of impact", "start of outage", "start of incident", "outage begin"}))
    return "started";
  if (any({"incident ends", "incident ended", "outage ends", "outage ended", "impact ends",
           "impact ended", "end of impact", "end of outage", "end of incident", "back to normal",
           "fully recovered", "all clear", "service restored", "services restored",
           "fully restored", "incident resolved", "outage resolved", "incident closed"}))
    return "resolved";
  if (any({"mitigated", "mitigation complete", "mitigation completed"})) return "mitigated";
  if (any({"detected", "alerted", "paged", "alert fired", "alerts fired", "alert triggered",
           "alert fires", "alerts fire", "alarm fires", "pages on-call", "pages the on-call",
           "pages on call", "pages the on call",
           "alerts triggered", "first alert", "alarm fired", "alarm triggered"}))
    return "detected";
  if (any({"resolved"})) return "resolved";
  return {};
}

bool LooksLikeTemplate(std::string_view file_name, std::string_view title) {
  auto check = [](std::string_view text) {
    std::string l = Lower(text);
    if (util::EndsWith(l, ".md")) l.resize(l.size() - 3);
    if (l.find("yyyy") != std::string::npos) return true;
    // Every rule below needs one of these (checked for every file at every
    // build: most names and titles have none, and need no word list).
    if (l.find("templat") == std::string::npos && l.find("nnn") == std::string::npos &&
        l.find("xxx") == std::string::npos && l.find("title") == std::string::npos)
      return false;
    std::vector<std::string> words;
    std::string cur;
    for (char c : l) {
      if (Alnum(c)) {
        cur += c;
      } else if (!cur.empty()) {
        words.push_back(cur);
        cur.clear();
      }
    }
    if (!cur.empty()) words.push_back(cur);
    static const char* kNear[] = {"postmortem", "post", "mortem", "incident", "report", "pm", "rca",
                                  "retro", "retrospective", "review", "analysis", "blameless", "outage"};
    for (size_t i = 0; i < words.size(); ++i) {
      if (words[i] == "nnn" || words[i] == "xxx") return true;
      if (words[i] != "template" && words[i] != "templates") continue;
      if (i == 0 || i + 1 == words.size()) return true;
      for (const char* n : kNear)
        if (words[i - 1] == n || words[i + 1] == n) return true;
    }
    return l == "incident title" || l == "title" || l == "postmortem title";
  };
  return check(file_name) || check(title);
}

std::string NormalizeSeverity(std::string_view value, const std::vector<std::string>& names,
                              const std::vector<std::string>& labels) {
  std::string v = CleanValue(value);
  auto squash = [](std::string_view s) {
    std::string o;
    for (char c : s)
      if (Alnum(c)) o += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
  };
  // The value may carry a gloss: "SEV-2 (major)", "2 - High".
  std::string head = v;
  for (const char* sep : {" (", " - ", " \xE2\x80\x94 ", " \xE2\x80\x93 ", ":", ","}) {
    size_t p = head.find(sep);
    if (p != std::string::npos && p > 0) head = head.substr(0, p);
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (squash(names[i]) == squash(v) || squash(names[i]) == squash(head)) return names[i];
    if (i < labels.size() && !labels[i].empty() &&
        (squash(labels[i]) == squash(v) || squash(labels[i]) == squash(head)))
      return names[i];
  }
  // Words other tools use, by rank: "High" is the second level.
  static const std::pair<const char*, size_t> kWords[] = {
      {"critical", 0}, {"highest", 0}, {"urgent", 0}, {"blocker", 0}, {"high", 1},
      {"major", 1},    {"medium", 2},  {"moderate", 2}, {"minor", 2}, {"low", 3}, {"lowest", 3}};
  for (const auto& [word, rank] : kWords)
    if (squash(head) == word && rank < names.size()) return names[rank];
  // "Sev 2", "P2", "Priority 2", "Level 2", "2": the level's number.
  std::string s = squash(head);
  size_t d = 0;
  while (d < s.size() && !Digit(s[d])) ++d;
  std::string prefix = s.substr(0, d), digits = s.substr(d);
  static const char* kPrefixes[] = {"", "sev", "severity", "p", "priority", "level", "s", "prio"};
  bool known_prefix = std::any_of(std::begin(kPrefixes), std::end(kPrefixes),
                                  [&](const char* p) { return prefix == p; });
  if (known_prefix && !digits.empty() && std::all_of(digits.begin(), digits.end(), Digit)) {
    for (const auto& name : names) {
      std::string n = squash(name);
      size_t nd = 0;
      while (nd < n.size() && !Digit(n[nd])) ++nd;
      if (nd < n.size() && n.substr(nd) == digits) return name;
    }
  }
  return v;
}

std::optional<std::string> NormalizeStatus(std::string_view value) {
  std::string l = Lower(value);
  if (l.find("draft") != std::string::npos || l == "wip" || l.find("work in progress") != std::string::npos)
    return "draft";
  if (l.find("review") != std::string::npos) return "review";
  for (const char* f : {"complete", "final", "published", "done", "closed", "approved", "resolved",
                        "finished", "reviewed"})
    if (l.find(f) != std::string::npos) return "final";
  return std::nullopt;
}

std::vector<std::string> SplitNames(std::string_view value) {
  std::string v = LinkText(value);
  v = util::ReplaceAll(v, " and ", ",");
  v = util::ReplaceAll(v, " & ", ",");
  std::vector<std::string> out;
  std::string cur;
  auto push = [&] {
    std::string n = CleanValue(cur);
    while (!n.empty() && n[0] == '@') n.erase(0, 1);
    cur.clear();
    if (IsPlaceholder(n)) return;
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  for (char c : v) {
    if (c == ',' || c == ';' || c == '\n') {
      push();
    } else {
      cur += c;
    }
  }
  push();
  // "@rosa @li": several handles separated by spaces.
  if (out.size() == 1 && value.find('@') != std::string_view::npos && out[0].find(' ') != std::string::npos) {
    std::vector<std::string> handles;
    for (auto& w : util::Split(out[0], ' ')) {
      std::string n = CleanValue(w);
      while (!n.empty() && n[0] == '@') n.erase(0, 1);
      if (!n.empty()) handles.push_back(n);
    }
    if (handles.size() > 1) return handles;
  }
  return out;
}

}  // namespace casebook::content::internal
