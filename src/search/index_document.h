// Internal to src/search: one postmortem -> one Xapian document (terms,
// values and data as schema.h describes), and the content hash that decides
// whether it must be re-indexed. Used by index_builder.cc only. Forward-
// declares the Xapian types it needs (xapian.h stays in .cc files). Pure
// functions; thread-safe given one TermGenerator per thread.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "model/postmortem.h"

namespace Xapian {
class Document;
class TermGenerator;
}  // namespace Xapian

namespace casebook::search {

/// Everything one postmortem contributes, worked out once.
struct IndexFields {
  const model::Postmortem* pm = nullptr;
  std::string date;            // "2023-04-05" or ""
  std::string severity_label;  // from site.toml, else the name
  std::vector<std::pair<std::string, std::vector<std::string>>> taxonomies;
  std::string hash;  // of everything above and every indexed text
};

/// tags, services, severity, then the other configured taxonomy keys.
std::vector<std::string> IndexedTaxonomies(const config::SiteConfig* cfg);

IndexFields DescribeForIndex(const model::Postmortem& pm, const config::SiteConfig* cfg,
                             const std::vector<std::string>& taxonomy_keys);

/// The document. `tg` must stem with STEM_ALL_Z (see schema.h).
Xapian::Document MakeDocument(const IndexFields& f, Xapian::TermGenerator& tg);

/// A TermGenerator set up as the index needs it (English, STEM_ALL_Z).
void ConfigureTermGenerator(Xapian::TermGenerator* tg);

/// MakeDocument for a list, in order. With `threaded`, a second thread makes
/// the documents while the caller writes them to the database (making and
/// writing take similar time, so a full build finishes sooner on 2 cores).
/// Next() rethrows what making a document threw. Destroying the pipeline
/// early stops and joins the thread. One consumer thread only.
class DocumentPipeline {
 public:
  DocumentPipeline(std::vector<const IndexFields*> items, bool threaded);
  ~DocumentPipeline();
  DocumentPipeline(const DocumentPipeline&) = delete;
  DocumentPipeline& operator=(const DocumentPipeline&) = delete;

  /// The next document and its fields; false after the last one.
  bool Next(Xapian::Document* doc, const IndexFields** fields);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace casebook::search
