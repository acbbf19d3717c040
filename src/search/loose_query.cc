// The strict and relaxed queries of a plain query, with the compound forms
// of its words: see query_parsing.h (BuildLooseQueries).
#include <xapian.h>

#include <algorithm>
#include <cctype>

#include "search/query_parsing.h"
#include "search/schema.h"
#include "util/text.h"

namespace casebook::search {
namespace {

/// "a b" (Z<stem> terms) side by side: their pair term when the index has
/// such pairs as one term (schema::PairTerm: "fail over", "time out"), so
/// no positions are read; else a phrase of the two.
Xapian::Query Phrase(const std::string& a, const std::string& b) {
  std::string pair = schema::PairTerm(std::string_view(a).substr(1), std::string_view(b).substr(1));
  if (!pair.empty()) return Xapian::Query(pair);
  const std::string terms[] = {a, b};
  return Xapian::Query(Xapian::Query::OP_PHRASE, terms, terms + 2, 2);
}

bool AllLetters(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0;
  });
}

/// True when some document has `a` directly followed by `b` (Z<stem> terms).
bool PhraseOccurs(const Xapian::Database& db, const std::string& a, const std::string& b) {
  std::string pair = schema::PairTerm(std::string_view(a).substr(1), std::string_view(b).substr(1));
  if (!pair.empty()) return db.get_termfreq(pair) > 0;
  if (db.get_termfreq(a) == 0 || db.get_termfreq(b) == 0) return false;
  Xapian::Enquire e(db);
  e.set_query(Phrase(a, b));
  e.set_weighting_scheme(Xapian::BoolWeight());
  return e.get_mset(0, 1).size() > 0;
}

/// "readonly" -> "read only", "addons" -> "add ons" (as indexed from
/// "read-only", "add-ons"): the first split whose halves occur side by side.
Xapian::Query SplitForm(const Xapian::Database& db, const Xapian::Stem& stem,
                        const std::string& word) {
  if (word.size() < 5 || word.size() > 40 || !AllLetters(word)) return Xapian::Query();
  std::string lower = util::ToLowerAscii(word);
  for (size_t k = 2; k + 2 <= lower.size(); ++k) {
    std::string a = "Z" + stem(lower.substr(0, k)), b = "Z" + stem(lower.substr(k));
    if (PhraseOccurs(db, a, b)) return Phrase(a, b);
  }
  return Xapian::Query();
}

/// "add-ons" -> "addons", "fail over" -> "failover": the joined word, when
/// the index has it.
Xapian::Query JoinedForm(const Xapian::Database& db, const Xapian::Stem& stem,
                         const std::string& joined) {
  if (!AllLetters(joined) || joined.size() > 40) return Xapian::Query();
  std::string term = "Z" + stem(util::ToLowerAscii(joined));
  return db.get_termfreq(term) > 0 ? Xapian::Query(term) : Xapian::Query();
}

}  // namespace

bool HasSplitForm(const Xapian::Database& db, const std::string& word) {
  thread_local const Xapian::Stem stem("en");
  return !SplitForm(db, stem, word).empty();
}

namespace {

Xapian::Query Either(const Xapian::Query& a, const Xapian::Query& b) {
  if (b.empty()) return a;
  if (a.empty()) return b;
  return Xapian::Query(Xapian::Query::OP_SYNONYM, a, b);
}

}  // namespace

bool BuildLooseQueries(Xapian::QueryParser& qp, const Xapian::Database& db,
                       const LooseParts& loose, double coordination, Xapian::Query* strict,
                       Xapian::Query* relaxed, Xapian::Query* boost, CloseBoost* close,
                       LooseUnits* out) {
  thread_local const Xapian::Stem stem("en");  // a Stem is not thread-safe
  out->words.clear();
  out->terms.clear();
  const double title_weight = coordination / 10;
  std::vector<Xapian::Query> units;
  for (size_t i = 0; i < loose.words.size(); ++i) {
    const std::string& w = loose.words[i];
    // Two words the index has joined ("fail over" -> "failover") are one
    // unit: the pair side by side, or the joined word.
    if (i + 1 < loose.words.size()) {
      const std::string& next = loose.words[i + 1];
      Xapian::Query joined = JoinedForm(db, stem, w + next);
      if (!joined.empty()) {
        std::string a = "Z" + stem(util::ToLowerAscii(w)), b = "Z" + stem(util::ToLowerAscii(next));
        units.push_back(Either(Phrase(a, b), joined));
        out->words.push_back(w + " " + next);
        ++i;
        continue;
      }
    }
    if (loose.stopword[i]) continue;  // "over" counts only in "fail over"
    Xapian::Query q = ParseWord(qp, w);
    if (w.find('-') != std::string::npos) {  // "add-ons" also as "addons"
      std::string joined;
      for (char c : w)
        if (c != '-') joined += c;
      q = Either(q, JoinedForm(db, stem, joined));
    } else {
      q = Either(q, SplitForm(db, stem, w));
    }
    units.push_back(q);
    out->words.push_back(w);
  }
  for (const auto& u : units)
    out->terms.emplace_back(u.get_unique_terms_begin(), u.get_unique_terms_end());

  // Titles first: each unit found in the title (ZS<stem> terms) adds
  // title_weight and its BM25 weight there, so among postmortems with the
  // same number of words, those with them in the title rank first.
  std::vector<Xapian::Query> in_title;
  for (const auto& terms : out->terms) {
    std::vector<std::string> title_terms;
    for (const auto& t : terms)
      if (t.compare(0, 2, schema::kPairPrefix) == 0) {  // "ZJfail over": either half, as a phrase did
        size_t space = t.find(' ');
        title_terms.push_back("ZS" + t.substr(2, space - 2));
        title_terms.push_back("ZS" + t.substr(space + 1));
      } else if (t.size() > 1 && t[0] == 'Z') {
        title_terms.push_back("ZS" + t.substr(1));
      }
    if (title_terms.empty()) continue;
    in_title.emplace_back(
        Xapian::Query::OP_AND,
        Xapian::Query(Xapian::Query::OP_OR, title_terms.begin(), title_terms.end()),
        Xapian::Query((new Xapian::FixedWeightPostingSource(title_weight))->release()));
  }
  // Words close together rank above scattered ones: the units' own words
  // (single-word units) within a window of twice their number add their
  // BM25 weight again, and title_weight (MRR 0.963 -> 0.971 on
  // scripts/relevance; the constant itself made no difference from 0 to 10).
  std::vector<std::string> near_terms;
  for (size_t k = 0; k < units.size(); ++k) {
    std::string t = "Z" + stem(util::ToLowerAscii(out->words[k]));
    if (out->words[k].find_first_of(" -") == std::string::npos && db.get_termfreq(t) > 0)
      near_terms.push_back(t);
  }
  close->others = in_title;
  close->terms.clear();
  close->weight = title_weight;
  close->window = static_cast<Xapian::termcount>(2 * near_terms.size());
  if (near_terms.size() >= 2) {
    close->terms = near_terms;
    Xapian::Query near(Xapian::Query::OP_NEAR, near_terms.begin(), near_terms.end(),
                       close->window);
    in_title.emplace_back(
        Xapian::Query::OP_AND, near,
        Xapian::Query((new Xapian::FixedWeightPostingSource(title_weight))->release()));
  }
  // The caller adds it with AND_MAYBE (Searcher: to every match, or to the
  // top candidates of a large match set).
  *boost = in_title.empty() ? Xapian::Query()
                            : Xapian::Query(Xapian::Query::OP_OR, in_title.begin(), in_title.end());

  Xapian::Query rest;
  bool has_rest = !loose.rest.empty();
  if (has_rest) ParseUserQuery(qp, db, loose.rest, &rest, /*suggest=*/false);

  // Strict: the rest and every unit.
  std::vector<Xapian::Query> all;
  if (has_rest) all.push_back(rest);
  bool impossible = false;
  for (const auto& u : units) {
    if (u.empty()) impossible = true;
    all.push_back(u);
  }
  *strict = impossible ? Xapian::Query::MatchNothing
                       : Xapian::Query(Xapian::Query::OP_AND, all.begin(), all.end());

  // Relaxed: each unit that can match adds `coordination` and its BM25
  // weight, so more units always rank first; the rest stays strict.
  std::vector<Xapian::Query> counted;
  for (const auto& u : units) {
    if (u.empty()) continue;
    counted.emplace_back(Xapian::Query::OP_AND, u,
                         Xapian::Query((new Xapian::FixedWeightPostingSource(coordination))->release()));
  }
  const size_t min_units = loose.rest_positive ? 1 : 2;
  if (counted.size() < min_units) return false;
  *relaxed = Xapian::Query(Xapian::Query::OP_OR, counted.begin(), counted.end());
  if (has_rest)
    *relaxed = Xapian::Query(
        loose.rest_positive ? Xapian::Query::OP_AND_MAYBE : Xapian::Query::OP_AND, rest, *relaxed);
  return true;
}

Xapian::Query CloseBoost::With(Xapian::PostingSource* closeness) const {
  std::vector<Xapian::Query> parts = others;
  if (!terms.empty())
    parts.emplace_back(Xapian::Query::OP_AND,
                       Xapian::Query(Xapian::Query::OP_AND, terms.begin(), terms.end()),
                       Xapian::Query(closeness->release()));
  else
    delete closeness;
  return parts.empty() ? Xapian::Query()
                       : Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
}

}  // namespace casebook::search
