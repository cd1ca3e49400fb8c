// Running scenarios as library calls: what `sectorsim run` and `sectorsim
// compare` do, for any caller (the command line, calibration, sensitivity, a
// what-if server). A run keeps its summaries in memory and, given a file,
// writes them with the per-draw paths to an HDF5 results file
// (docs/output-format.md); without one it writes nothing. The summaries are
// the same either way, bit for bit, for any thread count, batch size and
// number of processes. Covered by tests/test_run.cpp, tests/test_cli.cpp and
// the regression cases (tests/regression).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/run/options.hpp"
#include "engine/run/resume.hpp"
#include "engine/spec/results.hpp"
#include "engine/spec/scenario_spec.hpp"
#include "engine/stats/forecast_scores.hpp"
#include "engine/stats/paired.hpp"

namespace sectorsim::run {

/// What run_scenario and resume_scenario give back.
struct RunOutcome {
  /// Summaries and targets over the draws done (interrupted runs included;
  /// Sobol replicate errors only for a complete run).
  core::ScenarioResult result;
  core::RunSettings settings;    ///< the settings run: the spec's, overrides applied
  std::uint64_t draws_done = 0;  ///< contiguous from draw 0, a resumed run's earlier ones included
  bool interrupted = false;      ///< Execution::stop ended it early
  double seconds = 0;            ///< wall time of the draws
  std::string file;              ///< the results file written, "" for none
  bool sketch = false;           ///< quantiles from sketches (else exact)
  /// The scenario's `backtest:` observations scored against the draws (a
  /// complete, not resumed run of a scenario that has them).
  std::optional<core::BacktestResult> backtest;
};

/// Runs `spec` for its draws (overrides applied). Refuses, with InputError
/// and before anything is allocated or written, bad options, an existing
/// file without Output::overwrite, and a run that would not fit the disk or
/// memory (ResourceError). An interrupted run with a file leaves it valid,
/// marked incomplete, with a checkpoint for resume_scenario. Throws
/// io::IoError when the file cannot be written (no partial file is left).
RunOutcome run_scenario(const core::ScenarioSpec& spec, const RunOptions& options);

/// Continues the interrupted run `plan` (from plan_resume) and replaces its
/// file when done, interrupted again or not. The plan decides the settings,
/// the file, its path storage and the quantile method; of `options` only
/// the execution and Output::command_line are read.
RunOutcome resume_scenario(const core::ScenarioSpec& spec, ResumePlan&& plan,
                           const RunOptions& options);

/// What compare_scenarios gives back.
struct CompareOutcome {
  /// One a scenario, in the order given (empty when interrupted).
  std::vector<core::ScenarioResult> results;
  /// Every scenario but the baseline against it, in the order given (empty
  /// when interrupted).
  std::vector<core::Comparison> comparisons;
  std::size_t baseline = 0;  ///< index of the baseline in the specs
  core::RunSettings settings;
  std::uint64_t draws_done = 0;
  bool interrupted = false;
  double seconds = 0;
  std::string file;  ///< written only when the run completed; "" for none
  bool sketch = false;
};

/// The index of the spec named `name`; throws InputError naming the
/// scenarios when none is.
std::size_t baseline_index(const std::vector<core::ScenarioSpec>& specs, const std::string& name);

/// Runs every spec on common random numbers (draw d of each sees the same
/// parameters and shocks) with one seed, draw count and sampler, those of
/// specs[baseline] with the overrides applied, and compares each with
/// specs[baseline]. Quantiles: under Auto, exact while the stores of every
/// scenario and every comparison fit the budget. The file, if any, holds
/// summaries only and is written once every draw is done. Refuses
/// (InputError) fewer than two specs, two specs of one name, and what
/// run_scenario refuses. Runs on one process (Execution::processes null).
CompareOutcome compare_scenarios(const std::vector<core::ScenarioSpec>& specs, std::size_t baseline,
                                 const RunOptions& options);

}  // namespace sectorsim::run
