// The one place that knows every model: makes the model a scenario names.
// Adding a model is a folder under models/ and one line in registry.cpp.
// Covered by tests/test_model.cpp and the regression cases (tests/regression).
#pragma once

#include <memory>

#include "engine/spec/model.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::models {

/// The model of `spec`. Throws std::invalid_argument if the spec does not fit
/// the model (sizes, ranges).
std::unique_ptr<core::Model> make_model(const core::ScenarioSpec& spec);

}  // namespace sectorsim::models
