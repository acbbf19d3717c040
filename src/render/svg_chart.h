// Inline SVG charts, written at build time: vertical (stacked) bars,
// horizontal bars and lines. No JavaScript, no external files, no CSS
// needed: colours, font and sizes are attributes, so a chart reads the same
// on screen, in a feed reader and on paper.
//
// Accessibility: the <svg> has role="img", aria-labelledby pointing at its
// own <title> and aria-describedby at its <desc> (which says in words what
// the chart shows).
// Each bar / point carries a <title> tooltip with its exact value. Axes are
// labelled; stacked charts and line charts get a legend; line series differ
// in dash pattern and marker shape as well as colour (print in black and
// white, colour-blind readers). The numbers themselves belong in a <table>
// next to the chart; the view builds it from the same Chart (see
// FormatValue), so the two always agree.
//
// Category labels that would overlap are turned 45 degrees; when even that
// does not fit, every n-th is shown (the newest always), each category
// keeping a tick mark.
//
// Markup: bars are <rect class="bar" ...> (one per non-zero value), line
// points <... class="point">, lines <path class="line">. Every text from the
// data is XML-escaped; colours go through SanitizeColor. The output is a
// well-formed XML fragment, deterministic (fixed decimal formatting, no
// locale). Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace casebook::render {

enum class ChartKind {
  kBars,            // one vertical bar per category; stacked when several series
  kHorizontalBars,  // one bar per category (first series), labels on the left
  kLines,           // one line per series; gaps where a value is unknown
};

/// How values are written on the axis, in tooltips and in the table.
enum class ValueFormat {
  kCount,     // integers: "3"
  kDuration,  // seconds: "7 min", "2 h 5 min" (util::FormatDuration)
};

struct ChartSeries {
  std::string label;
  std::string color;  // "#rrggbb"; anything else falls back to grey
};

struct Chart {
  ChartKind kind = ChartKind::kBars;
  std::string id;           // unique on the page: ids "<id>-title", "<id>-desc"
  std::string title;
  std::string description;  // for <desc>: what the chart shows, in words
  std::string x_label;      // category axis ("Month")
  std::string y_label;      // value axis ("Postmortems")
  ValueFormat format = ValueFormat::kCount;
  std::vector<std::string> categories;
  std::vector<ChartSeries> series;
  /// values[series][category]; nullopt = unknown (a gap in a line; no bar).
  std::vector<std::vector<std::optional<double>>> values;
  /// Value axis on a log scale (lines of durations spanning minutes to
  /// days). Ticks are round durations; values below the lowest tick (0 s)
  /// are drawn on it; tooltips and the table keep the exact value.
  bool log_scale = false;
  int width = 640;   // viewBox width; the SVG scales to its container
  int height = 280;  // total height (horizontal bars: grows with the rows)
};

/// The chart as an <svg> element.
std::string RenderSvg(const Chart& chart);

/// A value as the chart and its table write it; "–" when unknown.
std::string FormatValue(ValueFormat format, const std::optional<double>& value);

/// How many <rect class="bar"> RenderSvg draws (non-zero known values; for
/// horizontal bars only the first series). For tests and descriptions.
size_t BarCount(const Chart& chart);

}  // namespace casebook::render
