// The counterfactual and the cost side (MODEL.md 8.2-8.3): additionality and
// displacement scale the levers' effects as their definitions say, the
// present values of cost and revenue match their closed forms, and a
// comparison's appraisal (benefit-cost ratio, cost per unit of value added,
// P(revenue > cost)) agrees with the per-draw values it summarises.
#include "engine/stats/appraisal.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/exec/runner.hpp"
#include "engine/run/run.hpp"
#include "models/sector_growth/sector_growth_model.hpp"
#include "tests/collect_sink.hpp"
#include "tests/support.hpp"

namespace sectorsim {
namespace {

using core::Prior;
using testing::CollectSink;
using testing::sg;

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

int series_index(const std::string& name) {
  const auto& all = models::sector_growth_declaration().series;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].name == name) return static_cast<int>(i);
  throw std::invalid_argument(name);
}

CollectSink simulate(const core::ScenarioSpec& spec, std::uint64_t draws) {
  const models::SectorGrowthModel model(spec);
  CollectSink sink;
  core::RunOptions opt;
  opt.draws = draws;
  opt.seed = spec.run.seed;
  core::run_draws(model, opt, {&sink});
  return sink;
}

double value(const CollectSink& sink, const models::SectorGrowthModel& model,
             const std::string& series, int year, int sector = 0, std::size_t draw = 0) {
  return sink.cell(model.layout().cell(series_index(series), year, sector)).at(draw);
}

// A difference summary whose year y holds `mean[y]` as its mean (and as
// every other statistic, shifted so that each is distinct).
core::SeriesSummary diff_of(const std::string& name, const std::vector<double>& mean) {
  core::SeriesSummary d;
  d.info.name = name;
  const std::size_t ny = mean.size();
  d.stats.assign(core::N_DIFF_STATS * ny, 0.0);
  for (int s = 0; s < core::N_DIFF_STATS; ++s)
    for (std::size_t y = 0; y < ny; ++y)
      d.stats[static_cast<std::size_t>(s) * ny + y] = mean[y] + s;
  return d;
}

const core::AppraisalDecl DECL{"pv_cost", "pv_revenue", "real_gdp", "discount_rate"};

core::Comparison synthetic() {
  core::Comparison c;
  c.draws = 1000;
  c.diffs = {diff_of("pv_cost", {0, 10, 20, 30}), diff_of("pv_revenue", {0, 1, 2, 6}),
             diff_of("real_gdp", {0, 5, 7, 11})};
  return c;
}

TEST(Appraisal, RatiosComeFromTheEndYearMeans) {
  const auto a = core::appraise(synthetic(), DECL, 0.05, 250);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->cost.mean, 30.0);
  EXPECT_EQ(a->cost.ci_low, 31.0);  // statistic 1 of the end year
  EXPECT_EQ(a->cost.p05, 34.0);     // statistic 4
  EXPECT_EQ(a->cost.p95, 35.0);     // statistic 5
  EXPECT_EQ(a->revenue.mean, 6.0);
  EXPECT_EQ(a->net, 6.0 - 30.0);
  EXPECT_DOUBLE_EQ(a->bcr, 6.0 / 30.0);
  // Value added: the yearly mean differences after the base year, discounted
  // at 5%: 5/1.05 + 7/1.05^2 + 11/1.05^3 (hand computation).
  const double pv = 5 / 1.05 + 7 / (1.05 * 1.05) + 11 / (1.05 * 1.05 * 1.05);
  EXPECT_NEAR(a->value_added.mean, pv, 1e-12);
  EXPECT_TRUE(std::isnan(a->value_added.ci_low));
  EXPECT_TRUE(std::isnan(a->value_added.p95));
  EXPECT_NEAR(a->cost_per_value_added, 30.0 / pv, 1e-12);
  EXPECT_EQ(a->discount_rate, 0.05);
  const core::Proportion want = core::wilson(250, 1000);
  EXPECT_EQ(a->revenue_exceeds_cost.p, 0.25);
  EXPECT_EQ(a->revenue_exceeds_cost.low, want.low);
  EXPECT_EQ(a->revenue_exceeds_cost.high, want.high);
}

TEST(Appraisal, RatiosAreNotNumbersWithoutExtraCostOrValueAdded) {
  core::Comparison c = synthetic();
  c.diffs[0] = diff_of("pv_cost", {0, -1, -2, -3});  // the mix costs less
  c.diffs[2] = diff_of("real_gdp", {0, -5, -7, -11});
  const auto a = core::appraise(c, DECL, 0.05, 0);
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(std::isnan(a->bcr));
  EXPECT_TRUE(std::isnan(a->cost_per_value_added));
}

TEST(Appraisal, NothingWhereASeriesIsMissing) {
  core::Comparison c = synthetic();
  c.diffs.pop_back();
  EXPECT_FALSE(core::appraise(c, DECL, 0.05, 0).has_value());
}

// ------------------------------------------------------------ the model

// Additionality 0: fund money buys nothing that would not have happened, so
// a scenario with funds has the value added of one without, bit for bit.
TEST(ModelCounterfactual, NoAdditionalityMeansNoFundEffect) {
  auto without = testing::two_sector_spec();
  const std::size_t n = static_cast<std::size_t>(without.n_years());
  sg(without).globals.additionality = Prior::fixed(0.0);
  auto with = without;
  sg(with).levers.funds.assign(n, {0.0, 0.0});
  sg(with).levers.funds[1] = {10.0, 2.0};
  const models::SectorGrowthModel m0(without), m1(with);
  const CollectSink a = simulate(without, 2), b = simulate(with, 2);
  for (int t = 0; t < without.n_years(); ++t) {
    EXPECT_EQ(value(a, m0, "va", t, 0), value(b, m1, "va", t, 0)) << t;
    EXPECT_EQ(value(a, m0, "capital", t, 1), value(b, m1, "capital", t, 1)) << t;
  }
}

// Additionality a: the fund's investment is a * m * F (over the price
// index), so capital in the year of the money is (1 - delta) K + iota Y + a m F.
TEST(ModelCounterfactual, AdditionalityScalesTheFundsInvestment) {
  auto spec = testing::two_sector_spec();
  const std::size_t n = static_cast<std::size_t>(spec.n_years());
  sg(spec).levers.funds.assign(n, {0.0, 0.0});
  sg(spec).levers.funds[1] = {10.0, 0.0};
  sg(spec).globals.additionality = Prior::fixed(0.4);
  const models::SectorGrowthModel model(spec);
  const CollectSink sink = simulate(spec, 1);
  // K0 = 2 * 200 = 400; K1 = 0.92 * 400 + 0.2 * 200 + 0.4 * 2.5 * 10 * exp(-0.015).
  const double k1 = 0.92 * 400 + 0.2 * 200 + 0.4 * 2.5 * 10 * std::exp(-0.015);
  EXPECT_NEAR(value(sink, model, "capital", 1, 0), k1, 1e-12 * k1);
}

// Displacement d: of the released space occupied, only the share 1 - d is
// new to the district. d = 1 leaves space as without the release.
TEST(ModelCounterfactual, DisplacementScalesTheReleasedSpace) {
  auto spec = testing::two_sector_spec();
  const std::size_t n = static_cast<std::size_t>(spec.n_years());
  sg(spec).levers.space_release.assign(n, 0.0);
  sg(spec).levers.space_release[1] = 20.0;
  sg(spec).levers.space_share = {1.0, 0.0};
  sg(spec).globals.displacement = Prior::fixed(0.25);
  const models::SectorGrowthModel model(spec);
  const CollectSink sink = simulate(spec, 1);
  // S1 = 400 * 1.01 + 20 * occupancy 0.75 * shape 0.40 * (1 - 0.25).
  EXPECT_NEAR(value(sink, model, "space", 1, 0), 400 * 1.01 + 20 * 0.75 * 0.40 * 0.75, 1e-12);

  auto none = spec;
  sg(none).globals.displacement = Prior::fixed(1.0);
  auto without = spec;
  sg(without).levers.space_release.assign(n, 0.0);
  const models::SectorGrowthModel m1(none), m0(without);
  const CollectSink a = simulate(none, 1), b = simulate(without, 1);
  for (int t = 0; t < spec.n_years(); ++t)
    EXPECT_EQ(value(a, m1, "va", t, 0), value(b, m0, "va", t, 0)) << t;
}

// The present values, written out: cost_t = F_t + c_s S_t + c_l L_t (S, L
// released so far), revenue_t = share * total tax_t, each times exp(-t pi)
// (1 + r)^-t, summed over t = 1..T; zero in the base year.
TEST(ModelAppraisal, PresentValuesMatchTheirClosedForm) {
  auto spec = testing::two_sector_spec(2022, 2026);
  const std::size_t n = static_cast<std::size_t>(spec.n_years());
  auto& m = sg(spec);
  m.levers.funds.assign(n, {0.0, 0.0});
  m.levers.funds[1] = {3.0, 1.0};
  m.levers.funds[3] = {2.0, 0.0};
  m.levers.space_release.assign(n, 0.0);
  m.levers.space_release[1] = 10.0;
  m.levers.space_release[2] = 5.0;
  m.levers.space_share = {0.5, 0.5};
  m.levers.land_release.assign(n, 0.0);
  m.levers.land_release[2] = 4.0;
  m.levers.land_share = {1.0, 0.0};
  m.globals.revenue_share = Prior::fixed(0.15);
  m.globals.space_cost = Prior::fixed(0.05);
  m.globals.land_cost = Prior::fixed(0.02);
  m.globals.discount_rate = Prior::fixed(0.08);
  const models::SectorGrowthModel model(spec);
  const CollectSink sink = simulate(spec, 2);
  const double fund[] = {0, 4, 0, 2, 0}, space[] = {0, 10, 15, 15, 15}, land[] = {0, 0, 4, 4, 4};
  double cost = 0, revenue = 0;
  for (int t = 0; t < spec.n_years(); ++t) {
    const double factor = std::exp(-0.015 * t) * std::pow(1.08, -t);
    if (t > 0) {
      cost += (fund[t] + 0.05 * space[t] + 0.02 * land[t]) * factor;
      revenue += 0.15 * value(sink, model, "total_tax", t) * factor;
    }
    for (std::size_t d = 0; d < 2; ++d) {
      EXPECT_NEAR(value(sink, model, "pv_public_cost", t, 0, d), cost, 1e-12 * (1 + cost)) << t;
      EXPECT_NEAR(value(sink, model, "pv_district_revenue", t, 0, d), revenue,
                  1e-12 * (1 + revenue))
          << t;
    }
  }
}

// ------------------------------------------------------------ a comparison

// P(revenue > cost) is counted draw by draw: the same count recomputed from
// the two scenarios' own draws; the means are the comparison's.
TEST(CompareAppraisal, CountsTheDrawsWhoseRevenueExceedsTheirCost) {
  auto base = testing::uncertain_two_sector_spec();
  base.name = "base";
  auto& g = sg(base).globals;
  // Wide enough that extra revenue exceeds extra cost in some draws only.
  g.revenue_share = Prior::uniform(0.1, 0.9);
  g.space_cost = Prior::uniform(0.0, 0.01);
  g.discount_rate = Prior::fixed(0.08);
  auto plan = base;
  plan.name = "plan";
  const std::size_t n = static_cast<std::size_t>(base.n_years());
  sg(plan).levers.space_release.assign(n, 40.0);
  const std::uint64_t draws = 400;
  run::RunOptions o;
  o.overrides.draws = draws;
  o.execution.threads = 2;
  const run::CompareOutcome out = run::compare_scenarios({base, plan}, 0, o);
  ASSERT_EQ(out.comparisons.size(), 1u);
  ASSERT_TRUE(out.comparisons[0].appraisal.has_value());
  const core::Appraisal& a = *out.comparisons[0].appraisal;

  const models::SectorGrowthModel mb(base), mp(plan);
  const CollectSink sb = simulate(base, draws), sp = simulate(plan, draws);
  const int last = base.n_years() - 1;
  std::uint64_t exceeds = 0;
  double cost = 0, revenue = 0;
  for (std::size_t d = 0; d < draws; ++d) {
    const double dc =
        value(sp, mp, "pv_public_cost", last, 0, d) - value(sb, mb, "pv_public_cost", last, 0, d);
    const double dr = value(sp, mp, "pv_district_revenue", last, 0, d) -
                      value(sb, mb, "pv_district_revenue", last, 0, d);
    exceeds += dr > dc ? 1 : 0;
    cost += dc;
    revenue += dr;
  }
  EXPECT_GT(exceeds, 0u);
  EXPECT_LT(exceeds, draws);  // the case is not decided in every draw
  EXPECT_EQ(a.revenue_exceeds_cost.p, static_cast<double>(exceeds) / draws);
  EXPECT_NEAR(a.cost.mean, cost / draws, 1e-9 * std::fabs(cost / draws));
  EXPECT_NEAR(a.revenue.mean, revenue / draws, 1e-9 * std::fabs(revenue / draws));
  EXPECT_NEAR(a.bcr, revenue / cost, 1e-9);
  EXPECT_EQ(a.discount_rate, 0.08);
}

}  // namespace
}  // namespace sectorsim
