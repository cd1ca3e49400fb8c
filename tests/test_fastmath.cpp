// The fast paths of the draw phase against their references:
//   * fast_exp / fast_log (engine/sampling/fastmath.hpp) against std::exp / std::log
//     (ulp error, special values) and batch forms against the scalar ones, bit
//     for bit, on every SIMD target (engine/sampling/simd.hpp);
//   * the interleaved Philox4x64-10 against Random123, and UniformSource::fill
//     against philox_block;
//   * batch prior quantiles against the scalar ones, bit for bit on every
//     SIMD target (aliased or not, tails included), and the table quantiles
//     against Boost (< 1e-9);
//   * the summary's target counts against a draw-by-draw count with meets().
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <Random123/philox.h>
#include <gtest/gtest.h>

#include "engine/sampling/fastmath.hpp"
#include "engine/sampling/prior.hpp"
#include "engine/sampling/sampler.hpp"
#include "engine/sampling/simd.hpp"
#include "engine/stats/summary.hpp"

namespace sectorsim {
namespace {

using core::Prior;

constexpr double INF = std::numeric_limits<double>::infinity();
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// |a - b| in units of the last place of b (subnormal spacing below 2^-1022).
double ulps(double a, double b) {
  if (a == b || (std::isnan(a) && std::isnan(b))) return 0;
  const double fb = std::fabs(b);
  const double ulp = fb < 0x1p-1022 ? 0x1p-1074 : std::nextafter(fb, INF) - fb;
  return std::fabs(a - b) / ulp;
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// Scalar calls through a function the compiler keeps out of line.
[[gnu::noinline]] double scalar_exp(double x) {
  return core::fast_exp(x);
}
[[gnu::noinline]] double scalar_log(double x) {
  return core::fast_log(x);
}

TEST(FastMath, ExpWithinOneUlpOverTheWholeRange) {
  std::mt19937_64 g(1);
  std::uniform_real_distribution<double> wide(-745.0, 709.78), small(-1.0, 1.0);
  double worst = 0, at = 0;
  for (int i = 0; i < 400000; ++i) {
    const double x = i % 2 ? wide(g) : small(g);
    const double ref = std::exp(x);
    if (ref < 0x1p-1022) continue;  // subnormal results: checked below
    const double e = ulps(core::fast_exp(x), ref);
    if (e > worst) {
      worst = e;
      at = x;
    }
  }
  std::printf("fast_exp: max error %.3g ulp at x = %.17g\n", worst, at);
  EXPECT_LE(worst, 1.0) << "worst at x = " << at;
  // Subnormal results: within one step of the subnormal spacing.
  for (double x = -745.0; x < -708.4; x += 0.0137)
    EXPECT_LE(std::fabs(core::fast_exp(x) - std::exp(x)), 0x1p-1074) << "x = " << x;
}

TEST(FastMath, ExpSpecialValues) {
  EXPECT_EQ(core::fast_exp(0.0), 1.0);
  EXPECT_EQ(core::fast_exp(-0.0), 1.0);
  EXPECT_EQ(core::fast_exp(INF), INF);
  EXPECT_EQ(core::fast_exp(-INF), 0.0);
  EXPECT_TRUE(std::isnan(core::fast_exp(NaN)));
  EXPECT_EQ(core::fast_exp(709.79), INF);
  EXPECT_EQ(core::fast_exp(1000.0), INF);
  EXPECT_EQ(core::fast_exp(-746.0), 0.0);
  EXPECT_EQ(core::fast_exp(-1e300), 0.0);
  EXPECT_EQ(core::fast_exp(709.78), std::exp(709.78));
  EXPECT_EQ(core::fast_exp(-745.1), std::exp(-745.1));  // the smallest subnormal
  EXPECT_LE(ulps(core::fast_exp(1.0), std::exp(1.0)), 1.0);
}

TEST(FastMath, LogWithinOneUlpOverTheWholeRange) {
  std::mt19937_64 g(2);
  std::uniform_real_distribution<double> near_one(0.5, 2.0);
  double worst = 0, at = 0;
  for (int i = 0; i < 400000; ++i) {
    double x;
    if (i % 2) {
      x = near_one(g);
    } else {
      // Every positive finite double, subnormals included, by bit pattern.
      do {
        x = std::bit_cast<double>(g() >> 1);
      } while (!(std::isfinite(x) && x > 0));
    }
    const double e = ulps(core::fast_log(x), std::log(x));
    if (e > worst) {
      worst = e;
      at = x;
    }
  }
  std::printf("fast_log: max error %.3g ulp at x = %.17g\n", worst, at);
  EXPECT_LE(worst, 1.0) << "worst at x = " << at;
}

TEST(FastMath, LogSpecialValues) {
  EXPECT_EQ(core::fast_log(1.0), 0.0);
  EXPECT_EQ(core::fast_log(0.0), -INF);
  EXPECT_EQ(core::fast_log(-0.0), -INF);
  EXPECT_EQ(core::fast_log(INF), INF);
  EXPECT_TRUE(std::isnan(core::fast_log(-1.0)));
  EXPECT_TRUE(std::isnan(core::fast_log(-INF)));
  EXPECT_TRUE(std::isnan(core::fast_log(NaN)));
  EXPECT_EQ(core::fast_log(0x1p-1074), std::log(0x1p-1074));
  EXPECT_EQ(core::fast_log(0x1p-1022), std::log(0x1p-1022));
  EXPECT_EQ(core::fast_log(std::numeric_limits<double>::max()),
            std::log(std::numeric_limits<double>::max()));
  EXPECT_EQ(core::fast_log(2.0), std::log(2.0));
}

TEST(Simd, EveryTargetCanBePinned) {
  // The kernels are compiled for several instruction sets; the tests below
  // run each of them. The best is chosen by default, and pinning one makes
  // the kernels run it until the pin ends.
  const std::vector<std::string> targets = core::simd_targets();
  ASSERT_FALSE(targets.empty());
  EXPECT_EQ(core::current_simd_target(), targets.front());
  for (const std::string& t : targets) {
    const core::ScopedSimdTarget pin(t);
    EXPECT_EQ(core::current_simd_target(), t);
  }
  EXPECT_EQ(core::current_simd_target(), targets.front());
  EXPECT_THROW(core::ScopedSimdTarget("no such target"), std::invalid_argument);
}

TEST(FastMath, ManyMatchesScalarBitForBitOnEveryTarget) {
  // exp_many and log_many run the CPU's widest vectors (four lanes, or two
  // on 16-byte targets); every target must give the scalar form's bits,
  // whatever the length and aliasing.
  std::mt19937_64 g(3);
  std::uniform_real_distribution<double> wide(-800.0, 800.0);
  std::vector<double> x(1003);
  for (auto& v : x)
    v = wide(g);
  const double specials[] = {0.0, -0.0, INF, -INF, NaN, 0x1p-1074, -1.0, 709.78, -745.1};
  for (std::size_t i = 0; i < std::size(specials); ++i)
    x[100 + 7 * i] = specials[i];
  std::vector<double> ax(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    ax[i] = std::fabs(x[i]) * 1e-3 + (i % 3 == 0 ? x[i] : 0.0);  // logs of all signs
  for (const std::string& target : core::simd_targets()) {
    const core::ScopedSimdTarget pin(target);
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{4},
                          std::size_t{5}, std::size_t{1003}}) {
      std::vector<double> e(n), l(n);
      std::vector<double> l_alias(ax.begin(), ax.begin() + static_cast<std::ptrdiff_t>(n));
      core::exp_many(x.data(), e.data(), n);
      core::log_many(ax.data(), l.data(), n);
      core::log_many(l_alias.data(), l_alias.data(), n);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_TRUE(same_bits(e[i], scalar_exp(x[i])))
            << target << ": exp, n = " << n << ", x = " << x[i];
        ASSERT_TRUE(same_bits(l[i], scalar_log(ax[i])))
            << target << ": log, n = " << n << ", x = " << ax[i];
        ASSERT_TRUE(same_bits(l_alias[i], l[i])) << target << ": aliased log, n = " << n;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Philox.

TEST(SamplerPhilox, ManyMatchesRandom123) {
  using Gen = r123::Philox4x64;
  std::mt19937_64 g(4);
  const std::uint64_t edge[] = {0, 1, ~std::uint64_t{0}, std::uint64_t{1} << 63};
  for (int trial = 0; trial < 200; ++trial) {
    const std::uint64_t k0 = trial < 4 ? edge[trial] : g();
    const std::uint64_t k1 = trial < 4 ? edge[3 - trial] : g();
    const std::size_t n = 1 + static_cast<std::size_t>(trial % 19);  // partial groups too
    std::vector<std::uint64_t> c0(n), c1(n), out(4 * n);
    for (std::size_t i = 0; i < n; ++i) {
      c0[i] = i < 4 ? edge[i] : g();
      c1[i] = i < 4 ? edge[(i + 1) % 4] : g();
    }
    core::philox_many(k0, k1, c0.data(), c1.data(), n, out.data());
    for (std::size_t i = 0; i < n; ++i) {
      const Gen::ctr_type ctr = {{c0[i], c1[i], 0, 0}};
      const Gen::key_type key = {{k0, k1}};
      const Gen::ctr_type r = Gen()(ctr, key);
      for (std::size_t k = 0; k < 4; ++k)
        ASSERT_EQ(out[4 * i + k], r[k]) << "trial " << trial << ", block " << i << ", word " << k;
    }
  }
}

TEST(SamplerPhilox, FillMatchesBlockByBlock) {
  // Batches of every size around the group width, odd dimension counts and
  // strides wider than the batch.
  for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{20240601}, ~std::uint64_t{0}}) {
    const core::UniformSource src(seed, core::Sampler::MonteCarlo, 1u << 20);
    for (int dims : {1, 4, 5, 33, 128}) {
      for (std::size_t n :
           {std::size_t{1}, std::size_t{7}, std::size_t{8}, std::size_t{9}, std::size_t{37}}) {
        const std::size_t stride = n + 5;
        const std::uint64_t first = 1000003 * seed % 4099 + n;
        std::vector<double> u(static_cast<std::size_t>(dims) * stride, -1.0);
        src.fill(core::Purpose::Shocks, dims, first, n, u.data(), stride);
        std::uint64_t r[4];
        for (std::size_t lane = 0; lane < n; ++lane) {
          for (int j = 0; j < dims; ++j) {
            core::philox_block(seed, core::Purpose::Shocks, first + lane,
                               static_cast<std::uint64_t>(j / 4), r);
            ASSERT_EQ(u[static_cast<std::size_t>(j) * stride + lane], core::to_unit(r[j % 4]))
                << "seed " << seed << ", dims " << dims << ", n " << n << ", lane " << lane;
          }
        }
        for (int j = 0; j < dims; ++j)  // padding untouched
          for (std::size_t lane = n; lane < stride; ++lane)
            ASSERT_EQ(u[static_cast<std::size_t>(j) * stride + lane], -1.0);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Batch prior quantiles.

std::vector<double> test_uniforms() {
  std::vector<double> u;
  std::mt19937_64 g(5);
  for (int i = 0; i < 3000; ++i)
    u.push_back(core::to_unit(g()));
  // Tails (down to to_unit's smallest value, 2^-53): outside the beta tables'
  // range, and the normal quantile's tail region.
  for (double t : {0x1p-53, 1e-12, 1e-9, 5e-8, 1e-7, 2e-7, 1e-4, 0.01, 0.074, 0.075, 0.076}) {
    u.push_back(t);
    u.push_back(1.0 - t);
  }
  u.push_back(0.5);
  u.push_back(std::nextafter(1.0, 0.0));
  return u;
}

std::vector<Prior> test_priors() {
  return {Prior::fixed(2.5),
          Prior::normal(0.02, 0.01),
          Prior::truncated_normal(0.075, 0.02, 0.05, 0.1),
          Prior::truncated_normal(0.3, 0.1, 0.0, 1.0),
          Prior::truncated_normal(0.0, 1.0, 1.5, INF),  // mirrored: above the mean
          Prior::truncated_normal(0.0, 1.0, -INF, -2.0),
          Prior::lognormal(0.8, 0.2),
          Prior::uniform(0.25, 0.45),
          Prior::triangular(0, 0.02, 0.05),
          Prior::beta(6, 2),
          Prior::beta(2, 5, -1, 3),
          Prior::pert(1, 2.5, 5),
          Prior::pert(0.1, 0.1, 0.5, 4)};
}

TEST(PriorBatch, ManyMatchesScalarBitForBitOnEveryTarget) {
  const std::vector<double> u = test_uniforms();
  for (const std::string& target : core::simd_targets()) {
    const core::ScopedSimdTarget pin(target);
    for (const Prior& p : test_priors()) {
      std::vector<double> x(u.size());
      p.quantile_many(u.data(), x.data(), u.size());
      std::vector<double> alias = u;
      p.quantile_many(alias.data(), alias.data(), alias.size());
      for (std::size_t i = 0; i < u.size(); ++i) {
        const double ref = p.quantile(u[i]);
        ASSERT_TRUE(same_bits(x[i], ref)) << target << ": " << p.describe() << " at u = " << u[i];
        ASSERT_TRUE(same_bits(alias[i], ref))
            << target << ": " << p.describe() << " (aliased) at u = " << u[i];
      }
    }
  }
}

TEST(PriorBatch, NormalQuantileManyMatchesScalarOnEveryTarget) {
  const std::vector<double> u = test_uniforms();
  for (const std::string& target : core::simd_targets()) {
    const core::ScopedSimdTarget pin(target);
    std::vector<double> z(u.size()), alias = u;
    core::normal_quantile_many(u.data(), z.data(), u.size());
    core::normal_quantile_many(alias.data(), alias.data(), alias.size());
    for (std::size_t i = 0; i < u.size(); ++i) {
      ASSERT_TRUE(same_bits(z[i], core::normal_quantile(u[i]))) << target << ": u = " << u[i];
      ASSERT_TRUE(same_bits(alias[i], z[i])) << target << ": aliased, u = " << u[i];
    }
  }
}

TEST(PriorBatch, TableQuantilesWithin1e9OfBoost) {
  std::vector<double> u;
  for (int i = 1; i < 4000; ++i)
    u.push_back(static_cast<double>(i) / 4000.0);
  for (double t : {1e-9, 1e-7, 1e-5})
    u.push_back(t), u.push_back(1.0 - t);
  for (const Prior& p : {Prior::beta(6, 2), Prior::pert(1, 2.5, 5), Prior::pert(0, 0.3, 1, 8)}) {
    std::vector<double> x(u.size());
    p.quantile_many(u.data(), x.data(), u.size());
    const double scale = p.upper() - p.lower();
    double worst = 0;
    for (std::size_t i = 0; i < u.size(); ++i)
      worst = std::max(worst, std::fabs(x[i] - p.quantile_exact(u[i])) / scale);
    EXPECT_LT(worst, 1e-9) << p.describe();
  }
}

// ---------------------------------------------------------------------------
// Target counts of the summary accumulator.

TEST(SummaryCounts, MatchDrawByDrawCountForEveryOperator) {
  const core::CellLayout layout{
      {{"gdp", "1", "an indicator", false}, {"va", "1", "a sector series", true}}, 3, 2};
  const int cells = layout.n_cells();  // 3 years x (1 + 2)
  const std::uint64_t chunk = 64, draws = 3 * chunk - 5;
  std::vector<core::ResolvedTarget> targets;
  const core::Op ops[] = {core::Op::Greater, core::Op::GreaterEqual, core::Op::Less,
                          core::Op::LessEqual};
  for (int k = 0; k < 8; ++k) {
    core::ResolvedTarget t;
    t.spec.id = "t" + std::to_string(k);
    t.spec.op = ops[k % 4];
    t.spec.threshold = k < 4 ? 0.5 : 1.0;
    t.year_index = k % 3;
    t.cells = {layout.cell(1, 0, 0), layout.cell(1, 1, 0), layout.cell(1, 2, 0)};
    if (k >= 4) t.relative_cell = layout.cell(1, 0, 1);
    targets.push_back(t);
  }
  core::SummaryAccumulator acc(layout, targets, draws, chunk);
  // Values on a coarse grid so that ties with the thresholds occur.
  std::mt19937_64 g(6);
  std::vector<double> all(static_cast<std::size_t>(cells) * draws);
  for (auto& v : all)
    v = static_cast<double>(g() % 9) * 0.25;
  for (std::uint64_t first = 0; first < draws; first += chunk) {
    const std::size_t n = static_cast<std::size_t>(std::min(chunk, draws - first));
    std::vector<double> buf(static_cast<std::size_t>(cells) * chunk);
    for (int c = 0; c < cells; ++c)
      for (std::size_t i = 0; i < n; ++i)
        buf[static_cast<std::size_t>(c) * chunk + i] =
            all[static_cast<std::size_t>(c) * draws + first + i];
    const core::ChunkView view{first, n, chunk, buf.data(), &layout};
    acc.consume_unordered(view);
    acc.consume(view);
  }
  const core::SummaryState st = acc.save(draws);
  const std::size_t width = targets.size() * 3 + 1;
  std::vector<std::uint64_t> got(width, 0), want(width, 0);
  for (std::size_t c = 0; c * width < st.chunk_counts.size(); ++c)
    for (std::size_t k = 0; k < width; ++k)
      got[k] += st.chunk_counts[c * width + k];
  for (std::uint64_t d = 0; d < draws; ++d) {
    auto at = [&](int cell) { return all[static_cast<std::size_t>(cell) * draws + d]; };
    bool joint = true;
    for (std::size_t t = 0; t < targets.size(); ++t) {
      const auto& rt = targets[t];
      const double den = rt.relative_cell >= 0 ? at(rt.relative_cell) : 1.0;
      for (std::size_t y = 0; y < 3; ++y) {
        const bool ok = core::meets(rt.spec.op, at(rt.cells[y]) / den, rt.spec.threshold);
        want[t * 3 + y] += ok ? 1 : 0;
        if (y == static_cast<std::size_t>(rt.year_index) && !ok) joint = false;
      }
    }
    want[width - 1] += joint ? 1 : 0;
  }
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace sectorsim
