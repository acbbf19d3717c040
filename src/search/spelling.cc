// Spelling suggestions for a query: see query_parsing.h (SpellingSuggestions).
#include <xapian.h>

#include <algorithm>
#include <map>
#include <cctype>
#include <tuple>

#include "search/query_parsing.h"
#include "util/text.h"

namespace casebook::search {
namespace {

bool IsWordByte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

/// Edit distance with adjacent transpositions ("exhuastion" is 1 from
/// "exhaustion"); anything above `max` is reported as max + 1.
size_t Distance(const std::string& a, const std::string& b, size_t max) {
  if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) > max) return max + 1;
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t row_min = max + 1;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      row_min = std::min(row_min, d[i][j]);
    }
    if (row_min > max) return max + 1;
  }
  return std::min(d[a.size()][b.size()], max + 1);
}

struct Candidate {
  std::string word;
  size_t distance = 0;
  Xapian::doccount freq = 0;
};

/// Up to `n` spelling words near `word`: fewest edits, then most frequent.
std::vector<Candidate> Candidates(const Xapian::Database& db, const std::string& word, size_t n) {
  const size_t max = word.size() <= 4 ? 1 : 2;
  std::vector<Candidate> found;
  size_t scanned = 0;
  for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it) {
    if (++scanned > kMaxSpellingScan) break;  // bounded work on huge archives
    const std::string& w = *it;
    size_t dist = Distance(word, w, max);
    if (dist == 0 || dist > max) continue;
    found.push_back({w, dist, it.get_termfreq()});
  }
  std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.distance, b.freq, a.word) < std::tie(b.distance, a.freq, b.word);
  });
  if (found.size() > n) found.resize(n);
  return found;
}

/// How many postmortems `text` matches, parsed with `op` between words
/// (counted up to `cap`).
Xapian::doccount Count(Xapian::QueryParser& qp, const Xapian::Database& db,
                       const std::string& text, Xapian::Query::op op, Xapian::doccount cap) {
  try {
    qp.set_default_op(op);
    Xapian::Query q = qp.parse_query(RewriteQuery(text), Xapian::QueryParser::FLAG_DEFAULT |
                                                             Xapian::QueryParser::FLAG_AUTO_SYNONYMS);
    qp.set_default_op(Xapian::Query::OP_AND);
    Xapian::Enquire e(db);
    e.set_query(q);
    e.set_weighting_scheme(Xapian::BoolWeight());
    return e.get_mset(0, 0, cap).get_matches_estimated();
  } catch (const Xapian::Error&) {
    qp.set_default_op(Xapian::Query::OP_AND);
    return 0;
  }
}

}  // namespace

std::vector<std::string> SpellingSuggestions(Xapian::QueryParser& qp, const Xapian::Database& db,
                                             const std::string& query, size_t max) {
  thread_local const Xapian::Stem stem("en");  // a Stem is not thread-safe
  // The query in pieces: text kept as is, and the words to correct.
  struct Piece {
    std::string text;
    std::vector<Candidate> candidates;  // empty: kept
    size_t group = 0;                   // the same unknown word, corrected alike
  };
  std::map<std::string, size_t> groups;  // lower-cased unknown word -> group
  std::vector<Piece> pieces;
  size_t unknown = 0;
  bool quoted_value = false;  // inside field:"..."
  for (size_t i = 0; i < query.size();) {
    if (!IsWordByte(static_cast<unsigned char>(query[i]))) {
      if (query[i] == '"') quoted_value = !quoted_value && i > 0 && query[i - 1] == ':';
      pieces.push_back({std::string(1, query[i++]), {}});
      continue;
    }
    size_t j = i;
    while (j < query.size() && IsWordByte(static_cast<unsigned char>(query[j]))) ++j;
    std::string word = query.substr(i, j - i);
    // Leave alone: field names, field values (but title:), wildcards,
    // operators, anything with a digit, very short words, known words.
    bool field_name = j < query.size() && query[j] == ':';
    bool wildcard = j < query.size() && query[j] == '*';
    bool value =
        i > 0 && query[i - 1] == ':' && !(i >= 6 && query.compare(i - 6, 6, "title:") == 0);
    bool keep =
        field_name || wildcard || value || quoted_value || word.size() < 3 ||
        std::any_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        word == "AND" || word == "OR" || word == "NOT" || word == "XOR" || word == "NEAR" ||
        word == "ADJ";
    Piece piece{word, {}};
    std::string lower = util::ToLowerAscii(word);
    auto seen = groups.find(lower);
    if (!keep && seen != groups.end()) {  // a repeated unknown word
      piece.candidates = pieces[seen->second].candidates;
      piece.group = seen->second;
    } else if (!keep && unknown < kMaxSpellingWords) {
      std::string z = "Z" + stem(lower);
      bool known = db.get_termfreq(z) > 0 || db.synonyms_begin(lower) != db.synonyms_end(lower) ||
                   db.synonyms_begin(z) != db.synonyms_end(z) || HasSplitForm(db, word);
      if (!known) {
        piece.candidates = Candidates(db, lower, 3);
        if (!piece.candidates.empty()) {
          ++unknown;
          piece.group = pieces.size();
          groups[lower] = pieces.size();
        }
      }
    }
    pieces.push_back(std::move(piece));
    i = j;
  }
  if (unknown == 0) return {};

  // Every combination of candidates, scored as a whole: words side by side
  // somewhere, then every word in one postmortem, then fewest edits, then
  // how many postmortems agree, then the most frequent words.
  struct Scored {
    std::string text;
    bool near = false, all = false;
    size_t distance = 0;
    Xapian::doccount near_n = 0, all_n = 0, freq = 0;
  };
  std::vector<Scored> scored;
  std::vector<size_t> pick(pieces.size(), 0);
  for (;;) {
    Scored s;
    for (size_t k = 0; k < pieces.size(); ++k) {
      if (pieces[k].candidates.empty()) {
        s.text += pieces[k].text;
      } else {
        const Candidate& c = pieces[k].candidates[pick[pieces[k].group]];
        s.text += c.word;
        s.distance += c.distance;
        s.freq += c.freq;
      }
    }
    s.all_n = Count(qp, db, s.text, Xapian::Query::OP_AND, 1000);
    s.near_n = unknown + 1 < pieces.size() ? Count(qp, db, s.text, Xapian::Query::OP_NEAR, 1000) : 0;
    s.all = s.all_n > 0;
    s.near = s.near_n > 0;
    scored.push_back(std::move(s));
    // Next combination (odometer).
    size_t k = 0;
    for (; k < pieces.size(); ++k) {
      if (pieces[k].candidates.empty() || pieces[k].group != k) continue;  // a group's first
      if (++pick[k] < pieces[k].candidates.size()) break;
      pick[k] = 0;
    }
    if (k == pieces.size()) break;
  }
  std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    return std::make_tuple(!a.near, !a.all, a.distance, b.near_n, b.all_n, b.freq) <
           std::make_tuple(!b.near, !b.all, b.distance, a.near_n, a.all_n, a.freq);
  });
  std::vector<std::string> out;
  for (const auto& s : scored) {
    if (out.size() >= max) break;
    if (std::find(out.begin(), out.end(), s.text) == out.end()) out.push_back(s.text);
  }
  return out;
}

}  // namespace casebook::search
