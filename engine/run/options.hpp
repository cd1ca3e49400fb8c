// The options of engine/run's calls: plain structs, each field with its
// default. What a run computes depends on the spec and the overrides alone;
// the quantile method, the output and the execution change how it is
// computed and stored, never a value (for a given quantile method).
// Covered by tests/test_run.cpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "engine/exec/runner.hpp"
#include "engine/run/preflight.hpp"
#include "engine/sampling/sampler.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::run {

class ProcessGroup;  // engine/run/distributed.hpp

/// Settings that replace the scenario's `run:` block; unset: the scenario's.
/// Recorded in a results file through Output::command_line.
struct Overrides {
  std::optional<std::uint64_t> draws;  ///< >= 1
  std::optional<std::uint64_t> seed;
  std::optional<core::Sampler> sampler;
  /// Scrambled replicates of a Sobol run, [MIN_REPLICATES, MAX_REPLICATES].
  std::optional<int> replicates;
};

/// `run` applied to `overrides`: the settings a run uses. Throws InputError
/// for replicates out of range or fewer than one draw.
core::RunSettings apply_overrides(core::RunSettings run, const Overrides& overrides);

/// "mc", "lhs" or "sobol"; throws InputError otherwise.
core::Sampler parse_sampler(const std::string& name);

/// Where the results go. With an empty `file` a run writes nothing: its
/// summaries stay in memory (and no per-draw path is kept).
struct Output {
  std::string file;
  bool overwrite = false;    ///< replace an existing file (else InputError)
  bool keep_paths = true;    ///< store every draw's paths (run_scenario only)
  bool float32 = false;      ///< paths as float32 (4 bytes, about 7 significant digits)
  std::optional<int> gzip;   ///< compress paths with shuffle + gzip at this level, [1, 9]
  std::string command_line;  ///< stored in the file, with the overrides it holds
};

/// How a run is executed. No result depends on these.
struct Execution {
  int threads = 1;          ///< worker threads, [1, 1024]
  std::size_t batch = 256;  ///< draws per model call, [1, CHUNK_DRAWS]
  /// When it turns true, no new chunk starts: the run ends early with the
  /// draws done, marked interrupted (a file written then can be resumed).
  const std::atomic<bool>* stop = nullptr;
  /// Called in draw order after each chunk: (draws done, draws total).
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  /// Called once the run is prepared (checks passed, memory taken, file
  /// created), just before the first draw: where the command line starts
  /// catching signals, so that one before it ends the process at once.
  std::function<void()> on_start;
  /// Process 0 of a distributed run: the other processes, which compute
  /// their share of the chunks (run_share). Null: this process does all.
  ProcessGroup* processes = nullptr;
};

/// Throws InputError where threads or batch are out of range.
void check_execution(const Execution& execution);

/// The runner's options for run settings and an execution (no exchange):
/// for callers that run draws themselves (sensitivity, discovery,
/// optimisation) as run_scenario does.
core::RunOptions runner_options(const core::RunSettings& run, const Execution& execution);

/// Throws InputError where a gzip level is outside [1, 9]; the command line
/// calls it before reading the scenario, run_scenario again for any caller.
void check_gzip_level(int level);

/// Everything run_scenario and compare_scenarios take besides the specs.
struct RunOptions {
  Overrides overrides;
  Quantiles quantiles = Quantiles::Auto;
  Output output;
  Execution execution;
  /// Keep results that hold non-finite values (their cells' statistics are
  /// NaN, their counts stored); otherwise such a run throws NonFinite and
  /// writes nothing (docs/guarantees.md).
  bool allow_nonfinite = false;
};

}  // namespace sectorsim::run
