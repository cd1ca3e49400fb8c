// Reads results files written by ResultsWriter (docs/output-format.md). The
// reader works from the file alone and refuses files of another type or of a
// major format version it does not know. Covered by tests/test_io.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/io/format.hpp"
#include "engine/io/results_writer.hpp"
#include "engine/spec/chunk.hpp"
#include "engine/spec/results.hpp"
#include "engine/spec/scenario_spec.hpp"
#include "engine/stats/paired.hpp"
#include "engine/stats/summary.hpp"

namespace sectorsim::io {

/// Names of the scenarios in a results file, in the order they were written.
/// Throws IoError if the file is missing, damaged or not a results file.
std::vector<std::string> list_scenarios(const std::string& path);

/// Rebuilds the summaries, targets and metadata of scenario `name` from a file
/// (independently of the writer's memory). Throws IoError as list_scenarios,
/// or if the scenario is missing or malformed.
core::ScenarioResult read_scenario(const std::string& path, const std::string& name);

/// The root attributes of a results file (docs/output-format.md, section 4).
struct FileInfo {
  std::string format_version;  ///< "1.0"
  std::string engine_version;
  std::string created_utc;  ///< ISO 8601, "2025-03-01T08:30:00Z"
  std::string command_line;
  std::string generator;
  std::uint64_t seed = 0;
  std::uint64_t chunk_draws = 0;
};

/// Reads the root attributes. Throws IoError as list_scenarios.
/// Covered by tests/test_io_compare.cpp.
FileInfo read_file_info(const std::string& path);

/// The descriptive attributes of a scenario group (section 5).
struct ScenarioInfo {
  std::string name;
  std::string title_en, title_zh, description;
  bool complete = false;        ///< all draws requested were run
  std::string scenario_sha256;  ///< of the scenario file's text
  std::string model;            ///< the model that ran it ("" in files before format 1.2)
};

/// Reads the titles and description of scenario `name`. Throws IoError as
/// read_scenario. Covered by tests/test_io_compare.cpp.
ScenarioInfo read_scenario_info(const std::string& path, const std::string& name);

/// Reads the provenance of scenario `name` (section 10): key, value, kind and
/// note of each documented number, in the order the loader read them. Throws
/// IoError as read_scenario, or if the scenario has no provenance group.
/// Covered by tests/test_io_compare.cpp.
std::vector<core::Provenance> read_provenance(const std::string& path, const std::string& name);

/// Reads every comparison under /comparison (section 11), in the order
/// written; an empty list when the file has none. Throws IoError as
/// list_scenarios, or if a comparison is malformed. Covered by
/// tests/test_io_compare.cpp.
std::vector<core::Comparison> read_comparisons(const std::string& path);

/// The file's back-test (`/backtest`), with the scenario it scored; nullopt
/// when it has none. Throws IoError as read_comparisons.
std::optional<core::BacktestResult> read_backtest(const std::string& path,
                                                  std::string* scenario = nullptr);

/// The input texts stored with a scenario (the scenario file first, then its bases).
std::vector<core::SourceFile> read_inputs(const std::string& path, const std::string& scenario);

/// The saved summary state of an interrupted run (its checkpoint group).
/// Throws IoError when the scenario has none or it is damaged.
core::SummaryState read_checkpoint(const std::string& path, const std::string& scenario);

/// Feeds the stored per-draw paths of draws [0, draws) to `sink`, in chunks of
/// `chunk_draws` in draw order, laid out as `layout` (cells without stored
/// paths are NaN): how a resumed run copies an interrupted run's paths.
void copy_paths(const std::string& path, const std::string& scenario, std::uint64_t draws,
                const core::CellLayout& layout, std::uint64_t chunk_draws, core::ChunkSink& sink);

/// How a scenario's paths are stored (keep_paths false when there are none),
/// so a resumed run writes them the same way.
PathOptions path_storage(const std::string& path, const std::string& scenario,
                         const core::CellLayout& layout);

}  // namespace sectorsim::io
