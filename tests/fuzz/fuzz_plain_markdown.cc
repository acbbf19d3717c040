// What the loader reads from a Markdown body itself (plain Markdown without
// front matter): the first "# " heading, a zone named in the text, the
// "## Timeline" section's rows and items, "Time to ..." figures.
#include <cstdint>
#include <string>
#include <string_view>

#include "content/plain_markdown.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace internal = casebook::content::internal;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  int line = 0;
  (void)internal::FirstHeading(body, &line);
  (void)internal::ZoneInText(body);
  (void)internal::ExtractTimeline(body, 1, 60);
  (void)internal::ExtractFigures(body, 1);
  return 0;
}
