// Action item rules:
//   actions/missing-owner   (error)   no owner  } only the fields named in
//   actions/missing-due     (error)   no due    } [check] action_required
//   actions/missing-ticket  (error)   no ticket } (default: owner, due)
//   actions/overdue         (warning) an open item past its due date, with days
//   actions/none            (warning) a final postmortem with no action items
// The required fields apply to every item, whatever its status. For drafts the
// completeness rules (missing-*, none) are warnings. A plain-Markdown file whose "Action items" section has content
// counts as having action items.
#include <algorithm>
#include <cstdint>

#include "check/internal.h"
#include "markdown/markdown.h"
#include "util/text.h"

namespace casebook::check {
namespace {

std::string Quote(const std::string& text) {
  return "\"" + util::Truncate(util::Trim(text), 60) + "\"";
}

bool Required(const RuleContext& ctx, const char* field) {
  const auto& r = ctx.cfg.check.action_required;
  return std::find(r.begin(), r.end(), field) != r.end();
}

bool BodyHasActionItems(const content::Document& doc) {
  for (const char* name : {"Action items", "Actions", "Action Items", "Follow-ups",
                           "Follow-up actions", "Remediation"}) {
    std::string s = markdown::SectionMarkdown(doc.body, name);
    std::string_view rest = util::Trim(s);
    // SectionMarkdown may include the heading line itself; skip it.
    if (util::StartsWith(rest, "#")) {
      size_t nl = rest.find('\n');
      rest = nl == std::string_view::npos ? std::string_view() : util::Trim(rest.substr(nl));
    }
    if (!rest.empty()) return true;
  }
  return false;
}

}  // namespace

void CheckActionRules(const RuleContext& ctx, util::Diagnostics* out) {
  const content::Document& doc = ctx.doc;
  struct Field {
    const char* name;
    const char* rule;
    const char* hint;
  };
  static const Field kFields[] = {
      {"owner", "actions/missing-owner",
       "add owner = \"...\": a team or person who will see it through"},
      {"due", "actions/missing-due", "add due = YYYY-MM-DD: an item without a date drifts"},
      {"ticket", "actions/missing-ticket",
       "add ticket = \"...\" so the work is tracked where the team plans it"},
  };
  for (const auto& a : doc.actions) {
    int line = a.line ? a.line : ctx.KeyLine("actions");
    int column = line ? ctx.src.FirstColumn(line) : 0;
    bool open = a.status != "done" && a.status != "wontfix";
    for (const Field& f : kFields) {
      if (!Required(ctx, f.name)) continue;
      bool missing = f.name[0] == 'o'   ? util::Trim(a.owner).empty()
                     : f.name[0] == 'd' ? !a.due.has_value()
                                        : util::Trim(a.ticket).empty();
      if (missing)
        ctx.Report(out, util::Level::kError, line, column, f.rule,
                   std::string("action item has no ") + f.name + ": " + Quote(a.text),
                   f.hint);
    }
    if (open && a.due) {
      int64_t days = (ctx.today.utc_seconds - a.due->utc_seconds) / 86400;
      if (ctx.today.utc_seconds > a.due->utc_seconds && days >= 1) {
        ctx.Report(out, util::Level::kWarning, line, column, "actions/overdue",
                   "open action item is " + std::to_string(days) +
                       (days == 1 ? " day" : " days") + " overdue (due " +
                       util::FormatDate(*a.due, a.due->offset_minutes) +
                       "): " + Quote(a.text),
                   "finish it, agree a new due date, or close it as wontfix with a reason");
      }
    }
  }
  if (doc.status == "final" && doc.actions.empty() &&
      !(doc.front_matter == content::FrontMatterKind::kNone && BodyHasActionItems(doc))) {
    int line = ctx.KeyLine("status");
    ctx.Report(out, util::Level::kWarning, line ? line : 1,
               line ? ctx.src.FirstColumn(line) : 1, "actions/none",
               "final postmortem has no action items",
               "add [[actions]] with text, owner, due and ticket; if nothing needs to "
               "change, say why in the body and silence this rule for the file");
  }
}

}  // namespace casebook::check
