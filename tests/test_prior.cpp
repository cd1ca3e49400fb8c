// Priors: the AS241 normal quantile and the erfc normal CDF against Boost.Math
// and scipy; each prior's quantile, moments, bounds and description against
// closed forms; the Hermite-table quantile against the exact one; sample
// moments under Monte Carlo and Latin hypercube; validation messages.
#include "engine/sampling/prior.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <limits>
#include <numbers>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <boost/math/distributions/normal.hpp>

#include "engine/sampling/sampler.hpp"
#include "tests/support.hpp"

namespace sectorsim {
namespace {

using core::Dist;
using core::Prior;
using testing::expect_within_se;

constexpr double INF = std::numeric_limits<double>::infinity();
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// Φ⁻¹ at a few probabilities: scipy.stats.norm.ppf(0.975), (0.999), (0.75), (1e-10).
constexpr double Z975 = 1.959963984540054;
constexpr double Z999 = 3.090232306167813;
constexpr double Z75 = 0.6744897501960817;
constexpr double Z1EM10 = -6.361340902404056;

// |calculated - expected| <= rel * |expected| (or <= rel when expected is 0).
void expect_rel(const std::string& what, double calculated, double expected, double rel) {
  const double tol = rel * (expected == 0 ? 1.0 : std::fabs(expected));
  EXPECT_LE(std::fabs(calculated - expected), tol)
      << what << ": calculated " << calculated << ", expected " << expected << ", error "
      << std::fabs(calculated - expected) << ", tolerance " << tol;
}

// The factory must throw std::invalid_argument with exactly `message`.
void expect_invalid(const std::function<Prior()>& make, const std::string& message) {
  try {
    make();
    ADD_FAILURE() << "no exception; expected \"" << message << "\"";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

// ---------------------------------------------------------------------------
// Standard normal quantile and CDF.

TEST(PriorNormalQuantile, KnownValues) {
  // References: scipy.stats.norm.ppf; AS241 is good to about 1e-16 relative.
  expect_rel("ppf(0.975)", core::normal_quantile(0.975), Z975, 1e-15);
  expect_rel("ppf(0.999)", core::normal_quantile(0.999), Z999, 1e-15);
  expect_rel("ppf(0.75)", core::normal_quantile(0.75), Z75, 1e-15);
  expect_rel("ppf(1e-10)", core::normal_quantile(1e-10), Z1EM10, 1e-15);
  expect_rel("ppf(0.025)", core::normal_quantile(0.025), -Z975, 1e-15);
  // Closed form: the median is 0; the bounds map to -inf and +inf.
  EXPECT_EQ(core::normal_quantile(0.5), 0.0);
  EXPECT_EQ(core::normal_quantile(0.0), -INF);
  EXPECT_EQ(core::normal_quantile(1.0), INF);
}

TEST(PriorNormalQuantile, ExactlySymmetric) {
  // Φ⁻¹(1 - u) = -Φ⁻¹(u) (closed form). For dyadic u both u and 1 - u are
  // exact, so AS241 (odd in u - 0.5, same tail variable) must agree bit for bit.
  for (std::uint32_t k = 1; k <= (1u << 19); k += 7) {
    const double u = std::ldexp(static_cast<double>(k), -20);
    ASSERT_EQ(core::normal_quantile(1.0 - u), -core::normal_quantile(u)) << "u = " << u;
  }
  for (int e = 21; e <= 1074; ++e) {
    const double u = std::ldexp(1.0, -e);  // deep lower tail; 1 - u rounds for e > 53
    if (1.0 - u == 1.0) break;
    ASSERT_EQ(core::normal_quantile(1.0 - u), -core::normal_quantile(u)) << "u = 2^-" << e;
  }
}

TEST(PriorNormalQuantile, MatchesBoostWithin1e14Relative) {
  const boost::math::normal_distribution<> n01;
  double max_rel = 0, at = 0;
  auto check = [&](double u) {
    const double expected = boost::math::quantile(n01, u);
    const double calculated = core::normal_quantile(u);
    const double rel = expected == 0 ? std::fabs(calculated)
                                     : std::fabs(calculated - expected) / std::fabs(expected);
    if (!(rel <= max_rel)) {
      max_rel = rel;
      at = u;
    }
  };
  // Dense uniform grid of the body, then a log grid of both tails down to 1e-300.
  for (int i = 1; i < 1000000; ++i) {
    check(i * 1e-6);
  }
  for (int k = 0; k <= 300000; ++k) {
    const double u = std::pow(10.0, -300.0 + 0.001 * k);  // 1e-300 ... 1
    if (u >= 1.0) break;
    check(u);
    if (1.0 - u < 1.0) check(1.0 - u);
  }
  for (double u : {1.0 - 1e-16, std::nextafter(1.0, 0.0), std::nextafter(0.5, 0.0),
                   std::nextafter(0.5, 1.0), 0.075, 0.925, 1e-300, 5e-324}) {
    check(u);
  }
  std::printf("normal_quantile: max relative error vs Boost %.3g at u = %.17g\n", max_rel, at);
  EXPECT_LT(max_rel, 1e-14) << "worst at u = " << at;
}

TEST(PriorNormalCdf, KnownValues) {
  // References: scipy.stats.norm.cdf at -37, -10, -1, 0.5, 3; closed form at 0.
  EXPECT_EQ(core::normal_cdf(0.0), 0.5);
  expect_rel("cdf(-37)", core::normal_cdf(-37.0), 5.7255712225239266e-300, 1e-12);
  expect_rel("cdf(-10)", core::normal_cdf(-10.0), 7.61985302416047e-24, 1e-14);
  expect_rel("cdf(-1)", core::normal_cdf(-1.0), 0.15865525393145707, 1e-15);
  expect_rel("cdf(0.5)", core::normal_cdf(0.5), 0.6914624612740131, 1e-15);
  expect_rel("cdf(3)", core::normal_cdf(3.0), 0.9986501019683699, 1e-15);
  EXPECT_EQ(core::normal_cdf(-INF), 0.0);
  EXPECT_EQ(core::normal_cdf(INF), 1.0);
}

TEST(PriorNormalCdf, MatchesBoost) {
  // Both evaluate erfc(-x / sqrt 2); rounding of the argument alone gives a
  // relative error of about x^2 * 1e-16 in the lower tail (d log erfc(z)/dz
  // ~ -2z), for ours and Boost's alike. Tolerance: 1e-15 * (1 + x^2) relative,
  // down to x = -37.5, where the CDF (4.6e-308) is still a normal double.
  const boost::math::normal_distribution<> n01;
  double max_scaled = 0, at = 0;
  for (int i = 0; i <= 460000; ++i) {
    const double x = -37.5 + 1e-4 * i;  // -37.5 ... 8.5
    const double expected = boost::math::cdf(n01, x);
    const double rel = std::fabs(core::normal_cdf(x) - expected) / expected;
    const double scaled = rel / (1.0 + x * x);
    if (scaled > max_scaled) {
      max_scaled = scaled;
      at = x;
    }
  }
  std::printf("normal_cdf: max relative error vs Boost / (1 + x^2) = %.3g at x = %.6g\n",
              max_scaled, at);
  EXPECT_LT(max_scaled, 1e-15) << "worst at x = " << at;
}

// ---------------------------------------------------------------------------
// Quantiles, moments, bounds and descriptions against closed forms.

TEST(PriorQuantile, ClosedFormValues) {
  // Fixed: the value for every u.
  EXPECT_EQ(Prior::fixed(2.5).quantile(0.3), 2.5);
  EXPECT_EQ(Prior().quantile(0.7), 0.0);
  // Normal(1, 2): 1 + 2 Φ⁻¹(u) (closed form, Φ⁻¹(0.975) from scipy).
  expect_rel("normal(1,2) q(0.975)", Prior::normal(1, 2).quantile(0.975), 1 + 2 * Z975, 1e-15);
  EXPECT_EQ(Prior::normal(1, 2).quantile(0.5), 1.0);
  // Uniform(-1, 3): low + u (high - low) (closed form).
  EXPECT_EQ(Prior::uniform(-1, 3).quantile(0.25), 0.0);
  EXPECT_EQ(Prior::uniform(-1, 3).quantile(0.5), 1.0);
  // Triangular(0, 1, 2): F(x) = x^2 / 2 on [0, 1] (hand computation), so
  // Q(0.125) = sqrt(0.25) = 0.5, and by symmetry Q(0.875) = 1.5, Q(0.5) = 1.
  const Prior tri = Prior::triangular(0, 1, 2);
  EXPECT_NEAR(tri.quantile(0.125), 0.5, 1e-15);
  EXPECT_NEAR(tri.quantile(0.875), 1.5, 1e-15);
  EXPECT_NEAR(tri.quantile(0.5), 1.0, 1e-15);
  // Triangular(0, 0, 1): F(x) = 1 - (1 - x)^2 (hand computation): Q(0.75) = 0.5.
  EXPECT_NEAR(Prior::triangular(0, 0, 1).quantile(0.75), 0.5, 1e-15);
  // Lognormal(0, 1): exp(Φ⁻¹(u)) (closed form): median 1, Q(0.975) = exp(1.959963984540054).
  EXPECT_EQ(Prior::lognormal(0, 1).quantile(0.5), 1.0);
  expect_rel("lognormal(0,1) q(0.975)", Prior::lognormal(0, 1).quantile(0.975), std::exp(Z975),
             2e-15);
  // Half-normal = truncated_normal(0, 1, 0, inf): Q(u) = Φ⁻¹((1 + u) / 2) (closed
  // form), so Q(0.5) = Φ⁻¹(0.75) (scipy.stats.norm.ppf(0.75)).
  expect_rel("half-normal q(0.5)", Prior::truncated_normal(0, 1, 0, INF).quantile(0.5), Z75, 1e-15);
  // Far-tail truncated normals: scipy.stats.truncnorm(3, 8).ppf(0.5), .ppf(0.9);
  // the lower one is the mirror image (closed form).
  const Prior upper_tail = Prior::truncated_normal(0, 1, 3, 8);
  const Prior lower_tail = Prior::truncated_normal(0, 1, -8, -3);
  expect_rel("tn[3,8] q(0.5)", upper_tail.quantile(0.5), 3.205154920598801, 1e-14);
  expect_rel("tn[3,8] q(0.9)", upper_tail.quantile(0.9), 3.642522275830556, 1e-14);
  expect_rel("tn[-8,-3] q(0.5)", lower_tail.quantile(0.5), -3.205154920598801, 1e-14);
  expect_rel("tn[-8,-3] q(0.1)", lower_tail.quantile(0.1), -3.642522275830556, 1e-14);
  // Scaled: scipy.stats.truncnorm(-1.25, 1.25, loc=0.075, scale=0.02).ppf(0.3).
  expect_rel("tn(0.075,0.02,[0.05,0.1]) q(0.3)",
             Prior::truncated_normal(0.075, 0.02, 0.05, 0.10).quantile(0.3), 0.06687393557764024,
             1e-13);
  // Beta and PERT quantiles go through the Hermite table (error about 1e-11 on
  // [0, 1], see PriorFastQuantile): tolerance 1e-10 of the range.
  // Beta(2, 2): F(x) = 3x^2 - 2x^3 (hand computation); F(0.2) = 0.104.
  const Prior beta22 = Prior::beta(2, 2);
  EXPECT_NEAR(beta22.quantile(0.104), 0.2, 1e-10);
  EXPECT_NEAR(beta22.quantile(0.5), 0.5, 1e-10);
  // Beta(1, 3) on [10, 20]: F(x) = 1 - (1 - x)^3 (hand computation), F(0.5) = 0.875,
  // so Q(0.875) = 10 + 10 * 0.5 = 15.
  EXPECT_NEAR(Prior::beta(1, 3, 10, 20).quantile(0.875), 15.0, 1e-9);
  // Beta(0.5, 0.5) is the arcsine law: Q(u) = sin^2(pi u / 2) (closed form).
  const Prior arcsine = Prior::beta(0.5, 0.5);
  for (double u : {0.001, 0.1, 0.37, 0.5, 0.9, 0.999}) {
    const double s = std::sin(std::numbers::pi * u / 2);
    EXPECT_NEAR(arcsine.quantile(u), s * s, 1e-10) << "u = " << u;
  }
  // scipy.stats.beta(2, 5).ppf(0.5) and scipy.stats.beta(30, 2).ppf(0.01).
  EXPECT_NEAR(Prior::beta(2, 5).quantile(0.5), 0.26444998329566005, 1e-10);
  EXPECT_NEAR(Prior::beta(30, 2).quantile(0.01), 0.8043306237041096, 1e-10);
  // PERT(0, 1, 4), lambda 4: alpha = 1 + 4 * 1/4 = 2, beta = 1 + 4 * 3/4 = 4, so it is
  // 4 * Beta(2, 4). Beta(2, 4) CDF at 0.25: 1 - 0.75^5 - 5 * 0.25 * 0.75^4
  // = 1 - 0.2373046875 - 0.3955078125 = 0.3671875 (hand computation): Q = 1.0.
  EXPECT_NEAR(Prior::pert(0, 1, 4).quantile(0.3671875), 1.0, 4e-10);
  // PERT(0, 0, 1) is Beta(1, 5): Q(u) = 1 - (1 - u)^(1/5) (closed form).
  const Prior pert001 = Prior::pert(0, 0, 1);
  for (double u : {0.01, 0.5, 0.99}) {
    EXPECT_NEAR(pert001.quantile(u), 1 - std::pow(1 - u, 0.2), 1e-10) << "u = " << u;
  }
}

TEST(PriorMoments, ClosedForms) {
  const double pi = std::numbers::pi;
  const double e = std::numbers::e;
  EXPECT_EQ(Prior::fixed(-3).mean(), -3.0);
  EXPECT_EQ(Prior::fixed(-3).sd(), 0.0);
  EXPECT_EQ(Prior::normal(1, 2).mean(), 1.0);
  EXPECT_EQ(Prior::normal(1, 2).sd(), 2.0);
  // Half-normal: mean sqrt(2/pi), sd sqrt(1 - 2/pi) (closed form).
  const Prior half = Prior::truncated_normal(0, 1, 0, INF);
  expect_rel("half-normal mean", half.mean(), std::sqrt(2 / pi), 1e-14);
  expect_rel("half-normal sd", half.sd(), std::sqrt(1 - 2 / pi), 1e-14);
  // Mirror image: truncated to (-inf, 0], mean -sqrt(2/pi).
  expect_rel("negative half-normal mean", Prior::truncated_normal(0, 1, -INF, 0).mean(),
             -std::sqrt(2 / pi), 1e-14);
  // Truncated to [3, 8]: mean (phi(3) - phi(8)) / (Phi(8) - Phi(3)) and sd from the
  // closed form evaluated with mpmath at 40 digits: 3.2830986549282068064,
  // 0.26562979270877380311.
  expect_rel("tn[3,8] mean", Prior::truncated_normal(0, 1, 3, 8).mean(), 3.2830986549282068, 1e-12);
  expect_rel("tn[3,8] sd", Prior::truncated_normal(0, 1, 3, 8).sd(), 0.2656297927087738, 1e-10);
  expect_rel("tn[-8,-3] mean", Prior::truncated_normal(0, 1, -8, -3).mean(), -3.2830986549282068,
             1e-12);
  expect_rel("tn[-8,-3] sd", Prior::truncated_normal(0, 1, -8, -3).sd(), 0.2656297927087738, 1e-10);
  // Symmetric truncation keeps the mean; sd from
  // scipy.stats.truncnorm(-1.25, 1.25, loc=0.075, scale=0.02).std().
  const Prior dep = Prior::truncated_normal(0.075, 0.02, 0.05, 0.10);
  expect_rel("tn symmetric mean", dep.mean(), 0.075, 1e-14);
  expect_rel("tn symmetric sd", dep.sd(), 0.012977583517168642, 1e-13);
  // Lognormal(0, 1): mean e^(1/2), sd sqrt((e - 1) e) (closed form).
  expect_rel("lognormal mean", Prior::lognormal(0, 1).mean(), std::sqrt(e), 1e-15);
  expect_rel("lognormal sd", Prior::lognormal(0, 1).sd(), std::sqrt((e - 1) * e), 1e-14);
  // Uniform(-1, 3): mean 1, sd 4 / sqrt(12) (closed form).
  EXPECT_EQ(Prior::uniform(-1, 3).mean(), 1.0);
  expect_rel("uniform sd", Prior::uniform(-1, 3).sd(), 4 / std::sqrt(12.0), 1e-15);
  // Triangular(a, c, b): mean (a + b + c) / 3, variance (a² + b² + c² - ab - ac - bc) / 18
  // (closed form): (0, 1, 2) -> 1, sqrt(3/18); (0, 0, 1) -> 1/3, sqrt(1/18).
  expect_rel("triangular mean", Prior::triangular(0, 1, 2).mean(), 1.0, 1e-15);
  expect_rel("triangular sd", Prior::triangular(0, 1, 2).sd(), std::sqrt(3.0 / 18), 1e-14);
  expect_rel("triangular(0,0,1) mean", Prior::triangular(0, 0, 1).mean(), 1.0 / 3, 1e-15);
  expect_rel("triangular(0,0,1) sd", Prior::triangular(0, 0, 1).sd(), std::sqrt(1.0 / 18), 1e-14);
  // Beta(a, b): mean a / (a + b), variance ab / ((a + b)^2 (a + b + 1)) (closed form),
  // scaled by (high - low) and shifted by low.
  const Prior beta = Prior::beta(2, 5), scaled = Prior::beta(2, 5, 1, 3);
  expect_rel("beta mean", beta.mean(), 2.0 / 7, 1e-15);
  expect_rel("beta sd", beta.sd(), std::sqrt(10.0 / (49 * 8)), 1e-14);
  expect_rel("scaled beta mean", scaled.mean(), 1 + 2 * 2.0 / 7, 1e-15);
  expect_rel("scaled beta sd", scaled.sd(), 2 * std::sqrt(10.0 / 392), 1e-14);
  // PERT: mean (low + 4 mode + high) / 6 (closed form, lambda 4). PERT(0, 1, 4) is
  // 4 * Beta(2, 4): sd 4 sqrt(8 / (36 * 7)).
  const Prior pert = Prior::pert(0, 1, 4);
  expect_rel("pert mean", pert.mean(), 8.0 / 6, 1e-15);
  expect_rel("pert sd", pert.sd(), 4 * std::sqrt(8.0 / 252), 1e-14);
  // PERT(0.05, 0.1, 0.3): (0.05 + 0.4 + 0.3) / 6 = 0.125 (hand computation).
  expect_rel("pert(0.05,0.1,0.3) mean", Prior::pert(0.05, 0.1, 0.3).mean(), 0.125, 1e-14);
  // PERT with lambda 2: alpha = 1 + 2 * 1/4 = 1.5, beta = 1 + 2 * 3/4 = 2.5, mean 4 * 1.5/4 = 1.5.
  expect_rel("pert lambda 2 mean", Prior::pert(0, 1, 4, 2).mean(), 1.5, 1e-15);
}

TEST(PriorBounds, LowerAndUpper) {
  EXPECT_EQ(Prior::fixed(2).lower(), 2.0);
  EXPECT_EQ(Prior::fixed(2).upper(), 2.0);
  EXPECT_EQ(Prior::normal(0, 1).lower(), -INF);
  EXPECT_EQ(Prior::normal(0, 1).upper(), INF);
  EXPECT_EQ(Prior::truncated_normal(0, 1, -1, INF).lower(), -1.0);
  EXPECT_EQ(Prior::truncated_normal(0, 1, -1, INF).upper(), INF);
  EXPECT_EQ(Prior::lognormal(0, 1).lower(), 0.0);
  EXPECT_EQ(Prior::lognormal(0, 1).upper(), INF);
  EXPECT_EQ(Prior::uniform(-1, 3).lower(), -1.0);
  EXPECT_EQ(Prior::uniform(-1, 3).upper(), 3.0);
  EXPECT_EQ(Prior::triangular(0.02, 0.04, 0.06).lower(), 0.02);
  EXPECT_EQ(Prior::triangular(0.02, 0.04, 0.06).upper(), 0.06);
  const Prior beta = Prior::beta(2, 5), scaled = Prior::beta(2, 5, 1, 3);
  EXPECT_EQ(beta.lower(), 0.0);
  EXPECT_EQ(beta.upper(), 1.0);
  EXPECT_EQ(scaled.lower(), 1.0);
  EXPECT_EQ(scaled.upper(), 3.0);
  const Prior pert = Prior::pert(1, 2.5, 5);
  EXPECT_EQ(pert.lower(), 1.0);
  EXPECT_EQ(pert.upper(), 5.0);
}

TEST(PriorBounds, QuantilesStayInsideBounds) {
  // The extreme uniforms the sampler can produce: 2^-53 and 1 - 2^-53.
  const double u_lo = 0x1p-53, u_hi = 1 - 0x1p-53;
  for (const Prior& p :
       {Prior::truncated_normal(0, 1, 3, 8), Prior::truncated_normal(0, 1, -8, -3),
        Prior::truncated_normal(0, 1, 0, INF), Prior::uniform(-1, 3), Prior::triangular(0, 0, 1),
        Prior::triangular(0, 1, 1), Prior::beta(0.5, 0.5), Prior::beta(30, 2, 1, 3),
        Prior::pert(0, 0, 1), Prior::lognormal(0, 1)}) {
    for (double u : {u_lo, 1e-12, 0.5, 1 - 1e-12, u_hi}) {
      const double x = p.quantile(u);
      EXPECT_GE(x, p.lower()) << p.describe() << " at u = " << u;
      EXPECT_LE(x, p.upper()) << p.describe() << " at u = " << u;
    }
  }
}

// The beta and PERT quantile tables are built on the threads the caller
// gives (the run's), in independent pieces joined in order: one thread and
// many give the same breakpoints, bit for bit, so no draw depends on the
// thread count. Shapes from the Luohu plan (PERT 4: 1 + 4 (mode - low) /
// range) and the tests' skewed ones.
TEST(PriorTable, SameOnOneThreadAndOnMany) {
  for (const auto& [a, b] : std::vector<std::pair<double, double>>{
           {2.3, 4.1}, {6, 2}, {0.5, 0.5}, {30, 2}, {1.0, 5.0}}) {
    const std::vector<double> one = core::beta_table_breakpoints(a, b, 1);
    ASSERT_GT(one.size(), 3u * 33) << "a table has at least its 33 piece ends";
    for (int threads : {2, 3, 8, 64}) {
      const std::vector<double> many = core::beta_table_breakpoints(a, b, threads);
      ASSERT_EQ(many.size(), one.size()) << "Beta(" << a << ", " << b << "), " << threads;
      EXPECT_EQ(std::memcmp(many.data(), one.data(), one.size() * sizeof(double)), 0)
          << "Beta(" << a << ", " << b << ") on " << threads << " threads";
    }
  }
  // The factories take the run's thread count; the draws are the same.
  const Prior p1 = Prior::pert(0.1, 0.17, 0.3, 4, core::TableThreads{1});
  const double q1 = p1.quantile(0.3);
  const Prior b1 = Prior::beta(2.7, 3.9, 0, 1, core::TableThreads{1});
  const double r1 = b1.quantile(0.6);
  EXPECT_EQ(Prior::pert(0.1, 0.17, 0.3, 4, core::TableThreads{4}).quantile(0.3), q1);
  EXPECT_EQ(Prior::beta(2.7, 3.9, 0, 1, core::TableThreads{4}).quantile(0.6), r1);
}

TEST(PriorDescribe, Text) {
  EXPECT_EQ(Prior::fixed(0.02).describe(), "0.02");
  EXPECT_EQ(Prior().describe(), "0");
  EXPECT_EQ(Prior::normal(0.02, 0.01).describe(), "normal(mean=0.02, sd=0.01)");
  EXPECT_EQ(Prior::truncated_normal(0, 1, 0, INF).describe(),
            "truncated_normal(mean=0, sd=1, low=0, high=inf)");
  EXPECT_EQ(Prior::lognormal(0.8, 0.2).describe(), "lognormal(mu=0.8, sigma=0.2)");
  EXPECT_EQ(Prior::uniform(0.25, 0.45).describe(), "uniform(low=0.25, high=0.45)");
  EXPECT_EQ(Prior::triangular(0.02, 0.04, 0.06).describe(),
            "triangular(low=0.02, mode=0.04, high=0.06)");
  EXPECT_EQ(Prior::beta(4, 12).describe(), "beta(alpha=4, beta=12, low=0, high=1)");
  EXPECT_EQ(Prior::pert(1, 2.5, 5).describe(), "pert(low=1, mode=2.5, high=5, lambda=4)");
  EXPECT_EQ(Prior::normal(0.1, 0.3).params(), (std::vector<double>{0.1, 0.3}));
  EXPECT_EQ(Prior::pert(1, 2.5, 5).dist(), Dist::Pert);
  EXPECT_TRUE(Prior::fixed(1).is_fixed());
  EXPECT_FALSE(Prior::uniform(0, 1).is_fixed());
  EXPECT_STREQ(core::dist_name(Dist::TruncatedNormal), "truncated_normal");
  EXPECT_STREQ(core::dist_name(Dist::LogNormal), "lognormal");
}

// ---------------------------------------------------------------------------
// Validation messages.

TEST(PriorValidation, ExactMessages) {
  expect_invalid([] { return Prior::normal(0, -1); }, "sd must be > 0 (got -1)");
  expect_invalid([] { return Prior::normal(0, 0); }, "sd must be > 0 (got 0)");
  expect_invalid([] { return Prior::uniform(1, 0); }, "low must be < high (got low=1, high=0)");
  expect_invalid([] { return Prior::uniform(1, 1); }, "low must be < high (got low=1, high=1)");
  expect_invalid([] { return Prior::triangular(0, 3, 2); },
                 "mode must lie in [low, high] (got mode=3, low=0, high=2)");
  expect_invalid([] { return Prior::triangular(0, -0.5, 2); },
                 "mode must lie in [low, high] (got mode=-0.5, low=0, high=2)");
  expect_invalid([] { return Prior::beta(0, 1); }, "alpha must be > 0 (got 0)");
  expect_invalid([] { return Prior::beta(1, -2); }, "beta must be > 0 (got -2)");
  expect_invalid([] { return Prior::beta(1, 1, 2, 2); }, "low must be < high (got low=2, high=2)");
  expect_invalid([] { return Prior::lognormal(0, 0); }, "sigma must be > 0 (got 0)");
  expect_invalid([] { return Prior::pert(0, 3, 2); },
                 "mode must lie in [low, high] (got mode=3, low=0, high=2)");
  expect_invalid([] { return Prior::pert(0, 1, 2, 0); }, "lambda must be > 0 (got 0)");
  expect_invalid([] { return Prior::truncated_normal(0, 1, 2, 1); },
                 "low must be < high (got low=2, high=1)");
}

TEST(PriorValidation, NonFiniteParameters) {
  expect_invalid([] { return Prior::fixed(NaN); }, "value must be finite (got nan)");
  expect_invalid([] { return Prior::normal(NaN, 1); }, "mean must be finite (got nan)");
  expect_invalid([] { return Prior::normal(0, NaN); }, "sd must be finite (got nan)");
  expect_invalid([] { return Prior::normal(0, INF); }, "sd must be finite (got inf)");
  expect_invalid([] { return Prior::lognormal(NaN, 1); }, "mu must be finite (got nan)");
  expect_invalid([] { return Prior::uniform(NaN, 1); }, "low must be finite (got nan)");
  expect_invalid([] { return Prior::uniform(0, INF); }, "high must be finite (got inf)");
  expect_invalid([] { return Prior::triangular(0, NaN, 1); }, "mode must be finite (got nan)");
  expect_invalid([] { return Prior::beta(NaN, 1); }, "alpha must be finite (got nan)");
  expect_invalid([] { return Prior::beta(1, 1, -INF, 1); }, "low must be finite (got -inf)");
  expect_invalid([] { return Prior::pert(0, 1, 2, NaN); }, "lambda must be finite (got nan)");
  expect_invalid([] { return Prior::truncated_normal(0, 1, NaN, 1); },
                 "low and high must be numbers");
  expect_invalid([] { return Prior::truncated_normal(0, 1, 0, NaN); },
                 "low and high must be numbers");
  expect_invalid([] { return Prior::truncated_normal(NaN, 1, 0, 1); },
                 "mean must be finite (got nan)");
}

TEST(PriorValidation, TruncatedNormalWithoutMass) {
  // Normal(0, 1) mass in [40, 50] or (-inf, -40] is about 4e-350 and in [7.5, 9]
  // 3.19e-14; normal(10, 2) below -10 holds 7.6e-24; [5, inf) holds 2.87e-7
  // (mpmath: ncdf(-40), ncdf(-7.5) - ncdf(-9), ncdf(-10), ncdf(-5)). The floor is 1e-12.
  const std::string msg = "[low, high] holds almost no probability of normal(mean=0, sd=1)";
  expect_invalid([] { return Prior::truncated_normal(0, 1, 40, 50); }, msg);
  expect_invalid([] { return Prior::truncated_normal(0, 1, -INF, -40); }, msg);
  expect_invalid([] { return Prior::truncated_normal(0, 1, 7.5, 9); }, msg);
  expect_invalid([] { return Prior::truncated_normal(10, 2, -INF, -10); },
                 "[low, high] holds almost no probability of normal(mean=10, sd=2)");
  EXPECT_NO_THROW(Prior::truncated_normal(0, 1, 5, INF));
}

// ---------------------------------------------------------------------------
// Fast (table) quantile against Boost's exact quantile.

struct FastCase {
  const char* name;
  Prior (*make)();
};

void PrintTo(const FastCase& c, std::ostream* os) {
  *os << c.name;
}

class PriorFastQuantile : public ::testing::TestWithParam<FastCase> {};

// 200,000 probabilities: a uniform grid of the body, log grids of both tails
// from 1e-13, and clusters around 1e-12, 1e-9 and the table's edge 1e-7.
std::vector<double> probe_points() {
  std::vector<double> u;
  u.reserve(200000);
  const int n_body = 150000;
  for (int i = 0; i < n_body; ++i) {
    u.push_back((i + 0.5) / n_body);
  }
  const int n_log = 13000;
  for (int k = 0; k < n_log; ++k) {
    const double t = std::pow(10.0, -13.0 + 12.7 * k / n_log);  // 1e-13 ... 0.5
    u.push_back(t);
    u.push_back(1.0 - t);
  }
  for (double centre : {1e-12, 1e-9, 1e-7}) {
    for (int k = -2000; k < 2000; ++k) {
      const double t = centre * (1.0 + k * 1e-7);
      u.push_back(t);
      u.push_back(1.0 - t);
    }
  }
  return u;
}

TEST_P(PriorFastQuantile, MatchesExactWithin1e9OfScaleAndNeverDecreases) {
  const Prior p = GetParam().make();
  const double range = p.upper() - p.lower();
  const double scale = std::isfinite(range) ? range : p.sd();
  const std::vector<double> u = probe_points();
  ASSERT_EQ(u.size(), 200000u);
  // Boost's inverse incomplete beta costs microseconds a call: split the points.
  std::vector<double> fast(u.size()), err(u.size());
  const std::size_t n_parts = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  std::vector<std::future<void>> parts;
  for (std::size_t t = 0; t < n_parts; ++t) {
    parts.push_back(std::async(std::launch::async, [&, t] {
      for (std::size_t i = t; i < u.size(); i += n_parts) {
        fast[i] = p.quantile(u[i]);
        err[i] = std::fabs(fast[i] - p.quantile_exact(u[i]));
      }
    }));
  }
  for (auto& f : parts) {
    f.get();
  }
  const std::size_t worst = static_cast<std::size_t>(
      std::max_element(err.begin(), err.end(),
                       [](double a, double b) { return a < b || std::isnan(b); }) -
      err.begin());
  std::printf("%s: max |quantile - quantile_exact| = %.3g (%.3g of scale %.3g) at u = %.17g\n",
              p.describe().c_str(), err[worst], err[worst] / scale, scale, u[worst]);
  EXPECT_LT(err[worst], 1e-9 * scale) << p.describe() << ", worst at u = " << u[worst];

  // A quantile function never decreases; the table may not break that beyond
  // rounding-level noise: no dip larger than 2e-11 of the range.
  std::vector<std::size_t> order(u.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return u[a] < u[b]; });
  double worst_dip = 0;
  for (std::size_t k = 1; k < order.size(); ++k) {
    worst_dip = std::max(worst_dip, fast[order[k - 1]] - fast[order[k]]);
  }
  EXPECT_LE(worst_dip, 2e-11 * scale) << p.describe() << ": quantile decreases";
}

const FastCase fast_cases[] = {
    {"beta_0_5_0_5", [] { return Prior::beta(0.5, 0.5); }},
    {"beta_2_5", [] { return Prior::beta(2, 5); }},
    {"beta_30_2", [] { return Prior::beta(30, 2); }},
    {"beta_1_1", [] { return Prior::beta(1, 1); }},
    {"pert_0_05_0_1_0_3", [] { return Prior::pert(0.05, 0.1, 0.3); }},
    {"pert_mode_at_low", [] { return Prior::pert(0, 0, 1); }},
    {"pert_mode_at_high", [] { return Prior::pert(0, 1, 1); }},
    {"truncnorm_3_8", [] { return Prior::truncated_normal(0, 1, 3, 8); }},
    {"truncnorm_m8_m3", [] { return Prior::truncated_normal(0, 1, -8, -3); }},
    {"half_normal", [] { return Prior::truncated_normal(0, 1, 0, INF); }},
};

INSTANTIATE_TEST_SUITE_P(Prior, PriorFastQuantile, ::testing::ValuesIn(fast_cases),
                         [](const auto& test) { return std::string(test.param.name); });

// ---------------------------------------------------------------------------
// Sample moments through the run's uniform source.

struct MomentCase {
  std::string name;
  Prior (*make)();
  core::Sampler sampler;
};

void PrintTo(const MomentCase& c, std::ostream* os) {
  *os << c.name;
}

class PriorSampleMoments : public ::testing::TestWithParam<MomentCase> {};

TEST_P(PriorSampleMoments, MeanAndVarianceWithin4StandardErrors) {
  // Mean: standard error sd / sqrt(n) from the prior's closed-form sd.
  // Variance: standard error sqrt((m4 - s^4) / n) of the sample variance, with
  // m4 the sample's own fourth central moment (plug-in estimate).
  // Latin hypercube sampling reduces both errors; the same bounds hold a fortiori.
  const MomentCase& c = GetParam();
  const Prior p = c.make();
  const std::size_t n = 200000;
  const core::UniformSource source(20221014, c.sampler, n);
  std::vector<double> u(n);
  source.fill(core::Purpose::Parameters, 1, 0, n, u.data(), n);
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = p.quantile(u[i]);
  }
  double sum = 0;
  for (double v : x) {
    sum += v;
  }
  const double mean = sum / static_cast<double>(n);
  double m2 = 0, m4 = 0;
  for (double v : x) {
    const double d2 = (v - mean) * (v - mean);
    m2 += d2;
    m4 += d2 * d2;
  }
  const double var = m2 / static_cast<double>(n - 1);
  m4 /= static_cast<double>(n);
  const double se_mean = p.sd() / std::sqrt(static_cast<double>(n));
  const double se_var = std::sqrt((m4 - var * var) / static_cast<double>(n));
  expect_within_se(p.describe() + " sample mean", mean, p.mean(), se_mean, 4.0);
  expect_within_se(p.describe() + " sample variance", var, p.sd() * p.sd(), se_var, 4.0);
}

struct NamedPrior {
  const char* name;
  Prior (*make)();
};

const NamedPrior moment_priors[] = {
    {"normal", [] { return Prior::normal(1, 2); }},
    {"half_normal", [] { return Prior::truncated_normal(0, 1, 0, INF); }},
    {"truncnorm_3_8", [] { return Prior::truncated_normal(0, 1, 3, 8); }},
    {"truncnorm_symmetric", [] { return Prior::truncated_normal(0.075, 0.02, 0.05, 0.10); }},
    {"lognormal_0_0_5", [] { return Prior::lognormal(0, 0.5); }},
    {"lognormal_0_1", [] { return Prior::lognormal(0, 1); }},
    {"uniform", [] { return Prior::uniform(-1, 3); }},
    {"triangular", [] { return Prior::triangular(0, 1, 2); }},
    {"triangular_mode_at_low", [] { return Prior::triangular(0, 0, 1); }},
    {"beta_2_5", [] { return Prior::beta(2, 5); }},
    {"beta_0_5_0_5", [] { return Prior::beta(0.5, 0.5); }},
    {"beta_30_2_scaled", [] { return Prior::beta(30, 2, 1, 3); }},
    {"pert_0_1_4", [] { return Prior::pert(0, 1, 4); }},
    {"pert_0_05_0_1_0_3", [] { return Prior::pert(0.05, 0.1, 0.3); }},
    {"pert_mode_at_low", [] { return Prior::pert(0, 0, 1); }},
    {"pert_lambda_2", [] { return Prior::pert(0, 1, 4, 2); }},
};

std::vector<MomentCase> moment_cases() {
  std::vector<MomentCase> cases;
  for (const auto sampler : {core::Sampler::MonteCarlo, core::Sampler::LatinHypercube}) {
    for (const NamedPrior& p : moment_priors) {
      cases.push_back({std::string(core::sampler_name(sampler)) + "_" + p.name, p.make, sampler});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Prior, PriorSampleMoments, ::testing::ValuesIn(moment_cases()),
                         [](const auto& test) { return test.param.name; });

}  // namespace
}  // namespace sectorsim
