// Scrambled Sobol sampling: the unscrambled points against Boost.Random, the
// documented scramble (random linear matrix and digital shift per replicate
// and dimension), range and per-replicate stratification, the dimension order
// (parameters, then shocks), independence of batches and threads, the
// replicate estimate and its standard error, and the convergence rate against
// plain Monte Carlo on a closed-form integrand and on the model.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/random/sobol.hpp>

#include "engine/config/config_error.hpp"
#include "engine/config/scenario_loader.hpp"
#include "engine/exec/runner.hpp"
#include "engine/sampling/sampler.hpp"
#include "engine/stats/replicates.hpp"
#include "engine/stats/summary.hpp"
#include "models/registry.hpp"
#include "models/sector_growth/sector_growth_model.hpp"
#include "tests/collect_sink.hpp"
#include "tests/support.hpp"

namespace sectorsim {
namespace {

using core::Prior;
using core::Purpose;
using core::Sampler;
using core::SobolSettings;
using core::UniformSource;

// Fill draws [first, first + n) of n_dims dimensions with a given stride.
std::vector<double> fill(const UniformSource& src, Purpose p, int n_dims, std::uint64_t first,
                         std::size_t n, std::size_t stride) {
  std::vector<double> u(static_cast<std::size_t>(n_dims) * stride, -1.0);
  src.fill(p, n_dims, first, n, u.data(), stride);
  return u;
}

SobolSettings settings(int param_dims, int shock_dims, int replicates = 8) {
  SobolSettings s;
  s.param_dims = param_dims;
  s.shock_dims = shock_dims;
  s.replicates = replicates;
  return s;
}

// ---------------------------------------------------------------------------
// The unscrambled sequence.

TEST(SobolPoints, MatchBoostSobol) {
  // boost::random::sobol runs in Gray-code order from rank 1 (it skips the
  // origin): its i-th point is rank i + 1. 32-bit digits, as used here.
  const int dims = 200;
  boost::random::sobol_engine<std::uint32_t, 32> boost_sobol(dims);
  for (int d = 0; d < dims; ++d) {
    ASSERT_EQ(core::sobol_point(0, d), 0u) << "dim " << d;
  }
  for (std::uint64_t i = 0; i < 1000; ++i) {
    for (int d = 0; d < dims; ++d) {
      ASSERT_EQ(core::sobol_point(i + 1, d), boost_sobol()) << "point " << i << ", dim " << d;
    }
  }
  // Far into the sequence and in the last dimension too.
  boost::random::sobol_engine<std::uint32_t, 32> last(core::SOBOL_MAX_DIMS);
  last.seed(123456788);  // the next point is rank 123456789
  for (int d = 0; d < core::SOBOL_MAX_DIMS; ++d) {
    ASSERT_EQ(core::sobol_point(123456789, d), last()) << "dim " << d;
  }
}

TEST(SobolPoints, TooManyDimensionsRefused) {
  EXPECT_NO_THROW(UniformSource(1, Sampler::Sobol, 100, settings(3000, 667)));
  try {
    UniformSource(1, Sampler::Sobol, 100, settings(3000, 668));
    FAIL() << "3668 dimensions accepted";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("3668 dimensions"), std::string::npos) << what;
    EXPECT_NE(what.find("at most 3667"), std::string::npos) << what;
  }
  EXPECT_THROW(core::sobol_point(0, core::SOBOL_MAX_DIMS), std::invalid_argument);
  EXPECT_THROW(core::sobol_point(std::uint64_t{1} << 32, 0), std::invalid_argument);
  // Other samplers ignore the Sobol settings.
  EXPECT_NO_THROW(UniformSource(1, Sampler::MonteCarlo, 100, settings(5000, 5000)));
}

// A model with arbitrary dimension counts and one output cell, f(params, shocks).
class IntegrandModel : public core::Model {
 public:
  using Fn = double (*)(const double* x, std::size_t n_params, const double* z,
                        std::size_t n_shocks);
  IntegrandModel(std::vector<core::ParameterInfo> params, int n_shocks, Fn fn)
      : params_(std::move(params)),
        n_shocks_(n_shocks),
        fn_(fn),
        layout_({{"f", "1", "integrand", false}}, 1, 1) {
    decl_.name = "integrand";
    decl_.description = "f(params, shocks), one cell";
    decl_.series = layout_.series();
    for (const auto& p : params_) {
      core::ParameterDecl d;
      d.name = p.name;
      d.unit = "1";
      d.default_prior = p.prior;
      decl_.parameters.push_back(d);
    }
  }
  const core::ModelDeclaration& declaration() const override { return decl_; }
  const std::vector<core::ParameterInfo>& parameters() const override { return params_; }
  int n_shocks() const override { return n_shocks_; }
  const core::CellLayout& layout() const override { return layout_; }
  std::size_t workspace_size(std::size_t) const override {
    return params_.size() + static_cast<std::size_t>(n_shocks_);
  }
  void simulate(const core::BatchIn& in, const core::BatchOut& out, double* work) const override {
    const std::size_t np = params_.size(), ns = static_cast<std::size_t>(n_shocks_);
    for (std::size_t lane = 0; lane < in.n; ++lane) {
      for (std::size_t j = 0; j < np; ++j)
        work[j] = in.params[j * in.stride + lane];
      for (std::size_t k = 0; k < ns; ++k)
        work[np + k] = in.shocks[k * in.stride + lane];
      out.values[lane] = fn_(work, np, work + np, ns);
    }
  }

 private:
  std::vector<core::ParameterInfo> params_;
  int n_shocks_;
  Fn fn_;
  core::CellLayout layout_;
  core::ModelDeclaration decl_;
};

TEST(SobolPoints, RunOfAModelWithTooManyDimensionsRefused) {
  const IntegrandModel model(
      {{"x", Prior::uniform(0, 1), "", "1"}}, core::SOBOL_MAX_DIMS,
      [](const double*, std::size_t, const double*, std::size_t) { return 0.0; });
  core::RunOptions opt;
  opt.draws = 16;
  opt.sampler = Sampler::Sobol;
  EXPECT_THROW(core::run_draws(model, opt, {}), std::invalid_argument);
  opt.sampler = Sampler::MonteCarlo;
  EXPECT_NO_THROW(core::run_draws(model, opt, {}));
}

// ---------------------------------------------------------------------------
// The scramble.

TEST(SobolFill, ValueIsScrambledPointOfReplicateAndIndex) {
  // Draw d is point i = d / R of replicate r = d mod R. In Sobol dimension s
  // its 64 bits are e ^ M x, x the unscrambled 32-bit point in the top half;
  // from Philox (seed, SobolScramble) at counter (r, 16 s + b), b < 9: words
  // 0..31 give the columns of M (column c: bit 32 + c and random bits below
  // it), word 32 the shift e. The uniform is to_unit of those 64 bits.
  const std::uint64_t seed = 2024;
  const int p_dims = 5, s_dims = 6, reps = 3;
  const UniformSource src(seed, Sampler::Sobol, 1000, settings(p_dims, s_dims, reps));
  const std::uint64_t first = 37;
  const std::size_t n = 300;
  for (Purpose p : {Purpose::Parameters, Purpose::Shocks}) {
    const int dims = p == Purpose::Parameters ? p_dims : s_dims;
    const int offset = p == Purpose::Parameters ? 0 : p_dims;
    const auto u = fill(src, p, dims, first, n, n);
    for (std::size_t lane = 0; lane < n; ++lane) {
      const std::uint64_t d = first + lane;
      const std::uint64_t r = d % reps, i = d / reps;
      EXPECT_EQ(core::replicate_of(d, reps), static_cast<int>(r));
      EXPECT_EQ(core::point_of(d, reps), i);
      for (int j = 0; j < dims; ++j) {
        const int s = offset + j;
        std::uint64_t words[36];
        for (std::uint64_t b = 0; b < 9; ++b)
          core::philox_block(seed, Purpose::SobolScramble, r,
                             16 * static_cast<std::uint64_t>(s) + b, words + 4 * b);
        const std::uint32_t x = core::sobol_point(i, s);
        std::uint64_t y = words[32];
        for (int c = 0; c < 32; ++c) {
          if ((x >> c) & 1u) {
            const std::uint64_t bit = std::uint64_t{1} << (32 + c);
            y ^= bit | (words[c] & (bit - 1));
          }
        }
        ASSERT_EQ(u[static_cast<std::size_t>(j) * n + lane], core::to_unit(y))
            << "draw " << d << ", Sobol dim " << s;
      }
    }
  }
}

TEST(SobolFill, StrictlyInsideUnitIntervalAndNeverZero) {
  const std::uint64_t n = 100000;
  for (int reps : {2, 8, 1024}) {
    const UniformSource src(7, Sampler::Sobol, n, settings(5, 3, reps));
    for (Purpose p : {Purpose::Parameters, Purpose::Shocks}) {
      const auto u = fill(src, p, p == Purpose::Parameters ? 5 : 3, 0, n, n);
      for (double v : u) {
        ASSERT_GT(v, 0.0);
        ASSERT_LT(v, 1.0);
      }
    }
  }
}

TEST(SobolFill, EachReplicateStratifiedInEveryDimension) {
  // Each one-dimensional projection of a Sobol sequence is a (0, 1)-sequence,
  // and the scramble keeps that: the first 2^k points of every replicate put
  // exactly one point in each interval [m 2^-k, (m + 1) 2^-k), for every k.
  // Dimensions 0 and 1 together form a (0, 2)-sequence: one point in each
  // 2^-a x 2^-(k-a) box as well.
  const int reps = 8, p_dims = 20, s_dims = 20, max_k = 12;
  const std::size_t per_rep = std::size_t{1} << max_k, n = per_rep * reps;
  const UniformSource src(99, Sampler::Sobol, n, settings(p_dims, s_dims, reps));
  const auto par = fill(src, Purpose::Parameters, p_dims, 0, n, n);
  const auto shk = fill(src, Purpose::Shocks, s_dims, 0, n, n);
  auto u = [&](int dim, std::size_t draw) {
    return dim < p_dims ? par[static_cast<std::size_t>(dim) * n + draw]
                        : shk[static_cast<std::size_t>(dim - p_dims) * n + draw];
  };
  for (int r = 0; r < reps; ++r) {
    for (int dim = 0; dim < p_dims + s_dims; ++dim) {
      for (int k = 0; k <= max_k; ++k) {
        const std::size_t cells = std::size_t{1} << k;
        std::vector<int> seen(cells, 0);
        for (std::size_t i = 0; i < cells; ++i) {
          const double x = u(dim, static_cast<std::size_t>(r) + reps * i);
          ++seen[static_cast<std::size_t>(std::ldexp(x, k))];
        }
        for (std::size_t c = 0; c < cells; ++c) {
          ASSERT_EQ(seen[c], 1) << "replicate " << r << ", dim " << dim << ", 2^" << k
                                << " points, interval " << c;
        }
      }
    }
    const int k = 10;
    for (int a = 0; a <= k; ++a) {
      std::set<std::pair<long, long>> boxes;
      for (std::size_t i = 0; i < (std::size_t{1} << k); ++i) {
        const std::size_t d = static_cast<std::size_t>(r) + reps * i;
        boxes.insert({static_cast<long>(std::ldexp(u(0, d), a)),
                      static_cast<long>(std::ldexp(u(1, d), k - a))});
      }
      EXPECT_EQ(boxes.size(), std::size_t{1} << k)
          << "replicate " << r << ", boxes 2^-" << a << " x 2^-" << k - a;
    }
  }
}

TEST(SobolFill, ValueIndependentOfBatchStartStrideAndRunLength) {
  const std::uint64_t n_draws = 1000;
  const int dims = 11;
  for (int reps : {2, 8, 13}) {
    const UniformSource src(12345, Sampler::Sobol, n_draws, settings(dims, dims, reps));
    // A longer run: the same draws (a run of N draws is a prefix of 2N).
    const UniformSource longer(12345, Sampler::Sobol, 7 * n_draws, settings(dims, dims, reps));
    for (Purpose p : {Purpose::Parameters, Purpose::Shocks}) {
      const auto ref = fill(src, p, dims, 0, n_draws, n_draws);
      ASSERT_EQ(fill(longer, p, dims, 0, n_draws, n_draws), ref);
      auto at = [&](int j, std::uint64_t d) {
        return ref[static_cast<std::size_t>(j) * n_draws + d];
      };
      const std::size_t sizes[] = {1, 2, 3, 5, 8, 13, 64, 100, 250};
      std::uint64_t first = 0;
      for (std::size_t k = 0; first < n_draws; ++k) {
        const std::size_t n = std::min<std::size_t>(sizes[k % 9], n_draws - first);
        const std::size_t stride = n + k % 4;
        const auto u = fill(src, p, dims, first, n, stride);
        for (int j = 0; j < dims; ++j) {
          for (std::size_t lane = 0; lane < n; ++lane) {
            ASSERT_EQ(u[static_cast<std::size_t>(j) * stride + lane], at(j, first + lane))
                << "R " << reps << ", dim " << j << ", draw " << first + lane << ", batch " << n;
          }
          for (std::size_t lane = n; lane < stride; ++lane) {
            ASSERT_EQ(u[static_cast<std::size_t>(j) * stride + lane], -1.0);
          }
        }
        first += n;
      }
      // Fewer dimensions: the leading ones do not depend on how many follow.
      const auto few = fill(src, p, 3, 0, n_draws, n_draws);
      for (std::size_t i = 0; i < few.size(); ++i) {
        ASSERT_EQ(few[i], ref[i]);
      }
    }
  }
}

TEST(SobolFill, SeedsAndReplicatesGiveDifferentScrambles) {
  // Same point index in two replicates, or in one replicate under two seeds:
  // different values (the scrambles are independent).
  const std::size_t n = 4096;
  const UniformSource a(1, Sampler::Sobol, n, settings(4, 0, 2));
  const UniformSource b(2, Sampler::Sobol, n, settings(4, 0, 2));
  const auto ua = fill(a, Purpose::Parameters, 4, 0, n, n);
  const auto ub = fill(b, Purpose::Parameters, 4, 0, n, n);
  std::size_t same_rep = 0, same_seed = 0;
  for (std::size_t i = 0; i < ua.size(); i += 2) {
    same_rep += ua[i] == ua[i + 1] ? 1 : 0;
    same_seed += ua[i] == ub[i] ? 1 : 0;
  }
  EXPECT_EQ(same_rep, 0u);
  EXPECT_EQ(same_seed, 0u);
}

// ---------------------------------------------------------------------------
// Dimension order.

TEST(SobolDimensions, ShocksFollowParameters) {
  // Shock dimension k of a source with P parameter dimensions is Sobol
  // dimension P + k: parameter dimension P + k of a source with P + S.
  const int p_dims = 5, s_dims = 7;
  const std::size_t n = 500;
  const UniformSource split(3, Sampler::Sobol, n, settings(p_dims, s_dims));
  const UniformSource flat(3, Sampler::Sobol, n, settings(p_dims + s_dims, 0));
  const auto par = fill(split, Purpose::Parameters, p_dims, 0, n, n);
  const auto shk = fill(split, Purpose::Shocks, s_dims, 0, n, n);
  const auto all = fill(flat, Purpose::Parameters, p_dims + s_dims, 0, n, n);
  EXPECT_TRUE(std::equal(par.begin(), par.end(), all.begin()));
  EXPECT_TRUE(std::equal(shk.begin(), shk.end(), all.begin() + p_dims * static_cast<long>(n)));
  // Asking for more dimensions than the source was set up for is an error.
  std::vector<double> u(100 * n);
  EXPECT_THROW(split.fill(Purpose::Parameters, p_dims + 1, 0, n, u.data(), n),
               std::invalid_argument);
  EXPECT_THROW(split.fill(Purpose::Shocks, s_dims + 1, 0, n, u.data(), n), std::invalid_argument);
  EXPECT_THROW(split.fill(Purpose::LhsPermutation, 1, 0, n, u.data(), n), std::invalid_argument);
}

TEST(SobolDimensions, DrawInputsUseParameterThenShockDimensions) {
  // The model's parameters in its order (sector by sector, the declaration's
  // per-sector order, then the region-wide ones) take Sobol dimensions 0 ... P - 1, its
  // shocks (year by year: the sectors, then the city) P ... P + S - 1.
  const auto spec = testing::uncertain_two_sector_spec();
  const models::SectorGrowthModel model(spec);
  const auto& priors = model.parameters();
  const std::size_t np = priors.size(), ns = static_cast<std::size_t>(model.n_shocks());
  ASSERT_EQ(np, 2u * models::N_SECTOR_PARAMS + models::N_GLOBAL_PARAMS + 2u);  // + the weights
  EXPECT_EQ(priors[models::N_SECTOR_PARAMS].name, "industry.tfp_growth");
  ASSERT_EQ(ns, 8u * 3u);
  core::RunOptions opt;
  opt.draws = 1000;
  opt.seed = 11;
  opt.sampler = Sampler::Sobol;
  opt.replicates = 4;
  const UniformSource src = core::make_source(model, opt);
  EXPECT_EQ(src.sobol().param_dims, static_cast<int>(np));
  EXPECT_EQ(src.sobol().shock_dims, static_cast<int>(ns));
  EXPECT_EQ(src.sobol().replicates, 4);
  const UniformSource flat(11, Sampler::Sobol, 1000, settings(static_cast<int>(np + ns), 0, 4));
  const std::size_t n = 77, first = 300;
  std::vector<double> params(np * n), shocks(ns * n);
  core::draw_inputs(model, src, first, n, n, params.data(), shocks.data());
  const auto u = fill(flat, Purpose::Parameters, static_cast<int>(np + ns), first, n, n);
  for (std::size_t lane = 0; lane < n; ++lane) {
    for (std::size_t j = 0; j < np; ++j) {
      ASSERT_EQ(params[j * n + lane], priors[j].prior.quantile(u[j * n + lane])) << priors[j].name;
    }
    for (std::size_t k = 0; k < ns; ++k) {
      ASSERT_EQ(shocks[k * n + lane], core::normal_quantile(u[(np + k) * n + lane])) << k;
    }
  }
}

// ---------------------------------------------------------------------------
// Replicates.

TEST(SobolReplicates, SettingsOutOfRangeRefused) {
  for (int reps : {-1, 0, 1, 1025}) {
    EXPECT_THROW(UniformSource(1, Sampler::Sobol, 100, settings(2, 2, reps)), std::invalid_argument)
        << reps;
  }
  EXPECT_NO_THROW(UniformSource(1, Sampler::Sobol, 100, settings(2, 2, 2)));
  EXPECT_NO_THROW(UniformSource(1, Sampler::Sobol, 100, settings(2, 2, 1024)));
  const core::CellLayout layout({{"f", "1", "", false}}, 1, 1);
  EXPECT_THROW(core::ReplicateAccumulator(layout, 1), std::invalid_argument);
  EXPECT_THROW(core::ReplicateAccumulator(layout, 1025), std::invalid_argument);
  // 2^32 points per replicate at most.
  EXPECT_NO_THROW(UniformSource(1, Sampler::Sobol, std::uint64_t{2} << 32, settings(1, 0, 2)));
  EXPECT_THROW(UniformSource(1, Sampler::Sobol, (std::uint64_t{2} << 32) + 1, settings(1, 0, 2)),
               std::invalid_argument);
}

TEST(SobolReplicates, EstimateFromReplicateMeans) {
  // Means 1, 2, 3, 4: mean 2.5, sd sqrt(5/3), standard error sqrt(5/3) / 2.
  const double means[] = {1, 2, 3, 4};
  const auto e = core::replicate_estimate(means, 4);
  EXPECT_DOUBLE_EQ(e.mean, 2.5);
  EXPECT_DOUBLE_EQ(e.std_error, std::sqrt(5.0 / 3.0) / 2.0);
  EXPECT_EQ(e.replicates, 4);
  // Equal means (a constant cell): zero error, no cancellation noise.
  const double same[] = {1e9 + 0.1, 1e9 + 0.1, 1e9 + 0.1};
  EXPECT_EQ(core::replicate_estimate(same, 3).std_error, 0.0);
  EXPECT_TRUE(std::isnan(core::replicate_estimate(means, 1).std_error));
  // From per-draw values: draw d in replicate d mod R, from any first draw.
  const double values[] = {10, 20, 11, 21, 12};  // draws 4..8, R = 2: replicates 0 1 0 1 0
  const auto v = core::replicate_estimate(values, 5, 4, 2);
  EXPECT_DOUBLE_EQ(v.mean, (11.0 + 20.5) / 2);
  EXPECT_DOUBLE_EQ(v.std_error, 9.5 / 2);
  EXPECT_EQ(v.replicates, 2);
  // Fewer draws than replicates: only replicates with draws count.
  EXPECT_EQ(core::replicate_estimate(values, 2, 0, 8).replicates, 2);
}

struct SobolRun {
  testing::CollectSink paths;
  core::ScenarioResult result;
  std::vector<core::ReplicateEstimate> estimates;
  std::vector<std::vector<double>> replicate_means;
};

SobolRun run_sobol(const core::ScenarioSpec& spec, std::uint64_t draws, int threads,
                   std::size_t batch, int replicates = 8) {
  const models::SectorGrowthModel model(spec);
  SobolRun out;
  const auto targets =
      core::resolve_targets(spec.targets, model.layout(), spec.base_year, {"services", "industry"});
  core::SummaryAccumulator summary(model.layout(), targets, draws, core::CHUNK_DRAWS);
  core::ReplicateAccumulator reps(model.layout(), replicates);
  core::RunOptions opt;
  opt.draws = draws;
  opt.seed = 7;
  opt.sampler = Sampler::Sobol;
  opt.replicates = replicates;
  opt.threads = threads;
  opt.batch = batch;
  const auto report = core::run_draws(model, opt, {&summary, &out.paths, &reps});
  EXPECT_EQ(report.draws_done, draws);
  EXPECT_EQ(reps.draws(), draws);
  summary.finish(report.draws_done, out.result);
  out.estimates = reps.finish();
  for (int c = 0; c < model.layout().n_cells(); ++c)
    out.replicate_means.push_back(reps.replicate_means(c));
  return out;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(SobolReplicates, AccumulatorMatchesPerDrawValues) {
  // 2 chunks and a partial one, not a multiple of R: replicates differ in size.
  const auto spec = testing::uncertain_two_sector_spec();
  for (int reps : {2, 8, 13}) {
    const std::uint64_t draws = 2 * core::CHUNK_DRAWS + 1001;
    const SobolRun run = run_sobol(spec, draws, 2, 256, reps);
    ASSERT_EQ(run.estimates.size(), run.paths.values.size());
    for (std::size_t c = 0; c < run.estimates.size(); ++c) {
      const auto& v = run.paths.values[c];
      const auto e = core::replicate_estimate(v.data(), v.size(), 0, reps);
      ASSERT_EQ(run.estimates[c].mean, e.mean) << "R " << reps << ", cell " << c;
      ASSERT_EQ(run.estimates[c].std_error, e.std_error) << "R " << reps << ", cell " << c;
      ASSERT_EQ(run.estimates[c].replicates, reps);
    }
  }
}

TEST(SobolReplicates, ScenarioRunKeys) {
  // run.sampler: sobol and run.replicates (an integer in [2, 1024], default 8).
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("sectorsim_sobol_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file(fs::path(SECTORSIM_SOURCE_DIR) / "tests/data/config/minimal.yaml",
                dir / "minimal.yaml", fs::copy_options::overwrite_existing);
  auto load = [&](const std::string& run) {
    std::ofstream(dir / "case.yaml") << "extends: minimal.yaml\nrun: " << run << "\n";
    return models::load_scenario((dir / "case.yaml").string());
  };
  auto errors = [&](const std::string& run) {
    try {
      load(run);
    } catch (const config::ConfigError& e) {
      return e.messages();
    }
    return std::vector<std::string>{};
  };
  const auto spec = load("{sampler: sobol, replicates: 16}");
  EXPECT_EQ(spec.run.sampler, Sampler::Sobol);
  EXPECT_EQ(spec.run.replicates, 16);
  EXPECT_EQ(load("{sampler: sobol}").run.replicates, core::DEFAULT_REPLICATES);
  EXPECT_EQ(load("{replicates: 2}").run.replicates, 2);
  EXPECT_EQ(load("{replicates: 1024}").run.replicates, 1024);
  const std::string at = (dir / "case.yaml").string() + ":2:";
  EXPECT_EQ(errors("{replicates: 1}"),
            std::vector<std::string>{at + "19: run.replicates: must be in [2, 1024] (got 1)"});
  EXPECT_EQ(errors("{replicates: 1025}"),
            std::vector<std::string>{at + "19: run.replicates: must be in [2, 1024] (got 1025)"});
  EXPECT_EQ(errors("{replicates: 2.5}"),
            std::vector<std::string>{at + "19: run.replicates: expected an integer, got '2.5'"});
  EXPECT_EQ(errors("{sampler: qmc}"),
            std::vector<std::string>{at + "16: run.sampler: unknown sampler 'qmc' (expected mc, "
                                          "lhs or sobol)"});
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------
// Reproducibility of whole runs.

constexpr std::uint64_t DRAWS = 3 * core::CHUNK_DRAWS + 1234;

void expect_identical(const SobolRun& a, const SobolRun& b) {
  ASSERT_EQ(a.paths.values.size(), b.paths.values.size());
  for (std::size_t c = 0; c < a.paths.values.size(); ++c) {
    ASSERT_TRUE(same_bits(a.paths.values[c], b.paths.values[c])) << "cell " << c;
    ASSERT_TRUE(same_bits(a.replicate_means[c], b.replicate_means[c])) << "cell " << c;
    // Field by field: the struct's padding bytes are unspecified.
    ASSERT_TRUE(same_bits({a.estimates[c].mean, a.estimates[c].std_error},
                          {b.estimates[c].mean, b.estimates[c].std_error}))
        << "cell " << c;
    ASSERT_EQ(a.estimates[c].replicates, b.estimates[c].replicates) << "cell " << c;
  }
  ASSERT_EQ(a.result.summaries.size(), b.result.summaries.size());
  for (std::size_t s = 0; s < a.result.summaries.size(); ++s) {
    EXPECT_TRUE(same_bits(a.result.summaries[s].stats, b.result.summaries[s].stats))
        << a.result.summaries[s].info.name;
  }
  EXPECT_EQ(a.result.all_targets.met, b.result.all_targets.met);
}

TEST(SobolRunner, IdenticalForThreadCountsAndBatchSizes) {
  const auto spec = testing::uncertain_two_sector_spec();
  const SobolRun ref = run_sobol(spec, DRAWS, 1, 1);
  expect_identical(ref, run_sobol(spec, DRAWS, 2, 97));
  expect_identical(ref, run_sobol(spec, DRAWS, 1, 97));
  expect_identical(ref, run_sobol(spec, DRAWS, 2, 1));
  expect_identical(ref, run_sobol(spec, DRAWS, 3, 256));
}

TEST(SobolRunner, PrefixOfALongerRunIsTheShorterRun) {
  // Replicates are interleaved, so the first N draws of a 2N-draw run are the
  // N-draw run (an interrupted run is a shorter one).
  const auto spec = testing::uncertain_two_sector_spec();
  const SobolRun shorter = run_sobol(spec, 5000, 2, 64);
  const SobolRun longer = run_sobol(spec, 9000, 1, 128);
  for (std::size_t c = 0; c < shorter.paths.values.size(); ++c) {
    const std::vector<double> head(longer.paths.values[c].begin(),
                                   longer.paths.values[c].begin() + 5000);
    ASSERT_TRUE(same_bits(shorter.paths.values[c], head)) << "cell " << c;
  }
}

// ---------------------------------------------------------------------------
// Convergence.

// Keeps one cell of every draw.
class CellSink : public core::ChunkSink {
 public:
  explicit CellSink(int cell) : cell_(cell) {}
  void consume(const core::ChunkView& c) override {
    const double* x = c.cell(cell_);
    values.insert(values.end(), x, x + c.n);
  }
  std::vector<double> values;

 private:
  int cell_;
};

std::vector<double> run_cell(const core::Model& model, int cell, Sampler sampler,
                             std::uint64_t seed, std::uint64_t draws) {
  CellSink sink(cell);
  core::RunOptions opt;
  opt.draws = draws;
  opt.seed = seed;
  opt.sampler = sampler;
  opt.replicates = core::DEFAULT_REPLICATES;
  opt.batch = 256;
  core::run_draws(model, opt, {&sink});
  return sink.values;
}

struct Convergence {
  std::vector<double> n;       // draws
  std::vector<double> rmse;    // root-mean-square error over seeds
  std::vector<double> rms_se;  // root-mean-square replicate standard error
  double slope = 0;            // least-squares slope of log rmse on log n
};

double slope_of(const std::vector<double>& x, const std::vector<double>& y) {
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += std::log(x[i]);
    my += std::log(y[i]);
  }
  mx /= static_cast<double>(x.size());
  my /= static_cast<double>(x.size());
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (std::log(x[i]) - mx) * (std::log(y[i]) - my);
    sxx += (std::log(x[i]) - mx) * (std::log(x[i]) - mx);
  }
  return sxy / sxx;
}

// Errors of the replicate estimate over `seeds` runs of 2^max_log2 draws;
// the estimate at N = 2^k uses each run's first N draws, which are the N-draw
// run itself (prefix property above).
Convergence convergence(const core::Model& model, int cell, Sampler sampler, double exact,
                        int seeds, int min_log2, int max_log2) {
  Convergence c;
  const std::size_t levels = static_cast<std::size_t>(max_log2 - min_log2 + 1);
  std::vector<double> se2(levels, 0.0), e2(levels, 0.0);
  for (int s = 0; s < seeds; ++s) {
    const auto v = run_cell(model, cell, sampler, 1000 + static_cast<std::uint64_t>(s),
                            std::uint64_t{1} << max_log2);
    for (std::size_t l = 0; l < levels; ++l) {
      const std::size_t n = std::size_t{1} << (static_cast<std::size_t>(min_log2) + l);
      const auto e = core::replicate_estimate(v.data(), n, 0, core::DEFAULT_REPLICATES);
      e2[l] += (e.mean - exact) * (e.mean - exact);
      se2[l] += e.std_error * e.std_error;
    }
  }
  for (std::size_t l = 0; l < levels; ++l) {
    c.n.push_back(std::ldexp(1.0, min_log2 + static_cast<int>(l)));
    c.rmse.push_back(std::sqrt(e2[l] / seeds));
    c.rms_se.push_back(std::sqrt(se2[l] / seeds));
  }
  c.slope = slope_of(c.n, c.rmse);
  return c;
}

void print_and_check(const std::string& what, double exact, const Convergence& mc,
                     const Convergence& sobol) {
  std::printf("%s (expected %.10g), RMSE over seeds, R = %d replicates:\n", what.c_str(), exact,
              core::DEFAULT_REPLICATES);
  std::printf("  %8s  %12s  %12s  %12s  %8s\n", "N", "MC", "Sobol", "Sobol rms se", "MC/Sobol");
  for (std::size_t l = 0; l < mc.n.size(); ++l) {
    std::printf("  %8.0f  %12.4e  %12.4e  %12.4e  %8.1f\n", mc.n[l], mc.rmse[l], sobol.rmse[l],
                sobol.rms_se[l], mc.rmse[l] / sobol.rmse[l]);
  }
  std::printf("  log-log slope: MC %.3f, Sobol %.3f\n", mc.slope, sobol.slope);
  // Plain Monte Carlo: N^-1/2. Scrambled Sobol on a smooth integrand: clearly
  // steeper, and several times more accurate at the largest N.
  EXPECT_GT(mc.slope, -0.75) << what;
  EXPECT_LT(mc.slope, -0.25) << what;
  EXPECT_LT(sobol.slope, -0.7) << what;
  EXPECT_GT(mc.rmse.back() / sobol.rmse.back(), 4.0) << what;
  // The replicate standard error is honest: its root mean square matches the
  // actual RMSE (both estimated from the seeds, the RMSE to ~18% with 16).
  // The draws' sd / sqrt(N) would overstate it as many times as MC/Sobol.
  for (std::size_t l = 0; l < sobol.n.size(); ++l) {
    const double ratio = sobol.rms_se[l] / sobol.rmse[l];
    EXPECT_GT(ratio, 0.5) << what << ", N " << sobol.n[l];
    EXPECT_LT(ratio, 2.0) << what << ", N " << sobol.n[l];
  }
}

constexpr int SEEDS = 16;

// Standard normal distribution function.
double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

// f = prod_j (1 + (x_j - 1/2) / (j + 1)) * prod_k (1 + (Phi(a z_k + b) - m) / (k + 1))
// with x_j ~ U(0, 1) parameters and z_k ~ N(0, 1) shocks. E Phi(a z + b) =
// Phi(b / sqrt(1 + a^2)) = m (closed form), the factors are independent, so
// E f = 1 exactly. Smooth and bounded in the uniforms behind the normals.
double product_integrand(const double* x, std::size_t np, const double* z, std::size_t ns) {
  const double a = 1.5, b = 0.3, m = normal_cdf(b / std::sqrt(1 + a * a));
  double f = 1;
  for (std::size_t j = 0; j < np; ++j)
    f *= 1 + (x[j] - 0.5) / static_cast<double>(j + 1);
  for (std::size_t k = 0; k < ns; ++k)
    f *= 1 + (normal_cdf(a * z[k] + b) - m) / static_cast<double>(k + 1);
  return f;
}

TEST(SobolConvergence, ClosedFormIntegrandRmseFallsFasterThanMonteCarlo) {
  std::vector<core::ParameterInfo> params;
  for (int j = 0; j < 8; ++j)
    params.push_back({"x" + std::to_string(j), Prior::uniform(0, 1), "", "1"});
  const IntegrandModel model(params, 8, product_integrand);
  const auto mc = convergence(model, 0, Sampler::MonteCarlo, 1.0, 2 * SEEDS, 10, 14);
  const auto sobol = convergence(model, 0, Sampler::Sobol, 1.0, 2 * SEEDS, 10, 14);
  print_and_check("product of 8 uniform and 8 normal-cdf factors", 1.0, mc, sobol);
}

TEST(SobolConvergence, DistrictGdpRmseFallsFasterThanMonteCarlo) {
  // Mean district GDP in the end year of the uncertain two-sector spec (32
  // parameter and 24 shock dimensions). No closed form: the reference is one
  // Sobol run of 2^18 draws, whose own standard error must be small beside
  // the errors measured.
  const auto spec = testing::uncertain_two_sector_spec();
  const models::SectorGrowthModel model(spec);
  const int cell = model.layout().cell(0, spec.n_years() - 1);
  const auto big = run_cell(model, cell, Sampler::Sobol, 1, std::uint64_t{1} << 18);
  const auto ref = core::replicate_estimate(big.data(), big.size(), 0, core::DEFAULT_REPLICATES);
  const auto mc = convergence(model, cell, Sampler::MonteCarlo, ref.mean, SEEDS, 10, 14);
  const auto sobol = convergence(model, cell, Sampler::Sobol, ref.mean, SEEDS, 10, 14);
  std::printf("reference: %.10g +- %.3g (2^18 Sobol draws)\n", ref.mean, ref.std_error);
  EXPECT_LT(ref.std_error, 0.25 * sobol.rmse.back());
  print_and_check("district_gdp 2030 mean", ref.mean, mc, sobol);
}

}  // namespace
}  // namespace sectorsim
