// The histogram-based exact quantile selection agrees bit for bit with
// selection by std::nth_element on a copy, whatever the shape of the data.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "engine/spec/results.hpp"
#include "engine/stats/quantiles.hpp"

namespace sectorsim {
namespace {

// The extremes as the summaries' chunk records keep them: std::min/std::max
// from the first value on, so a NaN first value makes them NaN and later
// NaNs are skipped.
core::Extremes extremes_as_summaries_keep(const std::vector<double>& x) {
  core::Extremes known{0, 0};
  if (!x.empty()) {
    known = {x[0], x[0]};
    for (double v : x) {
      known.min = std::min(known.min, v);
      known.max = std::max(known.max, v);
    }
  }
  return known;
}

// The selection, with the extremes found by itself and given by the caller,
// against nth_element on a copy.
void expect_same_as_reference(const std::vector<double>& x, const char* what) {
  double fast[5], given[5];
  std::vector<double> scratch;
  core::quantiles_type7(x.data(), x.size(), core::QUANTILE_PROBS, 5, fast, scratch);
  const core::Extremes known = extremes_as_summaries_keep(x);
  core::quantiles_type7(x.data(), x.size(), core::QUANTILE_PROBS, 5, given, scratch, &known);
  for (int i = 0; i < 5; ++i) {
    std::vector<double> copy = x;
    const double ref = core::quantile_type7(copy, core::QUANTILE_PROBS[i]);
    EXPECT_EQ(fast[i], ref) << what << " p=" << core::QUANTILE_PROBS[i];
    EXPECT_EQ(given[i], ref) << what << " p=" << core::QUANTILE_PROBS[i] << " (extremes given)";
  }
}

TEST(QuantileSelect, MatchesNthElementOnManyShapes) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  std::lognormal_distribution<double> lognormal(0, 2);
  for (std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{17}, std::size_t{10000},
                        std::size_t{16384}, std::size_t{100003}, std::size_t{300007}}) {
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

TEST(QuantileSelect, DataWithNanHaveNanQuantiles) {
  // NaN has no order; numpy's quantile gives nan, and so does the selection,
  // whether it finds the extremes itself or is given them as the summaries
  // give them (std::min/max skip a NaN after the first value, so constant
  // data with a NaN look constant: the one-value shortcut must not say 2.5).
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal;
  // The NaN in the body or as the very last value (100,003 values: the
  // last, partial block of the vectorised binning has a scalar tail).
  for (std::size_t n : {std::size_t{100}, std::size_t{100000}, std::size_t{100003}}) {
    for (std::size_t at : {n / 3, n - 1}) {
      std::vector<double> constant(n, 2.5), spread(n);
      for (double& v : spread)
        v = normal(rng);
      for (std::vector<double>* x : {&constant, &spread}) {
        (*x)[at] = std::numeric_limits<double>::quiet_NaN();
        const core::Extremes known = extremes_as_summaries_keep(*x);
        double found[5], given[5];
        std::vector<double> scratch;
        core::quantiles_type7(x->data(), n, core::QUANTILE_PROBS, 5, found, scratch);
        core::quantiles_type7(x->data(), n, core::QUANTILE_PROBS, 5, given, scratch, &known);
        for (int i = 0; i < 5; ++i) {
          EXPECT_TRUE(std::isnan(found[i]))
              << "n=" << n << " NaN at " << at << " p=" << core::QUANTILE_PROBS[i];
          EXPECT_TRUE(std::isnan(given[i]))
              << "n=" << n << " NaN at " << at << " p=" << core::QUANTILE_PROBS[i];
        }
      }
    }
  }
}

TEST(QuantileSelect, ValuesOutsideGivenExtremesStillExact) {
  // Extremes that do not hold every value (a caller's mistake) must not cost
  // exactness: the selection notices and falls back.
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal;
  std::vector<double> x(50000);
  for (double& v : x)
    v = normal(rng);
  const auto [mn, mx] = std::minmax_element(x.begin(), x.end());
  for (const core::Extremes wrong :
       {core::Extremes{*mn + 0.5, *mx}, core::Extremes{*mn, *mx - 0.5}, core::Extremes{0.0, 0.0}}) {
    double out[5];
    std::vector<double> scratch;
    core::quantiles_type7(x.data(), x.size(), core::QUANTILE_PROBS, 5, out, scratch, &wrong);
    for (int i = 0; i < 5; ++i) {
      std::vector<double> copy = x;
      EXPECT_EQ(out[i], core::quantile_type7(copy, core::QUANTILE_PROBS[i]))
          << "extremes [" << wrong.min << ", " << wrong.max << "] p=" << core::QUANTILE_PROBS[i];
    }
  }
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
