// `sectorsim calibrate` (MODEL.md 8.4): on a fixture with a known answer
// (simulated series whose mean, volatility, deflator, persistence and
// correlation are set) it recovers each within its standard error; the
// shipped Luohu fragment is what the shipped recipe gives from the shipped
// data; bad recipes and ambiguous data are refused with their line.
#include "engine/analysis/calibrate.hpp"

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/analysis/calibration.hpp"
#include "engine/config/calibration_reader.hpp"
#include "engine/config/config_error.hpp"
#include "engine/io/calibration_io.hpp"
#include "shell.hpp"
#include "tests/support.hpp"

namespace sectorsim {
namespace {

namespace fs = std::filesystem;
using testing::expect_within_se;

const std::string CLI = SECTORSIM_CLI;
const std::string SRC = SECTORSIM_SOURCE_DIR;

constexpr int FIRST = 1801, LAST = 2000;  // 200 simulated years
constexpr double MEAN = 0.05, SD = 0.02, DEFLATOR = 0.015, DEFLATOR_SD = 0.01, RHO = 0.5;
constexpr double CORRELATION = 0.6;

core::DataRow row(const std::string& indicator, int year, double value) {
  return {"Sim", indicator, "1", year, value, "sim.csv", year - FIRST + 2};
}

// The fixture: independent normal growth (MEAN, SD); nominal levels whose
// deflator against that real growth is N(DEFLATOR, DEFLATOR_SD); an AR(1)
// series with coefficient RHO; three sector series and a city series with
// correlation CORRELATION between every pair.
std::vector<core::DataRow> fixture() {
  std::mt19937_64 rng(20261206);
  std::normal_distribution<double> z(0.0, 1.0);
  std::vector<core::DataRow> rows;
  double level = 100, ar = 0;
  const double load = std::sqrt(CORRELATION), own = std::sqrt(1 - CORRELATION);
  rows.push_back(row("level", FIRST - 1, level));
  for (int y = FIRST; y <= LAST; ++y) {
    const double g = MEAN + SD * z(rng);
    const double d = DEFLATOR + DEFLATOR_SD * z(rng);
    level *= (1 + g) * (1 + d);
    rows.push_back(row("growth", y, g));
    rows.push_back(row("level", y, level));
    ar = RHO * ar + SD * z(rng);
    rows.push_back(row("ar", y, MEAN + ar));
    const double common = z(rng);
    for (const char* s : {"s1", "s2", "s3", "city"})
      rows.push_back(row(s, y, MEAN + SD * (load * common + own * z(rng))));
  }
  return rows;
}

core::DataSeriesRef ref(const std::string& indicator) {
  return {"Sim", indicator, "", "recipe.yaml:1:1"};
}

core::CalibrationRecipe recipe() {
  core::CalibrationRecipe r;
  r.file = "recipe.yaml";
  r.first_year = FIRST;
  r.last_year = LAST;
  r.horizon = 1;
  auto item = [](const char* p, core::CalibrationMethod m, const char* series) {
    core::CalibrationItem c;
    c.parameter = p;
    c.method = m;
    c.growth = ref(series);
    c.low = -1;
    c.high = 1;
    c.where = "recipe.yaml:2:3";
    return c;
  };
  r.priors.push_back(item("trend", core::CalibrationMethod::MeanGrowth, "growth"));
  r.priors.push_back(item("vol", core::CalibrationMethod::Volatility, "growth"));
  r.priors.push_back(item("price", core::CalibrationMethod::Deflator, "growth"));
  r.priors.back().levels = ref("level");
  r.priors.push_back(item("rho", core::CalibrationMethod::Persistence, "ar"));
  r.correlation = core::CorrelationItem{ref("city"), {ref("s1"), ref("s2"), ref("s3")}, "x"};
  return r;
}

// The message calibrate() refuses with ("" if it does not).
std::string error_of(const core::CalibrationRecipe& r, const std::vector<core::DataRow>& rows) {
  try {
    analysis::calibrate(r, rows);
  } catch (const analysis::CalibrationError& e) {
    return e.what();
  }
  return "";
}

TEST(Calibrate, RecoversAKnownAnswerWithinItsStandardErrors) {
  const core::CalibrationResult r = analysis::calibrate(recipe(), fixture());
  ASSERT_EQ(r.priors.size(), 4u);
  const double n = LAST - FIRST + 1;
  expect_within_se("mean growth", r.priors[0].mean, MEAN, SD / std::sqrt(n), 3);
  // With horizon 1 the trend's prior sd is k sqrt(se^2 + sd^2), k the
  // Student t widening for n - 1 degrees of freedom.
  expect_within_se("its prior sd", r.priors[0].sd,
                   analysis::student_t_widening(LAST - FIRST) * SD * std::sqrt(1 + 1 / n),
                   SD / std::sqrt(2 * (n - 1)), 3);
  expect_within_se("volatility", r.priors[1].mean, SD, SD / std::sqrt(2 * (n - 1)), 3);
  expect_within_se("volatility's se", r.priors[1].sd, SD / std::sqrt(2 * (n - 1)),
                   SD / std::sqrt(2 * (n - 1)) / std::sqrt(2 * (n - 1)), 3);
  expect_within_se("deflator", r.priors[2].mean, DEFLATOR, DEFLATOR_SD / std::sqrt(n), 3);
  expect_within_se("persistence", r.priors[3].mean, RHO, std::sqrt((1 - RHO * RHO) / n), 3);
  // Correlations: each pair's estimate has se (1 - rho^2) / sqrt(n); the
  // means of 3 pairs are no worse.
  ASSERT_EQ(r.correlation.size(), 2u);
  EXPECT_EQ(r.correlation[0].key, "between_sectors");
  EXPECT_EQ(r.correlation[1].key, "with_city");
  const double se_r = (1 - CORRELATION * CORRELATION) / std::sqrt(n);
  expect_within_se("between sectors", r.correlation[0].value, CORRELATION, se_r, 3);
  expect_within_se("with the city", r.correlation[1].value, CORRELATION, se_r, 3);
  // Every note names the method, the window and the rows.
  EXPECT_NE(r.priors[2].note.find("the deflator implied by Sim 'level'"), std::string::npos)
      << r.priors[2].note;
  EXPECT_NE(r.priors[2].note.find("1801–2000, n = 200 years"), std::string::npos)
      << r.priors[2].note;
  EXPECT_NE(r.priors[2].note.find("Rows sim.csv:1,2,2,3,3,"), std::string::npos)
      << r.priors[2].note;
  EXPECT_NE(r.correlation[0].note.find("Ledoit-Wolf intensity"), std::string::npos);
}

TEST(Calibrate, BreaksAreLeftOutOfRatesButNotOfLevels) {
  // A deflator over three years with the middle one a break: the rate of the
  // break year goes, the next year's rate still uses the break year's level.
  std::vector<core::DataRow> rows = {row("level", 2000, 100),  row("level", 2001, 110),
                                     row("level", 2002, 90),   row("level", 2003, 99),
                                     row("growth", 2001, 0.1), row("growth", 2002, 0.0),
                                     row("growth", 2003, 0.05)};
  core::CalibrationRecipe r = recipe();
  r.first_year = 2001;
  r.last_year = 2003;
  r.exclude_years = {2002};
  r.priors = {r.priors[2]};
  r.correlation.reset();
  const core::CalibrationResult out = analysis::calibrate(r, rows);
  // 2001: 1.1 / 1.1 - 1 = 0; 2003: (99 / 90) / 1.05 - 1 = 0.047619...
  EXPECT_NEAR(out.priors[0].mean, (0.0 + (99.0 / 90.0 / 1.05 - 1)) / 2, 1e-15);
  EXPECT_NE(out.priors[0].note.find("2001–2003 except 2002 (breaks), n = 2 years"),
            std::string::npos)
      << out.priors[0].note;
}

TEST(Calibrate, NominalVolatilityDriftAndLessOnTheFixture) {
  core::CalibrationRecipe r = recipe();
  r.correlation.reset();
  // The volatility of the levels' growth: (1 + g)(1 + d) - 1 has sd
  // sqrt(SD^2 + DEFLATOR_SD^2) to first order (the product term adds
  // SD * DEFLATOR_SD, 1% of it here).
  r.priors[1].levels = ref("level");
  // A drift-free series: the line's forecast is its mean, within the line's se.
  r.priors[0].linear_drift = true;
  r.priors[0].less = 0.01;
  r.priors[0].less_reason = "a known part";
  const core::CalibrationResult out = analysis::calibrate(r, fixture());
  const double n = LAST - FIRST + 1;
  const double nominal = std::sqrt(SD * SD + DEFLATOR_SD * DEFLATOR_SD);
  expect_within_se("nominal volatility", out.priors[1].mean, nominal,
                   nominal / std::sqrt(2 * (n - 1)), 3);
  EXPECT_NE(out.priors[1].note.find("the growth of Sim 'level' (nominal levels: prices included)"),
            std::string::npos)
      << out.priors[1].note;
  // The line at the middle of the year after the window: se of a point a
  // half-window beyond the centre, sqrt(1/n + 3/n) SD for n years.
  expect_within_se("drift forecast less 0.01", out.priors[0].mean, MEAN - 0.01,
                   SD * std::sqrt(4 / n), 3);
  EXPECT_NE(out.priors[0].note.find("linear drift of Sim 'growth'"), std::string::npos)
      << out.priors[0].note;
  EXPECT_NE(out.priors[0].note.find("; less 1.00% (a known part), mean "), std::string::npos)
      << out.priors[0].note;
}

TEST(Calibrate, TwoRowsOfAYearNeedTheRecipeToChoose) {
  std::vector<core::DataRow> rows = fixture();
  rows.push_back(row("growth", 1900, 0.2));
  core::CalibrationRecipe r = recipe();
  EXPECT_EQ(error_of(r, rows),
            "recipe.yaml:1:1: Sim 'growth' has 2 rows for 1900 (sim.csv:101, sim.csv:101): a "
            "first release and a revision? say which with revisions: first or revisions: last");
  r.priors[0].growth.revisions = "last";
  r.priors[1].growth.revisions = "last";
  r.priors[2].growth.revisions = "last";
  EXPECT_NO_THROW(analysis::calibrate(r, rows));
}

TEST(Calibrate, TooFewYearsAndNoRowsAreSaid) {
  core::CalibrationRecipe r = recipe();
  r.first_year = 1801;
  r.last_year = 1802;
  r.correlation.reset();
  r.priors = {r.priors[1]};
  EXPECT_EQ(error_of(r, fixture()),
            "recipe.yaml:2:3: vol: 2 years of Sim 'growth' in 1801–1802, at least 3 needed");
  r.priors[0].growth.indicator = "nothing";
  EXPECT_EQ(error_of(r, fixture()),
            "recipe.yaml:1:1: no rows of Sim 'nothing' in 1801–1802 in the data tables");
}

// ------------------------------------------------------------ files and CLI

class CalibrateCli : public testing::ScratchDirTest {
 protected:
  void write(const std::string& name, const std::string& text) {
    std::ofstream(file(name)) << text;
  }
  std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void write_fixture_csv() {
    std::string csv = "region,indicator,year,value,unit,source,note\n";
    for (const core::DataRow& r : fixture()) {
      std::ostringstream v;
      v.precision(17);
      v << r.value;
      csv += r.region + "," + r.indicator + "," + std::to_string(r.year) + "," + v.str() +
             ",1,\"simulated, with a comma\",\n";
    }
    write("sim.csv", csv);
  }
};

// The shipped fragment is what the shipped recipe gives from the shipped
// data: `sectorsim calibrate` reproduces region.yaml's calibrated priors.
TEST_F(CalibrateCli, ReproducesTheShippedLuohuPriors) {
  const std::string shipped = SRC + "/scenarios/luohu/calibration/priors.yaml";
  const auto r = testing::sh(CLI + " calibrate " + SRC +
                             "/scenarios/luohu/calibration/recipe.yaml -o " + file("priors.yaml"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("price_growth"), std::string::npos) << r.out;
  // The first line names the recipe relative to the fragment, which differs here.
  auto body = [](std::string s) { return s.substr(s.find('\n')); };
  EXPECT_EQ(body(read(file("priors.yaml"))), body(read(shipped)))
      << "scenarios/luohu/calibration/priors.yaml is stale: run sectorsim calibrate "
         "scenarios/luohu/calibration/recipe.yaml --overwrite";
}

// The back-tests' fragments (docs/backtest.md) likewise: each is what its
// recipe gives, and extends the 2022 region for the judged priors.
TEST_F(CalibrateCli, ReproducesTheShippedBacktestPriors) {
  // The first line names the recipe, the extends line the base, both
  // relative to the fragment, which differs here.
  auto body = [](std::string s) {
    s = s.substr(s.find('\n'));
    const auto e = s.find("\nextends: ");
    return e == std::string::npos ? s : s.erase(e, s.find('\n', e + 1) - e);
  };
  for (const std::string base : {"base-2015", "base-2018"}) {
    const std::string dir = SRC + "/scenarios/luohu/backtests/" + base + "/";
    const auto r =
        testing::sh(CLI + " calibrate " + dir + "recipe.yaml -o " + file(base + ".yaml"));
    ASSERT_EQ(r.status, 0) << r.out;
    const std::string shipped = read(dir + "priors.yaml");
    EXPECT_NE(shipped.find("\nextends: \"../../region.yaml\"\n"), std::string::npos) << base;
    EXPECT_NE(shipped.find("\nsector_defaults:\n  tfp_growth:\n"), std::string::npos) << base;
    EXPECT_EQ(body(read(file(base + ".yaml"))), body(shipped))
        << "scenarios/luohu/backtests/" << base << "/priors.yaml is stale: run sectorsim "
        << "calibrate scenarios/luohu/backtests/" << base << "/recipe.yaml --overwrite";
  }
}

TEST_F(CalibrateCli, NewKeysAreCheckedAtTheirLine) {
  write("recipe.yaml",
        "calibration:\n"
        "  data: [sim.csv]\n"
        "  years: [1801, 2000]\n"
        "priors:\n"
        "  - parameter: sector_defaults.\n"
        "    method: mean_growth\n"
        "    growth: {region: Sim, indicator: growth}\n"
        "    bounds: [0, 0.1]\n"
        "  - parameter: vol\n"
        "    method: volatility\n"
        "    growth: {region: Sim, indicator: growth}\n"
        "    levels: {region: Sim, indicator: level}\n"
        "    bounds: [0, 0.1]\n"
        "  - parameter: vol\n"
        "    method: volatility\n"
        "    drift: linear\n"
        "    levels: {region: Sim, indicator: level}\n"
        "    bounds: [0, 0.1]\n"
        "  - parameter: trend\n"
        "    method: mean_growth\n"
        "    growth: {region: Sim, indicator: growth}\n"
        "    drift: quadratic\n"
        "    less: {value: 0.01}\n"
        "    bounds: [0, 0.1]\n"
        "  - parameter: trend\n"
        "    method: persistence\n"
        "    bounds: [0, 0.1]\n");
  try {
    config::read_calibration_recipe(file("recipe.yaml"));
    FAIL() << "no error";
  } catch (const config::ConfigError& e) {
    const std::string f = file("recipe.yaml");
    EXPECT_EQ(e.messages(),
              (std::vector<std::string>{
                  f + ":5:16: priors[0].parameter: expected a parameter name ('price_growth') or "
                      "a sector default ('sector_defaults.tfp_growth'), got 'sector_defaults.'",
                  f + ":12:13: priors[1].levels: method volatility reads 'growth' or 'levels', "
                      "not both",
                  f + ":16:12: priors[2].drift: only method mean_growth takes a drift",
                  f + ":22:12: priors[3].drift: expected 'none' or 'linear', got 'quadratic'",
                  f + ":25:5: priors[4]: missing 'growth'"}));
  }
}

TEST_F(CalibrateCli, LessNeedsItsReasonAndTheFragmentExtendsItsBase) {
  write_fixture_csv();
  write("base.yaml", "# a base\n");
  write("recipe.yaml",
        "calibration:\n"
        "  data: [sim.csv]\n"
        "  years: [1801, 2000]\n"
        "  extends: base.yaml\n"
        "priors:\n"
        "  - parameter: sector_defaults.tfp_growth\n"
        "    method: mean_growth\n"
        "    growth: {region: Sim, indicator: growth}\n"
        "    less: {value: 0.01}\n"
        "    bounds: [0, 0.1]\n");
  auto r = testing::sh(CLI + " calibrate " + file("recipe.yaml") + " -o " + file("out.yaml"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find(file("recipe.yaml") +
                       ":9:11: priors[0].less: needs 'estimate:' or 'source:' saying where the "
                       "amount comes from"),
            std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(file("out.yaml")));
  write("recipe.yaml",
        "calibration:\n"
        "  data: [sim.csv]\n"
        "  years: [1801, 2000]\n"
        "  extends: base.yaml\n"
        "priors:\n"
        "  - parameter: sector_defaults.tfp_growth\n"
        "    method: mean_growth\n"
        "    growth: {region: Sim, indicator: growth}\n"
        "    less: {value: 0.01, estimate: \"a known part\"}\n"
        "    bounds: [0, 0.1]\n");
  fs::create_directories(file("sub"));
  r = testing::sh(CLI + " calibrate " + file("recipe.yaml") + " -o " + file("sub/out.yaml"));
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string out = read(file("sub/out.yaml"));
  EXPECT_NE(out.find("\nextends: \"../base.yaml\"\n\nsector_defaults:\n  tfp_growth:\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("\nparameters:"), std::string::npos) << out;
  EXPECT_NE(out.find("less 1.00% (a known part)"), std::string::npos) << out;
}

TEST_F(CalibrateCli, FixtureEndToEnd) {
  write_fixture_csv();
  write("recipe.yaml",
        "calibration:\n"
        "  data: [sim.csv]\n"
        "  years: [1801, 2000]\n"
        "  horizon: 1\n"
        "  output: out.yaml\n"
        "priors:\n"
        "  - {parameter: trend, method: mean_growth, growth: {region: Sim, indicator: growth}, "
        "bounds: [0, 0.1]}\n"
        "correlation:\n"
        "  city: {region: Sim, indicator: city}\n"
        "  sectors: [{region: Sim, indicator: s1}, {region: Sim, indicator: s2}]\n");
  auto r = testing::sh(CLI + " calibrate " + file("recipe.yaml"));
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string text = read(file("out.yaml"));
  EXPECT_EQ(text.substr(0, 62), "# Calibrated priors, written by `sectorsim calibrate recipe.ya");
  EXPECT_NE(text.find("parameters:\n  trend:\n    dist: truncated_normal\n    mean: 0.0"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("shocks:\n  correlation:\n    between_sectors:\n      value: 0."),
            std::string::npos)
      << text;
  // An existing fragment is kept unless --overwrite.
  r = testing::sh(CLI + " calibrate " + file("recipe.yaml"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("exists"), std::string::npos) << r.out;
  EXPECT_EQ(read(file("out.yaml")), text);
  // --through shortens the window: a back-test's calibration.
  r = testing::sh(CLI + " calibrate " + file("recipe.yaml") + " --through 1900 -o " +
                  file("early.yaml"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(read(file("early.yaml")).find("1801–1900, n = 100"), std::string::npos);
}

TEST_F(CalibrateCli, RecipeErrorsNameTheirLine) {
  write("recipe.yaml",
        "calibration:\n"
        "  data: [sim.csv]\n"
        "  years: [2000, 1990]\n"
        "priors:\n"
        "  - parameter: trend\n"
        "    method: average\n"
        "    growth: {region: Sim, indicator: growth, revisions: newest}\n"
        "    bounds: [0, 0.1]\n");
  try {
    config::read_calibration_recipe(file("recipe.yaml"));
    FAIL() << "no error";
  } catch (const config::ConfigError& e) {
    const std::string f = file("recipe.yaml");
    EXPECT_EQ(e.messages(),
              (std::vector<std::string>{
                  f + ":3:10: calibration.years: the first year is after the last",
                  f + ":6:13: priors[0].method: unknown method 'average' (one of deflator, "
                      "mean_growth, volatility, persistence)"}));
  }
}

TEST_F(CalibrateCli, MalformedDataTableNamesItsLine) {
  write("bad.csv",
        "region,indicator,year,value,unit\nSim,growth,1801,0.05,1\nSim,growth,18o2,1,1\n");
  try {
    io::read_data_table(file("bad.csv"));
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_EQ(std::string(e.what()), file("bad.csv") + ":3: year '18o2' is not a year");
  }
  write("short.csv", "region,indicator,year,value\n");
  try {
    io::read_data_table(file("short.csv"));
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_EQ(std::string(e.what()), file("short.csv") + ":1: the header has no column 'unit'");
  }
}

}  // namespace
}  // namespace sectorsim
