// The similar-incidents cache: see similar_cache.h.
//
// Format (text): "casebook-similar <key>\n", then one line per postmortem
// with similar incidents: its id, then per similar incident a tab, the id,
// a space and the shared terms joined by ','. Ids are URL-safe and terms are
// words, so neither holds a tab, space, comma or newline. It ends with
// "#sum <Fingerprint of everything before>": a damaged file is not used.
#include "search/similar_cache.h"

#include <cstdio>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include "search/schema.h"
#include "search/varint_codec.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/text.h"

namespace casebook::search {
namespace {

constexpr int kCacheVersion = 5;  // bump when the results change (similar_engine.h)

std::string CachePath(const std::string& index_dir) {
  return util::JoinPath(index_dir, "similar.cache");
}

}  // namespace

std::string SimilarCacheKey(const model::SiteModel& site, const std::vector<std::string>& hashes) {
  schema::Hasher h;
  h.Add(int64_t{kCacheVersion});
  h.Add(int64_t{schema::kVersion});
  for (size_t i = 0; i < site.postmortems.size(); ++i) {
    const auto& pm = site.postmortems[i];
    h.Add(pm.doc.id);
    h.Add(i < hashes.size() ? hashes[i] : std::string());
    h.Add(static_cast<int64_t>(pm.related.size()));
    for (int r : pm.related)
      h.Add(r >= 0 && r < static_cast<int>(site.postmortems.size()) ? site.postmortems[r].doc.id
                                                                    : std::string());
  }
  return h.Hex();
}

bool ReadSimilarCache(const std::string& index_dir, const std::string& key,
                      const std::vector<size_t>& targets, model::SiteModel* site) {
  // The first line alone tells whether the cache fits: read it first.
  const std::string header = "casebook-similar " + key + "\n";
  {
    std::FILE* f = std::fopen(CachePath(index_dir).c_str(), "rb");
    if (!f) return false;
    std::string head(header.size(), '\0');
    size_t got = std::fread(head.data(), 1, head.size(), f);
    std::fclose(f);
    if (got != header.size() || head != header) return false;
  }
  std::string error;
  const util::MappedFile file(CachePath(index_dir), &error);  // read in place, not copied
  std::string_view text = file.bytes();
  if (!file.ok() || !util::StartsWith(text, header)) return false;
  // The checksum line, last, covers everything before it.
  const size_t sum_at = text.rfind("#sum ");
  if (sum_at == std::string_view::npos ||
      text.substr(sum_at) != "#sum " + util::Fingerprint(text.substr(0, sum_at)) + "\n")
    return false;
  text = text.substr(0, sum_at);
  std::unordered_map<std::string_view, int> index_of;
  index_of.reserve(site->postmortems.size());
  for (size_t i = 0; i < site->postmortems.size(); ++i)
    index_of.emplace(site->postmortems[i].doc.id, static_cast<int>(i));
  std::vector<std::vector<model::SimilarIncident>> found(site->postmortems.size());
  std::string_view rest(text);
  rest.remove_prefix(rest.find('\n') + 1);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos) continue;
    auto self = index_of.find(line.substr(0, tab));
    if (self == index_of.end()) return false;  // does not fit this model
    auto& list = found[self->second];
    list.clear();
    line.remove_prefix(tab + 1);
    while (true) {
      size_t next = line.find('\t');
      std::string_view field = line.substr(0, next);
      size_t space = field.find(' ');
      auto other = index_of.find(field.substr(0, space));
      if (other == index_of.end()) return false;
      model::SimilarIncident s;
      s.index = other->second;
      if (space != std::string_view::npos) {
        std::string_view terms = field.substr(space + 1);
        while (!terms.empty()) {
          size_t comma = terms.find(',');
          s.shared_terms.emplace_back(terms.substr(0, comma));
          if (comma == std::string_view::npos) break;
          terms.remove_prefix(comma + 1);
        }
      }
      list.push_back(std::move(s));
      if (next == std::string_view::npos) break;
      line.remove_prefix(next + 1);
    }
  }
  for (size_t i : targets) site->postmortems[i].similar = std::move(found[i]);
  return true;
}

std::string SimilarCacheText(const std::string& key, const model::SiteModel& site) {
  // Its exact size but for the sum line, reserved at once (grown by
  // doubling it was held at up to twice its size: ~40 MB at 100,000).
  size_t size = 64 + key.size();
  for (const auto& pm : site.postmortems) {
    if (pm.similar.empty()) continue;
    size += pm.doc.id.size() + 1;
    for (const auto& s : pm.similar) {
      size += 2 + site.postmortems[s.index].doc.id.size();
      for (const auto& term : s.shared_terms) size += term.size() + 1;
    }
  }
  std::string out;
  out.reserve(size + 64);
  // Appended, not assigned: assigning a temporary string would move its
  // buffer in and drop the reservation (the text then grew by doubling,
  // copied again each time: 39 MB at 100,000).
  out += "casebook-similar ";
  out += key;
  out += '\n';
  for (const auto& pm : site.postmortems) {
    if (pm.similar.empty()) continue;
    out += pm.doc.id;
    for (const auto& s : pm.similar) {
      out += '\t';
      out += site.postmortems[s.index].doc.id;
      out += ' ';
      for (size_t t = 0; t < s.shared_terms.size(); ++t) {  // joined by ','
        if (t > 0) out += ',';
        out += s.shared_terms[t];
      }
    }
    out += '\n';
  }
  out += "#sum " + util::Fingerprint(out) + "\n";
  return out;
}

namespace {

using codec::Checksum;
using codec::PutString;
using codec::PutU64;
using codec::PutVarint;

// similar.state: kStateMagic, then varints (doubles as 8 bytes little
// endian): schema::kVersion, n_docs, total_len; documents: count, then id and hash each;
// terms: count, then term, tf, candidate-list fingerprint (8 bytes) and the
// list (count, then document index and the float's bits each) each;
// targets: count, then id, related, signature (count, term indices),
// results (count, document indices), bound, cut and cut document + 1 (0:
// none), intervals (count: 0 or that of the results, then per result its
// held positions and its score's interval, low and high, then the floor's
// interval, then the signature's gap); the vocabulary (count, then term and
// tf each); then the Hasher value of everything after the magic.
constexpr char kStateMagic[] = "casebook-similar-state 5\n";

bool GetDouble(codec::Reader* r, double* d) {
  uint64_t bits;
  if (!r->U64(&bits)) return false;
  std::memcpy(d, &bits, 8);
  return true;
}

void PutDouble(std::string* out, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  codec::PutU64(out, bits);
}

std::string StatePath(const std::string& index_dir) {
  return util::JoinPath(index_dir, "similar.state");
}

bool ParseState(std::string_view payload, similar::RankState* st) {
  codec::Reader r(payload);
  uint64_t n, v;
  if (!r.Varint(&v) || v != static_cast<uint64_t>(schema::kVersion)) return false;
  if (!r.Varint(&st->n_docs) || !r.Varint(&st->total_len) || !r.Count(&n)) return false;
  st->doc_ids.resize(n);
  st->doc_hashes.resize(n);
  for (uint64_t k = 0; k < n; ++k)
    if (!r.String(&st->doc_ids[k]) || !r.String(&st->doc_hashes[k])) return false;
  if (!r.Count(&n)) return false;
  st->terms.resize(n);
  st->tf.resize(n);
  st->lists.resize(n);
  st->list_entries.resize(n);
  for (uint64_t k = 0; k < n; ++k) {
    uint64_t m;
    if (!r.String(&st->terms[k]) || !r.Varint(&v) || v > 0xffffffffu ||
        !r.U64(&st->lists[k]) || !r.Count(&m))
      return false;
    st->tf[k] = static_cast<uint32_t>(v);
    st->list_entries[k].resize(m);
    for (auto& x : st->list_entries[k]) {
      uint64_t bits;
      if (!r.Varint(&v) || v >= st->doc_ids.size() || !r.Varint(&bits) || bits > 0xffffffffu)
        return false;
      x.doc = static_cast<uint32_t>(v);
      uint32_t b32 = static_cast<uint32_t>(bits);
      std::memcpy(&x.weight, &b32, 4);
    }
  }
  if (!r.Count(&n)) return false;
  st->targets.resize(n);
  for (auto& t : st->targets) {
    uint64_t m, bound;
    if (!r.String(&t.id) || !r.Varint(&t.related) || !r.Count(&m)) return false;
    t.sig.resize(m);
    for (auto& x : t.sig) {
      if (!r.Varint(&v) || v >= st->terms.size()) return false;
      x = static_cast<uint32_t>(v);
    }
    if (!r.Count(&m)) return false;
    t.results.resize(m);
    for (auto& x : t.results) {
      if (!r.Varint(&v) || v >= st->doc_ids.size()) return false;
      x = static_cast<uint32_t>(v);
    }
    uint64_t cut, cut_doc;
    if (!r.U64(&bound) || !r.U64(&cut) || !r.Varint(&cut_doc) || cut_doc > st->doc_ids.size())
      return false;
    std::memcpy(&t.bound, &bound, 8);
    std::memcpy(&t.cut, &cut, 8);
    t.cut_doc = cut_doc == 0 ? similar::kNoWord : static_cast<uint32_t>(cut_doc - 1);
    if (!r.Count(&m) || (m != 0 && m != t.results.size())) return false;
    t.held.resize(m);
    t.lo.resize(m);
    t.hi.resize(m);
    for (uint64_t k = 0; k < m; ++k) {
      if (!r.Varint(&v) || v > 0xffffffffu || !GetDouble(&r, &t.lo[k]) || !GetDouble(&r, &t.hi[k]))
        return false;
      t.held[k] = static_cast<uint32_t>(v);
    }
    if (!GetDouble(&r, &t.floor_lo) || !GetDouble(&r, &t.floor_hi) || !GetDouble(&r, &t.sig_gap))
      return false;
  }
  if (!r.Count(&n)) return false;
  st->vocab.resize(n);
  st->vocab_tf.resize(n);
  for (uint64_t k = 0; k < n; ++k) {
    if (!r.String(&st->vocab[k]) || !r.Varint(&v) || v > 0xffffffffu) return false;
    st->vocab_tf[k] = static_cast<uint32_t>(v);
  }
  return r.AtEnd();
}

}  // namespace

bool ReadRankState(const std::string& index_dir, similar::RankState* state) {
  *state = similar::RankState();
  std::string error;
  const util::MappedFile file(StatePath(index_dir), &error);  // parsed in place, not copied
  const std::string_view text = file.bytes();
  const size_t magic = sizeof kStateMagic - 1;
  if (!file.ok() || text.size() < magic + 8 || text.compare(0, magic, kStateMagic) != 0) return false;
  std::string_view payload(text.data() + magic, text.size() - magic - 8);
  uint64_t stored;
  std::memcpy(&stored, text.data() + text.size() - 8, 8);
  if (stored == Checksum(payload) && ParseState(payload, state)) return true;
  *state = similar::RankState();
  return false;
}

void WriteRankState(const std::string& index_dir, const similar::RankState& st) {
  // Room for the most it can take (a varint is at most 10 bytes), reserved
  // at once: grown by doubling, the ~35 MB of a 100,000-postmortem state
  // were copied again at every doubling.
  size_t most = sizeof kStateMagic + 64;
  for (size_t k = 0; k < st.doc_ids.size(); ++k)
    most += 20 + st.doc_ids[k].size() + (k < st.doc_hashes.size() ? st.doc_hashes[k].size() : 0);
  for (size_t k = 0; k < st.terms.size(); ++k)
    most += 40 + st.terms[k].size() + 20 * (k < st.list_entries.size() ? st.list_entries[k].size() : 0);
  for (const auto& t : st.targets)
    most += 100 + t.id.size() + 10 * (t.sig.size() + t.results.size()) + 26 * t.held.size();
  for (const auto& v : st.vocab) most += 20 + v.size();
  std::string out;
  out.reserve(most);
  out = kStateMagic;
  PutVarint(&out, static_cast<uint64_t>(schema::kVersion));
  PutVarint(&out, st.n_docs);
  PutVarint(&out, st.total_len);
  PutVarint(&out, st.doc_ids.size());
  for (size_t k = 0; k < st.doc_ids.size(); ++k) {
    PutString(&out, st.doc_ids[k]);
    PutString(&out, k < st.doc_hashes.size() ? st.doc_hashes[k] : std::string());
  }
  PutVarint(&out, st.terms.size());
  for (size_t k = 0; k < st.terms.size(); ++k) {
    PutString(&out, st.terms[k]);
    PutVarint(&out, k < st.tf.size() ? st.tf[k] : 0);
    PutU64(&out, k < st.lists.size() ? st.lists[k] : 0);
    const size_t m = k < st.list_entries.size() ? st.list_entries[k].size() : 0;
    PutVarint(&out, m);
    for (size_t e = 0; e < m; ++e) {
      const auto& x = st.list_entries[k][e];
      uint32_t bits;
      std::memcpy(&bits, &x.weight, 4);
      PutVarint(&out, x.doc);
      PutVarint(&out, bits);
    }
  }
  PutVarint(&out, st.targets.size());
  for (const auto& t : st.targets) {
    PutString(&out, t.id);
    PutVarint(&out, t.related);
    PutVarint(&out, t.sig.size());
    for (uint32_t x : t.sig) PutVarint(&out, x);
    PutVarint(&out, t.results.size());
    for (uint32_t x : t.results) PutVarint(&out, x);
    uint64_t bound;
    std::memcpy(&bound, &t.bound, 8);
    PutU64(&out, bound);
    uint64_t cut;
    std::memcpy(&cut, &t.cut, 8);
    PutU64(&out, cut);
    PutVarint(&out, t.cut_doc == similar::kNoWord ? 0 : uint64_t{t.cut_doc} + 1);
    const bool scored = t.held.size() == t.results.size() && t.lo.size() == t.results.size() &&
                        t.hi.size() == t.results.size();
    PutVarint(&out, scored ? t.results.size() : 0);
    for (size_t k = 0; scored && k < t.results.size(); ++k) {
      PutVarint(&out, t.held[k]);
      PutDouble(&out, t.lo[k]);
      PutDouble(&out, t.hi[k]);
    }
    PutDouble(&out, t.floor_lo);
    PutDouble(&out, t.floor_hi);
    PutDouble(&out, t.sig_gap);
  }
  const size_t vocab = st.vocab.size() == st.vocab_tf.size() ? st.vocab.size() : 0;
  PutVarint(&out, vocab);
  for (size_t k = 0; k < vocab; ++k) {
    PutString(&out, st.vocab[k]);
    PutVarint(&out, st.vocab_tf[k]);
  }
  PutU64(&out, Checksum(std::string_view(out).substr(sizeof kStateMagic - 1)));
  std::string error;
  util::WriteFile(StatePath(index_dir), out, &error);  // best effort
}

void WriteSimilarCacheText(const std::string& index_dir, const std::string& text) {
  std::string error;
  util::WriteFile(CachePath(index_dir), text, &error);  // best effort
}

}  // namespace casebook::search
