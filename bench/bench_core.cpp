// Micro-benchmarks: random streams, prior quantiles, one batch of the model,
// the summary update of one chunk (exact store and sketches), sorting a
// chunk's cell for the sketches, writing one chunk of paths to HDF5, and
// whole summary-only runs of the shipped plan.
//
//   build/bench/bench_core --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/config/scenario_loader.hpp"
#include "engine/exec/runner.hpp"
#include "engine/io/results_writer.hpp"
#include "engine/sampling/prior.hpp"
#include "engine/sampling/sampler.hpp"
#include "engine/spec/version.hpp"
#include "engine/stats/quantiles.hpp"
#include "engine/stats/sort.hpp"
#include "engine/stats/summary.hpp"
#include "models/registry.hpp"
#include "models/sector_growth/sector_growth_model.hpp"

namespace {

using namespace sectorsim;

const core::ScenarioSpec& plan() {
  static const core::ScenarioSpec spec =
      sectorsim::models::load_scenario(SECTORSIM_SOURCE_DIR "/scenarios/luohu/plan-2022-2025.yaml");
  return spec;
}

void BM_Philox(benchmark::State& state) {
  std::uint64_t out[4], sum = 0, d = 0;
  for (auto _ : state) {
    core::philox_block(1, core::Purpose::Parameters, d++, 0, out);
    sum += out[0];
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations() * 4);
  state.SetLabel("items = uniforms");
}
BENCHMARK(BM_Philox);

// UniformSource::fill for one batch of 256 draws of the plan's parameter and
// shock dimensions: plain Monte Carlo (Philox) against scrambled Sobol (R = 8).
void BM_Fill(benchmark::State& state, core::Sampler sampler) {
  const models::SectorGrowthModel model(plan());
  core::SobolSettings sobol;
  sobol.param_dims = static_cast<int>(model.parameters().size());
  sobol.shock_dims = model.n_shocks();
  const core::UniformSource src(1, sampler, 1u << 30, sobol);
  const std::size_t n = 256;
  std::vector<double> u(static_cast<std::size_t>(sobol.param_dims + sobol.shock_dims) * n);
  std::uint64_t first = 0;
  for (auto _ : state) {
    src.fill(core::Purpose::Parameters, sobol.param_dims, first, n, u.data(), n);
    src.fill(core::Purpose::Shocks, sobol.shock_dims, first, n,
             u.data() + static_cast<std::size_t>(sobol.param_dims) * n, n);
    benchmark::ClobberMemory();
    first += n;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(u.size()));
  state.SetLabel("items = uniforms");
}
BENCHMARK_CAPTURE(BM_Fill, mc, core::Sampler::MonteCarlo);
BENCHMARK_CAPTURE(BM_Fill, sobol, core::Sampler::Sobol);

void BM_NormalQuantile(benchmark::State& state) {
  double u = 0.001, sum = 0;
  for (auto _ : state) {
    sum += core::normal_quantile(u);
    u += 0.0009765625;
    if (u >= 1) u -= 0.999;
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NormalQuantile);

void prior_bench(benchmark::State& state, const core::Prior& p) {
  double u = 0.001, sum = 0;
  for (auto _ : state) {
    sum += p.quantile(u);
    u += 0.0009765625;
    if (u >= 1) u -= 0.999;
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(prior_bench, uniform, core::Prior::uniform(0.25, 0.45));
BENCHMARK_CAPTURE(prior_bench, triangular, core::Prior::triangular(0, 0.02, 0.05));
BENCHMARK_CAPTURE(prior_bench, normal, core::Prior::normal(0.02, 0.01));
BENCHMARK_CAPTURE(prior_bench, truncated_normal,
                  core::Prior::truncated_normal(0.075, 0.02, 0.05, 0.1));
BENCHMARK_CAPTURE(prior_bench, lognormal, core::Prior::lognormal(0.8, 0.2));
BENCHMARK_CAPTURE(prior_bench, beta_table, core::Prior::beta(6, 2));
BENCHMARK_CAPTURE(prior_bench, pert_table, core::Prior::pert(1, 2.5, 5));

void BM_BetaExactBoost(benchmark::State& state) {
  const auto p = core::Prior::beta(6, 2);
  double u = 0.001, sum = 0;
  for (auto _ : state) {
    sum += p.quantile_exact(u);
    u += 0.0009765625;
    if (u >= 1) u -= 0.999;
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BetaExactBoost);

// Building one PERT prior's quantile table (what a scenario's set-up pays per
// beta or PERT shape; 61 shapes in the Luohu plan) on 1 or 2 threads. Each
// prior is dropped before the next is made, so no table is shared between
// iterations.
void BM_PertTableBuild(benchmark::State& state) {
  const core::TableThreads threads{static_cast<int>(state.range(0))};
  for (auto _ : state) {
    const auto p = core::Prior::pert(1, 2.5, 5, 4.0, threads);
    benchmark::DoNotOptimize(p.quantile(0.5));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("items = tables");
}
BENCHMARK(BM_PertTableBuild)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// Uniforms, priors and normals for one batch of draws (the runner's input side).
void BM_DrawInputs(benchmark::State& state) {
  const models::SectorGrowthModel model(plan());
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const core::UniformSource src(1, core::Sampler::MonteCarlo, 1u << 30);
  std::vector<double> p(model.parameters().size() * n),
      z(static_cast<std::size_t>(model.n_shocks()) * n);
  std::uint64_t first = 0;
  for (auto _ : state) {
    core::draw_inputs(model, src, first, n, n, p.data(), z.data());
    first += n;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
  state.SetLabel("items = draws");
}
BENCHMARK(BM_DrawInputs)->Arg(256);

// The model alone on one batch (inputs drawn once).
void BM_ModelBatch(benchmark::State& state) {
  const models::SectorGrowthModel model(plan());
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const core::UniformSource src(1, core::Sampler::MonteCarlo, 1u << 30);
  std::vector<double> p(model.parameters().size() * n),
      z(static_cast<std::size_t>(model.n_shocks()) * n);
  core::draw_inputs(model, src, 0, n, n, p.data(), z.data());
  std::vector<double> out(static_cast<std::size_t>(model.layout().n_cells()) * n);
  std::vector<double> work(model.workspace_size(n));
  for (auto _ : state) {
    model.simulate({n, n, p.data(), z.data()}, {n, out.data()}, work.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
  state.SetLabel("items = draws");
}
BENCHMARK(BM_ModelBatch)->Arg(256);

std::vector<std::string> plan_sector_ids() {
  std::vector<std::string> ids;
  for (const auto& s : plan().sectors)
    ids.push_back(s.id);
  return ids;
}

// One chunk (CHUNK_DRAWS draws) of the plan's model output, computed once.
const std::vector<double>& plan_chunk() {
  static const std::vector<double> values = [] {
    const models::SectorGrowthModel model(plan());
    const std::size_t n = core::CHUNK_DRAWS;
    const core::UniformSource src(1, core::Sampler::MonteCarlo, n);
    std::vector<double> p(model.parameters().size() * n),
        z(static_cast<std::size_t>(model.n_shocks()) * n),
        out(static_cast<std::size_t>(model.layout().n_cells()) * n), work(model.workspace_size(n));
    core::draw_inputs(model, src, 0, n, n, p.data(), z.data());
    model.simulate({n, n, p.data(), z.data()}, {n, out.data()}, work.data());
    return out;
  }();
  return values;
}

// A view of plan_chunk() as the runner hands chunks to its sinks.
core::ChunkView plan_chunk_view(const core::CellLayout& layout) {
  core::ChunkView view;
  view.n = core::CHUNK_DRAWS;
  view.stride = core::CHUNK_DRAWS;
  view.values = plan_chunk().data();
  view.layout = &layout;
  return view;
}

// The summary update of one chunk: per-chunk statistics, target counts and
// the values into the exact-quantile store (range 0), or sorted into the
// per-cell sketches (range 1, k = DEFAULT_SKETCH_K as `--quantiles sketch` uses). As in a run,
// every chunk's values land on store memory never touched before: the exact
// store's accumulator is made anew, outside the timing, every CHUNKS chunks.
// The sketches keep growing, as in a long run (chunk positions repeat).
void BM_SummaryChunk(benchmark::State& state) {
  const models::SectorGrowthModel model(plan());
  const auto targets =
      core::resolve_targets(plan().targets, model.layout(), plan().base_year, plan_sector_ids());
  const bool sketch = state.range(0) == 1;
  constexpr std::uint64_t CHUNKS = 16;
  auto make = [&] {
    return std::make_unique<core::SummaryAccumulator>(model.layout(), targets,
                                                      CHUNKS * core::CHUNK_DRAWS, core::CHUNK_DRAWS,
                                                      sketch ? core::DEFAULT_SKETCH_K : 0);
  };
  std::unique_ptr<core::SummaryAccumulator> summary = make();
  core::ChunkView view = plan_chunk_view(model.layout());
  std::uint64_t c = 0;
  for (auto _ : state) {
    if (c == CHUNKS) {
      c = 0;
      if (!sketch) {
        state.PauseTiming();
        summary.reset();
        summary = make();
        state.ResumeTiming();
      }
    }
    view.first_draw = c++ * core::CHUNK_DRAWS;
    summary->consume_unordered(view);
    summary->consume(view);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(core::CHUNK_DRAWS));
  state.SetLabel(sketch ? "sketches; items = draws" : "exact store; items = draws");
}
BENCHMARK(BM_SummaryChunk)->Arg(0)->Arg(1);

// Exact quantiles of one cell at the end of a run (the five of the
// summaries, type 7, extremes known from the chunk records): 1,000,000
// values, lognormal as the plan's levels are.
void BM_ExactQuantiles(benchmark::State& state) {
  constexpr std::size_t N = 1000000;
  std::vector<double> x(N);
  std::uint64_t h = 0x9e3779b97f4a7c15u;
  for (double& v : x) {
    h = h * 6364136223846793005u + 1442695040888963407u;
    const double u = (static_cast<double>(h >> 11) + 0.5) * 0x1p-53;
    v = 3000.0 * std::exp(0.1 * core::normal_quantile(u));
  }
  const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  const core::Extremes known{*lo, *hi};
  std::vector<double> scratch;
  double out[5];
  for (auto _ : state) {
    core::quantiles_type7(x.data(), N, core::QUANTILE_PROBS, 5, out, scratch, &known);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(N));
  state.SetLabel("items = values");
}
BENCHMARK(BM_ExactQuantiles);

// Sorting one cell of a chunk (4096 values of district GDP in the last
// year), as the sketches need every cell of every chunk; /1: the same values
// less their mean, either side of zero as the differences of a comparison.
void BM_SortCell(benchmark::State& state) {
  const models::SectorGrowthModel model(plan());
  const auto& layout = model.layout();
  const int cell = layout.cell(0, layout.n_years() - 1);
  const double* from = plan_chunk().data() + static_cast<std::size_t>(cell) * core::CHUNK_DRAWS;
  std::vector<double> values(from, from + core::CHUNK_DRAWS);
  if (state.range(0) == 1) {
    double mean = 0;
    for (double v : values)
      mean += v / static_cast<double>(values.size());
    for (double& v : values)
      v -= mean;
  }
  std::vector<double> x(core::CHUNK_DRAWS);
  std::vector<std::int64_t> scratch;
  for (auto _ : state) {
    core::sort_doubles(values.data(), x.data(), x.size(), scratch);
    benchmark::DoNotOptimize(x.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(core::CHUNK_DRAWS));
  state.SetLabel("items = values");
}
BENCHMARK(BM_SortCell)->Arg(0)->Arg(1);

// Sorting every cell of a chunk of the plan's output, as the sketches do:
// levels, shares, ratios and growth rates, some of which straddle zero.
void BM_SortChunk(benchmark::State& state) {
  const std::vector<double>& chunk = plan_chunk();
  std::vector<double> x(core::CHUNK_DRAWS);
  std::vector<std::int64_t> scratch;
  const std::size_t cells = chunk.size() / core::CHUNK_DRAWS;
  for (auto _ : state) {
    for (std::size_t c = 0; c < cells; ++c) {
      core::sort_doubles(chunk.data() + c * core::CHUNK_DRAWS, x.data(), x.size(), scratch);
      benchmark::DoNotOptimize(x.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(chunk.size()));
  state.SetLabel("items = values");
}
BENCHMARK(BM_SortChunk);

// Writing the plan's paths to HDF5, chunk by chunk (hyperslab writes into
// chunked datasets), as `sectorsim run` does: 16 chunks a file, float64, no
// compression; file creation and removal are outside the timing. Paths hold
// 80 of the plan's 240 cells (the region indicators and value added by
// sector), about 650 bytes a draw in the file.
void BM_H5PathChunks(benchmark::State& state) {
  const models::SectorGrowthModel model(plan());
  constexpr std::uint64_t CHUNKS = 16;
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("bench-core-paths-" + std::to_string(::getpid()) + ".h5"))
                               .string();
  core::ChunkView view = plan_chunk_view(model.layout());
  for (auto _ : state) {
    state.PauseTiming();
    io::RunMeta meta;
    meta.engine_version = core::ENGINE_VERSION;
    meta.seed = 1;
    meta.chunk_draws = core::CHUNK_DRAWS;
    auto writer = std::make_unique<io::ResultsWriter>(path, true, meta);
    core::ChunkSink* sink =
        writer->begin_scenario(plan(), model.layout(), CHUNKS * core::CHUNK_DRAWS, {});
    state.ResumeTiming();
    for (std::uint64_t c = 0; c < CHUNKS; ++c) {
      view.first_draw = c * core::CHUNK_DRAWS;
      sink->consume(view);
    }
    state.PauseTiming();
    writer.reset();  // not committed: the temporary file is removed
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<std::int64_t>(CHUNKS * core::CHUNK_DRAWS));
  state.SetLabel("items = draws");
}
BENCHMARK(BM_H5PathChunks)->Unit(benchmark::kMillisecond);

// Whole summary-only runs of the plan, 1 and 2 threads.
void BM_RunSummaryOnly(benchmark::State& state) {
  const models::SectorGrowthModel model(plan());
  const std::uint64_t draws = 16 * core::CHUNK_DRAWS;
  const auto targets =
      core::resolve_targets(plan().targets, model.layout(), plan().base_year, plan_sector_ids());
  for (auto _ : state) {
    core::SummaryAccumulator summary(model.layout(), targets, draws, core::CHUNK_DRAWS);
    core::RunOptions opt;
    opt.draws = draws;
    opt.seed = 1;
    opt.threads = static_cast<int>(state.range(0));
    core::run_draws(model, opt, {&summary});
    core::ScenarioResult r;
    summary.finish(draws, r);
    benchmark::DoNotOptimize(r.all_targets.p);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(draws));
  state.SetLabel("items = draws");
}
BENCHMARK(BM_RunSummaryOnly)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
