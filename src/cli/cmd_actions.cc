// `casebook actions`: every action item across the archive, in a terminal,
// for the weekly review meeting. The same rows, order and overdue logic as
// the site's /actions/ page and actions.csv (render::stats::ActionRows):
// open items first, then by due date; an open item due before today is
// overdue, by how many days.
//
//   --open          only open items
//   --overdue       only overdue items
//   --owner X       only items whose owner is X (by slug: "Dana Li" matches
//                   "dana li" and "dana-li"; "none" or "" for items with no
//                   owner); repeat for several owners
//   --service X     only items of postmortems about service X; repeatable
//   --json          a JSON array instead of the table
//   --today D       "today" for overdue and due-soon (default: the date, or
//                   SOURCE_DATE_EPOCH)
//
// Text: a summary line, then one row per item: STATUS, DUE, WHEN ("12 days
// overdue", "due in 3 days"), OWNER, TICKET, POSTMORTEM (id), ACTION. When
// stdout is a terminal and NO_COLOR is unset, overdue rows are red.
// Exit 0 (whatever is overdue), 1 when the archive cannot be loaded, 2 on a
// usage error. Drafts are left out, as in `casebook build`.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "render/stats.h"
#include "site/build.h"
#include "util/slug.h"
#include "util/text.h"
#include "util/value.h"

namespace casebook::cli {
namespace {

using render::stats::ActionRow;

/// True when `value` names `wanted` (by slug, or both empty / "none").
bool SameName(const std::string& value, const std::string& wanted) {
  std::string v = std::string(util::Trim(value)), w = std::string(util::Trim(wanted));
  if (v.empty()) return w.empty() || util::ToLowerAscii(w) == "none";
  std::string vs = util::Slugify(v), ws = util::Slugify(w);
  return vs.empty() || ws.empty() ? util::ToLowerAscii(v) == util::ToLowerAscii(w) : vs == ws;
}

bool Matches(const ActionRow& row, const Args& args) {
  if (args.Has("--open") && row.status != "open") return false;
  if (args.Has("--overdue") && !row.overdue) return false;
  auto owners = args.GetAll("--owner");
  auto is_owner = [&](const std::string& o) { return SameName(row.item->owner, o); };
  if (!owners.empty() && std::none_of(owners.begin(), owners.end(), is_owner)) return false;
  auto services = args.GetAll("--service");
  if (!services.empty()) {
    bool any = false;
    for (const auto& s : row.pm->doc.services)
      for (const auto& want : services) any = any || (!util::Trim(s).empty() && SameName(s, want));
    if (!any) return false;
  }
  return true;
}

std::string Due(const ActionRow& row) {
  return row.item->due ? util::FormatDate(*row.item->due, row.item->due->offset_minutes) : "";
}

std::string When(const ActionRow& row) {
  if (row.overdue)
    return std::to_string(row.overdue_days) + (row.overdue_days == 1 ? " day" : " days") + " overdue";
  if (!row.due_soon || !row.days_until_due) return "";
  int64_t d = *row.days_until_due;
  return d == 0 ? "due today" : d == 1 ? "due tomorrow" : "due in " + std::to_string(d) + " days";
}

/// One line: newlines and tabs in free text become spaces.
std::string OneLine(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  return std::string(util::Trim(out));
}

size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

util::Value Json(const std::vector<const ActionRow*>& rows, const config::SiteConfig& cfg) {
  util::Value list = util::Value::MakeList();
  for (const ActionRow* r : rows) {
    util::Value v = util::Value::MakeMap();
    v["postmortem_id"] = r->pm->id();
    v["postmortem_title"] = r->pm->doc.title;
    v["postmortem_url"] = cfg.AbsoluteUrl(r->pm->url);
    v["text"] = r->item->text;
    v["owner"] = r->item->owner;
    v["due"] = r->item->due ? util::Value(Due(*r)) : util::Value();
    v["status"] = r->status;
    v["ticket"] = r->item->ticket;
    const std::string ticket_url = r->ticket_url();
    v["ticket_url"] = ticket_url.empty() ? util::Value() : util::Value(ticket_url);
    v["overdue"] = r->overdue;
    v["overdue_days"] = r->overdue_days;
    v["due_soon"] = r->due_soon;
    list.Push(std::move(v));
  }
  return list;
}

void PrintTable(const std::vector<const ActionRow*>& rows, const std::string& today) {
  render::stats::ActionCounts n;
  for (const ActionRow* r : rows) {
    ++n.total;
    n.open += r->status == "open";
    n.done += r->status == "done";
    n.wontfix += r->status == "wontfix";
    n.overdue += r->overdue;
    n.due_soon += r->due_soon;
  }
  std::printf("%zu action item%s as of %s: %zu open (%zu overdue, %zu due in the next 7 days), %zu done, "
              "%zu won't fix\n",
              n.total, n.total == 1 ? "" : "s", today.c_str(), n.open, n.overdue, n.due_soon, n.done, n.wontfix);
  if (rows.empty()) return;
  const bool color = isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
  std::vector<std::vector<std::string>> table = {
      {"STATUS", "DUE", "WHEN", "OWNER", "TICKET", "POSTMORTEM", "ACTION"}};
  for (const ActionRow* r : rows) {
    auto dash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
    // Text from postmortems is made TerminalSafe before the table is laid out.
    auto safe = [](const std::string& s) { return util::TerminalSafe(s); };
    table.push_back({safe(r->status), dash(Due(*r)), dash(When(*r)),
                     dash(safe(OneLine(r->item->owner))), dash(safe(OneLine(r->item->ticket))),
                     safe(r->pm->id()), safe(OneLine(r->item->text))});
  }
  std::vector<size_t> widths(table[0].size(), 0);
  for (const auto& row : table)
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], Width(row[c]));
  std::printf("\n");
  for (size_t i = 0; i < table.size(); ++i) {
    std::string line;
    for (size_t c = 0; c < table[i].size(); ++c) {
      line += table[i][c];
      if (c + 1 < table[i].size()) line += std::string(widths[c] - Width(table[i][c]) + 2, ' ');
    }
    bool red = color && i > 0 && rows[i - 1]->overdue;
    std::printf("%s%s%s\n", red ? "\x1b[31m" : "", line.c_str(), red ? "\x1b[0m" : "");
  }
}

}  // namespace

int RunActions(const CommandArgs& argv) {
  Args args(argv, {{"--open", "--overdue", "--json"}, {"--owner", "--service", "--today", "--config"}});
  if (!args.ok()) return UsageError("actions", args.error());
  if (!args.positional().empty()) return UsageError("actions", "unexpected argument " + args.positional()[0]);

  site::BuildOptions options;
  options.config_path = args.GetOr("--config", "site.toml");
  options.index = false;
  options.markdown_bodies = false;  // action items only: unchanged files are not read
  bool bad = false;
  options.today = TodayOption(args, &bad);
  if (bad) return UsageError("actions", "--today needs a date like 2024-03-14");

  util::Diagnostics diags;
  auto site = site::LoadSite(options, &diags);
  // Only errors: warnings belong to `casebook check`, not the review meeting.
  util::Diagnostics errors;
  for (const auto& d : diags.items())
    if (d.level == util::Level::kError) errors.Add(d);
  errors.Sort();
  PrintDiagnostics(errors, stderr);
  if (!site) return 1;
  if (errors.HasErrors())
    std::fprintf(stderr, "casebook actions: the archive has errors (above); files with errors may be missing. "
                         "Run `casebook check`.\n");

  std::vector<ActionRow> all = render::stats::ActionRows(site->model);
  std::vector<const ActionRow*> rows;
  for (const auto& r : all)
    if (Matches(r, args)) rows.push_back(&r);
  if (args.Has("--json")) {
    std::printf("%s\n", Json(rows, site->config).ToJson(true).c_str());
  } else {
    PrintTable(rows, util::FormatDate(site->model.today, 0));
  }
  return 0;
}

}  // namespace casebook::cli
