// Back-tests (MODEL.md 8.5): a scenario's `backtest:` values are scored
// against the run's own draws of their cells, the same on any number of
// threads, stored in /backtest and read back, printed by `sectorsim
// backtest` and drawn in the report; bad observations are refused at their
// line.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/config/config_error.hpp"
#include "engine/exec/runner.hpp"
#include "engine/io/results_reader.hpp"
#include "engine/report/report.hpp"
#include "engine/run/run.hpp"
#include "models/registry.hpp"
#include "models/sector_growth/sector_growth_model.hpp"
#include "shell.hpp"
#include "tests/collect_sink.hpp"
#include "tests/support.hpp"

namespace sectorsim {
namespace {

const std::string CLI = SECTORSIM_CLI;
const std::string LUOHU = std::string(SECTORSIM_SOURCE_DIR) + "/scenarios/luohu/";

class Backtest : public testing::ScratchDirTest {
 protected:
  std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

core::ScenarioSpec spec_with_observations() {
  core::ScenarioSpec spec = testing::uncertain_two_sector_spec();
  spec.backtest = {
      {"district_gdp", 2024, 290.0}, {"va.industry", 2026, 61.0}, {"district_gdp", 2030, 400.0}};
  return spec;
}

// Every score is score_forecast of the cell's draws, recomputed here from a
// run of the model alone; 1 and 2 threads give the same bits.
TEST_F(Backtest, ScoresAreThoseOfTheRunsOwnDraws) {
  const core::ScenarioSpec spec = spec_with_observations();
  run::RunOptions o;
  o.overrides.draws = 3000;
  o.execution.threads = 2;
  o.output.file = file("bt.h5");
  const run::RunOutcome two = run::run_scenario(spec, o);
  ASSERT_TRUE(two.backtest.has_value());
  o.execution.threads = 1;
  o.output.file = file("bt1.h5");
  const run::RunOutcome one = run::run_scenario(spec, o);

  const models::SectorGrowthModel model(spec);
  testing::CollectSink sink;
  core::RunOptions ro;
  ro.draws = 3000;
  ro.seed = spec.run.seed;
  core::run_draws(model, ro, {&sink});
  const auto& decl = models::sector_growth_declaration().series;
  auto index = [&](const std::string& name) {
    for (std::size_t i = 0; i < decl.size(); ++i)
      if (decl[i].name == name) return static_cast<int>(i);
    return -1;
  };
  const int cells[] = {model.layout().cell(index("district_gdp"), 2, 0),
                       model.layout().cell(index("va"), 4, 1),
                       model.layout().cell(index("district_gdp"), 8, 0)};
  for (std::size_t k = 0; k < 3; ++k) {
    const core::ForecastScore want =
        core::score_forecast(sink.cell(cells[k]), spec.backtest[k].value);
    const core::ForecastScore& got = two.backtest->scores[k];
    EXPECT_EQ(got.pit, want.pit) << k;
    EXPECT_EQ(got.crps, want.crps) << k;
    EXPECT_EQ(got.p05, want.p05) << k;
    EXPECT_EQ(got.p95, want.p95) << k;
    EXPECT_EQ(one.backtest->scores[k].crps, got.crps) << k;
  }
  // The file holds the same, and a report draws it.
  std::string scenario;
  const auto stored = io::read_backtest(file("bt.h5"), &scenario);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(scenario, spec.name);
  ASSERT_EQ(stored->scores.size(), 3u);
  EXPECT_EQ(stored->observations[1].indicator, "va.industry");
  EXPECT_EQ(stored->observations[1].year, 2026);
  EXPECT_EQ(stored->scores[2].crps, two.backtest->scores[2].crps);
  EXPECT_EQ(stored->summary.in90.p, two.backtest->summary.in90.p);
  EXPECT_EQ(stored->summary.pit_histogram, two.backtest->summary.pit_histogram);
  const std::string page = report::render_report(file("bt.h5"));
  EXPECT_NE(page.find("<section id=\"backtest\">"), std::string::npos);
  EXPECT_NE(page.find("data-chart=\"backtest\""), std::string::npos);
  // A file without a back-test has none, and its report no such section.
  core::ScenarioSpec plain = spec;
  plain.backtest.clear();
  o.output.file = file("plain.h5");
  EXPECT_FALSE(run::run_scenario(plain, o).backtest.has_value());
  EXPECT_FALSE(io::read_backtest(file("plain.h5")).has_value());
  EXPECT_EQ(report::render_report(file("plain.h5")).find("<section id=\"backtest\">"),
            std::string::npos);
}

TEST_F(Backtest, ObservationsAreCheckedLikeTargets) {
  std::ofstream(file("bt.yaml")) << "extends: " << LUOHU << "baseline.yaml\n"
                                 << "backtest:\n"
                                 << "  - {indicator: district_gdp, year: 2022, value: 1, "
                                    "source: x}\n"
                                 << "  - {indicator: service_vat, year: 2023, value: 1, "
                                    "source: x}\n"
                                 << "  - {indicator: city_gdp, year: 2031, value: 1, source: x}\n";
  const auto r = testing::sh(CLI + " validate " + file("bt.yaml"));
  EXPECT_EQ(r.status, 2) << r.out;
  const std::string f = file("bt.yaml");
  EXPECT_EQ(r.out, f +
                       ":3:37: backtest[0].year: the base year is data, not a forecast: "
                       "observe a year after 2022\n" +
                       f +
                       ":4:17: backtest[1].indicator: unknown indicator 'service_vat' (did "
                       "you mean 'service_va'?)\n" +
                       f + ":5:33: backtest[2].year: year must be in 2022..2025 (got 2031)\n");
}

TEST_F(Backtest, CommandScoresTheShippedBacktestAndRefusesAScenarioWithout) {
  const auto r = testing::sh(CLI + " backtest " + LUOHU +
                             "backtest-2023-2025.yaml --draws 4000 -o " + file("bt.h5"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("Back-test: each published value against the forecast's draws"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("district_gdp            2023  2808.2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("over 5 observations"), std::string::npos) << r.out;
  const auto none = testing::sh(CLI + " backtest " + LUOHU + "baseline.yaml -o " + file("x.h5"));
  EXPECT_EQ(none.status, 2) << none.out;
  EXPECT_NE(none.out.find("baseline.yaml: no observations to score"), std::string::npos)
      << none.out;
  EXPECT_FALSE(std::filesystem::exists(file("x.h5")));
}

// The historical cases (docs/backtest.md): regions of base 2015 and 2018 with
// priors calibrated on the data up to their base year, each scored on the
// four years after it. They validate strictly and score all 8 values.
TEST_F(Backtest, HistoricalCasesValidateAndScoreEveryValue) {
  const std::string cases[] = {"backtests/base-2015/backtest-2016-2019.yaml",
                               "backtests/base-2018/backtest-2019-2022.yaml"};
  for (const std::string& c : cases) {
    const auto v = testing::sh(CLI + " validate --strict " + LUOHU + c);
    EXPECT_EQ(v.status, 0) << v.out;
    EXPECT_NE(v.out.find(", 2 sectors, "), std::string::npos) << v.out;
    const auto r = testing::sh(CLI + " backtest " + LUOHU + c + " --draws 2000 -o " + file("h.h5") +
                               " --overwrite");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("over 8 observations"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace sectorsim
