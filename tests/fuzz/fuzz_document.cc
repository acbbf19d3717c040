// A whole postmortem file, as the loader reads it: UTF-8 check, front matter
// split (TOML "+++", YAML "---", none), parse, typed fields, and for plain
// Markdown the title / id / date / timeline fallbacks. Every input must give
// a Document or diagnostics, never a crash, and an accepted document always
// has a URL-safe id.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/config.h"
#include "content/loader.h"
#include "util/diagnostics.h"
#include "util/slug.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const casebook::config::SiteConfig cfg = [] {
    casebook::config::SiteConfig c;
    c.severities = casebook::config::DefaultSeverities();
    return c;
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  casebook::content::Document doc;
  casebook::util::Diagnostics diags;
  bool ok = casebook::content::ParseDocument(text, "", "2024/2024-03-12-fuzz.md", cfg, &doc,
                                             &diags);
  if (ok && !casebook::util::IsUrlSafeId(doc.id)) std::abort();
  if (!ok && !diags.HasErrors()) std::abort();  // refused without saying why
  return 0;
}
