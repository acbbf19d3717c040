// Blameless-language rules (warnings by default):
//   blameless/counterfactual   "would have", "could have", "should have",
//                              "if only", "failed to" (and contractions)
//   blameless/judgement        "careless", "negligent", "sloppy", "stupid",
//                              "fault", "blame", "human error", "obviously",
//                              "simply", "just had to" (and inflections)
//   blameless/person-as-cause  "caused by <name>", "root cause: <name>",
//                              "<name>'s mistake" for names in authors,
//                              facilitator and [check] people
//   blameless/custom           phrases from [check] blameless_add
// Case-insensitive, whole words, across line breaks; code, quotes and links
// are left out (see prose.h). [check] blameless_remove drops default phrases
// (a base phrase drops its variants too). Looks at the body and at the front
// matter title, summary, timeline texts and action texts.
#include <algorithm>
#include <set>

#include "check/internal.h"
#include "check/prose.h"
#include "util/text.h"

namespace casebook::check {
namespace {

enum class Hint { kShould, kWould, kFailed, kPerson, kFault, kHumanError, kHindsight };

struct Phrase {
  const char* text;  // lowercase, single spaces
  const char* base;  // the listed phrase it is a variant of
  const char* rule;
  Hint hint;
  std::vector<const char*> not_after = {};   // previous word that excuses it
  std::vector<const char*> not_before = {};  // next word that excuses it
};

const std::vector<Phrase>& DefaultPhrases() {
  static const char* kC = "blameless/counterfactual";
  static const char* kJ = "blameless/judgement";
  static const std::vector<Phrase> kPhrases = {
      {"would have", "would have", kC, Hint::kWould},
      {"would've", "would have", kC, Hint::kWould},
      {"could have", "could have", kC, Hint::kWould},
      {"could've", "could have", kC, Hint::kWould},
      {"should have", "should have", kC, Hint::kShould},
      {"should've", "should have", kC, Hint::kShould},
      {"should not have", "should have", kC, Hint::kShould},
      {"shouldn't have", "should have", kC, Hint::kShould},
      {"if only", "if only", kC, Hint::kWould},
      {"failed to", "failed to", kC, Hint::kFailed},
      {"careless", "careless", kJ, Hint::kPerson},
      {"carelessly", "careless", kJ, Hint::kPerson},
      {"carelessness", "careless", kJ, Hint::kPerson},
      {"negligent", "negligent", kJ, Hint::kPerson},
      {"negligently", "negligent", kJ, Hint::kPerson},
      {"negligence", "negligent", kJ, Hint::kPerson},
      {"sloppy", "sloppy", kJ, Hint::kPerson},
      {"stupid", "stupid", kJ, Hint::kPerson},
      {"stupidly", "stupid", kJ, Hint::kPerson},
      // "page fault", "fault tolerance" and friends are engineering, not blame.
      {"fault", "fault", kJ, Hint::kFault,
       {"page", "segmentation", "bus", "protection", "general", "hardware", "network",
        "disk", "memory", "power", "transient", "byzantine", "firmware", "cpu"},
       {"tolerance", "tolerant", "injection", "domain", "domains", "tree", "isolation",
        "detection", "handler", "handling", "zone", "zones", "code", "codes"}},
      {"blame", "blame", kJ, Hint::kFault, {"git", "svn", "hg"}},
      {"blamed", "blame", kJ, Hint::kFault},
      {"blaming", "blame", kJ, Hint::kFault},
      {"human error", "human error", kJ, Hint::kHumanError},
      {"obviously", "obviously", kJ, Hint::kHindsight},
      {"simply", "simply", kJ, Hint::kHindsight},
      {"just had to", "just had to", kJ, Hint::kHindsight},
  };
  return kPhrases;
}

std::string MessageFor(const std::string& rule, const std::string& quoted, Hint h) {
  std::string q = "\"" + quoted + "\"";
  if (rule == "blameless/counterfactual")
    return q + " is counterfactual: it describes a past that did not happen";
  if (rule == "blameless/person-as-cause") return q + " names a person as the cause";
  if (rule == "blameless/custom") return q + " is on this site's list of phrases to avoid";
  if (h == Hint::kHindsight) return q + " is hindsight: it was not obvious at the time";
  if (h == Hint::kHumanError) return q + " ends the inquiry where it should start";
  return q + " passes judgement on people";
}

std::string HintFor(Hint h) {
  switch (h) {
    case Hint::kShould:
      return "describe what happened and why it made sense at the time, not what "
             "someone should have done";
    case Hint::kWould:
      return "describe what happened and why it made sense at the time, not an "
             "alternative past";
    case Hint::kFailed:
      return "say what did happen and why (\"the alert did not fire because ...\"), "
             "not what someone failed to do";
    case Hint::kPerson:
      return "describe the action and the conditions that made it reasonable at the time";
    case Hint::kFault:
      return "look for the contributing factors in the system, not for someone at fault";
    case Hint::kHumanError:
      return "name the conditions that made the slip likely and easy (tooling, "
             "signals, load, unclear steps)";
    case Hint::kHindsight:
      return "describe what people knew and saw at the time, without hindsight";
  }
  return "";
}

struct Pattern {
  std::string text;  // lowercase
  std::string rule;
  Hint hint = Hint::kPerson;
  const Phrase* phrase = nullptr;  // for the exception lists
};

// The word before `pos` / after `end` in lowercase prose.
std::string WordBefore(const std::string& s, size_t pos) {
  size_t e = pos;
  while (e > 0 && s[e - 1] == ' ') --e;
  size_t b = e;
  while (b > 0 && IsWordByte(s[b - 1])) --b;
  return s.substr(b, e - b);
}
std::string WordAfter(const std::string& s, size_t end) {
  size_t b = end;
  while (b < s.size() && s[b] == ' ') ++b;
  size_t e = b;
  while (e < s.size() && IsWordByte(s[e])) ++e;
  return s.substr(b, e - b);
}

bool Excused(const Phrase* p, const std::string& lower, size_t pos, size_t end) {
  if (!p) return false;
  std::string before = WordBefore(lower, pos), after = WordAfter(lower, end);
  for (const char* w : p->not_after)
    if (before == w) return true;
  for (const char* w : p->not_before)
    if (after == w) return true;
  return false;
}

std::vector<Pattern> BuildPatterns(const RuleContext& ctx) {
  std::vector<Pattern> out;
  std::set<std::string> removed;
  for (const auto& r : ctx.cfg.check.blameless_remove)
    removed.insert(util::ToLowerAscii(util::Trim(r)));
  for (const Phrase& p : DefaultPhrases())
    if (!removed.count(p.text) && !removed.count(p.base))
      out.push_back({p.text, p.rule, p.hint, &p});
  for (const auto& a : ctx.cfg.check.blameless_add) {
    std::string t = util::ToLowerAscii(util::Trim(a));
    if (!t.empty()) out.push_back({t, "blameless/custom", Hint::kPerson, nullptr});
  }
  // People: full names, and first names of three letters or more.
  std::vector<std::string> names = ctx.doc.authors;
  if (!ctx.doc.facilitator.empty()) names.push_back(ctx.doc.facilitator);
  names.insert(names.end(), ctx.cfg.check.people.begin(), ctx.cfg.check.people.end());
  std::set<std::string> variants;
  for (const auto& n : names) {
    std::string full = util::ToLowerAscii(util::Trim(n));
    if (full.empty()) continue;
    variants.insert(full);
    size_t sp = full.find(' ');
    if (sp != std::string::npos && sp >= 3) variants.insert(full.substr(0, sp));
  }
  std::vector<std::string> sorted(variants.begin(), variants.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& v : sorted) {
    for (const char* pre : {"caused by ", "root cause: ", "root cause:", "root cause was ",
                            "root cause is "})
      out.push_back({pre + v, "blameless/person-as-cause", Hint::kPerson, nullptr});
    for (const char* post : {"'s mistake", "'s error", "'s fault"})
      out.push_back({v + post, "blameless/person-as-cause", Hint::kPerson, nullptr});
  }
  return out;
}

struct Match {
  size_t pos, end;
  const Pattern* pattern;
};

std::vector<Match> FindMatches(const Prose& prose, const std::vector<Pattern>& patterns) {
  std::vector<Match> out;
  std::string lower = util::ToLowerAscii(prose.text);
  std::set<std::pair<std::string, size_t>> seen;  // (rule, pos): longest first wins
  for (const Pattern& p : patterns) {
    for (size_t at = lower.find(p.text); at != std::string::npos;
         at = lower.find(p.text, at + 1)) {
      size_t end = at + p.text.size();
      if (!IsWholeWord(lower, at, end) || Excused(p.phrase, lower, at, end)) continue;
      if (!seen.insert({p.rule, at}).second) continue;
      out.push_back({at, end, &p});
    }
  }
  return out;
}

void ReportMatch(const RuleContext& ctx, const Prose& prose, const Match& m,
                 int line, int column, util::Diagnostics* out) {
  std::string quoted = prose.text.substr(m.pos, m.end - m.pos);
  ctx.Report(out, util::Level::kWarning, line, column, m.pattern->rule,
             MessageFor(m.pattern->rule, quoted, m.pattern->hint),
             m.pattern->rule == "blameless/custom"
                 ? "describe what happened and why it made sense at the time"
                 : HintFor(m.pattern->hint));
}

// A front matter string: matches are placed by finding the quoted text in the
// source lines [from, to]; the k-th repeat of the same text gets the k-th hit
// (each text's search resumes where its previous hit was).
void CheckValue(const RuleContext& ctx, const std::string& value, int from, int to,
                const std::vector<Pattern>& patterns, util::Diagnostics* out) {
  if (value.empty()) return;
  if (from <= 0) from = 1;
  to = std::min(to, ctx.src.line_count());
  std::vector<std::string> lower;
  for (int n = from; n <= to; ++n) lower.push_back(util::ToLowerAscii(ctx.src.line(n)));
  Prose prose = ValueProse(value, from);
  std::map<std::string, std::pair<int, size_t>> cursor;  // text -> (line, byte)
  for (const Match& m : FindMatches(prose, patterns)) {
    std::string needle = util::ToLowerAscii(prose.text.substr(m.pos, m.end - m.pos));
    auto [it, fresh] = cursor.emplace(needle, std::make_pair(from, size_t{0}));
    int line = 0, column = 0;
    for (int n = it->second.first; n <= to && !line; ++n) {
      const std::string& l = lower[n - from];
      size_t at = l.find(needle, n == it->second.first ? it->second.second : 0);
      if (at == std::string::npos) continue;
      line = n;
      column = ctx.src.Column(n, at);
      it->second = {n, at + 1};
    }
    if (!line) {
      it->second = {to + 1, 0};
      line = from;
      column = ctx.src.FirstColumn(from);
    }
    ReportMatch(ctx, prose, m, line, column, out);
  }
}

}  // namespace

void CheckBlamelessRules(const RuleContext& ctx, util::Diagnostics* out) {
  std::vector<Pattern> patterns = BuildPatterns(ctx);
  for (const Prose& prose : BodyProse(ctx.doc.body, ctx.doc.body_line)) {
    for (const Match& m : FindMatches(prose, patterns)) {
      int line = prose.line[m.pos];
      ReportMatch(ctx, prose, m, line, ctx.src.Column(line, prose.byte[m.pos]), out);
    }
  }
  if (ctx.doc.front_matter == content::FrontMatterKind::kNone) return;
  int fm_end = ctx.src.fm_last() > 0 ? ctx.src.fm_last() : ctx.src.line_count();
  auto window = [fm_end](int line, int size) { return std::min(fm_end, line + size); };
  if (ctx.doc.title_source == content::Document::TitleSource::kFrontMatter) {
    int l = ctx.KeyLine("title");
    CheckValue(ctx, ctx.doc.title, l, window(l, 5), patterns, out);
  }
  int s = ctx.KeyLine("summary");
  CheckValue(ctx, ctx.doc.summary, s, window(s, 30), patterns, out);
  if (!ctx.doc.timeline_from_body)
    for (const auto& e : ctx.doc.timeline)
      CheckValue(ctx, e.text, e.line, window(e.line, 10), patterns, out);
  for (const auto& a : ctx.doc.actions)
    CheckValue(ctx, a.text, a.line, window(a.line, 10), patterns, out);
}

}  // namespace casebook::check
