// End-to-end throughput of a scenario, measured against its own limits in
// one process, so the ratios hold on a noisy shared machine:
//
//   uniforms   Philox uniforms for every dimension of every draw (the floor
//              under any Monte Carlo engine on these streams)
//   variates   the same, turned into parameter values and normal shocks
//   summary    whole runs, summaries only (what `sectorsim run --no-paths` does),
//              with exact quantiles, then with quantile sketches (the default
//              beyond about a million draws on a 24 GB machine)
//   paths      whole runs writing every path to HDF5
//   disk       the same bytes written with write(2) and fsync (raw bandwidth)
//
// The phases run in R interleaved rounds (uniforms, variates, summary runs,
// path run, disk; then again), and each figure is the median over the rounds
// with its range: a shared machine's slow minutes then touch every phase
// alike, and a ratio is of medians taken in the same minutes.
//
// usage: bench_throughput [SCENARIO.yaml] [--draws N] [--threads T] [--dir DIR] [--rounds R]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/config/scenario_loader.hpp"
#include "engine/exec/runner.hpp"
#include "engine/io/results_writer.hpp"
#include "engine/spec/version.hpp"
#include "engine/stats/sketch.hpp"
#include "engine/stats/summary.hpp"
#include "models/registry.hpp"
#include "models/sector_growth/sector_growth_model.hpp"

namespace {

using namespace sectorsim;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Runs body(first_draw, n) over the draws in chunks on `threads` threads.
double parallel_chunks(std::uint64_t draws, int threads,
                       const std::function<void(std::uint64_t, std::size_t, int)>& body) {
  const std::uint64_t n_chunks = (draws + core::CHUNK_DRAWS - 1) / core::CHUNK_DRAWS;
  std::atomic<std::uint64_t> next{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::uint64_t c = next++; c < n_chunks; c = next++) {
        const std::uint64_t first = c * core::CHUNK_DRAWS;
        body(first, static_cast<std::size_t>(std::min(core::CHUNK_DRAWS, draws - first)), t);
      }
    });
  }
  for (auto& th : pool)
    th.join();
  return seconds_since(t0);
}

std::vector<std::string> ids_of(const core::ScenarioSpec& spec) {
  std::vector<std::string> ids;
  for (const auto& s : spec.sectors)
    ids.push_back(s.id);
  return ids;
}

// Whole run: returns the total time; *draw_seconds gets the simulation phase
// alone (draws, summaries updated per chunk, paths written), before finish().
// sketch: quantiles from sketches instead of the exact store.
double run_once(const core::ScenarioSpec& spec, const models::SectorGrowthModel& model,
                std::uint64_t draws, int threads, const std::string& out, std::uint64_t* bytes,
                double* draw_seconds, bool sketch = false) {
  const auto targets =
      core::resolve_targets(spec.targets, model.layout(), spec.base_year, ids_of(spec));
  const auto t0 = Clock::now();
  core::SummaryAccumulator summary(model.layout(), targets, draws, core::CHUNK_DRAWS,
                                   sketch ? core::DEFAULT_SKETCH_K : 0, threads);
  std::vector<core::ChunkSink*> sinks = {&summary};
  std::unique_ptr<io::ResultsWriter> writer;
  if (!out.empty()) {
    io::RunMeta meta;
    meta.engine_version = core::ENGINE_VERSION;
    meta.seed = spec.run.seed;
    meta.chunk_draws = core::CHUNK_DRAWS;
    writer = std::make_unique<io::ResultsWriter>(out, true, meta);
    sinks.push_back(writer->begin_scenario(spec, model.layout(), draws, io::PathOptions{}));
  }
  core::RunOptions opt;
  opt.draws = draws;
  opt.seed = spec.run.seed;
  opt.threads = threads;
  const auto t1 = Clock::now();
  core::run_draws(model, opt, sinks);
  *draw_seconds = seconds_since(t1);
  core::ScenarioResult result;
  result.name = spec.name;
  for (int y = spec.base_year; y <= spec.end_year; ++y)
    result.years.push_back(y);
  result.sector_ids = ids_of(spec);
  for (const auto& s : spec.sectors) {
    result.sector_names_en.push_back(s.name_en);
    result.sector_names_zh.push_back(s.name_zh);
  }
  result.draws_requested = draws;
  result.seed = spec.run.seed;
  summary.finish(draws, result, threads);
  if (writer) {
    writer->end_scenario(result);
    writer->commit();
    *bytes = std::filesystem::file_size(out);
  }
  return seconds_since(t0);
}

double raw_disk_seconds(const std::string& path, std::uint64_t bytes) {
  std::vector<char> buf(8 << 20, 'x');
  const auto t0 = Clock::now();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  for (std::uint64_t done = 0; done < bytes;) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), bytes - done));
    if (::write(fd, buf.data(), n) != static_cast<ssize_t>(n)) break;
    done += n;
  }
  ::fsync(fd);
  ::close(fd);
  const double s = seconds_since(t0);
  std::filesystem::remove(path);
  return s;
}

constexpr const char* USAGE =
    "usage: bench_throughput [SCENARIO.yaml] [--draws N] [--threads T] [--dir DIR] [--rounds R]\n"
    "  SCENARIO.yaml  scenario to run (default: the Luohu plan)\n"
    "  --draws N      draws of each run (default 400000)\n"
    "  --threads T    threads (default: all cores)\n"
    "  --dir DIR      directory for the results and raw-write files (default: the temp dir)\n"
    "  --rounds R     interleaved rounds of every phase; medians are printed (default 3)\n";

// A whole, positive number given to option `name`.
std::uint64_t positive(const std::string& name, const std::string& text) {
  std::size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || v == 0 || text[0] == '-') {
    throw std::invalid_argument(name + ": expected a whole number above 0, got '" + text + "'");
  }
  return v;
}

int run(int argc, char** argv) {
  std::string scenario = SECTORSIM_SOURCE_DIR "/scenarios/luohu/plan-2022-2025.yaml";
  std::uint64_t draws = 400000;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string dir = std::filesystem::temp_directory_path().string();
  int rounds = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(USAGE, stdout);
      return 0;
    }
    if (a == "--draws" && i + 1 < argc) {
      draws = positive(a, argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      threads = static_cast<int>(std::min<std::uint64_t>(positive(a, argv[++i]), 4096));
    } else if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--rounds" && i + 1 < argc) {
      rounds = static_cast<int>(std::min<std::uint64_t>(positive(a, argv[++i]), 1000));
    } else if (a.rfind("-", 0) == 0) {
      std::fprintf(stderr, "bench_throughput: unknown option or missing value: %s\n%s", a.c_str(),
                   USAGE);
      return 2;
    } else {
      scenario = a;
    }
  }
  const core::ScenarioSpec spec = models::load_scenario(scenario);
  const models::SectorGrowthModel model(spec);
  const std::size_t n_params = model.parameters().size();
  const std::size_t n_shocks = static_cast<std::size_t>(model.n_shocks());
  const core::UniformSource source(spec.run.seed, spec.run.sampler, draws);
  std::printf(
      "scenario %s: %zu parameter and %zu shock dimensions per draw, %llu draws, %d threads\n",
      spec.name.c_str(), n_params, n_shocks, static_cast<unsigned long long>(draws), threads);

  // Per-thread buffers, one chunk wide.
  std::vector<std::vector<double>> p(static_cast<std::size_t>(threads)), z(p.size());
  for (std::size_t t = 0; t < p.size(); ++t) {
    p[t].resize(n_params * 256);
    z[t].resize(n_shocks * 256);
  }
  // Seconds of each phase, one entry per round.
  std::vector<double> t_uniform, t_variates, t_summary, t_summary_draws, t_sketch, t_sketch_draws,
      t_paths, t_paths_draws, t_disk;
  std::uint64_t bytes = 0;
  const std::string h5 = dir + "/bench-throughput.h5";
  for (int r = 0; r < rounds; ++r) {
    t_uniform.push_back(
        parallel_chunks(draws, threads, [&](std::uint64_t first, std::size_t n, int t) {
          for (std::size_t b = 0; b < n; b += 256) {
            const std::size_t m = std::min<std::size_t>(256, n - b);
            source.fill(core::Purpose::Parameters, static_cast<int>(n_params), first + b, m,
                        p[t].data(), 256);
            source.fill(core::Purpose::Shocks, static_cast<int>(n_shocks), first + b, m,
                        z[t].data(), 256);
          }
        }));
    t_variates.push_back(
        parallel_chunks(draws, threads, [&](std::uint64_t first, std::size_t n, int t) {
          for (std::size_t b = 0; b < n; b += 256) {
            const std::size_t m = std::min<std::size_t>(256, n - b);
            core::draw_inputs(model, source, first + b, m, 256, p[t].data(), z[t].data());
          }
        }));
    double draw_s = 0;
    t_summary.push_back(run_once(spec, model, draws, threads, "", nullptr, &draw_s));
    t_summary_draws.push_back(draw_s);
    t_sketch.push_back(run_once(spec, model, draws, threads, "", nullptr, &draw_s, true));
    t_sketch_draws.push_back(draw_s);
    t_paths.push_back(run_once(spec, model, draws, threads, h5, &bytes, &draw_s));
    t_paths_draws.push_back(draw_s);
    std::filesystem::remove(h5);
    t_disk.push_back(raw_disk_seconds(dir + "/bench-throughput.raw", bytes));
  }

  // Median and range of a phase's seconds.
  struct Stat {
    double median, low, high;
  };
  auto stat = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    const double median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    return Stat{median, v.front(), v.back()};
  };
  const double d = static_cast<double>(draws);
  // Draws per second at the median time, and the range over the rounds.
  auto rate = [&](const char* what, const std::vector<double>& t, const std::string& tail) {
    const Stat st = stat(t);
    std::printf("%-34s %12.4g draws/s  [%.4g, %.4g]%s\n", what, d / st.median, d / st.high,
                d / st.low, tail.c_str());
  };
  auto ratio = [&](const std::vector<double>& num, const std::vector<double>& den) {
    std::vector<double> per_round;
    for (std::size_t i = 0; i < num.size(); ++i)
      per_round.push_back(num[i] / den[i]);
    const Stat st = stat(per_round);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.2f (rounds %.2f to %.2f)",
                  stat(num).median / stat(den).median, st.low, st.high);
    return std::string(buf);
  };
  std::printf("%d rounds; median rate [slowest, fastest round]\n", rounds);
  rate("uniforms only (Philox)", t_uniform, "");
  rate("variates (priors + normals)", t_variates, "");
  rate("run, summaries only: draw phase", t_summary_draws,
       "  " + ratio(t_variates, t_summary_draws) + " of variate throughput");
  rate("  ... whole run", t_summary, "  (exact quantiles, allocation included)");
  rate("run, summaries from sketches", t_sketch_draws,
       "  " + ratio(t_variates, t_sketch_draws) + " of variate throughput");
  rate("  ... whole run", t_sketch, "");
  char mb[64];
  std::snprintf(mb, sizeof mb, "  file %.1f MB", static_cast<double>(bytes) / 1e6);
  rate("run with paths: draw phase", t_paths_draws, mb);
  rate("  ... whole run", t_paths, "");
  const Stat disk = stat(t_disk), paths = stat(t_paths);
  std::printf("%-34s %12.4g MB/s        HDF5 run %.2f s vs raw write %.2f s: ratio %s\n",
              "raw disk write + fsync", static_cast<double>(bytes) / 1e6 / disk.median,
              paths.median, disk.median, ratio(t_paths, t_disk).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_throughput: %s\n", e.what());
    return 1;
  }
}
