// In-memory results of one scenario run: the summaries, the target table and
// the run's metadata. Pure storage: the runner fills it, the HDF5 writer and
// the terminal table read it, the reader rebuilds it from a file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/spec/scenario_spec.hpp"
#include "engine/spec/series.hpp"

namespace sectorsim::core {

/// Summary statistics stored for every series cell, in this order.
inline constexpr const char* STAT_NAMES[] = {"mean", "sd",  "min", "p05", "p25",
                                             "p50",  "p75", "p95", "max"};
inline constexpr int N_STATS = 9;
/// Probabilities of the quantile statistics p05 ... p95 (type-7 quantiles).
inline constexpr double QUANTILE_PROBS[] = {0.05, 0.25, 0.50, 0.75, 0.95};

/// Summary of one series: stats[(stat * n_years + year) * width + sector],
/// width = n_sectors for sector series and 1 for indicators.
struct SeriesSummary {
  SeriesInfo info;
  std::vector<double> stats;
  /// Draws whose value was NaN or +-inf, [year * width + sector]; a cell
  /// with any has NaN statistics (docs/guarantees.md). Empty: none counted.
  std::vector<std::uint64_t> nonfinite;
};

/// A probability estimated from `met` successes in `n` draws, with the Wilson
/// score 95% interval.
struct Proportion {
  std::uint64_t met = 0;
  std::uint64_t n = 0;
  double p = 0, low = 0, high = 0;
  /// Of the n draws, those where the compared value was not a finite number
  /// (counted as not met); set for targets, 0 elsewhere.
  std::uint64_t undefined = 0;
};

/// Result for one target: in its own year, and the same threshold in every year.
struct TargetResult {
  TargetSpec spec;
  Proportion in_year;               ///< the headline: the target's own year
  std::vector<Proportion> by_year;  ///< same comparison applied in each year
};

/// How a conditioned run's draws were weighted (docs/conditioning.md).
struct Conditioning {
  std::size_t observations = 0;
  double ess = 0;      ///< Kish's effective sample size (sum w)^2 / sum w^2
  double min_ess = 0;  ///< the least the scenario accepts
  /// log of the mean likelihood over the draws (the scenario's evidence).
  double log_evidence = 0;
  double max_weight_share = 0;  ///< the heaviest draw's share of the total weight
  /// Draws kept (within keep_within of a perfect fit); the others' share of
  /// the weight, left out of every statistic; how far the best draw is
  /// from a perfect fit (log-likelihood units).
  std::uint64_t kept = 0;
  double dropped_weight_share = 0;
  double best_fit_gap = 0;
  double keep_within = 0;
  /// The kept draws outgrew the memory allowed: nothing may be reported.
  bool kept_overflow = false;
};

/// Everything a run of one scenario produces besides the per-draw paths.
struct ScenarioResult {
  std::string name;
  std::vector<int> years;  ///< base_year ... end_year
  std::vector<std::string> sector_ids;
  std::vector<std::string> sector_names_en;
  std::vector<std::string> sector_names_zh;
  std::vector<SeriesSummary> summaries;  ///< one per series the model declares
  std::vector<TargetResult> targets;
  Proportion all_targets;   ///< joint: every target met in its year
  std::uint64_t draws = 0;  ///< draws completed
  std::uint64_t draws_requested = 0;
  std::uint64_t seed = 0;
  Sampler sampler = Sampler::MonteCarlo;
  std::string quantile_method;  ///< "exact (type 7)" or the sketch and its bound
  /// Sobol runs: scrambled replicates, and per series the standard error of
  /// each cell's mean from the spread of replicate means, laid out as
  /// SeriesSummary with one statistic (stats[year * width + sector]).
  int replicates = 0;
  std::vector<SeriesSummary> mean_std_error;
  /// Set where the run was conditioned on observations: every statistic
  /// and probability above is then weighted.
  std::optional<Conditioning> conditioning;

  /// Cells (series, year, sector) with a non-finite draw, and targets with
  /// an undefined draw in any year: what the run's non-finite rule reads.
  std::uint64_t nonfinite_cells() const;
  std::uint64_t undefined_targets() const;
};

/// What decides a target, read from its counts alone.
enum class TargetVerdict {
  Open,        ///< met in some draws of its year and not in others
  AlreadyMet,  ///< met in the base year in every draw, and in its own year: the data decide it
  AlwaysMet,   ///< met in its year in every draw, though not in the base year in every draw
  NeverMet,    ///< met in no draw in its year
};

/// The verdict of `target` in a result whose years start at the base year.
TargetVerdict target_verdict(const TargetResult& target);

/// One sentence for a decided target ("met in the base year 2022 in every
/// draw and in 2025 in every draw: decided by the data, not by the plan"),
/// "" for an open one. `years` are the result's years.
std::string verdict_text(const TargetResult& target, const std::vector<int>& years);

/// Why the joint probability is 0 (or 1), in one sentence; "" otherwise.
std::string joint_text(const ScenarioResult& result);

/// "3 cells hold values that are not finite numbers and 1 target was
/// undefined in some draws": the head of every message about them.
std::string nonfinite_headline(const ScenarioResult& result);

/// One line a series (and sector) with non-finite draws ("service_va
/// 2023-2025: up to 12 of 20000 draws (0.06%) NaN or +-inf") and a target
/// with undefined draws, most draws first; at most `limit` lines and one
/// more saying how many are left; none for a healthy result.
std::vector<std::string> describe_nonfinite(const ScenarioResult& result, std::size_t limit = 8);

}  // namespace sectorsim::core
