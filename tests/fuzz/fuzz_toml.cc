// TOML front matter alone (the text between the "+++" fences): toml++ into
// the neutral FmNode tree, then the FORMAT.md typing rules. No input may
// crash, hang or blow up memory.
#include <cstdint>
#include <string>

#include "content/front_matter.h"
#include "util/diagnostics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace internal = casebook::content::internal;
  const std::string block(reinterpret_cast<const char*>(data), size);
  internal::FmNode root;
  casebook::util::Diagnostics diags;
  if (internal::ParseTomlBlock(block, 2, "fuzz.md", &root, &diags)) {
    casebook::content::Document doc;
    internal::ApplyFrontMatter(root, 0, "fuzz.md", &doc, &diags);
    (void)internal::ToValue(root);
  }
  return 0;
}
