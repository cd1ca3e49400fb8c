#include "apps/cli_decision.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>

#include "engine/config/lever_overlay.hpp"
#include "engine/config/scenario_loader.hpp"
#include "engine/exec/runner.hpp"
#include "engine/io/atomic_file.hpp"
#include "engine/io/discover_io.hpp"
#include "engine/io/output_target.hpp"
#include "engine/run/errors.hpp"
#include "models/registry.hpp"

namespace sectorsim::cli {
namespace {

namespace fs = std::filesystem;

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// A number option given as text: a finite number, or run::InputError.
double number_option(const po::variables_map& vm, const std::string& name) {
  const std::string text = vm[name].as<std::string>();
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  throw run::InputError("--" + name + " must be a number (got '" + text + "')");
}

void add_common(po::options_description& o) {
  o.add_options()("draws,n", po::value<std::string>(), "draws (default: the scenario's run.draws)")(
      "seed,s", po::value<std::string>(), "random seed (default: the scenario's run.seed)")(
      "threads,t", po::value<int>(), "worker threads (default: all cores)")(
      "batch", po::value<std::string>()->default_value("256"), "draws per model call, 1..4096")(
      "overwrite", "replace an existing output file")("force", "the same as --overwrite")(
      "quiet,q", "no table");
}

int threads_of(const po::variables_map& vm) {
  int t = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (vm.count("threads")) t = vm["threads"].as<int>();
  if (t < 1 || t > 1024)
    throw run::InputError("--threads must be from 1 to 1024 (got " + std::to_string(t) + ")");
  return t;
}

bool overwrite_of(const po::variables_map& vm) {
  return vm.count("overwrite") > 0 || vm.count("force") > 0;
}

core::ScenarioSpec load(const std::string& path, int threads) {
  config::LoadOptions lo;
  lo.table_threads = threads;
  return models::load_scenario(path, lo);
}

std::string pct(double v) {
  return std::isfinite(v) ? fmt("%.1f%%", 100 * v) : "-";
}

}  // namespace

CommandOptions discover_command() {
  CommandOptions c{po::options_description("discover options"), {}, {}};
  c.options.add_options()("help,h", "show this help")("target", po::value<std::string>(),
                                                      "the target's id (required)")(
      "meet", "the cases are the draws that meet the target (default: those that miss it)")(
      "alpha", po::value<std::string>()->default_value("0.05"),
      "share of the box's draws one peel removes, in (0, 0.5)")(
      "min-mass", po::value<std::string>()->default_value("0.05"),
      "the least share of all draws a box may hold, in (0, 1)")(
      "coverage", po::value<std::string>()->default_value("0.5"),
      "the least coverage of the box chosen, in [0, 1]")(
      "resamples", po::value<int>()->default_value(50),
      "bootstrap resamples of the stability check, 0..10000")(
      "output,o", po::value<std::string>(), "HDF5 file (default: discover-<target>.h5)")(
      "csv", po::value<std::string>(), "also write trajectory.csv and box.csv into this directory");
  add_common(c.options);
  c.options.add_options()("scenario", po::value<std::string>()->required(), "scenario file");
  c.positional.add("scenario", 1);
  c.usage =
      "usage: sectorsim discover SCENARIO.yaml --target ID [--meet] [--draws N] [--seed S]\n"
      "                          [--alpha A] [--min-mass M] [--coverage C] [--resamples B]\n"
      "                          [--threads T] [-o FILE] [--overwrite] [--csv DIR]";
  return c;
}

CommandOptions optimise_command() {
  CommandOptions c{po::options_description("optimise options"), {}, {}};
  c.options.add_options()("help,h", "show this help")(
      "objective", po::value<std::string>(), "prob:TARGET, mean:SERIES@YEAR or bcr (required)")(
      "budget", po::value<std::string>(), "the funds' total, 亿元 (default: the scenario's)")(
      "levers", po::value<std::string>(),
      "levers to choose, comma-separated (default: the scenario's optimise.levers, else funds)")(
      "against", po::value<std::string>(), "baseline scenario of a bcr objective")(
      "fresh-draws", po::value<std::string>(), "draws of the check (default: --draws)")(
      "fresh-seed", po::value<std::string>(), "seed of the check (default: the seed + 1)")(
      "max-evaluations", po::value<int>()->default_value(400),
      "objective evaluations of the search, 1..100000")(
      "output,o", po::value<std::string>(),
      "scenario file of the optimum (default: <scenario name>-optimum.yaml)");
  add_common(c.options);
  c.options.add_options()("scenario", po::value<std::string>()->required(), "scenario file");
  c.positional.add("scenario", 1);
  c.usage =
      "usage: sectorsim optimise SCENARIO.yaml --objective prob:ID|mean:SERIES@YEAR|bcr\n"
      "                          [--budget B] [--levers funds,space,land] [--against BASE.yaml]\n"
      "                          [--draws N] [--fresh-draws M] [--seed S] [--fresh-seed S2]\n"
      "                          [--max-evaluations E] [--threads T] [-o OPTIMUM.yaml] "
      "[--overwrite]";
  return c;
}

analysis::DiscoverOptions discover_options(const po::variables_map& vm) {
  analysis::DiscoverOptions o;
  if (!vm.count("target")) throw run::InputError("--target ID is required");
  o.target = vm["target"].as<std::string>();
  o.meet = vm.count("meet") > 0;
  if (vm.count("draws"))
    o.draws = whole_number("draws", vm["draws"].as<std::string>(), 1, std::uint64_t{1} << 30);
  if (vm.count("seed")) o.seed = whole_number("seed", vm["seed"].as<std::string>(), 0, UINT64_MAX);
  o.prim.alpha = number_option(vm, "alpha");
  o.prim.min_mass = number_option(vm, "min-mass");
  o.prim.min_coverage = number_option(vm, "coverage");
  o.prim.resamples = vm["resamples"].as<int>();
  if (!(o.prim.alpha > 0 && o.prim.alpha < 0.5))
    throw run::InputError("--alpha must be in (0, 0.5) (got " + vm["alpha"].as<std::string>() +
                          ")");
  if (!(o.prim.min_mass > 0 && o.prim.min_mass < 1))
    throw run::InputError("--min-mass must be in (0, 1) (got " + vm["min-mass"].as<std::string>() +
                          ")");
  if (!(o.prim.min_coverage >= 0 && o.prim.min_coverage <= 1))
    throw run::InputError("--coverage must be in [0, 1] (got " + vm["coverage"].as<std::string>() +
                          ")");
  if (o.prim.resamples < 0 || o.prim.resamples > 10000)
    throw run::InputError("--resamples must be from 0 to 10000 (got " +
                          std::to_string(o.prim.resamples) + ")");
  o.threads = threads_of(vm);
  o.batch = whole_number("batch", vm["batch"].as<std::string>(), 1, 4096);
  return o;
}

analysis::OptimiseOptions optimise_options(const po::variables_map& vm) {
  analysis::OptimiseOptions o;
  if (!vm.count("objective")) throw run::InputError("--objective is required");
  o.objective = analysis::parse_objective(vm["objective"].as<std::string>());
  if (vm.count("budget")) {
    o.budget = number_option(vm, "budget");
    if (!(*o.budget > 0))
      throw run::InputError("--budget must be > 0 (got " + vm["budget"].as<std::string>() + ")");
  }
  if (vm.count("levers")) {
    std::vector<std::string> keys;
    std::stringstream levers(vm["levers"].as<std::string>());
    for (std::string key; std::getline(levers, key, ',');)
      keys.push_back(key);
    if (keys.empty()) throw run::InputError("--levers: name at least one lever");
    o.levers = keys;
  }
  if (vm.count("draws"))
    o.draws = whole_number("draws", vm["draws"].as<std::string>(), 1, std::uint64_t{1} << 30);
  if (vm.count("fresh-draws"))
    o.fresh_draws =
        whole_number("fresh-draws", vm["fresh-draws"].as<std::string>(), 1, std::uint64_t{1} << 30);
  if (vm.count("seed")) o.seed = whole_number("seed", vm["seed"].as<std::string>(), 0, UINT64_MAX);
  if (vm.count("fresh-seed"))
    o.fresh_seed = whole_number("fresh-seed", vm["fresh-seed"].as<std::string>(), 0, UINT64_MAX);
  o.max_evaluations = vm["max-evaluations"].as<int>();
  if (o.max_evaluations < 1 || o.max_evaluations > 100000)
    throw run::InputError("--max-evaluations must be from 1 to 100000 (got " +
                          std::to_string(o.max_evaluations) + ")");
  o.threads = threads_of(vm);
  o.batch = whole_number("batch", vm["batch"].as<std::string>(), 1, 4096);
  return o;
}

void print_discovery(std::ostream& os, const core::Discovery& d, std::size_t rows) {
  const core::PrimResult& r = d.result;
  os << "PRIM on " << d.draws << " draws (seed " << d.seed << ") of " << d.scenario << ": cases "
     << (d.meet ? "meet" : "miss") << " " << d.target << " (" << d.condition << "): " << r.cases
     << " draws (" << pct(r.base_density) << ")\n";
  os << "peeling trajectory (alpha " << d.options.alpha << ", min mass " << d.options.min_mass
     << "), " << r.trajectory.size() - 1 << " peels:\n";
  os << "   step  coverage   density      mass\n";
  const std::size_t n = r.trajectory.size();
  std::vector<std::size_t> shown;
  for (std::size_t k = 0; k < rows && n > 0; ++k)
    shown.push_back(rows > 1 ? k * (n - 1) / (rows - 1) : 0);
  shown.push_back(r.chosen);
  std::sort(shown.begin(), shown.end());
  shown.erase(std::unique(shown.begin(), shown.end()), shown.end());
  for (std::size_t s : shown) {
    const auto& b = r.trajectory[s];
    char line[96];
    std::snprintf(line, sizeof line, "  %5zu  %8s  %8s  %8s%s\n", s, pct(b.coverage).c_str(),
                  pct(b.density).c_str(), pct(b.mass).c_str(), s == r.chosen ? "  <- chosen" : "");
    os << line;
  }
  const auto conditions = core::box_conditions(d);
  os << "box (step " << r.chosen << (d.options.paste ? ", pasted" : "") << "): coverage "
     << pct(r.box.coverage) << ", density " << pct(r.box.density) << ", mass " << pct(r.box.mass)
     << "\n";
  if (conditions.empty()) os << "  (no input restricted: no box beats the whole space)\n";
  for (std::size_t i = 0; i < conditions.size(); ++i)
    os << "  " << (i ? "and " : "    ") << conditions[i] << "\n";
  const core::PrimStability& st = r.stability;
  if (st.resamples > 0) {
    os << "stability over " << st.resamples << " bootstrap resamples: held-out coverage "
       << pct(st.coverage_mean) << " (sd " << pct(st.coverage_sd) << "), density "
       << pct(st.density_mean) << " (sd " << pct(st.density_sd) << ")\n";
    os << "  restricted in the resamples' boxes:\n";
    std::vector<std::size_t> order;
    for (std::size_t j = 0; j < d.inputs.size(); ++j)
      if (r.restricted[j] || st.restricted_share[j] >= 0.2) order.push_back(j);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return st.restricted_share[a] > st.restricted_share[b];
    });
    for (std::size_t j : order) {
      char line[160];
      std::snprintf(line, sizeof line, "    %-36s %6s%s\n", d.inputs[j].c_str(),
                    pct(st.restricted_share[j]).c_str(), r.restricted[j] ? "  (in the box)" : "");
      os << line;
    }
  }
}

// "5%–40%", "at least 5%", "at most 40%", or "" for [0, 1].
std::string share_bounds(const core::ShareBounds& b) {
  const bool lo = b.min > 0, hi = b.max < 1;
  if (lo && hi) return pct(b.min) + "–" + pct(b.max);
  if (lo) return "at least " + pct(b.min);
  if (hi) return "at most " + pct(b.max);
  return "";
}

void print_optimum(std::ostream& os, const analysis::OptimiseResult& r,
                   const std::vector<std::string>& sector_ids) {
  const std::size_t ns = sector_ids.size();
  os << "optimise " << r.objective.text << " (" << r.algorithm << ", " << r.evaluations
     << " evaluations on " << r.draws << " draws, seed " << r.seed << "; " << fmt("%.1f", r.seconds)
     << " s)\n";
  if (r.smoothing > 0)
    os << "  search on the smoothed indicator (normal kernel, bandwidth "
       << fmt("%.4g", r.smoothing) << "); the values below are exact\n";
  for (std::size_t l = 0; l < r.optimum.size(); ++l) {
    const auto& opt = r.optimum[l];
    const auto& start = r.start[l];
    const core::OptimiseLever& bounds = r.bounds[l];
    os << opt.key << " (total " << fmt("%.6g", opt.total()) << "):\n";
    if (opt.allocation.empty() && ns > 0 && opt.amounts.size() % ns == 0) {
      const std::size_t ny = opt.amounts.size() / ns;
      os << "  sector                    own      optimum  bounds (share)\n";
      for (std::size_t s = 0; s < ns; ++s) {
        double a = 0, b = 0;
        for (std::size_t y = 0; y < ny; ++y) {
          a += start.amounts[y * ns + s];
          b += opt.amounts[y * ns + s];
        }
        char line[160];
        std::snprintf(line, sizeof line, "  %-20s %9.4g %12.4g  %s\n", sector_ids[s].c_str(), a, b,
                      s < bounds.sectors.size() ? share_bounds(bounds.sectors[s]).c_str() : "");
        os << line;
      }
      os << "  by year (after the base):";
      for (std::size_t y = 1; y < ny; ++y) {
        double a = 0, b = 0;
        for (std::size_t s = 0; s < ns; ++s) {
          a += start.amounts[y * ns + s];
          b += opt.amounts[y * ns + s];
        }
        os << " " << fmt("%.4g", a) << " -> " << fmt("%.4g", b) << ";";
      }
      os << "\n";
    } else {
      os << "  by year (after the base):";
      for (std::size_t y = 1; y < opt.amounts.size(); ++y)
        os << " " << fmt("%.4g", start.amounts[y]) << " -> " << fmt("%.4g", opt.amounts[y]) << ";";
      os << "\n";
    }
    if (bounds.first_year > 1)
      os << "  chosen from " << r.base_year + static_cast<int>(bounds.first_year)
         << "; the years before keep their amounts\n";
    std::string years;
    for (std::size_t y = bounds.first_year; y < bounds.years.size(); ++y) {
      const std::string b = share_bounds(bounds.years[y]);
      if (!b.empty())
        years += " " + std::to_string(r.base_year + static_cast<int>(y)) + " " + b + ";";
    }
    if (!years.empty()) os << "  bounds on each year's share:" << years << "\n";
  }
  auto judged = [&](const analysis::Judged& j) {
    return fmt("%.6g", j.value) + (std::isfinite(j.se) ? " ± " + fmt("%.2g", j.se) : "");
  };
  os << "objective (" << r.unit << ")               own mix          optimum\n";
  char line[200];
  std::snprintf(line, sizeof line, "  search draws (%llu, seed %llu)  %-16s %s\n",
                static_cast<unsigned long long>(r.draws), static_cast<unsigned long long>(r.seed),
                judged(r.in_sample_start).c_str(), judged(r.in_sample_optimum).c_str());
  os << line;
  std::snprintf(line, sizeof line, "  fresh draws (%llu, seed %llu)   %-16s %s\n",
                static_cast<unsigned long long>(r.fresh_draws),
                static_cast<unsigned long long>(r.fresh_seed), judged(r.fresh_start).c_str(),
                judged(r.fresh_optimum).c_str());
  os << line;
  os << "  improvement, paired: " << judged(r.in_sample_improvement) << " on the search draws, "
     << judged(r.improvement) << " on fresh draws\n";
  os << "  optimality gap estimate (search value minus fresh value of the optimum): "
     << judged(r.gap) << "\n";
}

int cmd_discover(const std::vector<std::string>& args, const std::string& command_line,
                 const std::atomic<bool>* stop) {
  po::variables_map vm;
  if (!parse(args, discover_command(), vm)) return 0;
  analysis::DiscoverOptions o = discover_options(vm);
  o.stop = stop;
  const std::string path = vm["scenario"].as<std::string>();
  const std::string out =
      vm.count("output") ? vm["output"].as<std::string>() : "discover-" + o.target + ".h5";
  const bool overwrite = overwrite_of(vm);
  io::check_output_target(out, {path}, overwrite);
  if (vm.count("csv"))
    io::check_output_target(vm["csv"].as<std::string>() + "/box.csv", {path}, overwrite, false,
                            "--csv DIR");
  const core::ScenarioSpec spec = load(path, o.threads);
  const core::Discovery d = analysis::discover(spec, o);
  io::write_discovery_file(out, d, {path}, overwrite, command_line);
  if (vm.count("csv")) io::write_discovery_csv(vm["csv"].as<std::string>(), d, {path}, overwrite);
  if (!vm.count("quiet")) print_discovery(std::cout, d);
  std::cout << "discovery: " << out << "\n";
  return 0;
}

int cmd_optimise(const std::vector<std::string>& args, const std::string& command_line,
                 const std::atomic<bool>* stop) {
  po::variables_map vm;
  if (!parse(args, optimise_command(), vm)) return 0;
  analysis::OptimiseOptions o = optimise_options(vm);
  o.stop = stop;
  core::keep_freed_memory();  // hundreds of short runs; before the loader's threads
  const std::string path = vm["scenario"].as<std::string>();
  const bool overwrite = overwrite_of(vm);
  const core::ScenarioSpec spec = load(path, o.threads);
  const std::string out =
      vm.count("output") ? vm["output"].as<std::string>() : spec.name + "-optimum.yaml";
  std::vector<std::string> inputs{path};
  std::optional<core::ScenarioSpec> against;
  if (vm.count("against")) {
    inputs.push_back(vm["against"].as<std::string>());
    against = load(inputs.back(), o.threads);
  }
  io::check_output_target(out, inputs, overwrite);
  const analysis::OptimiseResult r = analysis::optimise(spec, against ? &*against : nullptr, o);

  config::LeverOverlay overlay;
  const fs::path out_dir = fs::absolute(out).parent_path();
  overlay.extends = fs::absolute(path).lexically_relative(out_dir).string();
  overlay.name = spec.name + "-optimum";
  std::string chosen;
  for (const auto& b : r.bounds)
    chosen += (chosen.empty() ? "" : ",") + b.key;
  overlay.description = "The mix of " + chosen + " that maximises " + r.objective.text +
                        ", chosen by sectorsim optimise from " + spec.name;
  std::ostringstream est;
  est << "Chosen by `" << command_line << "`: maximises " << r.objective.text
      << " by sample-average approximation on " << r.draws << " draws of seed " << r.seed << " ("
      << r.algorithm << ", " << r.evaluations << " evaluations";
  if (r.budget > 0) est << ", funds total " << fmt("%.6g", r.budget) << "亿元";
  est << "). On " << r.fresh_draws << " fresh draws of seed " << r.fresh_seed << " it gives "
      << fmt("%.17g", r.fresh_optimum.value) << " against " << fmt("%.17g", r.fresh_start.value)
      << " for " << spec.name << "'s own mix (paired difference "
      << fmt("%.6g", r.improvement.value)
      << (std::isfinite(r.improvement.se) ? ", se " + fmt("%.2g", r.improvement.se) : "")
      << "); search value minus fresh value " << fmt("%.6g", r.gap.value)
      << (std::isfinite(r.gap.se) ? ", se " + fmt("%.2g", r.gap.se) : "")
      << ". Reproduce with: sectorsim run " << fs::path(out).filename().string() << " --draws "
      << r.fresh_draws << " --seed " << r.fresh_seed;
  overlay.estimate = est.str();
  overlay.base_year = spec.base_year;
  for (const auto& s : spec.sectors)
    overlay.sector_ids.push_back(s.id);
  overlay.decls = models::find_declaration(spec.model)->levers;
  overlay.settings = r.optimum;
  io::write_file_atomically(out, config::lever_overlay_yaml(overlay), overwrite);
  if (!vm.count("quiet")) print_optimum(std::cout, r, overlay.sector_ids);
  std::cout << "optimum: " << out << "\n";
  return 0;
}

}  // namespace sectorsim::cli
