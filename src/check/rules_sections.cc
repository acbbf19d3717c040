// Section rules, for [check] required_sections (default Summary, Impact,
// Timeline, Action items):
//   sections/missing  (error) no heading with that name (any level; case and a
//                     trailing ":" ignored; "Timeline (UTC)" counts as Timeline)
//   sections/empty    (error) the heading is there but nothing is under it
//                     before the next heading of the same or a higher level;
//                     blank lines, HTML comments, sub-headings and archetype
//                     placeholders ("_TODO: ..._", "*TODO ...*") do not count
// A section the front matter already supplies is not required in the body:
// Summary when `summary` is set, Timeline when [[timeline]] has entries,
// Action items when [[actions]] has items. Drafts get warnings, not errors.
#include <cctype>
#include <set>

#include "check/internal.h"
#include "util/text.h"

namespace casebook::check {
namespace {

std::string Normalise(std::string_view heading) {
  std::string s = util::ToLowerAscii(util::Trim(heading));
  while (!s.empty() && (s.back() == ':' || s.back() == ' ')) s.pop_back();
  return s;
}

bool NameMatches(const std::string& heading, const std::string& name) {
  if (!util::StartsWith(heading, name)) return false;
  return heading.size() == name.size() ||
         !std::isalnum(static_cast<unsigned char>(heading[name.size()]));
}

// A line with nothing a reader needs: archetype guidance, a setext underline.
bool IsPlaceholder(std::string_view t) {
  if (t.find_first_not_of("=-") == std::string_view::npos) return true;
  if (t.size() >= 2 && (t[0] == '-' || t[0] == '*' || t[0] == '+') && t[1] == ' ')
    t = util::Trim(t.substr(2));
  while (!t.empty() && (t.front() == '_' || t.front() == '*')) t.remove_prefix(1);
  return util::IStartsWith(t, "TODO");
}

bool SuppliedByFrontMatter(const content::Document& doc, const std::string& name) {
  if (name == "summary") return !util::Trim(doc.summary).empty();
  if (name == "timeline") return !doc.timeline.empty() && !doc.timeline_from_body;
  if (name == "action items" || name == "actions") return !doc.actions.empty();
  return false;
}

}  // namespace

void CheckSectionRules(const RuleContext& ctx, util::Diagnostics* out) {
  const content::Document& doc = ctx.doc;
  const auto& headings = ctx.Headings();
  std::vector<std::string> body = util::Split(doc.body, '\n');
  auto body_line = [&](int file_line) -> std::string_view {
    int i = file_line - doc.body_line;
    return i >= 0 && i < static_cast<int>(body.size()) ? std::string_view(body[i])
                                                      : std::string_view();
  };
  int last_line = doc.body_line + static_cast<int>(body.size()) - 1;
  std::set<int> heading_lines;
  for (const auto& h : headings) heading_lines.insert(h.line);

  for (const std::string& required : ctx.cfg.check.required_sections) {
    std::string name = Normalise(required);
    if (name.empty()) continue;
    size_t found = headings.size();
    for (size_t i = 0; i < headings.size() && found == headings.size(); ++i)
      if (NameMatches(Normalise(headings[i].text), name)) found = i;
    if (SuppliedByFrontMatter(doc, name)) continue;
    if (found == headings.size()) {
      ctx.Report(out, util::Level::kError, doc.body_line, 1, "sections/missing",
                 "required section \"" + required + "\" is missing",
                 "add a \"## " + required + "\" section (site.toml [check] "
                 "required_sections lists the sections every postmortem needs)");
      continue;
    }
    const markdown::Heading& h = headings[found];
    int end = last_line + 1;
    for (size_t j = found + 1; j < headings.size(); ++j)
      if (headings[j].level <= h.level) {
        end = headings[j].line;
        break;
      }
    bool in_comment = false, has_content = false;
    for (int n = h.line + 1; n < end && !has_content; ++n) {
      std::string_view t = util::Trim(body_line(n));
      bool is_heading = heading_lines.count(n) > 0;
      if (in_comment) {
        if (t.find("-->") != std::string_view::npos) in_comment = false;
        continue;
      }
      if (util::StartsWith(t, "<!--")) {
        size_t close = t.find("-->");
        if (close == std::string_view::npos) {
          in_comment = true;
          continue;
        }
        t = util::Trim(t.substr(close + 3));
      }
      if (t.empty() || is_heading || IsPlaceholder(t)) continue;
      has_content = true;
    }
    if (!has_content) {
      ctx.Report(out, util::Level::kError, h.line, ctx.src.FirstColumn(h.line),
                 "sections/empty", "section \"" + h.text + "\" is empty",
                 "write this section, replacing the archetype's placeholder text");
    }
  }
}

}  // namespace casebook::check
