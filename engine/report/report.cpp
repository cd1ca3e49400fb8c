#include "engine/report/report.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/io/atomic_file.hpp"
#include "engine/io/format.hpp"
#include "engine/io/results_reader.hpp"
#include "engine/report/report_css.hpp"
#include "engine/report/svg.hpp"
#include "engine/spec/results.hpp"
#include "engine/spec/scenario_spec.hpp"
#include "engine/stats/paired.hpp"

namespace sectorsim::report {

namespace {

using io::IoError;

// ------------------------------------------------------------------ data

// Statistic indices in core::STAT_NAMES and core::DIFF_STAT_NAMES.
constexpr int MIN = 2, P05 = 3, P25 = 4, P50 = 5, P75 = 6, P95 = 7, MAX = 8;
constexpr int MEAN = 0;
constexpr int D_MEAN = 0, D_LOW = 1, D_HIGH = 2, D_P05 = 4, D_P95 = 5, D_HIGHER = 6, D_LOWER = 7;

struct Scenario {
  io::ScenarioInfo info;
  core::ScenarioResult result;
  std::vector<core::Provenance> provenance;
  std::string provenance_missing;  // why there is none, when there is none
};

struct Run {
  std::string file_name;
  io::FileInfo file;
  std::vector<Scenario> scenarios;
  std::vector<core::Comparison> comparisons;
  std::optional<core::BacktestResult> backtest;
  std::string backtest_scenario;
};

Run load(const std::string& path) {
  Run run;
  run.file_name = std::filesystem::path(path).filename().string();
  run.file = io::read_file_info(path);
  for (const std::string& name : io::list_scenarios(path)) {
    Scenario s;
    s.info = io::read_scenario_info(path, name);
    s.result = io::read_scenario(path, name);
    try {
      s.provenance = io::read_provenance(path, name);
    } catch (const IoError& e) {
      s.provenance_missing = e.what();
    }
    run.scenarios.push_back(std::move(s));
  }
  run.comparisons = io::read_comparisons(path);
  run.backtest = io::read_backtest(path, &run.backtest_scenario);
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

bool has_targets(const Run& run) {
  return std::any_of(run.scenarios.begin(), run.scenarios.end(),
                     [](const Scenario& s) { return !s.result.targets.empty(); });
}

// Units worth showing: none for dimensionless numbers ("1") or where unknown.
std::string shown_units(const std::string& units) {
  return units == "1" ? std::string() : units;
}

// ------------------------------------------------------------------ text

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

// Escaped text that may wrap after '_', '/' and a '.' before a letter
// (<wbr>), as long identifiers in a narrow column should rather than mid-word;
// numbers ("0.75") stay whole.
std::string breakable(std::string_view text) {
  const std::string escaped = escape(text);
  std::string out;
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    const char c = escaped[i];
    out += c;
    const bool letter_next =
        i + 1 < escaped.size() && std::isalpha(static_cast<unsigned char>(escaped[i + 1])) != 0;
    if (c == '_' || c == '/' || (c == '.' && letter_next)) out += "<wbr>";
  }
  return out;
}

std::string zh(std::string_view text) {
  return text.empty() ? "" : "<span class=\"zh\" lang=\"zh-CN\">" + escape(text) + "</span>";
}

// "English · 中文", falling back to the id when both are empty (HTML).
std::string bilingual(std::string_view en, std::string_view zh_text, std::string_view id) {
  if (en.empty() && zh_text.empty()) return escape(id);
  if (zh_text.empty()) return escape(en);
  if (en.empty()) return zh(zh_text);
  return escape(en) + " · " + zh(zh_text);
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

// "<code>name</code> <span class=units>units</span>" (HTML).
std::string series_heading(const core::SeriesInfo& info) {
  const std::string units = shown_units(info.units);
  return "<code>" + escape(info.name) + "</code>" +
         (units.empty() ? "" : " <span class=\"units\">" + escape(units) + "</span>");
}

// ------------------------------------------------------------------ chart layout

constexpr const char* SCENARIO_COLOURS[] = {"#2b6cb0", "#d97706", "#2f855a", "#805ad5",
                                            "#c53030", "#0f766e", "#b7791f", "#4a5568"};
constexpr const char* SECTOR_COLOURS[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                          "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                                          "#9c755f", "#bab0ac", "#86bcb6", "#d4a6c8"};

const char* scenario_colour(std::size_t i) {
  return SCENARIO_COLOURS[i % std::size(SCENARIO_COLOURS)];
}
const char* sector_colour(std::size_t k) {
  return SECTOR_COLOURS[k % std::size(SECTOR_COLOURS)];
}

constexpr double WIDE = 900;  // viewBox width of full-width charts
constexpr double LABEL_RIGHT = 170, PLOT_LEFT = 180, PLOT_RIGHT = 640, TEXT_LEFT = 652;
constexpr double LABEL_SIZE = 11;  // px, .threshold-label in report.css

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
    const std::string en_html = "<tspan class=\"strong\">" + escape(en) + "</tspan>";
    const std::string zh_html =
        zh.empty() ? "" : "<tspan class=\"zh\" lang=\"zh-CN\">" + escape(zh) + "</tspan>";
    const std::string note_html =
        note.empty() ? "" : "  <tspan class=\"muted\">" + escape(note) + "</tspan>";
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
  Charts charts();

 private:
  Svg chart(std::string_view kind, double w, double h, std::string_view title,
            std::string_view description) {
    return Svg(kind, "chart-" + std::to_string(++charts_), w, h, title, description);
  }

  // One part of the page: its anchor, its entry in the navigation (HTML) and
  // its HTML; a part with no HTML is left out, navigation included.
  struct Part {
    std::string id, nav, html;
  };
  std::string header(const std::vector<Part>& parts) const;
  std::string targets_section();
  std::string probability_chart();
  std::string probability_table() const;
  std::string comparison_section();
  std::string target_diff_chart(const core::Comparison& c);
  std::string indicator_diff_chart(const core::Comparison& c);
  std::string appraisal_table(const core::Comparison& c);
  std::string backtest_section();
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
  std::string sector_section();
  std::string sector_chart(const std::string& series_name, const core::ScenarioResult& first);
  std::string provenance_section() const;
  std::string run_section() const;

  const Run& run_;
  int charts_ = 0;
};

std::string Page::header(const std::vector<Part>& parts) const {
  std::string h = "<header><p class=\"kicker\">sectorsim · results report · " + zh("模拟结果报告") +
                  "</p><h1>" + escape(run_.file_name) + "</h1><ul class=\"scenarios\">";
  for (std::size_t i = 0; i < run_.scenarios.size(); ++i) {
    const Scenario& s = run_.scenarios[i];
    h += "<li><span class=\"swatch\" style=\"background:" + std::string(scenario_colour(i)) +
         "\"></span><a href=\"#scenario-" + escape(s.info.name) + "\"><code>" +
         escape(s.info.name) + "</code></a> " + scenario_title(s) + " <span class=\"muted\">(" +
         fixed(static_cast<double>(s.result.draws), 0) + " draws" +
         (s.info.complete ? "" : ", incomplete") + ")</span></li>";
  }
  h += "</ul>";
  // Results kept with --allow-nonfinite: say so before any number is read.
  for (const Scenario& s : run_.scenarios) {
    const std::vector<std::string> lines = core::describe_nonfinite(s.result);
    if (lines.empty()) continue;
    h += "<div class=\"alert\" role=\"alert\"><p><strong>Values that are not numbers · " +
         zh("非数值") + "</strong> in <code>" + escape(s.info.name) +
         "</code>: the cells below have no statistics (shown as gaps), and a target value that is "
         "not a number counts as not met. The run was told to keep them "
         "(<code>--allow-nonfinite</code>).</p><ul>";
    for (const std::string& line : lines)
      h += "<li>" + escape(line) + "</li>";
    h += "</ul></div>";
  }
  h += "<p class=\"muted\">Created " + escape(run_.file.created_utc) + " · sectorsim " +
       escape(run_.file.engine_version) + " · seed " + std::to_string(run_.file.seed) + "</p>";
  std::string nav;
  for (const Part& part : parts) {
    if (part.html.empty()) continue;
    nav +=
        (nav.empty() ? "" : " · ") + ("<a href=\"#" + escape(part.id) + "\">" + part.nav + "</a>");
  }
  return h + "<nav>" + nav + "</nav></header>";
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
  for (const Scenario& s : run_.scenarios) {
    values.back().push_back(s.result.targets.empty() ? std::nullopt
                                                     : std::optional(s.result.all_targets));
  }

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
        svg.text(TEXT_LEFT, mid + 4,
                 run_.scenarios[i].result.targets.empty() ? "this scenario has no targets"
                                                          : "not a target of this scenario",
                 "muted");
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
  // Many years make a wide table: on screen it scrolls sideways in its box
  // (the target column stays in view); in print it fits the page, in a
  // smaller font the more years there are (report.css). With one scenario
  // the page's header names it, and its column is left out.
  const bool by_scenario = run_.scenarios.size() > 1;
  const std::string density = years.size() > 12 ? " denser" : years.size() > 8 ? " dense" : "";
  std::string h = "<div class=\"scroll\"><table class=\"by-year" + density +
                  "\"><colgroup><col class=\"c-target\">" +
                  (by_scenario ? "<col class=\"c-scenario\">" : "") + "<col span=\"" +
                  std::to_string(years.size()) +
                  "\" class=\"c-year\"></colgroup><thead><tr><th class=\"target\">Target "
                  "目标</th>" +
                  (by_scenario ? "<th>Scenario 情景</th>" : "");
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
        h += "<th class=\"target\" rowspan=\"" + std::to_string(rows.size()) + "\"><code>" +
             breakable(id) + "</code><br><small>" + breakable(condition_text(target->spec)) +
             "</small></th>";
      }
      if (by_scenario) h += "<td class=\"nowrap\">" + escape(s->info.name) + "</td>";
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
  if (!has_targets(run_)) return "";
  // Targets the plan cannot move (met in the base year in every draw, or in
  // no draw), and why the joint probability is 0: said, not left to be read
  // off the bars as if they were open questions.
  std::string decided;
  for (const Scenario& s : run_.scenarios) {
    for (const core::TargetResult& t : s.result.targets) {
      const std::string why = core::verdict_text(t, s.result.years);
      if (!why.empty()) {
        decided += "<li><code>" + escape(t.spec.id) + "</code> in <code>" + escape(s.info.name) +
                   "</code>: " + escape(why) + "</li>";
      }
    }
    if (const std::string joint = core::joint_text(s.result); !joint.empty()) {
      decided +=
          "<li>All targets in <code>" + escape(s.info.name) + "</code>: " + escape(joint) + "</li>";
    }
  }
  if (!decided.empty()) {
    decided = "<p class=\"note\"><strong>Decided before the plan acts · " + zh("由数据决定") +
              "</strong></p><ul class=\"notes decided\">" + decided + "</ul>";
  }
  // A conditioned run: every probability is weighted by the fit to what was
  // observed, and rests on the effective sample size, not the draws.
  std::string conditioned;
  for (const Scenario& s : run_.scenarios) {
    if (!s.result.conditioning) continue;
    const core::Conditioning& c = *s.result.conditioning;
    conditioned += "<li><code>" + escape(s.info.name) + "</code>: conditioned on " +
                   std::to_string(c.observations) + " observations, effective sample size " +
                   fixed(c.ess, 1) + " of " + fixed(static_cast<double>(s.result.draws), 0) +
                   " draws; the heaviest draw carries " + fixed(100 * c.max_weight_share, 2) +
                   "% of the weight</li>";
  }
  if (!conditioned.empty()) {
    conditioned = "<p class=\"note\"><strong>Given what was observed · " + zh("以观测数据为条件") +
                  "</strong>: probabilities, quantiles and differences are weighted by each "
                  "draw's likelihood of the published figures (docs/conditioning.md); their "
                  "intervals are at the effective sample size.</p><ul class=\"notes\">" +
                  conditioned + "</ul>";
  }
  return "<section id=\"targets\"><h2>Target probabilities · " + zh("目标达成概率") + "</h2>" +
         conditioned + probability_chart() + decided + "<h3>Probability by year · " +
         zh("各年份达成概率") + "</h3>" + probability_table() + "</section>";
}

std::string Page::target_diff_chart(const core::Comparison& c) {
  if (c.targets.empty()) return "";
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
  if (rows.empty()) return "";
  const std::size_t n_years = s ? s->result.years.size() : 0;
  const std::size_t n_sectors = s ? s->result.sector_ids.size() : 0;
  const std::string end_year = n_years > 0 ? std::to_string(s->result.years.back()) : "?";
  auto header_of = [&](const core::SeriesSummary& d) {
    const std::string units = shown_units(d.info.units);
    return Header{d.info.name, "", (units.empty() ? "" : units + " · ") + d.info.description};
  };
  const double row = 34, top = 4;
  double height = top + 8;
  for (const core::SeriesSummary* d : rows)
    height += header_of(*d).height() + row;
  Svg svg = chart("indicator-diff", WIDE, height,
                  "Difference of each per-year series in " + end_year + ", " + c.scenario +
                      " minus " + c.baseline,
                  "For each per-year series in the end year: the mean per-draw difference with "
                  "its 95% interval, and the 5-95% range of the per-draw differences; each row has "
                  "its own scale, centred on zero.");
  double y = top;
  for (const core::SeriesSummary* d : rows) {
    const std::string units = shown_units(d->info.units);
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
  return "<figure class=\"wide\">" + svg.finish() + "<figcaption>End year " + escape(end_year) +
         ". Left: mean in the baseline → in the scenario. Dot and dark whisker: mean per-draw "
         "difference with its 95% interval; faded bar: 5–95% of the per-draw differences. "
         "P(higher) is the share of draws in which the scenario's value is above the baseline's. "
         "Each row has its own scale, centred on zero. 各行刻度不同，以零为中心。"
         "</figcaption></figure>";
}

std::string Page::comparison_section() {
  if (run_.comparisons.empty()) return "";
  std::string h = "<section id=\"comparison\"><h2>Differences against the baseline · " +
                  zh("与基准情景的差异") + "</h2>";
  for (const core::Comparison& c : run_.comparisons) {
    const Scenario* s = find_scenario(run_, c.scenario);
    const Scenario* b = find_scenario(run_, c.baseline);
    h += "<h3><code>" + escape(c.scenario) + "</code> vs <code>" + escape(c.baseline) +
         "</code></h3>";
    h += "<p class=\"note\">" + (s ? scenario_title(*s) : escape(c.scenario)) + " against " +
         (b ? scenario_title(*b) : escape(c.baseline)) + ", on the same " +
         fixed(static_cast<double>(c.draws), 0) +
         " draws (common random numbers): each draw shares its parameters and shocks, so the "
         "difference is measured far more precisely than between independent runs. Two kinds of "
         "uncertainty are drawn apart: the whisker around each mean difference is Monte Carlo "
         "error (more draws narrow it); the shaded band, the 5–95% range of the per-draw "
         "differences, is model uncertainty about the effect (more draws do not).</p>";
    h += target_diff_chart(c) + indicator_diff_chart(c) + appraisal_table(c);
  }
  return h + "</section>";
}

// Each published value against its forecast: the 90% band (light), the 50%
// band (dark), the median (tick) and the value (dot), on each row's own
// scale; then the scores and the bands' coverage.
std::string Page::backtest_section() {
  if (!run_.backtest) return "";
  const core::BacktestResult& b = *run_.backtest;
  const core::ForecastSummary& m = b.summary;
  std::string h = "<section id=\"backtest\"><h2>Back-test · " + zh("回测") + " <code>" +
                  escape(run_.backtest_scenario) + "</code></h2>";
  h += "<p class=\"note\">Each published value against the draws of its forecast. Of " +
       std::to_string(m.n) + " values, " + percent(m.in50.p) + " (95% interval " +
       percent(m.in50.low) + "–" + percent(m.in50.high) + ") fall in the central 50% bands and " +
       percent(m.in90.p) + " (" + percent(m.in90.low) + "–" + percent(m.in90.high) +
       ") in the 90% bands; a calibrated forecast covers 50% and 90%. Mean CRPS " +
       value_text(m.mean_crps) + ".</p>";
  if (m.n > 0 && m.in90.high < 0.90) {
    h += "<p class=\"alert\">The 90% bands cover fewer outcomes than they claim, beyond "
         "sampling error: the forecast is overconfident.</p>";
  }
  const double row = 30, top = 6;
  const double height = top + row * static_cast<double>(b.observations.size()) + 8;
  Svg svg = chart("backtest", WIDE, height, "Published values against their forecasts",
                  "For each published value: the forecast's 90% band, 50% band and median, and "
                  "the value as a dot; each row has its own scale.");
  double y = top;
  for (std::size_t i = 0; i < b.observations.size(); ++i) {
    const core::ForecastScore& s = b.scores[i];
    const double mid = y + row / 2;
    y += row;
    svg.text(LABEL_RIGHT, mid + 4,
             b.observations[i].indicator + " " + std::to_string(b.observations[i].year), "muted",
             "end");
    const double lo = std::min(s.p05, s.observed), hi = std::max(s.p95, s.observed);
    const double pad = (hi - lo) * 0.08 + 1e-12;
    const Scale x{lo - pad, hi + pad, PLOT_LEFT, PLOT_RIGHT};
    svg.line(PLOT_LEFT, mid, PLOT_RIGHT, mid, "grid");
    svg.rect(x(s.p05), mid - 6, x(s.p95) - x(s.p05), 12, "unpaired");
    svg.rect(x(s.p25), mid - 6, x(s.p75) - x(s.p25), 12, "bar", "#7f8fa6");
    svg.line(x(s.p50), mid - 8, x(s.p50), mid + 8, "zero");
    svg.circle(x(s.observed), mid, 4.5, "dot");
    svg.text(TEXT_LEFT, mid + 4,
             value_text(s.observed) + " (PIT " + fixed(s.pit, 2) + ")" +
                 (s.in90 ? "" : " outside the 90% band"));
  }
  h += "<figure class=\"wide\">" + svg.finish() +
       "<figcaption>Light: the 90% band; darker: the 50% band; tick: the median; dot: the "
       "published value.</figcaption></figure>";
  h += "<table class=\"backtest\"><thead><tr><th>Indicator 指标</th><th class=\"num\">Year</th>"
       "<th class=\"num\">Published</th><th class=\"num\">Median</th><th class=\"num\">90% "
       "band</th><th class=\"num\">PIT</th><th class=\"num\">CRPS</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < b.observations.size(); ++i) {
    const core::ForecastScore& s = b.scores[i];
    h += "<tr><td><code>" + escape(b.observations[i].indicator) + "</code></td><td class=\"num\">" +
         std::to_string(b.observations[i].year) + "</td><td class=\"num\">" +
         value_text(s.observed) + "</td><td class=\"num\">" + value_text(s.p50) +
         "</td><td class=\"num\">" + value_text(s.p05) + "–" + value_text(s.p95) +
         "</td><td class=\"num\">" + fixed(s.pit, 3) + "</td><td class=\"num\">" +
         value_text(s.crps) + "</td></tr>";
  }
  return h + "</tbody></table></section>";
}

std::string Page::appraisal_table(const core::Comparison& c) {
  if (!c.appraisal) return "";
  const core::Appraisal& a = *c.appraisal;
  const Scenario* b = find_scenario(run_, c.baseline);
  const int base_year = b && !b->result.years.empty() ? b->result.years.front() : 0;
  const int end_year = b && !b->result.years.empty() ? b->result.years.back() : 0;
  std::string h = "<h4>Costs and fiscal return · " + zh("成本与财政回报") + "</h4>";
  h += "<p class=\"note\">Extra over the baseline, " + std::to_string(base_year + 1) + "–" +
       std::to_string(end_year) + ", in 亿元 at " + std::to_string(base_year) +
       " prices, discounted to " + std::to_string(base_year) + " at " + percent(a.discount_rate) +
       " a year (<code>" + escape(a.series.discount_rate) +
       "</code>). The mean's interval is Monte Carlo error; the 5–95% range is what the priors "
       "leave unknown. Benefits are counted to " +
       std::to_string(end_year) +
       " only: capital and space the mix adds keep paying after the horizon, and released space "
       "and land keep costing.</p>";
  h += "<table class=\"appraisal\"><thead><tr><th>Quantity 项目</th><th class=\"num\">Mean "
       "均值</th><th class=\"num\">95% CI (Monte Carlo)</th><th class=\"num\">5%–95% across "
       "draws</th></tr></thead><tbody>";
  const std::pair<const char*, const core::AppraisalStat*> rows[] = {
      {"Public cost 公共成本", &a.cost}, {"District revenue 区级财政收入", &a.revenue}};
  for (const auto& [label, q] : rows) {
    h += "<tr><th>" + std::string(label) + "</th><td class=\"num\">" + signed_fixed(q->mean, 1) +
         "</td><td class=\"num\">" + signed_fixed(q->ci_low, 1) + " to " +
         signed_fixed(q->ci_high, 1) + "</td><td class=\"num\">" + signed_fixed(q->p05, 1) +
         " to " + signed_fixed(q->p95, 1) + "</td></tr>";
  }
  h += "<tr><th>Value added 增加值</th><td class=\"num\">" + signed_fixed(a.value_added.mean, 1) +
       "</td><td colspan=\"2\">the yearly mean differences, discounted</td></tr>";
  h += "<tr><th>Revenue − cost 收入减成本</th><td class=\"num\">" + signed_fixed(a.net, 1) +
       "</td><td></td><td></td></tr>";
  h += "<tr><th>Cost per 亿元 of value added 每亿元增加值成本</th><td class=\"num\">" +
       value_text(a.cost_per_value_added) + "</td><td></td><td></td></tr>";
  h += "<tr><th>Benefit–cost ratio 效益成本比 (revenue / cost)</th><td class=\"num\">" +
       value_text(a.bcr) + "</td><td></td><td></td></tr>";
  h += "<tr><th>P(revenue &gt; cost) = P(BCR &gt; 1)</th><td class=\"num\">" +
       percent(a.revenue_exceeds_cost.p) + "</td><td class=\"num\">" +
       percent(a.revenue_exceeds_cost.low) + " to " + percent(a.revenue_exceeds_cost.high) +
       "</td><td></td></tr>";
  return h + "</tbody></table>";
}

std::string Page::fan_chart(const Fan& fan) {
  const double width = 440, height = 230, left = 52, right = 430, top = 10, bottom = 204;
  const std::string units = shown_units(fan.units);
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
              (units.empty() ? "" : " " + units);
  }
  std::string description = fan.name + ", median with 50% and 90% bands of the draws by year";
  if (!summary.empty()) description += "; " + summary;
  for (const auto& [value, label] : fan.thresholds)
    description += "; " + label;
  Svg svg = chart("fan", width, height, fan.name + (units.empty() ? "" : " (" + units + ")"),
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
    // A year whose statistics are not numbers (a cell with non-finite
    // draws, kept by --allow-nonfinite) is a gap: bands and the median are
    // drawn over each run of years that have them.
    std::vector<double> p[5];
    std::vector<bool> known(n, true);
    for (int k = 0; k < 5; ++k) {
      for (std::size_t i = 0; i < n; ++i) {
        const double v = fan.q[k][i];
        known[i] = known[i] && std::isfinite(v);
        p[k].push_back(std::isfinite(v) ? y(v) : 0.0);
      }
    }
    std::vector<Point> median;
    for (std::size_t first = 0; first < n;) {
      if (!known[first]) {
        ++first;
        continue;
      }
      std::size_t end = first;
      while (end < n && known[end])
        ++end;
      const auto run = [&](const std::vector<double>& v) {
        return std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(first),
                                   v.begin() + static_cast<std::ptrdiff_t>(end));
      };
      std::vector<Point> line;
      for (std::size_t i = first; i < end; ++i)
        line.push_back({xs[i], p[2][i]});
      if (line.size() > 1) {  // a year alone is its dot
        band(svg, run(xs), run(p[0]), run(p[4]), "band90");
        band(svg, run(xs), run(p[1]), run(p[3]), "band50");
        svg.path(polyline(line), "median");
      }
      median.insert(median.end(), line.begin(), line.end());
      first = end;
    }
    const double dot = 2.5;
    // Labels keep clear of the median (its line and dots), of the other
    // thresholds' lines and of each other: the first clear spot of above or
    // below the line, at its left end, right end or middle.
    std::vector<Box> avoid;
    for (const auto& [mx, my] : median) {
      svg.circle(mx, my, dot, "dot");
      avoid.push_back(Box{mx - dot, my - dot, mx + dot, my + dot});
    }
    std::vector<double> rows;
    for (const auto& [value, label] : fan.thresholds) {
      const double ty = y(value);
      rows.push_back(ty);
      svg.line(left, ty, right, ty, "threshold");
    }
    for (std::size_t t = 0; t < fan.thresholds.size(); ++t) {
      const std::string& label = fan.thresholds[t].second;
      const double ty = rows[t];
      std::vector<std::vector<Point>> lines = {median};
      for (std::size_t other = 0; other < rows.size(); ++other) {
        if (other != t && rows[other] != ty)
          lines.push_back({{left, rows[other]}, {right, rows[other]}});
      }
      const double above = ty - 5, below = ty + 14, middle = (left + right) / 2;
      const std::vector<Spot> spots = {{left + 6, above, "start"}, {left + 6, below, "start"},
                                       {right - 6, above, "end"},  {right - 6, below, "end"},
                                       {middle, above, "middle"},  {middle, below, "middle"}};
      const double w = text_width(label, LABEL_SIZE);
      const Spot& spot =
          spots[place_label(spots, w, LABEL_SIZE, Box{left, 0, right, bottom}, avoid, lines)];
      svg.text(spot.x, spot.y, label, "threshold-label", spot.anchor);
      avoid.push_back(text_box(spot, w, LABEL_SIZE));
    }
  }
  return "<figure><h4><code>" + escape(fan.name) + "</code>" +
         (units.empty() ? "" : " <span class=\"units\">" + escape(units) + "</span>") +
         "</h4><p class=\"subtitle\">" + escape(fan.description) + "</p>" + svg.finish() +
         "<figcaption>" + (summary.empty() ? "" : escape(summary) + ". ") + fan.targets_html +
         "</figcaption></figure>";
}

std::string Page::scenario_section(std::size_t index) {
  const Scenario& s = run_.scenarios[index];
  const core::ScenarioResult& r = s.result;
  const std::size_t n_years = r.years.size(), n_sectors = r.sector_ids.size();
  std::string h = "<section id=\"scenario-" + escape(s.info.name) + "\" class=\"scenario\"><h2>" +
                  "<span class=\"swatch\" style=\"background:" + scenario_colour(index) +
                  "\"></span>" + scenario_title(s) + " <code>" + escape(s.info.name) +
                  "</code></h2>";
  if (!s.info.description.empty()) h += "<p>" + escape(s.info.description) + "</p>";

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
    fan.targets_html += "Target <code>" + escape(t.id) +
                        "</code>: " + bilingual(t.label_en, t.label_zh, t.id) + ". ";
  };

  std::string fans;
  bool thresholds = false;
  std::vector<std::string> notes;
  // One fan per per-year series, in the file's order, with the thresholds of
  // the targets on it.
  for (const core::SeriesSummary& series : r.summaries) {
    if (series.info.by_sector) continue;
    Fan fan{series.info.name, series.info.units, series.info.description, "", {}, {}, {}};
    quantiles(fan, series, 0, 1.0);
    for (const core::TargetResult& t : r.targets) {
      if (t.spec.indicator == series.info.name && !t.spec.relative_to_year) add_target(fan, t.spec);
    }
    thresholds = thresholds || !fan.thresholds.empty();
    fans += fan_chart(fan);
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
      notes.push_back("Target <code>" + escape(spec.id) + "</code>: its indicator <code>" +
                      escape(spec.indicator) + "</code> has no summary in this file; not drawn.");
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
        notes.push_back("Target <code>" + escape(spec.id) + "</code> compares <code>" +
                        escape(spec.indicator) + "</code> with its value in " +
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
    thresholds = true;
    fans += fan_chart(fan);
  }
  if (!fans.empty()) {
    h += "<p class=\"legend\"><span class=\"key band90\"></span> 5–95% of draws <span "
         "class=\"key band50\"></span> 25–75% <span class=\"key median\"></span> median 中位数";
    if (thresholds) h += " <span class=\"key threshold\"></span> target threshold 目标值";
    h += "</p><div class=\"fans\">" + fans + "</div>";
  }
  if (!notes.empty()) {
    h += "<ul class=\"notes\">";
    for (const std::string& note : notes)
      h += "<li>" + note + "</li>";
    h += "</ul>";
  }
  return h + "</section>";
}

// The scenarios drawn in the sector charts: those with the sectors of the
// first scenario that has any, so that bars stack the same sectors.
std::vector<const Scenario*> sector_scenarios(const Run& run) {
  std::vector<const Scenario*> out;
  for (const Scenario& s : run.scenarios) {
    if (s.result.sector_ids.empty() || s.result.years.empty()) continue;
    if (!out.empty() && s.result.sector_ids != out.front()->result.sector_ids) continue;
    out.push_back(&s);
  }
  return out;
}

std::string Page::sector_chart(const std::string& series_name, const core::ScenarioResult& first) {
  struct Bar {
    std::string label, scenario;  // "2025 median", "plan" ("" for the shared base year)
    std::vector<double> values;
  };
  std::vector<Bar> bars, base_bars;
  const core::SeriesInfo* info = nullptr;
  for (const Scenario* s : sector_scenarios(run_)) {
    const core::ScenarioResult& r = s->result;
    const core::SeriesSummary* series = find_series(r.summaries, series_name);
    if (!series || !series->info.by_sector) continue;
    if (!info) info = &series->info;
    const std::size_t n_years = r.years.size(), n_sectors = r.sector_ids.size();
    Bar base{std::to_string(r.years.front()) + " base year", s->info.name, {}};
    Bar end{std::to_string(r.years.back()) + " median", s->info.name, {}};
    for (std::size_t k = 0; k < n_sectors; ++k) {
      base.values.push_back(stat_at(*series, core::N_STATS, n_years, n_sectors, P50, 0, k));
      end.values.push_back(
          stat_at(*series, core::N_STATS, n_years, n_sectors, P50, n_years - 1, k));
    }
    base_bars.push_back(std::move(base));
    bars.push_back(std::move(end));
  }
  if (!info) return "";
  // The base year is observed data: one bar when every scenario starts from it.
  const bool same_base = std::all_of(base_bars.begin(), base_bars.end(), [&](const Bar& b) {
    return b.values == base_bars.front().values;
  });
  if (same_base) {
    base_bars.resize(1);
    base_bars[0].scenario.clear();
  }
  bars.insert(bars.begin(), base_bars.begin(), base_bars.end());

  const std::size_t n_sectors = first.sector_ids.size();
  double max_total = 0;
  for (const Bar& b : bars) {
    double total = 0;
    for (const double v : b.values)
      total += std::isfinite(v) ? std::max(v, 0.0) : 0.0;
    max_total = std::max(max_total, total);
  }
  const std::string units = shown_units(info->units);
  const double row = 36, top = 6, plot_right = WIDE - 90;
  const double axis_bottom = top + row * static_cast<double>(bars.size());
  const double height = axis_bottom + AXIS_SPACE;
  std::string order;
  for (std::size_t k = 0; k < n_sectors; ++k)
    order += (k ? ", " : "") + first.sector_ids[k];
  Svg svg = chart("sector-mix", WIDE, height,
                  series_name + " by sector" + (units.empty() ? "" : " (" + units + ")"),
                  "Stacked bars of " + series_name + " (" + info->description +
                      ") by sector: the base year, and the median of the end year in each "
                      "scenario. Sectors from the left: " +
                      order + ".");
  const Ticks ticks = nice_ticks(0, max_total, 6);
  const Scale x{0, ticks.hi, PLOT_LEFT, plot_right};
  value_axis(svg, ticks, x, false, top, axis_bottom, plain_label,
             series_name + (units.empty() ? "" : ", " + units));
  double y = top;
  for (const Bar& b : bars) {
    // "2025 median · plan", or on two lines where one would run off the left.
    const std::string one_line = b.label + (b.scenario.empty() ? "" : " · " + b.scenario);
    if (text_width(one_line, 12) <= LABEL_RIGHT - 4) {
      svg.text(LABEL_RIGHT, y + row / 2 + 4, one_line, "", "end");
    } else {
      svg.text(LABEL_RIGHT, y + row / 2 - 2, b.label, "", "end");
      svg.text(LABEL_RIGHT, y + row / 2 + 11, b.scenario, "muted small", "end");
    }
    double at = 0;
    for (std::size_t k = 0; k < n_sectors; ++k) {
      const double v = std::isfinite(b.values[k]) ? std::max(b.values[k], 0.0) : 0.0;
      const double x0 = x(at), x1 = x(at + v);
      svg.rect(x0, y + 5, x1 - x0, row - 10, "segment", sector_colour(k));
      const std::string label = fixed(v, ticks.decimals);
      if (x1 - x0 > text_width(label, 11) + 6) {
        svg.text((x0 + x1) / 2, y + row / 2 + 4, label, "segment-label", "middle");
      }
      at += v;
    }
    svg.text(x(at) + 6, y + row / 2 + 4, "Σ " + fixed(at, ticks.decimals), "muted");
    y += row;
  }
  return "<figure class=\"wide\"><h3>" + series_heading(*info) + "</h3><p class=\"subtitle\">" +
         escape(info->description) + "</p>" + svg.finish() + "</figure>";
}

std::string Page::sector_section() {
  const std::vector<const Scenario*> scenarios = sector_scenarios(run_);
  if (scenarios.empty()) return "";
  // Every by-sector series, in the order the file lists them (a series only
  // some scenarios have comes after the first scenario's).
  std::vector<std::string> names;
  for (const Scenario* s : scenarios) {
    for (const core::SeriesSummary& series : s->result.summaries) {
      if (series.info.by_sector &&
          std::find(names.begin(), names.end(), series.info.name) == names.end()) {
        names.push_back(series.info.name);
      }
    }
  }
  if (names.empty()) return "";
  const core::ScenarioResult& first = scenarios.front()->result;
  std::string charts;
  for (const std::string& name : names)
    charts += sector_chart(name, first);
  if (charts.empty()) return "";
  // One legend for every chart: the sectors stack in the same order in each.
  std::string legend = "<ul class=\"sector-legend\">";
  for (std::size_t k = 0; k < first.sector_ids.size(); ++k) {
    const std::string en = k < first.sector_names_en.size() && !first.sector_names_en[k].empty()
                               ? first.sector_names_en[k]
                               : first.sector_ids[k];
    const std::string zh_name = k < first.sector_names_zh.size() ? first.sector_names_zh[k] : "";
    legend += "<li><span class=\"swatch\" style=\"background:" + std::string(sector_colour(k)) +
              "\"></span>" + escape(en) + (zh_name.empty() ? "" : " " + zh(zh_name)) + "</li>";
  }
  legend += "</ul>";
  return "<section id=\"sectors\"><h2>By sector · " + zh("分产业") + "</h2>" + legend + charts +
         "<p class=\"note\">Each bar stacks the sectors' medians, so an end-year total (Σ) is a "
         "sum "
         "of medians, not the median of the total. 各产业为中位数，合计为中位数之和。</p>"
         "</section>";
}

std::string Page::provenance_section() const {
  const bool any = std::any_of(run_.scenarios.begin(), run_.scenarios.end(), [](const Scenario& s) {
    return !s.provenance.empty() || !s.provenance_missing.empty();
  });
  if (!any) return "";
  std::string h =
      "<section id=\"provenance\"><h2>Sources and estimates · " + zh("数据来源与估计") + "</h2>";
  for (std::size_t i = 0; i < run_.scenarios.size(); ++i) {
    const Scenario& s = run_.scenarios[i];
    std::size_t sourced = 0, estimated = 0;
    for (const core::Provenance& p : s.provenance) {
      sourced += p.kind == "source" ? 1 : 0;
      estimated += p.kind == "estimate" ? 1 : 0;
    }
    h += std::string("<details") + (i == 0 ? " open" : "") + "><summary><code>" +
         escape(s.info.name) + "</code> " + scenario_title(s) + " — " +
         std::to_string(s.provenance.size()) + " numbers: " + std::to_string(sourced) +
         " sourced, " + std::to_string(estimated) + " estimated, " +
         std::to_string(s.provenance.size() - sourced - estimated) + " undocumented</summary>";
    if (!s.provenance_missing.empty()) {
      h += "<p class=\"empty\">No provenance recorded for this scenario (" +
           escape(s.provenance_missing) + ").</p></details>";
      continue;
    }
    if (s.provenance.empty()) {
      h += "<p class=\"empty\">This scenario documents no numbers.</p></details>";
      continue;
    }
    h += "<table class=\"provenance\"><colgroup><col class=\"c-key\"><col class=\"c-value\">"
         "<col class=\"c-kind\"><col class=\"c-note\"></colgroup><thead><tr><th>Key "
         "键</th><th>Value "
         "值</th><th>Kind 类型</th><th>Source or reasoning 来源或依据</th></tr></thead><tbody>";
    for (const core::Provenance& p : s.provenance) {
      const std::string kind = p.kind.empty() ? "undocumented" : p.kind;
      h += "<tr><td><code>" + escape(p.key) + "</code></td><td>" + escape(p.value) +
           "</td><td><span class=\"kind " + escape(kind) + "\">" + escape(kind) +
           "</span></td><td>" + escape(p.note) + "</td></tr>";
    }
    h += "</tbody></table></details>";
  }
  return h + "</section>";
}

std::string Page::run_section() const {
  auto row = [](const std::string& key_html, const std::string& value_html) {
    return "<tr><th>" + key_html + "</th><td>" + value_html + "</td></tr>";
  };
  std::string h = "<section id=\"run\"><h2>Run information · " + zh("运行信息") +
                  "</h2><table class=\"run\"><tbody>";
  h += row("File 文件", "<code>" + escape(run_.file_name) + "</code>");
  h += row("Created (UTC) 创建时间", escape(run_.file.created_utc));
  h += row("Engine version 版本", escape(run_.file.engine_version) + " (results format " +
                                      escape(run_.file.format_version) + ")");
  h += row("Seed 随机种子", std::to_string(run_.file.seed));
  h += row("Generator 生成器", escape(run_.file.generator) + ", " +
                                   std::to_string(run_.file.chunk_draws) + " draws per chunk");
  h += row("Command line 命令行",
           "<code class=\"wrap\">" + escape(run_.file.command_line) + "</code>");
  for (const Scenario& s : run_.scenarios) {
    const core::ScenarioResult& r = s.result;
    h += row("Scenario <code>" + escape(s.info.name) + "</code>",
             fixed(static_cast<double>(r.draws), 0) + " of " +
                 fixed(static_cast<double>(r.draws_requested), 0) + " draws" +
                 (s.info.complete ? "" : " (incomplete)") + " · sampler " +
                 escape(core::sampler_name(r.sampler)) + " · seed " + std::to_string(r.seed) +
                 " · quantiles " + escape(r.quantile_method) +
                 " · scenario file sha256 <code class=\"wrap\">" + escape(s.info.scenario_sha256) +
                 "</code>");
  }
  return h + "</tbody></table></section>";
}

std::string Page::render() {
  std::vector<Part> parts;
  parts.push_back({"targets", "Targets 目标", targets_section()});
  parts.push_back({"comparison", "Comparison 比较", comparison_section()});
  parts.push_back({"backtest", "Back-test 回测", backtest_section()});
  for (std::size_t i = 0; i < run_.scenarios.size(); ++i) {
    const std::string& name = run_.scenarios[i].info.name;
    parts.push_back({"scenario-" + name, escape(name), scenario_section(i)});
  }
  parts.push_back({"sectors", "By sector 分产业", sector_section()});
  parts.push_back({"provenance", "Sources 来源", provenance_section()});
  parts.push_back({"run", "Run 运行信息", run_section()});
  std::string body = header(parts);
  for (const Part& part : parts)
    body += part.html;
  const std::string title = "sectorsim report: " + run_.file_name;
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta "
         "name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta "
         "name=\"generator\" content=\"sectorsim " +
         escape(run_.file.engine_version) + "\"><title>" + escape(title) + "</title><style>" +
         STYLE + "</style></head><body><main>" + body + "<footer>Written by sectorsim from " +
         escape(run_.file_name) +
         ". Every number on this page is read from that file.</footer></main></body></html>\n";
}

Charts Page::charts() {
  Charts c;
  c.targets = targets_section();
  c.comparisons = comparison_section();
  for (std::size_t i = 0; i < run_.scenarios.size(); ++i)
    c.scenarios.push_back(scenario_section(i));
  return c;
}

}  // namespace

Charts render_charts(const std::vector<ChartScenario>& scenarios,
                     const std::vector<core::Comparison>& comparisons) {
  Run run;
  for (const ChartScenario& s : scenarios) {
    Scenario to;
    to.info.name = s.name;
    to.info.title_en = s.title_en;
    to.info.title_zh = s.title_zh;
    to.info.description = s.description;
    to.info.complete = true;
    to.result = s.result;
    run.scenarios.push_back(std::move(to));
  }
  run.comparisons = comparisons;
  Page page(run);
  return page.charts();
}

const char* style_sheet() {
  return STYLE;
}

std::string render_report(const std::string& results_path) {
  const Run run = load(results_path);
  Page page(run);
  return page.render();
}

void write_report(const std::string& results_path, const std::string& html_path, bool overwrite) {
  io::write_file_atomically(html_path, render_report(results_path), overwrite);
}

}  // namespace sectorsim::report
