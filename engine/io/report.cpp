#include "engine/io/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/io/csv.hpp"
#include "engine/io/format.hpp"
#include "engine/io/results_reader.hpp"
#include "engine/spec/results.hpp"
#include "engine/spec/scenario_spec.hpp"
#include "engine/stats/paired.hpp"

namespace sectorsim::io {

namespace {

// ------------------------------------------------------------------ data

// Statistic indices in core::STAT_NAMES and core::DIFF_STAT_NAMES.
constexpr int MIN = 2, P05 = 3, P25 = 4, P50 = 5, P75 = 6, P95 = 7, MAX = 8;
constexpr int MEAN = 0;
constexpr int D_MEAN = 0, D_LOW = 1, D_HIGH = 2, D_P05 = 4, D_P95 = 5, D_HIGHER = 6, D_LOWER = 7;

struct Scenario {
  ScenarioInfo info;
  core::ScenarioResult result;
  std::vector<core::Provenance> provenance;
  std::string provenance_missing;  // why there is none, when there is none
};

struct Run {
  std::string file_name;
  FileInfo file;
  std::vector<Scenario> scenarios;
  std::vector<core::Comparison> comparisons;
};

Run load(const std::string& path) {
  Run run;
  run.file_name = std::filesystem::path(path).filename().string();
  run.file = read_file_info(path);
  for (const std::string& name : list_scenarios(path)) {
    Scenario s;
    s.info = read_scenario_info(path, name);
    s.result = read_scenario(path, name);
    try {
      s.provenance = read_provenance(path, name);
    } catch (const IoError& e) {
      s.provenance_missing = e.what();
    }
    run.scenarios.push_back(std::move(s));
  }
  run.comparisons = read_comparisons(path);
  return run;
}

const core::SeriesSummary* find_series(const std::vector<core::SeriesSummary>& all,
                                       std::string_view name) {
  for (const core::SeriesSummary& s : all) {
    if (s.info.name == name) return &s;
  }
  return nullptr;
}

// Statistic `stat` of a summary in year index y (and sector s for sector series).
double stat_at(const core::SeriesSummary& s, int n_stats, std::size_t n_years,
               std::size_t n_sectors, int stat, std::size_t y, std::size_t sector = 0) {
  const std::size_t width = s.info.by_sector ? n_sectors : 1;
  const std::size_t index =
      (static_cast<std::size_t>(stat) * n_years + y) * width + (s.info.by_sector ? sector : 0);
  if (index >= s.stats.size() ||
      static_cast<std::size_t>(n_stats) * n_years * width != s.stats.size()) {
    throw IoError("report: statistics of '" + s.info.name + "' do not fit the years and sectors");
  }
  return s.stats[index];
}

const Scenario* find_scenario(const Run& run, std::string_view name) {
  for (const Scenario& s : run.scenarios) {
    if (s.info.name == name) return &s;
  }
  return nullptr;
}

const core::TargetSpec* find_target(const Run& run, std::string_view id) {
  for (const Scenario& s : run.scenarios) {
    for (const core::TargetResult& t : s.result.targets) {
      if (t.spec.id == id) return &t.spec;
    }
  }
  return nullptr;
}

// ------------------------------------------------------------------ text

std::string esc(std::string_view text) {
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

// "1,234.5", "−0.25": fixed decimals, thousands separated, a true minus sign.
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

// Decimals enough to tell apart values about `scale` apart or in size.
int decimals_for(double scale) {
  scale = std::fabs(scale);
  if (!(scale > 0) || !std::isfinite(scale)) return 0;
  return std::clamp(static_cast<int>(-std::floor(std::log10(scale) + 1e-9)), 0, 6);
}

// A value in running text: three significant digits at least, no more than needed.
std::string value_text(double v) {
  const double a = std::fabs(v);
  return fixed(v, a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a > 0 ? decimals_for(a) + 2 : 0);
}

// A number as written in a scenario (a threshold): up to 10 significant digits.
std::string exact_text(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", v);
  return buffer;
}

std::string percent(double p) {
  return fixed(100 * p, 1) + "%";
}

std::string points(double d) {
  return signed_fixed(100 * d, 1) + " pp";
}

// Rough rendered width of `text` in a sans-serif font of `size` px: ideographs
// are square, other characters about 0.58 em.
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

std::string zh(std::string_view text) {
  return text.empty() ? "" : "<span class=\"zh\" lang=\"zh-CN\">" + esc(text) + "</span>";
}

// "English · 中文", falling back to the id when both are empty (HTML).
std::string bilingual(std::string_view en, std::string_view zh_text, std::string_view id) {
  if (en.empty() && zh_text.empty()) return esc(id);
  if (zh_text.empty()) return esc(en);
  if (en.empty()) return zh(zh_text);
  return esc(en) + " · " + zh(zh_text);
}

std::string scenario_title(const Scenario& s) {
  return bilingual(s.info.title_en, s.info.title_zh, s.info.name);
}

std::string condition_text(const core::TargetSpec& t) {
  std::string text = t.indicator;
  if (t.relative_to_year)
    text += " / " + t.indicator + "(" + std::to_string(*t.relative_to_year) + ")";
  return text + " " + core::op_symbol(t.op) + " " + exact_text(t.threshold) + " in " +
         std::to_string(t.year);
}

// ------------------------------------------------------------------ SVG

constexpr const char* SCENARIO_COLOURS[] = {"#2b6cb0", "#d97706", "#2f855a", "#805ad5",
                                            "#c53030", "#0f766e", "#b7791f", "#4a5568"};
constexpr const char* SECTOR_COLOURS[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                          "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                                          "#9c755f", "#bab0ac", "#86bcb6", "#d4a6c8"};

const char* scenario_colour(std::size_t i) {
  return SCENARIO_COLOURS[i % std::size(SCENARIO_COLOURS)];
}

std::string n2(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

// One inline SVG chart, sized by its viewBox so that it scales with the page.
class Svg {
 public:
  Svg(std::string_view kind, const std::string& id, double width, double height,
      std::string_view title, std::string_view description) {
    out_ = "<svg class=\"chart\" viewBox=\"0 0 " + n2(width) + " " + n2(height) +
           "\" role=\"img\" data-chart=\"" + esc(kind) + "\" aria-labelledby=\"" + id + "-t " + id +
           "-d\"><title id=\"" + id + "-t\">" + esc(title) + "</title><desc id=\"" + id + "-d\">" +
           esc(description) + "</desc>";
  }
  void line(double x1, double y1, double x2, double y2, std::string_view cls) {
    out_ += "<line class=\"" + std::string(cls) + "\" x1=\"" + n2(x1) + "\" y1=\"" + n2(y1) +
            "\" x2=\"" + n2(x2) + "\" y2=\"" + n2(y2) + "\"/>";
  }
  void rect(double x, double y, double w, double h, std::string_view cls,
            std::string_view fill = "") {
    out_ += "<rect class=\"" + std::string(cls) + "\" x=\"" + n2(x) + "\" y=\"" + n2(y) +
            "\" width=\"" + n2(std::max(w, 0.0)) + "\" height=\"" + n2(std::max(h, 0.0)) + "\"" +
            fill_attribute(fill) + "/>";
  }
  void circle(double cx, double cy, double r, std::string_view cls, std::string_view fill = "") {
    out_ += "<circle class=\"" + std::string(cls) + "\" cx=\"" + n2(cx) + "\" cy=\"" + n2(cy) +
            "\" r=\"" + n2(r) + "\"" + fill_attribute(fill) + "/>";
  }
  void path(const std::string& d, std::string_view cls) {
    out_ += "<path class=\"" + std::string(cls) + "\" d=\"" + d + "\"/>";
  }
  /// Text at (x, y); `content` is HTML (escaped, may hold <tspan>s).
  void text_html(double x, double y, const std::string& content, std::string_view cls = "",
                 std::string_view anchor = "start") {
    out_ += "<text x=\"" + n2(x) + "\" y=\"" + n2(y) + "\"";
    if (!cls.empty()) out_ += " class=\"" + std::string(cls) + "\"";
    if (anchor != "start") out_ += " text-anchor=\"" + std::string(anchor) + "\"";
    out_ += ">" + content + "</text>";
  }
  void text(double x, double y, std::string_view content, std::string_view cls = "",
            std::string_view anchor = "start") {
    text_html(x, y, esc(content), cls, anchor);
  }
  std::string finish() { return std::move(out_) + "</svg>"; }

 private:
  static std::string fill_attribute(std::string_view fill) {
    return fill.empty() ? "" : " fill=\"" + std::string(fill) + "\"";
  }
  std::string out_;
};

// A linear map from values to pixels.
struct Scale {
  double v0 = 0, v1 = 1, p0 = 0, p1 = 1;
  double operator()(double v) const { return p0 + (v - v0) / (v1 - v0) * (p1 - p0); }
};

// Round tick values covering [lo, hi].
struct Ticks {
  double lo = 0, hi = 1, step = 1;
  std::vector<double> values;
  int decimals = 0;
};

Ticks nice_ticks(double lo, double hi, int target, double min_step = 0) {
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

// Height below a horizontal value axis for its tick labels and title.
constexpr double AXIS_SPACE = 40;

// The one axis helper: grid lines, tick labels and title of a value axis.
// Vertical: values run up the y axis across x in [from, to]; otherwise along
// the x axis across y in [from, to], labelled below `to`.
void value_axis(Svg& svg, const Ticks& ticks, const Scale& scale, bool vertical, double from,
                double to, std::string (*label)(double, int), std::string_view title = "") {
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

// Tick labels: plain numbers, percentages of a share, percentage points of a difference.
std::string plain_label(double v, int decimals) {
  return fixed(v, decimals);
}
std::string percent_label(double v, int decimals) {
  return fixed(100 * v, std::max(0, decimals - 2)) + "%";
}
std::string points_label(double v, int decimals) {
  return (v > 0 ? "+" : "") + fixed(100 * v, std::max(0, decimals - 2));
}

// A filled band between lo(x) and hi(x).
void band(Svg& svg, const std::vector<double>& xs, const std::vector<double>& lo,
          const std::vector<double>& hi, std::string_view cls) {
  std::string d;
  for (std::size_t i = 0; i < xs.size(); ++i)
    d += (i == 0 ? "M" : "L") + n2(xs[i]) + "," + n2(hi[i]);
  for (std::size_t i = xs.size(); i-- > 0;)
    d += "L" + n2(xs[i]) + "," + n2(lo[i]);
  svg.path(d + "Z", cls);
}

// A horizontal interval with end caps at height y.
void whisker(Svg& svg, double x0, double x1, double y, std::string_view cls) {
  svg.line(x0, y, x1, y, cls);
  svg.line(x0, y - 4, x0, y + 4, cls);
  svg.line(x1, y - 4, x1, y + 4, cls);
}

constexpr double WIDE = 900;  // viewBox width of full-width charts
constexpr double LABEL_RIGHT = 170, PLOT_LEFT = 180, PLOT_RIGHT = 640, TEXT_LEFT = 652;

// The header line of a row group: "English  中文  note", on two lines when
// one is too narrow.
struct Header {
  std::string en, zh, note;

  bool one_line() const {
    return text_width(en, 13) + text_width(zh, 13) + text_width(note, 12) + 40 <= WIDE;
  }
  double height() const { return one_line() ? 18 : 35; }
  /// Draws the header with its baseline at y + 12; returns its height.
  double draw(Svg& svg, double y) const {
    const std::string en_html = "<tspan class=\"strong\">" + esc(en) + "</tspan>";
    const std::string zh_html =
        zh.empty() ? "" : "<tspan class=\"zh\" lang=\"zh-CN\">" + esc(zh) + "</tspan>";
    const std::string note_html =
        note.empty() ? "" : "  <tspan class=\"muted\">" + esc(note) + "</tspan>";
    if (one_line()) {
      svg.text_html(0, y + 12, en_html + (zh_html.empty() ? "" : "  " + zh_html) + note_html,
                    "halo");
    } else {
      svg.text_html(0, y + 12, en_html + note_html, "halo");
      svg.text_html(0, y + 29, zh_html, "halo");
    }
    return height();
  }
};

// The header of a target's rows: its label, or its id when it has none.
Header target_header(const core::TargetSpec* spec, const std::string& id, std::string note) {
  if (!spec) return {id, "", std::move(note)};
  return {spec->label_en.empty() ? id : spec->label_en, spec->label_zh, std::move(note)};
}

// ------------------------------------------------------------------ page

class Page {
 public:
  explicit Page(const Run& run) : run_(run) {}
  std::string render();

 private:
  Svg chart(std::string_view kind, double w, double h, std::string_view title,
            std::string_view description) {
    return Svg(kind, "chart-" + std::to_string(++charts_), w, h, title, description);
  }

  std::string header() const;
  std::string targets_section();
  std::string probability_chart();
  std::string probability_table() const;
  std::string comparison_section();
  std::string target_diff_chart(const core::Comparison& c);
  std::string indicator_diff_chart(const core::Comparison& c);
  std::string scenario_section(std::size_t index);
  // A fan chart: quantiles by year and the thresholds drawn over them.
  struct Fan {
    std::string name;          // series (or ratio) shown, e.g. "service_va"
    std::string units;         // "" or "1" for none
    std::string description;   // one line, English
    std::string targets_html;  // the targets drawn, for the caption
    std::vector<int> years;
    std::vector<double> q[5];  // p05, p25, p50, p75, p95 by year
    std::vector<std::pair<double, std::string>> thresholds;
  };
  std::string fan_chart(const Fan& fan);
  std::string sector_mix_section();
  std::string provenance_section() const;
  std::string run_section() const;

  const Run& run_;
  int charts_ = 0;
};

std::string Page::header() const {
  std::string h = "<header><p class=\"kicker\">sectorsim · results report · " + zh("模拟结果报告") +
                  "</p><h1>" + esc(run_.file_name) + "</h1><ul class=\"scenarios\">";
  for (std::size_t i = 0; i < run_.scenarios.size(); ++i) {
    const Scenario& s = run_.scenarios[i];
    h += "<li><span class=\"swatch\" style=\"background:" + std::string(scenario_colour(i)) +
         "\"></span><a href=\"#scenario-" + esc(s.info.name) + "\"><code>" + esc(s.info.name) +
         "</code></a> " + scenario_title(s) + " <span class=\"muted\">(" +
         fixed(static_cast<double>(s.result.draws), 0) + " draws" +
         (s.info.complete ? "" : ", incomplete") + ")</span></li>";
  }
  h += "</ul><p class=\"muted\">Created " + esc(run_.file.created_utc) + " · sectorsim " +
       esc(run_.file.engine_version) + " · seed " + std::to_string(run_.file.seed) + "</p>";
  h += "<nav><a href=\"#targets\">Targets 目标</a> · <a href=\"#comparison\">Comparison 比较</a>";
  for (const Scenario& s : run_.scenarios) {
    h += " · <a href=\"#scenario-" + esc(s.info.name) + "\">" + esc(s.info.name) + "</a>";
  }
  h += " · <a href=\"#sector-mix\">Sector mix 产业结构</a> · <a href=\"#provenance\">Sources "
       "来源</a> · <a href=\"#run\">Run 运行信息</a></nav></header>";
  return h;
}

std::string Page::probability_chart() {
  // Groups: one per target id (in order of first appearance), then the joint
  // event; in each, one row per scenario (nullopt: not a target of it).
  std::vector<Header> headers;
  std::vector<std::vector<std::optional<core::Proportion>>> values;
  std::vector<std::string> ids;
  for (const Scenario& s : run_.scenarios) {
    for (const core::TargetResult& t : s.result.targets) {
      if (std::find(ids.begin(), ids.end(), t.spec.id) != ids.end()) continue;
      ids.push_back(t.spec.id);
      headers.push_back(target_header(&t.spec, t.spec.id, condition_text(t.spec)));
      values.emplace_back();
      for (const Scenario& other : run_.scenarios) {
        std::optional<core::Proportion> p;
        for (const core::TargetResult& r : other.result.targets) {
          if (r.spec.id == t.spec.id) p = r.in_year;
        }
        values.back().push_back(p);
      }
    }
  }
  headers.push_back(
      {"All targets met", "全部目标同时达成", "joint event, each target in its own year"});
  values.emplace_back();
  for (const Scenario& s : run_.scenarios)
    values.back().push_back(s.result.all_targets);

  const double row = 20, group_gap = 12, top = 8;
  double height = top + AXIS_SPACE;
  for (std::size_t g = 0; g < headers.size(); ++g) {
    height += headers[g].height() + row * static_cast<double>(values[g].size()) + group_gap;
  }
  Svg svg = chart("target-probabilities", WIDE, height, "Target probabilities",
                  "Probability that each target is met in its year, by scenario, with Wilson 95% "
                  "intervals.");
  const Scale x{0, 1, PLOT_LEFT, PLOT_RIGHT};
  value_axis(svg, nice_ticks(0, 1, 4), x, false, top, height - AXIS_SPACE, percent_label,
             "P(target met), Wilson 95% interval");
  double y = top;
  for (std::size_t g = 0; g < headers.size(); ++g) {
    y += headers[g].draw(svg, y);
    for (std::size_t i = 0; i < values[g].size(); ++i) {
      const std::optional<core::Proportion>& p = values[g][i];
      const double mid = y + row / 2;
      svg.text(LABEL_RIGHT, mid + 4, run_.scenarios[i].info.name, "", "end");
      if (p) {
        svg.rect(x(0), mid - 6, x(p->p) - x(0), 12, "bar", scenario_colour(i));
        whisker(svg, x(p->low), x(p->high), mid, "whisker");
        svg.text(TEXT_LEFT, mid + 4,
                 percent(p->p) + "  [" + percent(p->low) + ", " + percent(p->high) + "]");
      } else {
        svg.text(TEXT_LEFT, mid + 4, "not a target of this scenario", "muted");
      }
      y += row;
    }
    y += group_gap;
  }
  return "<figure class=\"wide\">" + svg.finish() +
         "<figcaption>Bars: share of draws meeting the target in its year; whiskers: Wilson 95% "
         "interval of that share (Monte Carlo error only, not model uncertainty). "
         "条形为达成目标的模拟比例，须线为95%置信区间。</figcaption></figure>";
}

std::string Page::probability_table() const {
  std::vector<int> years;
  std::vector<std::string> ids;
  for (const Scenario& s : run_.scenarios) {
    for (const int y : s.result.years) {
      if (std::find(years.begin(), years.end(), y) == years.end()) years.push_back(y);
    }
    for (const core::TargetResult& t : s.result.targets) {
      if (std::find(ids.begin(), ids.end(), t.spec.id) == ids.end()) ids.push_back(t.spec.id);
    }
  }
  std::sort(years.begin(), years.end());
  std::string h =
      "<div class=\"scroll\"><table class=\"by-year\"><thead><tr><th>Target "
      "目标</th><th>Scenario 情景</th>";
  for (const int y : years)
    h += "<th class=\"num\">" + std::to_string(y) + "</th>";
  h += "</tr></thead>";
  // One row group per target, one row per scenario that has it.
  for (const std::string& id : ids) {
    std::vector<std::pair<const Scenario*, const core::TargetResult*>> rows;
    for (const Scenario& s : run_.scenarios) {
      for (const core::TargetResult& t : s.result.targets) {
        if (t.spec.id == id) rows.emplace_back(&s, &t);
      }
    }
    h += "<tbody>";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& [s, target] = rows[i];
      h += "<tr>";
      if (i == 0) {
        h += "<th rowspan=\"" + std::to_string(rows.size()) + "\"><code>" + esc(id) +
             "</code><br><small>" + esc(condition_text(target->spec)) + "</small></th>";
      }
      h += "<td class=\"nowrap\">" + esc(s->info.name) + "</td>";
      for (const int year : years) {
        const auto at = std::find(s->result.years.begin(), s->result.years.end(), year);
        const std::size_t y = static_cast<std::size_t>(at - s->result.years.begin());
        if (at == s->result.years.end() || y >= target->by_year.size()) {
          h += "<td></td>";
          continue;
        }
        const core::Proportion& p = target->by_year[y];
        h += std::string("<td class=\"num") + (year == target->spec.year ? " headline" : "") +
             "\">" + percent(p.p) + "<br><small>" + percent(p.low) + "–" + percent(p.high) +
             "</small></td>";
      }
      h += "</tr>";
    }
    h += "</tbody>";
  }
  return h +
         "</table></div><p class=\"note\">The same condition applied in every year, with "
         "its Wilson 95% interval; the target's own year is in bold. "
         "各年份按同一条件计算，目标年份加粗。</p>";
}

std::string Page::targets_section() {
  return "<section id=\"targets\"><h2>Target probabilities · " + zh("目标达成概率") + "</h2>" +
         probability_chart() + "<h3>Probability by year · " + zh("各年份达成概率") + "</h3>" +
         probability_table() + "</section>";
}

std::string Page::target_diff_chart(const core::Comparison& c) {
  struct Row {
    Header header;
    const core::TargetDiff* target;  // nullptr: the joint event
    core::ProportionDiff paired, unpaired;
  };
  std::vector<Row> rows;
  for (const core::TargetDiff& t : c.targets) {
    rows.push_back({target_header(find_target(run_, t.id), t.id, ""), &t, t.paired, t.unpaired});
  }
  rows.push_back({{"All targets met", "全部目标同时达成", ""},
                  nullptr,
                  c.all_targets_paired,
                  c.all_targets_unpaired});
  double span = 0.01;
  for (const Row& r : rows) {
    for (const double v : {r.paired.low, r.paired.high, r.unpaired.low, r.unpaired.high}) {
      if (std::isfinite(v)) span = std::max(span, std::fabs(v));
    }
  }
  const Ticks ticks = nice_ticks(-span, span, 6);
  const double row = 34, top = 24;
  double height = top + AXIS_SPACE;
  for (const Row& r : rows)
    height += r.header.height() + row;
  Svg svg =
      chart("target-diff", WIDE, height,
            "Difference in target probability, " + c.scenario + " minus " + c.baseline,
            "For each target, the probability in " + c.scenario + " minus that in " + c.baseline +
                " on the same draws, in percentage points, with the paired "
                "(Newcombe) 95% interval and, faded, the unpaired interval for contrast.");
  const Scale x{ticks.lo, ticks.hi, PLOT_LEFT, PLOT_RIGHT};
  value_axis(
      svg, ticks, x, false, top - 6, height - AXIS_SPACE, points_label,
      "difference in P(target met), percentage points (" + c.scenario + " − " + c.baseline + ")");
  svg.rect(PLOT_LEFT, 2, 18, 10, "unpaired");
  svg.text(PLOT_LEFT + 24, 11, "unpaired 95% (independent runs)", "muted");
  svg.line(PLOT_LEFT + 250, 7, PLOT_LEFT + 272, 7, "paired");
  svg.text(PLOT_LEFT + 278, 11, "paired 95% (common random numbers, Newcombe)", "muted");

  double y = top;
  for (const Row& r : rows) {
    y += r.header.draw(svg, y);
    const double mid = y + 10;
    y += row;
    if (r.target) {
      svg.text(LABEL_RIGHT, mid + 4,
               percent(r.target->baseline.p) + " → " + percent(r.target->scenario.p), "muted",
               "end");
    }
    if (!std::isfinite(r.paired.diff)) {
      svg.text(TEXT_LEFT, mid + 4, "no draws", "muted");
      continue;
    }
    svg.rect(x(r.unpaired.low), mid - 6, x(r.unpaired.high) - x(r.unpaired.low), 12, "unpaired");
    whisker(svg, x(r.paired.low), x(r.paired.high), mid, "paired");
    svg.circle(x(r.paired.diff), mid, 3.5, "dot");
    svg.text(TEXT_LEFT, mid + 4,
             points(r.paired.diff) + "  [" + signed_fixed(100 * r.paired.low, 1) + ", " +
                 signed_fixed(100 * r.paired.high, 1) + "]");
    svg.text(TEXT_LEFT, mid + 18,
             "unpaired [" + signed_fixed(100 * r.unpaired.low, 1) + ", " +
                 signed_fixed(100 * r.unpaired.high, 1) + "]",
             "muted small");
  }
  return "<figure class=\"wide\">" + svg.finish() +
         "<figcaption>Left: probability in the baseline → in the scenario. Dot and dark whisker: "
         "paired difference with its 95% interval; faded bar: the interval two independent runs "
         "would give. 成对差异及其95%区间；浅色条为独立抽样的区间，供对比。</figcaption></figure>";
}

std::string Page::indicator_diff_chart(const core::Comparison& c) {
  const Scenario* s = find_scenario(run_, c.scenario);
  const Scenario* b = find_scenario(run_, c.baseline);
  std::vector<const core::SeriesSummary*> rows;
  for (const core::SeriesSummary& d : c.diffs) {
    if (!d.info.by_sector) rows.push_back(&d);
  }
  const std::size_t n_years = s ? s->result.years.size() : 0;
  const std::size_t n_sectors = s ? s->result.sector_ids.size() : 0;
  const std::string end_year = n_years > 0 ? std::to_string(s->result.years.back()) : "?";
  auto units_of = [](const core::SeriesSummary& d) {
    return d.info.units == "1" ? std::string() : d.info.units;
  };
  auto header_of = [&](const core::SeriesSummary& d) {
    const std::string units = units_of(d);
    return Header{d.info.name, "", (units.empty() ? "" : units + " · ") + d.info.description};
  };
  const double row = 34, top = 4;
  double height = top + 8;
  for (const core::SeriesSummary* d : rows)
    height += header_of(*d).height() + row;
  Svg svg = chart("indicator-diff", WIDE, height,
                  "Difference of each region indicator in " + end_year + ", " + c.scenario +
                      " minus " + c.baseline,
                  "For each region indicator in the end year: the mean per-draw difference with "
                  "its 95% interval, and the 5-95% range of the per-draw differences; each row has "
                  "its own scale, centred on zero.");
  double y = top;
  for (const core::SeriesSummary* d : rows) {
    const std::string units = units_of(*d);
    y += header_of(*d).draw(svg, y);
    const double mid = y + 10;
    y += row;
    if (n_years == 0) {
      svg.text(PLOT_LEFT, mid + 4, "scenario not in the file", "muted");
      continue;
    }
    const std::size_t last = n_years - 1;
    auto diff = [&](int stat) {
      return stat_at(*d, core::N_DIFF_STATS, n_years, n_sectors, stat, last);
    };
    // Means of the two scenarios, from their own summaries.
    auto mean_of = [&](const Scenario* x) -> std::optional<double> {
      const core::SeriesSummary* series =
          x ? find_series(x->result.summaries, d->info.name) : nullptr;
      if (!series || series->info.by_sector || x->result.years.size() != n_years)
        return std::nullopt;
      return stat_at(*series, core::N_STATS, n_years, n_sectors, MEAN, last);
    };
    const std::optional<double> mean_b = mean_of(b), mean_s = mean_of(s);
    if (mean_b && mean_s) {
      svg.text(LABEL_RIGHT, mid + 4, value_text(*mean_b) + " → " + value_text(*mean_s), "muted",
               "end");
    }
    const double mean = diff(D_MEAN), low = diff(D_LOW), high = diff(D_HIGH);
    const double p05 = diff(D_P05), p95 = diff(D_P95);
    double span = 0;
    for (const double v : {mean, low, high, p05, p95}) {
      if (std::isfinite(v)) span = std::max(span, std::fabs(v));
    }
    if (span == 0) {
      const double centre = (PLOT_LEFT + PLOT_RIGHT) / 2;
      svg.line(centre, mid - 9, centre, mid + 9, "zero");
      svg.text(TEXT_LEFT, mid + 4, "no difference in any draw", "muted");
      continue;
    }
    span *= 1.1;
    const Scale x{-span, span, PLOT_LEFT, PLOT_RIGHT};
    const int decimals = decimals_for(span) + 1;
    svg.line(PLOT_LEFT, mid, PLOT_RIGHT, mid, "grid");
    if (std::isfinite(p05) && std::isfinite(p95)) {
      svg.rect(x(p05), mid - 6, x(p95) - x(p05), 12, "unpaired");
    }
    svg.line(x(0), mid - 9, x(0), mid + 9, "zero");
    svg.text(PLOT_LEFT, mid + 20, "−" + fixed(span, decimals), "tick");
    svg.text(PLOT_RIGHT, mid + 20, "+" + fixed(span, decimals), "tick", "end");
    if (std::isfinite(low) && std::isfinite(high)) whisker(svg, x(low), x(high), mid, "paired");
    svg.circle(x(mean), mid, 3.5, "dot");
    svg.text(TEXT_LEFT, mid + 4,
             signed_fixed(mean, decimals) + (units.empty() ? "" : " " + units) + "  [" +
                 signed_fixed(low, decimals) + ", " + signed_fixed(high, decimals) + "]");
    svg.text(TEXT_LEFT, mid + 18,
             "P(higher) " + percent(diff(D_HIGHER)) + " · P(lower) " + percent(diff(D_LOWER)),
             "muted small");
  }
  return "<figure class=\"wide\">" + svg.finish() + "<figcaption>End year " + esc(end_year) +
         ". Left: mean in the baseline → in the scenario. Dot and dark whisker: mean per-draw "
         "difference with its 95% interval; faded bar: 5–95% of the per-draw differences. "
         "P(higher) is the share of draws in which the scenario's value is above the baseline's. "
         "Each row has its own scale, centred on zero. 各行刻度不同，以零为中心。"
         "</figcaption></figure>";
}

std::string Page::comparison_section() {
  std::string h = "<section id=\"comparison\"><h2>Differences against the baseline · " +
                  zh("与基准情景的差异") + "</h2>";
  if (run_.comparisons.empty()) {
    return h + "<p class=\"empty\">No comparison in this file. " + zh("本文件没有情景比较。") +
           " Paired differences are written when scenarios are run together against a baseline "
           "on common random numbers.</p></section>";
  }
  for (const core::Comparison& c : run_.comparisons) {
    const Scenario* s = find_scenario(run_, c.scenario);
    const Scenario* b = find_scenario(run_, c.baseline);
    h += "<h3><code>" + esc(c.scenario) + "</code> vs <code>" + esc(c.baseline) + "</code></h3>";
    h += "<p class=\"note\">" + (s ? scenario_title(*s) : esc(c.scenario)) + " against " +
         (b ? scenario_title(*b) : esc(c.baseline)) + ", on the same " +
         fixed(static_cast<double>(c.draws), 0) +
         " draws (common random numbers): each draw shares its parameters and shocks, so the "
         "difference is measured far more precisely than between independent runs.</p>";
    h += target_diff_chart(c) + indicator_diff_chart(c);
  }
  return h + "</section>";
}

std::string Page::fan_chart(const Fan& fan) {
  const double width = 440, height = 230, left = 52, right = 430, top = 10, bottom = 204;
  const bool has_units = !fan.units.empty() && fan.units != "1";
  double lo = INFINITY, hi = -INFINITY;
  for (const std::vector<double>* q : {&fan.q[0], &fan.q[2], &fan.q[4]}) {
    for (const double v : *q) {
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
  }
  for (const auto& [value, label] : fan.thresholds)
    lo = std::min(lo, value), hi = std::max(hi, value);
  const std::size_t n = fan.years.size();
  const bool drawable = n > 0 && hi >= lo;
  std::string summary;  // the end year in words, for the caption and the description
  if (drawable && std::isfinite(fan.q[2].back())) {
    summary = std::to_string(fan.years.back()) + ": median " + value_text(fan.q[2].back()) +
              ", 50% " + value_text(fan.q[1].back()) + "–" + value_text(fan.q[3].back()) +
              ", 90% " + value_text(fan.q[0].back()) + "–" + value_text(fan.q[4].back()) +
              (has_units ? " " + fan.units : "");
  }
  std::string description = fan.name + ", median with 50% and 90% bands of the draws by year";
  if (!summary.empty()) description += "; " + summary;
  for (const auto& [value, label] : fan.thresholds)
    description += "; " + label;
  Svg svg = chart("fan", width, height, fan.name + (has_units ? " (" + fan.units + ")" : ""),
                  description);
  if (!drawable) {
    svg.text(width / 2, height / 2, "no finite values", "muted", "middle");
  } else {
    const double pad = (hi - lo) * 0.06;
    const Ticks ticks = nice_ticks(lo - pad, hi + pad, 5, fan.units == "count" ? 1 : 0);
    const Scale y{ticks.lo, ticks.hi, bottom, top};
    value_axis(svg, ticks, y, true, left, right, plain_label);
    std::vector<double> xs(n);
    for (std::size_t i = 0; i < n; ++i) {
      xs[i] = n == 1
                  ? (left + right) / 2
                  : left + 22 +
                        static_cast<double>(i) * (right - left - 44) / static_cast<double>(n - 1);
      svg.text(xs[i], bottom + 17, std::to_string(fan.years[i]), "tick", "middle");
    }
    std::vector<double> p[5];
    for (int k = 0; k < 5; ++k) {
      for (const double v : fan.q[k])
        p[k].push_back(y(std::isfinite(v) ? v : ticks.lo));
    }
    band(svg, xs, p[0], p[4], "band90");
    band(svg, xs, p[1], p[3], "band50");
    std::string d;
    for (std::size_t i = 0; i < n; ++i)
      d += (i == 0 ? "M" : "L") + n2(xs[i]) + "," + n2(p[2][i]);
    svg.path(d, "median");
    for (std::size_t i = 0; i < n; ++i)
      svg.circle(xs[i], p[2][i], 2.5, "dot");
    double previous = -100;
    for (const auto& [value, label] : fan.thresholds) {
      const double ty = y(value);
      svg.line(left, ty, right, ty, "threshold");
      // Above the line, or below it near the top or the previous label.
      double at = ty - 5;
      if (at < top + 12 || std::fabs(at - previous) < 13) at = ty + 15;
      svg.text(left + 6, at, label, "threshold-label");
      previous = at;
    }
  }
  return "<figure><h4><code>" + esc(fan.name) + "</code>" +
         (has_units ? " <span class=\"units\">" + esc(fan.units) + "</span>" : "") +
         "</h4><p class=\"subtitle\">" + esc(fan.description) + "</p>" + svg.finish() +
         "<figcaption>" + (summary.empty() ? "" : esc(summary) + ". ") + fan.targets_html +
         "</figcaption></figure>";
}

std::string Page::scenario_section(std::size_t index) {
  const Scenario& s = run_.scenarios[index];
  const core::ScenarioResult& r = s.result;
  const std::size_t n_years = r.years.size(), n_sectors = r.sector_ids.size();
  std::string h = "<section id=\"scenario-" + esc(s.info.name) + "\" class=\"scenario\"><h2>" +
                  "<span class=\"swatch\" style=\"background:" + scenario_colour(index) +
                  "\"></span>" + scenario_title(s) + " <code>" + esc(s.info.name) + "</code></h2>";
  if (!s.info.description.empty()) h += "<p>" + esc(s.info.description) + "</p>";
  h += "<p class=\"legend\"><span class=\"key band90\"></span> 5–95% of draws <span class=\"key "
       "band50\"></span> 25–75% <span class=\"key median\"></span> median 中位数 <span "
       "class=\"key threshold\"></span> target threshold 目标值</p><div class=\"fans\">";

  auto quantiles = [&](Fan& fan, const core::SeriesSummary& series, std::size_t sector,
                       double divisor) {
    fan.years = r.years;
    const int stats[5] = {P05, P25, P50, P75, P95};
    for (int k = 0; k < 5; ++k) {
      for (std::size_t y = 0; y < n_years; ++y) {
        fan.q[k].push_back(stat_at(series, core::N_STATS, n_years, n_sectors, stats[k], y, sector) /
                           divisor);
      }
    }
  };
  auto add_target = [](Fan& fan, const core::TargetSpec& t) {
    fan.thresholds.emplace_back(t.threshold, "target " + std::string(core::op_symbol(t.op)) + " " +
                                                 exact_text(t.threshold) + " in " +
                                                 std::to_string(t.year));
    fan.targets_html +=
        "Target <code>" + esc(t.id) + "</code>: " + bilingual(t.label_en, t.label_zh, t.id) + ". ";
  };

  std::vector<std::string> notes;
  // One fan per region indicator, with the thresholds of the targets on it.
  for (const core::SeriesSummary& series : r.summaries) {
    if (series.info.by_sector) continue;
    Fan fan{series.info.name, series.info.units, series.info.description, "", {}, {}, {}};
    quantiles(fan, series, 0, 1.0);
    for (const core::TargetResult& t : r.targets) {
      if (t.spec.indicator == series.info.name && !t.spec.relative_to_year) add_target(fan, t.spec);
    }
    h += fan_chart(fan);
  }
  // One more fan per target on a sector series or relative to a year: the
  // series of that sector, or its ratio to the reference year when that value
  // is the same in every draw (a ratio's quantiles are then the quantiles
  // divided by it; otherwise they cannot be had from the summaries).
  for (const core::TargetResult& t : r.targets) {
    const core::TargetSpec& spec = t.spec;
    const bool region = spec.indicator.find('.') == std::string::npos;
    if (region && !spec.relative_to_year) continue;
    const std::string series_name = spec.indicator.substr(0, spec.indicator.find('.'));
    const std::string sector_id = region ? "" : spec.indicator.substr(series_name.size() + 1);
    const core::SeriesSummary* series = find_series(r.summaries, series_name);
    const auto sector_at = std::find(r.sector_ids.begin(), r.sector_ids.end(), sector_id);
    const std::size_t sector = static_cast<std::size_t>(sector_at - r.sector_ids.begin());
    if (!series || series->info.by_sector == region ||
        (!region && sector_at == r.sector_ids.end())) {
      notes.push_back("Target <code>" + esc(spec.id) + "</code>: its indicator <code>" +
                      esc(spec.indicator) + "</code> has no summary in this file; not drawn.");
      continue;
    }
    Fan fan{spec.indicator, series->info.units, series->info.description, "", {}, {}, {}};
    double divisor = 1.0;
    if (spec.relative_to_year) {
      const auto ref = std::find(r.years.begin(), r.years.end(), *spec.relative_to_year);
      const std::size_t ry = static_cast<std::size_t>(ref - r.years.begin());
      auto at_ref = [&](int stat) {
        return stat_at(*series, core::N_STATS, n_years, n_sectors, stat, ry, sector);
      };
      if (ref == r.years.end() || at_ref(MIN) != at_ref(MAX) || !(at_ref(MIN) > 0)) {
        notes.push_back("Target <code>" + esc(spec.id) + "</code> compares <code>" +
                        esc(spec.indicator) + "</code> with its value in " +
                        std::to_string(*spec.relative_to_year) +
                        ", which varies across draws: the ratio's quantiles cannot be had from "
                        "the summaries, so no fan and no threshold line are drawn for it.");
        continue;
      }
      divisor = at_ref(MIN);
      fan.name += " / " + std::to_string(*spec.relative_to_year);
      fan.description = "ratio to the " + std::to_string(*spec.relative_to_year) + " value, " +
                        value_text(divisor) + " " + series->info.units + " in every draw";
      fan.units = "1";
    }
    quantiles(fan, *series, sector, divisor);
    add_target(fan, spec);
    h += fan_chart(fan);
  }
  h += "</div>";
  if (!notes.empty()) {
    h += "<ul class=\"notes\">";
    for (const std::string& note : notes)
      h += "<li>" + note + "</li>";
    h += "</ul>";
  }
  return h + "</section>";
}

std::string Page::sector_mix_section() {
  std::string h = "<section id=\"sector-mix\"><h2>Sector mix of value added · " +
                  zh("增加值产业结构") + "</h2>";
  struct Bar {
    std::string label;
    std::vector<double> values;
  };
  std::vector<Bar> bars;
  const Scenario* first = nullptr;
  std::vector<Bar> base_bars;
  for (const Scenario& s : run_.scenarios) {
    const core::ScenarioResult& r = s.result;
    const core::SeriesSummary* va = find_series(r.summaries, "va");
    if (!va || !va->info.by_sector || r.years.empty()) continue;
    if (!first) first = &s;
    if (first->result.sector_ids != r.sector_ids) continue;
    const std::size_t n_years = r.years.size(), n_sectors = r.sector_ids.size();
    Bar base{std::to_string(r.years.front()) + " base year · " + s.info.name, {}};
    Bar end{std::to_string(r.years.back()) + " median · " + s.info.name, {}};
    for (std::size_t k = 0; k < n_sectors; ++k) {
      base.values.push_back(stat_at(*va, core::N_STATS, n_years, n_sectors, P50, 0, k));
      end.values.push_back(stat_at(*va, core::N_STATS, n_years, n_sectors, P50, n_years - 1, k));
    }
    base_bars.push_back(std::move(base));
    bars.push_back(std::move(end));
  }
  if (!first) {
    return h + "<p class=\"empty\">No value-added series by sector in this file.</p></section>";
  }
  // The base year is observed data: one bar when every scenario starts from it.
  const bool same_base = std::all_of(base_bars.begin(), base_bars.end(), [&](const Bar& b) {
    return b.values == base_bars.front().values;
  });
  if (same_base) {
    base_bars.resize(1);
    base_bars[0].label = std::to_string(first->result.years.front()) + " base year";
  }
  bars.insert(bars.begin(), base_bars.begin(), base_bars.end());

  const core::ScenarioResult& r = first->result;
  const std::size_t n_sectors = r.sector_ids.size();
  double max_total = 0;
  for (const Bar& b : bars) {
    double total = 0;
    for (const double v : b.values)
      total += std::isfinite(v) ? std::max(v, 0.0) : 0.0;
    max_total = std::max(max_total, total);
  }
  // Legend entries "English 中文", laid out left to right and wrapped like text.
  std::vector<std::string> names_en(n_sectors), names_zh(n_sectors);
  std::vector<std::pair<double, double>> legend_at(n_sectors);  // x, line
  double legend_x = 0, legend_line = 0;
  for (std::size_t k = 0; k < n_sectors; ++k) {
    names_en[k] = k < r.sector_names_en.size() && !r.sector_names_en[k].empty()
                      ? r.sector_names_en[k]
                      : r.sector_ids[k];
    names_zh[k] = k < r.sector_names_zh.size() ? r.sector_names_zh[k] : "";
    const double w = 18 + text_width(names_en[k], 12) + 8 + text_width(names_zh[k], 13) + 22;
    if (legend_x > 0 && legend_x + w > WIDE) legend_x = 0, legend_line += 1;
    legend_at[k] = {legend_x, legend_line};
    legend_x += w;
  }
  const double legend_rows = legend_line + 1;
  const double row = 36, top = 6, legend_row = 20, plot_right = WIDE - 90;
  const double axis_bottom = top + row * static_cast<double>(bars.size());
  const double legend_top = axis_bottom + AXIS_SPACE + 8;
  const double height = legend_top + legend_row * legend_rows;
  Svg svg = chart("sector-mix", WIDE, height, "Sector mix of value added",
                  "Stacked bars of value added by sector: the base year, and the median of the "
                  "end year in each scenario.");
  const Ticks ticks = nice_ticks(0, max_total, 6);
  const Scale x{0, ticks.hi, PLOT_LEFT, plot_right};
  const core::SeriesSummary* va = find_series(r.summaries, "va");
  value_axis(svg, ticks, x, false, top, axis_bottom, plain_label, "value added, " + va->info.units);
  double y = top;
  for (const Bar& b : bars) {
    svg.text(LABEL_RIGHT, y + row / 2 + 4, b.label, "", "end");
    double at = 0;
    for (std::size_t k = 0; k < n_sectors; ++k) {
      const double v = std::isfinite(b.values[k]) ? std::max(b.values[k], 0.0) : 0.0;
      const double x0 = x(at), x1 = x(at + v);
      svg.rect(x0, y + 5, x1 - x0, row - 10, "segment",
               SECTOR_COLOURS[k % std::size(SECTOR_COLOURS)]);
      const std::string label = fixed(v, 0);
      if (x1 - x0 > text_width(label, 11) + 6) {
        svg.text((x0 + x1) / 2, y + row / 2 + 4, label, "segment-label", "middle");
      }
      at += v;
    }
    svg.text(x(at) + 6, y + row / 2 + 4, "Σ " + fixed(at, 0), "muted");
    y += row;
  }
  for (std::size_t k = 0; k < n_sectors; ++k) {
    const double lx = legend_at[k].first, ly = legend_top + legend_row * legend_at[k].second;
    svg.rect(lx, ly, 12, 12, "segment", SECTOR_COLOURS[k % std::size(SECTOR_COLOURS)]);
    svg.text_html(
        lx + 18, ly + 11,
        esc(names_en[k]) + (names_zh[k].empty() ? ""
                                                : "  <tspan class=\"zh\" lang=\"zh-CN\">" +
                                                      esc(names_zh[k]) + "</tspan>"));
  }
  return h + "<figure class=\"wide\">" + svg.finish() +
         "<figcaption>Medians by sector, so the end-year totals (Σ) are sums of medians, not the "
         "median of the total. "
         "各产业增加值为中位数，合计为中位数之和。</figcaption></figure></section>";
}

std::string Page::provenance_section() const {
  std::string h =
      "<section id=\"provenance\"><h2>Sources and estimates · " + zh("数据来源与估计") + "</h2>";
  for (std::size_t i = 0; i < run_.scenarios.size(); ++i) {
    const Scenario& s = run_.scenarios[i];
    std::size_t sourced = 0, estimated = 0;
    for (const core::Provenance& p : s.provenance) {
      sourced += p.kind == "source" ? 1 : 0;
      estimated += p.kind == "estimate" ? 1 : 0;
    }
    h += std::string("<details") + (i == 0 ? " open" : "") + "><summary><code>" + esc(s.info.name) +
         "</code> " + scenario_title(s) + " — " + std::to_string(s.provenance.size()) +
         " numbers: " + std::to_string(sourced) + " sourced, " + std::to_string(estimated) +
         " estimated, " + std::to_string(s.provenance.size() - sourced - estimated) +
         " undocumented</summary>";
    if (!s.provenance_missing.empty()) {
      h += "<p class=\"empty\">No provenance recorded for this scenario (" +
           esc(s.provenance_missing) + ").</p></details>";
      continue;
    }
    h += "<table class=\"provenance\"><colgroup><col class=\"c-key\"><col class=\"c-value\">"
         "<col class=\"c-kind\"><col class=\"c-note\"></colgroup><thead><tr><th>Key "
         "键</th><th>Value "
         "值</th><th>Kind 类型</th><th>Source or reasoning 来源或依据</th></tr></thead><tbody>";
    for (const core::Provenance& p : s.provenance) {
      const std::string kind = p.kind.empty() ? "undocumented" : p.kind;
      h += "<tr><td><code>" + esc(p.key) + "</code></td><td>" + esc(p.value) +
           "</td><td><span class=\"kind " + esc(kind) + "\">" + esc(kind) + "</span></td><td>" +
           esc(p.note) + "</td></tr>";
    }
    h += "</tbody></table></details>";
  }
  return h + "</section>";
}

std::string Page::run_section() const {
  auto row = [](std::string_view key, const std::string& value_html) {
    return "<tr><th>" + std::string(key) + "</th><td>" + value_html + "</td></tr>";
  };
  std::string h = "<section id=\"run\"><h2>Run information · " + zh("运行信息") +
                  "</h2><table class=\"run\"><tbody>";
  h += row("File 文件", "<code>" + esc(run_.file_name) + "</code>");
  h += row("Created (UTC) 创建时间", esc(run_.file.created_utc));
  h += row("Engine version 版本", esc(run_.file.engine_version) + " (results format " +
                                      esc(run_.file.format_version) + ")");
  h += row("Seed 随机种子", std::to_string(run_.file.seed));
  h += row("Generator 生成器", esc(run_.file.generator) + ", " +
                                   std::to_string(run_.file.chunk_draws) + " draws per chunk");
  h +=
      row("Command line 命令行", "<code class=\"wrap\">" + esc(run_.file.command_line) + "</code>");
  for (const Scenario& s : run_.scenarios) {
    const core::ScenarioResult& r = s.result;
    h += row(("Scenario <code>" + esc(s.info.name) + "</code>").c_str(),
             fixed(static_cast<double>(r.draws), 0) + " of " +
                 fixed(static_cast<double>(r.draws_requested), 0) + " draws" +
                 (s.info.complete ? "" : " (incomplete)") + " · sampler " +
                 esc(core::sampler_name(r.sampler)) + " · seed " + std::to_string(r.seed) +
                 " · quantiles " + esc(r.quantile_method) +
                 " · scenario file sha256 <code "
                 "class=\"wrap\">" +
                 esc(s.info.scenario_sha256) + "</code>");
  }
  return h + "</tbody></table></section>";
}

constexpr const char* STYLE = R"css(
:root { --ink: #1d2430; --muted: #5b6472; --line: #d5dae1; --accent: #1f5fa8; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #eef1f4; color: var(--ink); font-size: 15px; line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial,
    "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
.zh { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
  "Noto Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 20px 32px 48px; background: #fff; }
h1 { font-size: 1.55rem; margin: 0.1rem 0 0.4rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 0.6rem; padding-bottom: 0.25rem;
  border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 0.4rem; }
h4 { font-size: 0.92rem; font-weight: 600; margin: 0 0 0.2rem; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
code.wrap { word-break: break-all; }
a { color: var(--accent); }
.kicker { margin: 0; color: var(--muted); font-size: 0.85rem; letter-spacing: 0.02em; }
ul.scenarios { margin: 0.3rem 0; padding-left: 0; list-style: none; }
ul.scenarios li { margin: 0.15rem 0; }
nav { margin: 0.8rem 0 0; padding: 0.4rem 0; border-top: 1px solid var(--line);
  border-bottom: 1px solid var(--line); font-size: 0.9rem; }
.muted, .note, figcaption { color: var(--muted); }
.note, figcaption { font-size: 0.84rem; }
.empty { padding: 0.6rem 0.8rem; background: #f6f7f9; border-left: 3px solid var(--line); }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.35em;
  border-radius: 2px; vertical-align: -0.05em; print-color-adjust: exact;
  -webkit-print-color-adjust: exact; }
figure { margin: 0.6rem 0 1.2rem; break-inside: avoid; page-break-inside: avoid; }
figure.wide { margin-top: 0.8rem; }
svg.chart { display: block; width: 100%; height: auto; overflow: visible; }
svg.chart text { font-size: 12px; fill: var(--ink); }
svg.chart .strong { font-weight: 600; font-size: 13px; }
svg.chart .zh { font-size: 13px; }
svg.chart .muted { fill: var(--muted); }
svg.chart .small { font-size: 11px; }
svg.chart .tick { fill: var(--muted); font-size: 11px; }
.grid { stroke: #e4e8ed; stroke-width: 1; }
.grid.zero, .zero { stroke: #6b7280; stroke-width: 1.2; }
.band90 { fill: #b9d3ee; }
.band50 { fill: #6fa2d8; }
.median { fill: none; stroke: #103d73; stroke-width: 2; }
.dot { fill: #103d73; }
.threshold { stroke: #c0392b; stroke-width: 1.6; stroke-dasharray: 6 4; }
svg.chart .threshold-label { fill: #a93226; font-size: 11px; }
svg.chart .threshold-label, svg.chart .halo { paint-order: stroke; stroke: #fff; stroke-width: 3px;
  stroke-linejoin: round; }
.bar { opacity: 0.85; }
.whisker { stroke: #1d2430; stroke-width: 1.4; }
.paired { stroke: #1d2430; stroke-width: 2.4; }
.unpaired { fill: #c3cad4; opacity: 0.75; }
svg.chart .segment-label { fill: #fff; font-size: 11px; }
.segment { stroke: #fff; stroke-width: 1; }
.fans { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr));
  gap: 8px 36px; }
.fans figure { margin: 0.4rem 0 0.8rem; }
.subtitle { margin: 0 0 0.2rem; font-size: 0.8rem; color: var(--muted); }
.units { font-weight: 400; color: var(--muted); }
.legend { font-size: 0.84rem; color: var(--muted); }
.key { display: inline-block; width: 1.4em; height: 0.7em; margin: 0 0.3em 0 0.9em;
  vertical-align: 0; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.key.band90 { background: #b9d3ee; } .key.band50 { background: #6fa2d8; }
.key.median { height: 0; border-top: 2px solid #103d73; vertical-align: 0.25em; }
.key.threshold { height: 0; border-top: 2px dashed #c0392b; vertical-align: 0.25em; }
ul.notes { font-size: 0.84rem; color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.84rem; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
thead th { border-bottom: 2px solid var(--line); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.headline { font-weight: 700; }
.nowrap { white-space: nowrap; }
td small { color: var(--muted); font-weight: 400; }
details { margin: 0.4rem 0 0.8rem; }
summary { cursor: pointer; padding: 0.3rem 0; }
table.provenance { width: 100%; table-layout: fixed; }
col.c-key { width: 24%; } col.c-value { width: 13%; } col.c-kind { width: 10%; }
col.c-note { width: 53%; }
table.provenance td { overflow-wrap: anywhere; }
.kind { font-size: 0.78rem; padding: 0 0.35em; border-radius: 3px; border: 1px solid var(--line); }
.kind.source { color: #1d5e2f; border-color: #9bc8a8; }
.kind.estimate { color: #7a4b00; border-color: #e2c189; }
.kind.undocumented { color: #8a1c1c; border-color: #e0a3a3; }
table.run th { width: 14rem; font-weight: 600; }
footer { margin-top: 2rem; font-size: 0.8rem; color: var(--muted); }
@page { size: A4; margin: 12mm; }
@media print {
  body { background: #fff; font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  figure, svg, tr, .empty { break-inside: avoid; page-break-inside: avoid; }
  .fans { grid-template-columns: 1fr 1fr; gap: 0 6mm; }
  .empty { background: none; }
  section.scenario { break-before: page; }
  figcaption, .note, .subtitle, .legend, ul.notes { font-size: 8pt; }
  table { font-size: 8pt; }
  th, td { padding: 2px 4px; }
  .scroll { overflow: visible; }
}
)css";

std::string Page::render() {
  std::string title = "sectorsim report: " + run_.file_name;
  std::string body = header() + targets_section() + comparison_section();
  for (std::size_t i = 0; i < run_.scenarios.size(); ++i)
    body += scenario_section(i);
  body += sector_mix_section() + provenance_section() + run_section();
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta "
         "name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta "
         "name=\"generator\" content=\"sectorsim " +
         esc(run_.file.engine_version) + "\"><title>" + esc(title) + "</title><style>" + STYLE +
         "</style></head><body><main>" + body + "<footer>Written by sectorsim from " +
         esc(run_.file_name) +
         ". Every number on this page is read from that file.</footer></main></body></html>\n";
}

}  // namespace

void write_report(const std::string& results_path, const std::string& html_path, bool overwrite) {
  const Run run = load(results_path);
  Page page(run);
  write_file_atomically(html_path, page.render(), overwrite);
}

}  // namespace sectorsim::io
