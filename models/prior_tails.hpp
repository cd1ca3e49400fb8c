// Priors too wide for the model: before a scenario runs, the model is
// evaluated where its priors put one draw in a billion, so that a typo (an
// sd of 30 for 0.30) is an error at the prior's line instead of results
// that are not numbers. Model-agnostic: any model's declared parameters and
// shocks. The rule is in docs/guarantees.md ("Values that are not numbers").
// Covered by tests/test_nonfinite.cpp.
#pragma once

#include <string>
#include <vector>

#include "engine/spec/model.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::models {

/// Probability beyond each end of a prior where the check evaluates it.
inline constexpr double PRIOR_TAIL = 1e-9;

/// Error lines ("file:line:col: key: message", where the scenario's
/// provenance places the prior) for each prior whose one-in-a-billion value,
/// with every other parameter at its median and the model's shocks at 0 or
/// at their own one-in-a-billion value in every year, makes a cell of the
/// model NaN or +-inf; empty when none does.
std::vector<std::string> prior_tail_errors(const core::ScenarioSpec& spec,
                                           const core::Model& model);

}  // namespace sectorsim::models
