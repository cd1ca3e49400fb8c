// Scenario files -> validated ScenarioSpec.
//
// load_scenario() reads a YAML scenario and the files it extends, merges them,
// checks every key, type, range and cross-reference against the schema in
// docs/scenarios.md, and converts the result into core::ScenarioSpec, the only
// thing models see. What every model shares is read here; the model's own
// sections by its ModelReader (engine/config/model_reader.hpp). Every problem becomes one line of a
// ConfigError pointing at the file, line and column where the offending value was written. Covered
// by tests/test_config.cpp.
#pragma once

#include <string>
#include <vector>

#include "engine/config/config_error.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::config {

struct ModelCatalogue;

/// Options of load_scenario().
struct LoadOptions {
  /// The models whose blocks can be read (models/registry.hpp's catalogue();
  /// models::load_scenario passes it). Without one every model is unknown.
  const ModelCatalogue* models = nullptr;
  /// Refuse numbers with no `source:` or `estimate:` at or above them
  /// (`sectorsim validate --strict`, and the test of every shipped scenario).
  bool strict_provenance = false;
  /// Threads a beta or PERT prior's quantile table may be built on (the
  /// run's --threads); the table, and every draw, is the same for any count.
  int table_threads = 1;
};

/// Load, merge (extends), validate and convert. Throws ConfigError on bad input
/// (including unreadable file: "path: cannot read file (No such file or directory)").
core::ScenarioSpec load_scenario(const std::string& path, const LoadOptions& options = {});

/// load_scenario() for text in memory (standard input, a fuzzer): errors name
/// the file `name`, and `extends:` is resolved relative to the current
/// directory. Throws ConfigError.
core::ScenarioSpec load_scenario_text(const std::string& text, const std::string& name,
                                      const LoadOptions& options = {});

}  // namespace sectorsim::config
