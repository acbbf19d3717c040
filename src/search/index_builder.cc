// IndexUpdate / UpdateIndex: the site model -> the Xapian index,
// incrementally and atomically. Layout, terms and value slots are described
// in schema.h.
//
// IndexUpdate::Start (on the caller's thread, with `jobs` threads):
//  1. hashes everything each postmortem contributes to the index;
//  2. similar incidents: read back from <index>/similar.cache when nothing
//     they depend on changed (similar_cache.h); else computed in memory for
//     the whole archive (similar_engine.h; postmortems whose results provably
//     stay those of the last build's ranking state are not re-ranked) from
//     term vectors: those of
//     unchanged postmortems from <index>/terms.cache (term_cache.h), the
//     others made with a TermGenerator here (for a few, the whole documents
//     are made and handed to the writer);
//  3. starts the writer thread, which holds <index>/lock until it is done.
// The writer (one thread; only reads the model):
//  (1) compares the hashes with value slot 3 of the published version's
//      documents (read as value streams with the ids in slot 7), and (2)
//      when anything differs:
//  - up to kMaxInPlace changed documents: replaces / adds / deletes only
//    those, in the published version, in one Xapian transaction. Glass
//    commits atomically (copy-on-write blocks, synced), so readers see the
//    old or the new revision and a failure or crash before the commit
//    leaves the old one; no copy of the database is made.
//  - a first build, a schema change or a larger change: builds a complete
//    new version v<N+1>: shards of kShardDocs documents, each written
//    unsynced and flushed once (Xapian's in-memory buffers stay small, and
//    no flush merges into a large table) on up to `jobs` threads, plus one
//    for the spelling and metadata, then compacted into v<N+1>
//    (cheaper than adding everything to one database with intermediate
//    commits, and the result is compact), synced, and a new stub renamed
//    over `current`. A failure before the rename removes v<N+1>.
//  (3) The caches (and the ranking state, similar_engine.h) are written
//      first, before (1), when similar incidents were computed.
// UpdateIndex runs the writer's part synchronously, without the caches.
//
// A damaged index never fails a build: every version is sealed after it is
// written (index_seal.h), and a published version that fails its seal, that
// Xapian cannot read, or that turns out corrupt while it is updated in place
// is set aside (removed by the next build) and a new version written from
// scratch, with a warning (rule search/index) saying why.
//
// Spelling data is kept per document (each distinct word of a document adds
// 1 to its frequency; the words are stored in value slot 8), so replacing or
// deleting a document takes exactly its words back out. Words with digits
// are left out (no "did you mean 502").
//
// Test hooks: with CASEBOOK_TEST_FAIL_INDEX_AFTER=N in the environment, an
// update throws after writing N documents (simulates a crash mid-build);
// CASEBOOK_TEST_SHARD_DOCS=N makes shards of N documents.
#include "search/index_builder.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "search/index_document.h"
#include "search/index_seal.h"
#include "search/schema.h"
#include "search/synonyms.h"
#include "search/similar_cache.h"
#include "search/similar_engine.h"
#include "search/term_cache.h"
#include "util/fs.h"
#include "util/text.h"

namespace casebook::search {
namespace {

namespace sc = schema;

/// Step timings on stderr when CASEBOOK_SEARCH_PROFILE is set (for
/// benchmarks; wall and process CPU seconds since the previous mark).
void Mark(const char* what) {
  static const bool on = std::getenv("CASEBOOK_SEARCH_PROFILE") != nullptr;
  if (!on) return;
  static std::mutex mu;
  static double last_wall = -1, last_cpu = 0;
  std::lock_guard<std::mutex> lock(mu);
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  double cpu = t.tv_sec + t.tv_nsec / 1e9;
  double wall = std::chrono::duration<double>(
                    std::chrono::steady_clock::now().time_since_epoch()).count();
  if (last_wall >= 0)
    std::fprintf(stderr, "  [search] %-22s %.3f s wall %.3f s cpu\n", what, wall - last_wall,
                 cpu - last_cpu);
  last_wall = wall;
  last_cpu = cpu;
}

/// Changes applied in place, in one transaction; more build a new version.
constexpr size_t kMaxInPlace = 2000;
/// Documents per shard of a new version. Each writing thread holds its
/// shard's postings and positions until the shard is flushed: at 10,000
/// postmortems, 500 rather than 1,000 takes ~30 MB off the peak of a first
/// build's index step, with no difference in time beyond noise (the
/// compaction merges twice the shards).
constexpr size_t kShardDocs = 500;
/// Documents Start makes whole (and hands to the writer) when it must make
/// term vectors for at most this many postmortems.
constexpr size_t kKeepDocs = 64;

/// fsync()s every file in `dir` and the folder itself, so the version is on
/// disk before the stub names it (the database is written with DB_NO_SYNC).
bool SyncDir(const std::string& dir, std::string* error) {
  std::vector<std::string> paths;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') paths.push_back(util::JoinPath(dir, e->d_name));
    ::closedir(d);
  }
  paths.push_back(dir);
  for (const auto& p : paths) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!ok) {
      *error = "cannot sync " + p + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

/// Adds `sign` for each word of a kSlotWords value to `delta`.
void CountSpelling(const std::string& words, int sign,
                   std::unordered_map<std::string, int>* delta) {
  size_t start = 0;
  while (start < words.size()) {
    size_t end = words.find(' ', start);
    if (end == std::string::npos) end = words.size();
    if (end > start) (*delta)[words.substr(start, end - start)] += sign;
    start = end + 1;
  }
}

void ApplySpelling(Xapian::WritableDatabase& db,
                   const std::unordered_map<std::string, int>& delta) {
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

std::string SynonymsHash(const std::map<std::string, std::vector<std::string>>& synonyms) {
  sc::Hasher h;
  for (const auto& [key, values] : synonyms) {
    h.Add(key);
    for (const auto& v : values) h.Add(v);
  }
  return h.Hex();
}

using Synonyms = std::map<std::string, std::vector<std::string>>;

void WriteSynonyms(Xapian::WritableDatabase& db, const Synonyms& synonyms) {
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

/// flock() on <index_dir>/lock, held for the object's lifetime.
class DirLock {
 public:
  explicit DirLock(const std::string& dir) {
    fd_ = ::open(util::JoinPath(dir, "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return;
    for (int i = 0; i < 600; ++i) {  // wait up to 30 s for another build
      if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
        locked_ = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool locked() const { return locked_; }

 private:
  int fd_ = -1;
  bool locked_ = false;
};

/// Removes every v<N> except `keep_a` and `keep_b`.
void RemoveVersionsExcept(const std::string& dir, int keep_a, int keep_b) {
  for (int v : sc::ListVersions(dir)) {
    if (v == keep_a || v == keep_b) continue;
    std::string ignored;
    util::RemoveAll(sc::VersionDir(dir, v), &ignored);
  }
}

/// Everything the writer needs. The model is only read, through `fields`.
struct WriteJob {
  std::string dir;
  std::vector<IndexFields> fields;                          // one per indexed postmortem
  std::unordered_map<size_t, Xapian::Document> premade;    // by index into fields
  Synonyms synonyms;
  int jobs = 1;  // threads writing the shards of a new version
  // Shards Start already wrote (every document, in order) when there was no
  // usable index, and their spelling counts; the writer adds the metadata
  // and compacts them.
  std::vector<std::string> prebuilt;
  std::unordered_map<std::string, int> prebuilt_spelling;
  // Caches written after a successful update (Start only).
  bool write_caches = false;
  similar::Corpus corpus;
  std::vector<std::string> corpus_hashes;
  similar::RankState rank_state;
  std::string similar_key;  // empty: leave similar.cache as it is
  const model::SiteModel* site = nullptr;  // whose results similar.cache gets
  similar::RankState prev_state;           // freed by the writer, off the critical path
  // The published version was looked at (InspectIndex): `rebuild` when it
  // cannot be used, `damage` saying why when it was damaged.
  bool inspected = false;
  bool rebuild = false;
  std::string damage;
};

/// Whether the published version can be updated: false when there is none,
/// it is of another schema, or it is damaged (then `damage` says why: it
/// fails its seal, index_seal.h, or Xapian cannot read it).
bool InspectIndex(const std::string& dir, std::string* damage) {
  std::optional<int> current = sc::ReadCurrentVersion(dir);
  if (!current) return false;
  const std::string version = sc::VersionDir(dir, *current);
  if (!CheckSeal(version, damage)) return false;
  try {
    Xapian::Database db(version);
    return db.get_metadata(sc::kMetaSchema) == std::to_string(sc::kVersion);
  } catch (const Xapian::Error& e) {
    *damage = version + " cannot be read (" + e.get_description() + ")";
    return false;
  }
}

struct Plan {
  std::vector<size_t> add;                              // into fields
  std::vector<std::pair<size_t, Xapian::docid>> update;  // into fields, old document
  std::vector<Xapian::docid> remove;
  int unchanged = 0;
  bool synonyms_changed = true;
  bool Empty() const {
    return add.empty() && update.empty() && remove.empty() && !synonyms_changed;
  }
};

/// Compares the published version with the fields. nullopt when it cannot
/// be used (another schema).
std::optional<Plan> MakePlan(const Xapian::Database& db, const std::vector<IndexFields>& fields,
                             const std::string& synonyms_hash) {
  if (db.get_metadata(sc::kMetaSchema) != std::to_string(sc::kVersion)) return std::nullopt;
  struct Old {
    Xapian::docid did;
    std::string hash;
    bool seen = false;
  };
  std::unordered_map<std::string, Old> old;
  old.reserve(db.get_doccount());
  {
    auto hash = db.valuestream_begin(sc::kSlotHash);
    for (auto id = db.valuestream_begin(sc::kSlotId); id != db.valuestream_end(sc::kSlotId);
         ++id) {
      Xapian::docid did = id.get_docid();
      std::string h;
      if (hash != db.valuestream_end(sc::kSlotHash) && hash.get_docid() < did) hash.skip_to(did);
      if (hash != db.valuestream_end(sc::kSlotHash) && hash.get_docid() == did) h = *hash;
      old.emplace(*id, Old{did, std::move(h)});
    }
  }
  Plan plan;
  for (size_t k = 0; k < fields.size(); ++k) {
    auto it = old.find(fields[k].pm->doc.id);
    if (it == old.end()) {
      plan.add.push_back(k);
      continue;
    }
    it->second.seen = true;
    if (it->second.hash != fields[k].hash)
      plan.update.emplace_back(k, it->second.did);
    else
      ++plan.unchanged;
  }
  for (const auto& [id, o] : old)
    if (!o.seen) plan.remove.push_back(o.did);
  std::sort(plan.remove.begin(), plan.remove.end());
  // Documents without an id value (not written by this schema) would be
  // invisible here: then rebuild.
  if (old.size() != db.get_doccount()) return std::nullopt;
  plan.synonyms_changed = db.get_metadata(sc::kMetaSynonyms) != synonyms_hash;
  return plan;
}

class Writer {
 public:
  Writer(WriteJob* job, IndexStats* stats) : job_(*job), stats_(*stats) {
    if (const char* env = std::getenv("CASEBOOK_TEST_FAIL_INDEX_AFTER"))
      fail_after_ = std::atol(env);
    if (const char* env = std::getenv("CASEBOOK_TEST_SHARD_DOCS"))
      shard_docs_ = std::max(1L, std::atol(env));
  }

  /// Brings the index up to date. Throws on errors (the previous index is
  /// then intact); false with *error for errors reported without throwing.
  bool Run(std::string* error) {
    const std::string& dir = job_.dir;
    std::string synonyms_hash = SynonymsHash(job_.synonyms);
    std::optional<int> current = sc::ReadCurrentVersion(dir);
    if (!job_.inspected) {
      job_.rebuild = !InspectIndex(dir, &job_.damage);
      job_.inspected = true;
    }
    if (!job_.prebuilt.empty()) {  // Start found no usable index and wrote the shards
      if (current) RemoveVersionsExcept(dir, *current, -1);
      stats_.added = static_cast<int>(job_.fields.size());
      return NewVersion(current, synonyms_hash, error);
    }
    std::optional<Plan> plan;
    if (current && !job_.rebuild) {
      try {
        Xapian::Database db(sc::VersionDir(dir, *current));
        plan = MakePlan(db, job_.fields, synonyms_hash);
      } catch (const Xapian::Error& e) {
        // Unreadable: rebuild from scratch below.
        job_.damage = sc::VersionDir(dir, *current) + " cannot be read (" + e.get_description() + ")";
      }
    }
    // Older versions (kept by the last swap for readers that had them open;
    // they have had a whole build to move on) and leftovers of failed builds.
    if (current) RemoveVersionsExcept(dir, *current, -1);
    RemoveTemporary();
    if (plan && plan->Empty()) {
      stats_.unchanged = plan->unchanged;
      return true;  // nothing written
    }
    if (!plan) {
      plan.emplace();
      for (size_t k = 0; k < job_.fields.size(); ++k) plan->add.push_back(k);
    }
    stats_.added = static_cast<int>(plan->add.size());
    stats_.updated = static_cast<int>(plan->update.size());
    stats_.deleted = static_cast<int>(plan->remove.size());
    stats_.unchanged = plan->unchanged;

    size_t changes = plan->add.size() + plan->update.size() + plan->remove.size();
    if (current && plan->unchanged > 0 && changes <= kMaxInPlace) {
      const std::string version = sc::VersionDir(dir, *current);
      try {
        InPlace(version, *plan, synonyms_hash);
        SealVersion(version);
        return true;
      } catch (const Xapian::DatabaseCorruptError& e) {
        // Damage the reads before did not touch: the version is set aside
        // (removed by the next build) and a whole new one written.
        job_.damage = version + " cannot be updated (" + e.get_description() + ")";
        spelling_.clear();
        stats_ = IndexStats{};
        stats_.added = static_cast<int>(job_.fields.size());
      }
    }
    return NewVersion(current, synonyms_hash, error);
  }

 private:
  /// Document k: premade by Start, else made with `maker` (one per thread).
  Xapian::Document Doc(size_t k, DocumentMaker& maker) {
    {
      std::lock_guard<std::mutex> lock(premade_mu_);
      auto it = job_.premade.find(k);
      if (it != job_.premade.end()) {
        Xapian::Document doc = std::move(it->second);
        job_.premade.erase(it);
        return doc;
      }
    }
    return maker.Make(job_.fields[k]);
  }
  Xapian::Document Doc(size_t k) { return Doc(k, maker_); }

  void Written() {
    if (fail_after_ >= 0 && written_++ >= fail_after_)
      throw std::runtime_error("simulated failure (CASEBOOK_TEST_FAIL_INDEX_AFTER)");
  }

  void Metadata(Xapian::WritableDatabase& db, bool synonyms, const std::string& synonyms_hash) {
    ApplySpelling(db, spelling_);
    if (synonyms) WriteSynonyms(db, job_.synonyms);
    db.set_metadata(sc::kMetaSchema, std::to_string(sc::kVersion));
    db.set_metadata(sc::kMetaSynonyms, synonyms_hash);
  }

  /// Small change sets go into the published version in one transaction
  /// (Xapian commits atomically: readers see the old or the new revision).
  void InPlace(const std::string& path, const Plan& plan, const std::string& synonyms_hash) {
    Xapian::WritableDatabase db(path, Xapian::DB_OPEN);
    db.begin_transaction(/*flushed=*/true);
    try {
      auto take_back = [&](Xapian::docid did) {  // the spelling words of the old document
        CountSpelling(db.get_document(did).get_value(sc::kSlotWords), -1, &spelling_);
      };
      for (Xapian::docid did : plan.remove) {
        take_back(did);
        db.delete_document(did);
      }
      for (const auto& [k, did] : plan.update) {
        Xapian::Document doc = Doc(k);
        Written();
        CountSpelling(doc.get_value(sc::kSlotWords), +1, &spelling_);
        take_back(did);
        db.replace_document(did, doc);
      }
      for (size_t k : plan.add) {
        Xapian::Document doc = Doc(k);
        Written();
        CountSpelling(doc.get_value(sc::kSlotWords), +1, &spelling_);
        db.replace_document(sc::ClampTerm(sc::kIdPrefix + job_.fields[k].pm->doc.id), doc);
      }
      Metadata(db, plan.synonyms_changed, synonyms_hash);
      db.commit_transaction();
    } catch (...) {
      try {
        db.cancel_transaction();
      } catch (const Xapian::Error&) {
      }
      throw;
    }
    db.close();
  }

  /// A complete new version beside the published one, swapped in by the stub.
  bool NewVersion(std::optional<int> current, const std::string& synonyms_hash,
                  std::string* error) {
    const std::string& dir = job_.dir;
    std::vector<int> versions = sc::ListVersions(dir);
    int next = versions.empty() ? 1 : versions.back() + 1;
    std::string next_dir = sc::VersionDir(dir, next), tmp = TemporaryDir();
    try {
      if (!util::MakeDirs(tmp, error)) throw std::runtime_error(*error);
      const size_t n = job_.fields.size();
      const bool prebuilt = !job_.prebuilt.empty();
      const size_t shards =
          prebuilt ? job_.prebuilt.size() : std::max<size_t>(1, (n + shard_docs_ - 1) / shard_docs_);
      std::vector<std::string> paths = job_.prebuilt;
      for (size_t s = paths.size(); s < shards; ++s)
        paths.push_back(util::JoinPath(tmp, "s" + std::to_string(s)));
      auto write_shard = [&](size_t s, DocumentMaker& maker,
                             std::unordered_map<std::string, int>* spelling) {
        Xapian::WritableDatabase db(paths[s], Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
        for (size_t k = s * shard_docs_; k < std::min(n, (s + 1) * shard_docs_); ++k) {
          Xapian::Document doc = Doc(k, maker);
          Written();
          CountSpelling(doc.get_value(sc::kSlotWords), +1, spelling);
          db.add_document(doc);
        }
        return db;
      };
      if (prebuilt) {
        for (const auto& [word, c] : job_.prebuilt_spelling) spelling_[word] += c;
      } else if (shards == 1) {
        Xapian::WritableDatabase db = write_shard(0, maker_, &spelling_);
        Metadata(db, /*synonyms=*/true, synonyms_hash);
        db.commit();
        db.close();
      } else {
        // Shards on up to `jobs` threads (the pages are often done first,
        // leaving cores idle), then the spelling and metadata in a shard of
        // their own; compaction keeps the shards' order, so docids do not
        // depend on the threads.
        const size_t threads = std::clamp<size_t>(static_cast<size_t>(job_.jobs), 1, shards);
        std::vector<std::unordered_map<std::string, int>> spelling(threads);
        std::atomic<size_t> next{0};
        std::atomic<bool> failed{false};
        std::exception_ptr failure;
        std::mutex failure_mu;
        auto worker = [&](size_t t) {
          try {
            DocumentMaker maker;
            for (size_t s = next++; s < shards && !failed; s = next++) {
              Xapian::WritableDatabase db = write_shard(s, maker, &spelling[t]);
              db.commit();
              db.close();
            }
          } catch (...) {
            std::lock_guard<std::mutex> lock(failure_mu);
            if (!failure) failure = std::current_exception();
            failed = true;
          }
        };
        std::vector<std::thread> pool;
        for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker, t);
        worker(0);
        for (auto& th : pool) th.join();
        if (failure) std::rethrow_exception(failure);
        for (const auto& counts : spelling)
          for (const auto& [word, c] : counts) spelling_[word] += c;
      }
      if (paths.size() > 1) {
        paths.push_back(util::JoinPath(tmp, "meta"));
        Xapian::WritableDatabase meta(paths.back(),
                                      Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
        Metadata(meta, /*synonyms=*/true, synonyms_hash);
        meta.commit();
        meta.close();
      }
      Mark("writer: shards");
      if (paths.size() == 1) {
        if (::rename(paths[0].c_str(), next_dir.c_str()) != 0)
          throw std::runtime_error("cannot rename " + paths[0] + ": " + std::strerror(errno));
      } else {
        Xapian::Database all;
        for (const auto& p : paths) all.add_database(Xapian::Database(p));
        all.compact(next_dir, paths.size() > 8 ? Xapian::DBCOMPACT_MULTIPASS : 0);
      }
      Mark("writer: compact");
      RemoveTemporary();
      SealVersion(next_dir);
      if (!SyncDir(next_dir, error) || !sc::WriteStub(dir, next, error))
        throw std::runtime_error(*error);
    } catch (...) {
      std::string ignored;
      util::RemoveAll(next_dir, &ignored);
      RemoveTemporary();
      throw;
    }
    RemoveVersionsExcept(dir, next, current ? *current : -1);
    return true;
  }

  std::string TemporaryDir() const { return util::JoinPath(job_.dir, "build.tmp"); }
  void RemoveTemporary() const {
    std::string ignored;
    util::RemoveAll(TemporaryDir(), &ignored);
  }

  WriteJob& job_;
  IndexStats& stats_;
  DocumentMaker maker_;
  std::unordered_map<std::string, int> spelling_;
  long fail_after_ = -1;
  std::atomic<long> written_{0};
  std::mutex premade_mu_;
  size_t shard_docs_ = kShardDocs;
};

/// Runs the writer; false with *error on failure (stats cleared).
bool RunWriter(WriteJob* job, IndexStats* stats, std::string* error) {
  *stats = IndexStats{};
  try {
    if (Writer(job, stats).Run(error)) return true;
  } catch (const Xapian::Error& e) {
    *error = e.get_description();
  } catch (const std::exception& e) {
    *error = e.what();
  }
  *stats = IndexStats{};
  return false;
}

void ReportError(const std::string& dir, const std::string& error, util::Diagnostics* diags) {
  if (diags)
    diags->Error(dir, 0, "search/index", "could not update the search index: " + error,
                 "the previous index is still in place; fix the cause and build again");
}

void ReportDamage(const std::string& dir, const std::string& damage, util::Diagnostics* diags) {
  if (diags && !damage.empty())
    diags->Warning(dir, 0, "search/index",
                   "the search index was set aside and rebuilt from scratch: " + damage,
                   "nothing to do; if this recurs, check the disk (and what else writes to " +
                       dir + ")");
}

/// The fields of every indexed postmortem (the first of each non-empty id),
/// in model order, hashed on up to `jobs` threads; `field_of[i]` is the
/// entry of postmortem i (-1 when it has none).
std::vector<IndexFields> DescribeAll(const model::SiteModel& site, int jobs,
                                     std::vector<int>* field_of) {
  std::vector<const model::Postmortem*> list;
  std::unordered_set<std::string_view> seen;
  if (field_of) field_of->assign(site.postmortems.size(), -1);
  for (size_t i = 0; i < site.postmortems.size(); ++i) {
    const auto& pm = site.postmortems[i];
    if (pm.doc.id.empty() || !seen.insert(pm.doc.id).second) continue;
    if (field_of) (*field_of)[i] = static_cast<int>(list.size());
    list.push_back(&pm);
  }
  std::vector<std::string> keys = IndexedTaxonomies(site.config);
  std::vector<IndexFields> fields(list.size());
  size_t n_jobs = list.size() < 256 ? 1 : static_cast<size_t>(std::clamp(jobs, 1, 16));
  similar::RunJobs(n_jobs, [&](size_t job) {
    for (size_t k = job; k < list.size(); k += n_jobs)
      fields[k] = DescribeForIndex(*list[k], site.config, keys);
  });
  return fields;
}

Synonyms SynonymsOf(const config::SiteConfig* cfg) {
  return MergeSynonyms(cfg ? cfg->search.synonyms : Synonyms());
}

}  // namespace

/// For a build with no usable index: makes every document once, on `jobs`
/// threads, taking its term vector for similar incidents from it and adding
/// it to a shard (in <dir>/build.tmp, as the writer would), so the text is
/// tokenised once and the index is mostly written before the pages render.
/// Fills corpus->docs and job->prebuilt(_spelling). False (nothing kept)
/// when there are too few documents for shards or a shard failed: then the
/// caller makes the term vectors and the writer the index, as usual.
bool PrebuildShards(WriteJob* job, int jobs, similar::Corpus* corpus) {
  // At least one shard per thread, so small archives use every core too.
  const size_t n = job->fields.size();
  const size_t threads = static_cast<size_t>(std::max(jobs, 1));
  size_t shard_docs = std::min(kShardDocs, (n + threads - 1) / threads);
  if (const char* env = std::getenv("CASEBOOK_TEST_SHARD_DOCS"))
    shard_docs = static_cast<size_t>(std::max(1L, std::atol(env)));
  if (n < 64 || shard_docs == 0 || std::getenv("CASEBOOK_TEST_FAIL_INDEX_AFTER")) return false;
  const size_t shards = (n + shard_docs - 1) / shard_docs;
  if (shards < 2) return false;
  const std::string tmp = util::JoinPath(job->dir, "build.tmp");
  std::string error;
  util::RemoveAll(tmp, &error);
  if (!util::MakeDirs(tmp, &error)) return false;
  const size_t n_jobs = std::clamp<size_t>(static_cast<size_t>(jobs), 1, shards);
  std::vector<similar::Dict> terms(n_jobs), words(n_jobs);
  std::vector<std::unordered_map<std::string, int>> spelling(n_jobs);
  std::vector<std::string> paths(shards);
  std::atomic<bool> failed{false};
  auto range = [&](size_t s) {
    return std::make_pair(s * shard_docs, std::min(n, (s + 1) * shard_docs));
  };
  similar::RunJobs(n_jobs, [&](size_t j) {
    DocumentMaker maker;
    for (size_t s = j; s < shards && !failed; s += n_jobs) {
      try {
        paths[s] = util::JoinPath(tmp, "s" + std::to_string(s));
        Xapian::WritableDatabase db(paths[s], Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
        for (size_t k = range(s).first; k < range(s).second; ++k) {
          Xapian::Document doc = maker.Make(job->fields[k], &terms[j], &words[j], &corpus->docs[k]);
          CountSpelling(doc.get_value(sc::kSlotWords), +1, &spelling[j]);
          db.add_document(doc);
        }
        db.commit();
        db.close();
      } catch (const Xapian::Error&) {
        failed = true;
      } catch (const std::exception&) {
        failed = true;
      }
    }
  });
  if (failed) {
    util::RemoveAll(tmp, &error);
    return false;
  }
  // Each thread's dictionaries into the corpus's, in thread order.
  for (size_t j = 0; j < n_jobs; ++j) {
    std::vector<uint32_t> term_id(terms[j].size()), word_id(words[j].size());
    for (uint32_t t = 0; t < term_id.size(); ++t) term_id[t] = corpus->terms.Intern(terms[j][t]);
    for (uint32_t w = 0; w < word_id.size(); ++w) word_id[w] = corpus->words.Intern(words[j][w]);
    for (size_t s = j; s < shards; s += n_jobs) {
      for (size_t k = range(s).first; k < range(s).second; ++k) {
        auto& entries = corpus->docs[k].terms;
        for (auto& e : entries) {
          e.term = term_id[e.term];
          if (e.word != similar::kNoWord) e.word = word_id[e.word];
        }
        std::sort(entries.begin(), entries.end(),
                  [](const auto& a, const auto& b) { return a.term < b.term; });
      }
    }
    for (const auto& [word, c] : spelling[j]) job->prebuilt_spelling[word] += c;
  }
  job->prebuilt = std::move(paths);
  return true;
}

// ---------------------------------------------------------------------------

struct IndexUpdate::State {
  std::string dir;
  std::unique_ptr<DirLock> lock;
  WriteJob job;
  std::string error;  // set before the writer starts, or by it
  IndexStats stats;
  bool ok = false;
  bool text_needed = true;  // set before the writer starts (TextNeeded)
  std::thread writer;
  bool finished = false;
  std::string damage;  // why the published index was set aside and rebuilt

  void Join() {
    if (writer.joinable()) writer.join();
  }
};

IndexUpdate::IndexUpdate(std::unique_ptr<State> state) : state_(std::move(state)) {}

IndexUpdate::~IndexUpdate() { state_->Join(); }

std::unique_ptr<IndexUpdate> IndexUpdate::Start(model::SiteModel* site,
                                                const std::string& index_dir, int jobs,
                                                util::Diagnostics* /*diags*/) {
  auto state = std::make_unique<State>();
  WriteJob& job = state->job;
  state->dir = job.dir = index_dir;
  job.synonyms = SynonymsOf(site->config);
  jobs = std::max(jobs, 1);
  job.jobs = jobs;
  if (util::MakeDirs(index_dir, &state->error)) {
    state->lock = std::make_unique<DirLock>(index_dir);
    if (!state->lock->locked())
      state->error = "another build is updating the search index (" + index_dir + "/lock)";
  }

  Mark("start");
  if (state->error.empty()) {
    job.rebuild = !InspectIndex(index_dir, &job.damage);
    job.inspected = true;
  }
  // 1. What each postmortem contributes.
  std::vector<int> field_of;
  job.fields = DescribeAll(*site, jobs, &field_of);
  std::vector<std::string> hashes(site->postmortems.size());
  for (size_t i = 0; i < hashes.size(); ++i)
    if (field_of[i] >= 0) hashes[i] = job.fields[field_of[i]].hash;

  Mark("describe");
  // 2. Similar incidents: cached, or computed from term vectors.
  std::vector<size_t> all(site->postmortems.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  std::string key = SimilarCacheKey(*site, hashes);
  if (!ReadSimilarCache(index_dir, key, all, site)) {
    similar::Corpus& corpus = job.corpus;
    std::vector<CachedTerms> cached;
    Mark("similar cache miss");
    // The term cache and the ranking state, read side by side.
    similar::RunJobs(jobs > 1 ? 2 : 1, [&](size_t j) {
      if (j == 1 || jobs == 1) ReadRankState(index_dir, &job.prev_state);
      if (j == 0) ReadTermCache(index_dir, &corpus.terms, &corpus.words, &cached);
    });
    Mark("read term cache");
    std::unordered_map<std::string_view, size_t> cached_of;
    for (size_t c = 0; c < cached.size(); ++c) cached_of.emplace(cached[c].id, c);
    const size_t n = job.fields.size();
    corpus.ids.resize(n);
    corpus.docs.resize(n);
    job.corpus_hashes.resize(n);
    std::vector<size_t> missing;
    for (size_t k = 0; k < n; ++k) {
      const IndexFields& f = job.fields[k];
      corpus.ids[k] = f.pm->doc.id;
      job.corpus_hashes[k] = f.hash;
      auto it = cached_of.find(f.pm->doc.id);
      if (it != cached_of.end() && cached[it->second].hash == f.hash)
        corpus.docs[k] = std::move(cached[it->second].terms);
      else
        missing.push_back(k);
    }
    cached.clear();
    if (missing.size() == n && state->error.empty() && job.rebuild &&
        PrebuildShards(&job, jobs, &corpus)) {
      // No index yet: the documents were made once, and written.
    } else if (missing.size() <= kKeepDocs) {
      // Few: make the whole documents (the writer will need them) here.
      DocumentMaker maker;
      for (size_t k : missing) {
        Xapian::Document doc = maker.Make(job.fields[k], &corpus.terms, &corpus.words, &corpus.docs[k]);
        job.premade.emplace(k, std::move(doc));
      }
    } else {
      // Many: term vectors only, in parallel, each job with dictionaries of
      // its own, merged in job order afterwards.
      size_t n_jobs = std::min<size_t>(static_cast<size_t>(jobs), missing.size() / 32 + 1);
      std::vector<similar::Dict> terms(n_jobs), words(n_jobs);
      similar::RunJobs(n_jobs, [&](size_t j) {
        DocumentMaker maker;
        for (size_t m = j; m < missing.size(); m += n_jobs)
          corpus.docs[missing[m]] = maker.Terms(job.fields[missing[m]], &terms[j], &words[j]);
      });
      for (size_t j = 0; j < n_jobs; ++j) {
        std::vector<uint32_t> term_id(terms[j].size()), word_id(words[j].size());
        for (uint32_t t = 0; t < term_id.size(); ++t) term_id[t] = corpus.terms.Intern(terms[j][t]);
        for (uint32_t w = 0; w < word_id.size(); ++w) word_id[w] = corpus.words.Intern(words[j][w]);
        for (size_t m = j; m < missing.size(); m += n_jobs) {
          auto& entries = corpus.docs[missing[m]].terms;
          for (auto& e : entries) {
            e.term = term_id[e.term];
            if (e.word != similar::kNoWord) e.word = word_id[e.word];
          }
          std::sort(entries.begin(), entries.end(),
                    [](const auto& a, const auto& b) { return a.term < b.term; });
        }
      }
    }
    Mark("term vectors");
    std::unordered_map<std::string_view, int> doc_of_id;
    for (size_t k = 0; k < n; ++k) doc_of_id.emplace(corpus.ids[k], static_cast<int>(k));
    std::vector<int> doc_of_model(site->postmortems.size(), -1);
    for (size_t i = 0; i < doc_of_model.size(); ++i) {
      auto it = doc_of_id.find(site->postmortems[i].doc.id);
      if (it != doc_of_id.end()) doc_of_model[i] = it->second;
    }
    similar::Compute(corpus, doc_of_model, all, jobs, site, &job.corpus_hashes,
                     &job.prev_state, &job.rank_state);
    Mark("similar compute");
    job.similar_key = key;
    job.site = site;  // the cache text is made by the writer
    job.write_caches = true;
  }

  Mark("similar done");
  state->text_needed = job.prebuilt.empty();
  // 3. The writer.
  if (state->error.empty()) {
    State* s = state.get();
    s->writer = std::thread([s] {
      // The caches first, so the term vectors and ranking states are freed
      // before the index is written (its buffers are the larger part).
      // They describe this model, whatever happens to the index: a failed
      // update is retried by the next build, which compares documents with
      // the index itself.
      WriteJob& job = s->job;
      if (job.write_caches) {
        WriteTermCache(job.dir, job.corpus, job.corpus_hashes);
        WriteSimilarCacheText(job.dir, SimilarCacheText(job.similar_key, *job.site));
        WriteRankState(job.dir, job.rank_state);
      }
      job.corpus = similar::Corpus();
      job.corpus_hashes = std::vector<std::string>();
      job.rank_state = similar::RankState();
      job.prev_state = similar::RankState();
      Mark("writer: caches");
      s->ok = RunWriter(&job, &s->stats, &s->error);
      s->damage = job.damage;
      Mark("writer: index");
      s->job = WriteJob();  // frees the documents before Finish
      s->lock.reset();
    });
  }
  return std::unique_ptr<IndexUpdate>(new IndexUpdate(std::move(state)));
}

bool IndexUpdate::TextNeeded() const { return state_->text_needed; }

bool IndexUpdate::Finish(IndexStats* stats, util::Diagnostics* diags) {
  State& s = *state_;
  s.Join();
  if (stats) *stats = s.ok ? s.stats : IndexStats{};
  if (!s.ok && !s.finished) ReportError(s.dir, s.error, diags);
  if (!s.finished) ReportDamage(s.dir, s.damage, diags);
  s.finished = true;
  return s.ok;
}

bool UpdateIndex(const model::SiteModel& site, const std::string& index_dir, IndexStats* stats,
                 util::Diagnostics* diags) {
  IndexStats local;
  if (!stats) stats = &local;
  *stats = IndexStats{};
  std::string error;
  if (!util::MakeDirs(index_dir, &error)) {
    ReportError(index_dir, error, diags);
    return false;
  }
  DirLock lock(index_dir);
  if (!lock.locked()) {
    ReportError(index_dir, "another build is updating the search index (" + index_dir + "/lock)",
                diags);
    return false;
  }
  WriteJob job;
  job.dir = index_dir;
  job.synonyms = SynonymsOf(site.config);
  job.fields = DescribeAll(site, 1, nullptr);
  const bool ok = RunWriter(&job, stats, &error);
  ReportDamage(index_dir, job.damage, diags);
  if (ok) return true;
  ReportError(index_dir, error, diags);
  return false;
}

}  // namespace casebook::search
