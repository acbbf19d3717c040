// Names and dates every page relies on (docs/security.md, "Output bounds and
// names"):
//   - control characters (NUL, ESC, C1) are stripped from the fields pages
//     and terminals show (names/control-characters, a warning);
//   - folder names that a case-insensitive or normalisation-insensitive file
//     system (macOS, Windows) would store as one are an error naming both
//     files (names/collision): ids, taxonomy terms, action owners;
//   - dates before 1970 or more than a year after today (due dates: ten
//     years) are a warning here
//     (`check` makes it an error: times/implausible) and are left out of the
//     charts, so one typo cannot stretch every chart over 9,999 years.
#include <map>
#include <string_view>
#include <unordered_set>

#include "model/steps.h"
#include "util/slug.h"
#include "util/text.h"
#include "util/unicode.h"

namespace casebook::model {

std::string TermSlug(std::string_view value) {
  return util::SafeSlug(util::StripControls(value), "_term-");
}

std::string OwnerSlug(std::string_view owner) {
  return util::SafeSlug(util::StripControls(owner), "_owner-");
}

namespace {

// Strips control characters from one field; true when there were any.
bool Clean(std::string& s) {
  if (!util::HasControls(s)) return false;
  s = util::StripControls(s);
  return true;
}

void Warn(const content::Document& doc, const std::string& key, util::Diagnostics* diags) {
  diags->Warning(doc.SourceName(), doc.LineOf(key), "names/control-characters",
                 "`" + key + "` holds control characters (e.g. NUL or ESC); they are left out of "
                 "pages and terminal output",
                 "delete them from the file (they are invisible in most editors: try `cat -v`)");
}

}  // namespace

void StripControlCharacters(content::Document* doc, util::Diagnostics* diags) {
  // The loader looked (at parse time, kept in its cache): nothing to strip.
  if (doc->shown_fields_clean) return;
  doc->digest_without_body.clear();  // never set for such a document; fields may change here
  // Every field is cleaned; one warning per key that had any, in order
  // (each key's fields come together).
  std::vector<std::string_view> cleaned;
  content::ForEachShownField(*doc, [&cleaned](std::string_view key, std::string& s) {
    if (Clean(s) && (cleaned.empty() || cleaned.back() != key)) cleaned.push_back(key);
  });
  const bool title_from_id = doc->title_source != content::Document::TitleSource::kFrontMatter;
  for (std::string_view key : cleaned)
    Warn(*doc, key == "title" && title_from_id ? "id" : std::string(key), diags);
}

namespace {

// One folder name and the file that asked for it.
struct NameUse {
  std::string name;
  const content::Document* doc;
  std::string key;  // front matter key, for the line
};

// Reports every pair of distinct names under one folder that fold to the
// same key (util::FoldedName). `uses` is in a deterministic order; the first
// use of each name stands for it.
void ReportFoldCollisions(const std::string& folder, const std::vector<NameUse>& uses,
                          util::Diagnostics* diags) {
  std::map<std::string, const NameUse*> first_by_name;
  std::map<std::string, const NameUse*> first_by_key;
  for (const NameUse& u : uses) {
    if (!first_by_name.emplace(u.name, &u).second) continue;
    auto [it, inserted] = first_by_key.emplace(util::FoldedName(u.name), &u);
    if (inserted) continue;
    const NameUse& other = *it->second;
    diags->Error(u.doc->SourceName(), u.doc->LineOf(u.key), "names/collision",
                 folder + "\"" + u.name + "\" and " + folder + "\"" + other.name + "\" (from " +
                     other.doc->SourceName() + ":" + std::to_string(other.doc->LineOf(other.key)) +
                     ") differ only in case or Unicode normalisation: on macOS and Windows they "
                     "are one folder",
                 "spell both the same way (or make them really different)");
  }
}

}  // namespace

void CheckFolderNames(SiteModel* site, util::Diagnostics* diags) {
  for (const auto& tax : site->taxonomies) {
    std::vector<NameUse> uses;
    for (const auto& term : tax.terms)
      if (!term.postmortems.empty())
        uses.push_back({term.slug, &site->postmortems[term.postmortems.back()].doc, tax.key});
    ReportFoldCollisions(tax.key + "/", uses, diags);
  }
  // Only the first use of each owner can be reported (ReportFoldCollisions
  // skips a name's later uses), so each owner is slugged once.
  std::vector<NameUse> owners;
  std::unordered_set<std::string_view> owners_seen;
  for (const auto& ref : site->actions) {
    const auto& doc = site->postmortems[ref.postmortem].doc;
    const std::string& owner = doc.actions[ref.action].owner;
    if (!owners_seen.insert(owner).second || util::Trim(owner).empty()) continue;
    owners.push_back({OwnerSlug(owner), &doc, "actions"});
  }
  ReportFoldCollisions("actions/owner/", owners, diags);
}

bool IsPlausibleDate(const util::DateTime& t, const util::DateTime& today, int days_ahead) {
  const int64_t local = t.utc_seconds + int64_t{t.offset_minutes} * 60;
  if (local < 0) return false;  // before 1970-01-01
  if (today.utc_seconds == 0) return true;  // no "today" (a model built by hand)
  return local / 86400 <= today.utc_seconds / 86400 + days_ahead;
}

constexpr int kDueDaysAhead = 3653;

void CheckDates(SiteModel* site, util::Diagnostics* diags) {
  const util::DateTime& today = site->today;
  for (auto& pm : site->postmortems) {
    const content::Document& doc = pm.doc;
    // `line` is only worked out for a warning (most dates are plausible).
    auto check = [&](const util::DateTime& t, auto line, const std::string& what) {
      if (IsPlausibleDate(t, today)) return;
      diags->Warning(doc.SourceName(), line(), "times/implausible",
                     what + " " + util::FormatDate(t, t.offset_minutes) +
                         " is before 1970 or more than a year after today (" +
                         util::FormatDate(today, 0) + "); it is left out of the charts",
                     "check the year (a typo such as 0001 or 9999?)");
    };
    // A due date may well be planned more than a year ahead; ten is a typo.
    auto check_due = [&](const util::DateTime& t, auto line) {
      if (IsPlausibleDate(t, today, kDueDaysAhead)) return;
      diags->Warning(doc.SourceName(), line(), "times/implausible",
                     "action item due date " + util::FormatDate(t, t.offset_minutes) +
                         " is before 1970 or more than ten years after today (" +
                         util::FormatDate(today, 0) + ")",
                     "check the year (a typo such as 0001 or 9999?)");
    };
    if (doc.date) check(*doc.date, [&] { return doc.LineOf("date"); }, "date");
    const std::pair<const char*, const std::optional<util::DateTime>*> times[] = {
        {"started", &doc.incident.started},     {"detected", &doc.incident.detected},
        {"first_user_impact", &doc.incident.first_user_impact},
        {"first_user_report", &doc.incident.first_user_report},
        {"mitigated", &doc.incident.mitigated}, {"resolved", &doc.incident.resolved}};
    for (const auto& [key, value] : times) {
      if (!*value || IsPlausibleDate(**value, today)) continue;
      std::string dotted = std::string("incident.") + key;
      check(**value, [&] { return doc.LineOf(doc.key_lines.count(dotted) ? dotted : "incident"); },
            dotted);
    }
    for (const auto& e : doc.timeline)
      check(e.at, [&] { return e.line ? e.line : doc.LineOf("timeline"); }, "timeline entry");
    for (const auto& a : doc.actions)
      if (a.due) check_due(*a.due, [&] { return a.line ? a.line : doc.LineOf("actions"); });
    if (pm.incident_date && !IsPlausibleDate(*pm.incident_date, today))
      pm.incident_date_plausible = false;
  }
}

}  // namespace casebook::model
