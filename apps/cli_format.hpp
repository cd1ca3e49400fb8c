// Terminal output of the command line: progress bar, target table, sizes.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "engine/spec/results.hpp"
#include "engine/spec/scenario_spec.hpp"
#include "engine/stats/forecast_scores.hpp"
#include "engine/stats/paired.hpp"

namespace sectorsim::cli {

/// A one-line progress bar with rate and ETA on stderr, redrawn at most
/// ten times a second; silent when disabled (stderr not a terminal).
class Progress {
 public:
  Progress(bool enabled, std::string label);
  /// Ends the line if a bar was drawn (finish()).
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  /// Rate and ETA count from now (the first draw) on.
  void restart();
  void update(std::uint64_t done, std::uint64_t total);
  /// Ends the bar's line; once.
  void finish();

 private:
  bool enabled_;
  std::string label_;
  std::chrono::steady_clock::time_point start_, last_;
  bool drawn_ = false;
};

/// The table of targets: probability, Wilson 95% interval, and the median and
/// 5-95% range of the indicator in the target year. `processes` > 1: a
/// distributed run, `threads` on process 0.
void print_target_table(std::ostream& os, const core::ScenarioSpec& spec,
                        const core::ScenarioResult& result, double seconds, int threads,
                        int processes = 1);

/// The paired comparison of each scenario with the baseline: per target the
/// difference in probability with the paired (Newcombe) and unpaired
/// intervals, then per region indicator in the end year the mean difference
/// with its interval and the probability of a higher value.
void print_comparison_table(std::ostream& os, const core::ScenarioSpec& baseline,
                            const std::vector<core::Comparison>& comparisons);
/// A back-test's scores, one line an observation, then the coverage of the
/// 50% and 90% bands with their Wilson intervals and the mean CRPS.
void print_backtest_table(std::ostream& os, const core::BacktestResult& backtest);

/// The costs and fiscal return of each comparison that has them (MODEL.md
/// 8.3); called by print_comparison_table.
void print_appraisal(std::ostream& os, const core::ScenarioSpec& baseline,
                     const std::vector<core::Comparison>& comparisons);

/// "N targets", and where some were inherited through `extends:`, where
/// from: "6 targets: 5 inherited from plan-2022-2025.yaml, 1 added".
std::string target_count(const core::ScenarioSpec& spec);

/// One warning line per temporary file of a dead process beside `target`
/// (never removed here: the user decides; docs/guarantees.md, "Output safety").
void print_stale_warnings(std::ostream& os, const std::string& target);

/// Where `result` holds non-finite values (a run with --allow-nonfinite, or
/// the draws an interrupted run saved): a warning naming the cells and
/// targets (core::describe_nonfinite); nothing otherwise.
void print_nonfinite_warning(std::ostream& os, const core::ScenarioResult& result);

/// Notes on what a comparison leaves out: the targets of a scenario that the
/// baseline lacks (the comparison judges the baseline's targets), one line
/// each, "note: ...".
void print_compare_notes(std::ostream& os, const std::vector<core::ScenarioSpec>& specs,
                         std::size_t baseline);

}  // namespace sectorsim::cli
