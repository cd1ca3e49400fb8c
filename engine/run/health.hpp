// Numerical health of a run's results: the rule for values that are not
// finite numbers (docs/guarantees.md, "Values that are not numbers").
// Covered by tests/test_nonfinite.cpp.
#pragma once

#include "engine/spec/results.hpp"

namespace sectorsim::run {

/// Applies the rule to a completed run: where a cell holds a non-finite
/// draw or a target could not be judged in a draw, throws NonFinite naming
/// them (core::describe_nonfinite), unless `allow`.
void check_finite(const core::ScenarioResult& result, bool allow);

}  // namespace sectorsim::run
