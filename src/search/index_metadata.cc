// Spelling, synonyms and stamps of an index (index_metadata.h).
#include "search/index_metadata.h"

#include <xapian.h>

#include <cctype>
#include <map>
#include <vector>

#include "search/schema.h"
#include "util/text.h"

namespace casebook::search {
namespace {

namespace sc = schema;

void ApplySpelling(Xapian::WritableDatabase& db, const SpellingDelta& delta) {
  std::map<std::string, int> sorted(delta.begin(), delta.end());  // B-tree friendly order
  for (const auto& [word, n] : sorted) {
    if (n > 0) db.add_spelling(word, static_cast<Xapian::termcount>(n));
    if (n < 0) db.remove_spelling(word, static_cast<Xapian::termcount>(-n));
  }
}

std::string NormalizeSynonym(std::string_view s) {
  std::string out;
  for (const auto& w : util::Split(util::ToLowerAscii(util::Trim(s)), ' ')) {
    if (w.empty()) continue;
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

/// The term a synonym expands to: the stem of a single word (it matches
/// every inflection); nothing for multi-word text, which only works as a key
/// (FLAG_AUTO_MULTIWORD_SYNONYMS).
std::string SynonymTerm(const std::string& word, const Xapian::Stem& stem) {
  for (unsigned char c : word)
    if (!(std::isalnum(c) || c >= 0x80 || c == '_')) return "";
  return "Z" + stem(word);
}

void WriteSynonyms(Xapian::WritableDatabase& db, const SynonymMap& synonyms) {
  std::vector<std::string> old(db.synonym_keys_begin(), db.synonym_keys_end());
  for (const auto& k : old) db.clear_synonyms(k);
  Xapian::Stem stem("en");
  for (const auto& [raw_key, values] : synonyms) {
    std::string key = NormalizeSynonym(raw_key);
    if (key.empty()) continue;
    std::string key_term = SynonymTerm(key, stem);
    for (const auto& raw : values) {
      std::string value = NormalizeSynonym(raw);
      if (value.empty() || value == key) continue;
      std::string value_term = SynonymTerm(value, stem);
      // "deploy" and "deployment" share a stem: the query already holds it,
      // and listing it as its own synonym would count the term twice.
      if (!key_term.empty() && value_term == key_term) continue;
      // Keyed by the word and by its stem, so "outages" finds "downtime".
      if (!value_term.empty()) {
        db.add_synonym(key, value_term);
        if (!key_term.empty() && key_term.substr(1) != key) db.add_synonym(key_term, value_term);
      }
      if (!key_term.empty()) {  // and back
        db.add_synonym(value, key_term);
        if (!value_term.empty() && value_term.substr(1) != value)
          db.add_synonym(value_term, key_term);
      }
    }
  }
}

}  // namespace

void CountSpelling(const std::string& words, int sign, SpellingDelta* delta) {
  size_t start = 0;
  while (start < words.size()) {
    size_t end = words.find(' ', start);
    if (end == std::string::npos) end = words.size();
    if (end > start) (*delta)[words.substr(start, end - start)] += sign;
    start = end + 1;
  }
}

std::string SynonymsHash(const SynonymMap& synonyms) {
  sc::Hasher h;
  h.Add("stems-2");  // how WriteSynonyms turns the map into pairs: a change rewrites them
  for (const auto& [key, values] : synonyms) {
    h.Add(key);
    for (const auto& v : values) h.Add(v);
  }
  return h.Hex();
}

void WriteIndexMetadata(Xapian::WritableDatabase& db, const SpellingDelta& spelling,
                        bool write_synonyms, const SynonymMap& synonyms,
                        const IndexStamps& stamps) {
  ApplySpelling(db, spelling);
  if (write_synonyms) WriteSynonyms(db, synonyms);
  db.set_metadata(sc::kMetaSchema, std::to_string(sc::kVersion));
  db.set_metadata(sc::kMetaSynonyms, stamps.synonyms_hash);
  db.set_metadata(sc::kMetaContents, stamps.contents_key);
  db.set_metadata(sc::kMetaFacets, stamps.facet_dictionary);
}

}  // namespace casebook::search
