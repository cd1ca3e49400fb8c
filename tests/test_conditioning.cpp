// Conditioning on observations (engine/stats/conditioning.hpp, MODEL.md
// 8.6): the likelihood of each kind of observation in closed form, the
// revision break integrated out against the exact marginal of a normal
// break, weighted quantiles against the unweighted type 1 quantile of the
// values repeated by integer weights, Kish's effective sample size, and
// the observed: block's errors at their line.
#include "engine/stats/conditioning.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/stats/intervals.hpp"
#include "shell.hpp"
#include "tests/support.hpp"

namespace sectorsim {
namespace {

using core::Observation;
using core::ObservationKind;
using core::ObservationModel;
using core::ObservedSpec;
using core::ResolvedObservation;

const std::string CLI = SECTORSIM_CLI;
const std::string LUOHU = std::string(SECTORSIM_SOURCE_DIR) + "/scenarios/luohu/";
constexpr double LOG_SQRT_2PI = 0.91893853320467274178;

ResolvedObservation obs(ObservationKind kind, double value, double sd, bool revised = false) {
  ResolvedObservation r;
  r.spec.kind = kind;
  r.spec.value = value;
  r.spec.sd = sd;
  r.spec.revised = revised;
  r.sd = sd;
  return r;
}

TEST(Conditioning, LogNormalCdfIntoTheFarTail) {
  // References: Python's math.log(0.5 * math.erfc(-z / math.sqrt(2))).
  const std::pair<double, double> cases[] = {{-5, -15.064998393988724},
                                             {0, -0.6931471805599453},
                                             {3, -0.0013508099647482027},
                                             {-30, -454.3212439563431},
                                             {-37, -689.0305855768905}};
  for (const auto& [z, ref] : cases)
    EXPECT_NEAR(core::log_normal_cdf(z), ref, 1e-9 * std::fabs(ref)) << "z = " << z;
  // Far beyond what erfc can hold, still finite and on the asymptote.
  EXPECT_NEAR(core::log_normal_cdf(-1e6), -0.5e12 - LOG_SQRT_2PI - std::log(1e6), 1.0);
}

TEST(Conditioning, EachKindOfObservationInClosedForm) {
  ObservedSpec spec;
  // A value 100 with sd 2 at a draw's 103: a normal log density.
  {
    const ObservationModel m(spec, {obs(ObservationKind::Value, 100, 2)});
    const double x = 103;
    EXPECT_NEAR(m.log_likelihood(&x), -0.5 * 1.5 * 1.5 - std::log(2.0) - LOG_SQRT_2PI, 1e-14);
  }
  // Above 31 with sd 0.5 at 31.5: log Phi(1); below it: log Phi(-1).
  {
    const ObservationModel above(spec, {obs(ObservationKind::Above, 31, 0.5)});
    const ObservationModel below(spec, {obs(ObservationKind::Below, 31, 0.5)});
    const double x = 31.5;
    EXPECT_NEAR(above.log_likelihood(&x), std::log(0.8413447460685429), 1e-12);
    EXPECT_NEAR(below.log_likelihood(&x), std::log(0.15865525393145707), 1e-12);
  }
  // A hard bound: 0 or -inf.
  {
    const ObservationModel hard(spec, {obs(ObservationKind::Above, 31, 0)});
    const double in = 31.01, out = 30.99;
    EXPECT_EQ(hard.log_likelihood(&in), 0.0);
    EXPECT_EQ(hard.log_likelihood(&out), -std::numeric_limits<double>::infinity());
  }
  // Observations add; a value that is not a number is impossible.
  {
    const ObservationModel two(
        spec, {obs(ObservationKind::Value, 100, 2), obs(ObservationKind::Above, 31, 0.5)});
    const double x[] = {103, 31.5};
    EXPECT_NEAR(two.log_likelihood(x),
                -0.5 * 2.25 - std::log(2.0) - LOG_SQRT_2PI + std::log(0.8413447460685429), 1e-12);
    const double bad[] = {std::nan(""), 31.5};
    EXPECT_EQ(two.log_likelihood(bad), -std::numeric_limits<double>::infinity());
  }
}

TEST(Conditioning, RevisionBreakIntegratesToTheNormalMarginal) {
  // y = m (1 + b) + e, b ~ N(0, s), e ~ N(0, sd): y ~ N(m, sqrt(sd^2 + m^2 s^2))
  // exactly. The 64 equal-probability nodes of b's prior approximate it.
  ObservedSpec spec;
  const double s = 0.05, sd = 10, m = 1000;
  spec.revision = core::Prior::normal(0, s);
  const ObservationModel model(spec, {obs(ObservationKind::Value, 1040, sd, true)});
  const double exact_sd = std::sqrt(sd * sd + m * m * s * s);
  const double z = (1040 - m) / exact_sd;
  const double exact = -0.5 * z * z - std::log(exact_sd) - LOG_SQRT_2PI;
  EXPECT_NEAR(model.log_likelihood(&m), exact, 2e-3);
  ASSERT_EQ(model.revision_nodes().size(), 64u);
  // A fixed break moves the draw's level by it, exactly.
  ObservedSpec fixed;
  fixed.revision = core::Prior::fixed(0.04);
  const ObservationModel shifted(fixed, {obs(ObservationKind::Value, 1040, sd, true)});
  EXPECT_NEAR(shifted.log_likelihood(&m), -std::log(sd) - LOG_SQRT_2PI, 1e-12);
}

TEST(Conditioning, WeightedQuantilesAreTheQuantilesOfValuesRepeatedByTheirWeights) {
  std::mt19937_64 rng(20261207);
  std::normal_distribution<double> z;
  std::uniform_int_distribution<int> k(0, 4);
  const double probs[] = {0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0};
  for (int rep = 0; rep < 50; ++rep) {
    const std::size_t n = 1 + static_cast<std::size_t>(rep) * 7;
    std::vector<double> x(n), w(n), repeated;
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = std::round(z(rng) * 4) / 4;  // ties on purpose
      w[i] = k(rng);
      for (int j = 0; j < static_cast<int>(w[i]); ++j)
        repeated.push_back(x[i]);
    }
    if (repeated.empty()) continue;
    std::sort(repeated.begin(), repeated.end());
    std::vector<double> got(7);
    std::vector<std::size_t> order;
    core::weighted_quantiles(x.data(), w.data(), n, probs, 7, got.data(), order);
    const double total = static_cast<double>(repeated.size());
    for (int q = 0; q < 7; ++q) {
      // Type 1: the k-th smallest, k the least integer >= p N (at least 1).
      const double kk = std::max(1.0, std::ceil(probs[q] * total));
      EXPECT_EQ(got[static_cast<std::size_t>(q)], repeated[static_cast<std::size_t>(kk) - 1])
          << "rep " << rep << " p " << probs[q];
    }
  }
  // Every weight 0: no quantile.
  const double x[] = {1, 2}, w0[] = {0, 0};
  double out = 0;
  std::vector<std::size_t> order;
  core::weighted_quantiles(x, w0, 2, probs + 3, 1, &out, order);
  EXPECT_TRUE(std::isnan(out));
}

TEST(Conditioning, EffectiveSampleSizeAndWeightedProportion) {
  const double equal[] = {0.5, 0.5, 0.5, 0.5}, one[] = {1, 0, 0, 0}, two[] = {2, 1};
  EXPECT_DOUBLE_EQ(core::effective_sample_size(equal, 4), 4.0);
  EXPECT_DOUBLE_EQ(core::effective_sample_size(one, 4), 1.0);
  EXPECT_DOUBLE_EQ(core::effective_sample_size(two, 2), 9.0 / 5.0);
  // Equal weights: the Wilson interval of the plain count.
  const core::Proportion a = core::weighted_proportion(30 * 0.25, 100 * 0.25, 100);
  const core::Proportion b = core::wilson(30, 100);
  EXPECT_NEAR(a.p, b.p, 1e-15);
  EXPECT_NEAR(a.low, b.low, 1e-12);
  EXPECT_NEAR(a.high, b.high, 1e-12);
  EXPECT_EQ(a.n, 100u);
  EXPECT_EQ(a.met, 30u);
  // Weights from log-likelihoods: the largest is 1, the rest relative.
  const double ll[] = {-1000, -1001, -std::numeric_limits<double>::infinity()};
  double w[3];
  EXPECT_EQ(core::weights_from_log_likelihood(ll, 3, w), -1000);
  EXPECT_EQ(w[0], 1.0);
  EXPECT_NEAR(w[1], std::exp(-1.0), 1e-15);
  EXPECT_EQ(w[2], 0.0);
}

class ObservedYaml : public testing::ScratchDirTest {};

TEST_F(ObservedYaml, ErrorsNameTheirLineAndKey) {
  std::ofstream(file("obs.yaml"))
      << "extends: " << LUOHU << "plan-2022-2025.yaml\n"
      << "observed:\n"
      << "  values:\n"
      << "    - {indicator: district_gdp, year: 2022, value: 1, sd: 1, source: x}\n"
      << "    - {indicator: district_gpd, year: 2023, value: 1, sd: 1, source: x}\n"
      << "    - {indicator: district_gdp, year: 2023, value: 1, source: x}\n"
      << "    - {indicator: district_gdp, year: 2023, value: 1, above: 2, sd: 1, source: x}\n"
      << "    - {indicator: district_gdp, year: 2024, above: 1, sd: 1, vintage: revised, "
         "source: x}\n"
      << "    - {indicator: district_gdp, year: 2024, growth: 0.03, sd: 0.01, vintage: "
         "revised, source: x}\n"
      << "    - {indicator: district_gdp, year: 2031, value: 1, rel_sd: 0.1, source: x}\n";
  const auto r = testing::sh(CLI + " validate " + file("obs.yaml"));
  EXPECT_EQ(r.status, 2) << r.out;
  const std::string f = file("obs.yaml");
  EXPECT_EQ(r.out,
            f +
                ":4:39: observed.values[0].year: the base year is data, not an observation of "
                "the model: observe a year after 2022\n" +
                f +
                ":5:19: observed.values[1].indicator: unknown indicator 'district_gpd' (did "
                "you mean 'district_gdp'?)\n" +
                f +
                ":6:7: observed.values[2]: a value needs its measurement error: 'sd' (in the "
                "indicator's units) or 'rel_sd' (a share of the value)\n" +
                f +
                ":7:7: observed.values[3]: give one of 'value', 'above', 'below' or "
                "'growth', not both 'value' and 'above'\n" +
                f +
                ":8:71: observed.values[4].vintage: a revised vintage needs "
                "observed.revision: the prior of its level break\n" +
                f +
                ":9:78: observed.values[5].vintage: a growth rate is the same in either "
                "vintage: only levels are revised\n" +
                f + ":10:39: observed.values[6].year: year must be in 2022..2025 (got 2031)\n");
}

// The shipped ex-post scenario and the next period's files read strictly;
// the next period's targets say they are placeholders.
TEST_F(ObservedYaml, ShippedExPostAndNextPeriodValidate) {
  std::string files = LUOHU + "expost-2022-2025.yaml";
  for (const char* f : {"baseline", "fund-led", "space-led", "plan-pace"})
    files += " " + LUOHU + "2026-2030/" + f + ".yaml";
  const auto r = testing::sh(CLI + " validate --strict " + files);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("scenario next-plan-pace, 10 sectors, 2022-2030, 4 targets"),
            std::string::npos)
      << r.out;
  std::ifstream in(LUOHU + "2026-2030/baseline.yaml");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t placeholders = 0;
  for (auto at = text.find("PLACEHOLDER"); at != std::string::npos;
       at = text.find("PLACEHOLDER", at + 1))
    ++placeholders;
  EXPECT_EQ(placeholders, 4u);
}

TEST_F(ObservedYaml, RunCompareAndReportSayTheDrawsAreWeighted) {
  std::ofstream(file("obs.yaml"))
      << "extends: " << LUOHU << "plan-2022-2025.yaml\n"
      << "observed:\n"
      << "  min_ess: 1\n"
      << "  values:\n"
      << "    - {indicator: district_gdp, year: 2023, value: 2808.19, rel_sd: 0.01, source: x}\n";
  auto r = testing::sh(CLI + " run " + file("obs.yaml") + " --draws 3000 -o " + file("run.h5"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("conditioned on 1 observations: effective sample size "), std::string::npos)
      << r.out;
  r = testing::sh(CLI + " compare " + LUOHU + "baseline.yaml " + file("obs.yaml") +
                  " --draws 3000 -o " + file("cmp.h5"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("ex post: every scenario's draws weighted by the observed world's fit to "
                       "its 1 observations (effective sample size "),
            std::string::npos)
      << r.out;
  r = testing::sh(CLI + " report " + file("cmp.h5") + " -o " + file("cmp.html"));
  ASSERT_EQ(r.status, 0) << r.out;
  std::ifstream in(file("cmp.html"));
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("<li><code>baseline</code>: conditioned on 1 observations, effective "
                      "sample size "),
            std::string::npos);
  EXPECT_NE(html.find("Given what was observed"), std::string::npos);
}

}  // namespace
}  // namespace sectorsim
