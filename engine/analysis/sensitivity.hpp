// `sectorsim sensitivity`: which of a scenario's uncertain parameters drive
// each result (MODEL.md 8.9, docs/sensitivity.md). Builds Saltelli's A, B
// and AB_i matrices (or Morris trajectories) in the unit cube of the model's
// parameters and shocks from the engine's own uniform streams, turns them
// into inputs as the runner does (engine/exec/runner.hpp,
// uniforms_to_inputs), evaluates the model in batches on threads, and hands
// the outputs to the estimators of engine/stats/sensitivity.hpp. Every
// number depends on the scenario, the options' seed, samples and sampler
// alone, never on the thread count or batch size. Covered by
// tests/test_sensitivity.cpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/sampling/sampler.hpp"
#include "engine/spec/scenario_spec.hpp"
#include "engine/stats/sensitivity.hpp"

namespace sectorsim::analysis {

using core::FactorIndices;
using core::method_name;
using core::OutputIndices;
using core::SensitivityMethod;
using core::SensitivityResult;

/// Throws run::InputError "--method must be sobol or morris (got 'X')".
SensitivityMethod parse_method(const std::string& name);

/// Base samples N of a Sobol analysis, and trajectories r of a Morris one,
/// where none is given.
inline constexpr std::uint64_t DEFAULT_SOBOL_SAMPLES = 1024;
inline constexpr std::uint64_t DEFAULT_MORRIS_TRAJECTORIES = 20;
/// The largest N (2^24) and r (2^16) accepted.
inline constexpr std::uint64_t MAX_SOBOL_SAMPLES = std::uint64_t{1} << 24;
inline constexpr std::uint64_t MAX_MORRIS_TRAJECTORIES = std::uint64_t{1} << 16;
/// Morris grid points are the priors' quantiles at MORRIS_EDGE + (1 - 2
/// MORRIS_EDGE) x, x in {0, 1/(p-1), ..., 1}: the central 99% of each prior,
/// so that unbounded priors give finite values.
inline constexpr double MORRIS_EDGE = 0.005;
/// The name of the group of a model's shock variates.
inline constexpr const char* SHOCKS_GROUP = "shocks";

struct SensitivityOptions {
  SensitivityMethod method = SensitivityMethod::Sobol;
  /// Sobol: N, a power of two (the design has N (k + 2) rows); Morris: r.
  /// 0: the default of the method.
  std::uint64_t samples = 0;
  /// Output ids (docs/sensitivity.md): "SERIES@YEAR" (a series cell as
  /// target files name it; "SERIES" alone for a model of one year), a
  /// target's id (its 0/1 "met"), "diff:" before either (the scenario
  /// minus the one compared against). Empty: every target and its
  /// indicator, and with a comparison their differences too.
  std::vector<std::string> outputs;
  std::optional<std::uint64_t> seed;  ///< unset: the scenario's run.seed
  /// Sobol (scrambled, RunSettings::replicates interleaved replicates of the
  /// scenario) or MonteCarlo uniforms for A and B.
  core::Sampler sampler = core::Sampler::Sobol;
  int threads = 1;
  std::size_t batch = 256;  ///< draws per model call
  int resamples = 200;      ///< bootstrap resamples of the intervals
  int morris_levels = 4;
  /// Random Morris trajectories the r kept are chosen from (Campolongo's
  /// spread); 0: MORRIS_CANDIDATES_PER_TRAJECTORY r. r itself: no choice.
  std::uint64_t morris_candidates = 0;
  /// Called now and then with (design rows done, rows in all).
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  /// When it turns true the analysis stops and throws run::Interrupted.
  const std::atomic<bool>* stop = nullptr;
};

/// The outputs an analysis of `spec` reports: `asked` without repeats, or
/// where it is empty the defaults (SensitivityOptions::outputs). Checks
/// nothing: run_sensitivity refuses unknown ones.
std::vector<std::string> output_ids(const core::ScenarioSpec& spec, bool against,
                                    const std::vector<std::string>& asked);

/// The analysis of `spec`; with `against`, its outputs may be "diff:" ones,
/// both scenarios seeing the same uniforms (their parameters matched by
/// name). Throws run::InputError for bad options (a sample count that is
/// not a power of two, an unknown output, scenarios whose parameters
/// differ), std::invalid_argument where the model refuses the spec,
/// run::Interrupted when options.stop turns true.
SensitivityResult run_sensitivity(const core::ScenarioSpec& spec, const core::ScenarioSpec* against,
                                  const SensitivityOptions& options);

}  // namespace sectorsim::analysis
