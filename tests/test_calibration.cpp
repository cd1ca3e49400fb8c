// Calibration estimators (engine/analysis/calibration.hpp) on data with a
// known answer: a simulated panel whose volatilities and correlation the
// shrunk covariance recovers within their standard errors, an AR(1) series
// whose coefficient it recovers, closed-form means, and the deflators
// implied by Luohu's published GDP and real growth (data/luohu).
#include "engine/analysis/calibration.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "support.hpp"

namespace sectorsim {
namespace {

using analysis::ShrunkCovariance;

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// T rows of N correlated normals: sd[i], correlation rho between every pair
// (x = sd * (sqrt(rho) c + sqrt(1 - rho) e_i), one common factor c).
std::vector<double> panel(std::size_t rows, const std::vector<double>& sd, double rho,
                          std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  std::vector<double> out;
  for (std::size_t t = 0; t < rows; ++t) {
    const double common = z(gen);
    for (const double s : sd)
      out.push_back(s * (std::sqrt(rho) * common + std::sqrt(1 - rho) * z(gen)));
  }
  return out;
}

TEST(Calibration, ShrunkCovarianceRecoversVolatilitiesAndCorrelation) {
  const std::vector<double> sd = {0.02, 0.03, 0.04, 0.05};
  const double rho = 0.5;
  const std::size_t rows = 400;
  const ShrunkCovariance c = analysis::shrink_to_constant_correlation(panel(rows, sd, rho, 7), 4);
  ASSERT_EQ(c.rows, rows);
  const double T = static_cast<double>(rows);
  for (std::size_t i = 0; i < 4; ++i) {
    // Normal data: se of a sample sd is sd / sqrt(2 T).
    testing::expect_within_se("sd of series " + std::to_string(i), c.sd[i], sd[i],
                              sd[i] / std::sqrt(2 * T), 4.0);
    for (std::size_t j = i + 1; j < 4; ++j) {
      // se of a sample correlation about (1 - rho^2) / sqrt(T).
      testing::expect_within_se("correlation " + std::to_string(i) + "," + std::to_string(j),
                                c.correlation[i * 4 + j], rho, (1 - rho * rho) / std::sqrt(T), 4.0);
    }
  }
  EXPECT_GE(c.intensity, 0.0);
  EXPECT_LE(c.intensity, 1.0);
  testing::expect_within_se("mean correlation", c.mean_correlation, rho,
                            (1 - rho * rho) / std::sqrt(T * 6), 4.0);
}

// Ten years of ten sectors (the district's case): the sample covariance is
// singular, and the shrunk one is positive definite with weight on the target.
TEST(Calibration, TenYearsOfTenSeriesAreShrunkToAPositiveDefiniteMatrix) {
  std::vector<double> sd(10);
  for (std::size_t i = 0; i < 10; ++i)
    sd[i] = 0.02 + 0.004 * static_cast<double>(i);
  const ShrunkCovariance c = analysis::shrink_to_constant_correlation(panel(10, sd, 0.4, 11), 10);
  EXPECT_GT(c.intensity, 0.0);
  EXPECT_LE(c.intensity, 1.0);
  // Cholesky succeeds: every pivot positive.
  std::vector<double> l(100, 0.0);
  for (std::size_t i = 0; i < 10; ++i) {
    for (std::size_t j = 0; j <= i; ++j) {
      double s = c.shrunk[i * 10 + j];
      for (std::size_t k = 0; k < j; ++k)
        s -= l[i * 10 + k] * l[j * 10 + k];
      if (i == j) {
        ASSERT_GT(s, 0.0) << "pivot " << i;
        l[i * 10 + i] = std::sqrt(s);
      } else {
        l[i * 10 + j] = s / l[j * 10 + j];
      }
    }
  }
  // The shrunk matrix lies between the sample and the target, entry by entry.
  for (std::size_t k = 0; k < 100; ++k) {
    EXPECT_NEAR(c.shrunk[k], c.intensity * c.target[k] + (1 - c.intensity) * c.sample[k], 1e-18);
  }
}

// A reference value: the same panel through numpy, following Ledoit and Wolf
// (2004), section 2 and appendix B, written separately:
//   X[t, i] = 0.01 sin(1.3 t + 0.7 i) + 0.004 cos(2.1 t (i + 1)) + 0.006 sin(0.37 t)
//   y = X - X.mean(0); S = y.T @ y / T; s = sqrt(diag S); rbar = mean off-diagonal S / s s'
//   F = rbar s s' with diag S; pi = sum mean((y_i y_j - S_ij)^2)
//   rho = trace(pi_ij) + sum_{i != j} rbar / 2 (s_j / s_i theta_ii,ij + s_i / s_j theta_jj,ij)
//   delta = clip((pi - rho) / |F - S|^2 / T, 0, 1)
// gives delta 0.13419250571878474, rbar 0.54709029917039, shrunk[0][1]
// 6.0083515176394234e-05, shrunk[2][3] 5.6497193683599064e-05.
TEST(Calibration, ShrinkageIntensityMatchesAnIndependentComputation) {
  std::vector<double> p;
  for (int t = 0; t < 40; ++t)
    for (int i = 0; i < 4; ++i)
      p.push_back(0.01 * std::sin(1.3 * t + 0.7 * i) + 0.004 * std::cos(2.1 * t * (i + 1)) +
                  0.006 * std::sin(0.37 * t));
  const ShrunkCovariance c = analysis::shrink_to_constant_correlation(p, 4);
  EXPECT_NEAR(c.intensity, 0.13419250571878474, 1e-12);
  EXPECT_NEAR(c.mean_correlation, 0.54709029917039, 1e-12);
  EXPECT_NEAR(c.shrunk[0 * 4 + 1], 6.0083515176394234e-05, 1e-15);
  EXPECT_NEAR(c.shrunk[2 * 4 + 3], 5.6497193683599064e-05, 1e-15);
}

TEST(Calibration, RowsWithAMissingValueAreLeftOut) {
  std::vector<double> p = panel(50, {0.02, 0.03}, 0.3, 3);
  const ShrunkCovariance all = analysis::shrink_to_constant_correlation(p, 2);
  p.push_back(NaN);
  p.push_back(0.5);
  const ShrunkCovariance with_gap = analysis::shrink_to_constant_correlation(p, 2);
  EXPECT_EQ(with_gap.rows, 50u);
  EXPECT_EQ(with_gap.shrunk, all.shrunk);
  EXPECT_THROW(analysis::shrink_to_constant_correlation({1, 2, 3, 4}, 2), std::invalid_argument);
}

TEST(Calibration, Ar1RecoversItsCoefficient) {
  std::mt19937_64 gen(5);
  std::normal_distribution<double> z(0.0, 1.0);
  const double phi = 0.6;
  std::vector<double> x{0.0};
  for (int t = 1; t < 2000; ++t)
    x.push_back(phi * x.back() + 0.01 * z(gen));
  const analysis::Estimate e = analysis::ar1(x);
  EXPECT_EQ(e.n, 1999u);
  // Asymptotic se of the least-squares AR(1) coefficient: sqrt((1 - phi^2) / T).
  testing::expect_within_se("ar1", e.value, phi, std::sqrt((1 - phi * phi) / 1999.0), 4.0);
  EXPECT_NEAR(e.std_error, std::sqrt((1 - phi * phi) / 1999.0), 0.003);
}

TEST(Calibration, MeanRateAndSdInClosedForm) {
  // {0.01, 0.03}: mean 0.02, sd 0.01 sqrt(2), se of the mean sd / sqrt(2) = 0.01.
  const analysis::Estimate m = analysis::mean_rate({0.01, NaN, 0.03});
  EXPECT_DOUBLE_EQ(m.value, 0.02);
  EXPECT_DOUBLE_EQ(m.std_error, 0.01);
  EXPECT_EQ(m.n, 2u);
  const analysis::Estimate s = analysis::sample_sd({0.01, 0.03});
  EXPECT_DOUBLE_EQ(s.value, 0.01 * std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(s.std_error, s.value / std::sqrt(2.0));
  EXPECT_THROW(analysis::mean_rate({0.01, NaN}), std::invalid_argument);
}

TEST(Calibration, StudentTWideningMatchesTheTables) {
  // t(0.95, 1) = 6.3138, t(0.95, 5) = 2.0150, z(0.95) = 1.6449 (Abramowitz
  // and Stegun 1964, tables 26.10 and 26.1).
  EXPECT_NEAR(analysis::student_t_widening(1), 6.313751514675043 / 1.6448536269514722, 1e-9);
  EXPECT_NEAR(analysis::student_t_widening(5), 2.015048372669157 / 1.6448536269514722, 1e-9);
  EXPECT_NEAR(analysis::student_t_widening(100000), 1.0, 1e-4);
  EXPECT_THROW(analysis::student_t_widening(0), std::invalid_argument);
}

TEST(Calibration, DriftForecastOfALineIsTheLine) {
  // x = 0.10 - 0.01 t exactly: the 3 years after index 4 are 5, 6, 7, their
  // middle 6, the line there 0.04, with no residual and no error.
  const analysis::DriftForecast f = analysis::drift_forecast({0.10, 0.09, 0.08, 0.07, 0.06}, 3);
  EXPECT_NEAR(f.value, 0.04, 1e-15);
  EXPECT_NEAR(f.slope, -0.01, 1e-15);
  EXPECT_NEAR(f.residual_sd, 0, 1e-15);
  EXPECT_NEAR(f.line_se, 0, 1e-15);
  EXPECT_EQ(f.n, 5u);
  EXPECT_THROW(analysis::drift_forecast({0.1, NaN, 0.2}, 1), std::invalid_argument);
}

TEST(Calibration, DriftForecastMatchesALeastSquaresFit) {
  // Reference: numpy.polyfit(t, x, 1) on the finite points t = 0, 1, 3, 4, 5
  // of x below; the line at 5 + (3 + 1) / 2 = 7; its se sqrt(s2 / n + (7 -
  // tbar)^2 s2 / Stt), s2 the residual variance with n - 2 dof.
  const analysis::DriftForecast f =
      analysis::drift_forecast({0.09, 0.085, NaN, 0.07, 0.072, 0.06}, 3);
  EXPECT_NEAR(f.value, 0.05053488372093022, 1e-14);
  EXPECT_NEAR(f.line_se, 0.0038706785600037714, 1e-14);
  EXPECT_NEAR(f.slope, -0.005651162790697665, 1e-14);
  EXPECT_NEAR(f.slope_se, 0.0008106244212992258, 1e-14);
  EXPECT_NEAR(f.residual_sd, 0.0033618931543693237, 1e-14);
}

TEST(Calibration, DeflatorsOfLuohuFromItsPublishedGdpAndRealGrowth) {
  // data/luohu/luohu_shenzhen_stats.csv: GDP 2017 2150, 2018 2253.69, 2019
  // 2390.26, 2020 2375.28, 2021 2571.67, 2022 2630.2; real growth 2018 7.3%,
  // 2019 7.0%, 2021 8.0%, 2022 3.4% (2020 not published in the file).
  const std::vector<double> gdp = {2150, 2253.69, 2390.26, 2375.28, 2571.67, 2630.2};
  const std::vector<double> real = {NaN, 0.073, 0.070, NaN, 0.080, 0.034};
  const std::vector<double> d = analysis::implied_deflator(gdp, real);
  ASSERT_EQ(d.size(), 6u);
  EXPECT_TRUE(std::isnan(d[0]));
  EXPECT_TRUE(std::isnan(d[3]));
  // (2253.69 / 2150) / 1.073 - 1 = -0.023118..., and so on (hand computation).
  EXPECT_NEAR(d[1], 2253.69 / 2150 / 1.073 - 1, 1e-15);
  EXPECT_NEAR(d[1], -0.0231, 5e-5);
  EXPECT_NEAR(d[2], -0.0088, 5e-5);
  EXPECT_NEAR(d[4], 0.0025, 5e-5);
  EXPECT_NEAR(d[5], -0.0109, 5e-5);
  const analysis::Estimate m = analysis::mean_rate(d);
  EXPECT_EQ(m.n, 4u);
  EXPECT_NEAR(m.value, -0.0101, 5e-5);
}

}  // namespace
}  // namespace sectorsim
