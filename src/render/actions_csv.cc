// actions.csv: every action item, in tracker order (open first, then by due
// date), for spreadsheets and scripts. RFC 4180: CRLF after every record
// (the last included), fields holding a comma, a double quote, CR or LF are
// quoted, and a double quote inside is doubled. UTF-8, no byte order mark.
// Columns (header row first):
//   postmortem_id, postmortem_title, text (Markdown as written), owner,
//   due (YYYY-MM-DD or empty), status (open when not written), ticket,
//   ticket_url (through site.toml ticket_url; empty when none or unsafe),
//   overdue_days (days past due as of today for overdue items, else 0)
// CSV injection (OWASP): a data cell starting with = + - @ tab or CR is one a
// spreadsheet would run as a formula (=HYPERLINK(...), +cmd|...), so it gets
// a leading single quote, which spreadsheets show as text; the cell is then
// quoted as any other. Scripts reading the file see the quote: the header
// row is never changed, and ids, dates and numbers never start with these.
#include "render/outputs.h"

#include "util/text.h"

namespace casebook::render {

namespace {

bool StartsLikeFormula(const std::string& s) {
  return !s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                        s[0] == '\t' || s[0] == '\r');
}

std::string CsvField(const std::string& cell) {
  const std::string s = StartsLikeFormula(cell) ? "'" + cell : cell;
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void Record(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += CsvField(fields[i]);
  }
  out += "\r\n";
}

}  // namespace

void WriteActionsCsv(const View& view, ChunkOut& chunks, const FragmentIo* fragments) {
  std::string& out = chunks.text();
  Record(out, {"postmortem_id", "postmortem_title", "text", "owner", "due", "status", "ticket", "ticket_url",
               "overdue_days"});
  // A row shows its item and postmortem (its ListKey) and what the file
  // shares (today, ticket_url: in the context): with `fragments`, a row
  // whose key is in the published file is copied from it.
  std::string made;
  for (const auto& row : view.action_rows()) {
    FragmentKey key;
    bool keyed = false;
    std::string_view text;
    if (fragments) {
      const std::string& list_key = view.ListKey(row.postmortem);
      if (!list_key.empty()) {
        key = fragments->Key(list_key, row.action);
        keyed = true;
      }
    }
    if (!keyed || !fragments->published || !fragments->published->Find(key, &text)) {
      const content::ActionItem& a = *row.item;
      made.clear();
      Record(made, {row.pm->id(), row.pm->doc.title, a.text, a.owner,
                    a.due ? util::FormatDate(*a.due, a.due->offset_minutes) : "", row.status, a.ticket,
                    row.ticket_url(), std::to_string(row.overdue_days)});
      // (Stripped row by row: see WritePostmortemsJson.)
      if (util::HasControls(made)) made = util::StripControls(made);
      text = made;
    }
    if (keyed && fragments->table) fragments->table->Add(key, chunks.position(), text.size());
    out += text;
    chunks.Flush();
  }
}

std::string ActionsCsv(const View& view) {
  return Collect([&view](ChunkOut& out) { WriteActionsCsv(view, out); });
}

}  // namespace casebook::render
