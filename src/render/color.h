// Badge colours: the severity colour from site.toml, made safe to put in a
// style attribute, and the text colour (near-black or white) that reads best
// on it (WCAG relative luminance). Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace casebook::render {

/// "#rgb" or "#rrggbb" (lowercased, expanded to "#rrggbb"); anything else,
/// including CSS names and injection attempts, gives `fallback`.
std::string SanitizeColor(std::string_view color, std::string_view fallback = "#52606d");

/// "#ffffff" or "#111111", whichever contrasts more with `background`
/// (a sanitized "#rrggbb").
std::string TextColorOn(std::string_view background);

/// WCAG contrast ratio of two "#rrggbb" colours (1.0 .. 21.0).
double ContrastRatio(std::string_view a, std::string_view b);

}  // namespace casebook::render
