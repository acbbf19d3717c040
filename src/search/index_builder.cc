// IndexUpdate / UpdateIndex (index_builder.h): the site model -> the Xapian
// index. Layout, terms and value slots: schema.h.
//
// IndexUpdate::Start, on the caller's thread with `jobs` threads:
//  1. describe: hashes everything each postmortem contributes (DescribeAll);
//  2. similar incidents: read back from <index>/similar.cache when nothing
//     they depend on changed (similar_cache.h); else computed in memory
//     (similar_engine.h) from term vectors: those of unchanged postmortems
//     from <index>/terms.cache (term_cache.h), the others made here. With
//     no usable index every document is made once, here, and written into
//     the shards of the new version (PrebuildShards); with a few changes the
//     whole documents are made and handed to the writer;
//  3. starts the writer thread, which holds <index>/lock until it is done:
//     it writes the caches, then the index in the steps index_writer.h
//     names (open or recover, plan, update in place or new version, seal).
// UpdateIndex runs the writer alone, synchronously, without the caches.
//
// A damaged index never fails a build: the version is set aside and a new
// one written, with a warning (rule search/index) saying why.
#include "search/index_builder.h"

#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "search/ids_by_place.h"
#include "search/index_document.h"
#include "search/index_folder.h"
#include "search/index_writer.h"
#include "search/schema.h"
#include "search/similar_cache.h"
#include "search/similar_engine.h"
#include "search/synonyms.h"
#include "search/term_cache.h"
#include "util/fs.h"

namespace casebook::search {
namespace {

namespace sc = schema;

/// Documents Start makes whole (and hands to the writer) when it must make
/// term vectors for at most this many postmortems.
constexpr size_t kKeepDocs = 64;

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

SynonymMap SynonymsOf(const config::SiteConfig* cfg) {
  return MergeSynonyms(cfg ? cfg->search.synonyms : SynonymMap());
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
  size_t shard_docs = std::min(ShardDocs(n), (n + threads - 1) / threads);
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
  std::vector<SpellingDelta> spelling(n_jobs);
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
  // Set by the writer once the caches are written and their sources freed
  // (WaitForCaches).
  std::mutex caches_mu;
  std::condition_variable caches_cv;
  bool caches_done = false;
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

  ProfileMark("start");
  if (state->error.empty()) {
    job.rebuild = !InspectIndex(index_dir, &job.damage);
    job.inspected = true;
  }
  ProfileMark("open or recover");
  // 1. What each postmortem contributes.
  std::vector<int> field_of;
  job.fields = DescribeAll(*site, jobs, &field_of);
  AssignFacetIds(&job);
  std::vector<std::string> hashes(site->postmortems.size());
  for (size_t i = 0; i < hashes.size(); ++i)
    if (field_of[i] >= 0) hashes[i] = job.fields[field_of[i]].hash;

  ProfileMark("describe");
  // 2. Similar incidents: cached, or computed from term vectors.
  std::vector<size_t> all(site->postmortems.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  std::string key = SimilarCacheKey(*site, hashes);
  if (!ReadSimilarCache(index_dir, key, all, site)) {
    similar::Corpus& corpus = job.corpus;
    CachedCorpus cache;
    std::vector<CachedTerms>& cached = cache.docs;
    ProfileMark("similar cache miss");
    // The term cache and the ranking state, read side by side.
    similar::RunJobs(jobs > 1 ? 2 : 1, [&](size_t j) {
      if (j == 1 || jobs == 1) ReadRankState(index_dir, &job.prev_state);
      if (j == 0) ReadTermCache(index_dir, &corpus.terms, &corpus.words, &cache);
    });
    ProfileMark("read term cache");
    // The cached vector of an id (ids are unique on both sides).
    IdsByPlace cached_by_place(cached.size(), [&](size_t c) { return cached[c].id; });
    auto cached_at = [&](size_t k, const std::string& id) -> CachedTerms* {
      const std::optional<size_t> c = cached_by_place.Find(k, id);
      return c ? &cached[*c] : nullptr;
    };
    const size_t n = job.fields.size();
    corpus.ids.resize(n);
    corpus.docs.resize(n);
    job.corpus_hashes.resize(n);
    std::vector<size_t> missing;
    for (size_t k = 0; k < n; ++k) {
      const IndexFields& f = job.fields[k];
      corpus.ids[k] = f.pm->doc.id;
      job.corpus_hashes[k] = f.hash;
      CachedTerms* c = cached_at(k, f.pm->doc.id);
      if (c && c->hash == f.hash)
        corpus.docs[k] = std::move(c->terms);
      else
        missing.push_back(k);
    }
    // Like the render cache: a few vectors missing (made again next time)
    // cost less than rewriting the whole file; a cached vector is used only
    // for its id and content hash, so stale entries are harmless.
    const size_t unused = cached.size() - (n - missing.size());
    job.term_cache_current =
        !cached.empty() && missing.size() + unused <= std::max<size_t>(kKeepDocs / 2, n / 100);
    cache = CachedCorpus();
    if (missing.size() == n && state->error.empty() && job.rebuild &&
        PrebuildShards(&job, jobs, &corpus)) {
      // No index yet: the documents were made once, and written.
    } else if (missing.size() <= kKeepDocs) {
      // Few: make the whole documents (the writer will need them) here.
      DocumentMaker maker;
      for (size_t k : missing) {
        Xapian::Document doc = maker.Make(job.fields[k], &corpus.terms, &corpus.words, &corpus.docs[k]);
        job.premade.Add(k, std::move(doc));
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
    ProfileMark("term vectors");
    // Each postmortem's document: its own field when it is the first of its
    // id (field_of); the others (a repeated or empty id) by a map, made
    // only when there is one.
    std::unordered_map<std::string_view, int> doc_of_id;
    std::vector<int> doc_of_model(site->postmortems.size(), -1);
    for (size_t i = 0; i < doc_of_model.size(); ++i) {
      if (field_of[i] >= 0) {
        doc_of_model[i] = field_of[i];
        continue;
      }
      if (doc_of_id.empty())
        for (size_t k = 0; k < n; ++k) doc_of_id.emplace(corpus.ids[k], static_cast<int>(k));
      auto it = doc_of_id.find(site->postmortems[i].doc.id);
      if (it != doc_of_id.end()) doc_of_model[i] = it->second;
    }
    similar::Compute(corpus, doc_of_model, all, jobs, site, &job.corpus_hashes,
                     &job.prev_state, &job.rank_state);
    ProfileMark("similar compute");
    job.similar_key = key;
    job.site = site;  // the cache text is made by the writer
    job.write_caches = true;
  }

  ProfileMark("similar done");
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
      if (job.write_caches && !job.term_cache_current)
        WriteTermCache(job.dir, job.corpus, job.corpus_hashes);
      // The term vectors go first: the other two are written without them.
      job.corpus = similar::Corpus();
      job.corpus_hashes = std::vector<std::string>();
      if (job.write_caches) {
        UpdateSimilarCache(job.dir, job.similar_key, *job.site);  // the lines that changed
        WriteRankState(job.dir, job.rank_state);
      }
      job.rank_state = similar::RankState();
      // What the last build indexed, for the plan (PlanFromPrevious).
      job.previous.ids = std::move(job.prev_state.doc_ids);
      job.previous.hashes = std::move(job.prev_state.doc_hashes);
      job.prev_state = similar::RankState();
      ProfileMark("writer: caches");
      {
        std::lock_guard<std::mutex> lock(s->caches_mu);
        s->caches_done = true;
      }
      s->caches_cv.notify_all();
      s->ok = RunWriter(&job, &s->stats, &s->error);
      s->damage = job.damage;
      ProfileMark("writer: index");
      s->job = WriteJob();  // frees the documents before Finish
      s->lock.reset();
    });
  }
  return std::unique_ptr<IndexUpdate>(new IndexUpdate(std::move(state)));
}

bool IndexUpdate::TextNeeded() const { return state_->text_needed; }

void IndexUpdate::WaitForCaches() {
  State& s = *state_;
  if (!s.writer.joinable()) return;  // never started, or already joined
  std::unique_lock<std::mutex> lock(s.caches_mu);
  s.caches_cv.wait(lock, [&] { return s.caches_done; });
}

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
