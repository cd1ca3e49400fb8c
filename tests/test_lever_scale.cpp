// A lever's range (`levers.<lever>.scale`): a factor on every amount of the
// lever, drawn per draw, so that a lever becomes an input of a sensitivity
// analysis. A fixed factor of 2 gives what doubling the amounts in the file
// gives; a scenario without a scale draws exactly what it drew (the factor
// 1 multiplies exactly); the parameter sits after every other one, in block
// "levers"; the reader refuses a negative range and a fund scale with the
// demand term.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/config/config_error.hpp"
#include "engine/exec/runner.hpp"
#include "models/registry.hpp"
#include "models/sector_growth/sector_growth_model.hpp"
#include "tests/collect_sink.hpp"
#include "tests/support.hpp"

namespace sectorsim {
namespace {

using core::Prior;
using testing::CollectSink;
using testing::sg;

CollectSink simulate(const core::ScenarioSpec& spec, std::uint64_t draws = 500) {
  const models::SectorGrowthModel model(spec);
  CollectSink sink;
  core::RunOptions opt;
  opt.draws = draws;
  opt.seed = 5;
  opt.threads = 2;
  opt.batch = 64;
  core::run_draws(model, opt, {&sink});
  return sink;
}

core::ScenarioSpec with_levers() {
  auto spec = testing::uncertain_two_sector_spec();
  auto& m = sg(spec);
  m.counts.push_back({});
  auto& k = m.counts.back();
  k.id = "firms";
  k.description = "firms";
  k.base = 20;
  k.driven_by = {1, 1};
  k.entry_rate = Prior::fixed(3);
  k.exit_rate = Prior::fixed(0.05);
  k.fund_effect = Prior::fixed(0.1);
  k.space_effect = Prior::fixed(0.01);
  const std::size_t n = static_cast<std::size_t>(spec.n_years());
  m.levers.land_release.assign(n, 0.0);
  m.levers.land_release[2] = 3.0;
  m.levers.land_share = {0.5, 0.5};
  m.globals.space_cost = Prior::fixed(0.02);
  m.globals.land_cost = Prior::fixed(0.01);
  return spec;
}

// Every lever's amounts doubled in the file against a fixed scale of 2: the
// same values, to rounding (the factor multiplies at another step).
TEST(LeverScale, AFixedFactorOfTwoIsTheLeverDoubled) {
  auto doubled = with_levers();
  auto& lv = sg(doubled).levers;
  for (auto& year : lv.funds)
    for (double& f : year)
      f *= 2;
  for (double& s : lv.space_release)
    s *= 2;
  for (double& l : lv.land_release)
    l *= 2;
  auto scaled = with_levers();
  sg(scaled).levers.fund_scale = Prior::fixed(2);
  sg(scaled).levers.space_scale = Prior::fixed(2);
  sg(scaled).levers.land_scale = Prior::fixed(2);
  ASSERT_GT(lv.land_release[2] * lv.space_release.back(), 0);
  const auto a = simulate(doubled);
  const auto b = simulate(scaled);
  ASSERT_EQ(a.values.size(), b.values.size());
  double worst = 0;
  for (std::size_t c = 0; c < a.values.size(); ++c) {
    for (std::size_t d = 0; d < a.values[c].size(); ++d) {
      const double x = a.values[c][d], y = b.values[c][d];
      worst = std::max(worst, std::fabs(x - y) / std::max(1.0, std::fabs(x)));
    }
  }
  EXPECT_LT(worst, 1e-12);
}

TEST(LeverScale, AScenarioWithoutOneDrawsWhatItDrew) {
  auto plain = with_levers();
  auto one = with_levers();
  sg(one).levers.fund_scale = Prior::fixed(1);
  sg(one).levers.space_scale = Prior::fixed(1);
  sg(one).levers.land_scale = Prior::fixed(1);
  const models::SectorGrowthModel a(plain), b(one);
  ASSERT_EQ(b.parameters().size(), a.parameters().size() + 3);
  EXPECT_EQ(b.parameters().back().name, "land.scale");
  EXPECT_EQ(b.parameters().back().block, "levers");
  // The parameters before the scales are the same, so the same uniforms
  // reach them (Monte Carlo streams are per dimension): the same bits.
  EXPECT_TRUE(simulate(plain).values == simulate(one).values);
}

// A drawn scale moves the outcome with it, draw by draw: with every other
// input shared (the scale is the last parameter), a factor drawn above 1.5
// never gives less value added than 1.5 fixed, and one below never more
// (more fund money never lowers value added, MODEL.md checks).
TEST(LeverScale, ADrawnFundScaleMovesEveryDrawWithTheFactor) {
  auto fixed = with_levers();
  sg(fixed).levers.fund_scale = Prior::fixed(1.5);
  auto above = with_levers();
  sg(above).levers.fund_scale = Prior::uniform(2, 3);
  auto below = with_levers();
  sg(below).levers.fund_scale = Prior::uniform(0, 1);
  const models::SectorGrowthModel model(fixed);
  const int va = model.layout().cell(1, fixed.n_years() - 1);  // service_va, last year
  const auto at = simulate(fixed, 2000);
  const auto hi = simulate(above, 2000);
  const auto lo = simulate(below, 2000);
  int higher = 0, lower = 0;
  for (std::size_t d = 0; d < 2000; ++d) {
    ASSERT_GE(hi.cell(va)[d], at.cell(va)[d]) << d;
    ASSERT_LE(lo.cell(va)[d], at.cell(va)[d]) << d;
    higher += hi.cell(va)[d] > at.cell(va)[d];
    lower += lo.cell(va)[d] < at.cell(va)[d];
  }
  EXPECT_EQ(higher, 2000);
  EXPECT_EQ(lower, 2000);
}

constexpr const char* LUOHU_PLAN = SECTORSIM_SOURCE_DIR "/scenarios/luohu/plan-2022-2025.yaml";

std::string load_error(const std::string& yaml) {
  try {
    models::load_scenario_text(std::string("extends: ") + LUOHU_PLAN + "\n" + yaml, "s.yaml");
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(LeverScale, ReadFromTheFileAndRefusedWhereItCannotBe) {
  const auto spec = models::load_scenario_text(
      std::string("extends: ") + LUOHU_PLAN +
          "\nlevers:\n  funds:\n    scale: {dist: uniform, low: 0.5, high: 1.5, estimate: "
          "\"a range\"}\n",
      "s.yaml");
  ASSERT_TRUE(sg(spec).levers.fund_scale.has_value());
  EXPECT_DOUBLE_EQ(sg(spec).levers.fund_scale->mean(), 1.0);
  const auto model = models::make_model(spec);
  EXPECT_EQ(model->parameters().back().name, "funds.scale");
  const std::string negative =
      load_error("levers:\n  space:\n    scale: {dist: uniform, low: -1, high: 1}\n");
  EXPECT_NE(negative.find("s.yaml:4:12: levers.space.scale"), std::string::npos) << negative;
}

}  // namespace
}  // namespace sectorsim
