// Reads results files written by ResultsWriter (docs/output-format.md). The
// reader works from the file alone and refuses files of another type or of a
// major format version it does not know. Covered by tests/test_io.cpp.
#pragma once

#include <string>
#include <vector>

#include "engine/core/results.hpp"
#include "engine/io/format.hpp"

namespace sectorsim::io {

/// Names of the scenarios in a results file, in the order they were written.
/// Throws IoError if the file is missing, damaged or not a results file.
std::vector<std::string> list_scenarios(const std::string& path);

/// Rebuilds the summaries, targets and metadata of scenario `name` from a file
/// (independently of the writer's memory). Throws IoError as list_scenarios,
/// or if the scenario is missing or malformed.
core::ScenarioResult read_scenario(const std::string& path, const std::string& name);

}  // namespace sectorsim::io
