// Step 4 of an index update (index_writer.h): a complete new version v<N+1>
// beside the published one. Shards of ShardDocs documents, each written
// unsynced and flushed once (Xapian's buffers stay small and no flush
// merges into a large table), on up to `jobs` threads, plus one shard for
// the spelling and metadata, are compacted into v<N+1> (cheaper than one
// database with intermediate commits, and the result is compact), which is
// sealed and synced before a new stub is renamed over `current`. A failure
// before the rename removes v<N+1>.
#include <xapian.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <thread>

#include "search/index_folder.h"
#include "search/index_seal.h"
#include "search/index_writer.h"
#include "search/schema.h"
#include "util/fs.h"

namespace casebook::search {

size_t ShardDocs(size_t documents) {
  if (const char* env = std::getenv("CASEBOOK_TEST_SHARD_DOCS"))
    return static_cast<size_t>(std::max(1L, std::atol(env)));
  return std::max(kMinShardDocs, (documents + kMaxShards - 1) / kMaxShards);
}

namespace {

namespace sc = schema;

/// Writes the documents of every shard (`paths`, `shard_docs` each) on up to
/// job.jobs threads; compaction keeps the shards' order, so docids do not
/// depend on the threads. The only shard of a small index gets the
/// metadata too.
void WriteShards(const WriteJob& job, DocumentSource& docs, const std::vector<std::string>& paths,
                 size_t shard_docs, const IndexStamps& stamps, SpellingDelta* spelling) {
  const size_t n = job.fields.size(), shards = paths.size();
  auto write_shard = [&](size_t s, DocumentMaker& maker, SpellingDelta* counts) {
    Xapian::WritableDatabase db(paths[s], Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
    for (size_t k = s * shard_docs; k < std::min(n, (s + 1) * shard_docs); ++k) {
      Xapian::Document doc = docs.Get(k, maker);
      CountSpelling(doc.get_value(sc::kSlotWords), +1, counts);
      db.add_document(doc);
    }
    return db;
  };
  if (shards == 1) {
    DocumentMaker maker;
    Xapian::WritableDatabase db = write_shard(0, maker, spelling);
    WriteIndexMetadata(db, *spelling, /*write_synonyms=*/true, job.synonyms, stamps);
    db.commit();
    db.close();
    return;
  }
  // The pages are often done first, leaving cores idle.
  const size_t threads = std::clamp<size_t>(static_cast<size_t>(job.jobs), 1, shards);
  std::vector<SpellingDelta> counts(threads);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  std::mutex failure_mu;
  auto worker = [&](size_t t) {
    try {
      DocumentMaker maker;
      for (size_t s = next++; s < shards && !failed; s = next++) {
        Xapian::WritableDatabase db = write_shard(s, maker, &counts[t]);
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
  for (const auto& c : counts)
    for (const auto& [word, n_word] : c) (*spelling)[word] += n_word;
}

/// The shards (and a metadata shard) into `out`: compacted, or renamed when
/// there is just one.
void Merge(std::vector<std::string> paths, const std::string& out) {
  if (paths.size() == 1) {
    if (::rename(paths[0].c_str(), out.c_str()) != 0)
      throw std::runtime_error("cannot rename " + paths[0] + ": " + std::strerror(errno));
    return;
  }
  Xapian::Database all;
  for (const auto& p : paths) all.add_database(Xapian::Database(p));
  all.compact(out, paths.size() > 8 ? Xapian::DBCOMPACT_MULTIPASS : 0);
}

}  // namespace

void WriteNewVersion(const WriteJob& job, DocumentSource& docs, std::optional<int> current,
                     const IndexStamps& stamps, SpellingDelta* spelling) {
  const std::string& dir = job.dir;
  std::vector<int> versions = sc::ListVersions(dir);
  const int next = versions.empty() ? 1 : versions.back() + 1;
  const std::string next_dir = sc::VersionDir(dir, next), tmp = TemporaryDir(dir);
  try {
    std::string error;
    if (!util::MakeDirs(tmp, &error)) throw std::runtime_error(error);
    std::vector<std::string> paths = job.prebuilt;
    if (!paths.empty()) {
      for (const auto& [word, c] : job.prebuilt_spelling) (*spelling)[word] += c;
    } else {
      const size_t shard_docs = ShardDocs(job.fields.size());
      const size_t shards = std::max<size_t>(1, (job.fields.size() + shard_docs - 1) / shard_docs);
      for (size_t s = 0; s < shards; ++s) paths.push_back(util::JoinPath(tmp, "s" + std::to_string(s)));
      WriteShards(job, docs, paths, shard_docs, stamps, spelling);
    }
    if (paths.size() > 1) {
      paths.push_back(util::JoinPath(tmp, "meta"));
      Xapian::WritableDatabase meta(paths.back(),
                                    Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
      WriteIndexMetadata(meta, *spelling, /*write_synonyms=*/true, job.synonyms, stamps);
      meta.commit();
      meta.close();
    }
    ProfileMark("writer: shards");
    Merge(paths, next_dir);
    ProfileMark("writer: compact");
    RemoveTemporaryDir(dir);
    SealVersion(next_dir);
    ProfileMark("writer: seal");
    if (!SyncDir(next_dir, &error) || !sc::WriteStub(dir, next, &error))
      throw std::runtime_error(error);
  } catch (...) {
    std::string ignored;
    util::RemoveAll(next_dir, &ignored);
    RemoveTemporaryDir(dir);
    throw;
  }
  RemoveVersionsExcept(dir, next, current ? *current : -1);
}

}  // namespace casebook::search
