// The checks of docs/model.md, Checks on the sector-growth model: hand-computed
// deterministic paths, closed-form moments under Gaussian shocks, monotonicity
// in fund injections, and the base year reproducing the data.
#include "models/sector_growth/sector_growth_model.hpp"

#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/exec/runner.hpp"
#include "tests/collect_sink.hpp"
#include "tests/support.hpp"

namespace sectorsim {
namespace {

using core::Prior;
using testing::CollectSink;
using testing::sg;

int series_index(const std::string& name) {
  const auto& all = models::sector_growth_declaration().series;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].name == name) return static_cast<int>(i);
  throw std::invalid_argument(name);
}

CollectSink simulate(const core::ScenarioSpec& spec, std::uint64_t draws, int threads = 1,
                     std::size_t batch = 64) {
  const models::SectorGrowthModel model(spec);
  CollectSink sink;
  core::RunOptions opt;
  opt.draws = draws;
  opt.seed = spec.run.seed;
  opt.threads = threads;
  opt.batch = batch;
  core::run_draws(model, opt, {&sink});
  return sink;
}

double value(const CollectSink& sink, const models::SectorGrowthModel& model,
             const std::string& series, int year, int sector = 0, std::size_t draw = 0) {
  return sink.cell(model.layout().cell(series_index(series), year, sector)).at(draw);
}

// Deterministic growth accounting, recomputed here line by line from
// docs/model.md (an independent path through the equations).
struct HandPath {
  std::vector<double> y, k, s;
};

HandPath hand_path(const models::SectorData& sec, const models::GlobalParams& g, int years,
                   const std::vector<double>& funds, const std::vector<double>& absorbed) {
  const auto& p = sec.params;
  HandPath h;
  h.y.push_back(sec.base_va);
  h.k.push_back(p.capital_output.mean() * sec.base_va);
  h.s.push_back(sec.base_space);
  for (int t = 1; t < years; ++t) {
    // Real capital: last year's value added and this year's fund money,
    // each over its price index exp(year * pi).
    const double pi = g.price_growth.mean();
    const double invest =
        p.investment_rate.mean() * h.y.back() * std::exp(-(t - 1) * pi) +
        p.fund_leverage.mean() * funds[static_cast<std::size_t>(t)] * std::exp(-t * pi);
    const double k = (1 - p.depreciation.mean()) * h.k.back() + invest;
    const double s =
        h.s.back() * (1 + p.space_growth.mean()) + absorbed[static_cast<std::size_t>(t)];
    const double dlnk = std::log(k / h.k.back());
    const double dlns = std::log(s / h.s.back());
    const double growth = p.tfp_growth.mean() + g.price_growth.mean() +
                          p.capital_elasticity.mean() * dlnk + p.space_elasticity.mean() * dlns +
                          p.labour_elasticity.mean() * p.labour_growth.mean();
    h.y.push_back(h.y.back() * std::exp(growth));
    h.k.push_back(k);
    h.s.push_back(s);
  }
  return h;
}

void expect_rel(double got, double want, double tol, const std::string& what) {
  EXPECT_LE(std::fabs(got - want), tol * std::fabs(want))
      << what << ": got " << got << ", want " << want;
}

TEST(ModelDeterministic, NoLeversNoShocksMatchesHandComputation) {
  auto spec = testing::two_sector_spec();
  sg(spec).sectors[0].params.labour_elasticity = Prior::fixed(0.3);
  sg(spec).sectors[0].params.labour_growth = Prior::fixed(0.01);
  const models::SectorGrowthModel model(spec);
  const CollectSink sink = simulate(spec, 3);
  const int ny = spec.n_years();
  const std::vector<double> zeros(static_cast<std::size_t>(ny), 0.0);
  for (int j = 0; j < 2; ++j) {
    const HandPath h = hand_path(sg(spec).sectors[j], sg(spec).globals, ny, zeros, zeros);
    for (int t = 0; t < ny; ++t) {
      for (std::size_t d = 0; d < 3; ++d) {
        expect_rel(value(sink, model, "va", t, j, d), h.y[t], 1e-13, "va");
        expect_rel(value(sink, model, "capital", t, j, d), h.k[t], 1e-13, "capital");
        expect_rel(value(sink, model, "space", t, j, d), h.s[t], 1e-13, "space");
      }
    }
  }
  // Year 1 growth of sector 0 written out: gA + pi + alpha dlnK + gamma dlnS + beta dlnL
  // with K0 = 2*200 = 400, K1 = 0.92*400 + 0.2*200 = 408, S1/S0 = 1.01.
  const double g1 =
      0.02 + 0.015 + 0.35 * std::log(408.0 / 400.0) + 0.10 * std::log(1.01) + 0.3 * 0.01;
  expect_rel(std::log(value(sink, model, "va", 1, 0) / 200.0), g1, 1e-13, "year-1 growth");
}

TEST(ModelDeterministic, BaseYearReproducesData) {
  const auto spec = testing::two_sector_spec();
  const models::SectorGrowthModel model(spec);
  const CollectSink sink = simulate(spec, 5);
  for (std::size_t d = 0; d < 5; ++d) {
    EXPECT_EQ(value(sink, model, "va", 0, 0, d), 200.0);
    EXPECT_EQ(value(sink, model, "va", 0, 1, d), 50.0);
    EXPECT_EQ(value(sink, model, "space", 0, 1, d), 100.0);
    EXPECT_EQ(value(sink, model, "district_gdp", 0, 0, d), 250.0);
    EXPECT_EQ(value(sink, model, "service_va", 0, 0, d), 200.0);
    EXPECT_EQ(value(sink, model, "service_share", 0, 0, d), 0.8);
    EXPECT_EQ(value(sink, model, "modern_producer_share", 0, 0, d), 1.0);
    EXPECT_EQ(value(sink, model, "city_gdp", 0, 0, d), 5000.0);
    EXPECT_EQ(value(sink, model, "pillar_count", 0, 0, d), 1.0);  // 200 > 150, 50 < 150
    EXPECT_DOUBLE_EQ(value(sink, model, "total_tax", 0, 0, d), 0.3 * 200 + 0.2 * 50);
    EXPECT_DOUBLE_EQ(value(sink, model, "service_tax_share", 0, 0, d), 60.0 / 70.0);
    EXPECT_DOUBLE_EQ(value(sink, model, "gdp_per_km2", 0, 0, d), 25.0);
    EXPECT_DOUBLE_EQ(value(sink, model, "area_output_ratio", 0, 0, d), 25.0 / (5000.0 / 100.0));
    EXPECT_DOUBLE_EQ(value(sink, model, "revenue", 0, 0, d), 400.0);
  }
}

TEST(ModelDeterministic, FundsSpaceAndLandFollowTheirSchedules) {
  auto spec = testing::two_sector_spec(2022, 2027);
  const int ny = spec.n_years();
  const std::size_t n = static_cast<std::size_t>(ny);
  sg(spec).levers.funds.assign(n, {0.0, 0.0});
  sg(spec).levers.funds[1] = {10.0, 2.0};
  sg(spec).levers.funds[2] = {5.0, 0.0};
  sg(spec).levers.space_release.assign(n, 0.0);
  sg(spec).levers.space_release[1] = 20.0;
  sg(spec).levers.space_share = {0.75, 0.25};
  sg(spec).levers.land_release.assign(n, 0.0);
  sg(spec).levers.land_release[1] = 3.0;  // 12 of floor space after 2.5 years: 6 in t=3, 6 in t=4
  sg(spec).levers.land_share = {0.5, 0.5};
  sg(spec).globals.construction_lag = Prior::fixed(2.5);
  sg(spec).globals.fund_lag = Prior::fixed(1.0);
  const models::SectorGrowthModel model(spec);
  const CollectSink sink = simulate(spec, 2);

  // Released space: 20 in t=1, absorbed 0.75 * (0.40, 0.35, 0.25) in t = 1, 2, 3.
  // Land: 3 * 4 = 12 of space, half completed in t=3 and half in t=4 (lag 2.5),
  // each absorbed 0.75 * (0.40, 0.35, 0.25) from its completion year.
  const double occ = 0.75;
  const std::vector<double> shape = {0.40, 0.35, 0.25};
  std::vector<double> abs_space(n, 0.0), abs_land(n, 0.0);
  for (std::size_t k = 0; k < 3; ++k)
    abs_space[1 + k] += 20.0 * occ * shape[k];
  for (std::size_t k = 0; k < 3; ++k) {
    if (3 + k < n) abs_land[3 + k] += 6.0 * occ * shape[k];
    if (4 + k < n) abs_land[4 + k] += 6.0 * occ * shape[k];
  }
  for (int j = 0; j < 2; ++j) {
    std::vector<double> funds(n, 0.0), absorbed(n, 0.0);
    for (std::size_t t = 1; t < n; ++t) {
      funds[t] = sg(spec).levers.funds[t - 1][j];  // fund lag of one year
      absorbed[t] = sg(spec).levers.space_share[j] * abs_space[t] +
                    sg(spec).levers.land_share[j] * abs_land[t];
    }
    const HandPath h = hand_path(sg(spec).sectors[j], sg(spec).globals, ny, funds, absorbed);
    for (int t = 0; t < ny; ++t) {
      expect_rel(value(sink, model, "space", t, j), h.s[t], 1e-13, "space t=" + std::to_string(t));
      expect_rel(value(sink, model, "capital", t, j), h.k[t], 1e-13,
                 "capital t=" + std::to_string(t));
      expect_rel(value(sink, model, "va", t, j), h.y[t], 1e-13, "va t=" + std::to_string(t));
    }
  }
}

TEST(ModelDeterministic, DemandTermAddsLeontiefValueAdded) {
  auto spec = testing::two_sector_spec();
  const std::size_t n = static_cast<std::size_t>(spec.n_years());
  sg(spec).levers.funds.assign(n, {0.0, 0.0});
  sg(spec).levers.funds[2] = {4.0, 1.0};
  auto with = spec;
  sg(with).demand.enabled = true;
  sg(with).demand.technical = {{0.1, 0.2}, {0.3, 0.1}};
  sg(with).demand.spend_share = 0.5;
  const models::SectorGrowthModel m0(spec), m1(with);
  const CollectSink a = simulate(spec, 1), b = simulate(with, 1);
  // (I - A)^-1 for A = [[0.1, 0.2], [0.3, 0.1]]: det = 0.81 - 0.06 = 0.75,
  // inverse = [[0.9, 0.2], [0.3, 0.9]] / 0.75; final demand f = (2.0, 0.5).
  const double x0 = (0.9 * 2.0 + 0.2 * 0.5) / 0.75, x1 = (0.3 * 2.0 + 0.9 * 0.5) / 0.75;
  EXPECT_NEAR(value(b, m1, "va", 2, 0) - value(a, m0, "va", 2, 0), 0.5 * x0, 1e-12);
  EXPECT_NEAR(value(b, m1, "va", 2, 1) - value(a, m0, "va", 2, 1), 0.25 * x1, 1e-12);
  // A transient level effect: other years are untouched.
  EXPECT_EQ(value(b, m1, "va", 3, 0), value(a, m0, "va", 3, 0));
  EXPECT_EQ(value(b, m1, "va", 1, 0), value(a, m0, "va", 1, 0));
}

// With alpha = gamma = beta = 0 the growth of ln Y is gA + pi + e, so
// ln Y_H - ln Y_0 = H (gA + pi) + sum_t e_t with e_t = rho e_{t-1} + u_t:
// normal with mean H (gA + pi) and variance vol^2 sum_k ((1 - rho^(H-k+1)) / (1 - rho))^2.
class ModelShocks : public ::testing::TestWithParam<double> {};

TEST_P(ModelShocks, LogOutputAtHorizonHasClosedFormMoments) {
  const double rho = GetParam();
  auto spec = testing::two_sector_spec(2022, 2026);
  const double vol[2] = {0.04, 0.03};
  for (int j = 0; j < 2; ++j) {
    auto& p = sg(spec).sectors[j].params;
    p.capital_elasticity = Prior::fixed(0.0);
    p.space_elasticity = Prior::fixed(0.0);
    p.volatility = Prior::fixed(vol[j]);
  }
  sg(spec).globals.shock_persistence = Prior::fixed(rho);
  sg(spec).globals.city_volatility = Prior::fixed(0.02);
  const int h = spec.end_year - spec.base_year;
  const std::uint64_t draws = 40000;
  const models::SectorGrowthModel model(spec);
  const CollectSink sink = simulate(spec, draws, 2, 128);

  double weight2 = 0;
  for (int k = 1; k <= h; ++k) {
    const double w = rho == 0 ? 1.0 : (1 - std::pow(rho, h - k + 1)) / (1 - rho);
    weight2 += w * w;
  }
  std::vector<double> x[2];
  for (int j = 0; j < 2; ++j) {
    const auto& vals = sink.cell(model.layout().cell(series_index("va"), h, j));
    for (double v : vals)
      x[j].push_back(std::log(v / sg(spec).sectors[j].base_va));
    const double mean_expected =
        h * (sg(spec).sectors[j].params.tfp_growth.mean() + sg(spec).globals.price_growth.mean());
    const double var_expected = vol[j] * vol[j] * weight2;
    const double nn = static_cast<double>(draws);
    const double mean = std::accumulate(x[j].begin(), x[j].end(), 0.0) / nn;
    double var = 0;
    for (double v : x[j])
      var += (v - mean) * (v - mean);
    var /= nn - 1;
    testing::expect_within_se("mean of ln Y_H/Y_0, sector " + std::to_string(j), mean,
                              mean_expected, std::sqrt(var_expected / nn), 4.0);
    // Normal data: se of the sample variance is var * sqrt(2 / (n - 1)).
    testing::expect_within_se("variance of ln Y_H/Y_0, sector " + std::to_string(j), var,
                              var_expected, var_expected * std::sqrt(2.0 / (nn - 1)), 4.0);
  }
  // Correlation between the sectors: corr(u0, u1) = 0.5 whatever rho (same weights).
  const double nn = static_cast<double>(draws);
  double m0 = 0, m1 = 0;
  for (std::size_t i = 0; i < draws; ++i) {
    m0 += x[0][i];
    m1 += x[1][i];
  }
  m0 /= nn;
  m1 /= nn;
  double c = 0, v0 = 0, v1 = 0;
  for (std::size_t i = 0; i < draws; ++i) {
    c += (x[0][i] - m0) * (x[1][i] - m1);
    v0 += (x[0][i] - m0) * (x[0][i] - m0);
    v1 += (x[1][i] - m1) * (x[1][i] - m1);
  }
  const double r = c / std::sqrt(v0 * v1);
  // Fisher: se of a sample correlation is about (1 - r^2) / sqrt(n).
  testing::expect_within_se("correlation of sectors", r, 0.5, (1 - 0.25) / std::sqrt(nn), 4.0);
  // The city: ln(city_H / city_0) ~ N(H (g + pi), H vol^2), iid shocks; its
  // prices grow by the district's price_growth.
  const auto& city = sink.cell(model.layout().cell(series_index("city_gdp"), h));
  double cm = 0;
  for (double v : city)
    cm += std::log(v / 5000.0);
  cm /= nn;
  testing::expect_within_se(
      "mean of ln city_H/city_0", cm,
      h * (sg(spec).globals.city_real_growth.mean() + sg(spec).globals.price_growth.mean()),
      std::sqrt(h * 0.02 * 0.02 / nn), 4.0);
}

INSTANTIATE_TEST_SUITE_P(Persistence, ModelShocks, ::testing::Values(0.0, 0.5));

// One deflator for the district and the city (docs/model.md, "The city"):
// with every shock at 0 the district-to-city ratio is the same whatever the
// price growth, and the real series are the nominal ones over exp(t pi).
TEST(ModelPrices, AreaRatioDoesNotDependOnPriceGrowth) {
  auto low = testing::two_sector_spec(2022, 2030);
  // two_sector_spec has no levers: no fund money, whose real value prices
  // do change.
  auto high = low;
  sg(low).globals.price_growth = Prior::fixed(-0.02);
  sg(high).globals.price_growth = Prior::fixed(0.05);
  const models::SectorGrowthModel model(low);
  const CollectSink a = simulate(low, 4);
  const CollectSink b = simulate(high, 4);
  for (int y = 0; y <= 8; ++y) {
    const double ra = value(a, model, "area_output_ratio", y);
    const double rb = value(b, model, "area_output_ratio", y);
    // The same ratio up to rounding (prices enter both sides through exp).
    EXPECT_NEAR(ra, rb, 1e-12 * ra) << "year " << 2022 + y;
    // Nominal GDP does depend on it: the test is not vacuous.
    if (y > 0) {
      EXPECT_GT(value(b, model, "district_gdp", y), value(a, model, "district_gdp", y));
    }
  }
}

TEST(ModelPrices, RealSeriesAreNominalOverThePriceIndex) {
  auto spec = testing::two_sector_spec(2022, 2027);
  sg(spec).globals.price_growth = Prior::uniform(-0.02, 0.04);
  for (int j = 0; j < 2; ++j)
    sg(spec).sectors[j].params.volatility = Prior::fixed(0.03);
  const models::SectorGrowthModel model(spec);
  const std::size_t draws = 300;
  const CollectSink sink = simulate(spec, draws, 2, 64);
  // The draw's price growth, read off the city (no city shock here): city
  // GDP grows by exp(g_city + pi) a year.
  ASSERT_EQ(sg(spec).globals.city_volatility.sd(), 0.0);
  const double g_city = sg(spec).globals.city_real_growth.mean();
  for (std::size_t d = 0; d < draws; ++d) {
    const double pi = std::log(value(sink, model, "city_gdp", 1, 0, d) / 5000.0) - g_city;
    ASSERT_GE(pi, -0.02 - 1e-12);
    ASSERT_LE(pi, 0.04 + 1e-12);
    for (int y = 0; y <= 5; ++y) {
      const double index = std::exp(y * pi);
      for (const auto& [real, nominal] : {std::pair{"real_district_gdp", "district_gdp"}}) {
        const double r = value(sink, model, real, y, 0, d);
        const double n = value(sink, model, nominal, y, 0, d);
        if (y == 0) {
          EXPECT_EQ(r, n) << real << ": the base year is at its own prices";
        } else {
          EXPECT_NEAR(r * index, n, 1e-11 * n) << real << " " << 2022 + y << " draw " << d;
        }
      }
    }
  }
}

// Common random numbers: raising a fund injection raises value added in every
// draw and year when m > 0 and alpha > 0 (capital and then output are higher).
TEST(ModelMonotone, MoreFundsNeverLowerValueAdded) {
  auto spec = testing::two_sector_spec(2022, 2026);
  for (auto& sec : sg(spec).sectors) {
    auto& p = sec.params;
    p.capital_elasticity = Prior::uniform(0.25, 0.45);
    p.fund_leverage = Prior::pert(1.0, 2.5, 5.0);
    p.investment_rate = Prior::uniform(0.1, 0.25);
    p.volatility = Prior::uniform(0.02, 0.06);
  }
  sg(spec).globals.fund_lag = Prior::uniform(0.0, 1.0);
  sg(spec).globals.shock_persistence = Prior::uniform(0.0, 0.5);
  const std::size_t n = static_cast<std::size_t>(spec.n_years());
  sg(spec).levers.funds.assign(n, {0.0, 0.0});
  sg(spec).levers.funds[1] = {3.0, 1.0};
  auto more = spec;
  sg(more).levers.funds[1] = {6.0, 1.0};
  sg(more).levers.funds[3] = {0.0, 2.0};
  const models::SectorGrowthModel model(spec);
  const CollectSink a = simulate(spec, 5000), b = simulate(more, 5000);
  const int va = series_index("va");
  for (int t = 0; t < spec.n_years(); ++t) {
    for (int j = 0; j < 2; ++j) {
      const auto& lo = a.cell(model.layout().cell(va, t, j));
      const auto& hi = b.cell(model.layout().cell(va, t, j));
      for (std::size_t d = 0; d < lo.size(); ++d) {
        ASSERT_GE(hi[d], lo[d]) << "draw " << d << " year " << t << " sector " << j;
      }
    }
  }
  const auto& lo = a.cell(model.layout().cell(series_index("district_gdp"), spec.n_years() - 1));
  const auto& hi = b.cell(model.layout().cell(series_index("district_gdp"), spec.n_years() - 1));
  EXPECT_GT(std::accumulate(hi.begin(), hi.end(), 0.0), std::accumulate(lo.begin(), lo.end(), 0.0));
}

TEST(ModelSpec, RejectsInconsistentSizes) {
  auto spec = testing::two_sector_spec();
  sg(spec).levers.space_share = {1.0};
  EXPECT_THROW(models::SectorGrowthModel{spec}, std::invalid_argument);
  spec = testing::two_sector_spec();
  sg(spec).sectors[0].base_va = 0;
  EXPECT_THROW(models::SectorGrowthModel{spec}, std::invalid_argument);
}

TEST(ModelSpec, SingularCorrelationUsesSymmetricRoot) {
  auto spec = testing::two_sector_spec();
  sg(spec).correlation = {{1.0, 1.0, 0.0}, {1.0, 1.0, 0.0}, {0.0, 0.0, 1.0}};
  const models::SectorGrowthModel model(spec);
  const auto& f = model.shock_factor();
  // F F^T must reproduce the matrix.
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      double s = 0;
      for (int k = 0; k < 3; ++k)
        s += f[i * 3 + k] * f[j * 3 + k];
      EXPECT_NEAR(s, sg(spec).correlation[i][j], 1e-12);
    }
}

}  // namespace
}  // namespace sectorsim

namespace sectorsim {
namespace {

// A modern/producer weight may be a prior: drawn per draw, it makes even the
// base year's share a draw (the data fix value added, not the weight). With
// one service sector the base-year share is the weight itself.
TEST(ModelWeights, APriorWeightIsDrawnAndMovesTheBaseYearShare) {
  auto spec = testing::two_sector_spec();
  sg(spec).sectors[0].modern_producer_weight = Prior::uniform(0.2, 0.6);
  const models::SectorGrowthModel model(spec);
  ASSERT_EQ(model.parameters().back().name, "industry.modern_producer_weight");
  EXPECT_TRUE(model.parameters().back().prior.is_fixed());  // not a service: 0
  const std::uint64_t n = 4000;
  const CollectSink sink = simulate(spec, n);
  double sum = 0, lo = 1, hi = 0;
  for (std::size_t d = 0; d < n; ++d) {
    const double w = value(sink, model, "modern_producer_share", 0, 0, d);
    sum += w;
    lo = std::min(lo, w);
    hi = std::max(hi, w);
  }
  EXPECT_GE(lo, 0.2);
  EXPECT_LE(hi, 0.6);
  // Uniform(0.2, 0.6): mean 0.4, sd 0.4 / sqrt(12).
  testing::expect_within_se("mean weight", sum / n, 0.4, 0.4 / std::sqrt(12.0 * n), 4);
  // A fixed weight keeps the base year's share exact data.
  sg(spec).sectors[0].modern_producer_weight = Prior::fixed(0.3);
  const models::SectorGrowthModel fixed(spec);
  const CollectSink f = simulate(spec, 3);
  for (std::size_t d = 0; d < 3; ++d)
    EXPECT_EQ(value(f, fixed, "modern_producer_share", 0, 0, d), 0.3 * 200.0 / 200.0);
}

}  // namespace
}  // namespace sectorsim
