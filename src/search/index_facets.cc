// AssignFacetIds (index_writer.h): the facet ids of the documents an
// update writes, in the dictionary the index keeps (facets.h).
#include <xapian.h>

#include "search/facets.h"
#include "search/index_writer.h"
#include "search/schema.h"

namespace casebook::search {

namespace sc = schema;

void AssignFacetIds(WriteJob* job) {
  FacetDictionary dict;
  const std::optional<int> current = sc::ReadCurrentVersion(job->dir);
  if (job->inspected && !job->rebuild && current) {
    const std::string version = sc::VersionDir(job->dir, *current);
    try {
      Xapian::Database db(version);
      if (!dict.Decode(db.get_metadata(sc::kMetaFacets))) {
        job->rebuild = true;
        job->damage = version + " has no readable facet dictionary (" + sc::kMetaFacets + ")";
      }
    } catch (const Xapian::Error& e) {
      dict = FacetDictionary();
      job->rebuild = true;
      job->damage = version + " cannot be read (" + e.get_description() + ")";
    }
  }
  for (auto& f : job->fields) {
    const content::Document& d = f.pm->doc;
    f.facet_ids = dict.EncodeDocument(d.severity, d.tags, d.services);
  }
  job->facet_dictionary = dict.Encode();
  job->facets_assigned = true;
}

}  // namespace casebook::search
