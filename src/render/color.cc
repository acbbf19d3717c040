#include "render/color.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace casebook::render {

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

double Channel(int v) {
  double c = v / 255.0;
  return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

double Luminance(std::string_view hex) {
  if (hex.size() != 7) return 0;
  int rgb[3];
  for (int i = 0; i < 3; ++i) {
    rgb[i] = HexDigit(hex[1 + 2 * i]) * 16 + HexDigit(hex[2 + 2 * i]);
  }
  return 0.2126 * Channel(rgb[0]) + 0.7152 * Channel(rgb[1]) + 0.0722 * Channel(rgb[2]);
}

}  // namespace

std::string SanitizeColor(std::string_view color, std::string_view fallback) {
  while (!color.empty() && color.front() == ' ') color.remove_prefix(1);
  while (!color.empty() && color.back() == ' ') color.remove_suffix(1);
  if ((color.size() != 4 && color.size() != 7) || color[0] != '#') {
    return std::string(fallback);
  }
  for (size_t i = 1; i < color.size(); ++i) {
    if (HexDigit(color[i]) < 0) return std::string(fallback);
  }
  std::string out = "#";
  for (size_t i = 1; i < color.size(); ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(color[i])));
    out += c;
    if (color.size() == 4) out += c;
  }
  return out;
}

double ContrastRatio(std::string_view a, std::string_view b) {
  double la = Luminance(a), lb = Luminance(b);
  if (la < lb) std::swap(la, lb);
  return (la + 0.05) / (lb + 0.05);
}

std::string TextColorOn(std::string_view background) {
  return ContrastRatio(background, "#ffffff") >= ContrastRatio(background, "#111111")
             ? "#ffffff"
             : "#111111";
}

}  // namespace casebook::render
