// Confidence intervals for proportions and their differences: Wilson's score
// interval for one proportion, Newcombe's method 10 for the difference of two
// (paired or independent). Covered by tests/test_summary.cpp and
// tests/test_compare.cpp (reference values from the papers' worked examples).
#pragma once

#include <cstdint>

#include "engine/spec/results.hpp"

namespace sectorsim::core {

/// The standard normal's 97.5% quantile: a 95% interval's half-width in
/// standard errors.
inline constexpr double Z95 = 1.959963984540054;

/// Wilson score interval for met/n at z (Z95 for 95%).
/// Covered by tests/test_summary.cpp (reference values from closed form).
Proportion wilson(std::uint64_t met, std::uint64_t n, double z = Z95);

/// A difference of two proportions with a 95% interval.
struct ProportionDiff {
  double diff = 0, low = 0, high = 0;
};

/// Newcombe (1998) method 10: interval for p1 - p2 from paired binary data,
/// with both = a, only first = b, only second = c, neither = d.
/// Newcombe's paired interval (method 10) of p1 - p2 from each
/// probability's Wilson bounds and the outcomes' phi correlation.
ProportionDiff newcombe_from_bounds(double p1, double low1, double high1, double p2, double low2,
                                    double high2, double phi);
ProportionDiff newcombe_paired(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d,
                               double z = Z95);
/// Newcombe (1998b) method 10 for independent samples: p1 = m1/n1, p2 = m2/n2.
ProportionDiff newcombe_unpaired(std::uint64_t m1, std::uint64_t n1, std::uint64_t m2,
                                 std::uint64_t n2, double z = Z95);

}  // namespace sectorsim::core
