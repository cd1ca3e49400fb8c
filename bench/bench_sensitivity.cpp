// Throughput of `sectorsim sensitivity` against a plain run of the same
// scenario in the same process (docs/sensitivity.md, "Speed"): a Sobol
// analysis over every uncertain parameter and the groups, with the default
// outputs (every target and its indicator), and a summary-only run
// (run_scenario without a file, what `sectorsim run` computes). The two
// alternate for R rounds; each figure is the median over the rounds, so
// that a shared machine's slow minutes touch both alike. The CPU time of
// the analysis (all threads) is printed beside its wall time.
//
// usage: bench_sensitivity [SCENARIO.yaml] [--samples N] [--threads T] [--draws D] [--rounds R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "engine/analysis/sensitivity.hpp"
#include "engine/run/run.hpp"
#include "models/registry.hpp"

namespace {

using namespace sectorsim;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  std::string scenario = SECTORSIM_SOURCE_DIR "/scenarios/luohu/plan-2022-2025.yaml";
  std::uint64_t samples = std::uint64_t{1} << 14, draws = std::uint64_t{1} << 19;
  int threads = 2, rounds = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--samples")
      samples = std::strtoull(next(), nullptr, 10);
    else if (a == "--threads")
      threads = std::atoi(next());
    else if (a == "--draws")
      draws = std::strtoull(next(), nullptr, 10);
    else if (a == "--rounds")
      rounds = std::max(1, std::atoi(next()));
    else
      scenario = a;
  }
  try {
    const core::ScenarioSpec spec = models::load_scenario(scenario);
    std::vector<double> sens_rate, run_rate, sens_seconds, sens_cpu;
    std::uint64_t evaluations = 0;
    std::size_t outputs = 0, factors = 0;
    for (int r = 0; r < rounds; ++r) {
      analysis::SensitivityOptions so;
      so.samples = samples;
      so.threads = threads;
      const auto t0 = std::chrono::steady_clock::now();
      const std::clock_t c0 = std::clock();
      const auto res = analysis::run_sensitivity(spec, nullptr, so);
      sens_cpu.push_back(static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      evaluations = res.evaluations;
      outputs = res.outputs.size();
      factors =
          res.outputs.empty() ? 0 : res.outputs[0].parameters.size() + res.outputs[0].groups.size();
      sens_seconds.push_back(s);
      sens_rate.push_back(static_cast<double>(res.evaluations) / s);

      run::RunOptions ro;
      ro.overrides.draws = draws;
      ro.execution.threads = threads;
      ro.output.keep_paths = false;
      const auto out = run::run_scenario(spec, ro);
      run_rate.push_back(static_cast<double>(out.draws_done) / out.seconds);
    }
    std::printf(
        "scenario %s: %zu outputs, %zu factors (parameters and groups), N %llu, %d threads\n",
        spec.name.c_str(), outputs, factors, static_cast<unsigned long long>(samples), threads);
    std::printf(
        "sensitivity: %llu evaluations in %.2f s (median of %d; %.2f s of CPU), %.3g "
        "evaluations/s\n",
        static_cast<unsigned long long>(evaluations), median(sens_seconds), rounds,
        median(sens_cpu), median(sens_rate));
    std::printf("run:         %llu draws, %.3g draws/s (summaries, no file)\n",
                static_cast<unsigned long long>(draws), median(run_rate));
    std::printf("ratio sensitivity / run: %.2f\n", median(sens_rate) / median(run_rate));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_sensitivity: %s\n", e.what());
    return 1;
  }
  return 0;
}
