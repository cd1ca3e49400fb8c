// SVG primitives of the report's charts: escaping, an element writer, linear
// scales, round ticks, value axes, bands, whiskers, and the placement of
// labels clear of the lines drawn. Charts are sized by their viewBox in user
// units (px at 100% zoom) and scale with the page. Internal to
// sectorsim_report; covered through the report by tests/test_io_compare.cpp
// (IoReport*, IoReportSvg*) and, in a browser, tests/report/check_report.py.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sectorsim::report {

/// `text` escaped for HTML and SVG content and attribute values (& < > " ').
std::string escape(std::string_view text);

/// A coordinate in user units, one decimal: "12.3".
std::string coord(double v);

/// A number for the reader: fixed decimals, thousands separated, a true
/// minus sign ("1,234.5", "−0.25"); "n/a" for NaN, "∞" and "−∞".
std::string fixed(double v, int decimals);
/// fixed() with a "+" before a positive value or zero.
std::string signed_fixed(double v, int decimals);

/// Rough rendered width in px of `text` in a sans-serif font of `size` px:
/// ideographs are square, other characters about 0.58 em.
double text_width(std::string_view text, double size);

/// Decimals enough to tell apart values about `scale` apart or in size (0 to 6).
int decimals_for(double scale);

/// An axis-aligned box in user units (y grows downwards).
struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;

  bool intersects(const Box& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
  bool contains(const Box& o) const { return o.x0 >= x0 && o.x1 <= x1 && o.y0 >= y0 && o.y1 <= y1; }
  Box inflated(double d) const { return {x0 - d, y0 - d, x1 + d, y1 + d}; }
};

/// A point in user units.
using Point = std::pair<double, double>;

/// Whether the polyline through `points` passes through `box` (a vertex inside
/// it, or a segment crossing it).
bool crosses(const std::vector<Point>& points, const Box& box);

/// Where a text may go: its anchor point (baseline) and text-anchor.
struct Spot {
  double x = 0, y = 0;
  std::string_view anchor = "start";  ///< "start", "middle" or "end"
};

/// The box a text of `width` px in a font of `size` px covers at `spot`, as a
/// browser measures it (getBBox: the font's ascent and descent, which exceed
/// the glyphs), padded for the white halo drawn behind labels.
Box text_box(const Spot& spot, double width, double size);

/// Index of the first of `spots` where a label of `width` x `size` px lies
/// inside `bounds` and clear of every box of `avoid` and every polyline of
/// `lines`; where none is clear, the one inside `bounds` that hits the fewest
/// of them (the first spot when none is inside). `spots` must not be empty.
std::size_t place_label(const std::vector<Spot>& spots, double width, double size,
                        const Box& bounds, const std::vector<Box>& avoid,
                        const std::vector<std::vector<Point>>& lines);

/// One inline SVG chart, sized by its viewBox so that it scales with the page,
/// with a <title> and <desc> for screen readers (role="img").
class Svg {
 public:
  /// `kind` becomes data-chart (the chart's kind, counted by the tests); `id`
  /// must be unique in the page.
  Svg(std::string_view kind, const std::string& id, double width, double height,
      std::string_view title, std::string_view description);

  void line(double x1, double y1, double x2, double y2, std::string_view cls);
  /// A rectangle; negative sizes draw nothing visible. `fill` overrides the class's.
  void rect(double x, double y, double w, double h, std::string_view cls,
            std::string_view fill = "");
  void circle(double cx, double cy, double r, std::string_view cls, std::string_view fill = "");
  /// A path with data `d` (built with coord()).
  void path(const std::string& d, std::string_view cls);
  /// Text at (x, y); `content` is markup (escaped text, may hold <tspan>s).
  void text_html(double x, double y, const std::string& content, std::string_view cls = "",
                 std::string_view anchor = "start");
  /// Plain text at (x, y), escaped here.
  void text(double x, double y, std::string_view content, std::string_view cls = "",
            std::string_view anchor = "start");
  /// The finished <svg> element; the Svg is empty afterwards.
  std::string finish();

 private:
  std::string out_;
};

/// A linear map from values [v0, v1] to user units [p0, p1].
struct Scale {
  double v0 = 0, v1 = 1, p0 = 0, p1 = 1;
  double operator()(double v) const { return p0 + (v - v0) / (v1 - v0) * (p1 - p0); }
};

/// Round tick values covering [lo, hi], `step` apart.
struct Ticks {
  double lo = 0, hi = 1, step = 1;
  std::vector<double> values;
  int decimals = 0;  ///< decimals that tell the ticks apart
};

/// About `target` round ticks (steps of 1, 2 or 5 times a power of ten, at
/// least `min_step`) covering [lo, hi]; a degenerate or non-finite range is
/// widened.
Ticks nice_ticks(double lo, double hi, int target, double min_step = 0);

/// Height below a horizontal value axis for its tick labels and title.
inline constexpr double AXIS_SPACE = 40;

/// A tick label: the text of value `v` shown with `decimals` decimals.
using TickLabel = std::string (*)(double v, int decimals);

/// Grid lines, tick labels and title of a value axis. Vertical: values run up
/// the y axis across x in [from, to], labelled left of `from`; otherwise along
/// the x axis across y in [from, to], labelled below `to`, with `title` under
/// the labels.
void value_axis(Svg& svg, const Ticks& ticks, const Scale& scale, bool vertical, double from,
                double to, TickLabel label, std::string_view title = "");

/// Path data of the polyline through `points` ("M x,y L x,y ...").
std::string polyline(const std::vector<Point>& points);

/// A filled band between lo[i] and hi[i] at xs[i].
void band(Svg& svg, const std::vector<double>& xs, const std::vector<double>& lo,
          const std::vector<double>& hi, std::string_view cls);

/// A horizontal interval [x0, x1] at height y, with end caps.
void whisker(Svg& svg, double x0, double x1, double y, std::string_view cls);

}  // namespace sectorsim::report
