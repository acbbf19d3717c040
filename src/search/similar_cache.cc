// The similar-incidents cache: see similar_cache.h.
//
// Format (text), a base block and then any number of delta blocks:
//   base:  "casebook-similar 6\n", then one line per postmortem with similar
//          incidents: its id, then per similar incident a tab, the id, a
//          space and the shared terms joined by ','.
//   delta: "#delta <sum of the block before>\n", then the lines of the
//          postmortems whose similar incidents changed, as above; a line
//          that is an id alone: it has none now.
//   each block ends with "#end <key> <sum>\n": the key the file holds once
//   the block is applied, and the Fingerprint of the block up to that sum.
// Ids are URL-safe and terms are words, so neither holds a tab, space,
// comma, newline or a leading '#'. A later line for an id replaces the
// earlier one. The key of the file is that of its last block, read from
// the file's tail first, so a build whose key differs reads ~80 bytes.
//
// Why deltas: at 100,000 postmortems the file is ~39 MB, and an edit
// changes the lines of a few hundred postmortems; rewriting it whole was
// most of the writer's cache step. An edit appends a delta block instead
// (O_APPEND, one write); once the deltas hold more than kMaxDeltaShare of
// the base, or the ids changed, or the file is not usable, the file is
// written whole again (to a temporary file, renamed into place). A build
// killed mid-append leaves a last block without its "#end" line or with a
// wrong sum: the whole file is then not used (and written whole by the next
// build). Each delta names the sum of the block it follows, so a delta
// appended to another base (the file replaced meanwhile) is detected too.
#include "search/similar_cache.h"

#include <fcntl.h>
#include <unistd.h>

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
constexpr char kCacheMagic[] = "casebook-similar 6\n";  // bump when the format changes
/// The deltas are rewritten into a new base once they pass this share of it.
constexpr double kMaxDeltaShare = 0.125;

std::string CachePath(const std::string& index_dir) {
  return util::JoinPath(index_dir, "similar.cache");
}

/// The key in the "#end <key> <sum>\n" line that ends `text` ("" if none).
std::string_view TailKey(std::string_view text) {
  if (text.empty() || text.back() != '\n') return {};
  const size_t start = text.rfind('\n', text.size() - 2);
  std::string_view line = text.substr(start == std::string_view::npos ? 0 : start + 1);
  line.remove_suffix(1);
  if (!util::StartsWith(line, "#end ")) return {};
  line.remove_prefix(5);
  const size_t space = line.find(' ');
  return space == std::string_view::npos ? std::string_view() : line.substr(0, space);
}

/// What a cache file holds, its blocks checked.
struct CacheFile {
  std::string_view key;       // of the last block
  std::string_view last_sum;  // of the last block
  size_t base_bytes = 0, delta_bytes = 0;
};

/// Checks every block of `text` and calls line(id, rest, in_base) for each
/// line in file order (rest: after the id's tab; empty for an id alone, a
/// delta's "none now"). False when the file is not usable (another format,
/// a damaged or unfinished block, a delta following another block) or
/// line() returned false; line() may have been called by then.
template <typename Line>
bool ParseCache(std::string_view text, CacheFile* out, Line line) {
  const std::string_view magic(kCacheMagic, sizeof kCacheMagic - 1);
  if (!util::StartsWith(text, magic)) return false;
  size_t block = 0, at = magic.size();
  bool in_block = true;
  while (at < text.size()) {
    const size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) return false;  // unfinished
    std::string_view l = text.substr(at, nl - at);
    if (!in_block) {  // a delta must start here, naming the block before
      if (!util::StartsWith(l, "#delta ") || l.substr(7) != out->last_sum) return false;
      block = at;
      in_block = true;
    } else if (util::StartsWith(l, "#end ")) {
      const size_t space = l.find(' ', 5);
      if (space == std::string_view::npos) return false;
      const std::string_view sum = l.substr(space + 1);
      const size_t summed = at + space + 1 - block;  // the block up to its sum
      if (sum != util::Fingerprint(text.substr(block, summed))) return false;
      out->key = l.substr(5, space - 5);
      out->last_sum = sum;
      (block == 0 ? out->base_bytes : out->delta_bytes) += nl + 1 - block;
      in_block = false;
    } else if (!l.empty() && l[0] != '#') {
      const size_t tab = l.find('\t');
      if (tab == std::string_view::npos) {
        if (block == 0 || !line(l, std::string_view(), false)) return false;
      } else if (!line(l.substr(0, tab), l.substr(tab + 1), block == 0)) {
        return false;
      }
    } else {
      return false;
    }
    at = nl + 1;
  }
  return !in_block;
}

/// Appends postmortem `pm`'s line (without its newline; "" when it has no
/// similar incidents) to `out`.
void AppendLine(const model::SiteModel& site, const model::Postmortem& pm, std::string* out) {
  if (pm.similar.empty()) return;
  *out += pm.doc.id;
  for (const auto& s : pm.similar) {
    *out += '\t';
    *out += site.postmortems[s.index].doc.id;
    *out += ' ';
    for (size_t t = 0; t < s.shared_terms.size(); ++t) {  // joined by ','
      if (t > 0) *out += ',';
      *out += s.shared_terms[t];
    }
  }
}

/// Ends the block that starts at `block` in `out` with its "#end" line.
void EndBlock(const std::string& key, size_t block, std::string* out) {
  *out += "#end ";
  *out += key;
  *out += ' ';
  *out += util::Fingerprint(std::string_view(*out).substr(block));
  *out += '\n';
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
  // The last line alone tells whether the cache fits: read the tail first.
  {
    const int fd = ::open(CachePath(index_dir).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char tail[256];
    const off_t size = ::lseek(fd, 0, SEEK_END);
    const size_t want = size < static_cast<off_t>(sizeof tail) ? static_cast<size_t>(std::max<off_t>(size, 0)) : sizeof tail;
    const ssize_t got = size > 0 ? ::pread(fd, tail, want, size - static_cast<off_t>(want)) : 0;
    ::close(fd);
    if (got != static_cast<ssize_t>(want) || TailKey(std::string_view(tail, want)) != key)
      return false;
  }
  std::string error;
  const util::MappedFile file(CachePath(index_dir), &error);  // read in place, not copied
  if (!file.ok()) return false;
  std::unordered_map<std::string_view, int> index_of;
  index_of.reserve(site->postmortems.size());
  for (size_t i = 0; i < site->postmortems.size(); ++i)
    index_of.emplace(site->postmortems[i].doc.id, static_cast<int>(i));
  std::vector<std::vector<model::SimilarIncident>> found(site->postmortems.size());
  CacheFile parsed;
  const bool ok = ParseCache(file.bytes(), &parsed, [&](std::string_view id, std::string_view line,
                                                        bool) {
    auto self = index_of.find(id);
    if (self == index_of.end()) return false;  // does not fit this model
    auto& list = found[self->second];
    list.clear();
    while (!line.empty()) {
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
    return true;
  });
  if (!ok || parsed.key != key) return false;
  for (size_t i : targets) site->postmortems[i].similar = std::move(found[i]);
  return true;
}

std::string SimilarCacheText(const std::string& key, const model::SiteModel& site) {
  // Its exact size but for the end line, reserved at once (grown by
  // doubling it was held at up to twice its size: ~40 MB at 100,000).
  size_t size = sizeof kCacheMagic + 80 + key.size();
  for (const auto& pm : site.postmortems) {
    if (pm.similar.empty()) continue;
    size += pm.doc.id.size() + 1;
    for (const auto& s : pm.similar) {
      size += 2 + site.postmortems[s.index].doc.id.size();
      for (const auto& term : s.shared_terms) size += term.size() + 1;
    }
  }
  std::string out;
  out.reserve(size);
  // Appended, not assigned: assigning a temporary string would move its
  // buffer in and drop the reservation (the text then grew by doubling,
  // copied again each time: 39 MB at 100,000).
  out += kCacheMagic;
  for (const auto& pm : site.postmortems) {
    if (pm.similar.empty()) continue;
    AppendLine(site, pm, &out);
    out += '\n';
  }
  EndBlock(key, 0, &out);
  return out;
}

void WriteSimilarCacheText(const std::string& index_dir, const std::string& text) {
  std::string error;
  util::WriteFile(CachePath(index_dir), text, &error);  // best effort
}

bool UpdateSimilarCache(const std::string& index_dir, const std::string& key,
                        const model::SiteModel& site) {
  std::string error;
  const util::MappedFile file(CachePath(index_dir), &error);
  // The base's lines in its order (the model's when it was written: most
  // are where they were, so they are matched in order, without a map of
  // 100,000 ids) and the deltas' lines by id (a later one replaces an
  // earlier one).
  std::vector<std::pair<std::string_view, std::string_view>> base;
  base.reserve(site.postmortems.size());
  struct Held {
    std::string_view line;
    bool met = false;  // a postmortem of the model has it
  };
  std::unordered_map<std::string_view, Held> deltas;
  CacheFile old;
  bool append = site.by_id.size() == site.postmortems.size() &&  // unique ids
                file.ok() &&
                ParseCache(file.bytes(), &old,
                           [&](std::string_view id, std::string_view line, bool in_base) {
                             if (in_base)
                               base.emplace_back(id, line);
                             else
                               deltas[id] = Held{line};
                             return true;
                           });
  std::string delta = "#delta " + std::string(old.last_sum) + "\n";
  const size_t header = delta.size();
  const double most = kMaxDeltaShare * static_cast<double>(old.base_bytes);
  size_t at = 0, met = 0;  // base lines matched, delta ids met
  std::string line;
  for (size_t i = 0; append && i < site.postmortems.size(); ++i) {
    const model::Postmortem& pm = site.postmortems[i];
    line.clear();
    AppendLine(site, pm, &line);
    const std::string_view now =
        line.empty() ? std::string_view() : std::string_view(line).substr(pm.doc.id.size() + 1);
    std::string_view was;
    if (at < base.size() && base[at].first == pm.doc.id) was = base[at++].second;
    if (!deltas.empty())
      if (auto it = deltas.find(pm.doc.id); it != deltas.end()) {
        met += !it->second.met;
        it->second.met = true;
        was = it->second.line;
      }
    if (now == was) continue;
    delta += pm.doc.id;
    if (!line.empty()) delta.append(line, pm.doc.id.size());
    delta += '\n';
    if (static_cast<double>(old.delta_bytes + delta.size()) > most) append = false;
  }
  // Every line of the file must be a postmortem's, met in order (the reader
  // fits the file to the model by its ids): else it is written whole.
  if (append && (at != base.size() || met != deltas.size())) append = false;
  if (append && delta.size() == header && old.key == key) return true;  // nothing changed
  if (append) {
    EndBlock(key, 0, &delta);
    const int fd = ::open(CachePath(index_dir).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    bool written =
        fd >= 0 && ::write(fd, delta.data(), delta.size()) == static_cast<ssize_t>(delta.size());
    if (fd >= 0 && ::close(fd) != 0) written = false;
    if (written) return true;
  }
  WriteSimilarCacheText(index_dir, SimilarCacheText(key, site));
  return false;
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

}  // namespace casebook::search
