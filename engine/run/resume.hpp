// Resuming an interrupted run. A run stopped between chunks leaves a valid
// results file marked incomplete, with a checkpoint (its summaries so far);
// resume_scenario (engine/run/run.hpp) continues it from the first undone
// chunk and, because draw d depends on (seed, d) alone, produces the file an
// uninterrupted run would have. Covered by tests/test_run.cpp (RunResume.*)
// and tests/test_cli.cpp.
#pragma once

#include <string>

#include "engine/run/options.hpp"
#include "engine/spec/scenario_spec.hpp"
#include "engine/stats/summary.hpp"

namespace sectorsim::run {

/// An interrupted run, as its file holds it: what resume_scenario continues.
struct ResumePlan {
  std::string file;
  /// The interrupted run's seed, draws and sampler (and its replicates, or
  /// the scenario's where the run had none).
  core::RunSettings run;
  /// How its paths are stored; a resumed run writes the rest the same way.
  bool keep_paths = false;
  bool float32 = false;
  int gzip = 0;
  /// Its summaries over the draws done (checkpoint.draws); the quantile
  /// method is the checkpoint's. resume_scenario moves them into the run.
  core::SummaryState checkpoint;
};

/// Checks that `file` is an interrupted run of exactly `spec` (the same input
/// texts, file by file) by this engine version, and that `overrides` name no
/// setting but the seed the run used; reads its settings and checkpoint.
/// Throws InputError naming the first mismatch ("<file>: ...; resume
/// refused"), io::IoError where the file is missing or damaged.
ResumePlan plan_resume(const std::string& file, const core::ScenarioSpec& spec,
                       const Overrides& overrides = {});

}  // namespace sectorsim::run
