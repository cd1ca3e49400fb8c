// `sectorsim optimise`: the mix of levers that maximises an objective
// within a budget (MODEL.md 8.9, docs/decision.md). The objective is a
// sample-average approximation on a fixed set of draws (one seed and draw
// count for every candidate: common random numbers), searched with NLopt's
// COBYLA over the levers' shares; the optimum and the scenario's own mix
// are then run through the run API (compare_scenarios, in memory) on the
// same draws and on fresh ones, paired, for the estimated optimality gap
// (Mak, Morton & Wood 1999). Every number depends on the scenarios and the
// options alone, never on the thread count or batch size. Covered by
// tests/test_optimise.cpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/spec/levers.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::analysis {

/// What the optimiser maximises.
enum class ObjectiveKind {
  Probability,  ///< "prob:TARGET": P(the target is met in its year)
  Mean,         ///< "mean:SERIES@YEAR": the expected value of a cell
  Bcr,          ///< "bcr": the benefit-cost ratio against --against (MODEL.md 8.3)
};

struct Objective {
  ObjectiveKind kind = ObjectiveKind::Mean;
  std::string text;    ///< as given: "prob:service_va"
  std::string target;  ///< Probability: the target's id
  std::string series;  ///< Mean: "service_va" or "va.finance"
  int year = 0;        ///< Mean: the year
};

/// Parses an --objective; throws run::InputError "--objective must be
/// prob:TARGET, mean:SERIES@YEAR or bcr (got 'X')".
Objective parse_objective(const std::string& text);

struct OptimiseOptions {
  Objective objective;
  /// The funds' total (亿元), kept exactly; unset: the scenario's
  /// `optimise.levers.funds.total`, else its own total.
  std::optional<double> budget;
  /// The levers chosen ("funds", "space", "land"); the others keep the
  /// scenario's values. Unset: those under the scenario's `optimise.levers`,
  /// else funds. A chosen lever's bounds are the scenario's (`optimise:`,
  /// docs/decision.md); one it does not bound has none beyond its total.
  std::optional<std::vector<std::string>> levers;
  std::optional<std::uint64_t> draws;        ///< of the search; unset: the scenario's run.draws
  std::optional<std::uint64_t> seed;         ///< of the search; unset: the scenario's run.seed
  std::optional<std::uint64_t> fresh_draws;  ///< unset: the search's draws
  std::optional<std::uint64_t> fresh_seed;   ///< unset: the search's seed + 1
  int max_evaluations = 400;                 ///< of the objective, by the search
  int threads = 1;
  std::size_t batch = 256;
  const std::atomic<bool>* stop = nullptr;  ///< when true, throws run::Interrupted
};

/// One mix judged on one set of draws through the run API: the objective's
/// value (as `sectorsim run`/`compare` report it) and its Monte Carlo
/// standard error (NaN for a ratio).
struct Judged {
  double value = 0;
  double se = 0;
};

struct OptimiseResult {
  Objective objective;
  std::string unit;  ///< of the objective's value
  double budget = 0;
  int base_year = 0;                        ///< of the scenario: year index y is base_year + y
  std::vector<core::LeverSetting> start;    ///< the scenario's own mix (funds scaled to the budget)
  std::vector<core::LeverSetting> optimum;  ///< the mix found
  /// The chosen levers' totals and bounds in force, parallel to `optimum`.
  std::vector<core::OptimiseLever> bounds;
  std::uint64_t draws = 0, seed = 0;              ///< of the search
  std::uint64_t fresh_draws = 0, fresh_seed = 0;  ///< of the check
  int evaluations = 0;
  std::string algorithm;  ///< "NLopt COBYLA"
  double smoothing = 0;   ///< Probability: the bandwidth of the smoothed indicator
  Judged in_sample_start, in_sample_optimum;
  Judged fresh_start, fresh_optimum;
  /// Fresh draws, paired: optimum minus start.
  Judged improvement;
  /// The search's draws, paired: optimum minus start. Its excess over the
  /// fresh improvement is a low-variance reading of the search's optimism.
  Judged in_sample_improvement;
  /// In-sample optimum minus its fresh-draw value (its standard error from
  /// the two independent samples): the estimated optimism of the search.
  Judged gap;
  double seconds = 0;
};

/// Optimises `spec`'s levers. `against`: the scenario a "bcr" objective is
/// measured against (required for it, ignored otherwise). Throws
/// run::InputError for an unknown target, series, year or lever ("--levers:
/// the sector_growth model has no lever 'X' (its levers: funds, space,
/// land)"), a budget that is not > 0; std::invalid_argument where the model
/// refuses a spec; run::Interrupted
/// when options.stop turns true.
OptimiseResult optimise(const core::ScenarioSpec& spec, const core::ScenarioSpec* against,
                        const OptimiseOptions& options);

/// `spec` with `settings` set (ModelBlock::set_lever) and named `name`.
core::ScenarioSpec with_levers(const core::ScenarioSpec& spec,
                               const std::vector<core::LeverSetting>& settings,
                               const std::string& name);

}  // namespace sectorsim::analysis
