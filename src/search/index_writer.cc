// The index writer: its four steps in order (index_writer.h).
#include "search/index_writer.h"

#include <xapian.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <stdexcept>
#include <unordered_map>

#include "search/index_folder.h"
#include "search/index_seal.h"
#include "search/schema.h"

namespace casebook::search {

namespace sc = schema;

struct PremadeDocuments::Impl {
  std::mutex mu;
  std::unordered_map<size_t, Xapian::Document> docs;
};

PremadeDocuments::PremadeDocuments() : impl_(std::make_unique<Impl>()) {}
PremadeDocuments::~PremadeDocuments() = default;
PremadeDocuments::PremadeDocuments(PremadeDocuments&&) noexcept = default;
PremadeDocuments& PremadeDocuments::operator=(PremadeDocuments&&) noexcept = default;

void PremadeDocuments::Add(size_t k, Xapian::Document doc) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->docs.emplace(k, std::move(doc));
}

bool PremadeDocuments::Take(size_t k, Xapian::Document* doc) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->docs.find(k);
  if (it == impl_->docs.end()) return false;
  *doc = std::move(it->second);
  impl_->docs.erase(it);
  return true;
}

DocumentSource::DocumentSource(WriteJob* job) : job_(*job) {
  if (const char* env = std::getenv("CASEBOOK_TEST_FAIL_INDEX_AFTER")) fail_after_ = std::atol(env);
}

Xapian::Document DocumentSource::Get(size_t k, DocumentMaker& maker) {
  if (fail_after_ >= 0 && written_++ >= fail_after_)
    throw std::runtime_error("simulated failure (CASEBOOK_TEST_FAIL_INDEX_AFTER)");
  Xapian::Document doc;
  if (!job_.premade.Take(k, &doc)) doc = maker.Make(job_.fields[k]);
  return doc;
}

void ProfileMark(const char* what) {
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

namespace {

/// The steps; throws on errors (the previous index is then intact).
void Run(WriteJob& job, IndexStats& stats) {
  const std::string& dir = job.dir;
  IndexStamps stamps;
  stamps.synonyms_hash = SynonymsHash(job.synonyms);
  stamps.contents_key = ContentsKey(job.fields, stamps.synonyms_hash);
  DocumentSource docs(&job);
  SpellingDelta spelling;

  // 1. Open or recover.
  const std::optional<int> current = sc::ReadCurrentVersion(dir);
  if (!job.inspected) {
    job.rebuild = !InspectIndex(dir, &job.damage);
    job.inspected = true;
  }
  if (!job.facets_assigned) AssignFacetIds(&job);
  stamps.facet_dictionary = job.facet_dictionary;
  if (!job.prebuilt.empty()) {  // Start found no usable index and wrote the shards
    if (current) RemoveVersionsExcept(dir, *current, -1);
    stats.added = static_cast<int>(job.fields.size());
    WriteNewVersion(job, docs, current, stamps, &spelling);
    return;
  }

  // 2. Plan.
  std::optional<Plan> plan;
  if (current && !job.rebuild) {
    try {
      Xapian::Database db(sc::VersionDir(dir, *current));
      // What the last build recorded it indexed, when the version is that
      // (a few changes: no need to read every document's hash).
      if (db.get_metadata(sc::kMetaContents) != stamps.contents_key)
        plan = PlanFromPrevious(db, job.fields, job.previous, stamps.synonyms_hash);
      if (!plan) plan = MakePlan(db, job.fields, stamps.synonyms_hash, stamps.contents_key);
    } catch (const Xapian::Error& e) {
      // Unreadable: rebuild from scratch below.
      job.damage = sc::VersionDir(dir, *current) + " cannot be read (" + e.get_description() + ")";
    }
  }
  ProfileMark("writer: plan");
  // Older versions (kept by the last swap for readers that had them open;
  // they have had a whole build to move on) and leftovers of failed builds.
  if (current) RemoveVersionsExcept(dir, *current, -1);
  RemoveTemporaryDir(dir);
  if (plan && plan->Empty()) {
    stats.unchanged = plan->unchanged;
    return;  // nothing written
  }
  if (!plan) plan = AddEverything(job.fields.size());
  stats.added = static_cast<int>(plan->add.size());
  stats.updated = static_cast<int>(plan->update.size());
  stats.deleted = static_cast<int>(plan->remove.size());
  stats.unchanged = plan->unchanged;

  // 3. Update in place.
  if (current && plan->unchanged > 0 && plan->Changes() <= kMaxInPlace) {
    const std::string version = sc::VersionDir(dir, *current);
    try {
      UpdateInPlace(version, *plan, job, docs, stamps, &spelling);
      ProfileMark("writer: in place");
      ResealVersion(version);
      ProfileMark("writer: seal");
      return;
    } catch (const Xapian::DatabaseCorruptError& e) {
      // Damage the reads before did not touch: the version is set aside
      // (removed by the next build) and a whole new one written.
      job.damage = version + " cannot be updated (" + e.get_description() + ")";
      spelling.clear();
      stats = IndexStats{};
      stats.added = static_cast<int>(job.fields.size());
    }
  }

  // 4. New version.
  WriteNewVersion(job, docs, current, stamps, &spelling);
}

}  // namespace

bool RunWriter(WriteJob* job, IndexStats* stats, std::string* error) {
  *stats = IndexStats{};
  try {
    Run(*job, *stats);
    return true;
  } catch (const Xapian::Error& e) {
    *error = e.get_description();
  } catch (const std::exception& e) {
    *error = e.what();
  }
  *stats = IndexStats{};
  return false;
}

}  // namespace casebook::search
