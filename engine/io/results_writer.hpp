// Writes a results file (docs/output-format.md): root metadata, then one group
// per scenario with its input texts, provenance, per-draw paths, summaries and
// targets, and the paired comparisons against a baseline.
//
// Everything is written to a temporary file beside the destination, which is
// renamed over it only by commit(): a crash, an exception or a full disk never
// leaves a partial file at the destination. Covered by tests/test_io.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "engine/io/format.hpp"
#include "engine/spec/chunk.hpp"
#include "engine/spec/results.hpp"
#include "engine/spec/scenario_spec.hpp"
#include "engine/stats/conditioning.hpp"
#include "engine/stats/forecast_scores.hpp"
#include "engine/stats/paired.hpp"
#include "engine/stats/summary.hpp"

namespace sectorsim::io {

/// How the file was produced; stored as root attributes.
struct RunMeta {
  std::string command_line;    ///< the command as typed, overrides included
  std::string engine_version;  ///< "" stores core::ENGINE_VERSION
  std::uint64_t seed = 0;
  std::string generator = "philox4x64-10";
  std::uint64_t chunk_draws = 0;  ///< draws per chunk delivered to the sinks
  std::int32_t processes = 1;     ///< processes that computed the draws (MPI ranks)
};

/// What to store per scenario.
struct PathOptions {
  bool keep_paths = true;  ///< store every draw's paths (8 bytes per path cell and draw)
  bool float32 = false;    ///< store paths as float32 (4 bytes; about 7 significant digits)
  int gzip = 0;            ///< gzip level 1-9 for the paths (with byte shuffle); 0: none
};

/// Writer of one results file; not copyable, used from one thread.
class ResultsWriter {
 public:
  /// Creates "<dir>/.<name>.tmp.<pid>" beside `path`. Throws Refused (an
  /// IoError) where io::check_output_target refuses `path` (not a regular file,
  /// exists and !overwrite, directory missing or not writable); commit() checks
  /// again, and refuses to replace a scenario file of a begun scenario.
  ResultsWriter(std::string path, bool overwrite, RunMeta meta);
  /// Without commit(): closes and deletes the temporary file; never touches `path`.
  ~ResultsWriter();
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;

  /// Writes the group `/backtest`: each observation of `scenario` (written
  /// and ended first) with its forecast's scores, and their summary
  /// (docs/output-format.md, section 11a). Once per file.
  void write_backtest(const std::string& scenario, const core::BacktestResult& backtest);

  /// Writes /scenarios/<scenario>/conditioning (written and ended first):
  /// the observations, each draw's log-likelihood and weight, the draws kept
  /// and, where `parameter` is set, their parameters [kept_draw, parameter]
  /// named by `parameter_names`: parameter(draw, row) fills one row
  /// (docs/output-format.md, section 7c). In a comparison, `observed_world`
  /// names the scenario whose observations weight this one's draws.
  void write_conditioning(const std::string& scenario, const core::ObservationModel& model,
                          const core::Conditioning& summary, std::vector<double> log_likelihood,
                          std::vector<double> weights, std::vector<std::uint64_t> kept,
                          std::vector<std::string> parameter_names,
                          const std::function<void(std::uint64_t draw, double* row)>& parameter,
                          const std::string& observed_world = "");

  /// Starts /scenarios/<spec.name>: attributes, input texts, provenance, coordinates and,
  /// when opts.keep_paths, the per-draw path datasets sized [draws, ...].
  /// Returns the sink that writes per-draw chunks (hyperslab writes, strictly
  /// in draw order; it throws IoError otherwise), or nullptr without paths.
  /// The sink lives until end_scenario().
  core::ChunkSink* begin_scenario(const core::ScenarioSpec& spec, const core::CellLayout& layout,
                                  std::uint64_t draws, const PathOptions& opts);
  /// Writes summaries, targets and scenario attributes of the scenario begun
  /// last. result.draws must equal the draws the sink received (with paths).
  void end_scenario(const core::ScenarioResult& result);
  /// Writes `/comparison/<c.scenario>`: paired differences against c.baseline
  /// (docs/output-format.md, section 11). Both scenarios must have been written
  /// (begun and ended) and have the same years and sectors; every comparison of
  /// a file has the same baseline. Throws IoError otherwise, or if sizes or
  /// counts in `c` do not fit. Covered by tests/test_io_compare.cpp.
  void write_comparison(const core::Comparison& c);
  /// Saves what an interrupted run needs to resume: the summary state of the
  /// scenario ended last, as /scenarios/<name>/checkpoint (docs/output-format.md).
  /// Covered by tests/test_cli.cpp (Cli.InterruptedRunResumesBitIdentical).
  void write_checkpoint(const core::SummaryState& state);
  /// Flushes, closes, fsyncs and renames the temporary file to `path` (atomic
  /// on POSIX). Every begun scenario must have been ended.
  void commit();

  /// The destination path.
  const std::string& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sectorsim::io
