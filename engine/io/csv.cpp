#include "engine/io/csv.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <initializer_list>

#include "engine/io/format.hpp"
#include "engine/io/output_target.hpp"

namespace sectorsim::io {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view BOM = "\xEF\xBB\xBF";

// Statistic indices in core::STAT_NAMES and core::DIFF_STAT_NAMES.
constexpr int SUMMARY_COLUMNS[] = {0, 1, 3, 4, 5, 6, 7};  // mean sd p05 p25 p50 p75 p95
constexpr int DIFF_COLUMNS[] = {0, 1, 2, 6, 7};  // mean ci_low ci_high prob_higher prob_lower

// A table being built: header and rows, RFC 4180.
class Table {
 public:
  explicit Table(std::initializer_list<std::string_view> header) : text_(BOM) {
    for (const std::string_view name : header)
      field(name);
    end_row();
  }
  Table& field(std::string_view text) {
    if (!at_row_start_) text_ += ',';
    text_ += csv_field(text);
    at_row_start_ = false;
    return *this;
  }
  Table& field(int value) { return field(std::to_string(value)); }
  Table& number(double value) {
    if (std::isnan(value)) return field("");
    // The shortest text that reads back as the same double: 2630.2, not
    // %.17g's 2630.1999999999998.
    char text[32];
    const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
    return field(
        std::string_view(text, ec == std::errc{} ? static_cast<std::size_t>(end - text) : 0));
  }
  void end_row() {
    text_ += "\r\n";
    at_row_start_ = true;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  bool at_row_start_ = true;
};

const core::ScenarioResult& result_of(const std::vector<core::ScenarioResult>& results,
                                      const core::Comparison& c) {
  for (const core::ScenarioResult& r : results) {
    if (r.name == c.scenario) return r;
  }
  throw IoError("CSV: the comparison of '" + c.scenario + "' against '" + c.baseline +
                "' has no scenario result of that name to take its years and sectors from");
}

// One cell of a series: year index, sector index (-1 for an indicator).
struct Cell {
  const core::SeriesSummary& series;
  std::size_t year;
  int sector;
  std::size_t n_years, width;
  /// The value of statistic `stat` (stats[(stat * n_years + year) * width + sector]).
  double operator()(int stat) const {
    const std::size_t index = (static_cast<std::size_t>(stat) * n_years + year) * width +
                              static_cast<std::size_t>(std::max(sector, 0));
    return series.stats[index];
  }
};

// Calls row(cell) for every cell of every series holding `n_stats` statistics:
// the indicators first, then the sector series, each year by year.
template <typename Row>
void for_each_cell(const std::vector<core::SeriesSummary>& series, int n_stats, std::size_t n_years,
                   std::size_t n_sectors, const std::string& scenario, Row row) {
  for (const bool by_sector : {false, true}) {
    for (const core::SeriesSummary& s : series) {
      if (s.info.by_sector != by_sector) continue;
      const std::size_t width = by_sector ? n_sectors : 1;
      if (s.stats.size() != static_cast<std::size_t>(n_stats) * n_years * width) {
        throw IoError("CSV: the statistics of '" + s.info.name + "' in '" + scenario +
                      "' do not fit its years and sectors");
      }
      for (std::size_t sector = 0; sector < width; ++sector) {
        for (std::size_t y = 0; y < n_years; ++y) {
          row(Cell{s, y, by_sector ? static_cast<int>(sector) : -1, n_years, width});
        }
      }
    }
  }
}

}  // namespace

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

void write_csv(const std::string& dir, const std::vector<core::ScenarioResult>& results,
               const std::vector<core::Comparison>& comparisons, bool overwrite) {
  // Every table may be written (none exists unless overwrite) before the first is.
  check_csv_target(dir, {}, overwrite);
  std::error_code error;
  fs::create_directories(dir, error);
  if (error || !fs::is_directory(dir)) {
    throw IoError(dir + ": cannot create the CSV directory (" + error.message() + ")");
  }

  Table targets({"scenario", "target", "year", "probability", "ci_low", "ci_high"});
  Table summary(
      {"scenario", "series", "sector", "year", "mean", "sd", "p05", "p25", "p50", "p75", "p95"});
  for (const core::ScenarioResult& r : results) {
    for (const core::TargetResult& t : r.targets) {
      for (std::size_t y = 0; y < t.by_year.size() && y < r.years.size(); ++y) {
        const core::Proportion& p = t.by_year[y];
        targets.field(r.name).field(t.spec.id).field(r.years[y]);
        targets.number(p.p).number(p.low).number(p.high).end_row();
      }
    }
    for_each_cell(r.summaries, core::N_STATS, r.years.size(), r.sector_ids.size(), r.name,
                  [&](const Cell& cell) {
                    summary.field(r.name).field(cell.series.info.name);
                    summary.field(cell.sector < 0 ? "" : r.sector_ids[cell.sector]);
                    summary.field(r.years[cell.year]);
                    for (const int stat : SUMMARY_COLUMNS)
                      summary.number(cell(stat));
                    summary.end_row();
                  });
  }

  Table diff_targets({"scenario", "baseline", "target", "diff", "paired_low", "paired_high",
                      "unpaired_low", "unpaired_high"});
  Table diff_indicators({"scenario", "baseline", "indicator", "year", "mean_diff", "ci_low",
                         "ci_high", "prob_higher", "prob_lower"});
  for (const core::Comparison& c : comparisons) {
    for (const core::TargetDiff& t : c.targets) {
      diff_targets.field(c.scenario).field(c.baseline).field(t.id);
      diff_targets.number(t.paired.diff).number(t.paired.low).number(t.paired.high);
      diff_targets.number(t.unpaired.low).number(t.unpaired.high).end_row();
    }
    const core::ScenarioResult& r = result_of(results, c);
    for_each_cell(
        c.diffs, core::N_DIFF_STATS, r.years.size(), r.sector_ids.size(), c.scenario,
        [&](const Cell& cell) {
          const std::string& name = cell.series.info.name;
          diff_indicators.field(c.scenario).field(c.baseline);
          diff_indicators.field(cell.sector < 0 ? name : name + "." + r.sector_ids[cell.sector]);
          diff_indicators.field(r.years[cell.year]);
          for (const int stat : DIFF_COLUMNS)
            diff_indicators.number(cell(stat));
          diff_indicators.end_row();
        });
  }

  // Costs and fiscal return: one row per quantity; a ratio or a probability
  // fills mean (and the probability its interval), the other columns empty.
  Table appraisal({"scenario", "baseline", "quantity", "mean", "ci_low", "ci_high", "p05", "p95"});
  for (const core::Comparison& c : comparisons) {
    if (!c.appraisal) continue;
    const core::Appraisal& a = *c.appraisal;
    const std::pair<const char*, const core::AppraisalStat*> rows[] = {
        {"cost", &a.cost}, {"revenue", &a.revenue}, {"value_added", &a.value_added}};
    // value_added holds a mean only (its other statistics are NaN: empty).
    for (const auto& [name, q] : rows) {
      appraisal.field(c.scenario).field(c.baseline).field(name);
      appraisal.number(q->mean).number(q->ci_low).number(q->ci_high).number(q->p05).number(q->p95);
      appraisal.end_row();
    }
    appraisal.field(c.scenario).field(c.baseline).field("net").number(a.net);
    appraisal.field("").field("").field("").field("").end_row();
    appraisal.field(c.scenario).field(c.baseline).field("bcr").number(a.bcr);
    appraisal.field("").field("").field("").field("").end_row();
    appraisal.field(c.scenario).field(c.baseline).field("cost_per_value_added");
    appraisal.number(a.cost_per_value_added).field("").field("").field("").field("").end_row();
    appraisal.field(c.scenario).field(c.baseline).field("p_revenue_exceeds_cost");
    appraisal.number(a.revenue_exceeds_cost.p).number(a.revenue_exceeds_cost.low);
    appraisal.number(a.revenue_exceeds_cost.high).field("").field("").end_row();
  }

  const fs::path base(dir);
  write_file_atomically((base / "targets.csv").string(), targets.text(), overwrite);
  write_file_atomically((base / "comparison_appraisal.csv").string(), appraisal.text(), overwrite);
  write_file_atomically((base / "comparison_targets.csv").string(), diff_targets.text(), overwrite);
  write_file_atomically((base / "comparison_indicators.csv").string(), diff_indicators.text(),
                        overwrite);
  write_file_atomically((base / "summary.csv").string(), summary.text(), overwrite);
}

}  // namespace sectorsim::io
