// The term-vector cache: see term_cache.h.
//
// Format: "casebook-terms <version>\n", then varints: the number of terms
// and each term (length, bytes), sorted; the same for display words; the
// number of documents and each: id, hash (length, bytes), length, number
// of entries, and per entry the term id (as the difference from the
// previous one), wdf and word id + 1 (0: none); then the Hasher value of
// everything before it, 8 bytes little-endian.
#include "search/term_cache.h"

#include <algorithm>
#include <cstring>

#include "search/schema.h"
#include "search/varint_codec.h"
#include "util/fs.h"

namespace casebook::search {
namespace {

using codec::Checksum;
using codec::PutString;
using codec::PutVarint;

constexpr char kMagic[] = "casebook-terms 1\n";

std::string CachePath(const std::string& index_dir) {
  return util::JoinPath(index_dir, "terms.cache");
}

bool Parse(std::string_view payload, similar::Dict* terms, similar::Dict* words,
           std::vector<CachedTerms>* docs) {
  codec::Reader r(payload);
  uint64_t n;
  std::string_view s;
  for (similar::Dict* dict : {terms, words}) {
    if (!r.Varint(&n)) return false;
    for (uint64_t k = 0; k < n; ++k) {
      if (!r.String(&s) || dict->Intern(s) != k) return false;  // distinct
    }
  }
  if (!r.Varint(&n) || n > payload.size()) return false;
  docs->resize(n);
  for (auto& d : *docs) {
    uint64_t doclen, entries;
    if (!r.String(&d.id) || !r.String(&d.hash)) return false;
    if (!r.Varint(&doclen) || !r.Varint(&entries) || entries > payload.size()) return false;
    d.terms.doclen = doclen;
    d.terms.terms.resize(entries);
    uint64_t term = 0;
    for (uint64_t k = 0; k < entries; ++k) {
      uint64_t delta, wdf, word;
      if (!r.Varint(&delta) || !r.Varint(&wdf) || !r.Varint(&word)) return false;
      term += delta;
      if ((k > 0 && delta == 0) || term >= terms->size() || word > words->size() ||
          wdf > 0xffffffffu)
        return false;
      d.terms.terms[k] = {static_cast<uint32_t>(term), static_cast<uint32_t>(wdf),
                          word == 0 ? similar::kNoWord : static_cast<uint32_t>(word - 1)};
    }
  }
  return r.AtEnd();
}

}  // namespace

bool ReadTermCache(const std::string& index_dir, similar::Dict* terms, similar::Dict* words,
                   CachedCorpus* cached) {
  *cached = CachedCorpus();
  std::string error;
  util::MappedFile mapped(CachePath(index_dir), &error);
  const std::string_view file = mapped.bytes();
  const size_t magic = sizeof kMagic - 1;
  if (!mapped.ok() || file.size() < magic + 8 || file.compare(0, magic, kMagic) != 0) return false;
  cached->file = std::move(mapped);
  std::string_view payload(file.data() + magic, file.size() - magic - 8);
  uint64_t stored;
  std::memcpy(&stored, file.data() + file.size() - 8, 8);
  if (stored == Checksum(payload) && Parse(payload, terms, words, &cached->docs)) return true;
  *terms = similar::Dict();
  *words = similar::Dict();
  *cached = CachedCorpus();
  return false;
}

void WriteTermCache(const std::string& index_dir, const similar::Corpus& corpus,
                    const std::vector<std::string>& hashes) {
  // Only what the documents use, in string order (a canonical file).
  auto renumber = [](const similar::Dict& dict, std::vector<char> used) {
    std::vector<uint32_t> list;
    for (uint32_t k = 0; k < used.size(); ++k)
      if (used[k]) list.push_back(k);
    std::sort(list.begin(), list.end(), [&](uint32_t a, uint32_t b) { return dict[a] < dict[b]; });
    std::vector<uint32_t> id(dict.size(), similar::kNoWord);
    for (uint32_t k = 0; k < list.size(); ++k) id[list[k]] = k;
    return std::make_pair(list, id);
  };
  std::vector<char> used_terms(corpus.terms.size(), 0), used_words(corpus.words.size(), 0);
  for (const auto& d : corpus.docs)
    for (const auto& e : d.terms) {
      used_terms[e.term] = 1;
      if (e.word != similar::kNoWord) used_words[e.word] = 1;
    }
  auto [term_list, term_id] = renumber(corpus.terms, std::move(used_terms));
  auto [word_list, word_id] = renumber(corpus.words, std::move(used_words));

  // Room for the most the encoding can take (a varint of 32 bits is at most
  // 5 bytes), reserved at once: grown by doubling, the string was held at
  // twice its size while the term vectors were (~130 MB at 100,000
  // postmortems), and room never written is never resident.
  size_t most = sizeof kMagic + 8 + 10 * 3;
  for (uint32_t t : term_list) most += 10 + corpus.terms[t].size();
  for (uint32_t w : word_list) most += 10 + corpus.words[w].size();
  for (size_t d = 0; d < corpus.docs.size(); ++d)
    most += 40 + corpus.ids[d].size() + (d < hashes.size() ? hashes[d].size() : 0) +
            15 * corpus.docs[d].terms.size();
  std::string out;
  out.reserve(most);
  out = kMagic;
  PutVarint(&out, term_list.size());
  for (uint32_t t : term_list) PutString(&out, corpus.terms[t]);
  PutVarint(&out, word_list.size());
  for (uint32_t w : word_list) PutString(&out, corpus.words[w]);
  PutVarint(&out, corpus.docs.size());
  std::vector<similar::TermEntry> entries;
  for (size_t d = 0; d < corpus.docs.size(); ++d) {
    PutString(&out, corpus.ids[d]);
    PutString(&out, d < hashes.size() ? hashes[d] : std::string());
    const auto& doc = corpus.docs[d];
    PutVarint(&out, doc.doclen);
    PutVarint(&out, doc.terms.size());
    entries.assign(doc.terms.begin(), doc.terms.end());
    for (auto& e : entries) {
      e.term = term_id[e.term];
      if (e.word != similar::kNoWord) e.word = word_id[e.word];
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.term < b.term; });
    uint32_t prev = 0;
    for (const auto& e : entries) {
      PutVarint(&out, e.term - prev);
      prev = e.term;
      PutVarint(&out, e.wdf);
      PutVarint(&out, e.word == similar::kNoWord ? 0 : uint64_t{e.word} + 1);
    }
  }
  uint64_t sum = Checksum(std::string_view(out).substr(sizeof kMagic - 1));
  char bytes[8];
  std::memcpy(bytes, &sum, 8);
  out.append(bytes, 8);
  std::string error;
  util::WriteFile(CachePath(index_dir), out, &error);  // best effort
}

}  // namespace casebook::search
