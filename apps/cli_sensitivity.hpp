// `sectorsim sensitivity` (docs/sensitivity.md): its options, their
// conversion into analysis::SensitivityOptions, the terminal tables and the
// command itself. Covered by tests/test_sensitivity.cpp.
#pragma once

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

#include "apps/cli_options.hpp"
#include "engine/analysis/sensitivity.hpp"

namespace sectorsim::cli {

CommandOptions sensitivity_command();

/// Every value the command reads before loading a scenario (method,
/// samples, seed, sampler, threads, batch, resamples, levels, top): throws
/// run::InputError for the first bad one.
analysis::SensitivityOptions sensitivity_options(const po::variables_map& vm);

/// The sorted tables of `result`: for each output its `top` parameters by
/// ST (Morris: mu*), then the groups.
void print_sensitivity(std::ostream& os, const analysis::SensitivityResult& result, int top);

/// The command: returns the exit status (0) or throws as the other commands do.
int cmd_sensitivity(const std::vector<std::string>& args, const std::string& command_line,
                    const std::atomic<bool>* stop);

}  // namespace sectorsim::cli
