// Forecast scores for back-testing (MODEL.md 8.5): a case computed by hand,
// the closed-form CRPS of a normal forecast (Gneiting and Raftery 2007,
// eq. 5), PITs of observations drawn from the forecast itself, and band
// coverage with its Wilson interval.
#include "engine/stats/forecast_scores.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "engine/sampling/prior.hpp"

namespace sectorsim::core {
namespace {

// A normal(mu, sigma) forecast as n stratified draws: mu + sigma * Phi^-1((i + 1/2) / n).
std::vector<double> normal_draws(double mu, double sigma, std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i)
    x[i] = mu + sigma * normal_quantile((static_cast<double>(i) + 0.5) / static_cast<double>(n));
  return x;
}

TEST(ForecastScores, HandComputedCase) {
  // Draws {3, 1, 2}, observed 2: E|X - y| = 2/3, E|X - X'| = 8/9 (nine
  // ordered pairs), CRPS = 2/3 - 4/9 = 2/9; one draw below and one equal:
  // PIT (1 + 1/2) / 3 = 1/2; type-7 quartiles 1.5 and 2.5.
  const ForecastScore s = score_forecast({3.0, 1.0, 2.0}, 2.0);
  EXPECT_DOUBLE_EQ(s.crps, 2.0 / 9.0);
  EXPECT_DOUBLE_EQ(s.pit, 0.5);
  EXPECT_DOUBLE_EQ(s.p25, 1.5);
  EXPECT_DOUBLE_EQ(s.p75, 2.5);
  EXPECT_DOUBLE_EQ(s.p05, 1.1);
  EXPECT_TRUE(s.in50);
  EXPECT_TRUE(s.in90);
  const ForecastScore out = score_forecast({3.0, 1.0, 2.0}, 5.0);
  EXPECT_DOUBLE_EQ(out.pit, 1.0);
  EXPECT_FALSE(out.in90);
  // E|X - 5| = 3, so CRPS = 3 - 4/9.
  EXPECT_DOUBLE_EQ(out.crps, 3.0 - 4.0 / 9.0);
}

// CRPS(N(mu, sigma), y) = sigma (z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi)).
TEST(ForecastScores, CrpsOfANormalForecastMatchesTheClosedForm) {
  const double mu = 100, sigma = 7;
  const std::vector<double> draws = normal_draws(mu, sigma, 200000);
  for (const double y : {100.0, 93.0, 114.0, 130.0}) {
    const double z = (y - mu) / sigma;
    const double phi = std::exp(-z * z / 2) / std::sqrt(2 * M_PI);
    const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
    const double want = sigma * (z * (2 * cdf - 1) + 2 * phi - 1 / std::sqrt(M_PI));
    const ForecastScore s = score_forecast(draws, y);
    EXPECT_NEAR(s.crps, want, 1e-4 * sigma) << "y " << y;
    EXPECT_NEAR(s.pit, cdf, 1e-5) << "y " << y;
  }
}

// Observations from the forecast itself: PITs uniform, bands covering 50%
// and 90%; a forecast half as wide covers far less (overconfident).
TEST(ForecastScores, CalibratedForecastCoversItsBandsAndAnOverconfidentOneDoesNot) {
  const std::vector<double> draws = normal_draws(0, 1, 4001);
  const std::vector<double> narrow = normal_draws(0, 0.5, 4001);
  std::vector<ForecastScore> good, bad;
  const std::size_t n = 1000;
  for (std::size_t k = 0; k < n; ++k) {
    const double y = normal_quantile((static_cast<double>(k) + 0.5) / static_cast<double>(n));
    good.push_back(score_forecast(draws, y));
    bad.push_back(score_forecast(narrow, y));
  }
  const ForecastSummary g = summarise_forecasts(good), b = summarise_forecasts(bad);
  EXPECT_EQ(g.n, n);
  EXPECT_NEAR(g.in50.p, 0.50, 0.002);
  EXPECT_NEAR(g.in90.p, 0.90, 0.002);
  for (const std::size_t count : g.pit_histogram)
    EXPECT_EQ(count, n / 10);
  // Half the width: the 90% band of N(0, 0.25) is +-0.82, which holds
  // P(|Z| < 0.82) = 0.59 of the outcomes.
  EXPECT_NEAR(b.in90.p, 0.588, 0.003);
  EXPECT_LT(b.in90.high, 0.65);
  EXPECT_GT(b.mean_crps, g.mean_crps);
}

TEST(ForecastScores, RefusesWhatCannotBeScored) {
  EXPECT_THROW(score_forecast({}, 1.0), std::invalid_argument);
  EXPECT_THROW(score_forecast({1.0, NAN}, 1.0), std::invalid_argument);
  EXPECT_THROW(score_forecast({1.0}, INFINITY), std::invalid_argument);
}

}  // namespace
}  // namespace sectorsim::core
