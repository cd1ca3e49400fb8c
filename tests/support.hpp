// Shared helpers of the test suite: small hand-built scenarios and the
// QuantLib-style statistical check that prints calculated, expected, error
// and tolerance on failure.
#pragma once

#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "engine/spec/scenario_spec.hpp"
#include "models/sector_growth/sector_growth_spec.hpp"

namespace sectorsim::testing {

/// Whether the suite runs under CI (CI set, and not "false" or "0"): there a
/// missing Python module or tool is a failure, not a skip, so that a check
/// cannot pass with nothing checked.
inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && *ci != '\0' && std::string(ci) != "false" && std::string(ci) != "0";
}

/// Skips the test, or fails it under CI, with `message`.
#define SECTORSIM_SKIP_OR_FAIL_IN_CI(message)                               \
  do {                                                                      \
    if (::sectorsim::testing::in_ci()) FAIL() << message << " (CI is set)"; \
    GTEST_SKIP() << message;                                                \
  } while (false)

/// The sector-growth block of a spec (region data, sectors' data, priors,
/// levers, demand); throws if the spec holds none.
inline models::SectorGrowthSpec& sg(core::ScenarioSpec& s) {
  return models::sector_growth(s);
}
inline const models::SectorGrowthSpec& sg(const core::ScenarioSpec& s) {
  return models::sector_growth(s);
}

/// A two-sector region (one service sector, one not) over base_year ... end_year
/// with every parameter fixed, no levers, no shocks: the deterministic case.
inline core::ScenarioSpec two_sector_spec(int base_year = 2022, int end_year = 2025) {
  using core::Prior;
  core::ScenarioSpec s;
  s.name = "two-sector";
  s.base_year = base_year;
  s.end_year = end_year;
  s.region = {"r", "Region", "区"};
  models::SectorGrowthSpec m;
  m.region = {10.0, 100.0, 5000.0, 150.0};
  for (int i = 0; i < 2; ++i) {
    core::SectorSpec sec;
    sec.id = i == 0 ? "services" : "industry";
    sec.name_en = sec.id;
    sec.name_zh = i == 0 ? "服务业" : "工业";
    s.sectors.push_back(sec);
    models::SectorData d;
    d.service = i == 0;
    d.modern = i == 0;
    d.base_va = i == 0 ? 200.0 : 50.0;
    d.base_space = i == 0 ? 400.0 : 100.0;
    d.va_ratio = i == 0 ? 0.5 : 0.25;
    auto& p = d.params;
    p.tfp_growth = Prior::fixed(i == 0 ? 0.02 : 0.01);
    p.capital_elasticity = Prior::fixed(0.35);
    p.space_elasticity = Prior::fixed(0.10);
    p.labour_elasticity = Prior::fixed(0.0);
    p.labour_growth = Prior::fixed(0.0);
    p.depreciation = Prior::fixed(0.08);
    p.capital_output = Prior::fixed(2.0);
    p.investment_rate = Prior::fixed(0.20);
    p.fund_leverage = Prior::fixed(2.5);
    p.space_growth = Prior::fixed(0.01);
    p.volatility = Prior::fixed(0.0);
    p.tax_rate = Prior::fixed(i == 0 ? 0.3 : 0.2);
    m.sectors.push_back(d);
  }
  auto& g = m.globals;
  g.price_growth = Prior::fixed(0.015);
  g.shock_persistence = Prior::fixed(0.0);
  g.city_real_growth = Prior::fixed(0.045);  // 6% nominal with price_growth
  g.city_volatility = Prior::fixed(0.0);
  g.occupancy = Prior::fixed(0.75);
  g.plot_ratio = Prior::fixed(4.0);
  g.construction_lag = Prior::fixed(2.0);
  g.fund_lag = Prior::fixed(0.0);
  m.absorption = {0.4, 0.35, 0.25};
  m.correlation = {{1.0, 0.5, 0.3}, {0.5, 1.0, 0.3}, {0.3, 0.3, 1.0}};
  s.model = models::SECTOR_GROWTH;
  s.model_block = core::ModelBlockValue(std::make_unique<models::SectorGrowthSpec>(std::move(m)));
  s.run.draws = 1000;
  s.run.seed = 42;
  return s;
}

/// Expect |calculated - expected| <= tolerance_se * standard_error.
inline void expect_within_se(const std::string& what, double calculated, double expected,
                             double standard_error, double tolerance_se) {
  const double err = std::fabs(calculated - expected);
  EXPECT_LE(err, tolerance_se * standard_error)
      << what << ": calculated " << calculated << ", expected " << expected << ", error " << err
      << " (" << err / standard_error << " standard errors), tolerance " << tolerance_se
      << " standard errors (se " << standard_error << ")";
}

/// The two-sector region with every parameter uncertain (one prior of each
/// family), fund and space levers, 2022-2030: 32 parameter and 24 shock
/// dimensions per draw, two targets (one relative to the base year).
inline core::ScenarioSpec uncertain_two_sector_spec() {
  using core::Prior;
  auto spec = testing::two_sector_spec(2022, 2030);
  auto& m = sg(spec);
  for (auto& sec : m.sectors) {
    auto& p = sec.params;
    p.tfp_growth = Prior::normal(0.02, 0.01);
    p.capital_elasticity = Prior::uniform(0.25, 0.45);
    p.fund_leverage = Prior::pert(1.0, 2.5, 5.0);
    p.volatility = Prior::triangular(0.02, 0.04, 0.06);
    p.tax_rate = Prior::beta(4, 12);
    p.depreciation = Prior::truncated_normal(0.075, 0.02, 0.05, 0.10);
    p.capital_output = Prior::lognormal(0.8, 0.2);
  }
  m.globals.shock_persistence = Prior::uniform(0.0, 0.5);
  m.globals.occupancy = Prior::beta(6, 2);
  m.globals.construction_lag = Prior::uniform(2, 4);
  const std::size_t n = static_cast<std::size_t>(spec.n_years());
  m.levers.funds.assign(n, {1.0, 0.5});
  m.levers.space_release.assign(n, 5.0);
  m.levers.space_share = {0.6, 0.4};
  spec.targets = {{"gdp", "", "", "district_gdp", 2030, core::Op::Greater, 330.0, std::nullopt},
                  {"double", "", "", "revenue.services", 2030, core::Op::GreaterEqual, 1.4, 2022}};
  return spec;
}

}  // namespace sectorsim::testing
