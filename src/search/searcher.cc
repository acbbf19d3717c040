// Searcher implementation: matching, facets, snippets (query parsing is in
// query_parsing.cc). See searcher.h for the contract and schema.h
// for the index layout.
#include "search/searcher.h"

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "search/facets.h"
#include "search/query_parsing.h"
#include "search/schema.h"
#include "util/text.h"

namespace casebook::search {

namespace sc = schema;

namespace {

/// A plain query whose words all match fewer postmortems than this is
/// relaxed (see Searcher::Impl::Try).
constexpr Xapian::doccount kEnough = 3;
/// What each matched word adds to a postmortem's weight (a coordination
/// boost): about what one rare word weighs under BM25, so a postmortem with
/// more of the words ranks first unless the others are much rarer. Chosen
/// with scripts/relevance: 100 (strictly by count) scored MRR 0.943, 10
/// scored 0.963, 1 scored 0.943.
constexpr double kCoordination = 10.0;

/// Above this many matches (Xapian's estimate from term frequencies, before
/// matching), a plain query's boosts (title words, words close together)
/// are applied only to the kCandidates best matches by BM25 instead of to
/// every match: checking a NEAR or a title term for each of 50,000 matches
/// was most of a search's time at 100,000 postmortems. The total and the
/// facets still count every match. Below it, everything is as it was.
constexpr Xapian::doccount kBoostEveryMatchUpTo = 2000;
constexpr Xapian::doccount kCandidates = kBoostEveryMatchUpTo;
/// Above kBoostEveryMatchUpTo matches, a one-off search reads the facet
/// values of about this many of them (every n-th) and scales the counts up:
/// SearchResult::facets_estimated.
constexpr Xapian::doccount kFacetSample = 2000;

/// The given documents (sorted docids), weight `weight` (0: restricts a
/// query to a set of candidates with OP_FILTER). `of`: how many to tell
/// Xapian there are (at least ids.size()), so that a query over a part of
/// the candidates has the shape, and so the weights to their last bits, it
/// has over all of them (Xapian orders an AND's parts by frequency).
class DocidSet : public Xapian::PostingSource {
 public:
  explicit DocidSet(std::vector<Xapian::docid> ids) : DocidSet(ids, ids.size()) {}
  DocidSet(std::vector<Xapian::docid> ids, Xapian::doccount of, double weight = 0)
      : ids_(std::move(ids)), of_(std::max<Xapian::doccount>(of, ids_.size())), weight_(weight) {
    if (weight_ > 0) set_maxweight(weight_);
  }
  Xapian::doccount get_termfreq_min() const override { return weight_ > 0 ? 0 : ids_.size(); }
  Xapian::doccount get_termfreq_est() const override { return of_; }
  Xapian::doccount get_termfreq_max() const override { return of_; }
  double get_weight() const override { return weight_; }
  void init(const Xapian::Database&) override { pos_ = 0, started_ = false; }
  void next(double) override {
    if (started_) ++pos_;
    started_ = true;
  }
  void skip_to(Xapian::docid did, double) override {
    started_ = true;
    pos_ = std::lower_bound(ids_.begin() + pos_, ids_.end(), did) - ids_.begin();
  }
  bool at_end() const override { return pos_ >= ids_.size(); }
  Xapian::docid get_docid() const override { return ids_[pos_]; }
  Xapian::PostingSource* clone() const override { return new DocidSet(ids_, of_, weight_); }
  std::string get_description() const override { return "casebook.DocidSet"; }

 private:
  std::vector<Xapian::docid> ids_;
  Xapian::doccount of_;
  double weight_;
  size_t pos_ = 0;
  bool started_ = false;
};

/// Which items of an MSet are the page shown (see PageByRelevance).
struct Page {
  Xapian::doccount first = 0, size = 0;
  bool by_id = false;  // Run sorts equal weights by id
  Xapian::doccount total = 0;  // the matches PageByRelevance counted
};

/// `x` rounded to two significant figures (at least 1): how estimates are
/// shown.
int64_t TwoFigures(double x) {
  int64_t unit = 1;
  while (x / unit >= 100) unit *= 10;
  return std::max<int64_t>(1, static_cast<int64_t>(x / unit + 0.5) * unit);
}

/// A sample of fewer matches than this is too small to estimate a total
/// from: every match is counted instead.
constexpr Xapian::doccount kMinSampleMatches = 500;

/// Every `step`-th document id of the database (weight 0): a systematic
/// sample of the archive, filtered with OP_FILTER so a match set can be
/// sampled without visiting every match.
class DocidStride : public Xapian::PostingSource {
 public:
  explicit DocidStride(Xapian::docid step) : step_(std::max<Xapian::docid>(1, step)) {}
  Xapian::doccount get_termfreq_min() const override { return 0; }
  Xapian::doccount get_termfreq_est() const override { return last_ / step_; }
  Xapian::doccount get_termfreq_max() const override { return last_ / step_; }
  void init(const Xapian::Database& db) override { last_ = db.get_lastdocid(), at_ = 0; }
  void next(double) override { at_ += step_; }
  void skip_to(Xapian::docid did, double) override {
    if (at_ < did) at_ = (did + step_ - 1) / step_ * step_;
  }
  bool at_end() const override { return at_ > last_; }
  Xapian::docid get_docid() const override { return at_; }
  Xapian::PostingSource* clone() const override { return new DocidStride(step_); }
  std::string get_description() const override { return "casebook.DocidStride"; }

 private:
  Xapian::docid step_, last_ = 0, at_ = 0;
};

/// Counts severity, tag and service values over every matching document
/// (the matcher calls it for each one): by docid from a loaded FacetTable,
/// or by decoding each match's value (its facet ids) as it goes. Reading a
/// value is most of a one-off search's facet time over tens of
/// thousands of matches, so a spy may be told to read only every
/// `stride`-th match; counts() then scales the sample up to every match
/// (estimated() says so).
class FacetSpy : public Xapian::MatchSpy {
 public:
  explicit FacetSpy(FacetTable* table) : table_(*table), counts_(table->size(), 0) {}
  void SampleEvery(Xapian::doccount stride) { stride_ = std::max<Xapian::doccount>(1, stride); }
  void Reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    seen_ = sampled_ = 0;
  }
  /// The spy was run over a sample of a match set of `total` (DocidStride)
  /// and saw every match of the sample: scale its counts up to `total`.
  void SampledFrom(Xapian::doccount total) {
    if (seen_ > 0 && total > seen_) sampled_ = seen_, seen_ = total, stride_ = 2;
  }
  void operator()(const Xapian::Document& doc, double) override {
    if (seen_++ % stride_ != 0) return;
    ++sampled_;
    if (table_.loaded()) {
      table_.Count(doc.get_docid(), &counts_);
    } else {
      table_.CountValue(doc.get_value(sc::kSlotFacets), &counts_);
    }
  }
  std::string name() const override { return "casebook.FacetSpy"; }
  bool estimated() const { return stride_ > 1 && seen_ > sampled_; }
  /// By facet id: exact, or when estimated, the sample's count scaled to
  /// every match and rounded to two significant figures (at least 1).
  std::vector<int64_t> counts() const {
    if (!estimated()) return counts_;
    std::vector<int64_t> out(counts_.size(), 0);
    for (size_t i = 0; i < counts_.size(); ++i)
      if (counts_[i] > 0) out[i] = TwoFigures(counts_[i] * static_cast<double>(seen_) / sampled_);
    return out;
  }

 private:
  FacetTable& table_;
  std::vector<int64_t> counts_;  // by facet id
  Xapian::doccount stride_ = 1, seen_ = 0, sampled_ = 0;
};

Facet MakeFacet(const FacetTable& table, const FacetSpy& spy, FacetTable::Group group,
                std::string key, std::string label, std::string prefix,
                const std::vector<config::SeverityLevel>& severities) {
  Facet f{std::move(key), std::move(label), std::move(prefix), {}};
  // slug -> (name -> count), so "Checkout API" and "checkout-api" are one value.
  std::map<std::string, std::map<std::string, int64_t>> by_slug;
  const std::vector<int64_t> counts = spy.counts();
  for (uint32_t id = 0; id < counts.size(); ++id)
    if (counts[id] > 0 && table.group(id) == group)
      by_slug[sc::TermValue(table.name(id))][table.name(id)] += counts[id];
  for (const auto& [slug, names] : by_slug) {
    FacetValue v;
    v.slug = slug;
    int64_t best = -1;
    for (const auto& [name, n] : names) {  // the most common spelling wins
      v.count += n;
      if (n > best) best = n, v.name = name;
    }
    f.values.push_back(std::move(v));
  }
  auto rank = [&](const FacetValue& v) {
    for (size_t i = 0; i < severities.size(); ++i)
      if (sc::TermValue(severities[i].name) == v.slug) return static_cast<int>(i);
    return static_cast<int>(severities.size());
  };
  const bool by_rank = !severities.empty();
  std::stable_sort(f.values.begin(), f.values.end(), [&](const FacetValue& a, const FacetValue& b) {
    if (by_rank && rank(a) != rank(b)) return rank(a) < rank(b);
    if (a.count != b.count) return a.count > b.count;
    return a.name < b.name;
  });
  return f;
}

/// Splits MSet::snippet output into plain text and highlight ranges.
void PlainSnippet(const std::string& html, std::string* text, std::vector<Highlight>* hl) {
  static const std::pair<const char*, char> kEntities[] = {
      {"&amp;", '&'},  {"&lt;", '<'},    {"&gt;", '>'},   {"&quot;", '"'},
      {"&#39;", '\''}, {"&#x27;", '\''}, {"&apos;", '\''}};
  size_t mark_start = 0;
  for (size_t i = 0; i < html.size();) {
    if (html.compare(i, 6, "<mark>") == 0) {
      mark_start = text->size();
      i += 6;
      continue;
    }
    if (html.compare(i, 7, "</mark>") == 0) {
      if (text->size() > mark_start) hl->push_back({mark_start, text->size() - mark_start});
      i += 7;
      continue;
    }
    bool decoded = false;
    if (html[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        size_t n = std::char_traits<char>::length(entity);
        if (html.compare(i, n, entity) == 0) {
          *text += c;
          i += n;
          decoded = true;
          break;
        }
      }
    }
    if (!decoded) *text += html[i++];
  }
}

}  // namespace

struct Searcher::Impl {
  std::string dir;
  int version = 0;
  Xapian::Database db;
  Xapian::QueryParser qp;
  std::vector<config::SeverityLevel> severities;
  std::unique_ptr<FacetTable> facets;
  int searches = 0;  // since (re)open

  /// One search reads the facet values of its matches; a second one on the
  /// same revision (a server) loads them all once, for every later search.
  FacetTable& Facets() {
    if (!facets) facets = std::make_unique<FacetTable>(db);
    if (++searches == 2 && !facets->loaded()) facets->Load(db);
    return *facets;
  }
  void Attach() {
    if (db.get_metadata(sc::kMetaSchema) != std::to_string(sc::kVersion))
      throw Xapian::DatabaseVersionError("made by another casebook version");
    qp.set_database(db);
  }
  /// One query run: strict (Try), then relaxed when too few match (Relax).
  struct Attempt {
    ParsedQuery parsed;
    std::unique_ptr<Xapian::Enquire> enquire;  // get_matching_terms needs it
    std::unique_ptr<FacetSpy> spy;
    Xapian::MSet mset;
    Page page;                   // which items of mset are the page
    Xapian::doccount total = 0;  // every match (mset may hold only candidates)
    bool total_estimated = false;
    Xapian::doccount strict_total = 0;
    bool relaxed = false;
    std::vector<std::string> words;
    std::vector<std::vector<std::string>> word_terms;  // the terms of each word
    // What Relax needs: the query with any of the words, and the boosts.
    bool can_relax = false;
    Xapian::Query relaxed_query, boost;
    CloseBoost close;  // the boost in parts (its closeness checked here)
    LooseUnits units;
    /// Too few postmortems have every word, and the query could be relaxed.
    bool WantsRelaxing() const;
  };
  SearchResult Run(const SearchRequest& request);
  /// The strict attempt. `suggest`: spelling suggestions for the query.
  Attempt Try(const std::string& text, const SearchRequest& request, FacetTable& table,
              bool suggest);
  /// When a.WantsRelaxing(): the relaxed attempt replaces *a if it finds more.
  void Relax(Attempt* a, const SearchRequest& request, FacetTable& table);
  Xapian::MSet Match(Xapian::Enquire& enquire, const Xapian::Query& query,
                     const Xapian::Query& boost, const CloseBoost& close,
                     const SearchRequest& request, FacetSpy* spy,
                     Xapian::doccount* total, bool* estimated, Page* page);
  /// How many match `query`, whose best matches are `top`, feeding `spy`:
  /// see "Many matches" in docs/search.md. *estimated when from a sample.
  Xapian::doccount Count(const Xapian::Query& query, const Xapian::MSet& top,
                         Xapian::doccount all, FacetSpy* spy, bool* estimated,
                         Xapian::doccount guess = 0);
};

Searcher::Searcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Searcher::~Searcher() = default;

bool Searcher::IndexExists(const std::string& index_dir) {
  return sc::ReadCurrentVersion(index_dir).has_value();
}

std::unique_ptr<Searcher> Searcher::Open(const std::string& index_dir,
                                         const config::SiteConfig& cfg, std::string* error) {
  std::optional<int> version = sc::ReadCurrentVersion(index_dir);
  if (!version) {
    if (error) *error = "no search index at " + index_dir;
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = index_dir;
  impl->version = *version;
  impl->severities = cfg.severities;
  try {
    impl->db = Xapian::Database(sc::VersionDir(index_dir, *version));
    ConfigureQueryParser(cfg, &impl->qp);
    RegisterIndexedFields(cfg, impl->db, &impl->qp);
    impl->Attach();
  } catch (const Xapian::Error& e) {
    if (error)
      *error = "cannot read the search index at " + index_dir + " (" + e.get_msg() +
               "): run `casebook build` to rebuild it";
    return nullptr;
  }
  return std::unique_ptr<Searcher>(new Searcher(std::move(impl)));
}

bool Searcher::ReopenIfChanged() {
  std::optional<int> version = sc::ReadCurrentVersion(impl_->dir);
  if (!version) return false;
  try {
    if (*version == impl_->version) {  // perhaps an update made in place
      if (!impl_->db.reopen()) return false;
      impl_->facets.reset();
      impl_->searches = 0;
      return true;
    }
    Xapian::Database db(sc::VersionDir(impl_->dir, *version));
    if (db.get_metadata(sc::kMetaSchema) != std::to_string(sc::kVersion)) return false;
    impl_->db = db;
    impl_->qp.set_database(impl_->db);
    impl_->version = *version;
    impl_->facets.reset();
    impl_->searches = 0;
    return true;
  } catch (const Xapian::Error&) {
    return false;
  }
}

int64_t Searcher::DocCount() const { return impl_->db.get_doccount(); }
int Searcher::version() const { return impl_->version; }

std::optional<StoredDocument> Searcher::Find(const std::string& id) const {
  try {
    std::string q = sc::ClampTerm(sc::kIdPrefix + id);
    auto pl = impl_->db.postlist_begin(q);
    if (pl == impl_->db.postlist_end(q)) return std::nullopt;
    Xapian::Document doc = impl_->db.get_document(*pl);
    return StoredDocument{*pl, doc.get_value(sc::kSlotHash), doc.get_data()};
  } catch (const Xapian::Error&) {
    return std::nullopt;
  }
}

SearchResult Searcher::Search(const SearchRequest& request) {
  try {
    try {
      return impl_->Run(request);
    } catch (const Xapian::DatabaseModifiedError&) {
      // An update committed twice since this reader's revision: move on to
      // the newest one and try once more.
      impl_->db.reopen();
      impl_->facets.reset();
      impl_->searches = 0;
      return impl_->Run(request);
    }
  } catch (const Xapian::Error& e) {
    SearchResult r;
    r.ok = false;
    r.query = request.query;
    r.message = "The search index could not be read (" + e.get_msg() +
                "). Run `casebook build` to rebuild it.";
    return r;
  } catch (const std::exception& e) {
    SearchResult r;
    r.ok = false;
    r.query = request.query;
    r.message = std::string("The search failed: ") + e.what();
    return r;
  }
}

namespace {

void SetOrder(Xapian::Enquire& enquire, SortOrder sort) {
  if (sort == SortOrder::kDate) {
    enquire.set_sort_by_value_then_relevance(sc::kSlotDate, true);
  } else {
    enquire.set_sort_by_relevance_then_value(sc::kSlotId, false);
  }
}

/// Whether `q` holds OP_NEAR or OP_PHRASE. Xapian 1.4 prunes such a query
/// wrongly by the weight a short page needs: with the closeness boost (an
/// OP_NEAR, see loose_query.cc) under OP_AND_MAYBE, a candidate could lose
/// its boost when 3 results were asked for and keep it when 5 were, so the
/// first result depended on the page size. Pages of such a query are
/// asked for with every candidate checked (no pruning).
bool HoldsPositional(const Xapian::Query& q) {
  const auto op = q.get_type();
  if (op == Xapian::Query::OP_NEAR || op == Xapian::Query::OP_PHRASE) return true;
  for (size_t i = 0; i < q.get_num_subqueries(); ++i)
    if (HoldsPositional(q.get_subquery(i))) return true;
  return false;
}

/// The page [offset, offset + limit) of the enquire's query by relevance,
/// ties by id (SetOrder), looking at every match (the spy counts them).
/// Asking Xapian for that order makes it read the id of every match (up to
/// 2,000 ids: most of the id value stream at 100,000 postmortems). So ties
/// are taken by docid first, with one item more on each side: when no
/// weight at the page's edges equals the one beyond, the page holds the
/// same postmortems, and only their order among equal weights is left to
/// settle (Run sorts them by id: page->by_id). Else the page is asked for
/// again in Xapian's order (no match spy: it has counted). The weights are
/// the same either way: looking at every match, Xapian prunes nothing.
Xapian::MSet PageByRelevance(Xapian::Enquire& enquire, Xapian::MSet mset, Xapian::doccount offset,
                             Xapian::doccount limit, Xapian::doccount check_at_least,
                             Page* page);

Xapian::MSet PageByRelevance(Xapian::Enquire& enquire, Xapian::doccount offset,
                             Xapian::doccount limit, Xapian::doccount all, bool positional,
                             Page* page) {
  enquire.set_sort_by_relevance();
  Xapian::MSet mset = enquire.get_mset(0, offset + limit + 1, all);
  page->total = mset.get_matches_estimated();
  enquire.clear_matchspies();
  return PageByRelevance(enquire, mset, offset, limit, positional ? all : 0, page);
}

/// The same with `mset`, the first offset + limit + 1 of the enquire's
/// query by relevance, ties by docid, already asked for; if the page must
/// be asked for again, it is with `check_at_least`.
Xapian::MSet PageByRelevance(Xapian::Enquire& enquire, Xapian::MSet mset, Xapian::doccount offset,
                             Xapian::doccount limit, Xapian::doccount check_at_least,
                             Page* page) {
  const Xapian::doccount n = mset.size();
  auto weight = [&](Xapian::doccount i) { return mset[i].get_weight(); };
  const bool clean_top = offset == 0 || n <= offset || weight(offset - 1) != weight(offset);
  const bool clean_bottom =
      limit == 0 || n <= offset + limit || weight(offset + limit - 1) != weight(offset + limit);
  if (clean_top && clean_bottom) {
    page->first = offset;
    page->size = n > offset ? std::min(limit, n - offset) : 0;
    page->by_id = true;
    return mset;
  }
  SetOrder(enquire, SortOrder::kRelevance);
  mset = enquire.get_mset(offset, limit, check_at_least);
  page->first = 0;
  page->size = mset.size();
  page->by_id = false;
  return mset;
}

/// Those of `batch` (sorted docids) whose close.terms are within
/// close.window positions: a bare OP_NEAR filtered to them, unpruned
/// (Xapian reads the positions through one cursor, several times faster
/// than Database::positionlist_begin for each). Bare, OP_NEAR agreed with
/// a check of the positions by hand on every candidate of the bench
/// queries at 100,000; under OP_AND_MAYBE it did not (docs/benchmarks.md).
std::vector<Xapian::docid> CloseAmong(const Xapian::Database& db, const CloseBoost& close,
                                      std::vector<Xapian::docid> batch) {
  std::vector<Xapian::docid> out;
  if (batch.empty()) return out;
  const Xapian::doccount n = batch.size();
  Xapian::Enquire e(db);
  e.set_query(Xapian::Query(
      Xapian::Query::OP_FILTER,
      Xapian::Query(Xapian::Query::OP_NEAR, close.terms.begin(), close.terms.end(), close.window),
      Xapian::Query((new DocidSet(std::move(batch)))->release())));
  e.set_weighting_scheme(Xapian::BoolWeight());
  e.set_docid_order(Xapian::Enquire::ASCENDING);
  const Xapian::MSet m = e.get_mset(0, n, n);
  for (auto it = m.begin(); it != m.end(); ++it) out.push_back(*it);
  std::sort(out.begin(), out.end());
  return out;
}

/// A weight of one query can differ from another query's for the same
/// postmortem in its last bits (Xapian adds the parts in another order):
/// what a bound is widened by.
double Slack(double x) { return std::abs(x) * 1e-9 + 1e-12; }

/// The page [offset, offset + limit) by relevance (ties by id, SetOrder)
/// of `query` AND_MAYBE the boost `close`, among the postmortems of
/// `bounds`: every match of `query` AND_MAYBE close.With(a fixed weight),
/// best first, which weighs each at least as much as the boost can (see
/// CloseBoost). Reading positions is most of a rerank's time, and Xapian
/// 1.4.22's OP_NEAR under OP_AND_MAYBE is both pruned wrongly by the weight
/// a short page needs and, unpruned over 2,000 candidates, credited
/// closeness to postmortems whose words are far apart (docs/benchmarks.md);
/// so closeness is checked here, bare (CloseAmong), and only where it can
/// change the page (a threshold algorithm): the query is run, unpruned,
/// over the best few by bound (or over every match: `every_match`), with
/// closeness credited (a DocidSet of weight close.weight) to those of them
/// found close; then closeness is checked for every postmortem whose bound
/// reaches the weight of the last of the page so far, and the query run
/// again. No postmortem left unchecked can reach the page, so the page
/// depends neither on offset nor limit: it is a slice of one ranking of
/// every postmortem of `bounds`. `every_match`: bounds holds every match,
/// and the query is run over all of them rather than over those checked,
/// which a filter would give other percentages (Xapian counts a filter as
/// a matched part of the query).
Xapian::MSet TopByCloseness(const Xapian::Database& db, Xapian::Enquire& enquire,
                            const Xapian::Query& query, const CloseBoost& close,
                            const Xapian::MSet& bounds, bool every_match,
                            Xapian::doccount offset, Xapian::doccount limit, Page* page) {
  const Xapian::doccount n = bounds.size();
  const Xapian::doccount want = offset + limit;
  std::vector<Xapian::docid> by_bound;
  by_bound.reserve(n);
  for (auto it = bounds.begin(); it != bounds.end(); ++it) by_bound.push_back(*it);
  std::vector<Xapian::docid> found_close;
  Xapian::doccount checked = 0;
  Xapian::doccount to_check = std::min(n, want + std::max<Xapian::doccount>(want, 30));
  const Xapian::doccount check_all = every_match ? db.get_doccount() : n;
  for (;;) {
    std::vector<Xapian::docid> batch(by_bound.begin() + checked, by_bound.begin() + to_check);
    std::sort(batch.begin(), batch.end());
    const std::vector<Xapian::docid> got = CloseAmong(db, close, std::move(batch));
    found_close.insert(found_close.end(), got.begin(), got.end());
    checked = to_check;
    std::vector<Xapian::docid> close_ids = found_close;
    std::sort(close_ids.begin(), close_ids.end());
    const Xapian::Query boosted(Xapian::Query::OP_AND_MAYBE, query,
                                close.With(new DocidSet(std::move(close_ids), n, close.weight)));
    if (every_match) {
      enquire.set_query(boosted);
    } else {
      std::vector<Xapian::docid> ids(by_bound.begin(), by_bound.begin() + checked);
      std::sort(ids.begin(), ids.end());
      enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, boosted,
                                      Xapian::Query((new DocidSet(std::move(ids), n))->release())));
    }
    // Ties by docid (reading every id would cost more than the pass);
    // PageByRelevance settles them.
    enquire.set_sort_by_relevance();
    const Xapian::doccount check = every_match ? check_all : checked;
    Xapian::MSet top = enquire.get_mset(0, want + 1, check);
    // Every postmortem left whose bound reaches the page's last weight.
    Xapian::doccount reach = checked;
    if (top.size() < want) {
      reach = n;
    } else if (want > 0) {
      const double last = top[want - 1].get_weight();
      while (reach < n && bounds[reach].get_weight() + Slack(last) >= last) ++reach;
    }
    if (reach == checked) return PageByRelevance(enquire, top, offset, limit, check, page);
    to_check = reach;
  }
}

/// `q` with every OP_PHRASE and OP_NEAR it holds replaced by OP_AND of the
/// same parts, into *out: an upper bound that reads no positions. A
/// postmortem whose words are in the right places has the same weight
/// under both (each word weighs what it weighs alone), and one where they
/// are not matches the bound only (or with more of it, under OP_OR). False,
/// and *out untouched, when a positional part sits where dropping its check
/// could lower a weight or a match (under NOT, OP_SYNONYM, a weight scale,
/// ...), or when `q` holds none.
bool PositionFreeBound(const Xapian::Query& q, Xapian::Query* out) {
  const auto op = q.get_type();
  const size_t n = q.get_num_subqueries();
  if (op == Xapian::Query::OP_NEAR || op == Xapian::Query::OP_PHRASE) {
    std::vector<Xapian::Query> parts;
    for (size_t i = 0; i < n; ++i) {
      if (HoldsPositional(q.get_subquery(i))) return false;
      parts.push_back(q.get_subquery(i));
    }
    *out = Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
    return true;
  }
  if (!HoldsPositional(q)) return false;
  // Only where more matches and more weight below can only add (AND_NOT:
  // its left side).
  const bool all_sides = op == Xapian::Query::OP_AND || op == Xapian::Query::OP_OR ||
                         op == Xapian::Query::OP_AND_MAYBE || op == Xapian::Query::OP_FILTER;
  if (!all_sides && op != Xapian::Query::OP_AND_NOT) return false;
  std::vector<Xapian::Query> parts;
  for (size_t i = 0; i < n; ++i) {
    const Xapian::Query sub = q.get_subquery(i);
    Xapian::Query bound;
    if (!HoldsPositional(sub)) {
      parts.push_back(sub);
    } else if ((all_sides || i == 0) && PositionFreeBound(sub, &bound)) {
      parts.push_back(bound);
    } else {
      return false;
    }
  }
  *out = Xapian::Query(op, parts.begin(), parts.end());
  return true;
}

/// The page [offset, offset + limit) by relevance (ties by id, SetOrder) of
/// `query`, which holds phrases or OP_NEAR, over more matches than are
/// worth checking every one of: `bound` (PositionFreeBound) ranks them
/// without reading positions, then the query itself is run, unpruned, over
/// the best few by bound (Xapian checks positions only there), four times
/// as many each round until no postmortem left unchecked can reach the
/// page's last weight. So the page is a slice of the one ranking that
/// checking every match gives, with its weights and percentages, at a cost
/// that grows with how rare the phrase is among the postmortems with its
/// words rather than with the number of matches. The few are picked by
/// their id terms (boolean, under OP_FILTER): a DocidSet there would be
/// counted by Xapian 1.4 as a matched part of the query but not as a part,
/// which turns 99% into 100%.
Xapian::MSet TopByPositions(const Xapian::Database& db, Xapian::Enquire& enquire,
                            const Xapian::Query& query, const Xapian::Query& bound,
                            Xapian::doccount offset, Xapian::doccount limit, Page* page) {
  const Xapian::doccount want = offset + limit;
  Xapian::Enquire bounder(db);
  bounder.set_query(bound);
  bounder.set_sort_by_relevance();  // ties by docid
  std::vector<std::string> id_terms;
  Xapian::doccount take = want + std::max<Xapian::doccount>(want, 30);
  for (;;) {
    // The best `take` by bound, and the one after them (pruned: exact).
    const Xapian::MSet bounds = bounder.get_mset(0, take + 1);
    const Xapian::doccount n = std::min(take, bounds.size());
    for (Xapian::doccount i = id_terms.size(); i < n; ++i)
      id_terms.push_back(sc::ClampTerm(
          sc::kIdPrefix + db.get_document(*bounds[i], Xapian::DOC_ASSUME_VALID).get_value(sc::kSlotId)));
    enquire.set_query(Xapian::Query(
        Xapian::Query::OP_FILTER, query,
        Xapian::Query(Xapian::Query::OP_OR, id_terms.begin(), id_terms.begin() + n)));
    enquire.set_sort_by_relevance();
    Xapian::MSet top = enquire.get_mset(0, want + 1, n);
    const bool every = bounds.size() <= take;  // no postmortem left unchecked
    bool settled = every || want == 0;
    if (!settled && top.size() >= want) {
      const double last = top[want - 1].get_weight();
      settled = bounds[take].get_weight() + Slack(last) < last;
    }
    if (settled) return PageByRelevance(enquire, top, offset, limit, n, page);
    take *= 4;
  }
}

}  // namespace

Xapian::MSet Searcher::Impl::Match(Xapian::Enquire& enquire, const Xapian::Query& query,
                                   const Xapian::Query& boost, const CloseBoost& close,
                                   const SearchRequest& request, FacetSpy* spy,
                                   Xapian::doccount* total, bool* estimated, Page* page) {
  const auto offset = static_cast<Xapian::doccount>(request.offset);
  const auto limit = static_cast<Xapian::doccount>(request.limit);
  // Facets and the total need every match, so look at all of them.
  const Xapian::doccount all = db.get_doccount();
  enquire.set_query(query);
  const Xapian::MSet estimated_set = enquire.get_mset(0, 0);
  const Xapian::doccount estimate = estimated_set.get_matches_estimated();
  const bool large = estimate > kBoostEveryMatchUpTo;
  // A server's loaded table counts a match with an array lookup: no need.
  if (large && !(facets && facets->loaded()))
    spy->SampleEvery((estimate + kFacetSample - 1) / kFacetSample);
  // Many matches by relevance (a page within the first kCandidates): count
  // them all (total, facets) with the query alone, then rank its best
  // kCandidates by BM25 (ties by docid) again with the boosts. By date, the
  // boosts would only order postmortems of one date among themselves, so
  // they are left out.
  const bool rerank =
      large && !boost.empty() && request.sort == SortOrder::kRelevance &&
      offset + limit <= kCandidates;
  if (!rerank) {
    const bool unboosted = boost.empty() || (large && request.sort == SortOrder::kDate);
    const Xapian::Query asked =
        unboosted ? query : Xapian::Query(Xapian::Query::OP_AND_MAYBE, query, boost);
    enquire.set_query(asked);
    const bool positional = HoldsPositional(asked);
    SetOrder(enquire, request.sort);
    if (large && !(facets && facets->loaded())) {
      // The page alone, then a sample for the total and facets (Count): a
      // quoted phrase is checked in the sample's matches, not in every one.
      Xapian::Query bound;
      if (positional && request.sort == SortOrder::kRelevance &&
          PositionFreeBound(asked, &bound)) {
        // Phrases checked only where they can make the page; the total
        // and facets from a sample, as for any query over many matches.
        Xapian::MSet mset = TopByPositions(db, enquire, asked, bound, offset, limit, page);
        *total = Count(query, estimated_set, all, spy, estimated,
                       estimated_set.get_matches_upper_bound());
        return mset;
      }
      Xapian::MSet mset = enquire.get_mset(offset, limit, positional ? all : 0);
      page->size = mset.size();
      *total = Count(query, mset, all, spy, estimated);
      return mset;
    }
    enquire.add_matchspy(spy);
    if (request.sort == SortOrder::kRelevance && !close.terms.empty() && !unboosted &&
        !HoldsPositional(query)) {
      // Every match with the boost's bound (no positions; the spy counts
      // them), then closeness checked only where it can change the page.
      enquire.set_query(Xapian::Query(
          Xapian::Query::OP_AND_MAYBE, query,
          close.With(new Xapian::FixedWeightPostingSource(close.weight))));
      enquire.set_sort_by_relevance();
      const Xapian::MSet bounds = enquire.get_mset(0, all, all);
      *total = bounds.get_matches_estimated();
      enquire.clear_matchspies();
      return TopByCloseness(db, enquire, query, close, bounds, true, offset, limit, page);
    }
    if (request.sort == SortOrder::kRelevance) {
      Xapian::MSet mset = PageByRelevance(enquire, offset, limit, all, positional, page);
      *total = page->total;
      return mset;
    }
    Xapian::MSet mset = enquire.get_mset(offset, limit, all);
    page->size = mset.size();
    *total = mset.get_matches_estimated();
    return mset;
  }
  // The candidates alone: without counting every match Xapian skips what
  // cannot reach them (the same top kCandidates as a full pass).
  Xapian::Enquire first(db);
  first.set_query(query);
  Xapian::MSet top = first.get_mset(0, kCandidates, Xapian::doccount{0});
  *total = Count(query, top, all, spy, estimated);
  std::vector<Xapian::docid> ids;
  for (auto it = top.begin(); it != top.end(); ++it) ids.push_back(*it);
  std::sort(ids.begin(), ids.end());
  Xapian::Query candidates((new DocidSet(std::move(ids)))->release());
  if (!close.terms.empty() && !HoldsPositional(query)) {
    // Each candidate's weight with the boost's bound (no positions), then
    // closeness checked only where it can change the page.
    Xapian::Enquire bounder(db);
    bounder.set_query(Xapian::Query(
        Xapian::Query::OP_FILTER,
        Xapian::Query(Xapian::Query::OP_AND_MAYBE, query,
                      close.With(new Xapian::FixedWeightPostingSource(close.weight))),
        candidates));
    bounder.set_sort_by_relevance();
    const Xapian::MSet bounds = bounder.get_mset(0, kCandidates, kCandidates);
    return TopByCloseness(db, enquire, query, close, bounds, false, offset, limit, page);
  }
  enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER,
                                  Xapian::Query(Xapian::Query::OP_AND_MAYBE, query, boost),
                                  candidates));
  // Not PageByRelevance: with few items asked for, Xapian prunes the
  // candidates by the weight the page needs so far, and one more item
  // (or another order of ties) changes how, which can change the weights
  // in their last bits. A closeness boost is never pruned (HoldsPositional).
  SetOrder(enquire, request.sort);
  Xapian::MSet mset = enquire.get_mset(offset, limit, HoldsPositional(boost) ? kCandidates : 0);
  page->size = mset.size();
  return mset;
}

Xapian::doccount Searcher::Impl::Count(const Xapian::Query& query, const Xapian::MSet& top,
                                       Xapian::doccount all, FacetSpy* spy, bool* estimated,
                                       Xapian::doccount guess) {
  const Xapian::doccount low = top.get_matches_lower_bound();
  const Xapian::doccount high = top.get_matches_upper_bound();
  if (!(facets && facets->loaded())) {
    // A one-off search: the matches among every n-th postmortem of the
    // archive (about kFacetSample of them) give the facets, and the total
    // too unless Xapian knows it (one word, or its synonyms).
    if (guess == 0) guess = top.get_matches_estimated();
    Xapian::docid step = std::max<Xapian::docid>(2, (guess + kFacetSample - 1) / kFacetSample);
    auto sample = [&] {
      Xapian::Enquire sampler(db);
      sampler.set_query(Xapian::Query(Xapian::Query::OP_FILTER, query,
                                      Xapian::Query((new DocidStride(step))->release())));
      sampler.set_weighting_scheme(Xapian::BoolWeight());
      spy->Reset();
      spy->SampleEvery(1);
      sampler.add_matchspy(spy);
      return sampler.get_mset(0, 0, all).get_matches_estimated();
    };
    Xapian::doccount in_sample = sample();
    if (low != high && in_sample > 0 && in_sample < kMinSampleMatches && HoldsPositional(query)) {
      // Counting every match of a phrase reads the positions of every
      // postmortem with its words: first a denser sample, aiming at half
      // as many again as the least that is enough.
      const Xapian::docid denser = static_cast<Xapian::docid>(
          static_cast<uint64_t>(step) * in_sample / (kMinSampleMatches + kMinSampleMatches / 2));
      if (denser >= 2) {
        step = denser;
        in_sample = sample();
      }
    }
    if (low == high || in_sample >= kMinSampleMatches) {
      Xapian::doccount n = low;
      if (low != high) {
        // Not clamped to Xapian's bounds: without checking every match,
        // its lower bound is an estimate too.
        n = static_cast<Xapian::doccount>(TwoFigures(static_cast<double>(in_sample) * step));
        *estimated = true;
      }
      spy->SampledFrom(n);
      return n;
    }
    spy->Reset();  // too few in the sample: count them all below
    spy->SampleEvery((guess + kFacetSample - 1) / kFacetSample);
  }
  // Count every match, without weights (the spy counts the facets).
  Xapian::Enquire counter(db);
  counter.set_query(query);
  counter.set_weighting_scheme(Xapian::BoolWeight());
  counter.add_matchspy(spy);
  return counter.get_mset(0, 0, all).get_matches_estimated();
}

bool Searcher::Impl::Attempt::WantsRelaxing() const {
  return strict_total < kEnough && can_relax;
}

Searcher::Impl::Attempt Searcher::Impl::Try(const std::string& text,
                                            const SearchRequest& request, FacetTable& table,
                                            bool suggest) {
  Attempt a;
  Xapian::Query query;
  a.parsed = ParseUserQuery(qp, db, text, &query, suggest);
  // A plain query (words, perhaps with phrases, +word, -word and filters)
  // is built here, with the compound forms of its words; one with boolean
  // operators or brackets is run as the parser read it.
  LooseParts loose = SplitLooseWords(a.parsed.text);
  if (loose.usable && loose.content_words > 0)
    a.can_relax = BuildLooseQueries(qp, db, loose, kCoordination, &query, &a.relaxed_query,
                                    &a.boost, &a.close, &a.units);
  a.enquire = std::make_unique<Xapian::Enquire>(db);
  a.spy = std::make_unique<FacetSpy>(&table);
  a.mset = Match(*a.enquire, query, a.boost, a.close, request, a.spy.get(), &a.total,
                 &a.total_estimated, &a.page);
  a.strict_total = a.total;
  return a;
}

void Searcher::Impl::Relax(Attempt* a, const SearchRequest& request, FacetTable& table) {
  // Too few postmortems have every word: rank every one with some of them,
  // most words first (each word adds kCoordination to its BM25 weight);
  // the explicit rest (phrases, +word, -word, filters) stays strict.
  Attempt b;
  b.parsed = a->parsed;
  b.enquire = std::make_unique<Xapian::Enquire>(db);
  b.spy = std::make_unique<FacetSpy>(&table);
  b.mset = Match(*b.enquire, a->relaxed_query, a->boost, a->close, request, b.spy.get(),
                 &b.total, &b.total_estimated, &b.page);
  b.strict_total = a->strict_total;
  if (b.total <= a->strict_total) return;
  b.relaxed = true;
  b.words = std::move(a->units.words);
  b.word_terms = std::move(a->units.terms);
  *a = std::move(b);
}

SearchResult Searcher::Impl::Run(const SearchRequest& in) {
  SearchRequest request = in;
  request.offset = std::max(0, request.offset);
  request.limit = std::clamp(request.limit, 0, kMaxLimit);
  SearchResult r;
  r.offset = request.offset;
  r.limit = request.limit;

  FacetTable& table = Facets();
  Attempt a = Try(request.query, request, table, /*suggest=*/true);
  r.query = a.parsed.text;
  r.message = a.parsed.message;
  r.corrected_query = a.parsed.corrected;
  r.suggestions = a.parsed.suggestions;
  if (a.strict_total == 0 && !a.parsed.corrected.empty()) {
    // A word matched nothing. Run the correction instead when it finds
    // postmortems with every word, or when the query found none at all,
    // even relaxed. Each is relaxed only when that can decide: the query's
    // relaxed run matters only when the correction has no strict match,
    // and the correction's only then and when the query found nothing.
    Attempt b = Try(a.parsed.corrected, request, table, /*suggest=*/false);
    if (b.strict_total > 0) {
      if (b.WantsRelaxing()) Relax(&b, request, table);
      a = std::move(b);
      r.auto_retried = true;
    } else {
      if (a.WantsRelaxing()) Relax(&a, request, table);
      if (a.total == 0) {
        if (b.WantsRelaxing()) Relax(&b, request, table);
        if (b.total > 0) {
          a = std::move(b);
          r.auto_retried = true;
        }
      }
    }
  } else if (a.WantsRelaxing()) {
    Relax(&a, request, table);
  }
  Xapian::MSet& mset = a.mset;
  FacetSpy* spy = a.spy.get();
  r.relaxed = a.relaxed;
  r.words = a.words;
  r.all_words_total = static_cast<int64_t>(a.strict_total);

  r.total = a.total;
  r.total_estimated = a.total_estimated;
  Xapian::Stem stem("en");
  for (Xapian::doccount i = a.page.first; i < a.page.first + a.page.size; ++i) {
    const Xapian::MSetIterator it = mset[i];
    sc::DocData data;
    Xapian::Document doc = it.get_document();
    sc::DecodeDocData(doc.get_data(), &data);
    SearchHit h;
    h.id = std::move(data.id);
    h.url = std::move(data.url);
    h.title = std::move(data.title);
    h.date = std::move(data.date);
    h.severity = std::move(data.severity);
    h.severity_label = std::move(data.severity_label);
    h.summary = std::move(data.summary);
    h.source_path = std::move(data.source_path);
    h.tags = std::move(data.tags);
    h.services = std::move(data.services);
    // The window with the most query-word weight. Not
    // SNIPPET_BACKGROUND_MODEL: it looks up the frequency of every other
    // word of the text, 5-9 ms of a fresh process's search at 100,000
    // postmortems, for windows that differed little.
    h.snippet_html = mset.snippet(data.text, 240, stem, Xapian::MSet::SNIPPET_EXHAUSTIVE, "<mark>",
                                  "</mark>", "\xE2\x80\xA6");
    PlainSnippet(h.snippet_html, &h.snippet_text, &h.highlights);
    h.percent = it.get_percent();
    h.weight = it.get_weight();
    if (a.relaxed) {
      std::set<std::string> matched(a.enquire->get_matching_terms_begin(it),
                                    a.enquire->get_matching_terms_end(it));
      for (size_t w = 0; w < a.words.size(); ++w) {
        bool has = std::any_of(a.word_terms[w].begin(), a.word_terms[w].end(),
                               [&](const std::string& t) { return matched.count(t) > 0; });
        if (!has) h.missing_words.push_back(a.words[w]);
      }
    }
    r.hits.push_back(std::move(h));
  }
  if (a.page.by_id) {  // equal weights by id, as SetOrder orders them
    std::stable_sort(r.hits.begin(), r.hits.end(), [](const SearchHit& x, const SearchHit& y) {
      if (x.weight != y.weight) return x.weight > y.weight;
      return x.id < y.id;
    });
  }
  r.facets_estimated = spy->estimated();
  r.facets.push_back(MakeFacet(table, *spy, FacetTable::kSeverity, "severity", "Severity",
                               "severity", severities));
  r.facets.push_back(MakeFacet(table, *spy, FacetTable::kTags, "tags", "Tags", "tag", {}));
  r.facets.push_back(
      MakeFacet(table, *spy, FacetTable::kServices, "services", "Services", "service", {}));
  return r;
}

std::string MissingWordsNote(const SearchResult& r, const SearchHit& h) {
  if (!r.relaxed || h.missing_words.empty()) return "";
  return "matching " + std::to_string(r.words.size() - h.missing_words.size()) + " of " +
         std::to_string(r.words.size()) + " words \xE2\x80\x94 missing: " +
         util::Join(h.missing_words, ", ");
}

std::string RelaxedNote(const SearchResult& r) {
  if (!r.relaxed) return "";
  const std::string all = "all " + std::to_string(r.words.size()) + " words";
  if (r.all_words_total <= 0) return "No postmortem has " + all + "; showing those with most of them.";
  const bool one = r.all_words_total == 1;
  return "Only " + std::to_string(r.all_words_total) + (one ? " postmortem has " : " postmortems have ") +
         all + (one ? "; showing it first" : "; showing them first") +
         ", then those with most of the words.";
}

util::Value ToValue(const SearchResult& r) {
  util::Value v = util::Value::MakeMap();
  v["ok"] = r.ok;
  v["query"] = r.query;
  v["total"] = r.total;
  v["total_estimated"] = r.total_estimated;
  v["facets_estimated"] = r.facets_estimated;
  v["offset"] = r.offset;
  v["limit"] = r.limit;
  v["corrected_query"] = r.corrected_query;
  v["suggestions"] = util::Value::Strings(r.suggestions);
  v["auto_retried"] = r.auto_retried;
  v["message"] = r.message;
  v["relaxed"] = r.relaxed;
  v["words"] = util::Value::Strings(r.words);
  if (r.relaxed) {
    v["all_words_total"] = r.all_words_total;
    v["relaxed_note"] = RelaxedNote(r);
  }
  util::Value hits = util::Value::MakeList();
  for (const auto& h : r.hits) {
    util::Value x = util::Value::MakeMap();
    x["id"] = h.id;
    x["url"] = h.url;
    x["title"] = h.title;
    x["date"] = h.date;
    x["severity"] = h.severity;
    x["severity_label"] = h.severity_label;
    x["summary"] = h.summary;
    x["source_path"] = h.source_path;
    x["tags"] = util::Value::Strings(h.tags);
    x["services"] = util::Value::Strings(h.services);
    x["snippet_html"] = h.snippet_html;
    x["snippet_text"] = h.snippet_text;
    util::Value marks = util::Value::MakeList();
    for (const auto& m : h.highlights) {
      util::Value pair = util::Value::MakeList();
      pair.Push(static_cast<int64_t>(m.offset));
      pair.Push(static_cast<int64_t>(m.length));
      marks.Push(std::move(pair));
    }
    x["highlights"] = std::move(marks);
    x["percent"] = h.percent;
    if (r.relaxed) {
      x["matched_words"] = static_cast<int64_t>(r.words.size() - h.missing_words.size());
      x["missing_words"] = util::Value::Strings(h.missing_words);
      x["note"] = MissingWordsNote(r, h);
    }
    hits.Push(std::move(x));
  }
  v["hits"] = std::move(hits);
  util::Value facets = util::Value::MakeMap();
  for (const auto& f : r.facets) {
    util::Value list = util::Value::MakeList();
    for (const auto& fv : f.values) {
      util::Value x = util::Value::MakeMap();
      x["name"] = fv.name;
      x["slug"] = fv.slug;
      x["count"] = fv.count;
      x["query"] = f.prefix + ":" + fv.slug;
      list.Push(std::move(x));
    }
    facets[f.key] = std::move(list);
  }
  v["facets"] = std::move(facets);
  return v;
}

}  // namespace casebook::search
