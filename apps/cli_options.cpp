#include "apps/cli_options.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <limits>
#include <thread>
#include <utility>

#include "apps/cli_decision.hpp"
#include "apps/cli_sensitivity.hpp"
#include "apps/serve_options.hpp"
#include "engine/run/errors.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::cli {
namespace {

constexpr const char* QUANTILES_HELP =
    "exact (keep every value), sketch (bounded memory, stated rank error) or auto "
    "(exact while the values fit in a quarter of free memory, at most 2 GiB)";

// Options shared by run and compare.
void add_run_options(po::options_description& opts) {
  opts.add_options()("draws,n", po::value<std::string>(),
                     "number of Monte Carlo draws, 1..2^40 = 1099511627776 (overrides "
                     "run.draws; the bound keeps every count derived from it far from overflow)")(
      "seed,s", po::value<std::string>(),
      "random seed, 0..18446744073709551615 (overrides run.seed)")(
      "threads,t", po::value<int>(), "worker threads (default: all cores)")(
      "sampler", po::value<std::string>(), "mc, lhs or sobol (overrides run.sampler)")(
      "replicates", po::value<int>(),
      "scrambled replicates of a sobol run, 2..1024 (overrides run.replicates)")(
      "batch", po::value<std::string>()->default_value("256"), "draws per model call, 1..4096")(
      "overwrite", "replace an existing results file")(
      "allow-nonfinite",
      "keep results that hold NaN or infinite values (their cells' statistics are NaN, "
      "their counts stored); without it such a run writes nothing and exits with 4")(
      "strict", "require source: or estimate: on every number")("quiet,q",
                                                                "no progress bar and no table");
}

// Boost.Program_options writes the user's text into its messages through
// placeholders ("%value%"), replacing each until none is left: an argument
// holding its own placeholder ("--threads %value%") made what() loop, the
// message growing without end. Every '%' of the user's text (an error's
// substitutions) becomes a fullwidth percent sign (U+FF05) in the message.
// Found by tests/fuzz/fuzz_cli.cpp.
struct DefusedMessage : po::error_with_option_name {
  static void defuse(po::error_with_option_name& e) {
    const auto substitutions = e.*(&DefusedMessage::m_substitutions);  // a copy
    for (const auto& [name, text] : substitutions) {
      std::string safe;
      for (const char c : text)
        safe += c == '%' ? std::string("\uFF05") : std::string(1, c);
      e.set_substitute(name, safe);
    }
  }
};

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
    "  backtest SCENARIO.yaml     run a scenario and score its forecast against the\n"
    "                             published values it lists (PIT, bands, CRPS)\n"
    "  calibrate RECIPE.yaml      estimate priors from published series, write a\n"
    "                             YAML fragment a region file extends\n"
    "  sensitivity SCENARIO.yaml  which parameters drive each result: Sobol indices\n"
    "                             or Morris elementary effects\n"
    "  discover SCENARIO.yaml     under which conditions a target is missed: PRIM\n"
    "                             boxes over the draws' parameters\n"
    "  optimise SCENARIO.yaml     the mix of levers that maximises an objective\n"
    "                             within a budget; writes it as a scenario file\n"
    "  serve SCENARIO_DIR         a live what-if page: move a lever, see the fan\n"
    "                             charts and target probabilities change\n"
    "\n"
    "Run 'sectorsim <command> --help' for the options of a command.\n"
    "Exit codes: 0 ok, 1 runtime failure, 2 bad input, 3 interrupted,\n"
    "4 results not finite numbers (nothing written).\n";

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

CommandOptions backtest_command() {
  CommandOptions c = run_command();
  c.usage =
      "usage: sectorsim backtest SCENARIO.yaml [-o FILE] [--draws N] [--seed S] [--threads T]\n"
      "       (the options of run; the scenario lists published values under backtest:)";
  return c;
}

CommandOptions calibrate_command() {
  CommandOptions c{po::options_description("calibrate options"), {}, {}};
  c.options.add_options()("help,h", "show this help")(
      "output,o", po::value<std::string>(),
      "fragment to write (default: the recipe's calibration.output)")(
      "overwrite", "replace an existing fragment")(
      "through", po::value<int>(),
      "use data up to this year only (a back-test's calibration; default: the recipe's last "
      "year)")("recipe", po::value<std::string>()->required(), "calibration recipe");
  c.positional.add("recipe", 1);
  c.usage =
      "usage: sectorsim calibrate RECIPE.yaml [-o FRAGMENT.yaml] [--overwrite] [--through YEAR]";
  return c;
}

CommandOptions command_options(const std::string& name) {
  if (name == "calibrate") return calibrate_command();
  if (name == "backtest") return backtest_command();
  if (name == "run") return run_command();
  if (name == "compare") return compare_command();
  if (name == "validate") return validate_command();
  if (name == "report") return report_command();
  if (name == "sensitivity") return sensitivity_command();
  if (name == "serve") return serve_command();
  if (name == "discover") return discover_command();
  if (name == "optimise") return optimise_command();
  throw run::InputError("unknown command '" + name + "'");
}

void check_values(const po::variables_map& vm) {
  (void)run::apply_overrides(core::RunSettings{}, overrides(vm));
  if (vm.count("batch")) (void)run_options(vm, "", nullptr, {});
  if (vm.count("quantiles")) (void)run::parse_quantiles(vm["quantiles"].as<std::string>());
}

bool parse(const std::vector<std::string>& args, const CommandOptions& command,
           po::variables_map& vm, std::ostream& help) {
  po::options_description all;
  all.add(command.options);
  try {
    po::store(po::command_line_parser(args).options(all).positional(command.positional).run(), vm);
    if (vm.count("help")) {
      help << command.usage << "\n" << command.options << "\n";
      return false;
    }
    po::notify(vm);
  } catch (po::error_with_option_name& e) {
    DefusedMessage::defuse(e);
    throw run::InputError(std::string(e.what()) + "\n" + command.usage);
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

void check_resume_options(const po::variables_map& vm) {
  if (vm.count("output") || vm.count("no-paths") || vm.count("float32") || vm.count("gzip")) {
    throw run::InputError(
        "--resume writes the file it resumes as it was started: drop -o, --no-paths, "
        "--float32 and --gzip");
  }
  if (!vm["quantiles"].defaulted()) {
    throw run::InputError(
        "--resume keeps the quantile method of the run it continues: drop --quantiles");
  }
}

run::RunOptions run_options(const po::variables_map& vm, const std::string& command_line,
                            const std::atomic<bool>* stop, std::function<void()> on_start) {
  run::RunOptions o;
  run::Execution& e = o.execution;
  e.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (vm.count("threads")) e.threads = vm["threads"].as<int>();
  // Parsed strictly, as --draws: Boost's own conversion wraps "-N" around.
  e.batch = static_cast<std::size_t>(
      whole_number("batch", vm["batch"].as<std::string>(), 1, core::CHUNK_DRAWS));
  run::check_execution(e);
  e.stop = stop;
  e.on_start = std::move(on_start);
  o.output.overwrite = vm.count("overwrite") > 0;
  o.output.command_line = command_line;
  o.allow_nonfinite = vm.count("allow-nonfinite") > 0;
  return o;
}

std::uint64_t whole_number(const std::string& option, const std::string& text, std::uint64_t low,
                           std::uint64_t high) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || text.front() == '-' || text.front() == '+' || ec != std::errc{} ||
      ptr != end || value < low || value > high) {
    throw run::InputError("--" + option + " must be a whole number from " + std::to_string(low) +
                          " to " + std::to_string(high) + " (got '" + text + "')");
  }
  return value;
}

run::Overrides overrides(const po::variables_map& vm) {
  run::Overrides ov;
  if (vm.count("draws")) {
    ov.draws = whole_number("draws", vm["draws"].as<std::string>(), 1, core::MAX_DRAWS);
  }
  if (vm.count("seed")) {
    ov.seed = whole_number("seed", vm["seed"].as<std::string>(), 0,
                           std::numeric_limits<std::uint64_t>::max());
  }
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
