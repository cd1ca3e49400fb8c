#include "apps/cli_options.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <thread>
#include <utility>

#include "engine/run/errors.hpp"

namespace sectorsim::cli {
namespace {

constexpr const char* QUANTILES_HELP =
    "exact (keep every value), sketch (bounded memory, stated rank error) or auto "
    "(exact while the values fit in a quarter of free memory, at most 2 GiB)";

// Options shared by run and compare.
void add_run_options(po::options_description& opts) {
  opts.add_options()("draws,n", po::value<std::uint64_t>(),
                     "number of Monte Carlo draws (overrides run.draws)")(
      "seed,s", po::value<std::uint64_t>(), "random seed (overrides run.seed)")(
      "threads,t", po::value<int>(), "worker threads (default: all cores)")(
      "sampler", po::value<std::string>(), "mc, lhs or sobol (overrides run.sampler)")(
      "replicates", po::value<int>(),
      "scrambled replicates of a sobol run, 2..1024 (overrides run.replicates)")(
      "batch", po::value<std::size_t>()->default_value(256), "draws per model call")(
      "overwrite", "replace an existing results file")(
      "strict", "require source: or estimate: on every number")("quiet,q",
                                                                "no progress bar and no table");
}

}  // namespace

const char* const USAGE =
    "usage: sectorsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.yaml          simulate a scenario, write an HDF5 results file\n"
    "  compare SCENARIO.yaml...   run scenarios on common random numbers, compare\n"
    "                             each with a baseline (paired differences)\n"
    "  report FILE                write a self-contained HTML report of a results file\n"
    "  validate SCENARIO.yaml...  check scenario files without running them\n"
    "\n"
    "Run 'sectorsim <command> --help' for the options of a command.\n"
    "Exit codes: 0 ok, 1 runtime failure, 2 bad input, 3 interrupted.\n";

CommandOptions run_command() {
  CommandOptions c{po::options_description("run options"), {}, {}};
  c.options.add_options()("help,h", "show this help")("output,o", po::value<std::string>(),
                                                      "results file (default: <scenario name>.h5)")(
      "no-paths", "write summaries only, no per-draw paths")(
      "float32", "store paths as float32 (half the size, about 7 significant digits)")(
      "quantiles", po::value<std::string>()->default_value("auto"), QUANTILES_HELP)(
      "gzip", po::value<int>(), "compress paths with shuffle + gzip at this level (1-9)")(
      "resume", po::value<std::string>(),
      "continue the interrupted run saved in this file (replaced when done)");
  add_run_options(c.options);
  c.options.add_options()("scenario", po::value<std::string>()->required(), "scenario file");
  c.positional.add("scenario", 1);
  c.usage =
      "usage: sectorsim run SCENARIO.yaml [-o FILE] [--draws N] [--seed S] [--threads T]\n"
      "                     [--sampler mc|lhs|sobol] [--replicates R] [--no-paths] [--overwrite]\n"
      "                     [--float32] [--gzip LEVEL]\n"
      "       sectorsim run SCENARIO.yaml --resume FILE [--threads T]";
  return c;
}

CommandOptions compare_command() {
  CommandOptions c{po::options_description("compare options"), {}, {}};
  c.options.add_options()("help,h", "show this help")(
      "baseline,b", po::value<std::string>(),
      "scenario name every other is compared with (default: the first file)")(
      "output,o", po::value<std::string>()->default_value("comparison.h5"), "results file")(
      "quantiles", po::value<std::string>()->default_value("auto"), QUANTILES_HELP)(
      "csv", po::value<std::string>(), "also write CSV tables into this directory");
  add_run_options(c.options);
  c.options.add_options()("scenarios", po::value<std::vector<std::string>>()->required(),
                          "scenario files");
  c.positional.add("scenarios", -1);
  c.usage =
      "usage: sectorsim compare SCENARIO.yaml... [--baseline NAME] [-o FILE] [--draws N]\n"
      "                         [--seed S] [--threads T] [--quantiles MODE] [--csv DIR]";
  return c;
}

CommandOptions validate_command() {
  CommandOptions c{po::options_description("validate options"), {}, {}};
  c.options.add_options()("help,h", "show this help")(
      "strict", "also require source: or estimate: on every number")(
      "files", po::value<std::vector<std::string>>()->required(), "scenario files");
  c.positional.add("files", -1);
  c.usage = "usage: sectorsim validate [--strict] SCENARIO.yaml...";
  return c;
}

CommandOptions report_command() {
  CommandOptions c{po::options_description("report options"), {}, {}};
  c.options.add_options()("help,h", "show this help")("output,o", po::value<std::string>(),
                                                      "HTML file (default: FILE with .html)")(
      "overwrite", "replace an existing report")("file", po::value<std::string>()->required(),
                                                 "results file");
  c.positional.add("file", 1);
  c.usage = "usage: sectorsim report FILE [-o report.html] [--overwrite]";
  return c;
}

bool parse(const std::vector<std::string>& args, const CommandOptions& command,
           po::variables_map& vm) {
  po::options_description all;
  all.add(command.options);
  try {
    po::store(po::command_line_parser(args).options(all).positional(command.positional).run(), vm);
    if (vm.count("help")) {
      std::cout << command.usage << "\n" << command.options << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw run::InputError(std::string(e.what()) + "\n" + command.usage);
  }
  return true;
}

std::string join_args(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i)
    s += (i ? " " : "") + std::string(argv[i]);
  return s;
}

run::RunOptions run_options(const po::variables_map& vm, const std::string& command_line,
                            const std::atomic<bool>* stop, std::function<void()> on_start) {
  run::RunOptions o;
  run::Execution& e = o.execution;
  e.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (vm.count("threads")) e.threads = vm["threads"].as<int>();
  e.batch = vm["batch"].as<std::size_t>();
  run::check_execution(e);
  e.stop = stop;
  e.on_start = std::move(on_start);
  o.output.overwrite = vm.count("overwrite") > 0;
  o.output.command_line = command_line;
  return o;
}

run::Overrides overrides(const po::variables_map& vm) {
  run::Overrides ov;
  if (vm.count("draws")) ov.draws = vm["draws"].as<std::uint64_t>();
  if (vm.count("seed")) ov.seed = vm["seed"].as<std::uint64_t>();
  if (vm.count("sampler")) ov.sampler = run::parse_sampler(vm["sampler"].as<std::string>());
  if (vm.count("replicates")) ov.replicates = vm["replicates"].as<int>();
  return ov;
}

std::unique_ptr<Progress> progress_bar(const po::variables_map& vm, const std::string& label,
                                       run::RunOptions& options) {
  auto bar = std::make_unique<Progress>(!vm.count("quiet") && isatty(STDERR_FILENO), label);
  Progress* p = bar.get();
  options.execution.progress = [p](std::uint64_t done, std::uint64_t total) {
    p->update(done, total);
  };
  // The rate counts from the first draw, not from the preparation.
  options.execution.on_start = [p, then = std::move(options.execution.on_start)] {
    p->restart();
    if (then) then();
  };
  return bar;
}

}  // namespace sectorsim::cli
