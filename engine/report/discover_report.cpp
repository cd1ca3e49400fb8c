#include "engine/report/discover_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "engine/io/discover_io.hpp"
#include "engine/io/format.hpp"
#include "engine/report/report.hpp"
#include "engine/report/svg.hpp"

namespace sectorsim::report {

namespace {

std::string percent_label(double v, int decimals) {
  return fixed(100 * v, std::max(0, decimals - 2)) + "%";
}

std::string pct(double v) {
  return std::isfinite(v) ? fixed(100 * v, 1) + "%" : "–";
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Coverage (x) against density (y) of every step; the chosen one ringed.
std::string trajectory_chart(const core::Discovery& d) {
  const auto& t = d.result.trajectory;
  const double left = 70, right = 860, top = 10, bottom = 300;
  double dlo = 1, dhi = 0;
  for (const auto& b : t) {
    dlo = std::min(dlo, b.density);
    dhi = std::max(dhi, b.density);
  }
  const Ticks xt = nice_ticks(0, 1, 6);
  const Ticks yt = nice_ticks(std::max(0.0, dlo - 0.05), std::min(1.0, dhi + 0.05), 6);
  const Scale x{xt.lo, xt.hi, left, right - 20};
  const Scale y{yt.lo, yt.hi, bottom, top};
  Svg svg("prim-trajectory", "prim-" + d.target, right, bottom + AXIS_SPACE,
          "PRIM peeling trajectory: " + d.target,
          "Coverage (share of the cases inside the box) against density (share of the box's "
          "draws that are cases) after each peel; the chosen box is ringed");
  value_axis(svg, xt, x, false, top, bottom, percent_label, "coverage");
  value_axis(svg, yt, y, true, left, right - 20, percent_label);
  for (std::size_t s = 0; s < t.size(); ++s)
    svg.circle(x(t[s].coverage), y(t[s].density), 3, "", "#6fa2d8");
  const auto& c = t[d.result.chosen];
  svg.circle(x(c.coverage), y(c.density), 7, "paired", "none");
  svg.text(x(c.coverage) + 10, y(c.density) - 8, "step " + std::to_string(d.result.chosen),
           "small");
  return svg.finish();
}

}  // namespace

bool has_discovery(const std::string& path) {
  try {
    return io::read_discoveries(path).has_value();
  } catch (const std::exception&) {
    return false;
  }
}

std::string discovery_section(const core::Discovery& d) {
  const auto& r = d.result;
  std::string html =
      "<section><h2>" + escape(d.target) + ": draws that " + (d.meet ? "meet" : "miss") +
      " it</h2><p>" + escape(d.target_label) + " (" + escape(d.condition) + "). " +
      std::to_string(r.cases) + " of " + std::to_string(d.draws) + " draws (" +
      pct(r.base_density) + ", seed " + std::to_string(d.seed) +
      ") are cases; PRIM with α = " + number(d.options.alpha) + ", minimum mass " +
      number(d.options.min_mass) + ".</p><figure class=\"wide\"><h3>Peeling trajectory</h3>" +
      trajectory_chart(d) + "</figure>";
  html += "<h3>The box (step " + std::to_string(r.chosen) + (d.options.paste ? ", pasted" : "") +
          "): coverage " + pct(r.box.coverage) + ", density " + pct(r.box.density) + ", mass " +
          pct(r.box.mass) +
          "</h3><table><thead><tr><th>parameter</th><th>above</th>"
          "<th>below</th><th>unit</th><th>restricted in resamples</th></tr></thead><tbody>";
  for (std::size_t j = 0; j < d.inputs.size(); ++j) {
    if (!r.restricted[j]) continue;
    html += "<tr><td>" + escape(d.inputs[j]) + "</td><td>" +
            (std::isinf(r.box.low[j]) ? std::string("–") : number(r.box.low[j])) + "</td><td>" +
            (std::isinf(r.box.high[j]) ? std::string("–") : number(r.box.high[j])) + "</td><td>" +
            escape(d.units[j]) + "</td><td>" + pct(r.stability.restricted_share[j]) + "</td></tr>";
  }
  html += "</tbody></table>";
  if (r.stability.resamples > 0)
    html += "<p>Over " + std::to_string(r.stability.resamples) +
            " bootstrap resamples, each resample's box on the draws it left out: coverage " +
            pct(r.stability.coverage_mean) + " (sd " + pct(r.stability.coverage_sd) +
            "), density " + pct(r.stability.density_mean) + " (sd " + pct(r.stability.density_sd) +
            ").</p>";
  return html + "</section>";
}

std::string render_discovery_report(const std::string& path) {
  const auto all = io::read_discoveries(path);
  if (!all) throw io::IoError(path + ": not a discovery file");
  const std::string name = std::filesystem::path(path).filename().string();
  std::string body;
  for (const auto& d : *all)
    body += discovery_section(d);
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta "
         "name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>sectorsim "
         "discovery: " +
         escape(name) + "</title><style>" + style_sheet() + "</style></head><body><main><h1>" +
         escape(name) + "</h1>" + body + "<footer>Written by sectorsim from " + escape(name) +
         ". Every number on this page is read from that file.</footer></main></body></html>\n";
}

}  // namespace sectorsim::report
