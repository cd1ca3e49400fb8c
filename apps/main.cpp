// sectorsim: command-line entry point. Subcommands: run, validate.
//
// Exit codes: 0 success, 1 runtime failure (I/O, out of memory, internal),
// 2 bad input (usage, scenario errors, refused output path), 130 interrupted.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <boost/program_options.hpp>

#include "apps/cli_format.hpp"
#include "engine/config/scenario_loader.hpp"
#include "engine/core/runner.hpp"
#include "engine/core/summary.hpp"
#include "engine/core/version.hpp"
#include "engine/io/results_writer.hpp"
#include "models/sector_growth/sector_growth_model.hpp"

namespace po = boost::program_options;
using namespace sectorsim;

namespace {

constexpr int EXIT_OK = 0;
constexpr int EXIT_RUNTIME = 1;
constexpr int EXIT_INPUT = 2;
constexpr int EXIT_INTERRUPTED = 130;

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) {
  g_stop.store(true);
}

// An error the user can fix; reported with exit code 2.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* USAGE =
    "usage: sectorsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.yaml        simulate a scenario, write an HDF5 results file\n"
    "  validate SCENARIO.yaml...  check scenario files without running them\n"
    "\n"
    "Run 'sectorsim <command> --help' for the options of a command.\n"
    "Exit codes: 0 ok, 1 runtime failure, 2 bad input, 130 interrupted.\n";

std::string join_args(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i)
    s += (i ? " " : "") + std::string(argv[i]);
  return s;
}

// Parses the options of a subcommand; prints help and returns false on --help.
bool parse(const std::vector<std::string>& args, const po::options_description& opts,
           const po::positional_options_description& pos, po::variables_map& vm,
           const std::string& usage) {
  po::options_description all;
  all.add(opts);
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << usage << "\n" << opts << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(std::string(e.what()) + "\n" + usage);
  }
  return true;
}

core::Sampler parse_sampler(const std::string& s) {
  if (s == "mc") return core::Sampler::MonteCarlo;
  if (s == "lhs") return core::Sampler::LatinHypercube;
  throw InputError("--sampler must be 'mc' or 'lhs' (got '" + s + "')");
}

core::ScenarioSpec load(const std::string& path, bool strict) {
  config::LoadOptions lo;
  lo.strict_provenance = strict;
  return config::load_scenario(path, lo);
}

int cmd_validate(const std::vector<std::string>& args) {
  po::options_description opts("validate options");
  opts.add_options()("help,h", "show this help")(
      "strict", "also require source: or estimate: on every number")(
      "files", po::value<std::vector<std::string>>()->required(), "scenario files");
  po::positional_options_description pos;
  pos.add("files", -1);
  po::variables_map vm;
  if (!parse(args, opts, pos, vm, "usage: sectorsim validate [--strict] SCENARIO.yaml..."))
    return EXIT_OK;
  int rc = EXIT_OK;
  for (const auto& f : vm["files"].as<std::vector<std::string>>()) {
    try {
      const core::ScenarioSpec spec = load(f, vm.count("strict") > 0);
      const models::SectorGrowthModel model(spec);
      std::vector<std::string> ids;
      for (const auto& s : spec.sectors)
        ids.push_back(s.id);
      core::resolve_targets(spec.targets, model.layout(), spec.base_year, ids);
      std::cout << f << ": ok (scenario " << spec.name << ", " << spec.n_sectors() << " sectors, "
                << spec.base_year << "-" << spec.end_year << ", " << spec.targets.size()
                << " targets)\n";
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

int cmd_run(const std::vector<std::string>& args, const std::string& command_line) {
  po::options_description opts("run options");
  opts.add_options()("help,h", "show this help")("output,o", po::value<std::string>(),
                                                 "results file (default: <scenario name>.h5)")(
      "draws,n", po::value<std::uint64_t>(), "number of Monte Carlo draws (overrides run.draws)")(
      "seed,s", po::value<std::uint64_t>(), "random seed (overrides run.seed)")(
      "threads,t", po::value<int>(), "worker threads (default: all cores)")(
      "sampler", po::value<std::string>(), "mc or lhs (overrides run.sampler)")(
      "batch", po::value<std::size_t>()->default_value(256), "draws per model call")(
      "no-paths", "write summaries only, no per-draw paths")("overwrite",
                                                             "replace an existing results file")(
      "strict", "require source: or estimate: on every number")(
      "quiet,q", "no progress bar and no table")("scenario", po::value<std::string>()->required(),
                                                 "scenario file");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  const std::string usage =
      "usage: sectorsim run SCENARIO.yaml [-o FILE] [--draws N] [--seed S] [--threads T]\n"
      "                     [--sampler mc|lhs] [--no-paths] [--overwrite]";
  if (!parse(args, opts, pos, vm, usage)) return EXIT_OK;

  core::ScenarioSpec spec = load(vm["scenario"].as<std::string>(), vm.count("strict") > 0);
  if (vm.count("draws")) spec.run.draws = vm["draws"].as<std::uint64_t>();
  if (vm.count("seed")) spec.run.seed = vm["seed"].as<std::uint64_t>();
  if (vm.count("sampler")) spec.run.sampler = parse_sampler(vm["sampler"].as<std::string>());
  if (spec.run.draws < 1) throw InputError("--draws must be >= 1");
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (vm.count("threads")) threads = vm["threads"].as<int>();
  if (threads < 1 || threads > 1024) throw InputError("--threads must be in [1, 1024]");
  const std::size_t batch = vm["batch"].as<std::size_t>();
  if (batch < 1 || batch > core::CHUNK_DRAWS)
    throw InputError("--batch must be in [1, " + std::to_string(core::CHUNK_DRAWS) + "]");
  const bool quiet = vm.count("quiet") > 0;
  const std::string out_path =
      vm.count("output") ? vm["output"].as<std::string>() : spec.name + ".h5";

  const models::SectorGrowthModel model(spec);
  std::vector<std::string> ids;
  for (const auto& s : spec.sectors)
    ids.push_back(s.id);
  auto targets = core::resolve_targets(spec.targets, model.layout(), spec.base_year, ids);

  const std::uint64_t need = core::SummaryAccumulator::store_bytes(model.layout(), spec.run.draws);
  const std::uint64_t avail = cli::available_memory_bytes();
  if (avail > 0 && need > avail / 10 * 8) {
    throw InputError("exact quantiles of " + std::to_string(spec.run.draws) + " draws need " +
                     cli::human_bytes(need) + " of memory, more than 80% of the " +
                     cli::human_bytes(avail) + " available; run fewer draws");
  }

  if (vm.count("overwrite") == 0 && std::filesystem::exists(out_path)) {
    throw InputError(out_path + ": exists; pass --overwrite to replace it");
  }

  io::RunMeta meta;
  meta.command_line = command_line;
  meta.engine_version = core::ENGINE_VERSION;
  meta.seed = spec.run.seed;
  meta.chunk_draws = core::CHUNK_DRAWS;
  io::ResultsWriter writer(out_path, vm.count("overwrite") > 0, meta);
  io::PathOptions popt;
  popt.keep_paths = vm.count("no-paths") == 0;
  core::ChunkSink* paths = writer.begin_scenario(spec, model.layout(), spec.run.draws, popt);

  core::SummaryAccumulator summary(model.layout(), targets, spec.run.draws, core::CHUNK_DRAWS);
  std::vector<core::ChunkSink*> sinks = {&summary};
  if (paths) sinks.push_back(paths);

  core::RunOptions ro;
  ro.draws = spec.run.draws;
  ro.seed = spec.run.seed;
  ro.sampler = spec.run.sampler;
  ro.threads = threads;
  ro.batch = batch;
  ro.stop = &g_stop;
  cli::Progress progress(!quiet && isatty(STDERR_FILENO), spec.name);
  ro.progress = [&](std::uint64_t done, std::uint64_t total) { progress.update(done, total); };

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const auto t0 = std::chrono::steady_clock::now();
  const core::RunReport rep = core::run_draws(model, ro, sinks);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  progress.finish();
  if (rep.interrupted) {
    std::cerr << "sectorsim: interrupted after " << rep.draws_done << " of " << spec.run.draws
              << " draws; no results file written\n";
    return EXIT_INTERRUPTED;
  }

  core::ScenarioResult result;
  result.name = spec.name;
  for (int y = spec.base_year; y <= spec.end_year; ++y)
    result.years.push_back(y);
  for (const auto& s : spec.sectors) {
    result.sector_ids.push_back(s.id);
    result.sector_names_en.push_back(s.name_en);
    result.sector_names_zh.push_back(s.name_zh);
  }
  result.draws_requested = spec.run.draws;
  result.seed = spec.run.seed;
  result.sampler = spec.run.sampler;
  summary.finish(rep.draws_done, result, threads);
  writer.end_scenario(result);
  writer.commit();
  if (!quiet) {
    cli::print_target_table(std::cout, spec, result, secs, threads);
    std::cout << "results: " << out_path << "\n";
  }
  return EXIT_OK;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command_line = join_args(argc, argv);
  if (argc < 2) {
    std::cerr << USAGE;
    return EXIT_INPUT;
  }
  const std::string cmd = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::cout << USAGE;
      return EXIT_OK;
    }
    if (cmd == "--version" || cmd == "version") {
      std::cout << "sectorsim " << core::ENGINE_VERSION << "\n";
      return EXIT_OK;
    }
    if (cmd == "run") return cmd_run(args, command_line);
    if (cmd == "validate") return cmd_validate(args);
    std::cerr << "sectorsim: unknown command '" << cmd << "'\n" << USAGE;
    return EXIT_INPUT;
  } catch (const config::ConfigError& e) {
    for (const auto& m : e.messages())
      std::cerr << m << "\n";
    return EXIT_INPUT;
  } catch (const InputError& e) {
    std::cerr << "sectorsim: " << e.what() << "\n";
    return EXIT_INPUT;
  } catch (const std::invalid_argument& e) {
    std::cerr << "sectorsim: " << e.what() << "\n";
    return EXIT_INPUT;
  } catch (const io::IoError& e) {
    std::cerr << "sectorsim: " << e.what() << "\n";
    return EXIT_RUNTIME;
  } catch (const std::bad_alloc&) {
    std::cerr << "sectorsim: out of memory\n";
    return EXIT_RUNTIME;
  } catch (const std::exception& e) {
    std::cerr << "sectorsim: " << e.what() << "\n";
    return EXIT_RUNTIME;
  }
}
