// Internal to src/search: one postmortem -> one Xapian document (terms,
// values and data as schema.h describes), its term vector for similar
// incidents, and the content hash that decides whether it must be
// re-indexed. Forward-declares the Xapian types it needs (xapian.h stays in
// .cc files). DescribeForIndex and SpellingWordList are pure; a
// DocumentMaker is used by one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "model/postmortem.h"
#include "model/site_model.h"
#include "search/similar_engine.h"

namespace Xapian {
class Document;
}  // namespace Xapian

namespace casebook::search {

/// Everything one postmortem contributes, worked out once.
struct IndexFields {
  const model::Postmortem* pm = nullptr;
  std::string date;            // "2023-04-05" or ""
  std::string severity_label;  // from site.toml, else the name
  std::vector<std::pair<std::string, std::vector<std::string>>> taxonomies;
  std::string hash;  // of everything above and every indexed text
  /// The kSlotFacets value: the ids of its severity, tags and services in
  /// the index's facet dictionary (facets.h), set by AssignFacetIds.
  std::string facet_ids;
};

/// tags, services, severity, then the other configured taxonomy keys.
std::vector<std::string> IndexedTaxonomies(const config::SiteConfig* cfg);

IndexFields DescribeForIndex(const model::Postmortem& pm, const config::SiteConfig* cfg,
                             const std::vector<std::string>& taxonomy_keys);

/// The content hash of each postmortem's indexed document ("" when it has
/// none: no id, or an id an earlier postmortem has).
std::vector<std::string> IndexedHashes(const model::SiteModel& site);

/// The spelling words of a document (lower-cased runs of word characters,
/// 2 to 40 bytes, no digits), sorted and distinct; `words` view `buffer`.
struct SpellingWordList {
  std::string buffer;
  std::vector<std::string_view> words;
};
SpellingWordList SpellingWords(const IndexFields& f);

/// Turns postmortems into documents and term vectors, with one
/// TermGenerator (English, STEM_ALL_Z, see schema.h) and a memoizing
/// stemmer (the same stems as Xapian::Stem("en"), several times faster on
/// an archive's recurring vocabulary). One thread at a time.
class DocumentMaker {
 public:
  DocumentMaker();
  ~DocumentMaker();
  DocumentMaker(const DocumentMaker&) = delete;
  DocumentMaker& operator=(const DocumentMaker&) = delete;

  /// The whole document: terms with positions, values and data.
  Xapian::Document Make(const IndexFields& f);
  /// The same, and its term vector in *vector (as TermsOf gives it), with
  /// the spelling words worked out once for both.
  Xapian::Document Make(const IndexFields& f, similar::Dict* terms, similar::Dict* words,
                        similar::DocTerms* vector);

  /// Its term vector (similar_engine.h) without making the whole document
  /// (no positions, values or data): the same terms, wdfs and length.
  /// Terms and display words are interned in `terms` and `words`.
  similar::DocTerms Terms(const IndexFields& f, similar::Dict* terms, similar::Dict* words);

  /// The term vector of a document Make made (`f` gives the display words).
  similar::DocTerms TermsOf(const Xapian::Document& doc, const IndexFields& f,
                            similar::Dict* terms, similar::Dict* words);

  /// The term vector of a document read from an index: `spelling` is its
  /// kSlotWords value, `doclen` its length.
  similar::DocTerms TermsOfIndexed(const Xapian::Document& doc, uint64_t doclen,
                                   const std::string& spelling, similar::Dict* terms,
                                   similar::Dict* words);

  std::string Stem(const std::string& word);

 private:
  Xapian::Document Make(const IndexFields& f, const SpellingWordList& spelling);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace casebook::search
