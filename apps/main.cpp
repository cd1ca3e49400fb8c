// sectorsim: command-line entry point. Subcommands: run, validate.
//
// Exit codes: 0 success, 1 runtime failure (I/O, out of memory, internal),
// 2 bad input (usage, scenario errors, refused output path), 3 interrupted (an
// incomplete results file was saved for --resume, or, for compare, nothing).
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/program_options.hpp>

#include "apps/cli_format.hpp"
#include "apps/preflight.hpp"
#include "engine/config/scenario_loader.hpp"
#include "engine/exec/runner.hpp"
#include "engine/exec/stacked.hpp"
#include "engine/io/csv.hpp"
#include "engine/io/report.hpp"
#include "engine/io/results_reader.hpp"
#include "engine/io/results_writer.hpp"
#include "engine/parallel/cluster.hpp"
#include "engine/spec/version.hpp"
#include "engine/stats/paired.hpp"
#include "engine/stats/replicates.hpp"
#include "engine/stats/summary.hpp"
#include "models/registry.hpp"

namespace po = boost::program_options;
using namespace sectorsim;

namespace {

constexpr int EXIT_OK = 0;
constexpr int EXIT_RUNTIME = 1;
constexpr int EXIT_INPUT = 2;
constexpr int EXIT_INTERRUPTED = 3;

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) {
  g_stop.store(true);
}

// An error the user can fix; reported with exit code 2.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Set on a process other than 0 when process 0 reports the same failure
// (bad input is read by every process; one message is enough).
bool g_silent_errors = false;

// A distributed run starts only when every process could prepare it: each
// says so once, through pass() or, when preparation throws, from the
// destructor on the way out.
class StartGate {
 public:
  explicit StartGate(parallel::Cluster& cluster) : cluster_(cluster) {}
  ~StartGate() {
    if (passed_ || !cluster_.distributed()) return;
    try {
      const std::vector<bool> ready = cluster_.ready(false);
      // Process 0 failed too and reports it: stay quiet.
      if (cluster_.rank() != 0 && !ready[0]) g_silent_errors = true;
    } catch (...) {
    }
  }
  StartGate(const StartGate&) = delete;
  StartGate& operator=(const StartGate&) = delete;

  /// This process is ready; throws InputError (process 0) or returns false
  /// (the others, silently) when another one is not.
  bool pass() {
    passed_ = true;
    if (!cluster_.distributed()) return true;
    const std::vector<bool> ready = cluster_.ready(true);
    std::string failed;
    for (std::size_t r = 0; r < ready.size(); ++r) {
      if (!ready[r]) failed += (failed.empty() ? "" : ", ") + std::to_string(r);
    }
    if (failed.empty()) return true;
    if (cluster_.rank() != 0) return false;
    throw InputError("process " + failed + " of " + std::to_string(ready.size()) +
                     " could not prepare the run (its message is above); nothing was run");
  }

 private:
  parallel::Cluster& cluster_;
  bool passed_ = false;
};

const char* USAGE =
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
  if (s == "sobol") return core::Sampler::Sobol;
  throw InputError("--sampler must be 'mc', 'lhs' or 'sobol' (got '" + s + "')");
}

core::ScenarioSpec load(const std::string& path, bool strict) {
  config::LoadOptions lo;
  lo.strict_provenance = strict;
  return config::load_scenario(path, lo);
}

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

struct RunSettingsCli {
  int threads = 1;
  std::size_t batch = 256;
  bool quiet = false;
  bool overwrite = false;
};

// Applies command-line overrides to a scenario's run settings.
void apply_overrides(const po::variables_map& vm, core::RunSettings& run) {
  if (vm.count("draws")) run.draws = vm["draws"].as<std::uint64_t>();
  if (vm.count("seed")) run.seed = vm["seed"].as<std::uint64_t>();
  if (vm.count("sampler")) run.sampler = parse_sampler(vm["sampler"].as<std::string>());
  if (vm.count("replicates")) {
    const int r = vm["replicates"].as<int>();
    if (r < core::MIN_REPLICATES || r > core::MAX_REPLICATES) {
      throw InputError("--replicates must be in [" + std::to_string(core::MIN_REPLICATES) + ", " +
                       std::to_string(core::MAX_REPLICATES) + "] (got " + std::to_string(r) + ")");
    }
    run.replicates = r;
  }
  if (run.draws < 1) throw InputError("--draws must be >= 1");
}

RunSettingsCli cli_settings(const po::variables_map& vm) {
  RunSettingsCli c;
  c.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (vm.count("threads")) c.threads = vm["threads"].as<int>();
  if (c.threads < 1 || c.threads > 1024) throw InputError("--threads must be in [1, 1024]");
  c.batch = vm["batch"].as<std::size_t>();
  if (c.batch < 1 || c.batch > core::CHUNK_DRAWS)
    throw InputError("--batch must be in [1, " + std::to_string(core::CHUNK_DRAWS) + "]");
  c.quiet = vm.count("quiet") > 0;
  c.overwrite = vm.count("overwrite") > 0;
  return c;
}

// The runner's options for a scenario's run settings and the command line;
// a signal stops the run between chunks.
core::RunOptions run_options(const core::RunSettings& run, const RunSettingsCli& cli) {
  core::RunOptions ro;
  ro.draws = run.draws;
  ro.seed = run.seed;
  ro.sampler = run.sampler;
  ro.replicates = run.replicates;
  ro.threads = cli.threads;
  ro.batch = cli.batch;
  ro.stop = &g_stop;
  return ro;
}

void refuse_existing(const std::string& path, bool overwrite) {
  if (!overwrite && std::filesystem::exists(path)) {
    throw InputError(path + ": exists; pass --overwrite to replace it");
  }
}

// Bytes of per-draw paths in the results file: every series the model keeps
// paths of, for every year (uncompressed).
std::uint64_t path_bytes_per_draw(const core::CellLayout& layout, bool float32) {
  std::uint64_t cells = 0;
  for (std::size_t i = 0; i < layout.series().size(); ++i) {
    const auto& info = layout.series()[i];
    if (info.paths) {
      cells += static_cast<std::uint64_t>(layout.n_years() * layout.width(static_cast<int>(i)));
    }
  }
  return cells * (float32 ? 4 : 8);
}

constexpr const char* QUANTILES_HELP =
    "exact (keep every value), sketch (bounded memory, stated rank error) or auto "
    "(exact while the values fit in a quarter of free memory, at most 2 GiB)";

// Whether quantiles come from sketches: asked for, or the exact stores of
// every value (`stores` of them: one a scenario, and one a comparison's
// differences) would take more than a quarter of free memory (at most 2 GiB).
bool use_sketch(const std::string& mode, const core::CellLayout& layout, std::uint64_t draws,
                std::uint64_t stores = 1) {
  if (mode == "sketch") return true;
  if (mode == "exact") return false;
  if (mode != "auto")
    throw InputError("--quantiles must be exact, sketch or auto (got '" + mode + "')");
  const std::uint64_t avail = cli::available_memory_bytes();
  const std::uint64_t budget =
      std::min<std::uint64_t>(avail ? avail / 4 : (1ULL << 31), 1ULL << 31);
  return core::SummaryAccumulator::store_bytes(layout, draws) * stores > budget;
}

core::ScenarioResult result_header(const core::ScenarioSpec& spec) {
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
  return result;
}

// The standard error of every mean from the scrambled Sobol replicates.
void add_replicate_errors(const core::ReplicateAccumulator& acc, const core::CellLayout& layout,
                          core::ScenarioResult& result) {
  const auto est = acc.finish();
  result.replicates = acc.replicates();
  for (std::size_t i = 0; i < layout.series().size(); ++i) {
    core::SeriesSummary se;
    se.info = layout.series()[i];
    const int cells = layout.n_years() * layout.width(static_cast<int>(i));
    for (int k = 0; k < cells; ++k) {
      se.stats.push_back(
          est[static_cast<std::size_t>(layout.offset(static_cast<int>(i)) + k)].std_error);
    }
    result.mean_std_error.push_back(std::move(se));
  }
}

std::vector<std::string> sector_ids(const core::ScenarioSpec& spec) {
  std::vector<std::string> ids;
  for (const auto& s : spec.sectors)
    ids.push_back(s.id);
  return ids;
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
      const auto model = models::make_model(spec);
      std::vector<std::string> ids;
      for (const auto& s : spec.sectors)
        ids.push_back(s.id);
      core::resolve_targets(spec.targets, model->layout(), spec.base_year, ids);
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

// Checks that `file` is an interrupted run of exactly this scenario by this
// engine, and takes its run settings; throws InputError otherwise.
void prepare_resume(const std::string& file, const po::variables_map& vm,
                    core::ScenarioSpec& spec) {
  const io::FileInfo info = io::read_file_info(file);
  if (info.engine_version != core::ENGINE_VERSION) {
    throw InputError(file + ": written by sectorsim " + info.engine_version + ", this is " +
                     core::ENGINE_VERSION + "; resume with the same version");
  }
  const auto names = io::list_scenarios(file);
  if (std::find(names.begin(), names.end(), spec.name) == names.end()) {
    throw InputError(file + ": holds no scenario '" + spec.name + "'");
  }
  if (io::read_scenario_info(file, spec.name).complete) {
    throw InputError(file + ": scenario '" + spec.name + "' is complete; nothing to resume");
  }
  const auto stored = io::read_inputs(file, spec.name);
  if (stored.size() != spec.files.size()) {
    throw InputError(file + ": the scenario was read from " + std::to_string(stored.size()) +
                     " files, now from " + std::to_string(spec.files.size()) +
                     "; resume refused (the scenario changed)");
  }
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (stored[i].text != spec.files[i].text) {
      throw InputError(file + ": " + spec.files[i].path + " differs from the text the run used (" +
                       stored[i].path + "); resume refused (the scenario changed)");
    }
  }
  const core::ScenarioResult old = io::read_scenario(file, spec.name);
  if (vm.count("seed") && vm["seed"].as<std::uint64_t>() != old.seed) {
    throw InputError(file + ": the run used seed " + std::to_string(old.seed) + ", not " +
                     std::to_string(vm["seed"].as<std::uint64_t>()) + "; resume refused");
  }
  if (vm.count("draws") || vm.count("sampler") || vm.count("replicates")) {
    throw InputError(
        "--resume continues the run as it was started: drop --draws, --sampler "
        "and --replicates");
  }
  spec.run.seed = old.seed;
  spec.run.draws = old.draws_requested;
  spec.run.sampler = old.sampler;
}

// A process other than 0 of a distributed run: computes its chunks and sends
// them to process 0, which takes the run's settings from its own command line
// or the file being resumed and sends them here.
int run_worker(core::ScenarioSpec spec, const RunSettingsCli& cli, parallel::Cluster& cluster,
               StartGate& gate) {
  const auto model_ptr = models::make_model(spec);
  const core::Model& model = *model_ptr;
  if (!gate.pass()) return EXIT_INPUT;
  std::vector<std::uint64_t> settings(5);
  cluster.broadcast(settings);
  spec.run.draws = settings[0];
  spec.run.seed = settings[1];
  spec.run.sampler = static_cast<core::Sampler>(settings[2]);
  spec.run.replicates = static_cast<int>(settings[3]);
  core::RunOptions ro = run_options(spec.run, cli);
  ro.first_draw = settings[4];
  const auto exchange = cluster.exchange();
  ro.exchange = exchange.get();
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  core::run_draws(model, ro, {});
  return g_stop.load() ? EXIT_INTERRUPTED : EXIT_OK;
}

int cmd_run(const std::vector<std::string>& args, const std::string& command_line,
            parallel::Cluster& cluster) {
  po::options_description opts("run options");
  opts.add_options()("help,h", "show this help")("output,o", po::value<std::string>(),
                                                 "results file (default: <scenario name>.h5)")(
      "no-paths", "write summaries only, no per-draw paths")(
      "float32", "store paths as float32 (half the size, about 7 significant digits)")(
      "quantiles", po::value<std::string>()->default_value("auto"), QUANTILES_HELP)(
      "gzip", po::value<int>(), "compress paths with shuffle + gzip at this level (1-9)")(
      "resume", po::value<std::string>(),
      "continue the interrupted run saved in this file (replaced when done)");
  add_run_options(opts);
  opts.add_options()("scenario", po::value<std::string>()->required(), "scenario file");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  const std::string usage =
      "usage: sectorsim run SCENARIO.yaml [-o FILE] [--draws N] [--seed S] [--threads T]\n"
      "                     [--sampler mc|lhs|sobol] [--replicates R] [--no-paths] [--overwrite]\n"
      "                     [--float32] [--gzip LEVEL]\n"
      "       sectorsim run SCENARIO.yaml --resume FILE [--threads T]";
  if (!parse(args, opts, pos, vm, usage)) return EXIT_OK;
  const RunSettingsCli cli = cli_settings(vm);

  StartGate gate(cluster);
  core::ScenarioSpec spec = load(vm["scenario"].as<std::string>(), vm.count("strict") > 0);
  if (cluster.rank() != 0) return run_worker(std::move(spec), cli, cluster, gate);
  const auto model_ptr = models::make_model(spec);
  const core::Model& model = *model_ptr;
  const bool resume = vm.count("resume") > 0;
  core::SummaryState saved;  // the checkpoint of the run being resumed
  std::string out_path;
  io::PathOptions popt;
  popt.keep_paths = vm.count("no-paths") == 0;
  if (resume) {
    out_path = vm["resume"].as<std::string>();
    if (vm.count("output") || vm.count("no-paths") || vm.count("float32") || vm.count("gzip")) {
      throw InputError(
          "--resume writes the file it resumes as it was started: drop -o, --no-paths, "
          "--float32 and --gzip");
    }
    if (!vm["quantiles"].defaulted()) {
      throw InputError(
          "--resume keeps the quantile method of the run it continues: drop --quantiles");
    }
    prepare_resume(out_path, vm, spec);
    popt = io::path_storage(out_path, spec.name, model.layout());
    saved = io::read_checkpoint(out_path, spec.name);
    if (saved.replicates > 0) spec.run.replicates = saved.replicates;
  } else {
    apply_overrides(vm, spec.run);
    out_path = vm.count("output") ? vm["output"].as<std::string>() : spec.name + ".h5";
    refuse_existing(out_path, cli.overwrite);
  }

  auto targets =
      core::resolve_targets(spec.targets, model.layout(), spec.base_year, sector_ids(spec));
  const bool sketch =
      resume ? saved.uses_sketch()
             : use_sketch(vm["quantiles"].as<std::string>(), model.layout(), spec.run.draws);

  if (vm.count("float32")) popt.float32 = true;
  if (vm.count("gzip")) {
    popt.gzip = vm["gzip"].as<int>();
    if (popt.gzip < 1 || popt.gzip > 9) throw InputError("--gzip must be in [1, 9]");
  }
  // Before anything is allocated or written: does the run fit this machine?
  cli::check_resources(
      spec.run.draws, popt.keep_paths ? path_bytes_per_draw(model.layout(), popt.float32) : 0,
      sketch ? core::SummaryAccumulator::sketch_bytes(model.layout(), spec.run.draws,
                                                      core::DEFAULT_SKETCH_K)
             : core::SummaryAccumulator::store_bytes(model.layout(), spec.run.draws),
      out_path);

  core::SummaryAccumulator summary(model.layout(), targets, spec.run.draws, core::CHUNK_DRAWS,
                                   sketch ? core::DEFAULT_SKETCH_K : 0, cli.threads);
  std::uint64_t first_draw = 0;
  if (resume) {
    summary.restore(saved);
    first_draw = saved.draws;
  }

  io::RunMeta meta;
  meta.command_line = command_line;
  meta.engine_version = core::ENGINE_VERSION;
  meta.seed = spec.run.seed;
  meta.chunk_draws = core::CHUNK_DRAWS;
  meta.processes = cluster.size();
  // Resuming replaces the interrupted file, but only when the new one is complete.
  io::ResultsWriter writer(out_path, cli.overwrite || resume, meta);

  core::ChunkSink* paths = writer.begin_scenario(spec, model.layout(), spec.run.draws, popt);
  if (resume && paths) {
    io::copy_paths(out_path, spec.name, first_draw, model.layout(), core::CHUNK_DRAWS, *paths);
  }

  std::vector<core::ChunkSink*> sinks = {&summary};
  if (paths) sinks.push_back(paths);
  std::unique_ptr<core::ReplicateAccumulator> replicas;
  if (spec.run.sampler == core::Sampler::Sobol) {
    replicas = std::make_unique<core::ReplicateAccumulator>(model.layout(), spec.run.replicates);
    if (resume) replicas->restore(saved.draws, saved.replicate_sums, saved.replicate_counts);
    sinks.push_back(replicas.get());
  }
  saved = core::SummaryState();  // restored: free its copy of the values

  core::RunOptions ro = run_options(spec.run, cli);
  ro.first_draw = first_draw;
  // Every process is ready: send the run's settings to the others.
  gate.pass();
  std::vector<std::uint64_t> settings = {
      spec.run.draws, spec.run.seed, static_cast<std::uint64_t>(spec.run.sampler),
      static_cast<std::uint64_t>(spec.run.replicates), first_draw};
  cluster.broadcast(settings);
  const auto exchange = cluster.exchange();
  ro.exchange = exchange.get();
  cli::Progress progress(!cli.quiet && isatty(STDERR_FILENO), spec.name);
  ro.progress = [&](std::uint64_t done, std::uint64_t total) { progress.update(done, total); };

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const auto t0 = std::chrono::steady_clock::now();
  const core::RunReport rep = core::run_draws(model, ro, sinks);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  progress.finish();

  core::ScenarioResult result = result_header(spec);
  summary.finish(rep.draws_done, result, cli.threads);
  if (replicas && !rep.interrupted) add_replicate_errors(*replicas, model.layout(), result);
  writer.end_scenario(result);
  if (rep.interrupted) {
    // A valid file marked incomplete, with what a resumed run needs.
    core::SummaryState state = summary.save(rep.draws_done);
    if (replicas) {
      std::uint64_t draws = 0;
      replicas->save(draws, state.replicate_sums, state.replicate_counts);
      state.replicates = replicas->replicates();
    }
    writer.write_checkpoint(state);
    writer.commit();
    std::cerr << "sectorsim: interrupted after " << rep.draws_done << " of " << spec.run.draws
              << " draws; " << out_path << " holds them, marked incomplete. Continue with:\n"
              << "  sectorsim run " << vm["scenario"].as<std::string>() << " --resume " << out_path
              << "\n";
    return EXIT_INTERRUPTED;
  }
  writer.commit();
  if (!cli.quiet) {
    cli::print_target_table(std::cout, spec, result, secs, cli.threads, cluster.size());
    std::cout << "results: " << out_path << "\n";
  }
  return EXIT_OK;
}

int cmd_compare(const std::vector<std::string>& args, const std::string& command_line) {
  po::options_description opts("compare options");
  opts.add_options()("help,h", "show this help")(
      "baseline,b", po::value<std::string>(),
      "scenario name every other is compared with (default: the first file)")(
      "output,o", po::value<std::string>()->default_value("comparison.h5"), "results file")(
      "quantiles", po::value<std::string>()->default_value("auto"), QUANTILES_HELP)(
      "csv", po::value<std::string>(), "also write CSV tables into this directory");
  add_run_options(opts);
  opts.add_options()("scenarios", po::value<std::vector<std::string>>()->required(),
                     "scenario files");
  po::positional_options_description pos;
  pos.add("scenarios", -1);
  po::variables_map vm;
  const std::string usage =
      "usage: sectorsim compare SCENARIO.yaml... [--baseline NAME] [-o FILE] [--draws N]\n"
      "                         [--seed S] [--threads T] [--quantiles MODE] [--csv DIR]";
  if (!parse(args, opts, pos, vm, usage)) return EXIT_OK;
  const RunSettingsCli cli = cli_settings(vm);
  const auto files = vm["scenarios"].as<std::vector<std::string>>();
  if (files.size() < 2) throw InputError("compare needs at least two scenario files\n" + usage);

  std::vector<core::ScenarioSpec> specs;
  for (const auto& f : files)
    specs.push_back(load(f, vm.count("strict") > 0));
  std::size_t base = 0;
  if (vm.count("baseline")) {
    const std::string name = vm["baseline"].as<std::string>();
    std::vector<std::string> names;
    for (const auto& s : specs)
      names.push_back(s.name);
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      std::string msg = "--baseline '" + name + "' is not among the scenarios (";
      for (std::size_t i = 0; i < names.size(); ++i)
        msg += (i ? ", " : "") + names[i];
      throw InputError(msg + ")");
    }
    base = static_cast<std::size_t>(it - names.begin());
  }
  // Common random numbers: one seed, one draw count, one sampler for all,
  // taken from the baseline's file unless given on the command line.
  core::RunSettings run = specs[base].run;
  apply_overrides(vm, run);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (specs[i].name == specs[j].name) {
        throw InputError("two scenarios are named '" + specs[i].name + "' (" + files[j] + ", " +
                         files[i] + "); names must differ");
      }
    }
    specs[i].run = run;
  }
  const std::string out_path = vm["output"].as<std::string>();
  refuse_existing(out_path, cli.overwrite);

  std::vector<std::unique_ptr<core::Model>> owned;
  std::vector<const core::Model*> members;
  for (const auto& s : specs) {
    owned.push_back(models::make_model(s));
    members.push_back(owned.back().get());
  }
  const core::StackedModel stacked(members);
  const auto& layout = owned[base]->layout();
  // Every scenario's summary and every comparison's differences: exact
  // stores, or sketches where they would not fit (or are asked for).
  const std::uint64_t stores = 2 * specs.size() - 1;
  const bool sketch = use_sketch(vm["quantiles"].as<std::string>(), layout, run.draws, stores);
  const std::size_t sketch_k = sketch ? core::DEFAULT_SKETCH_K : 0;
  // Before anything is allocated or written; the file holds summaries only.
  cli::check_resources(
      run.draws, 0,
      (sketch ? core::SummaryAccumulator::sketch_bytes(layout, run.draws, core::DEFAULT_SKETCH_K)
              : core::SummaryAccumulator::store_bytes(layout, run.draws)) *
          stores,
      out_path, true);

  std::vector<std::unique_ptr<core::SummaryAccumulator>> summaries;
  core::MembersSink to_summaries(stacked);  // each member's slice to its summary
  std::vector<std::unique_ptr<core::PairedAccumulator>> paired;
  std::vector<core::ChunkSink*> sinks = {&to_summaries};
  const auto base_targets = core::resolve_targets(specs[base].targets, layout,
                                                  specs[base].base_year, sector_ids(specs[base]));
  for (std::size_t k = 0; k < specs.size(); ++k) {
    const auto targets = core::resolve_targets(specs[k].targets, owned[k]->layout(),
                                               specs[k].base_year, sector_ids(specs[k]));
    summaries.push_back(std::make_unique<core::SummaryAccumulator>(
        owned[k]->layout(), targets, run.draws, core::CHUNK_DRAWS, sketch_k, cli.threads));
    to_summaries.add(k, *summaries.back());
    if (k != base) {
      paired.push_back(std::make_unique<core::PairedAccumulator>(
          layout, stacked.cell_offset(k), stacked.cell_offset(base), base_targets, run.draws,
          sketch_k, cli.threads));
      sinks.push_back(paired.back().get());
    }
  }

  core::RunOptions ro = run_options(run, cli);
  cli::Progress progress(!cli.quiet && isatty(STDERR_FILENO), "compare");
  ro.progress = [&](std::uint64_t done, std::uint64_t total) { progress.update(done, total); };
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const auto t0 = std::chrono::steady_clock::now();
  const core::RunReport rep = core::run_draws(stacked, ro, sinks);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  progress.finish();
  if (rep.interrupted) {
    std::cerr << "sectorsim: interrupted after " << rep.draws_done << " of " << run.draws
              << " draws; no results file written\n";
    return EXIT_INTERRUPTED;
  }

  io::RunMeta meta;
  meta.command_line = command_line;
  meta.engine_version = core::ENGINE_VERSION;
  meta.seed = run.seed;
  meta.chunk_draws = core::CHUNK_DRAWS;
  io::ResultsWriter writer(out_path, cli.overwrite, meta);
  std::vector<core::ScenarioResult> results;
  for (std::size_t k = 0; k < specs.size(); ++k) {
    core::ScenarioResult r = result_header(specs[k]);
    summaries[k]->finish(rep.draws_done, r, cli.threads);
    io::PathOptions popt;
    popt.keep_paths = false;
    writer.begin_scenario(specs[k], owned[k]->layout(), rep.draws_done, popt);
    writer.end_scenario(r);
    results.push_back(std::move(r));
  }
  std::vector<core::Comparison> comparisons;
  std::size_t p = 0;
  for (std::size_t k = 0; k < specs.size(); ++k) {
    if (k == base) continue;
    comparisons.push_back(paired[p++]->finish(rep.draws_done, specs[k].name, specs[base].name));
    writer.write_comparison(comparisons.back());
  }
  writer.commit();
  if (vm.count("csv")) io::write_csv(vm["csv"].as<std::string>(), results, comparisons);
  if (!cli.quiet) {
    for (std::size_t k = 0; k < specs.size(); ++k) {
      cli::print_target_table(std::cout, specs[k], results[k], secs, cli.threads);
      std::cout << "\n";
    }
    cli::print_comparison_table(std::cout, specs[base], comparisons);
    std::cout << "results: " << out_path << "\n";
  }
  return EXIT_OK;
}

int cmd_report(const std::vector<std::string>& args) {
  po::options_description opts("report options");
  opts.add_options()("help,h", "show this help")("output,o", po::value<std::string>(),
                                                 "HTML file (default: FILE with .html)")(
      "overwrite", "replace an existing report")("file", po::value<std::string>()->required(),
                                                 "results file");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse(args, opts, pos, vm, "usage: sectorsim report FILE [-o report.html] [--overwrite]"))
    return EXIT_OK;
  const std::string in = vm["file"].as<std::string>();
  std::string out = vm.count("output")
                        ? vm["output"].as<std::string>()
                        : std::filesystem::path(in).replace_extension(".html").string();
  refuse_existing(out, vm.count("overwrite") > 0);
  io::write_report(in, out, vm.count("overwrite") > 0);
  std::cout << "report: " << out << "\n";
  return EXIT_OK;
}

}  // namespace

namespace {

// The exit code of the exception in flight, after printing its message (not
// when process 0 of a distributed run reports the same failure).
int report_error(const std::string& prefix) {
  auto say = [&](const std::string& m) {
    if (!g_silent_errors) std::cerr << prefix << m << "\n";
  };
  try {
    throw;
  } catch (const config::ConfigError& e) {
    for (const auto& m : e.messages())
      if (!g_silent_errors) std::cerr << m << "\n";
    return EXIT_INPUT;
  } catch (const cli::ResourceError& e) {
    say(e.what());
    return EXIT_INPUT;
  } catch (const InputError& e) {
    say(e.what());
    return EXIT_INPUT;
  } catch (const std::invalid_argument& e) {
    say(e.what());
    return EXIT_INPUT;
  } catch (const io::IoError& e) {
    say(e.what());
    return EXIT_RUNTIME;
  } catch (const std::bad_alloc&) {
    say("out of memory");
    return EXIT_RUNTIME;
  } catch (const std::exception& e) {
    say(e.what());
    return EXIT_RUNTIME;
  }
}

int dispatch(int argc, char** argv, parallel::Cluster& cluster) {
  const std::string command_line = join_args(argc, argv);
  if (argc < 2) {
    std::cerr << USAGE;
    return EXIT_INPUT;
  }
  const std::string cmd = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << USAGE;
    return EXIT_OK;
  }
  if (cmd == "--version" || cmd == "version") {
    std::cout << "sectorsim " << core::ENGINE_VERSION
              << (parallel::Cluster::mpi_build() ? " (MPI)" : "") << "\n";
    return EXIT_OK;
  }
  if (cmd == "run") return cmd_run(args, command_line, cluster);
  if (cluster.distributed()) {
    // Every process gets the same command line: one message is enough.
    if (cluster.rank() != 0) return EXIT_INPUT;
    throw InputError("only 'run' is distributed over processes; run '" + cmd +
                     "' as a single process (without mpirun)");
  }
  if (cmd == "validate") return cmd_validate(args);
  if (cmd == "compare") return cmd_compare(args, command_line);
  if (cmd == "report") return cmd_report(args);
  std::cerr << "sectorsim: unknown command '" << cmd << "'\n" << USAGE;
  return EXIT_INPUT;
}

}  // namespace

int main(int argc, char** argv) {
  // Past a file-size limit, write(2) should fail with EFBIG (reported as an
  // I/O error, temporary file removed) rather than kill the process.
  std::signal(SIGXFSZ, SIG_IGN);
#ifdef __GLIBC__
  // Two malloc arenas, not glibc's eight a core. The hot loops allocate
  // nothing; the sketches' levels are reallocated by whichever thread feeds
  // them, and with an arena a thread their freed blocks were scattered over
  // sixteen arenas: a 10M-draw summary-only run on 16 threads peaked at 318
  // instead of 274 MB (docs/performance.md).
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
    return report_error(prefix);
  }
}
