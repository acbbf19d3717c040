// One postmortem -> one Xapian document: see index_document.h and schema.h.
#include "search/index_document.h"

#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "search/facets.h"
#include "search/schema.h"
#include "util/datetime.h"
#include "util/text.h"

namespace casebook::search {
namespace {

namespace sc = schema;

/// Adds the spelling words of `text` (lower-cased runs of word characters,
/// 2 to 40 bytes, no digits) to `words` (unsorted, with repeats).
void AddSpellingWords(const std::string& text, std::vector<std::string>* words) {
  std::string word;
  bool digit = false;
  auto flush = [&] {
    if (!digit && word.size() >= 2 && word.size() <= 40) words->push_back(word);
    word.clear();
    digit = false;
  };
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {  // ASCII fast path
      ++i;
      if (std::isalnum(c) || c == '_') {
        if (c <= '9' && c >= '0') digit = true;
        word += static_cast<char>(std::tolower(c));
      } else if (!word.empty()) {
        flush();
      }
      continue;
    }
    Xapian::Utf8Iterator it(text.data() + i, text.size() - i);
    unsigned ch = *it;
    ++it;
    i = static_cast<size_t>(it.raw() - text.data());
    if (Xapian::Unicode::is_wordchar(ch)) {
      Xapian::Unicode::append_utf8(word, Xapian::Unicode::tolower(ch));
    } else if (!word.empty()) {
      flush();
    }
  }
  if (!word.empty()) flush();
}

std::string SpellingWords(const IndexFields& f) {
  const content::Document& d = f.pm->doc;
  std::vector<std::string> words;
  for (const std::string* s :
       std::initializer_list<const std::string*>{&d.title, &d.summary, &f.pm->body.plain_text})
    AddSpellingWords(*s, &words);
  if (!d.timeline_from_body)
    for (const auto& e : d.timeline) AddSpellingWords(e.text, &words);
  for (const auto& a : d.actions) AddSpellingWords(a.text, &words);
  for (const auto& [key, values] : f.taxonomies)
    for (const auto& v : values) AddSpellingWords(v, &words);
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return util::Join(words, " ");
}

}  // namespace

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

  sc::Hasher h;
  h.Add(int64_t{sc::kVersion});
  for (const std::string* s : std::initializer_list<const std::string*>{
           &d.id, &pm.url, &d.relative_path, &d.title, &d.summary, &pm.body.plain_text, &d.status,
           &f.date, &f.severity_label})
    h.Add(*s);
  h.Add(int64_t{pm.severity_rank});
  h.Add(pm.durations.resolve.value_or(-1));
  h.Add(int64_t{d.timeline_from_body});
  for (const auto& e : d.timeline) h.Add(e.text);
  for (const auto& a : d.actions) {
    h.Add(a.text);
    h.Add(a.owner);
    h.Add(a.status);
  }
  for (const auto& [key, values] : f.taxonomies) {
    h.Add(key);
    h.Add(static_cast<int64_t>(values.size()));
    for (const auto& v : values) h.Add(v);
  }
  f.hash = h.Hex();
  return f;
}

Xapian::Document MakeDocument(const IndexFields& f, Xapian::TermGenerator& tg) {
  const model::Postmortem& pm = *f.pm;
  const content::Document& d = pm.doc;
  Xapian::Document xd;
  tg.set_document(xd);
  tg.index_text(d.title, 1, sc::kTitlePrefix);
  tg.increase_termpos();
  tg.index_text(d.title, 5);
  tg.increase_termpos();
  tg.index_text(d.summary);
  tg.increase_termpos();
  tg.index_text(pm.body.plain_text);
  if (!d.timeline_from_body) {  // else the body already holds it
    for (const auto& e : d.timeline) {
      tg.increase_termpos();
      tg.index_text(e.text);
    }
  }
  for (const auto& a : d.actions) {
    tg.increase_termpos();
    tg.index_text(a.text);
  }

  xd.add_boolean_term(sc::ClampTerm(sc::kIdPrefix + d.id));
  for (const auto& [key, values] : f.taxonomies) {
    std::string prefix = sc::TaxonomyPrefix(key);
    for (const auto& v : values) {
      xd.add_boolean_term(sc::ClampTerm(prefix + sc::TermValue(v)));
      tg.increase_termpos();
      tg.index_text(v, 2);  // a search for "checkout" finds service:checkout
    }
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
  xd.add_value(sc::kSlotFacets, EncodeFacets(d.severity, d.tags, d.services));
  xd.add_value(sc::kSlotId, d.id);
  xd.add_value(sc::kSlotWords, SpellingWords(f));

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
  data.text += pm.body.plain_text.substr(0, 64 * 1024);
  xd.set_data(sc::EncodeDocData(data));
  // Drop the generator's handle on the document (handles are reference
  // counted without atomics): the caller may hand it to another thread.
  tg.set_document(Xapian::Document());
  return xd;
}

void ConfigureTermGenerator(Xapian::TermGenerator* tg) {
  tg->set_stemmer(Xapian::Stem("en"));
  tg->set_stemming_strategy(Xapian::TermGenerator::STEM_ALL_Z);
}

struct DocumentPipeline::State {
  static constexpr size_t kQueue = 64;
  std::vector<const IndexFields*> items;
  size_t taken = 0;          // by the consumer
  Xapian::TermGenerator tg;  // inline mode only
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Xapian::Document> ready;  // guarded by mu
  size_t made = 0;                     // guarded by mu
  bool stop = false;                   // guarded by mu
  std::exception_ptr error;            // guarded by mu
  std::thread thread;

  void Produce() {
    try {
      Xapian::TermGenerator own;
      ConfigureTermGenerator(&own);
      for (const IndexFields* f : items) {
        Xapian::Document doc = MakeDocument(*f, own);
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stop || ready.size() < kQueue; });
        if (stop) return;
        ready.push_back(std::move(doc));
        ++made;
        cv.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      error = std::current_exception();
      cv.notify_all();
    }
  }
};

DocumentPipeline::DocumentPipeline(std::vector<const IndexFields*> items, bool threaded)
    : state_(std::make_unique<State>()) {
  state_->items = std::move(items);
  ConfigureTermGenerator(&state_->tg);
  if (threaded && state_->items.size() > 1)
    state_->thread = std::thread([s = state_.get()] { s->Produce(); });
}

DocumentPipeline::~DocumentPipeline() {
  if (!state_->thread.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stop = true;
  }
  state_->cv.notify_all();
  state_->thread.join();
}

bool DocumentPipeline::Next(Xapian::Document* doc, const IndexFields** fields) {
  State& s = *state_;
  if (s.taken >= s.items.size()) return false;
  *fields = s.items[s.taken];
  if (!s.thread.joinable()) {
    *doc = MakeDocument(**fields, s.tg);
  } else {
    std::unique_lock<std::mutex> lock(s.mu);
    s.cv.wait(lock, [&] { return !s.ready.empty() || s.error; });
    if (s.ready.empty()) std::rethrow_exception(s.error);
    *doc = std::move(s.ready.front());
    s.ready.pop_front();
    s.cv.notify_all();
  }
  ++s.taken;
  return true;
}

}  // namespace casebook::search
