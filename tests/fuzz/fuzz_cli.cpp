// libFuzzer target: arbitrary bytes as a command line, through the option
// parsing and every value conversion `sectorsim run`, `compare`, `validate`
// and `report` do before they read a file or run anything (apps/main.cpp).
//
// The input is split at NUL bytes into arguments (an argument may hold any
// other byte, newlines and invalid UTF-8 included); the first is the command,
// as in `sectorsim COMMAND ARGS...`.
//
// The contract under test: a bad command line ends in run::InputError or
// std::invalid_argument, the two exceptions the command line reports as bad
// input (exit 2, apps/exit_status.cpp), and nothing else. cli::parse turns
// Boost.Program_options' errors into run::InputError, so one escaping it
// (exit 1, a "runtime failure") is a finding too. Any other exception escapes
// and libFuzzer reports it as a crash, as it does crashes, sanitizer reports,
// leaks, timeouts and memory blow-ups.
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "apps/cli_decision.hpp"
#include "apps/cli_options.hpp"
#include "apps/cli_sensitivity.hpp"
#include "apps/serve_options.hpp"
#include "engine/run/errors.hpp"
#include "engine/run/preflight.hpp"

namespace {

namespace cli = sectorsim::cli;
namespace po = boost::program_options;
namespace run = sectorsim::run;

std::vector<std::string> split_arguments(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.emplace_back();
    } else {
      args.back() += static_cast<char>(data[i]);
    }
  }
  return args;
}

// What run and compare read before loading a scenario: execution (threads,
// batch), overrides (draws, seed, sampler, replicates) and the quantile
// method, one at a time as main() does and all at once (cli::check_values).
void run_and_compare_values(const po::variables_map& vm, const std::string& command_line) {
  (void)cli::run_options(vm, command_line, nullptr, {});
  cli::check_values(vm);
  (void)cli::overrides(vm);
  (void)run::parse_quantiles(vm["quantiles"].as<std::string>());
  if (vm.count("output")) (void)vm["output"].as<std::string>();
}

void command(const std::string& name, const std::vector<std::string>& args,
             const std::string& command_line) {
  // The help text of --help goes nowhere: it is the same for every input.
  static std::ostream nowhere(nullptr);
  po::variables_map vm;
  const cli::CommandOptions options = cli::command_options(name);
  if (!cli::parse(args, options, vm, nowhere)) return;
  if (name == "run" || name == "backtest") {
    (void)vm["scenario"].as<std::string>();
    run_and_compare_values(vm, command_line);
    if (vm.count("resume")) {
      (void)vm["resume"].as<std::string>();
      cli::check_resume_options(vm);
    } else if (vm.count("gzip")) {
      (void)vm["gzip"].as<int>();
    }
  } else if (name == "compare") {
    const auto files = vm["scenarios"].as<std::vector<std::string>>();
    if (files.size() < 2) throw run::InputError("compare needs at least two scenario files");
    run_and_compare_values(vm, command_line);
    if (vm.count("baseline")) (void)vm["baseline"].as<std::string>();
    if (vm.count("csv")) (void)vm["csv"].as<std::string>();
  } else if (name == "validate") {
    (void)vm["files"].as<std::vector<std::string>>();
  } else if (name == "calibrate") {
    (void)vm["recipe"].as<std::string>();
    if (vm.count("output")) (void)vm["output"].as<std::string>();
    if (vm.count("through")) (void)vm["through"].as<int>();
  } else if (name == "sensitivity") {
    (void)vm["scenario"].as<std::string>();
    (void)cli::sensitivity_options(vm);
    if (vm.count("against")) (void)vm["against"].as<std::string>();
    if (vm.count("file")) (void)vm["file"].as<std::string>();
    if (vm.count("csv")) (void)vm["csv"].as<std::string>();
  } else if (name == "discover") {
    (void)vm["scenario"].as<std::string>();
    (void)cli::discover_options(vm);
    if (vm.count("output")) (void)vm["output"].as<std::string>();
    if (vm.count("csv")) (void)vm["csv"].as<std::string>();
  } else if (name == "optimise") {
    (void)vm["scenario"].as<std::string>();
    (void)cli::optimise_options(vm);
    if (vm.count("against")) (void)vm["against"].as<std::string>();
    if (vm.count("output")) (void)vm["output"].as<std::string>();
  } else if (name == "serve") {
    (void)vm["scenarios"].as<std::vector<std::string>>();
    (void)cli::serve_settings(vm);
    if (vm.count("baseline")) (void)vm["baseline"].as<std::string>();
  } else {  // report
    (void)vm["file"].as<std::string>();
    if (vm.count("output")) (void)vm["output"].as<std::string>();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::string> words = split_arguments(data, size);
  // The command as main() records it: "sectorsim COMMAND ARGS...".
  std::vector<std::string> argv_strings{"sectorsim"};
  argv_strings.insert(argv_strings.end(), words.begin(), words.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings)
    argv.push_back(s.data());
  const std::string command_line = cli::join_args(static_cast<int>(argv.size()), argv.data());

  const std::vector<std::string> args(words.begin() + 1, words.end());
  try {
    command(words.front(), args, command_line);
  } catch (const run::InputError&) {
    // Refused with a message (exit 2): the expected outcome for bad input.
  } catch (const std::invalid_argument&) {
    // Also bad input (exit 2).
  }
  return 0;
}
