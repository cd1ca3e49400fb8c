#include "apps/cli_sensitivity.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <thread>

#include "engine/io/output_target.hpp"
#include "engine/io/sensitivity_io.hpp"
#include "engine/run/errors.hpp"
#include "models/registry.hpp"

namespace sectorsim::cli {

CommandOptions sensitivity_command() {
  CommandOptions c{po::options_description("sensitivity options"), {}, {}};
  c.options.add_options()("help,h", "show this help")(
      "method", po::value<std::string>()->default_value("sobol"),
      "sobol (first-order and total indices) or morris (elementary effects)")(
      "samples", po::value<std::string>(),
      "sobol: base samples N, a power of two (default 1024); morris: trajectories (default 20)")(
      "output", po::value<std::vector<std::string>>()->composing(),
      "what to analyse (repeatable): SERIES@YEAR, a target id, diff:... with --against "
      "(default: every target and its indicator)")(
      "against", po::value<std::string>(),
      "a second scenario (same parameters): diff: outputs are this scenario minus it")(
      "seed", po::value<std::string>(), "seed (default: the scenario's run.seed)")(
      "sampler", po::value<std::string>()->default_value("sobol"),
      "uniforms of A and B: sobol (scrambled, the scenario's replicates) or mc")(
      "threads,t", po::value<std::string>(), "worker threads (default: all cores)")(
      "batch", po::value<std::string>(), "draws per model call (default 256)")(
      "resamples", po::value<std::string>(), "bootstrap resamples of the intervals (default 200)")(
      "levels", po::value<std::string>(), "morris grid levels, even (default 4)")(
      "file,o", po::value<std::string>(), "write the indices to this HDF5 file")(
      "overwrite", "replace existing output files")(
      "csv", po::value<std::string>(), "also write one CSV table an output into this directory")(
      "top", po::value<std::string>(), "parameters shown an output (default 10)")(
      "quiet,q", "no progress bar");
  c.options.add_options()("scenario", po::value<std::string>()->required(), "scenario file");
  c.positional.add("scenario", 1);
  c.usage =
      "usage: sectorsim sensitivity SCENARIO.yaml [--method sobol|morris] [--samples N]\n"
      "                             [--output ID]... [--against FILE] [--seed S]\n"
      "                             [--threads T] [-o FILE] [--overwrite] [--csv DIR] [--top K]";
  return c;
}

analysis::SensitivityOptions sensitivity_options(const po::variables_map& vm) {
  analysis::SensitivityOptions o;
  o.method = analysis::parse_method(vm["method"].as<std::string>());
  if (vm.count("samples")) {
    o.samples = whole_number("samples", vm["samples"].as<std::string>(), 1, std::uint64_t{1} << 40);
  }
  if (vm.count("output")) o.outputs = vm["output"].as<std::vector<std::string>>();
  if (vm.count("seed")) {
    o.seed = whole_number("seed", vm["seed"].as<std::string>(), 0,
                          std::numeric_limits<std::uint64_t>::max());
  }
  const std::string sampler = vm["sampler"].as<std::string>();
  if (sampler == "sobol")
    o.sampler = core::Sampler::Sobol;
  else if (sampler == "mc")
    o.sampler = core::Sampler::MonteCarlo;
  else
    throw run::InputError("--sampler must be sobol or mc for sensitivity (got '" + sampler + "')");
  o.threads =
      vm.count("threads")
          ? static_cast<int>(whole_number("threads", vm["threads"].as<std::string>(), 1, 1024))
          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (vm.count("batch")) o.batch = whole_number("batch", vm["batch"].as<std::string>(), 1, 65536);
  if (vm.count("resamples")) {
    o.resamples =
        static_cast<int>(whole_number("resamples", vm["resamples"].as<std::string>(), 0, 100000));
  }
  if (vm.count("levels")) {
    o.morris_levels =
        static_cast<int>(whole_number("levels", vm["levels"].as<std::string>(), 2, 1000));
    if (o.morris_levels % 2 != 0)
      throw run::InputError("--levels must be even (got " + std::to_string(o.morris_levels) + ")");
  }
  if (vm.count("top")) (void)whole_number("top", vm["top"].as<std::string>(), 1, 100000);
  return o;
}

namespace {

// "x ± conf": indices with four decimals, Morris effects (in the output's
// units) with four significant digits.
std::string pm(double x, double conf, bool sobol = true) {
  char buf[64];
  if (!std::isfinite(x)) return "     -         ";
  if (!sobol)
    std::snprintf(buf, sizeof buf, "%9.4g ± %-9.3g", x, conf);
  else if (std::isfinite(conf))
    std::snprintf(buf, sizeof buf, "%7.4f ± %.4f", x, conf);
  else
    std::snprintf(buf, sizeof buf, "%7.4f         ", x);
  return buf;
}

void table(std::ostream& os, const std::vector<core::FactorIndices>& rows, bool sobol,
           std::size_t top, const char* what) {
  std::vector<const core::FactorIndices*> sorted;
  for (const auto& f : rows)
    sorted.push_back(&f);
  auto key = [sobol](const core::FactorIndices* f) {
    const double v = sobol ? f->st : f->mu_star;
    return std::isfinite(v) ? v : -std::numeric_limits<double>::infinity();
  };
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](const auto* a, const auto* b) { return key(a) > key(b); });
  std::size_t width = std::string(what).size();
  for (std::size_t i = 0; i < sorted.size() && i < top; ++i)
    width = std::max(width, sorted[i]->name.size());
  char line[256];
  if (sobol)
    std::snprintf(line, sizeof line, "  %-*s  %-17s  %-17s\n", static_cast<int>(width), what,
                  "ST (total)", "S1 (first order)");
  else
    std::snprintf(line, sizeof line, "  %-*s  %-21s  %9s  %9s\n", static_cast<int>(width), what,
                  "mu*", "mu", "sigma");
  os << line;
  for (std::size_t i = 0; i < sorted.size() && i < top; ++i) {
    const auto& f = *sorted[i];
    if (sobol) {
      std::snprintf(line, sizeof line, "  %-*s  %s  %s\n", static_cast<int>(width), f.name.c_str(),
                    pm(f.st, f.st_conf).c_str(), pm(f.s1, f.s1_conf).c_str());
    } else {
      std::snprintf(line, sizeof line, "  %-*s  %s  %9.4g  %9.4g\n", static_cast<int>(width),
                    f.name.c_str(), pm(f.mu_star, f.mu_star_conf, false).c_str(), f.mu, f.sigma);
    }
    os << line;
  }
  if (sorted.size() > top)
    os << "  (" << sorted.size() - top << " more " << what << "s; --top or the file has them)\n";
}

}  // namespace

void print_sensitivity(std::ostream& os, const analysis::SensitivityResult& r, int top) {
  const bool sobol = r.method == analysis::SensitivityMethod::Sobol;
  char head[256];
  std::snprintf(head, sizeof head, "%s of %s%s: %s %llu, %llu model evaluations, %.1f s\n",
                sobol ? "Sobol indices" : "Morris elementary effects", r.scenario.c_str(),
                r.against.empty() ? "" : (" against " + r.against).c_str(), sobol ? "N" : "r",
                static_cast<unsigned long long>(r.samples),
                static_cast<unsigned long long>(r.evaluations), r.seconds);
  os << head;
  if (sobol) os << "(± the half-width of a 95% bootstrap interval; ST = total, S1 = first order)\n";
  for (const auto& o : r.outputs) {
    char line[512];
    std::snprintf(line, sizeof line, "\n%s — %s\n  mean %.6g, sd %.6g\n", o.id.c_str(),
                  o.description.c_str(), o.mean, std::sqrt(o.variance));
    os << line;
    if (!(o.variance > 0)) {
      os << "  the output does not vary over the design: no index is defined\n";
      continue;
    }
    table(os, o.parameters, sobol, static_cast<std::size_t>(top), "parameter");
    if (!o.groups.empty()) {
      os << "\n";
      table(os, o.groups, sobol, o.groups.size(), "group");
    }
  }
}

int cmd_sensitivity(const std::vector<std::string>& args, const std::string& command_line,
                    const std::atomic<bool>* stop) {
  po::variables_map vm;
  if (!parse(args, sensitivity_command(), vm)) return 0;
  analysis::SensitivityOptions o = sensitivity_options(vm);
  o.stop = stop;
  const int top =
      vm.count("top")
          ? static_cast<int>(whole_number("top", vm["top"].as<std::string>(), 1, 100000))
          : 10;
  const std::string path = vm["scenario"].as<std::string>();
  std::vector<std::string> inputs = {path};
  if (vm.count("against")) inputs.push_back(vm["against"].as<std::string>());
  const bool overwrite = vm.count("overwrite") > 0;
  const std::string file = vm.count("file") ? vm["file"].as<std::string>() : "";
  // Refused paths are refused before anything is computed.
  if (!file.empty()) io::check_output_target(file, inputs, overwrite);
  for (const auto& in : inputs) {
    std::error_code ec;
    if (!std::filesystem::exists(in, ec)) throw run::InputError(in + ": no such file");
  }
  config::LoadOptions lo;
  lo.table_threads = o.threads;
  const core::ScenarioSpec spec = models::load_scenario(path, lo);
  std::optional<core::ScenarioSpec> against;
  if (vm.count("against")) against = models::load_scenario(inputs[1], lo);
  if (vm.count("csv")) {
    const std::string dir = vm["csv"].as<std::string>();
    for (const auto& id : analysis::output_ids(spec, against.has_value(), o.outputs))
      io::check_output_target((std::filesystem::path(dir) / io::sensitivity_csv_name(id)).string(),
                              inputs, overwrite, false, "--csv DIR");
  }
  Progress bar(!vm.count("quiet") && isatty(STDERR_FILENO), "sensitivity");
  o.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
  const analysis::SensitivityResult r =
      analysis::run_sensitivity(spec, against ? &*against : nullptr, o);
  bar.finish();
  if (vm.count("csv")) io::write_sensitivity_csv(vm["csv"].as<std::string>(), r, inputs, overwrite);
  if (!file.empty()) io::write_sensitivity_file(file, r, inputs, overwrite, command_line);
  print_sensitivity(std::cout, r, top);
  if (!file.empty()) std::cout << "\nresults: " << file << "\n";
  if (vm.count("csv")) std::cout << "tables: " << vm["csv"].as<std::string>() << "\n";
  return 0;
}

}  // namespace sectorsim::cli
