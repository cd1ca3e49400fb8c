#include "engine/report/sensitivity_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <vector>

#include "engine/io/format.hpp"
#include "engine/io/sensitivity_io.hpp"
#include "engine/report/report.hpp"
#include "engine/report/svg.hpp"

namespace sectorsim::report {

namespace {

std::string tick_label(double v, int decimals) {
  return fixed(v, decimals);
}

// One tornado chart: the `top` factors of `rows` by ST (Morris: mu*).
std::string tornado(const std::vector<core::FactorIndices>& rows, bool sobol, std::size_t top,
                    const std::string& id, const std::string& title) {
  std::vector<const core::FactorIndices*> sorted;
  auto key = [sobol](const core::FactorIndices* f) {
    const double v = sobol ? f->st : f->mu_star;
    return std::isfinite(v) ? v : -std::numeric_limits<double>::infinity();
  };
  for (const auto& f : rows)
    sorted.push_back(&f);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](const auto* a, const auto* b) { return key(a) > key(b); });
  if (sorted.size() > top) sorted.resize(top);
  if (sorted.empty()) return "";
  double label_w = 60;
  for (const auto* f : sorted)
    label_w = std::max(label_w, text_width(f->name, 12));
  const double left = label_w + 16, right = 860, row = 22, head = 8;
  const double height = head + row * static_cast<double>(sorted.size()) + AXIS_SPACE;
  double hi = 0, lo = 0;
  for (const auto* f : sorted) {
    const double v = sobol ? f->st : f->mu_star;
    const double c = sobol ? f->st_conf : f->mu_star_conf;
    if (std::isfinite(v)) hi = std::max(hi, v + (std::isfinite(c) ? c : 0));
    if (sobol && std::isfinite(f->s1)) lo = std::min(lo, f->s1);
    if (sobol && std::isfinite(f->s1)) hi = std::max(hi, f->s1);
  }
  if (sobol) hi = std::min(std::max(hi, 0.05), 1.05);
  const Ticks ticks = nice_ticks(lo, hi > lo ? hi : lo + 1, 6);
  const Scale x{ticks.lo, ticks.hi, left, right - 60};
  Svg svg("tornado", id, right, height, title,
          sobol ? "Total Sobol index (bar), first-order index (mark) and the total index's 95% "
                  "bootstrap interval (whisker) of the parameters that matter most"
                : "Morris mu* (bar) and its 95% bootstrap interval (whisker)");
  value_axis(svg, ticks, x, false, head, head + row * static_cast<double>(sorted.size()),
             tick_label, sobol ? "Sobol index (share of the output's variance)" : "mu*");
  double y = head;
  for (const auto* f : sorted) {
    const double mid = y + row / 2;
    svg.text(left - 8, mid + 4, f->name, "", "end");
    const double v = sobol ? f->st : f->mu_star;
    const double c = sobol ? f->st_conf : f->mu_star_conf;
    if (std::isfinite(v)) {
      svg.rect(x(std::max(0.0, ticks.lo)), mid - 6, x(v) - x(std::max(0.0, ticks.lo)), 12, "bar",
               "#6fa2d8");
      if (std::isfinite(c)) whisker(svg, x(v - c), x(v + c), mid, "whisker");
      if (sobol && std::isfinite(f->s1)) svg.line(x(f->s1), mid - 8, x(f->s1), mid + 8, "paired");
      svg.text(right - 54, mid + 4, fixed(v, sobol ? 3 : 3), "small");
    }
    y += row;
  }
  return "<figure class=\"wide\"><h3>" + escape(title) + "</h3>" + svg.finish() +
         (sobol ? "<figcaption>Bars: total index ST (the share of the variance that goes if the "
                  "parameter is known, interactions included); dark marks: first-order index S1 "
                  "(its effect alone); whiskers: 95% bootstrap interval of ST. "
                  "条形为总效应指数，竖线为一阶指数，须线为95%区间。</figcaption>"
                : "<figcaption>Bars: mean absolute elementary effect mu*; whiskers: its 95% "
                  "bootstrap interval over trajectories.</figcaption>") +
         "</figure>";
}

}  // namespace

bool has_sensitivity(const std::string& path) {
  try {
    return io::read_sensitivity(path).has_value();
  } catch (const std::exception&) {
    return false;
  }
}

std::string sensitivity_section(const core::SensitivityResult& r, int top) {
  const bool sobol = r.method == core::SensitivityMethod::Sobol;
  std::string h =
      "<section id=\"sensitivity\"><h2>Sensitivity · 敏感性分析</h2><p class=\"note\">" +
      escape(sobol ? "Sobol indices" : "Morris elementary effects") + " of <code>" +
      escape(r.scenario) + "</code>" +
      (r.against.empty() ? std::string() : " against <code>" + escape(r.against) + "</code>") +
      ", " + (sobol ? "N = " : "r = ") + std::to_string(r.samples) + ", " +
      std::to_string(r.evaluations) + " model evaluations, seed " + std::to_string(r.seed) +
      ".</p>";
  int n = 0;
  for (const auto& o : r.outputs) {
    h += "<h3><code>" + escape(o.id) + "</code></h3><p class=\"subtitle\">" +
         escape(o.description) + "; mean " + fixed(o.mean, 4) + ", sd " +
         fixed(std::sqrt(std::max(0.0, o.variance)), 4) + "</p>";
    if (!(o.variance > 0)) {
      h += "<p class=\"note\">The output does not vary over the design: no index is defined.</p>";
      continue;
    }
    h += tornado(o.parameters, sobol, static_cast<std::size_t>(top), "tornado-" + std::to_string(n),
                 "Parameters");
    if (!o.groups.empty())
      h += tornado(o.groups, sobol, o.groups.size(), "tornado-groups-" + std::to_string(n),
                   "Groups (blocks)");
    ++n;
  }
  return h + "</section>";
}

std::string render_sensitivity_report(const std::string& path, int top) {
  const auto r = io::read_sensitivity(path);
  if (!r) throw io::IoError(path + ": holds no /sensitivity group");
  const std::string name = std::filesystem::path(path).filename().string();
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta "
         "name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>sectorsim "
         "sensitivity: " +
         escape(name) + "</title><style>" + style_sheet() + "</style></head><body><main><h1>" +
         escape(name) + "</h1>" + sensitivity_section(*r, top) +
         "<footer>Written by sectorsim from " + escape(name) +
         ". Every number on this page is read from that file.</footer></main></body></html>\n";
}

}  // namespace sectorsim::report
