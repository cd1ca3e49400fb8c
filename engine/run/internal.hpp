// Internal to engine/run: shared by its sources, not part of its interface.
#pragma once

#include "engine/exec/runner.hpp"
#include "engine/run/options.hpp"

namespace sectorsim::run::detail {

/// The runner's options for run settings and an execution (no exchange).
core::RunOptions runner_options(const core::RunSettings& run, const Execution& execution);

}  // namespace sectorsim::run::detail
