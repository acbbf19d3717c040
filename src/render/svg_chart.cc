// Inline SVG charts (see svg_chart.h). Layout is computed in viewBox units;
// text widths are estimated (about 7.2 units a character at font-size 12, on the safe side),
// which is enough to place labels and thin out crowded category labels.
#include "render/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "render/color.h"
#include "util/datetime.h"
#include "util/text.h"

namespace casebook::render {

namespace {

constexpr double kCharWidth = 7.2;
constexpr const char* kText = "#1b1f24";
constexpr const char* kMuted = "#555f6b";
constexpr const char* kGrid = "#e6e9ed";
constexpr const char* kAxis = "#8a939e";

/// A coordinate with at most one decimal, locale-free: 12, 12.5, -3.
std::string Num(double v) {
  int64_t tenths = std::llround(v * 10);
  std::string s = tenths < 0 ? "-" : "";
  uint64_t a = static_cast<uint64_t>(tenths < 0 ? -tenths : tenths);
  s += std::to_string(a / 10);
  if (a % 10) s += "." + std::to_string(a % 10);
  return s;
}

std::string Esc(const std::string& s) { return util::XmlEscape(s); }

/// Code points in a UTF-8 string (for width estimates).
size_t Chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

double TextWidth(const std::string& s) { return static_cast<double>(Chars(s)) * kCharWidth; }

/// At most `max` code points, with "…" when cut.
std::string Shorten(const std::string& s, size_t max) {
  if (Chars(s) <= max) return s;
  size_t n = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && n++ == max - 1) break;
  }
  return s.substr(0, i) + "…";
}

std::string SafeId(const std::string& id) {
  std::string out;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    out += ok ? c : '-';
  }
  return out.empty() || !((out[0] >= 'a' && out[0] <= 'z') || (out[0] >= 'A' && out[0] <= 'Z'))
             ? "chart-" + out
             : out;
}

/// The value axis: tick values and where a value sits on it (0..1).
struct Scale {
  std::vector<double> ticks;  // ascending; the first is the axis origin
  bool log = false;
  double lo = 0, top = 1;
  double Pos(double v) const {
    if (!log) return v / top;
    v = std::max(v, lo);
    return (std::log(v) - std::log(lo)) / (std::log(top) - std::log(lo));
  }
};

Scale LinearScale(double max, ValueFormat format) {
  double step;
  if (format == ValueFormat::kDuration) {
    static const double kSteps[] = {10,     15,     30,      60,      120,     300,     600,     900,
                                    1800,   3600,   7200,    10800,   21600,   43200,   86400,   172800,
                                    259200, 604800, 1209600, 2592000, 7776000, 31536000};
    step = kSteps[sizeof kSteps / sizeof kSteps[0] - 1];
    for (double s : kSteps) {
      if (max / s <= 5) {
        step = s;
        break;
      }
    }
  } else if (max <= 5) {
    step = 1;
  } else {
    double raw = max / 5, mag = std::pow(10, std::floor(std::log10(raw)));
    step = mag * 10;
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
      if (m * mag >= raw) {
        step = std::max(1.0, m * mag);
        break;
      }
    }
  }
  Scale sc;
  sc.top = std::max(step, std::ceil(max / step - 1e-9) * step);
  for (int i = 0; i * step <= sc.top + 1e-9; ++i) sc.ticks.push_back(i * step);
  return sc;
}

/// Round durations from the tick below the smallest positive value to the
/// tick above the largest.
Scale LogScale(double min_positive, double max) {
  static const double kTicks[] = {1,     10,    60,     300,    900,    3600,    14400,
                                  43200, 86400, 259200, 604800, 2592000, 7776000, 31536000};
  const size_t n = sizeof kTicks / sizeof kTicks[0];
  size_t lo = 2, hi = 5;  // 1 min .. 1 h when nothing is known
  if (max > 0) {
    lo = 0;
    while (lo + 1 < n && kTicks[lo + 1] <= min_positive) ++lo;
    hi = lo + 1;
    while (hi + 1 < n && kTicks[hi] < max) ++hi;
  }
  Scale sc;
  sc.log = true;
  sc.lo = kTicks[lo];
  sc.top = kTicks[hi];
  for (size_t i = lo; i <= hi; ++i) sc.ticks.push_back(kTicks[i]);
  return sc;
}

std::string Color(const ChartSeries& s) { return SanitizeColor(s.color, "#52606d"); }

std::optional<double> ValueAt(const Chart& c, size_t s, size_t i) {
  if (s >= c.values.size() || i >= c.values[s].size()) return std::nullopt;
  return c.values[s][i];
}

std::string Text(double x, double y, const std::string& text, const char* anchor = "start",
                 const char* fill = kText, const std::string& extra = "") {
  return "<text x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" text-anchor=\"" + anchor + "\" fill=\"" + fill +
         "\"" + extra + ">" + Esc(text) + "</text>\n";
}

std::string Line(double x1, double y1, double x2, double y2, const char* stroke, const char* cls) {
  return "<line class=\"" + std::string(cls) + "\" x1=\"" + Num(x1) + "\" y1=\"" + Num(y1) + "\" x2=\"" +
         Num(x2) + "\" y2=\"" + Num(y2) + "\" stroke=\"" + stroke + "\" stroke-width=\"1\"/>\n";
}

const char* Dash(size_t s) {
  static const char* kDash[] = {"", "7 4", "2 3", "10 3 2 3"};
  return kDash[s % 4];
}

/// A point marker: circle, square, diamond, triangle by series.
std::string Marker(size_t s, double x, double y, const std::string& color, const std::string& tip) {
  std::string shape;
  switch (s % 4) {
    case 0: shape = "<circle class=\"point\" cx=\"" + Num(x) + "\" cy=\"" + Num(y) + "\" r=\"4\""; break;
    case 1:
      shape = "<rect class=\"point\" x=\"" + Num(x - 3.5) + "\" y=\"" + Num(y - 3.5) +
              "\" width=\"7\" height=\"7\"";
      break;
    case 2:
      shape = "<path class=\"point\" d=\"M" + Num(x) + " " + Num(y - 5) + "L" + Num(x + 5) + " " + Num(y) + "L" +
              Num(x) + " " + Num(y + 5) + "L" + Num(x - 5) + " " + Num(y) + "Z\"";
      break;
    default:
      shape = "<path class=\"point\" d=\"M" + Num(x) + " " + Num(y - 5) + "L" + Num(x + 5) + " " + Num(y + 4) +
              "L" + Num(x - 5) + " " + Num(y + 4) + "Z\"";
  }
  return shape + " fill=\"" + color + "\"><title>" + Esc(tip) + "</title></" +
         (s % 4 == 0 ? "circle" : s % 4 == 1 ? "rect" : "path") + ">\n";
}

/// The legend rows from x0 within `width`; returns the markup and sets *rows.
std::string Legend(const Chart& c, double x0, double y0, double width, int* rows) {
  std::string out = "<g class=\"legend\">\n";
  double x = x0, y = y0;
  *rows = 1;
  for (size_t s = 0; s < c.series.size(); ++s) {
    double w = 22 + TextWidth(c.series[s].label) + 16;
    if (x > x0 && x + w > x0 + width) {
      x = x0;
      y += 20;
      ++*rows;
    }
    std::string color = Color(c.series[s]);
    if (c.kind == ChartKind::kLines) {
      out += "<path d=\"M" + Num(x) + " " + Num(y - 4) + "H" + Num(x + 16) + "\" stroke=\"" + color +
             "\" stroke-width=\"2.5\" fill=\"none\"" +
             (*Dash(s) ? std::string(" stroke-dasharray=\"") + Dash(s) + "\"" : "") + "/>\n";
      std::string m = Marker(s, x + 8, y - 4, color, c.series[s].label);
      out += util::ReplaceAll(m, "class=\"point\"", "class=\"legend-key\"");
    } else {
      out += "<rect class=\"legend-key\" x=\"" + Num(x) + "\" y=\"" + Num(y - 10) +
             "\" width=\"12\" height=\"12\" fill=\"" + color + "\"/>\n";
    }
    out += Text(x + 22, y, c.series[s].label);
    x += w;
  }
  return out + "</g>\n";
}

std::string Open(const Chart& c, const std::string& id, double height, const char* kind) {
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart chart-" + std::string(kind) +
                    "\" viewBox=\"0 0 " + std::to_string(c.width) + " " + Num(height) + "\" width=\"" +
                    std::to_string(c.width) + "\" height=\"" + Num(height) +
                    "\" role=\"img\" aria-labelledby=\"" + id + "-title\" aria-describedby=\"" + id +
                    "-desc\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" "
                    "font-size=\"12\">\n";
  out += "<title id=\"" + id + "-title\">" + Esc(c.title) + "</title>\n";
  out += "<desc id=\"" + id + "-desc\">" + Esc(c.description) + "</desc>\n";
  return out;
}

std::vector<std::string> TickLabels(const Scale& sc, ValueFormat f) {
  std::vector<std::string> out;
  for (double v : sc.ticks) out.push_back(FormatValue(f, v));
  return out;
}

std::string VerticalChart(const Chart& c, const std::string& id) {
  const size_t n = c.categories.size();
  const bool lines = c.kind == ChartKind::kLines;
  double max = 0, min_positive = 0;
  for (size_t i = 0; i < n; ++i) {
    double stack = 0;
    for (size_t s = 0; s < c.series.size(); ++s) {
      double v = ValueAt(c, s, i).value_or(0);
      if (v > 0 && (min_positive == 0 || v < min_positive)) min_positive = v;
      if (lines) max = std::max(max, v);
      else stack += std::max(0.0, v);
    }
    max = std::max(max, stack);
  }
  Scale scale = c.log_scale && lines ? LogScale(min_positive, max) : LinearScale(max, c.format);
  std::vector<std::string> ticks = TickLabels(scale, c.format);
  double tick_w = 0;
  for (const auto& t : ticks) tick_w = std::max(tick_w, TextWidth(t));
  const double ml = 22 + tick_w + 8, mr = 12;
  const double plot_w = c.width - ml - mr;
  const double band = n ? plot_w / static_cast<double>(n) : plot_w;
  // Category labels: level when they fit, else turned 45 degrees, else thinned.
  double label_w = 0;
  for (const auto& cat : c.categories) label_w = std::max(label_w, TextWidth(cat));
  const bool turn = label_w + 8 > band;
  const double slot = turn ? 15 : label_w + 8;
  const size_t every = std::max<size_t>(1, static_cast<size_t>(std::ceil(slot / std::max(band, 1.0))));
  const double mb = turn ? 34 + label_w * 0.71 : 44;
  std::string legend;
  int legend_rows = 0;
  if (c.series.size() > 1 || lines) legend = Legend(c, ml, 14, plot_w, &legend_rows);
  const double mt = 12 + legend_rows * 20;
  const double height = c.height + (turn ? mb - 44 : 0), plot_h = height - mt - mb;
  const double base = mt + plot_h;
  auto y_of = [&](double v) { return base - scale.Pos(v) * plot_h; };

  std::string out = Open(c, id, height, lines ? "lines" : "bars") + legend;
  out += "<g class=\"grid\">\n";
  for (size_t t = 0; t < ticks.size(); ++t) {
    double y = y_of(scale.ticks[t]);
    if (t > 0) out += Line(ml, y, ml + plot_w, y, kGrid, "gridline");
    out += Text(ml - 6, y + 4, ticks[t], "end", kMuted);
  }
  out += "</g>\n<g class=\"categories\">\n";
  for (size_t i = 0; i < n; ++i) {
    double x = ml + band * (static_cast<double>(i) + 0.5);
    out += Line(x, base, x, base + 4, kAxis, "tick");
    if ((n - 1 - i) % every) continue;
    if (turn) {
      out += Text(x + 3, base + 12, c.categories[i], "end", kMuted,
                  " transform=\"rotate(-45 " + Num(x + 3) + " " + Num(base + 12) + ")\"");
    } else {
      out += Text(x, base + 16, c.categories[i], "middle", kMuted);
    }
  }
  out += "</g>\n";
  if (n == 0) out += Text(ml + plot_w / 2, mt + plot_h / 2, "No data yet", "middle", kMuted);
  if (!lines) {
    const double bar_w = std::min(48.0, band * 0.72);
    for (size_t i = 0; i < n; ++i) {
      double x = ml + band * static_cast<double>(i) + (band - bar_w) / 2, acc = 0;
      for (size_t s = 0; s < c.series.size(); ++s) {
        double v = ValueAt(c, s, i).value_or(0);
        if (v <= 0) continue;
        double y1 = y_of(acc + v), y0 = y_of(acc);
        std::string tip = c.categories[i] + (c.series.size() > 1 ? " · " + c.series[s].label : "") + ": " +
                          FormatValue(c.format, v);
        out += "<rect class=\"bar\" x=\"" + Num(x) + "\" y=\"" + Num(y1) + "\" width=\"" + Num(bar_w) +
               "\" height=\"" + Num(y0 - y1) + "\" fill=\"" + Color(c.series[s]) + "\"><title>" + Esc(tip) +
               "</title></rect>\n";
        acc += v;
      }
      double label_fit = TextWidth(FormatValue(c.format, acc));
      if (acc > 0 && label_fit <= band + 2) {
        out += Text(x + bar_w / 2, y_of(acc) - 4, FormatValue(c.format, acc), "middle", kText,
                    " class=\"value\"");
      }
    }
  } else {
    for (size_t s = 0; s < c.series.size(); ++s) {
      std::string color = Color(c.series[s]), d, points;
      bool pen = false;
      for (size_t i = 0; i < n; ++i) {
        auto v = ValueAt(c, s, i);
        if (!v) {
          pen = false;
          continue;
        }
        double x = ml + band * (static_cast<double>(i) + 0.5), y = y_of(*v);
        d += (pen ? "L" : "M") + Num(x) + " " + Num(y);
        pen = true;
        points += Marker(s, x, y, color, c.categories[i] + " · " + c.series[s].label + ": " +
                                             FormatValue(c.format, *v));
      }
      if (!d.empty()) {
        out += "<path class=\"line\" d=\"" + d + "\" fill=\"none\" stroke=\"" + color +
               "\" stroke-width=\"2.5\" stroke-linejoin=\"round\"" +
               (*Dash(s) ? std::string(" stroke-dasharray=\"") + Dash(s) + "\"" : "") + "/>\n";
      }
      out += points;
    }
  }
  out += Line(ml, mt, ml, base, kAxis, "axis");
  out += Line(ml, base, ml + plot_w, base, kAxis, "axis");
  out += Text(ml + plot_w / 2, height - 8, c.x_label, "middle", kText, " class=\"axis-label\"");
  out += Text(14, mt + plot_h / 2, c.y_label, "middle", kText,
              " class=\"axis-label\" transform=\"rotate(-90 14 " + Num(mt + plot_h / 2) + ")\"");
  return out + "</svg>";
}

std::string HorizontalChart(const Chart& c, const std::string& id) {
  const size_t n = c.categories.size();
  const double row = 26, mt = 10, mb = 44, mr = 40;
  double max = 0, label_w = 0;
  std::vector<std::string> labels;
  for (size_t i = 0; i < n; ++i) {
    max = std::max(max, ValueAt(c, 0, i).value_or(0));
    labels.push_back(Shorten(c.categories[i], 26));
    label_w = std::max(label_w, TextWidth(labels.back()));
  }
  Scale scale = LinearScale(max, c.format);
  const double ml = std::min(200.0, label_w + 14) + 8;
  const double plot_w = c.width - ml - mr, plot_h = std::max(1.0, static_cast<double>(n)) * row;
  const double height = mt + plot_h + mb, base = mt + plot_h;
  auto x_of = [&](double v) { return ml + scale.Pos(v) * plot_w; };
  std::string color = c.series.empty() ? "#52606d" : Color(c.series[0]);

  std::string out = Open(c, id, height, "hbars");
  out += "<g class=\"grid\">\n";
  std::vector<std::string> ticks = TickLabels(scale, c.format);
  for (size_t t = 0; t < ticks.size(); ++t) {
    double x = x_of(scale.ticks[t]);
    if (t > 0) out += Line(x, mt, x, base, kGrid, "gridline");
    out += Text(x, base + 16, ticks[t], "middle", kMuted);
  }
  out += "</g>\n";
  if (n == 0) out += Text(ml + plot_w / 2, mt + row / 2 + 4, "No data yet", "middle", kMuted);
  for (size_t i = 0; i < n; ++i) {
    double y = mt + row * static_cast<double>(i);
    std::optional<double> v = ValueAt(c, 0, i);
    out += Text(ml - 8, y + row / 2 + 4, labels[i], "end");
    if (!v || *v <= 0) continue;
    std::string tip = c.categories[i] + ": " + FormatValue(c.format, *v);
    out += "<rect class=\"bar\" x=\"" + Num(ml) + "\" y=\"" + Num(y + 4) + "\" width=\"" +
           Num(x_of(*v) - ml) + "\" height=\"" + Num(row - 8) + "\" fill=\"" + color + "\"><title>" +
           Esc(tip) + "</title></rect>\n";
    out += Text(x_of(*v) + 5, y + row / 2 + 4, FormatValue(c.format, *v), "start", kText, " class=\"value\"");
  }
  out += Line(ml, mt, ml, base, kAxis, "axis");
  out += Line(ml, base, ml + plot_w, base, kAxis, "axis");
  out += Text(ml + plot_w / 2, height - 8, c.y_label, "middle", kText, " class=\"axis-label\"");
  return out + "</svg>";
}

}  // namespace

std::string FormatValue(ValueFormat format, const std::optional<double>& value) {
  if (!value) return "–";
  if (format == ValueFormat::kDuration) return util::FormatDuration(std::llround(*value));
  return Num(*value);
}

size_t BarCount(const Chart& c) {
  if (c.kind == ChartKind::kLines) return 0;
  size_t n = 0, series = c.kind == ChartKind::kHorizontalBars ? std::min<size_t>(1, c.series.size())
                                                                : c.series.size();
  for (size_t s = 0; s < series; ++s) {
    for (size_t i = 0; i < c.categories.size(); ++i) {
      auto v = ValueAt(c, s, i);
      if (v && *v > 0) ++n;
    }
  }
  return n;
}

std::string RenderSvg(const Chart& chart) {
  std::string id = SafeId(chart.id);
  return chart.kind == ChartKind::kHorizontalBars ? HorizontalChart(chart, id) : VerticalChart(chart, id);
}

}  // namespace casebook::render
