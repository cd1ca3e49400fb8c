// The Ishigami model (models/ishigami): its moments against the closed form,
// through the library and through `sectorsim run`.
//
// Reference values: for x1, x2, x3 independent uniform on [-π, π],
//   E[y] = a/2,  Var[y] = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2
// (Ishigami and Homma 1990; Sobol' and Levitan 1999, eq. for the total
// variance). The standard error of the sample mean is sd/√n; that of the
// sample variance is √((m4 − s⁴)/n) with m4 the sample fourth central moment
// (the delta method; Kendall and Stuart, Advanced Theory of Statistics, 10.5).
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numbers>
#include <string>

#include <gtest/gtest.h>

#include "collect_sink.hpp"
#include "engine/exec/runner.hpp"
#include "engine/io/results_reader.hpp"
#include "models/ishigami/ishigami_model.hpp"
#include "models/registry.hpp"
#include "shell.hpp"
#include "support.hpp"

namespace sectorsim {
namespace {

const std::string SCENARIO = SECTORSIM_SOURCE_DIR "/scenarios/test-functions/ishigami.yaml";

double closed_form_mean(double a) {
  return a / 2;
}
double closed_form_variance(double a, double b) {
  const double pi = std::numbers::pi;
  return a * a / 8 + b * std::pow(pi, 4) / 5 + b * b * std::pow(pi, 8) / 18 + 0.5;
}

TEST(Ishigami, ShippedScenarioLoadsAsTheIshigamiModel) {
  const core::ScenarioSpec spec = models::load_scenario(SCENARIO, {.strict_provenance = true});
  EXPECT_EQ(spec.model, "ishigami");
  EXPECT_TRUE(spec.sectors.empty());
  EXPECT_EQ(spec.base_year, 1990);
  EXPECT_EQ(spec.end_year, 1990);
  const auto& block = spec.model_block.as<models::IshigamiSpec>("ishigami");
  EXPECT_EQ(block.a, 7.0);
  EXPECT_EQ(block.b, 0.1);
  const auto model = models::make_model(spec);
  EXPECT_EQ(model->declaration().name, "ishigami");
  ASSERT_EQ(model->parameters().size(), 3u);
  EXPECT_EQ(model->parameters()[2].name, "x3");
  EXPECT_EQ(model->n_shocks(), 0);
  ASSERT_EQ(model->layout().series().size(), 1u);
  EXPECT_EQ(model->layout().series()[0].name, "y");
}

TEST(Ishigami, MeanAndVarianceMatchTheClosedFormWithinTheirStandardErrors) {
  core::ScenarioSpec spec = models::load_scenario(SCENARIO);
  const auto model = models::make_model(spec);
  testing::CollectSink sink;
  core::RunOptions ro;
  ro.draws = 200000;
  ro.seed = 20261206;
  ro.threads = 2;
  core::run_draws(*model, ro, {&sink});
  const std::vector<double>& y = sink.values[0];
  ASSERT_EQ(y.size(), ro.draws);
  const double n = static_cast<double>(y.size());
  double mean = 0;
  for (double v : y)
    mean += v;
  mean /= n;
  double m2 = 0, m4 = 0;
  for (double v : y) {
    const double d = (v - mean) * (v - mean);
    m2 += d;
    m4 += d * d;
  }
  m2 /= n;
  m4 /= n;
  const double var = m2 * n / (n - 1);
  testing::expect_within_se("mean", mean, closed_form_mean(7), std::sqrt(var / n), 4);
  testing::expect_within_se("variance", var, closed_form_variance(7, 0.1),
                            std::sqrt((m4 - m2 * m2) / n), 4);
}

TEST(Ishigami, CoefficientsAndPriorsComeFromTheScenario) {
  const std::string text =
      "scenario: {name: ishi}\n"
      "model: ishigami\n"
      "horizon: {base_year: 2000}\n"
      "ishigami: {a: 2, b: 0, x1: {dist: uniform, low: 0, high: 1},\n"
      "           x2: 0.5, x3: 0.0}\n";
  const core::ScenarioSpec spec = models::load_scenario_text(text, "ishi.yaml");
  const auto model = models::make_model(spec);
  testing::CollectSink sink;
  core::RunOptions ro;
  ro.draws = 64;
  ro.seed = 1;
  core::run_draws(*model, ro, {&sink});
  // y = sin x1 + 2 sin²(0.5) with x1 in [0, 1]: within [2 sin²0.5, sin 1 + 2 sin²0.5].
  const double lo = 2 * std::sin(0.5) * std::sin(0.5);
  for (double v : sink.values[0]) {
    EXPECT_GE(v, lo);
    EXPECT_LE(v, lo + std::sin(1.0));
  }
}

TEST(Ishigami, ItsErrorsPointAtTheFile) {
  auto message = [](const std::string& text) {
    try {
      models::load_scenario_text(text, "ishi.yaml");
    } catch (const config::ConfigError& e) {
      std::string all;
      for (const auto& m : e.messages())
        all += m + "\n";
      return all;
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("scenario: {name: i}\nmodel: ishigami\nhorizon: {base_year: 2000}\n"
                    "ishigami: {a: 7, b: 0.1, x4: 1}\n"),
            "ishi.yaml:4:26: ishigami.x4: unknown key 'x4'\n");
  EXPECT_EQ(message("scenario: {name: i}\nmodel: ishigami\nhorizon: {base_year: 2000}\n"
                    "ishigami: {a: 7}\n"),
            "ishi.yaml:4:11: ishigami: missing 'b'\n");
  EXPECT_EQ(message("scenario: {name: i}\nmodel: ishigame\nhorizon: {base_year: 2000}\n"),
            "ishi.yaml:2:8: model: unknown model 'ishigame' (did you mean 'ishigami'?)\n");
  EXPECT_EQ(message("scenario: {name: i}\nmodel: ishigami\nhorizon: {base_year: 2000, "
                    "end_year: 2001}\nishigami: {a: 7, b: 0.1}\n"),
            "ishi.yaml:3:38: horizon.end_year: must be base_year (2000) or absent: model "
            "'ishigami' has no time (got 2001)\n");
  EXPECT_EQ(message("scenario: {name: i}\nmodel: ishigami\nhorizon: {base_year: 2000}\n"
                    "ishigami: {a: 7, b: 0.1}\ntargets: [{id: t, indicator: va, year: 2000, "
                    "op: '>', value: 1}]\n"),
            "ishi.yaml:5:30: targets.t.indicator: unknown indicator 'va'; known: y\n");
}

// Through the command line: a normal results file whose mean of y matches a/2.
TEST(Ishigami, RunsThroughTheCommandLineIntoANormalResultsFile) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("sectorsim-ishigami-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string out = (dir / "ishigami.h5").string();
  const testing::ShellResult run = testing::sh(std::string(SECTORSIM_CLI) + " run " + SCENARIO +
                                               " --draws 100000 --seed 7 -t 2 -q -o " + out);
  ASSERT_EQ(run.status, 0) << run.out;
  const core::ScenarioResult r = io::read_scenario(out, "ishigami");
  ASSERT_EQ(r.summaries.size(), 1u);
  EXPECT_EQ(r.summaries[0].info.name, "y");
  EXPECT_EQ(r.years, std::vector<int>{1990});
  const double mean = r.summaries[0].stats[0];
  const double sd = r.summaries[0].stats[1];
  testing::expect_within_se("mean from the file", mean, closed_form_mean(7),
                            sd / std::sqrt(100000.0), 4);
  ASSERT_EQ(r.targets.size(), 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sectorsim
