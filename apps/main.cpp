// sectorsim: command-line entry point. Subcommands: run, compare, report,
// validate. It parses options, calls engine/run and prints; what a run does
// is in engine/run (run_scenario, compare_scenarios, resumption).
//
// Exit codes: 0 success, 1 runtime failure (I/O, out of memory, internal),
// 2 bad input (usage, scenario errors, refused output path), 3 interrupted (an
// incomplete results file was saved for --resume, or, for compare, nothing),
// 4 results that are not finite numbers (nothing written; --allow-nonfinite).
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "apps/cli_decision.hpp"
#include "apps/cli_format.hpp"
#include "apps/cli_options.hpp"
#include "apps/cli_sensitivity.hpp"
#include "apps/cluster_processes.hpp"
#include "apps/exit_status.hpp"
#include "apps/serve_command.hpp"
#include "engine/analysis/calibrate.hpp"
#include "engine/config/calibration_reader.hpp"
#include "engine/config/scenario_loader.hpp"
#include "engine/io/atomic_file.hpp"
#include "engine/io/calibration_io.hpp"
#include "engine/io/csv.hpp"
#include "engine/io/format.hpp"
#include "engine/io/output_target.hpp"
#include "engine/parallel/cluster.hpp"
#include "engine/report/discover_report.hpp"
#include "engine/report/report.hpp"
#include "engine/report/sensitivity_report.hpp"
#include "engine/run/run.hpp"
#include "engine/spec/version.hpp"
#include "engine/stats/summary.hpp"
#include "models/registry.hpp"

namespace po = boost::program_options;
using namespace sectorsim;

namespace {

using cli::EXIT_INPUT;
using cli::EXIT_INTERRUPTED;
using cli::EXIT_OK;
using cli::EXIT_RUNTIME;

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) {
  g_stop.store(true);
}
// Installed first thing in main: from the first draw on, a signal stops the
// run between chunks (an incomplete file, exit 3); before it, the command
// stops at its next check (run::Interrupted: nothing written, temporary files
// removed, exit 3).
void catch_signals() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

// Set on a process other than 0 when process 0 reports the same failure
// (bad input is read by every process; one message is enough).
bool g_silent_errors = false;

// `threads`: the run's --threads, which a beta or PERT prior's quantile table
// is built on (validate, which has no --threads, uses every core).
core::ScenarioSpec load(const std::string& path, bool strict, int threads) {
  config::LoadOptions lo;
  lo.strict_provenance = strict;
  lo.table_threads = threads;
  return models::load_scenario(path, lo);
}

int cmd_validate(const std::vector<std::string>& args) {
  po::variables_map vm;
  if (!cli::parse(args, cli::validate_command(), vm)) return EXIT_OK;
  int rc = EXIT_OK;
  for (const auto& f : vm["files"].as<std::vector<std::string>>()) {
    try {
      const core::ScenarioSpec spec =
          load(f, vm.count("strict") > 0,
               static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
      const auto model = models::make_model(spec);
      std::vector<std::string> ids;
      for (const auto& s : spec.sectors)
        ids.push_back(s.id);
      core::resolve_targets(spec.targets, model->layout(), spec.base_year, ids);
      std::cout << f << ": ok (scenario " << spec.name << ", " << spec.n_sectors() << " sectors, "
                << spec.base_year << "-" << spec.end_year << ", " << cli::target_count(spec)
                << ")\n";
    } catch (const config::ConfigError& e) {
      for (const auto& m : e.messages())
        std::cerr << m << "\n";
      rc = EXIT_INPUT;
    } catch (const std::invalid_argument& e) {
      std::cerr << f << ": " << e.what() << "\n";
      rc = EXIT_INPUT;
    }
  }
  return rc;
}

int cmd_run(const std::vector<std::string>& args, const std::string& command_line,
            parallel::Cluster& cluster, bool backtest = false) {
  po::variables_map vm;
  if (!cli::parse(args, backtest ? cli::backtest_command() : cli::run_command(), vm))
    return EXIT_OK;
  run::RunOptions o = cli::run_options(vm, command_line, &g_stop, catch_signals);

  // Every process reads the scenario; only process 0 runs it, the others
  // compute their share of its chunks.
  cli::ClusterProcesses processes(cluster, g_silent_errors);
  const std::string scenario = vm["scenario"].as<std::string>();
  // Every option is checked before the scenario is read and its model built.
  if (vm.count("gzip")) run::check_gzip_level(vm["gzip"].as<int>());
  const core::ScenarioSpec spec = load(scenario, vm.count("strict") > 0, o.execution.threads);
  if (backtest && spec.backtest.empty()) {
    throw run::InputError(scenario +
                          ": no observations to score: a back-test scenario lists published "
                          "values under backtest: (docs/backtest.md)");
  }
  if (cluster.rank() != 0) {
    if (!run::run_share(spec, processes, o.execution)) return EXIT_INPUT;
    return g_stop.load() ? EXIT_INTERRUPTED : EXIT_OK;
  }
  if (cluster.distributed()) o.execution.processes = &processes;
  const auto progress = cli::progress_bar(vm, spec.name, o);
  run::RunOutcome out;
  if (vm.count("resume")) {
    cli::check_resume_options(vm);
    io::check_results_input(vm["resume"].as<std::string>());
    cli::print_stale_warnings(std::cerr, vm["resume"].as<std::string>());
    auto plan = run::plan_resume(vm["resume"].as<std::string>(), spec, cli::overrides(vm));
    out = run::resume_scenario(spec, std::move(plan), o);
  } else {
    o.overrides = cli::overrides(vm);
    o.quantiles = run::parse_quantiles(vm["quantiles"].as<std::string>());
    o.output.file = vm.count("output") ? vm["output"].as<std::string>() : spec.name + ".h5";
    o.output.keep_paths = vm.count("no-paths") == 0;
    o.output.float32 = vm.count("float32") > 0;
    if (vm.count("gzip")) o.output.gzip = vm["gzip"].as<int>();
    cli::print_stale_warnings(std::cerr, o.output.file);
    out = run::run_scenario(spec, o);
  }
  progress->finish();
  cli::print_nonfinite_warning(std::cerr, out.result);
  if (out.interrupted) {
    std::cerr << "sectorsim: interrupted after " << out.draws_done << " of " << out.settings.draws
              << " draws; " << out.file << " holds them, marked incomplete. Continue with:\n"
              << "  sectorsim run " << scenario << " --resume " << out.file << "\n";
    return EXIT_INTERRUPTED;
  }
  if (!vm.count("quiet")) {
    cli::print_target_table(std::cout, spec, out.result, out.seconds, o.execution.threads,
                            cluster.size());
    if (out.backtest) cli::print_backtest_table(std::cout, *out.backtest);
    std::cout << "results: " << out.file << "\n";
  }
  return EXIT_OK;
}

int cmd_compare(const std::vector<std::string>& args, const std::string& command_line) {
  po::variables_map vm;
  const cli::CommandOptions command = cli::compare_command();
  if (!cli::parse(args, command, vm)) return EXIT_OK;
  run::RunOptions o = cli::run_options(vm, command_line, &g_stop, catch_signals);
  const auto files = vm["scenarios"].as<std::vector<std::string>>();
  if (files.size() < 2)
    throw run::InputError("compare needs at least two scenario files\n" + command.usage);

  std::vector<core::ScenarioSpec> specs;
  for (const auto& f : files)
    specs.push_back(load(f, vm.count("strict") > 0, o.execution.threads));
  const std::size_t base =
      vm.count("baseline") ? run::baseline_index(specs, vm["baseline"].as<std::string>()) : 0;
  o.overrides = cli::overrides(vm);
  o.quantiles = run::parse_quantiles(vm["quantiles"].as<std::string>());
  o.output.file = vm["output"].as<std::string>();
  cli::print_compare_notes(std::cerr, specs, base);
  if (vm.count("csv")) {
    // Before anything is computed: the tables can be written (D7, D9 of issue 19).
    std::vector<std::string> inputs;
    for (const auto& s : specs)
      for (const auto& f : s.files)
        inputs.push_back(f.path);
    io::check_csv_target(vm["csv"].as<std::string>(), inputs, o.output.overwrite);
  }
  cli::print_stale_warnings(std::cerr, o.output.file);
  const auto progress = cli::progress_bar(vm, "compare", o);
  const run::CompareOutcome out = run::compare_scenarios(specs, base, o);
  progress->finish();
  if (out.interrupted) {
    std::cerr << "sectorsim: interrupted after " << out.draws_done << " of " << out.settings.draws
              << " draws; no results file written\n";
    return EXIT_INTERRUPTED;
  }
  for (const auto& r : out.results)
    cli::print_nonfinite_warning(std::cerr, r);
  if (vm.count("csv")) {
    io::write_csv(vm["csv"].as<std::string>(), out.results, out.comparisons, o.output.overwrite);
  }
  if (!vm.count("quiet")) {
    for (std::size_t k = 0; k < specs.size(); ++k) {
      cli::print_target_table(std::cout, specs[k], out.results[k], out.seconds,
                              o.execution.threads);
      std::cout << "\n";
    }
    cli::print_comparison_table(std::cout, specs[base], out.comparisons);
    std::cout << "results: " << out.file << "\n";
  }
  return EXIT_OK;
}

int cmd_report(const std::vector<std::string>& args) {
  po::variables_map vm;
  if (!cli::parse(args, cli::report_command(), vm)) return EXIT_OK;
  const std::string in = vm["file"].as<std::string>();
  // A missing input is bad input, as it is for run (exit 2).
  std::error_code missing;
  if (!std::filesystem::exists(in, missing)) throw run::InputError(in + ": no such file");
  std::string out = vm.count("output")
                        ? vm["output"].as<std::string>()
                        : std::filesystem::path(in).replace_extension(".html").string();
  // Not the results file itself, not a device, not an existing file unless
  // --overwrite; the input is a results file, not a temporary one.
  io::check_results_input(in);
  io::check_output_target(out, {in}, vm.count("overwrite") > 0);
  const std::string html = report::has_sensitivity(in) ? report::render_sensitivity_report(in)
                           : report::has_discovery(in) ? report::render_discovery_report(in)
                                                       : report::render_report(in);
  if (g_stop.load()) throw run::Interrupted("interrupted; no report written");
  io::write_file_atomically(out, html, vm.count("overwrite") > 0);
  std::cout << "report: " << out << "\n";
  return EXIT_OK;
}

int cmd_calibrate(const std::vector<std::string>& args) {
  po::variables_map vm;
  if (!cli::parse(args, cli::calibrate_command(), vm)) return EXIT_OK;
  const std::string recipe_path = vm["recipe"].as<std::string>();
  core::CalibrationRecipe recipe = config::read_calibration_recipe(recipe_path);
  if (vm.count("through")) {
    const int through = vm["through"].as<int>();
    if (through < recipe.first_year + 1 || through > recipe.last_year) {
      throw run::InputError("--through " + std::to_string(through) + " is outside " +
                            std::to_string(recipe.first_year + 1) + "–" +
                            std::to_string(recipe.last_year) + ", the recipe's years");
    }
    recipe.last_year = through;
  }
  const std::string out = vm.count("output") ? vm["output"].as<std::string>() : recipe.output;
  if (out.empty()) {
    throw run::InputError(recipe_path +
                          ": no fragment to write: give -o FILE or calibration.output");
  }
  std::vector<std::string> inputs = {recipe_path};
  inputs.insert(inputs.end(), recipe.data_paths.begin(), recipe.data_paths.end());
  io::check_output_target(out, inputs, vm.count("overwrite") > 0);
  std::vector<core::DataRow> rows;
  for (const std::string& table : recipe.data_paths) {
    const auto more = io::read_data_table(table);
    rows.insert(rows.end(), more.begin(), more.end());
  }
  core::CalibrationResult result;
  try {
    result = analysis::calibrate(recipe, rows);
  } catch (const analysis::CalibrationError& e) {
    throw run::InputError(e.what());
  }
  // The recipe as the fragment's folder sees it: the header then reads the
  // same from wherever the command was run.
  const auto fragment_dir = std::filesystem::absolute(out).parent_path();
  std::string shown =
      std::filesystem::absolute(recipe_path).lexically_relative(fragment_dir).string();
  if (vm.count("through")) shown += " --through " + std::to_string(recipe.last_year);
  const std::string base =
      recipe.extends.empty()
          ? ""
          : std::filesystem::absolute(recipe.extends).lexically_relative(fragment_dir).string();
  io::write_file_atomically(out, io::calibration_yaml(result, shown, base),
                            vm.count("overwrite") > 0);
  for (const auto& p : result.priors) {
    char line[160];
    std::snprintf(line, sizeof line, "%-20s truncated_normal(mean %.4g, sd %.4g, [%g, %g])\n",
                  p.parameter.c_str(), p.mean, p.sd, p.low, p.high);
    std::cout << line;
  }
  for (const auto& v : result.correlation) {
    char line[96];
    std::snprintf(line, sizeof line, "%-20s %.4g\n", v.key.c_str(), v.value);
    std::cout << line;
  }
  std::cout << "fragment: " << out << "\n";
  return EXIT_OK;
}

int dispatch(int argc, char** argv, parallel::Cluster& cluster) {
  const std::string command_line = cli::join_args(argc, argv);
  if (argc < 2) {
    std::cerr << cli::USAGE;
    return EXIT_INPUT;
  }
  const std::string cmd = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << cli::USAGE;
    return EXIT_OK;
  }
  if (cmd == "--version" || cmd == "version") {
    std::cout << "sectorsim " << core::ENGINE_VERSION
              << (parallel::Cluster::mpi_build() ? " (MPI)" : "") << "\n";
    return EXIT_OK;
  }
  if (cmd == "run") return cmd_run(args, command_line, cluster);
  if (cmd == "backtest") return cmd_run(args, command_line, cluster, true);
  if (cluster.distributed()) {
    // Every process gets the same command line: one message is enough.
    if (cluster.rank() != 0) return EXIT_INPUT;
    throw run::InputError("only 'run' is distributed over processes; run '" + cmd +
                          "' as a single process (without mpirun)");
  }
  if (cmd == "validate") return cmd_validate(args);
  if (cmd == "compare") return cmd_compare(args, command_line);
  if (cmd == "report") return cmd_report(args);
  if (cmd == "calibrate") return cmd_calibrate(args);
  if (cmd == "sensitivity") return cli::cmd_sensitivity(args, command_line, &g_stop);
  if (cmd == "discover") return cli::cmd_discover(args, command_line, &g_stop);
  if (cmd == "optimise") return cli::cmd_optimise(args, command_line, &g_stop);
  if (cmd == "serve") return cli::cmd_serve(args, g_stop);
  std::cerr << "sectorsim: unknown command '" << cmd << "'\n" << cli::USAGE;
  return EXIT_INPUT;
}

}  // namespace

int main(int argc, char** argv) {
  // Past a file-size limit, write(2) should fail with EFBIG (reported as an
  // I/O error, temporary file removed) rather than kill the process.
  std::signal(SIGXFSZ, SIG_IGN);
  // Before any file is touched: a signal from here on leads to a clean exit 3.
  catch_signals();
#ifdef __GLIBC__
  // Two malloc arenas, not glibc's eight a core. The hot loops allocate
  // nothing; the sketches' levels are reallocated by whichever thread feeds
  // them, and with an arena a thread their freed blocks were scattered over
  // as many arenas, which raised the peak memory of many-thread runs
  // (measured in docs/performance.md, "Memory").
  mallopt(M_ARENA_MAX, 2);
#endif
  std::unique_ptr<parallel::Cluster> cluster;
  try {
    cluster = std::make_unique<parallel::Cluster>(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "sectorsim: " << e.what() << "\n";
    return EXIT_RUNTIME;
  }
  // Processes other than 0 of a distributed run print only their own errors.
  if (cluster->rank() != 0 && !std::freopen("/dev/null", "w", stdout)) return EXIT_RUNTIME;
  const std::string prefix = cluster->rank() != 0
                                 ? "sectorsim (process " + std::to_string(cluster->rank()) + "): "
                                 : "sectorsim: ";
  try {
    return dispatch(argc, argv, *cluster);
  } catch (...) {
    const cli::Failure f = cli::current_failure();
    // Process 0 of a distributed run reports a failure that every process met.
    if (!g_silent_errors)
      for (const std::string& line : f.lines)
        std::cerr << (f.prefixed ? prefix : "") << line << "\n";
    return f.status;
  }
}
