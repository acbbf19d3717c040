// One postmortem -> one Xapian document: see index_document.h and schema.h.
#include "search/index_document.h"

#include <xapian.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string_view>
#include <unordered_set>

#include "search/schema.h"
#include "util/datetime.h"
#include "util/text.h"

namespace casebook::search {
namespace {

namespace sc = schema;

/// Appends the spelling words of `text` (lower-cased runs of word
/// characters, 2 to 40 bytes, no digits) to `buf`, each followed by a space,
/// and their offsets to `spans`.
void AddSpellingWords(const std::string& text, std::string* buf,
                      std::vector<std::pair<uint32_t, uint32_t>>* spans) {
  size_t start = buf->size();
  bool digit = false;
  auto flush = [&] {
    size_t len = buf->size() - start;
    if (!digit && len >= 2 && len <= 40) {
      spans->emplace_back(static_cast<uint32_t>(start), static_cast<uint32_t>(len));
      buf->push_back(' ');
    } else {
      buf->resize(start);
    }
    start = buf->size();
    digit = false;
  };
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {  // ASCII fast path
      ++i;
      const bool lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z';
      const bool num = c >= '0' && c <= '9';
      if (lower || upper || num || c == '_') {
        if (num) digit = true;
        buf->push_back(static_cast<char>(upper ? c + ('a' - 'A') : c));
      } else if (buf->size() > start) {
        flush();
      }
      continue;
    }
    Xapian::Utf8Iterator it(text.data() + i, text.size() - i);
    unsigned ch = *it;
    ++it;
    i = static_cast<size_t>(it.raw() - text.data());
    if (Xapian::Unicode::is_wordchar(ch)) {
      Xapian::Unicode::append_utf8(*buf, Xapian::Unicode::tolower(ch));
    } else if (buf->size() > start) {
      flush();
    }
  }
  if (buf->size() > start) flush();
}

/// Xapian::Stem("en") with a memo: an archive's vocabulary recurs, so most
/// words are looked up rather than stemmed. Bounded; one thread at a time.
/// The memo is an open-addressed table of (hash, entry) slots, at most half
/// full, over a vector of (word, stem) entries: a look-up is one probe of a
/// small dense array and one read of the entry, where std::unordered_map
/// walked a bucket chain of scattered nodes (a cache miss each) after a
/// division by its prime bucket count; the stemmer is called for every word
/// of every document.
class CachingStem : public Xapian::StemImplementation {
 public:
  std::string operator()(const std::string& word) override { return Get(word); }
  std::string get_description() const override { return "Xapian::Stem(en), memoized"; }

  const std::string& Get(const std::string& word) {
    const size_t h = std::hash<std::string_view>()(word);
    const uint32_t tag = static_cast<uint32_t>(h >> 32) | 1;  // 0: an empty slot
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.tag == 0) break;
      if (slot.tag == tag && entries_[slot.entry].first == word) return entries_[slot.entry].second;
    }
    if (entries_.size() >= kMaxEntries) Clear();
    if ((entries_.size() + 1) * 2 > slots_.size()) Grow();
    mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i].tag != 0) i = (i + 1) & mask;
    slots_[i] = Slot{tag, static_cast<uint32_t>(entries_.size())};
    entries_.emplace_back(word, stem_(word));
    return entries_.back().second;
  }

 private:
  struct Slot {
    uint32_t tag = 0;
    uint32_t entry = 0;
  };
  static constexpr size_t kMaxEntries = 200000;

  void Clear() {
    entries_.clear();
    slots_.assign(kFirstSlots, Slot{});
  }
  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.tag == 0) continue;
      size_t i = std::hash<std::string_view>()(entries_[s.entry].first) & mask;
      while (slots_[i].tag != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  static constexpr size_t kFirstSlots = 4096;
  Xapian::Stem stem_{"en"};
  std::vector<Slot> slots_ = std::vector<Slot>(kFirstSlots);
  std::vector<std::pair<std::string, std::string>> entries_;
};

/// The body's plain text. A build keeps it in the render cache's text file
/// (model::BodyPlainText reads it), and one document asks for it up to
/// three times: the last one read on this thread is kept, by body hash (the
/// same hash, the same text).
const std::string& PlainText(const model::Postmortem& pm) {
  if (!pm.stored.store) return pm.body.plain_text;
  thread_local std::string hash, text;
  if (hash != pm.body_hash) {
    text = model::BodyPlainText(pm);
    hash = pm.body_hash;
  }
  return text;
}

/// What stands for the body text in the content hash: its hash (the text
/// is not read), or the text of a body rendered without one.
const std::string& BodyKey(const model::Postmortem& pm) {
  return pm.body_hash.empty() ? pm.body.plain_text : pm.body_hash;
}

/// The free text of a document, in the order and with the weights the
/// index has them. With `positions` false, the same terms and wdfs.
void IndexText(const IndexFields& f, Xapian::TermGenerator& tg, bool positions) {
  const model::Postmortem& pm = *f.pm;
  const content::Document& d = pm.doc;
  auto index = [&](const std::string& text, Xapian::termcount wdf_inc = 1,
                   const std::string& prefix = std::string()) {
    if (positions)
      tg.index_text(text, wdf_inc, prefix);
    else
      tg.index_text_without_positions(text, wdf_inc, prefix);
  };
  index(d.title, 1, sc::kTitlePrefix);
  tg.increase_termpos();
  index(d.title, 5);
  tg.increase_termpos();
  index(d.summary);
  tg.increase_termpos();
  index(PlainText(pm));
  if (!d.timeline_from_body) {  // else the body already holds it
    for (const auto& e : d.timeline) {
      tg.increase_termpos();
      index(e.text);
    }
  }
  for (const auto& a : d.actions) {
    tg.increase_termpos();
    index(a.text);
  }
  for (const auto& [key, values] : f.taxonomies) {
    for (const auto& v : values) {
      tg.increase_termpos();
      index(v, 2);  // a search for "checkout" finds service:checkout
    }
  }
}

/// Adds the pair terms (schema::PairTerm) of the document's free text,
/// read back from its Z<stem> terms' positions, so a pair is exactly what a
/// phrase of its two stems would match.
void AddPairTerms(Xapian::Document& xd) {
  std::vector<std::string> stems;            // Z<stem> terms, without the Z
  std::vector<uint32_t> at;                  // position -> index in stems + 1 (0: none)
  for (auto t = xd.termlist_begin(); t != xd.termlist_end(); ++t) {
    const std::string& term = *t;
    if (term.size() < 2 || term[0] != 'Z' || (term[1] >= 'A' && term[1] <= 'Z')) continue;
    stems.push_back(term.substr(1));
    for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) {
      if (*p >= at.size()) at.resize(*p + 1, 0);
      at[*p] = static_cast<uint32_t>(stems.size());
    }
  }
  // Each occurrence once, then sorted: a run of equal terms is one term
  // whose wdf is the run's length.
  std::vector<std::string> pairs;
  for (size_t p = 1; p < at.size(); ++p) {
    if (at[p - 1] == 0 || at[p] == 0) continue;
    std::string term = sc::PairTerm(stems[at[p - 1] - 1], stems[at[p] - 1]);
    if (!term.empty()) pairs.push_back(std::move(term));
  }
  std::sort(pairs.begin(), pairs.end());
  for (size_t i = 0; i < pairs.size();) {
    size_t j = i + 1;
    while (j < pairs.size() && pairs[j] == pairs[i]) ++j;
    xd.add_term(pairs[i], static_cast<Xapian::termcount>(j - i));
    i = j;
  }
}

/// The content hash of a document (IndexFields::hash). Not of its texts:
/// of the digest of every field of the document but the body (content::
/// DigestWithoutBody, which the load cache keeps: title, summary, status,
/// timeline, actions, tags, services, severity, the other front matter keys
/// the taxonomies read), the body's hash, and what the model and site.toml
/// derive (URL, path, date, severity label and rank, time to resolve, the
/// indexed taxonomy keys). Every indexed text is covered, and hashing
/// ~200 bytes per postmortem instead of its texts keeps "describe" cheap
/// at every build. A field the index does not read (authors, say) changes
/// it too: that document alone is made again.
std::string IndexHash(const model::Postmortem& pm, const IndexFields& f,
                      const std::vector<std::string>& keys) {
  const content::Document& d = pm.doc;
  sc::Hasher h;
  h.Add(int64_t{sc::kVersion});
  for (const std::string* s : std::initializer_list<const std::string*>{
           &d.id, &pm.url, &d.relative_path, &BodyKey(pm), &f.date, &f.severity_label})
    h.Add(*s);
  h.Add(content::DigestWithoutBody(d));
  h.Add(int64_t{pm.severity_rank});
  h.Add(pm.durations.resolve.value_or(-1));
  h.Add(static_cast<int64_t>(keys.size()));
  for (const auto& key : keys) h.Add(key);
  return h.Hex();
}

}  // namespace

std::vector<std::string> IndexedHashes(const model::SiteModel& site) {
  std::vector<std::string> keys = IndexedTaxonomies(site.config);
  std::vector<std::string> out(site.postmortems.size());
  std::unordered_set<std::string_view> seen;
  for (size_t i = 0; i < out.size(); ++i) {
    const auto& pm = site.postmortems[i];
    if (!pm.doc.id.empty() && seen.insert(pm.doc.id).second)
      out[i] = DescribeForIndex(pm, site.config, keys).hash;
  }
  return out;
}

SpellingWordList SpellingWords(const IndexFields& f) {
  const content::Document& d = f.pm->doc;
  SpellingWordList out;
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  const std::string& text = PlainText(*f.pm);
  out.buffer.reserve(d.title.size() + d.summary.size() + text.size() + 256);
  for (const std::string* s : std::initializer_list<const std::string*>{&d.title, &d.summary, &text})
    AddSpellingWords(*s, &out.buffer, &spans);
  if (!d.timeline_from_body)
    for (const auto& e : d.timeline) AddSpellingWords(e.text, &out.buffer, &spans);
  for (const auto& a : d.actions) AddSpellingWords(a.text, &out.buffer, &spans);
  for (const auto& [key, values] : f.taxonomies)
    for (const auto& v : values) AddSpellingWords(v, &out.buffer, &spans);
  out.words.reserve(spans.size());
  for (const auto& [start, len] : spans) out.words.emplace_back(out.buffer.data() + start, len);
  std::sort(out.words.begin(), out.words.end());
  out.words.erase(std::unique(out.words.begin(), out.words.end()), out.words.end());
  return out;
}

std::vector<std::string> IndexedTaxonomies(const config::SiteConfig* cfg) {
  std::vector<std::string> keys{"tags", "services", "severity"};
  if (cfg) {
    for (const auto& k : cfg->taxonomies)
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  return keys;
}

IndexFields DescribeForIndex(const model::Postmortem& pm, const config::SiteConfig* cfg,
                             const std::vector<std::string>& keys) {
  IndexFields f;
  f.pm = &pm;
  const auto& d = pm.doc;
  int offset = cfg ? cfg->timezone_offset_minutes : 0;
  if (pm.incident_date) f.date = util::FormatDate(*pm.incident_date, offset);
  f.severity_label = d.severity;
  if (cfg && pm.severity_rank >= 0 && pm.severity_rank < static_cast<int>(cfg->severities.size()) &&
      !cfg->severities[pm.severity_rank].label.empty())
    f.severity_label = cfg->severities[pm.severity_rank].label;
  for (const auto& key : keys) f.taxonomies.emplace_back(key, d.Taxonomy(key));
  // Front matter keys casebook has no field for ("company: Example"):
  // indexed like a taxonomy, so `company:example` finds them (the query
  // parser learns these keys from the index: RegisterIndexedFields).
  if (d.extra.is_map()) {
    for (const auto& [key, value] : d.extra.as_map()) {
      bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      });
      if (!plain || std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      std::vector<std::string> values = d.Taxonomy(key);
      if (!values.empty()) f.taxonomies.emplace_back(key, std::move(values));
    }
  }

  f.hash = IndexHash(pm, f, keys);
  return f;
}

struct DocumentMaker::Impl {
  CachingStem* stem;  // owned by `tg` (through its Xapian::Stem)
  Xapian::TermGenerator tg;
  std::string key;  // scratch

  Impl() : stem(new CachingStem) {
    tg.set_stemmer(Xapian::Stem(stem));
    tg.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL_Z);
  }

  /// Term vector of `doc` (its terms in string order). `doclen`: known
  /// length, or ~0 to sum the wdfs.
  similar::DocTerms Extract(const Xapian::Document& doc, uint64_t doclen,
                            const std::vector<std::string_view>& spelling, similar::Dict* terms,
                            similar::Dict* words) {
    similar::DocTerms out;
    std::vector<std::string> strings;  // of out.terms, in string order
    uint64_t sum = 0;
    uint64_t pair_wdf = 0;  // pair terms: not in the similar-incident length
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
      Xapian::termcount wdf = t.get_wdf();
      sum += wdf;
      const std::string& term = *t;
      if (term.compare(0, 2, sc::kPairPrefix) == 0) pair_wdf += wdf;
      if (!similar::IsExpansionTerm(term)) continue;
      out.terms.push_back({terms->Intern(term), wdf, similar::kNoWord});
      strings.push_back(term);
    }
    // Documents made without positions (Terms) have no pair terms: leave
    // them out of every length, so all ways of reading a document agree.
    out.doclen = (doclen == ~uint64_t{0} ? sum : doclen) - pair_wdf;
    // Display words: the shortest spelling word with the stem (and its first
    // three letters); words come sorted, so the first of equal lengths wins.
    std::vector<std::string_view> best(strings.size());
    for (std::string_view w : spelling) {
      key.assign(w);
      const std::string& s = stem->Get(key);
      if (s.size() < 3 || w.substr(0, 3) != std::string_view(s).substr(0, 3)) continue;
      key.assign("Z");
      key += s;
      auto it = std::lower_bound(strings.begin(), strings.end(), key);
      if (it == strings.end() || *it != key) continue;
      std::string_view& b = best[it - strings.begin()];
      if (b.empty() || w.size() < b.size()) b = w;
    }
    for (size_t k = 0; k < strings.size(); ++k)
      if (!best[k].empty() && best[k] != std::string_view(strings[k]).substr(1))
        out.terms[k].word = words->Intern(best[k]);
    std::sort(out.terms.begin(), out.terms.end(),
              [](const similar::TermEntry& a, const similar::TermEntry& b) {
                return a.term < b.term;
              });
    // Held for every postmortem until similar incidents are ranked (the
    // "similar" step's peak memory): no room left over from push_back.
    out.terms.shrink_to_fit();
    return out;
  }
};

DocumentMaker::DocumentMaker() : impl_(std::make_unique<Impl>()) {}
DocumentMaker::~DocumentMaker() = default;

std::string DocumentMaker::Stem(const std::string& word) { return impl_->stem->Get(word); }

Xapian::Document DocumentMaker::Make(const IndexFields& f) { return Make(f, SpellingWords(f)); }

Xapian::Document DocumentMaker::Make(const IndexFields& f, similar::Dict* terms,
                                     similar::Dict* words, similar::DocTerms* vector) {
  SpellingWordList spelling = SpellingWords(f);
  Xapian::Document xd = Make(f, spelling);
  *vector = impl_->Extract(xd, ~uint64_t{0}, spelling.words, terms, words);
  return xd;
}

Xapian::Document DocumentMaker::Make(const IndexFields& f, const SpellingWordList& spelling) {
  const model::Postmortem& pm = *f.pm;
  const content::Document& d = pm.doc;
  Xapian::TermGenerator& tg = impl_->tg;
  Xapian::Document xd;
  tg.set_document(xd);
  IndexText(f, tg, /*positions=*/true);
  AddPairTerms(xd);

  xd.add_boolean_term(sc::ClampTerm(sc::kIdPrefix + d.id));
  for (const auto& [key, values] : f.taxonomies) {
    std::string prefix = sc::TaxonomyPrefix(key);
    for (const auto& v : values) xd.add_boolean_term(sc::ClampTerm(prefix + sc::TermValue(v)));
  }
  if (!d.status.empty())
    xd.add_boolean_term(sc::ClampTerm(sc::kStatusPrefix + sc::TermValue(d.status)));
  if (f.date.size() >= 4) xd.add_boolean_term(sc::kYearPrefix + f.date.substr(0, 4));
  for (const auto& a : d.actions) {
    std::string owner = sc::TermValue(a.owner);
    if (owner.empty()) continue;
    xd.add_boolean_term(sc::ClampTerm(sc::kOwnerPrefix + owner));
    for (const auto& part : util::Split(owner, '-'))
      if (!part.empty()) xd.add_boolean_term(sc::ClampTerm(sc::kOwnerPrefix + part));
  }

  std::string ymd = f.date;
  ymd.erase(std::remove(ymd.begin(), ymd.end(), '-'), ymd.end());
  if (!ymd.empty()) xd.add_value(sc::kSlotDate, ymd);
  xd.add_value(sc::kSlotSeverityRank,
               Xapian::sortable_serialise(pm.severity_rank >= 0 ? pm.severity_rank : 1000));
  if (pm.durations.resolve)
    xd.add_value(sc::kSlotTtr,
                 Xapian::sortable_serialise(static_cast<double>(*pm.durations.resolve)));
  xd.add_value(sc::kSlotHash, f.hash);
  if (!f.facet_ids.empty()) xd.add_value(sc::kSlotFacets, f.facet_ids);
  xd.add_value(sc::kSlotId, d.id);
  {
    std::string joined;
    joined.reserve(spelling.buffer.size());
    for (std::string_view w : spelling.words) {
      if (!joined.empty()) joined += ' ';
      joined += w;
    }
    xd.add_value(sc::kSlotWords, joined);
  }

  sc::DocData data;
  data.id = d.id;
  data.url = pm.url;
  data.title = d.title;
  data.date = f.date;
  data.severity = d.severity;
  data.severity_label = f.severity_label;
  data.summary = d.summary;
  data.source_path = d.relative_path;
  data.tags = d.tags;
  data.services = d.services;
  data.text = d.summary;
  if (!data.text.empty()) data.text += "\n";
  data.text.append(PlainText(pm), 0, 64 * 1024);
  xd.set_data(sc::EncodeDocData(data));
  // Drop the generator's handle on the document (handles are reference
  // counted without atomics): the caller may hand it to another thread.
  tg.set_document(Xapian::Document());
  return xd;
}

similar::DocTerms DocumentMaker::Terms(const IndexFields& f, similar::Dict* terms,
                                       similar::Dict* words) {
  Xapian::Document xd;
  impl_->tg.set_document(xd);
  IndexText(f, impl_->tg, /*positions=*/false);
  impl_->tg.set_document(Xapian::Document());
  return TermsOf(xd, f, terms, words);
}

similar::DocTerms DocumentMaker::TermsOf(const Xapian::Document& doc, const IndexFields& f,
                                         similar::Dict* terms, similar::Dict* words) {
  SpellingWordList spelling = SpellingWords(f);
  return impl_->Extract(doc, ~uint64_t{0}, spelling.words, terms, words);
}

similar::DocTerms DocumentMaker::TermsOfIndexed(const Xapian::Document& doc, uint64_t doclen,
                                                const std::string& spelling,
                                                similar::Dict* terms, similar::Dict* words) {
  std::vector<std::string_view> list;
  std::string_view rest(spelling);
  while (!rest.empty()) {
    size_t sp = rest.find(' ');
    if (sp != 0) list.push_back(rest.substr(0, sp));
    if (sp == std::string_view::npos) break;
    rest.remove_prefix(sp + 1);
  }
  return impl_->Extract(doc, doclen, list, terms, words);
}

}  // namespace casebook::search
