// Summaries: the Wilson interval and type-7 quantiles against reference
// values, target comparison at the boundary, target resolution and its error
// messages, and the chunk-wise accumulator against a direct computation over
// hand-made chunks delivered out of order.
#include "engine/stats/intervals.hpp"
#include "engine/stats/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "engine/sampling/simd.hpp"
#include "engine/spec/chunk.hpp"
#include "engine/spec/results.hpp"
#include "engine/spec/series.hpp"
#include "engine/stats/kernels.hpp"
#include "engine/stats/pages.hpp"
#include "engine/stats/quantiles.hpp"
#include "models/sector_growth/sector_growth_spec.hpp"

namespace sectorsim {
namespace {

using core::Op;
using core::Proportion;

// ---------------------------------------------------------------------------
// Wilson score interval.

TEST(SummaryWilson, ReferenceValues) {
  // Closed form: centre (p + z²/2n) / (1 + z²/n), half-width
  // z sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n), evaluated with mpmath at 40 digits:
  //   import mpmath; mpmath.mp.dps = 40; z = mpmath.mpf("1.959963984540054")
  //   def w(k, n):
  //       p = mpmath.mpf(k) / n; d = 1 + z*z/n; c = (p + z*z/(2*n)) / d
  //       h = z * mpmath.sqrt(p*(1-p)/n + z*z/(4*n*n)) / d; return c - h, c + h
  struct Ref {
    std::uint64_t met, n;
    double low, high;
  };
  const Ref refs[] = {
      {0, 10, 0.0, 0.2775327998628892},
      {5, 10, 0.236593090512564, 0.763406909487436},
      {10, 10, 0.7224672001371108, 1.0},
      {1, 3, 0.061491944720396242, 0.79234039919795225},
      {73, 200, 0.301405264649268, 0.43368297347259397},
      {1, 1, 0.20654931437723743, 1.0},
  };
  for (const Ref& r : refs) {
    const Proportion w = core::wilson(r.met, r.n);
    EXPECT_EQ(w.met, r.met);
    EXPECT_EQ(w.n, r.n);
    EXPECT_EQ(w.p, static_cast<double>(r.met) / static_cast<double>(r.n));
    EXPECT_NEAR(w.low, r.low, 1e-15) << r.met << " of " << r.n;
    EXPECT_NEAR(w.high, r.high, 1e-15) << r.met << " of " << r.n;
  }
  // With z = 1.96 exactly, 5 of 10 gives [0.23658959361548727, 0.76341040638451273]
  // (same mpmath expression with z = mpmath.mpf("1.96")).
  const Proportion w196 = core::wilson(5, 10, 1.96);
  EXPECT_NEAR(w196.low, 0.23658959361548727, 1e-15);
  EXPECT_NEAR(w196.high, 0.76341040638451273, 1e-15);
}

TEST(SummaryWilson, EndpointsAreExactAtZeroAndAllMet) {
  // Closed form: for p = 0 the centre equals the half-width, so the lower bound
  // is exactly 0; for p = 1 the upper bound is exactly 1.
  for (std::uint64_t n : {1ULL, 3ULL, 10ULL, 1000ULL, 1000000ULL, 123456789ULL}) {
    EXPECT_EQ(core::wilson(0, n).low, 0.0) << "0 of " << n;
    EXPECT_EQ(core::wilson(n, n).high, 1.0) << n << " of " << n;
    EXPECT_GT(core::wilson(0, n).high, 0.0) << "0 of " << n;
    EXPECT_LT(core::wilson(n, n).low, 1.0) << n << " of " << n;
  }
}

TEST(SummaryWilson, IntervalContainsEstimate) {
  for (std::uint64_t n = 1; n <= 60; ++n) {
    for (std::uint64_t k = 0; k <= n; ++k) {
      const Proportion w = core::wilson(k, n);
      EXPECT_LE(0.0, w.low);
      EXPECT_LE(w.low, w.p) << k << " of " << n;
      EXPECT_LE(w.p, w.high) << k << " of " << n;
      EXPECT_LE(w.high, 1.0);
      // Symmetry (closed form): [low, high](k, n) = 1 - [high, low](n - k, n).
      const Proportion m = core::wilson(n - k, n);
      EXPECT_NEAR(w.low, 1.0 - m.high, 1e-15) << k << " of " << n;
    }
  }
}

TEST(SummaryWilson, NoDraws) {
  const Proportion w = core::wilson(0, 0);
  EXPECT_EQ(w.met, 0u);
  EXPECT_EQ(w.n, 0u);
  EXPECT_TRUE(std::isnan(w.p));
  EXPECT_EQ(w.low, 0.0);
  EXPECT_EQ(w.high, 1.0);
}

// ---------------------------------------------------------------------------
// Type-7 quantiles.

TEST(SummaryQuantile, MatchesNumpyDefault) {
  // /usr/bin/python3 -c 'import numpy as np; x = [3.5, -1.25, 7, 0, 2, 2, 9.75, -4, 1.5, 6];
  //   print([repr(np.quantile(x, p)) for p in [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1, 0.1, 1/3]])'
  // (numpy 1.24.2, method "linear" = type 7). numpy interpolates from the upper
  // neighbour when the fraction is >= 0.5, so the last bit may differ: 1e-14.
  const std::vector<double> x = {3.5, -1.25, 7, 0, 2, 2, 9.75, -4, 1.5, 6};
  const std::pair<double, double> refs[] = {
      {0.0, -4.0}, {0.05, -2.7625}, {0.25, 0.375},
      {0.5, 2.0},  {0.75, 5.375},   {0.95, 8.512499999999998},
      {1.0, 9.75}, {0.1, -1.525},   {1.0 / 3, 1.5},
  };
  std::vector<double> reused = x;  // reordered by every call
  for (const auto& [p, expected] : refs) {
    std::vector<double> fresh = x;
    EXPECT_NEAR(core::quantile_type7(fresh, p), expected, 1e-14) << "p = " << p;
    EXPECT_NEAR(core::quantile_type7(reused, p), expected, 1e-14) << "p = " << p << " (reused)";
  }
  std::vector<double> sorted = x;
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> after = reused;
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after, sorted);  // reordered, not altered
}

TEST(SummaryQuantile, SmallSamples) {
  // np.quantile([2.5], p) = 2.5; np.quantile([1.0, 4.0], p) for p = 0, 0.05, 0.5, 0.95, 1:
  // 1.0, 1.15, 2.5, 3.8499999999999996, 4.0 (numpy 1.24.2).
  for (double p : {0.0, 0.3, 1.0}) {
    std::vector<double> one = {2.5};
    EXPECT_EQ(core::quantile_type7(one, p), 2.5);
  }
  const std::pair<double, double> refs[] = {
      {0.0, 1.0}, {0.05, 1.15}, {0.5, 2.5}, {0.95, 3.8499999999999996}, {1.0, 4.0}};
  for (const auto& [p, expected] : refs) {
    std::vector<double> two = {4.0, 1.0};
    EXPECT_NEAR(core::quantile_type7(two, p), expected, 1e-15) << "p = " << p;
  }
  std::vector<double> none;
  EXPECT_TRUE(std::isnan(core::quantile_type7(none, 0.5)));
}

// ---------------------------------------------------------------------------
// Target comparisons.

TEST(SummaryMeets, EachOperatorAtTheBoundary) {
  const double t = 1.5;
  const double below = std::nextafter(t, 0.0), above = std::nextafter(t, 2.0);
  EXPECT_FALSE(core::meets(Op::Greater, t, t));
  EXPECT_TRUE(core::meets(Op::Greater, above, t));
  EXPECT_FALSE(core::meets(Op::Greater, below, t));
  EXPECT_TRUE(core::meets(Op::GreaterEqual, t, t));
  EXPECT_TRUE(core::meets(Op::GreaterEqual, above, t));
  EXPECT_FALSE(core::meets(Op::GreaterEqual, below, t));
  EXPECT_FALSE(core::meets(Op::Less, t, t));
  EXPECT_TRUE(core::meets(Op::Less, below, t));
  EXPECT_FALSE(core::meets(Op::Less, above, t));
  EXPECT_TRUE(core::meets(Op::LessEqual, t, t));
  EXPECT_TRUE(core::meets(Op::LessEqual, below, t));
  EXPECT_FALSE(core::meets(Op::LessEqual, above, t));
  // A NaN value meets no target.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (Op op : {Op::Greater, Op::GreaterEqual, Op::Less, Op::LessEqual}) {
    EXPECT_FALSE(core::meets(op, nan, t));
  }
}

// ---------------------------------------------------------------------------
// Target resolution against the full catalogue.

core::TargetSpec target(const std::string& id, const std::string& indicator, int year,
                        std::optional<int> relative_to = std::nullopt) {
  core::TargetSpec t;
  t.id = id;
  t.indicator = indicator;
  t.year = year;
  t.op = Op::GreaterEqual;
  t.threshold = 2.0;
  t.relative_to_year = relative_to;
  return t;
}

class SummaryResolveTargets : public ::testing::Test {
 protected:
  // 2022-2025: 4 years, 2 sectors; cells follow the sector-growth model's
  // series: 10 indicators of 4 cells (0-39), then va, capital, space, tax,
  // revenue of 4 x 2 cells each.
  const std::vector<std::string> sectors = {"services", "industry"};
  const core::CellLayout layout{models::sector_growth_declaration().series, 4, 2};

  std::string error_of(const core::TargetSpec& t) const {
    try {
      core::resolve_targets({t}, layout, 2022, sectors);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(no exception)";
  }
};

TEST_F(SummaryResolveTargets, Indicator) {
  const auto r = core::resolve_targets({target("va", "service_va", 2024)}, layout, 2022, sectors);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].spec.id, "va");
  EXPECT_EQ(r[0].year_index, 2);
  // service_va is indicator 1: cells 4, 5, 6, 7 (hand computation: 4 cells per indicator).
  EXPECT_EQ(r[0].cells, (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(r[0].relative_cell, -1);
}

TEST_F(SummaryResolveTargets, SectorSeriesRelativeToYear) {
  const auto r = core::resolve_targets(
      {target("grow", "revenue.industry", 2025, 2022), target("va", "va.services", 2023)}, layout,
      2022, sectors);
  ASSERT_EQ(r.size(), 2u);
  // 13 indicators (pv_district_revenue the last), then va, capital, space,
  // tax, revenue: revenue is series 17; offset 13 * 4 + 4 * 8 = 84; sector 1
  // of year y is 84 + 2y + 1 (hand computation).
  EXPECT_EQ(r[0].year_index, 3);
  EXPECT_EQ(r[0].cells, (std::vector<int>{85, 87, 89, 91}));
  EXPECT_EQ(r[0].relative_cell, 85);
  // va is series 13 at offset 52; sector 0 of year y is 52 + 2y.
  EXPECT_EQ(r[1].year_index, 1);
  EXPECT_EQ(r[1].cells, (std::vector<int>{52, 54, 56, 58}));
  EXPECT_EQ(r[1].relative_cell, -1);
  for (int y = 0; y < 4; ++y) {
    EXPECT_EQ(r[0].cells[static_cast<std::size_t>(y)], layout.cell(17, y, 1));
  }
}

TEST_F(SummaryResolveTargets, ErrorMessages) {
  EXPECT_EQ(error_of(target("gdp_goal", "servce_va", 2025)),
            "target 'gdp_goal': unknown indicator 'servce_va' (did you mean 'service_va'?)");
  EXPECT_EQ(error_of(target("fin", "revenue.finance", 2025)),
            "target 'fin': unknown sector 'finance' in 'revenue.finance'");
  EXPECT_EQ(error_of(target("late", "service_va", 2026)),
            "target 'late': year 2026 is outside the horizon 2022-2025");
  EXPECT_EQ(error_of(target("early", "service_va", 2021)),
            "target 'early': year 2021 is outside the horizon 2022-2025");
  EXPECT_EQ(error_of(target("rel", "va.services", 2025, 2021)),
            "target 'rel': year 2021 is outside the horizon 2022-2025");
}

// ---------------------------------------------------------------------------
// The accumulator on hand-made chunks.

// One indicator series and one sector series, 2 years, 2 sectors: 6 cells,
//   0: gdp y0, 1: gdp y1, 2: va y0 s0, 3: va y0 s1, 4: va y1 s0, 5: va y1 s1.
// Ten draws, chunks of 4: [0, 4), [4, 8), [8, 10).
const double kValues[6][10] = {
    {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},      {4.5, 5, 7.25, 3, 6, 5, 1, 9, 4.75, 8},
    {-2, 0.5, 3, 1, 4, -1, 2.5, 0, 6, 2}, {2, 4, 1, 2, 5, 3, 2, 1, 4, 2},
    {10, 9, 8, 7, 6, 5, 4, 3, 2, 1},      {3, 6, 2.5, 5, 7.5, 3, 3.5, 1.5, 4, 4},
};

class SummaryAccumulatorTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kDraws = 10, kChunk = 4;

  const core::CellLayout layout{
      {{"gdp", "1", "an indicator", false}, {"va", "1", "a sector series", true}}, 2, 2};

  // Target 0: gdp >= 5 judged in year 1.
  // Target 1: va of sector 1 relative to year 0 > 1.5, judged in year 1.
  std::vector<core::ResolvedTarget> targets() const {
    core::ResolvedTarget t0;
    t0.spec.id = "gdp5";
    t0.spec.op = Op::GreaterEqual;
    t0.spec.threshold = 5;
    t0.year_index = 1;
    t0.cells = {0, 1};
    core::ResolvedTarget t1;
    t1.spec.id = "growth";
    t1.spec.op = Op::Greater;
    t1.spec.threshold = 1.5;
    t1.year_index = 1;
    t1.cells = {3, 5};
    t1.relative_cell = 3;
    return {t0, t1};
  }

  // Deliver the chunks with the given indices, each in its own buffer with a
  // stride wider than the chunk.
  void deliver(core::SummaryAccumulator& acc, const std::vector<int>& order) const {
    for (int c : order) {
      const std::uint64_t first = static_cast<std::uint64_t>(c) * kChunk;
      const std::size_t n = static_cast<std::size_t>(std::min(kChunk, kDraws - first));
      const std::size_t stride = n + 3;
      std::vector<double> buf(6 * stride, std::numeric_limits<double>::quiet_NaN());
      for (std::size_t cell = 0; cell < 6; ++cell) {
        for (std::size_t i = 0; i < n; ++i) {
          buf[cell * stride + i] = kValues[cell][first + i];
        }
      }
      acc.consume_unordered(core::ChunkView{first, n, stride, buf.data(), &layout});
    }
  }

  // stats[(stat * n_years + year) * width + sector] of the series holding `cell`.
  static double stat(const core::ScenarioResult& r, int cell, int s) {
    const int series = cell < 2 ? 0 : 1;
    const int k = cell < 2 ? cell : cell - 2;  // year * width + sector
    const int per_stat = series == 0 ? 2 : 4;
    return r.summaries[static_cast<std::size_t>(series)]
        .stats[static_cast<std::size_t>(s * per_stat + k)];
  }

  // Mean, sd, min, type-7 quantiles and max computed directly from the values.
  static std::vector<double> direct(int cell, std::size_t draws) {
    std::vector<double> x(kValues[cell], kValues[cell] + draws);
    const double n = static_cast<double>(draws);
    double sum = 0;
    for (double v : x) {
      sum += v;
    }
    const double mean = sum / n;
    double ss = 0;
    for (double v : x) {
      ss += (v - mean) * (v - mean);
    }
    std::sort(x.begin(), x.end());
    std::vector<double> out = {mean, std::sqrt(ss / (n - 1)), x.front()};
    for (double p : core::QUANTILE_PROBS) {
      const double h = (n - 1) * p;
      const auto lo = static_cast<std::size_t>(std::floor(h));
      const double hi = lo + 1 < x.size() ? x[lo + 1] : x[lo];
      out.push_back(x[lo] + (h - static_cast<double>(lo)) * (hi - x[lo]));
    }
    out.push_back(x.back());
    return out;
  }

  void expect_summaries(const core::ScenarioResult& r, std::size_t draws) const {
    ASSERT_EQ(r.summaries.size(), 2u);
    EXPECT_EQ(r.summaries[0].info.name, "gdp");
    EXPECT_EQ(r.summaries[1].info.name, "va");
    EXPECT_EQ(r.summaries[0].stats.size(), static_cast<std::size_t>(core::N_STATS * 2));
    EXPECT_EQ(r.summaries[1].stats.size(), static_cast<std::size_t>(core::N_STATS * 4));
    for (int cell = 0; cell < 6; ++cell) {
      const auto expected = direct(cell, draws);
      for (int s = 0; s < core::N_STATS; ++s) {
        EXPECT_NEAR(stat(r, cell, s), expected[static_cast<std::size_t>(s)],
                    1e-13 * std::max(1.0, std::fabs(expected[static_cast<std::size_t>(s)])))
            << "cell " << cell << ", " << core::STAT_NAMES[s] << ", " << draws << " draws";
      }
    }
  }

  static void expect_proportion(const Proportion& p, std::uint64_t met, std::uint64_t n,
                                const std::string& what) {
    EXPECT_EQ(p.met, met) << what;
    EXPECT_EQ(p.n, n) << what;
    const Proportion w = core::wilson(met, n);
    EXPECT_EQ(p.low, w.low) << what;
    EXPECT_EQ(p.high, w.high) << what;
  }
};

TEST_F(SummaryAccumulatorTest, OutOfOrderChunksMatchDirectComputation) {
  core::SummaryAccumulator acc(layout, targets(), kDraws, kChunk);
  deliver(acc, {2, 0, 1});
  core::ScenarioResult r;
  acc.finish(kDraws, r);
  EXPECT_EQ(r.draws, kDraws);
  EXPECT_EQ(r.quantile_method, "exact (type 7)");
  expect_summaries(r, kDraws);
  // Hand computation for gdp year 0 = 1 ... 10: mean 5.5, sd sqrt(82.5 / 9), quantiles
  // at h = 9p: 1.45, 3.25, 5.5, 7.75, 9.55.
  const double hand[] = {5.5, std::sqrt(82.5 / 9), 1, 1.45, 3.25, 5.5, 7.75, 9.55, 10};
  for (int s = 0; s < core::N_STATS; ++s) {
    EXPECT_NEAR(stat(r, 0, s), hand[s], 1e-14) << core::STAT_NAMES[s];
  }
}

TEST_F(SummaryAccumulatorTest, TargetCountsByHand) {
  core::SummaryAccumulator acc(layout, targets(), kDraws, kChunk);
  deliver(acc, {1, 2, 0});
  core::ScenarioResult r;
  acc.finish(kDraws, r);
  ASSERT_EQ(r.targets.size(), 2u);
  // gdp >= 5: year 0 (1 ... 10) draws 4-9: 6; year 1 (4.5 5 7.25 3 6 5 1 9 4.75 8)
  // draws 1 2 4 5 7 9: 6.
  const auto& t0 = r.targets[0];
  EXPECT_EQ(t0.spec.id, "gdp5");
  ASSERT_EQ(t0.by_year.size(), 2u);
  expect_proportion(t0.by_year[0], 6, 10, "gdp5 year 0");
  expect_proportion(t0.by_year[1], 6, 10, "gdp5 year 1");
  expect_proportion(t0.in_year, 6, 10, "gdp5 in year");
  // va sector 1 / its year-0 value > 1.5: year 0 the ratio is 1: none; year 1 ratios
  // 1.5 1.5 2.5 2.5 1.5 1 1.75 1.5 1 2 -> draws 2 3 6 9: 4 (1.5 itself does not count).
  const auto& t1 = r.targets[1];
  expect_proportion(t1.by_year[0], 0, 10, "growth year 0");
  expect_proportion(t1.by_year[1], 4, 10, "growth year 1");
  expect_proportion(t1.in_year, 4, 10, "growth in year");
  // Both in year 1: {1 2 4 5 7 9} and {2 3 6 9} share draws 2 and 9.
  expect_proportion(r.all_targets, 2, 10, "all targets");
}

TEST_F(SummaryAccumulatorTest, FinishWithFewerDrawsUsesOnlyThose) {
  core::SummaryAccumulator acc(layout, targets(), kDraws, kChunk);
  deliver(acc, {2, 1, 0});
  core::ScenarioResult r;
  acc.finish(8, r);
  EXPECT_EQ(r.draws, 8u);
  expect_summaries(r, 8);
  // First 8 draws: gdp >= 5 in year 0: draws 4-7: 4; year 1: draws 1 2 4 5 7: 5;
  // growth year 1: draws 2 3 6: 3; both: draw 2: 1.
  expect_proportion(r.targets[0].by_year[0], 4, 8, "gdp5 year 0");
  expect_proportion(r.targets[0].by_year[1], 5, 8, "gdp5 year 1");
  expect_proportion(r.targets[1].by_year[0], 0, 8, "growth year 0");
  expect_proportion(r.targets[1].in_year, 3, 8, "growth in year");
  expect_proportion(r.all_targets, 1, 8, "all targets");
  // The store still holds all draws: finishing over the whole run afterwards works.
  core::ScenarioResult all;
  acc.finish(kDraws, all);
  expect_summaries(all, kDraws);
}

TEST_F(SummaryAccumulatorTest, DeliveryOrderDoesNotChangeAnyBit) {
  core::ScenarioResult a, b;
  {
    core::SummaryAccumulator acc(layout, targets(), kDraws, kChunk);
    deliver(acc, {0, 1, 2});
    acc.finish(kDraws, a);
  }
  {
    core::SummaryAccumulator acc(layout, targets(), kDraws, kChunk);
    deliver(acc, {2, 0, 1});
    acc.finish(kDraws, b);
  }
  ASSERT_EQ(a.summaries.size(), b.summaries.size());
  for (std::size_t s = 0; s < a.summaries.size(); ++s) {
    EXPECT_EQ(a.summaries[s].stats, b.summaries[s].stats) << "series " << s;
  }
  EXPECT_EQ(a.all_targets.met, b.all_targets.met);
}

TEST_F(SummaryAccumulatorTest, RejectsMisalignedChunks) {
  core::SummaryAccumulator acc(layout, targets(), kDraws, kChunk);
  std::vector<double> buf(6 * 4, 1.0);
  const auto expect_rejected = [&](std::uint64_t first, std::size_t n) {
    try {
      acc.consume_unordered(core::ChunkView{first, n, 4, buf.data(), &layout});
      ADD_FAILURE() << "chunk at " << first << " of " << n << " accepted";
    } catch (const std::logic_error& e) {
      EXPECT_STREQ(e.what(), "SummaryAccumulator: chunk not aligned to the run's chunks");
    }
  };
  expect_rejected(2, 4);  // not on a chunk boundary
  expect_rejected(8, 4);  // runs past the last draw
  // Every value of 6 cells for 10 draws, plus one chunk record (mean, m2,
  // min, max, and whether the values are stored) per cell.
  EXPECT_EQ(core::SummaryAccumulator::store_bytes(layout, kDraws),
            6u * 10u * sizeof(double) + 6u * (4u * sizeof(double) + 1u));
}

// Hands `acc` chunk c of the values x[cell][draw] (chunks of `chunk` draws,
// the last one shorter), laid out as the runner does: [cell][lane], stride
// `chunk`.
void consume_chunk(core::SummaryAccumulator& acc, const core::CellLayout& layout,
                   const std::vector<std::vector<double>>& x, std::uint64_t c, std::size_t chunk) {
  const std::uint64_t first = c * chunk;
  const std::size_t n =
      static_cast<std::size_t>(std::min<std::uint64_t>(chunk, x[0].size() - first));
  std::vector<double> buf(x.size() * chunk);
  for (std::size_t cell = 0; cell < x.size(); ++cell) {
    std::copy_n(x[cell].begin() + static_cast<std::ptrdiff_t>(first), n,
                buf.begin() + static_cast<std::ptrdiff_t>(cell * chunk));
  }
  acc.consume_unordered(core::ChunkView{first, n, chunk, buf.data(), &layout});
}

// Each chunk's record (mean, m2, min, max) has the bits of the plain loop over
// one cell in draw order, whatever vector width computes it: 9 cells (two
// groups of four and one more), a last chunk of 4093 draws (not a multiple of
// four), signed zeros, infinities and a NaN.
TEST(SummaryChunkRecords, SameBitsAsThePlainLoopOverEachCell) {
  constexpr std::uint64_t CHUNK = 4096, DRAWS = 2 * CHUNK - 3;
  constexpr int CELLS = 9;
  const core::CellLayout layout({{"x", "1", "one indicator", false}}, CELLS, 1);
  std::vector<std::vector<double>> x(CELLS, std::vector<double>(DRAWS));
  for (int cell = 0; cell < CELLS; ++cell) {
    for (std::uint64_t i = 0; i < DRAWS; ++i) {
      x[cell][i] = std::sin(0.1 * static_cast<double>(i) + cell) * std::pow(10.0, cell - 4);
    }
  }
  x[2][7] = -0.0;
  x[2][8] = 0.0;
  x[3][100] = std::numeric_limits<double>::infinity();
  x[5][4095] = -std::numeric_limits<double>::infinity();
  x[8][5000] = std::numeric_limits<double>::quiet_NaN();
  for (const std::string& target : core::simd_targets()) {
    SCOPED_TRACE(target);
    const core::ScopedSimdTarget pin(target);
    core::SummaryAccumulator acc(layout, {}, DRAWS, CHUNK);
    for (std::uint64_t c = 0; c < 2; ++c)
      consume_chunk(acc, layout, x, c, CHUNK);
    const core::SummaryState st = acc.save(DRAWS);
    ASSERT_EQ(st.chunk_stats.size(), 2u * CELLS * 4u);
    for (std::uint64_t c = 0; c < 2; ++c) {
      const std::size_t first = c * CHUNK, n = std::min(CHUNK, DRAWS - first);
      for (int cell = 0; cell < CELLS; ++cell) {
        const double* v = x[cell].data() + first;
        double sum = 0, lo = v[0], hi = v[0];
        for (std::size_t i = 0; i < n; ++i) {
          sum += v[i];
          lo = std::min(lo, v[i]);
          hi = std::max(hi, v[i]);
        }
        const double mean = sum * (1.0 / static_cast<double>(n));
        double m2 = 0;
        for (std::size_t i = 0; i < n; ++i) {
          const double d = v[i] - mean;
          m2 += d * d;
        }
        const double expected[4] = {mean, m2, lo, hi};
        const char* const names[4] = {"mean", "m2", "min", "max"};
        const double* got = &st.chunk_stats[(c * CELLS + cell) * 4];
        for (int k = 0; k < 4; ++k) {
          EXPECT_EQ(0, std::memcmp(&got[k], &expected[k], sizeof(double)))
              << "chunk " << c << ", cell " << cell << ", " << names[k] << ": calculated " << got[k]
              << ", expected " << expected[k];
        }
      }
    }
  }
}

// The exact selection bins values with a SIMD kernel; every target finds the
// same bins, so the same order statistics: the selection's quantiles equal
// nth_element's (quantile_type7) on data that take the histogram path (more
// than four values a bin on average), with and without the extremes given,
// and on data with values outside the extremes given (the fallback).
TEST(SummaryQuantile, ExactSelectionSameOnEveryTarget) {
  constexpr std::size_t N = 5 * core::HIST_BINS + 3;
  std::vector<double> x(N);
  for (std::size_t i = 0; i < N; ++i)
    x[i] = std::sin(0.37 * static_cast<double>(i)) * std::exp(static_cast<double>(i % 17) / 4.0);
  const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  const core::Extremes known{*lo, *hi};
  const core::Extremes too_narrow{*lo / 2, *hi / 2};
  std::vector<double> expected(5);
  for (int q = 0; q < 5; ++q) {
    std::vector<double> copy = x;
    expected[static_cast<std::size_t>(q)] = core::quantile_type7(copy, core::QUANTILE_PROBS[q]);
  }
  for (const std::string& target : core::simd_targets()) {
    SCOPED_TRACE(target);
    const core::ScopedSimdTarget pin(target);
    for (const core::Extremes* e :
         {&known, &too_narrow, static_cast<const core::Extremes*>(nullptr)}) {
      std::vector<double> out(5), scratch;
      core::quantiles_type7(x.data(), N, core::QUANTILE_PROBS, 5, out.data(), scratch, e);
      for (std::size_t q = 0; q < 5; ++q)
        EXPECT_EQ(std::memcmp(&out[q], &expected[q], sizeof(double)), 0)
            << "p = " << core::QUANTILE_PROBS[q] << ": calculated " << out[q] << ", expected "
            << expected[q];
    }
  }
}

// Chunks whose values of a cell are all one value leave the store untouched
// (the chunk's record holds it). Quantiles, saved values and a restored run
// are still exactly those of every value: cells of one value throughout, one
// value a chunk, one-value chunks among varied ones, signed zeros (equal, not
// the same bits: stored), NaN (never one value) and infinity (counted, and without statistics). 5
// chunks of 4096 draws, enough for the histogram selection.
TEST(SummaryOneValueChunks, QuantilesSavedValuesAndRestoreAsIfEveryValueWereStored) {
  constexpr std::uint64_t CHUNK = 4096, CHUNKS = 5, DRAWS = CHUNK * CHUNKS;
  constexpr int CELLS = 7;
  const core::CellLayout layout({{"x", "1", "one indicator", false}}, CELLS, 1);
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::vector<double>> x(CELLS, std::vector<double>(DRAWS));
  for (std::uint64_t i = 0; i < DRAWS; ++i) {
    const std::uint64_t c = i / CHUNK;
    const double varied = std::sin(0.37 * static_cast<double>(i)) * 100.0;
    x[0][i] = 7.25;                                         // one value throughout
    x[1][i] = static_cast<double>(c % 2);                   // one value a chunk
    x[2][i] = c == 1 || c == 3 ? varied : 5.0;              // mixed
    x[3][i] = c == 2 ? (i % 3 == 0 ? -0.0 : 0.0) : varied;  // signed zeros
    x[4][i] = c == 4 ? nan : varied;                        // NaN chunk
    x[5][i] = inf;                                          // infinity throughout
    x[6][i] = c == 0 ? -inf : varied;                       // one-value chunk of -inf
  }
  auto same = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
  auto expect_exact = [&](const core::ScenarioResult& r, const std::string& what) {
    ASSERT_EQ(r.summaries.size(), 1u);
    const auto& stats = r.summaries[0].stats;  // [stat][year]
    for (int cell = 0; cell < CELLS; ++cell) {
      std::vector<double> all = x[static_cast<std::size_t>(cell)];
      // A cell with a NaN or an infinity has no statistics (docs/guarantees.md).
      const bool not_numbers =
          std::any_of(all.begin(), all.end(), [](double v) { return !std::isfinite(v); });
      for (int q = 0; q < 5; ++q) {
        std::vector<double> copy = all;
        const double expected =
            not_numbers ? nan : core::quantile_type7(copy, core::QUANTILE_PROBS[q]);
        const double got = stats[static_cast<std::size_t>((3 + q) * CELLS + cell)];
        EXPECT_TRUE(same(got, expected))
            << what << ": cell " << cell << ", " << core::STAT_NAMES[3 + q] << ": calculated "
            << got << ", expected " << expected;
      }
    }
  };
  core::SummaryAccumulator acc(layout, {}, DRAWS, CHUNK);
  for (std::uint64_t c = CHUNKS; c-- > 0;)  // out of order
    consume_chunk(acc, layout, x, c, CHUNK);
  core::ScenarioResult r;
  acc.finish(DRAWS, r, 2);
  expect_exact(r, "whole run");
  EXPECT_TRUE(std::isnan(r.summaries[0].stats[static_cast<std::size_t>(2 * CELLS + 6)]));  // min
  // Counted, exactly: a chunk of NaN, every draw inf, a chunk of -inf.
  EXPECT_EQ(r.summaries[0].nonfinite,
            (std::vector<std::uint64_t>{0, 0, 0, 0, CHUNK, DRAWS, CHUNK}));
  // A checkpoint holds every value, bit for bit.
  const core::SummaryState saved = acc.save(3 * CHUNK);
  ASSERT_EQ(saved.values.size(), CELLS * 3 * CHUNK);
  for (int cell = 0; cell < CELLS; ++cell) {
    for (std::uint64_t i = 0; i < 3 * CHUNK; ++i) {
      std::uint64_t a, b;
      std::memcpy(&a, &saved.values[cell * 3 * CHUNK + i], 8);
      std::memcpy(&b, &x[static_cast<std::size_t>(cell)][i], 8);
      ASSERT_EQ(a, b) << "saved value of cell " << cell << ", draw " << i;
    }
  }
  // Resumed from it, the last two chunks added: the same bits as the whole run.
  core::SummaryAccumulator resumed(layout, {}, DRAWS, CHUNK);
  resumed.restore(saved);
  for (std::uint64_t c = 3; c < CHUNKS; ++c)
    consume_chunk(resumed, layout, x, c, CHUNK);
  core::ScenarioResult rr;
  resumed.finish(DRAWS, rr);
  ASSERT_EQ(rr.summaries.size(), 1u);
  const auto& a = r.summaries[0].stats;
  const auto& b = rr.summaries[0].stats;
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(double)));
}

// ---------------------------------------------------------------------------
// Mapping in the store's pages ahead of the writes (engine/stats/pages.hpp).

// Whether the running kernel is at least major.minor (uname's release).
bool kernel_at_least(int major, int minor) {
  utsname u{};
  if (uname(&u) != 0) return false;
  int a = 0, b = 0;
  if (std::sscanf(u.release, "%d.%d", &a, &b) != 2) return false;
  return a > major || (a == major && b >= minor);
}

TEST(Pages, PopulateMapsExactlyTheSpannedPagesAndKeepsTheirBytes) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  constexpr std::size_t PAGES = 16;
  void* m = mmap(nullptr, PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(m, MAP_FAILED);
  // Page by page, as the store is faulted in (no huge or multi-page folios).
  madvise(m, PAGES * page, MADV_NOHUGEPAGE);
  auto* bytes = static_cast<unsigned char*>(m);
  bytes[page + 5] = 42;  // page 1 is written before
  // From the middle of page 1 to the middle of page 4: pages 1 to 4.
  const bool done = core::populate_for_write(bytes + page + 100, 3 * page);
  if (kernel_at_least(5, 14)) {
    EXPECT_TRUE(done) << "MADV_POPULATE_WRITE refused";
  }
  std::vector<unsigned char> resident(PAGES);
  ASSERT_EQ(mincore(m, PAGES * page, resident.data()), 0);
  for (std::size_t i = 0; i < PAGES; ++i) {
    const bool expected = i == 1 || (done && i >= 1 && i <= 4);
    EXPECT_EQ((resident[i] & 1) != 0, expected) << "page " << i;
  }
  EXPECT_EQ(bytes[page + 5], 42);
  for (std::size_t i = page; i < 5 * page; ++i) {
    if (i != page + 5) {
      ASSERT_EQ(bytes[i], 0) << "byte " << i;
    }
  }
  EXPECT_FALSE(core::populate_for_write(nullptr, page));
  EXPECT_FALSE(core::populate_for_write(m, 0));
  munmap(m, PAGES * page);
}

}  // namespace
}  // namespace sectorsim
