// The briefing as text, Markdown and JSON: see brief.h.
#include <string>

#include "search/brief.h"
#include "util/text.h"

namespace casebook::search {
namespace {

std::string Severity(const std::string& name, const std::string& label) {
  if (name.empty()) return "severity unknown";
  if (label.empty() || label == name) return name;
  return name + " (" + label + ")";
}

std::string Indented(const std::string& text, const std::string& indent) {
  std::string out;
  for (const auto& line : util::Split(text, '\n'))
    out += line.empty() ? "\n" : indent + line + "\n";
  return out;
}

/// "(owner: X; due D, OVERDUE; TICKET)", "" when there is nothing to say.
std::string ActionDetails(const BriefAction& a) {
  std::vector<std::string> details;
  if (!a.owner.empty()) details.push_back("owner: " + a.owner);
  if (!a.due.empty()) details.push_back("due " + a.due + (a.overdue ? ", OVERDUE" : ""));
  if (!a.ticket.empty()) details.push_back(a.ticket);
  return details.empty() ? "" : " (" + util::Join(details, "; ") + ")";
}

std::string MdEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\`*_[]<>|#").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string MdTitle(const std::string& title, const std::string& link) {
  if (util::StartsWith(link, "http://") || util::StartsWith(link, "https://"))
    return "[" + MdEscape(title) + "](" + link + ")";
  return MdEscape(title);
}

std::string NothingLine(const Brief& brief) {
  return "No past incidents for " + util::Join(brief.subjects, ", ") +
         ". Nothing in the archive has these services or tags.\n";
}

}  // namespace

std::string BriefToText(const Brief& b) {
  std::string out = "Briefing: " + util::Join(b.subjects, ", ") + "\n\n";
  if (b.incidents.empty()) return out + NothingLine(b);
  out += std::to_string(b.incidents.size()) +
         (b.incidents.size() == 1 ? " past incident" : " past incidents") +
         ", most severe and most recent first.\n";
  if (!b.unmatched.empty()) out += "Nothing matched: " + util::Join(b.unmatched, ", ") + "\n";
  int n = 0;
  for (const auto& i : b.incidents) {
    out += "\n" + std::to_string(++n) + ". " + Severity(i.severity, i.severity_label) + "  " +
           (i.date.empty() ? "date unknown" : i.date) + "  " + i.title + "\n";
    out += "   " + i.source_path + "  " + i.link + "\n";
    std::vector<std::string> tax;
    if (!i.services.empty()) tax.push_back("services: " + util::Join(i.services, ", "));
    if (!i.tags.empty()) tax.push_back("tags: " + util::Join(i.tags, ", "));
    if (!tax.empty()) out += "   " + util::Join(tax, "  ") + "\n";
    if (!i.summary.empty()) out += "\n   Summary\n" + Indented(MarkdownToPlain(i.summary), "     ");
    if (!i.lessons.empty()) out += "\n   Lessons learned\n" + Indented(i.lessons, "     ");
    if (!i.open_actions.empty()) {
      out += "\n   Open action items\n";
      for (const auto& a : i.open_actions)
        out += "     - " + MarkdownToPlain(a.text) + ActionDetails(a) + "\n";
    }
  }
  if (!b.similar.empty()) {
    out += "\nSimilar incidents\n";
    for (const auto& s : b.similar) {
      out += "  - " + Severity(s.severity, s.severity_label) + "  " + s.date + "  " + s.title +
             "  " + s.link + "\n";
      out += "    similar to " + util::Join(s.similar_to, ", ");
      if (!s.shared_terms.empty()) out += " (shared: " + util::Join(s.shared_terms, ", ") + ")";
      out += "\n";
    }
  }
  return out;
}

std::string BriefToMarkdown(const Brief& b) {
  std::string out = "## Briefing: " + MdEscape(util::Join(b.subjects, ", ")) + "\n\n";
  if (b.incidents.empty()) return out + NothingLine(b);
  out += std::to_string(b.incidents.size()) +
         (b.incidents.size() == 1 ? " past incident" : " past incidents") +
         ", most severe and most recent first.";
  if (!b.unmatched.empty())
    out += " Nothing matched: " + MdEscape(util::Join(b.unmatched, ", ")) + ".";
  out += "\n";
  for (const auto& i : b.incidents) {
    out += "\n### " + MdEscape(Severity(i.severity, i.severity_label)) + " · " +
           (i.date.empty() ? "date unknown" : i.date) + " · " + MdTitle(i.title, i.link) + "\n\n";
    std::vector<std::string> meta{"`" + i.source_path + "`"};
    if (!i.services.empty()) meta.push_back("services: " + MdEscape(util::Join(i.services, ", ")));
    if (!i.tags.empty()) meta.push_back("tags: " + MdEscape(util::Join(i.tags, ", ")));
    out += util::Join(meta, " · ") + "\n";
    if (!i.summary.empty()) out += "\n" + i.summary + "\n";
    if (!i.lessons.empty()) out += "\n**Lessons learned**\n\n" + i.lessons + "\n";
    if (!i.open_actions.empty()) {
      out += "\n**Open action items**\n\n";
      for (const auto& a : i.open_actions)
        out += "- [ ] " + a.text + MdEscape(ActionDetails(a)) + "\n";
    }
  }
  if (!b.similar.empty()) {
    out += "\n### Similar incidents\n\n";
    for (const auto& s : b.similar) {
      out += "- " + MdEscape(Severity(s.severity, s.severity_label)) + " · " + s.date + " · " +
             MdTitle(s.title, s.link) + " — similar to " + MdEscape(util::Join(s.similar_to, ", "));
      if (!s.shared_terms.empty())
        out += " (shared: " + MdEscape(util::Join(s.shared_terms, ", ")) + ")";
      out += "\n";
    }
  }
  return out;
}

util::Value BriefToValue(const Brief& b) {
  util::Value v = util::Value::MakeMap();
  v["subjects"] = util::Value::Strings(b.subjects);
  v["unmatched"] = util::Value::Strings(b.unmatched);
  util::Value incidents = util::Value::MakeList();
  for (const auto& i : b.incidents) {
    util::Value x = util::Value::MakeMap();
    x["id"] = i.id;
    x["title"] = i.title;
    x["url"] = i.url;
    x["link"] = i.link;
    x["date"] = i.date;
    x["severity"] = i.severity;
    x["severity_label"] = i.severity_label;
    x["summary"] = i.summary;
    x["source_path"] = i.source_path;
    x["services"] = util::Value::Strings(i.services);
    x["tags"] = util::Value::Strings(i.tags);
    x["matched"] = util::Value::Strings(i.matched);
    x["lessons_learned"] = i.lessons;
    util::Value actions = util::Value::MakeList();
    for (const auto& a : i.open_actions) {
      util::Value y = util::Value::MakeMap();
      y["text"] = a.text;
      y["owner"] = a.owner;
      y["due"] = a.due;
      y["ticket"] = a.ticket;
      y["status"] = a.status;
      y["overdue"] = a.overdue;
      actions.Push(std::move(y));
    }
    x["open_action_items"] = std::move(actions);
    incidents.Push(std::move(x));
  }
  v["incidents"] = std::move(incidents);
  util::Value similar = util::Value::MakeList();
  for (const auto& s : b.similar) {
    util::Value x = util::Value::MakeMap();
    x["id"] = s.id;
    x["title"] = s.title;
    x["url"] = s.url;
    x["link"] = s.link;
    x["date"] = s.date;
    x["severity"] = s.severity;
    x["severity_label"] = s.severity_label;
    x["summary"] = s.summary;
    x["similar_to"] = util::Value::Strings(s.similar_to);
    x["shared_terms"] = util::Value::Strings(s.shared_terms);
    similar.Push(std::move(x));
  }
  v["similar"] = std::move(similar);
  return v;
}

}  // namespace casebook::search
