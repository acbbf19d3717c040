// The Markdown renderer (cmark-gfm with casebook's extensions): body pages
// with headings, anchors, links to other postmortems and [[id]]s, inline
// fragments and sections. Safe mode must hold for every input: no raw
// <script>/<iframe> and no javascript: link reaches the HTML.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "markdown/markdown.h"

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return s;
}

void CheckSafe(const std::string& html) {
  const std::string low = Lower(html);
  for (const char* bad : {"<script", "<iframe", "href=\"javascript:", "src=\"javascript:",
                          "href=\"vbscript:"}) {
    if (low.find(bad) != std::string::npos) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  casebook::markdown::Init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace md = casebook::markdown;
  const std::string text(reinterpret_cast<const char*>(data), size);
  md::Options options;
  options.line_offset = 7;
  // Resolves ids and paths that start with a letter, like an archive would
  // for the postmortems it has; the rest stay unresolved (and reported).
  options.resolver = [](const std::string& target, bool wiki) -> std::optional<std::string> {
    if (target.empty() || !std::isalpha(static_cast<unsigned char>(target[0]))) return std::nullopt;
    return std::string(wiki ? "/postmortems/" : "/p/") + target + "/";
  };
  md::Rendered page = md::Render(text, options);
  CheckSafe(page.html);
  CheckSafe(md::RenderInline(text, options));
  (void)md::SectionMarkdown(text, "Lessons learned");
  return 0;
}
