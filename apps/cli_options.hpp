// The command line's options (Boost.Program_options): each command's option
// set and usage, parsing, and the translation of parsed options into
// engine/run's option structs. Covered by tests/test_cli.cpp.
#pragma once

#include <atomic>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "apps/cli_format.hpp"
#include "engine/run/options.hpp"

namespace sectorsim::cli {

namespace po = boost::program_options;

/// One command's options, positional arguments and usage line.
struct CommandOptions {
  po::options_description options;
  po::positional_options_description positional;
  std::string usage;
};

CommandOptions run_command();
CommandOptions compare_command();
CommandOptions validate_command();
CommandOptions calibrate_command();
CommandOptions backtest_command();
CommandOptions report_command();

/// The top-level usage: commands and exit codes.
extern const char* const USAGE;

/// Parses a command's arguments; prints its help and returns false on
/// --help. Throws run::InputError (the parser's message and the usage).
bool parse(const std::vector<std::string>& args, const CommandOptions& command,
           po::variables_map& vm, std::ostream& help = std::cout);

/// The options of command `name` ("run", "compare", "validate", "report");
/// throws run::InputError for another name.
CommandOptions command_options(const std::string& name);

/// Converts every value a command reads (draws, seed, sampler, replicates,
/// threads, batch, quantiles) as the command would, without running
/// anything: throws run::InputError for the first bad one. The contract the
/// CLI fuzz target (tests/fuzz/fuzz_cli.cpp) checks.
void check_values(const po::variables_map& vm);

/// Refuses, with run::InputError, the options a resumed run cannot take: it
/// writes the file it resumes as that run started it.
void check_resume_options(const po::variables_map& vm);

/// The command as typed, to be recorded in a results file.
std::string join_args(int argc, char** argv);

/// run's and compare's execution (threads, default all cores; batch) and
/// output flags (--overwrite), with `stop` and `on_start`; throws
/// run::InputError for threads or batch out of range.
run::RunOptions run_options(const po::variables_map& vm, const std::string& command_line,
                            const std::atomic<bool>* stop, std::function<void()> on_start);

/// --draws, --seed, --sampler and --replicates; throws run::InputError for
/// an unknown sampler, draws outside [1, core::MAX_DRAWS], or a seed that is
/// negative or not a whole number.
run::Overrides overrides(const po::variables_map& vm);

/// `text` as a whole number in [low, high]; otherwise run::InputError
/// "--OPTION must be a whole number from LOW to HIGH (got 'TEXT')".
std::uint64_t whole_number(const std::string& option, const std::string& text, std::uint64_t low,
                           std::uint64_t high);

/// A progress bar, labelled `label`, fed by `options`' progress callback;
/// drawn only where stderr is a terminal and --quiet is not given.
std::unique_ptr<Progress> progress_bar(const po::variables_map& vm, const std::string& label,
                                       run::RunOptions& options);

}  // namespace sectorsim::cli
