// The one place that knows every model: makes the model a scenario names, and
// lists the models' readers for the loader. Adding a model is a folder under
// models/ and one entry in registry.cpp (docs/adding-a-model.md).
// Covered by tests/test_model.cpp, tests/test_config.cpp and the regression
// cases (tests/regression).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/config/model_reader.hpp"
#include "engine/config/scenario_loader.hpp"
#include "engine/spec/model.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::models {

/// The model of `spec` (spec.model). Throws std::invalid_argument if the
/// model is unknown or the spec does not fit it (sizes, ranges).
std::unique_ptr<core::Model> make_model(const core::ScenarioSpec& spec);

/// The declaration of the model named `name`, or nullptr.
const core::ModelDeclaration* find_declaration(const std::string& name);

/// Every model's reader, for config::LoadOptions::models.
const config::ModelCatalogue& catalogue();

/// config::load_scenario with every model known.
core::ScenarioSpec load_scenario(const std::string& path, config::LoadOptions options = {});
/// config::load_scenario_text with every model known.
core::ScenarioSpec load_scenario_text(const std::string& text, const std::string& name,
                                      config::LoadOptions options = {});

}  // namespace sectorsim::models
