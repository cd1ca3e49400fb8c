// The histogram-based exact quantile selection agrees bit for bit with
// selection by std::nth_element on a copy, whatever the shape of the data.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "engine/core/results.hpp"
#include "engine/core/summary.hpp"

namespace sectorsim {
namespace {

void expect_same_as_reference(const std::vector<double>& x, const char* what) {
  double fast[5];
  std::vector<double> scratch;
  core::quantiles_type7(x.data(), x.size(), core::QUANTILE_PROBS, 5, fast, scratch);
  for (int i = 0; i < 5; ++i) {
    std::vector<double> copy = x;
    const double ref = core::quantile_type7(copy, core::QUANTILE_PROBS[i]);
    EXPECT_EQ(fast[i], ref) << what << " p=" << core::QUANTILE_PROBS[i];
  }
}

TEST(QuantileSelect, MatchesNthElementOnManyShapes) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  std::lognormal_distribution<double> lognormal(0, 2);
  for (std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{17}, std::size_t{16384},
                        std::size_t{100003}, std::size_t{300007}}) {
    std::vector<double> a(n), b(n), c(n), d(n), e(n);
    for (std::size_t i = 0; i < n; ++i) {
      a[i] = normal(rng);
      b[i] = lognormal(rng);               // heavy right tail
      c[i] = std::floor(3 * normal(rng));  // few distinct values, many ties
      d[i] = static_cast<double>(i);       // sorted
      e[i] = static_cast<double>(n - i);   // reversed
    }
    expect_same_as_reference(a, "normal");
    expect_same_as_reference(b, "lognormal");
    expect_same_as_reference(c, "ties");
    expect_same_as_reference(d, "sorted");
    expect_same_as_reference(e, "reversed");
    expect_same_as_reference(std::vector<double>(n, 2.5), "constant");
    std::vector<double> f = a;  // an infinite value: the histogram cannot span it
    f[n / 2] = std::numeric_limits<double>::infinity();
    expect_same_as_reference(f, "with +inf");
  }
}

TEST(QuantileSelect, AdversarialOrderStillExact) {
  // A systematic sample of sorted blocks sees a biased picture of the data;
  // the result must stay exact (through the fallback if a bracket misses).
  std::vector<double> x(400000);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = (i % 48 == 0) ? 1000.0 + static_cast<double>(i) : static_cast<double>(i % 977);
  }
  expect_same_as_reference(x, "adversarial");
}

TEST(QuantileSelect, EmptyGivesNaN) {
  double out[5];
  std::vector<double> scratch;
  core::quantiles_type7(nullptr, 0, core::QUANTILE_PROBS, 5, out, scratch);
  for (double v : out)
    EXPECT_TRUE(std::isnan(v));
}

}  // namespace
}  // namespace sectorsim
