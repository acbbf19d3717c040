// UpdateIndex: the site model -> the Xapian index, incrementally and
// atomically. Layout, terms and value slots are described in schema.h.
//
// An update (1) hashes everything each postmortem contributes to the index,
// (2) compares the hashes with value slot 3 of the published version's
// documents (looked up by their Q term), and (3) when anything differs:
//  - up to kMaxInPlace changed documents: replaces / adds / deletes only
//    those, in the published version, in one Xapian transaction. Glass
//    commits atomically (copy-on-write blocks, synced), so readers see the
//    old or the new revision and a failure or crash before the commit
//    leaves the old one; no copy of the database is made.
//  - a first build, a schema change or a larger change: builds a complete
//    new version v<N+1> (unsynced, with intermediate commits to bound
//    memory), syncs it, and renames a new stub over `current`. A failure
//    before the rename removes v<N+1>.
// When nothing changed no file is written.
//
// Spelling data is kept per document (each distinct word of a document adds
// 1 to its frequency; the words are stored in value slot 8), so replacing or
// deleting a document takes exactly its words back out. Words with digits
// are left out (no "did you mean 502").
//
// Test hook: with CASEBOOK_TEST_FAIL_INDEX_AFTER=N in the environment, an
// update throws after writing N documents (simulates a crash mid-build).
#include "search/index_builder.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "search/index_document.h"
#include "search/schema.h"
#include "util/datetime.h"
#include "util/fs.h"
#include "util/text.h"

namespace casebook::search {
namespace {

namespace sc = schema;

/// Documents between intermediate commits while building a version: bounds
/// the postings Xapian buffers in memory (~350 MB for 10,000 documents
/// without; ~75 MB with), at little cost since the commits are not synced.
constexpr long kCommitEvery = 2000;

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

std::string SynonymsHash(const config::SiteConfig* cfg) {
  sc::Hasher h;
  if (cfg) {
    for (const auto& [key, values] : cfg->search.synonyms) {
      h.Add(key);
      for (const auto& v : values) h.Add(v);
    }
  }
  return h.Hex();
}

void WriteSynonyms(Xapian::WritableDatabase& db, const config::SiteConfig* cfg) {
  std::vector<std::string> old(db.synonym_keys_begin(), db.synonym_keys_end());
  for (const auto& k : old) db.clear_synonyms(k);
  if (!cfg) return;
  Xapian::Stem stem("en");
  for (const auto& [raw_key, values] : cfg->search.synonyms) {
    std::string key = NormalizeSynonym(raw_key);
    if (key.empty()) continue;
    std::string key_term = SynonymTerm(key, stem);
    for (const auto& raw : values) {
      std::string value = NormalizeSynonym(raw);
      if (value.empty() || value == key) continue;
      std::string value_term = SynonymTerm(value, stem);
      if (!value_term.empty()) db.add_synonym(key, value_term);
      if (!key_term.empty()) db.add_synonym(value, key_term);  // and back
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

struct Plan {
  std::vector<const IndexFields*> add, update;
  std::vector<std::string> remove;  // ids
  int unchanged = 0;
  bool synonyms_changed = true;
};

Plan MakePlan(const Xapian::Database& db, const std::vector<IndexFields>& fields,
              const std::string& synonyms_hash) {
  Plan plan;
  std::set<std::string> ids;
  for (const auto& f : fields) {
    ids.insert(f.pm->doc.id);
    std::string q = sc::ClampTerm(sc::kIdPrefix + f.pm->doc.id);
    auto pl = db.postlist_begin(q);
    if (pl == db.postlist_end(q)) {
      plan.add.push_back(&f);
    } else if (db.get_document(*pl).get_value(sc::kSlotHash) != f.hash) {
      plan.update.push_back(&f);
    } else {
      ++plan.unchanged;
    }
  }
  for (auto it = db.allterms_begin(sc::kIdPrefix); it != db.allterms_end(sc::kIdPrefix); ++it) {
    std::string id = (*it).substr(1);
    if (!ids.count(id)) plan.remove.push_back(id);
  }
  plan.synonyms_changed = db.get_metadata(sc::kMetaSynonyms) != synonyms_hash;
  return plan;
}

/// Writes the plan's changes into `db`. `in_place`: replace / delete by Q
/// term (the database holds the previous documents); else add everything
/// to a new, empty database.
void Apply(Xapian::WritableDatabase& db, const Plan& plan, const std::vector<IndexFields>& fields,
           bool in_place, const model::SiteModel& site, const std::string& synonyms_hash) {
  long fail_after = -1;
  if (const char* env = std::getenv("CASEBOOK_TEST_FAIL_INDEX_AFTER")) fail_after = std::atol(env);
  std::unordered_map<std::string, int> spelling;
  auto take_back = [&](const std::string& id) {  // the spelling words of the old doc
    std::string q = sc::ClampTerm(sc::kIdPrefix + id);
    auto pl = db.postlist_begin(q);
    if (pl != db.postlist_end(q))
      CountSpelling(db.get_document(*pl).get_value(sc::kSlotWords), -1, &spelling);
  };
  std::vector<const IndexFields*> to_write;
  if (in_place) {
    for (const auto& id : plan.remove) {
      take_back(id);
      db.delete_document(sc::ClampTerm(sc::kIdPrefix + id));
    }
    to_write = plan.update;
    to_write.insert(to_write.end(), plan.add.begin(), plan.add.end());
  } else {
    for (const auto& f : fields) to_write.push_back(&f);
  }
  DocumentPipeline pipeline(to_write, /*threaded=*/to_write.size() >= 64);
  Xapian::Document xd;
  const IndexFields* f = nullptr;
  for (long written = 0; pipeline.Next(&xd, &f); ++written) {
    if (fail_after >= 0 && written >= fail_after)
      throw std::runtime_error("simulated failure (CASEBOOK_TEST_FAIL_INDEX_AFTER)");
    CountSpelling(xd.get_value(sc::kSlotWords), +1, &spelling);
    if (in_place) {
      take_back(f->pm->doc.id);  // nothing when it is new
      db.replace_document(sc::ClampTerm(sc::kIdPrefix + f->pm->doc.id), xd);
    } else {
      db.add_document(xd);
      // Bounds what Xapian buffers in memory. Invisible to readers: nothing
      // reads this version until the stub names it.
      if ((written + 1) % kCommitEvery == 0) db.commit();
    }
  }
  ApplySpelling(db, spelling);
  if (plan.synonyms_changed || !in_place) WriteSynonyms(db, site.config);
  db.set_metadata(sc::kMetaSchema, std::to_string(sc::kVersion));
  db.set_metadata(sc::kMetaSynonyms, synonyms_hash);
}

/// Small change sets go into the published version in one transaction
/// (Xapian commits atomically: readers see the old or the new revision);
/// larger ones, a first build or a schema change build a new version.
constexpr size_t kMaxInPlace = kCommitEvery;

bool Update(const model::SiteModel& site, const std::string& dir, IndexStats* stats,
            std::string* error) {
  if (!util::MakeDirs(dir, error)) return false;
  DirLock lock(dir);
  if (!lock.locked()) {
    *error = "another build is updating the search index (" + dir + "/lock)";
    return false;
  }

  // Hash everything; one document per id (the model reports duplicates).
  std::vector<std::string> keys = IndexedTaxonomies(site.config);
  std::vector<IndexFields> fields;
  fields.reserve(site.postmortems.size());
  std::set<std::string> seen;
  for (const auto& pm : site.postmortems)
    if (!pm.doc.id.empty() && seen.insert(pm.doc.id).second)
      fields.push_back(DescribeForIndex(pm, site.config, keys));
  std::string synonyms_hash = SynonymsHash(site.config);

  // What changed since the published version?
  std::optional<int> current = sc::ReadCurrentVersion(dir);
  std::optional<Plan> plan;
  if (current) {
    try {
      Xapian::Database db(sc::VersionDir(dir, *current));
      if (db.get_metadata(sc::kMetaSchema) == std::to_string(sc::kVersion))
        plan = MakePlan(db, fields, synonyms_hash);
    } catch (const Xapian::Error&) {
      // Unreadable: rebuild from scratch below.
    }
  }
  // Older versions (kept by the last swap for readers that had them open;
  // they have had a whole build to move on) and leftovers of failed builds.
  if (current) RemoveVersionsExcept(dir, *current, -1);
  if (plan && plan->add.empty() && plan->update.empty() && plan->remove.empty() &&
      !plan->synonyms_changed) {
    stats->unchanged = plan->unchanged;
    return true;  // nothing written
  }
  if (!plan) {
    plan.emplace();
    for (const auto& f : fields) plan->add.push_back(&f);
  }
  stats->added = static_cast<int>(plan->add.size());
  stats->updated = static_cast<int>(plan->update.size());
  stats->deleted = static_cast<int>(plan->remove.size());
  stats->unchanged = plan->unchanged;

  size_t changes = plan->add.size() + plan->update.size() + plan->remove.size();
  if (current && plan->unchanged > 0 && changes <= kMaxInPlace) {
    Xapian::WritableDatabase db(sc::VersionDir(dir, *current), Xapian::DB_OPEN);
    db.begin_transaction(/*flushed=*/true);
    try {
      Apply(db, *plan, fields, /*in_place=*/true, site, synonyms_hash);
      db.commit_transaction();
    } catch (...) {
      try {
        db.cancel_transaction();
      } catch (const Xapian::Error&) {
      }
      throw;
    }
    db.close();
    return true;
  }

  // A new version beside the published one, swapped in by the stub.
  std::vector<int> versions = sc::ListVersions(dir);
  int next = versions.empty() ? 1 : versions.back() + 1;
  std::string next_dir = sc::VersionDir(dir, next);
  try {
    Xapian::WritableDatabase db(next_dir, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
    Apply(db, *plan, fields, /*in_place=*/false, site, synonyms_hash);
    db.commit();
    db.close();
    if (!SyncDir(next_dir, error) || !sc::WriteStub(dir, next, error))
      throw std::runtime_error(*error);
  } catch (...) {
    std::string ignored;
    util::RemoveAll(next_dir, &ignored);
    throw;
  }
  RemoveVersionsExcept(dir, next, current ? *current : -1);
  return true;
}

}  // namespace

bool UpdateIndex(const model::SiteModel& site, const std::string& index_dir, IndexStats* stats,
                 util::Diagnostics* diags) {
  IndexStats local;
  if (!stats) stats = &local;
  *stats = IndexStats{};
  std::string error;
  try {
    if (Update(site, index_dir, stats, &error)) return true;
  } catch (const Xapian::Error& e) {
    error = e.get_description();
  } catch (const std::exception& e) {
    error = e.what();
  }
  *stats = IndexStats{};
  if (diags)
    diags->Error(index_dir, 0, "search/index", "could not update the search index: " + error,
                 "the previous index is still in place; fix the cause and build again");
  return false;
}

}  // namespace casebook::search
