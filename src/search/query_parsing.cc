// Query parser configuration and the forgiving parse: see query_parsing.h.
#include "search/query_parsing.h"

#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <set>

#include "search/schema.h"
#include "search/searcher.h"
#include "util/datetime.h"
#include "util/text.h"

namespace casebook::search {
namespace {

namespace sc = schema;

class Stopper : public Xapian::Stopper {
 public:
  bool operator()(const std::string& term) const override { return sc::IsStopword(term); }
};

/// tag:Database -> XTAGS:database; tag:data* -> wildcard over XTAGS:data.
class SlugField : public Xapian::FieldProcessor {
 public:
  explicit SlugField(std::string prefix) : prefix_(std::move(prefix)) {}
  Xapian::Query operator()(const std::string& str) override {
    std::string v = str;
    bool wildcard = !v.empty() && v.back() == '*';
    if (wildcard) v.pop_back();
    std::string term = sc::ClampTerm(prefix_ + sc::TermValue(v));
    if (wildcard) return Xapian::Query(Xapian::Query::OP_WILDCARD, term);
    return Xapian::Query(term);
  }

 private:
  std::string prefix_;
};

/// id:<id>, matched exactly.
class IdField : public Xapian::FieldProcessor {
 public:
  Xapian::Query operator()(const std::string& str) override {
    return Xapian::Query(sc::ClampTerm(sc::kIdPrefix + std::string(util::Trim(str))));
  }
};

/// "2023", "2023-04", "2023-04-05" or "20230405" -> "YYYYMMDD" bound: the
/// first day of the period (lower) or a string after its last day (upper).
std::optional<std::string> DateBound(std::string_view s, bool upper) {
  auto digits = [&](size_t pos, size_t n) {
    for (size_t i = pos; i < pos + n; ++i)
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  std::string d;
  if (s.size() == 4 && digits(0, 4)) {
    d = std::string(s);
  } else if (s.size() == 7 && s[4] == '-' && digits(0, 4) && digits(5, 2)) {
    d = std::string(s.substr(0, 4)) + std::string(s.substr(5, 2));
  } else if (s.size() == 10 && s[4] == '-' && s[7] == '-' && digits(0, 4) && digits(5, 2) &&
             digits(8, 2)) {
    d = std::string(s.substr(0, 4)) + std::string(s.substr(5, 2)) + std::string(s.substr(8, 2));
  } else if (s.size() == 8 && digits(0, 8)) {
    d = std::string(s);
  } else {
    return std::nullopt;
  }
  if (d.size() >= 6) {
    int month = std::stoi(d.substr(4, 2));
    if (month < 1 || month > 12) return std::nullopt;
  }
  if (d.size() == 8) {
    if (!util::IsValidDate(std::stoi(d.substr(0, 4)), std::stoi(d.substr(4, 2)),
                           std::stoi(d.substr(6, 2))))
      return std::nullopt;
    return d;
  }
  if (d.size() == 4) return d + (upper ? "1231" : "0101");
  return d + (upper ? "31" : "01");
}

Xapian::Query DateQuery(const std::string& begin, const std::string& end) {
  std::optional<std::string> lo, hi;
  if (!begin.empty() && !(lo = DateBound(begin, false)))
    return Xapian::Query(Xapian::Query::OP_INVALID);
  if (!end.empty() && !(hi = DateBound(end, true))) return Xapian::Query(Xapian::Query::OP_INVALID);
  if (lo && hi) return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, sc::kSlotDate, *lo, *hi);
  if (lo) return Xapian::Query(Xapian::Query::OP_VALUE_GE, sc::kSlotDate, *lo);
  if (hi) return Xapian::Query(Xapian::Query::OP_VALUE_LE, sc::kSlotDate, *hi);
  return Xapian::Query(Xapian::Query::OP_INVALID);
}

/// 2023-01-01..2023-06-30 (no prefix) and date:2023..2024 on slot 0.
class DateRange : public Xapian::RangeProcessor {
 public:
  explicit DateRange(const std::string& prefix) : Xapian::RangeProcessor(sc::kSlotDate, prefix) {}
  Xapian::Query operator()(const std::string& begin, const std::string& end) override {
    return DateQuery(begin, end);
  }
};

/// What a field processor could not read, for the user. Field processors
/// must not throw (Xapian 1.4.22 crashes when one throws under "-"), so they
/// match nothing and leave a note here. Per thread, like the parser.
thread_local std::string field_note;

/// date:2023-04-05 / date:2023-04 / date:2023 (a single day, month or year).
class DateField : public Xapian::FieldProcessor {
 public:
  Xapian::Query operator()(const std::string& str) override {
    size_t dots = str.find("..");
    Xapian::Query q = dots == std::string::npos
                          ? DateQuery(str, str)
                          : DateQuery(str.substr(0, dots), str.substr(dots + 2));
    if (q.get_type() != Xapian::Query::OP_INVALID) return q;
    field_note = "date: takes YYYY, YYYY-MM or YYYY-MM-DD (or a range A..B), not \"" + str + "\".";
    return Xapian::Query::MatchNothing;
  }
};

/// ttr:2h.., ttr:..30m, ttr:1h..1d: time to resolve, on slot 2 (seconds).
class TtrRange : public Xapian::RangeProcessor {
 public:
  TtrRange() : Xapian::RangeProcessor(sc::kSlotTtr, "ttr:") {}
  Xapian::Query operator()(const std::string& begin, const std::string& end) override {
    std::optional<int64_t> lo, hi;
    if (!begin.empty() && !(lo = util::ParseDuration(begin))) return Invalid();
    if (!end.empty() && !(hi = util::ParseDuration(end))) return Invalid();
    auto ser = [](int64_t s) { return Xapian::sortable_serialise(static_cast<double>(s)); };
    if (lo && hi) return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot, ser(*lo), ser(*hi));
    if (lo) return Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, ser(*lo));
    if (hi) return Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, ser(*hi));
    return Invalid();
  }

 private:
  static Xapian::Query Invalid() { return Xapian::Query(Xapian::Query::OP_INVALID); }
};

std::string Singular(const std::string& key) {
  if (util::EndsWith(key, "ies") && key.size() > 3) return key.substr(0, key.size() - 3) + "y";
  if (util::EndsWith(key, "s") && !util::EndsWith(key, "ss")) return key.substr(0, key.size() - 1);
  return key;
}

constexpr unsigned kFlags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_WILDCARD |
                            Xapian::QueryParser::FLAG_PURE_NOT | Xapian::QueryParser::FLAG_SYNONYM |
                            Xapian::QueryParser::FLAG_AUTO_SYNONYMS |
                            Xapian::QueryParser::FLAG_AUTO_MULTIWORD_SYNONYMS;

/// Cuts to at most `max` bytes without splitting a UTF-8 sequence or a word.
std::string CutUtf8(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  // Do not leave half a word at the end either.
  if (s[n] != ' ') {
    size_t space = s.rfind(' ', n);
    if (space != std::string::npos && n - space < 64) n = space;
  }
  return s.substr(0, n);
}

bool IsWordByte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

/// One token: "kube*" -> "zwild:kube*", "title:data*" -> "ztitle:data*".
std::string RewriteToken(const std::string& tok, const Xapian::Stem& stem) {
  if (tok.size() < 2 || tok.back() != '*') return tok;
  std::string body = tok.substr(0, tok.size() - 1), field;
  size_t colon = body.find(':');
  if (colon != std::string::npos) {
    field = body.substr(0, colon);
    body = body.substr(colon + 1);
    if (field != "title") return tok;
  }
  if (body.empty() || !std::all_of(body.begin(), body.end(), [](char c) {
        return IsWordByte(static_cast<unsigned char>(c));
      }))
    return tok;
  // Match the stems: "databases*" should find "databas..." too.
  std::string lower = util::ToLowerAscii(body), stemmed = stem(lower);
  size_t common = 0;
  while (common < lower.size() && common < stemmed.size() && lower[common] == stemmed[common])
    ++common;
  if (common >= 2) lower.resize(common);
  return (field.empty() ? "zwild:" : "ztitle:") + lower + "*";
}

/// Letters and digits only: everything else becomes a space.
std::string PlainWords(std::string text) {
  for (char& c : text)
    if (!IsWordByte(static_cast<unsigned char>(c))) c = ' ';
  return text;
}

}  // namespace

std::string RewriteQuery(const std::string& query) {
  thread_local const Xapian::Stem stem("en");  // a Stem is not thread-safe
  std::string out;
  bool quoted = false;
  for (size_t i = 0; i < query.size();) {
    char c = query[i];
    if (c == '"') quoted = !quoted;
    auto separator = [&](size_t k) {
      return query[k] != '\0' && std::strchr(" \t(+", query[k]) != nullptr;
    };
    bool boundary =
        i == 0 || separator(i - 1) || (query[i - 1] == '-' && (i == 1 || separator(i - 2)));
    if (!quoted && (i == 0 || separator(i - 1)) && c == '-' && i + 1 < query.size() &&
        !std::isspace(static_cast<unsigned char>(query[i + 1])) && query[i + 1] != '-') {
      out += "NOT ";  // "-x" -> "NOT x": works alone, before ranges and filters
      ++i;
      continue;
    }
    if (quoted || c == '"' || !boundary || std::isspace(static_cast<unsigned char>(c)) ||
        std::strchr("()+-", c) != nullptr) {
      out += c;
      ++i;
      continue;
    }
    size_t j = i + 1;  // always make progress
    while (j < query.size() && !std::isspace(static_cast<unsigned char>(query[j])) &&
           query[j] != ')' && query[j] != '"')
      ++j;
    out += RewriteToken(query.substr(i, j - i), stem);
    i = j;
  }
  return out;
}

void ConfigureQueryParser(const config::SiteConfig& cfg, Xapian::QueryParser* qp) {
  qp->set_stemmer(Xapian::Stem("en"));
  qp->set_stemming_strategy(Xapian::QueryParser::STEM_ALL_Z);  // as indexed
  qp->set_default_op(Xapian::Query::OP_AND);
  qp->set_stopper((new Stopper)->release());
  qp->set_max_expansion(kMaxWildcardExpansion, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT,
                        Xapian::QueryParser::FLAG_WILDCARD | Xapian::QueryParser::FLAG_PARTIAL);
  qp->add_prefix("title", sc::kTitlePrefix);
  // Wildcards over the Z<stem> terms (see RewriteQuery).
  qp->add_prefix("zwild", "Z");
  qp->add_prefix("ztitle", std::string("Z") + sc::kTitlePrefix);

  std::set<std::string> used{"title", "id", "status", "year", "owner", "date", "ttr"};
  auto slug_field = [&](const std::string& field, const std::string& prefix) {
    if (field.empty() || !used.insert(field).second) return;
    qp->add_boolean_prefix(field, (new SlugField(prefix))->release());
  };
  slug_field("tag", sc::TaxonomyPrefix("tags"));
  slug_field("tags", sc::TaxonomyPrefix("tags"));
  slug_field("service", sc::TaxonomyPrefix("services"));
  slug_field("services", sc::TaxonomyPrefix("services"));
  slug_field("severity", sc::TaxonomyPrefix("severity"));
  for (const auto& key : cfg.taxonomies) {
    slug_field(key, sc::TaxonomyPrefix(key));
    slug_field(Singular(key), sc::TaxonomyPrefix(key));
  }
  qp->add_boolean_prefix("status", (new SlugField(sc::kStatusPrefix))->release());
  qp->add_boolean_prefix("year", (new SlugField(sc::kYearPrefix))->release());
  qp->add_boolean_prefix("owner", (new SlugField(sc::kOwnerPrefix))->release());
  qp->add_boolean_prefix("id", (new IdField)->release());
  qp->add_boolean_prefix("date", (new DateField)->release());

  qp->add_rangeprocessor((new TtrRange)->release());
  qp->add_rangeprocessor((new DateRange("date:"))->release());
  qp->add_rangeprocessor((new DateRange(""))->release());
}

std::string CapQueryCost(const Xapian::Database& db, const std::string& text,
                         std::vector<std::string>* notes) {
  // Brackets: deeper than kMaxQueryDepth, all of them are dropped.
  int depth = 0, max_depth = 0;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '(') max_depth = std::max(max_depth, ++depth);
    if (c == ')') depth = std::max(0, depth - 1);
  }
  std::string in = text;
  if (max_depth > kMaxQueryDepth) {
    quoted = false;
    for (char& c : in) {
      if (c == '"') quoted = !quoted;
      if (!quoted && (c == '(' || c == ')')) c = ' ';
    }
    notes->push_back("Brackets nested deeper than " + std::to_string(kMaxQueryDepth) +
                     " levels were ignored.");
  }
  // Tokens: at most kMaxQueryWords; wildcards need two letters and at most
  // kMaxWildcards of them expand (the rest are searched as words).
  std::string out;
  size_t tokens = 0, wildcards = 0;
  bool cut = false, short_wild = false, many_wild = false;
  std::vector<std::string> wide;
  std::set<std::string> seen_wild;
  for (size_t i = 0; i < in.size();) {
    if (std::isspace(static_cast<unsigned char>(in[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    quoted = false;
    while (j < in.size() && (quoted || !std::isspace(static_cast<unsigned char>(in[j])))) {
      if (in[j] == '"') quoted = !quoted;
      ++j;
    }
    std::string tok = in.substr(i, j - i);
    i = j;
    if (++tokens > kMaxQueryWords) {
      cut = true;
      break;
    }
    size_t star = tok.find_last_not_of(')');
    if (tok[0] != '"' && star != std::string::npos && tok[star] == '*') {
      size_t begin = tok.find_first_not_of("+-(");
      if (begin == std::string::npos) begin = tok.size();
      size_t colon = tok.find(':', begin);
      if (colon != std::string::npos && colon < star) begin = colon + 1;
      std::string body = begin < star ? tok.substr(begin, star - begin) : "";
      std::string key = util::ToLowerAscii(tok.substr(0, star));
      bool keep = true;
      if (body.size() < kMinWildcardBytes) {
        short_wild = true;
        keep = false;
      } else if (!seen_wild.insert(key).second) {
        keep = false;  // the same wildcard twice adds nothing
      } else if (++wildcards > kMaxWildcards) {
        many_wild = true;
        keep = false;
      } else if (colon == std::string::npos) {
        // Say when the expansion is capped (free text is indexed as Z<stem>).
        std::string prefix = "Z" + util::ToLowerAscii(body);
        Xapian::termcount n = 0;
        for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t)
          if (++n > kMaxWildcardExpansion) break;
        if (n > kMaxWildcardExpansion) wide.push_back(tok.substr(begin, star + 1 - begin));
      }
      if (!keep) tok.erase(star, 1);
    }
    out += (out.empty() ? "" : " ") + tok;
  }
  if (cut)
    notes->push_back("The query had more than " + std::to_string(kMaxQueryWords) +
                     " words; only the first " + std::to_string(kMaxQueryWords) +
                     " were searched.");
  if (short_wild)
    notes->push_back("A wildcard needs at least " + std::to_string(kMinWildcardBytes) +
                     " letters before the *; shorter ones were searched as words.");
  if (many_wild)
    notes->push_back("Only the first " + std::to_string(kMaxWildcards) +
                     " wildcards were expanded; the others were searched as words.");
  if (!wide.empty())
    notes->push_back(util::Join(wide, ", ") + " matches more than " +
                     std::to_string(kMaxWildcardExpansion) + " words; only the " +
                     std::to_string(kMaxWildcardExpansion) +
                     " most frequent were searched. Type more letters to narrow it.");
  return out;
}

LooseParts SplitLooseWords(const std::string& text) {
  LooseParts out;
  out.usable = true;
  auto add_rest = [&](const std::string& tok, bool positive) {
    out.rest += (out.rest.empty() ? "" : " ") + tok;
    out.rest_positive = out.rest_positive || positive;
  };
  for (size_t i = 0; i < text.size();) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    // One token: up to the next space outside quotes.
    size_t j = i;
    bool quoted = false;
    while (j < text.size() && (quoted || !std::isspace(static_cast<unsigned char>(text[j])))) {
      if (text[j] == '"') quoted = !quoted;
      ++j;
    }
    std::string tok = text.substr(i, j - i);
    i = j;
    if (tok == "AND" || tok == "OR" || tok == "NOT" || tok == "XOR" || tok == "NEAR" ||
        tok == "ADJ" || util::StartsWith(tok, "NEAR/") || util::StartsWith(tok, "ADJ/") ||
        tok.find_first_of("()") != std::string::npos) {
      out.usable = false;
      return out;
    }
    char first = tok[0];
    if (first == '-') {
      add_rest(tok, false);
    } else if (first == '+' || first == '"' || tok.back() == '*' ||
               util::StartsWith(tok, "title:")) {
      add_rest(tok, true);
    } else if (tok.find(':') != std::string::npos || tok.find("..") != std::string::npos) {
      add_rest(tok, false);  // a filter or a range
    } else {
      // Words joined by punctuation ("add-ons", "x-forwarded") stay one
      // loose word: the parser reads them as a phrase.
      std::string plain = PlainWords(tok);
      bool any = false;
      for (const auto& w : util::Split(plain, ' '))
        if (!w.empty() && !sc::IsStopword(util::ToLowerAscii(w))) any = true;
      out.words.push_back(tok);
      out.stopword.push_back(!any);
      if (any) ++out.content_words;
    }
  }
  return out;
}

Xapian::Query ParseWord(Xapian::QueryParser& qp, const std::string& word) {
  try {
    return qp.parse_query(RewriteQuery(word), kFlags);
  } catch (const Xapian::QueryParserError&) {
    return Xapian::Query::MatchNothing;
  }
}

void RegisterIndexedFields(const config::SiteConfig& cfg, const Xapian::Database& db,
                           Xapian::QueryParser* qp) {
  std::set<std::string> known{"title", "id",       "status",  "year",     "owner", "date",
                              "ttr",   "tag",      "tags",    "service",  "services",
                              "severity", "zwild", "ztitle"};
  for (const auto& key : cfg.taxonomies) {
    known.insert(key);
    known.insert(Singular(key));
  }
  // Terms "X<KEY>:value", one key at a time (skip_to the next key).
  Xapian::TermIterator it = db.allterms_begin("X");
  const Xapian::TermIterator end = db.allterms_end("X");
  while (it != end) {
    std::string term = *it;
    size_t colon = term.find(':');
    if (colon == std::string::npos || colon < 2) {
      ++it;
      continue;
    }
    std::string upper = term.substr(1, colon - 1);
    std::string key;
    bool plain = true;
    for (char c : upper) {
      if (c >= 'A' && c <= 'Z') key += static_cast<char>(c - 'A' + 'a');
      else if ((c >= '0' && c <= '9') || c == '_' || c == '-') key += c;
      else plain = false;
    }
    if (plain && known.insert(key).second)
      qp->add_boolean_prefix(key, (new SlugField(sc::TaxonomyPrefix(key)))->release());
    it.skip_to("X" + upper + ";");  // ';' sorts right after ':'
  }
}

ParsedQuery ParseUserQuery(Xapian::QueryParser& qp, const Xapian::Database& db,
                           const std::string& raw, Xapian::Query* out, bool suggest) {
  ParsedQuery p;
  std::vector<std::string> notes;
  std::string text = raw;
  if (text.size() > kMaxQueryBytes) {
    text = CutUtf8(text, kMaxQueryBytes);
    notes.push_back("The query was longer than 4 KB; only its first 4 KB were searched.");
  }
  if (!util::IsValidUtf8(text)) {
    text = util::SanitizeUtf8(text);
    notes.push_back("The query was not valid UTF-8; the bad bytes were replaced.");
  }
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  p.text = std::string(util::Trim(text));
  p.text = CapQueryCost(db, p.text, &notes);

  if (p.text.empty()) {
    *out = Xapian::Query::MatchAll;
  } else {
    try {
      field_note.clear();
      *out = qp.parse_query(RewriteQuery(p.text), kFlags);
      if (!field_note.empty()) notes.push_back(field_note);
      if (suggest) {
        p.suggestions = SpellingSuggestions(qp, db, p.text, kMaxSuggestions);
        if (!p.suggestions.empty()) p.corrected = p.suggestions[0];
      }
    } catch (const Xapian::QueryParserError& e) {
      notes.push_back("Could not read the query as search syntax (" + e.get_msg() +
                      "); searched for its words instead.");
      // Best effort: the words alone, without operators and punctuation.
      std::string words;
      for (const auto& w : util::Split(PlainWords(p.text), ' ')) {
        if (w.empty() || w == "AND" || w == "OR" || w == "NOT" || w == "XOR" || w == "NEAR" ||
            w == "ADJ")
          continue;
        words += (words.empty() ? "" : " ") + w;
      }
      try {
        *out = words.empty() ? Xapian::Query::MatchNothing : qp.parse_query(words, 0);
      } catch (const Xapian::QueryParserError&) {
        *out = Xapian::Query::MatchNothing;
      }
    }
  }
  if (p.corrected == p.text) p.corrected.clear();
  p.message = util::Join(notes, " ");
  return p;
}

}  // namespace casebook::search
