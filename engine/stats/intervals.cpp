#include "engine/stats/intervals.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sectorsim::core {

Proportion wilson(std::uint64_t met, std::uint64_t n, double z) {
  Proportion r;
  r.met = met;
  r.n = n;
  if (n == 0) {
    r.p = std::numeric_limits<double>::quiet_NaN();
    r.low = 0;
    r.high = 1;
    return r;
  }
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(met) / nn;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double centre = (p + z2 / (2.0 * nn)) / denom;
  const double half = z * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
  r.p = p;
  // At p = 0 (p = 1) the lower (upper) bound is exactly 0 (1); the rounded
  // difference centre - half could otherwise put the estimate outside.
  r.low = met == 0 ? 0.0 : std::max(0.0, centre - half);
  r.high = met == n ? 1.0 : std::min(1.0, centre + half);
  return r;
}

namespace {

struct Wilson {
  double l, u;
};

Wilson wilson_bounds(std::uint64_t m, std::uint64_t n, double z) {
  const Proportion p = wilson(m, n, z);
  return {p.low, p.high};
}

}  // namespace

ProportionDiff newcombe_paired(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d,
                               double z) {
  const std::uint64_t n = a + b + c + d;
  ProportionDiff r;
  if (n == 0) {
    r.diff = std::numeric_limits<double>::quiet_NaN();
    r.low = -1;
    r.high = 1;
    return r;
  }
  const double nn = static_cast<double>(n);
  const double p1 = static_cast<double>(a + b) / nn, p2 = static_cast<double>(a + c) / nn;
  const Wilson w1 = wilson_bounds(a + b, n, z), w2 = wilson_bounds(a + c, n, z);
  // Correlation of the paired outcomes (phi); 0 when a margin is empty.
  const double da = static_cast<double>(a), db = static_cast<double>(b),
               dc = static_cast<double>(c), dd = static_cast<double>(d);
  const double denom = (da + db) * (dc + dd) * (da + dc) * (db + dd);
  const double phi = denom > 0 ? (da * dd - db * dc) / std::sqrt(denom) : 0.0;
  return newcombe_from_bounds(p1, w1.l, w1.u, p2, w2.l, w2.u, phi);
}

ProportionDiff newcombe_from_bounds(double p1, double low1, double high1, double p2, double low2,
                                    double high2, double phi) {
  const double l1 = p1 - low1, u1 = high1 - p1, l2 = p2 - low2, u2 = high2 - p2;
  const double dl = std::sqrt(std::max(0.0, l1 * l1 - 2 * phi * l1 * u2 + u2 * u2));
  const double du = std::sqrt(std::max(0.0, u1 * u1 - 2 * phi * u1 * l2 + l2 * l2));
  ProportionDiff r;
  r.diff = p1 - p2;
  r.low = std::max(-1.0, r.diff - dl);
  r.high = std::min(1.0, r.diff + du);
  return r;
}

ProportionDiff newcombe_unpaired(std::uint64_t m1, std::uint64_t n1, std::uint64_t m2,
                                 std::uint64_t n2, double z) {
  ProportionDiff r;
  if (n1 == 0 || n2 == 0) {
    r.diff = std::numeric_limits<double>::quiet_NaN();
    r.low = -1;
    r.high = 1;
    return r;
  }
  const double p1 = static_cast<double>(m1) / static_cast<double>(n1);
  const double p2 = static_cast<double>(m2) / static_cast<double>(n2);
  const Wilson w1 = wilson_bounds(m1, n1, z), w2 = wilson_bounds(m2, n2, z);
  r.diff = p1 - p2;
  r.low = r.diff - std::sqrt((p1 - w1.l) * (p1 - w1.l) + (w2.u - p2) * (w2.u - p2));
  r.high = r.diff + std::sqrt((w1.u - p1) * (w1.u - p1) + (p2 - w2.l) * (p2 - w2.l));
  r.low = std::max(-1.0, r.low);
  r.high = std::min(1.0, r.high);
  return r;
}

}  // namespace sectorsim::core
