// `sectorsim discover` and `sectorsim optimise` (docs/decision.md): their
// options, their conversion into the analyses' options, the terminal
// tables and the commands themselves. Covered by tests/test_prim.cpp
// (DiscoverCli.*) and tests/test_optimise.cpp (OptimiseCli.*).
#pragma once

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

#include "apps/cli_options.hpp"
#include "engine/analysis/discover.hpp"
#include "engine/analysis/optimise.hpp"

namespace sectorsim::cli {

CommandOptions discover_command();
CommandOptions optimise_command();

/// Every value discover reads before loading a scenario (target, draws,
/// seed, alpha, min mass, coverage, resamples, threads, batch): throws
/// run::InputError for the first bad one.
analysis::DiscoverOptions discover_options(const po::variables_map& vm);

/// Every value optimise reads before loading a scenario (objective, budget,
/// levers, shares, draws, seeds, evaluations, threads, batch): throws
/// run::InputError for the first bad one.
analysis::OptimiseOptions optimise_options(const po::variables_map& vm);

/// The trajectory (at most `rows` rows: the first, the chosen, the last and
/// steps evenly between), the box as conditions and the stability check.
void print_discovery(std::ostream& os, const core::Discovery& d, std::size_t rows = 12);

/// The mix found against the scenario's own, and the judged values.
void print_optimum(std::ostream& os, const analysis::OptimiseResult& r,
                   const std::vector<std::string>& sector_ids);

/// The commands: return the exit status (0) or throw as the other commands do.
int cmd_discover(const std::vector<std::string>& args, const std::string& command_line,
                 const std::atomic<bool>* stop);
int cmd_optimise(const std::vector<std::string>& args, const std::string& command_line,
                 const std::atomic<bool>* stop);

}  // namespace sectorsim::cli
