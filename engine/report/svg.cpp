#include "engine/report/svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace sectorsim::report {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string coord(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

double text_width(std::string_view text, double size) {
  double width = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t code = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; k < length && i + k < text.size(); ++k)
      code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    width += code >= 0x2E80 ? size : 0.58 * size;  // CJK and fullwidth forms start at U+2E80
    i += length;
  }
  return width;
}

int decimals_for(double scale) {
  scale = std::fabs(scale);
  if (!(scale > 0) || !std::isfinite(scale)) return 0;
  return std::clamp(static_cast<int>(-std::floor(std::log10(scale) + 1e-9)), 0, 6);
}

namespace {

// Liang–Barsky: whether the segment a-b meets `box`.
bool segment_meets(const Point& a, const Point& b, const Box& box) {
  const double dx = b.first - a.first, dy = b.second - a.second;
  double t0 = 0, t1 = 1;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {a.first - box.x0, box.x1 - a.first, a.second - box.y0, box.y1 - a.second};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return false;  // parallel to this edge and outside it
      continue;
    }
    const double t = q[i] / p[i];
    if (p[i] < 0) {
      t0 = std::max(t0, t);
    } else {
      t1 = std::min(t1, t);
    }
    if (t0 > t1) return false;
  }
  return true;
}

}  // namespace

bool crosses(const std::vector<Point>& points, const Box& box) {
  if (points.size() == 1) return segment_meets(points[0], points[0], box);
  for (std::size_t i = 1; i < points.size(); ++i) {
    if (segment_meets(points[i - 1], points[i], box)) return true;
  }
  return false;
}

Box text_box(const Spot& spot, double width, double size) {
  // Fonts measure wider than text_width() for digits and narrower for CJK;
  // pad by a tenth and by the 3 px halo (1.5 px a side) and a pixel more.
  const double w = width * 1.1;
  const double x0 = spot.anchor == "middle" ? spot.x - w / 2
                    : spot.anchor == "end"  ? spot.x - w
                                            : spot.x;
  const double pad = 2.5;
  return Box{x0, spot.y - 1.05 * size, x0 + w, spot.y + 0.3 * size}.inflated(pad);
}

std::size_t place_label(const std::vector<Spot>& spots, double width, double size,
                        const Box& bounds, const std::vector<Box>& avoid,
                        const std::vector<std::vector<Point>>& lines) {
  std::size_t best = 0;
  std::size_t best_hits = std::numeric_limits<std::size_t>::max();
  for (std::size_t i = 0; i < spots.size(); ++i) {
    const Box box = text_box(spots[i], width, size);
    if (!bounds.contains(box)) continue;
    std::size_t hits = 0;
    for (const Box& other : avoid)
      hits += box.intersects(other) ? 1 : 0;
    for (const std::vector<Point>& line : lines)
      hits += crosses(line, box) ? 1 : 0;
    if (hits == 0) return i;
    if (hits < best_hits) best = i, best_hits = hits;
  }
  return best;
}

Svg::Svg(std::string_view kind, const std::string& id, double width, double height,
         std::string_view title, std::string_view description) {
  out_ = "<svg class=\"chart\" viewBox=\"0 0 " + coord(width) + " " + coord(height) +
         "\" role=\"img\" data-chart=\"" + escape(kind) + "\" aria-labelledby=\"" + id + "-t " +
         id + "-d\"><title id=\"" + id + "-t\">" + escape(title) + "</title><desc id=\"" + id +
         "-d\">" + escape(description) + "</desc>";
}

namespace {

std::string fill_attribute(std::string_view fill) {
  return fill.empty() ? "" : " fill=\"" + std::string(fill) + "\"";
}

}  // namespace

void Svg::line(double x1, double y1, double x2, double y2, std::string_view cls) {
  out_ += "<line class=\"" + std::string(cls) + "\" x1=\"" + coord(x1) + "\" y1=\"" + coord(y1) +
          "\" x2=\"" + coord(x2) + "\" y2=\"" + coord(y2) + "\"/>";
}

void Svg::rect(double x, double y, double w, double h, std::string_view cls,
               std::string_view fill) {
  out_ += "<rect class=\"" + std::string(cls) + "\" x=\"" + coord(x) + "\" y=\"" + coord(y) +
          "\" width=\"" + coord(std::max(w, 0.0)) + "\" height=\"" + coord(std::max(h, 0.0)) +
          "\"" + fill_attribute(fill) + "/>";
}

void Svg::circle(double cx, double cy, double r, std::string_view cls, std::string_view fill) {
  out_ += "<circle class=\"" + std::string(cls) + "\" cx=\"" + coord(cx) + "\" cy=\"" + coord(cy) +
          "\" r=\"" + coord(r) + "\"" + fill_attribute(fill) + "/>";
}

void Svg::path(const std::string& d, std::string_view cls) {
  out_ += "<path class=\"" + std::string(cls) + "\" d=\"" + d + "\"/>";
}

void Svg::text_html(double x, double y, const std::string& content, std::string_view cls,
                    std::string_view anchor) {
  out_ += "<text x=\"" + coord(x) + "\" y=\"" + coord(y) + "\"";
  if (!cls.empty()) out_ += " class=\"" + std::string(cls) + "\"";
  if (anchor != "start") out_ += " text-anchor=\"" + std::string(anchor) + "\"";
  out_ += ">" + content + "</text>";
}

void Svg::text(double x, double y, std::string_view content, std::string_view cls,
               std::string_view anchor) {
  text_html(x, y, escape(content), cls, anchor);
}

std::string Svg::finish() {
  std::string out = std::move(out_) + "</svg>";
  out_.clear();
  return out;
}

Ticks nice_ticks(double lo, double hi, int target, double min_step) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  Ticks t;
  t.step = std::max((f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude, min_step);
  t.lo = std::floor(lo / t.step + 1e-9) * t.step;
  t.hi = std::ceil(hi / t.step - 1e-9) * t.step;
  const int n = static_cast<int>(std::lround((t.hi - t.lo) / t.step));
  for (int k = 0; k <= n; ++k)
    t.values.push_back(t.lo + k * t.step);
  t.decimals = decimals_for(t.step);
  return t;
}

void value_axis(Svg& svg, const Ticks& ticks, const Scale& scale, bool vertical, double from,
                double to, TickLabel label, std::string_view title) {
  if (!vertical && !title.empty()) {
    svg.text((scale.p0 + scale.p1) / 2, to + 34, title, "muted", "middle");
  }
  for (const double v : ticks.values) {
    const double p = scale(v);
    const bool zero = std::fabs(v) < ticks.step * 1e-9;
    if (vertical) {
      svg.line(from, p, to, p, zero ? "grid zero" : "grid");
      svg.text(from - 6, p + 4, label(v, ticks.decimals), "tick", "end");
    } else {
      svg.line(p, from, p, to, zero ? "grid zero" : "grid");
      svg.text(p, to + 14, label(v, ticks.decimals), "tick", "middle");
    }
  }
}

std::string polyline(const std::vector<Point>& points) {
  std::string d;
  for (std::size_t i = 0; i < points.size(); ++i)
    d += (i == 0 ? "M" : "L") + coord(points[i].first) + "," + coord(points[i].second);
  return d;
}

void band(Svg& svg, const std::vector<double>& xs, const std::vector<double>& lo,
          const std::vector<double>& hi, std::string_view cls) {
  std::string d;
  for (std::size_t i = 0; i < xs.size(); ++i)
    d += (i == 0 ? "M" : "L") + coord(xs[i]) + "," + coord(hi[i]);
  for (std::size_t i = xs.size(); i-- > 0;)
    d += "L" + coord(xs[i]) + "," + coord(lo[i]);
  svg.path(d + "Z", cls);
}

void whisker(Svg& svg, double x0, double x1, double y, std::string_view cls) {
  svg.line(x0, y, x1, y, cls);
  svg.line(x0, y - 4, x0, y + 4, cls);
  svg.line(x1, y - 4, x1, y + 4, cls);
}

std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return std::isnan(v) ? "n/a" : (v > 0 ? "∞" : "−∞");
  char buffer[64];
  if (std::fabs(v) >= 1e15) {
    std::snprintf(buffer, sizeof buffer, "%.3g", v);
    return buffer;
  }
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, std::fabs(v));
  std::string digits = buffer;
  const std::size_t point = std::min(digits.find('.'), digits.size());
  for (std::size_t i = point; i > 3; i -= 3)
    digits.insert(i - 3, ",");
  const bool negative = v < 0 && digits.find_first_not_of("0.,") != std::string::npos;
  return (negative ? "−" : "") + digits;
}

std::string signed_fixed(double v, int decimals) {
  const std::string text = fixed(v, decimals);
  return (v >= 0 && std::isfinite(v) ? "+" : "") + text;
}

}  // namespace sectorsim::report
