// The standard normal quantile of Wichura's algorithm AS241 (PPND16), for
// the priors: the scalar formula and the batch form of the truncated normal.
// Internal to engine/sampling; the public entry points are normal_quantile
// and normal_quantile_many in prior.hpp.
//
// Wichura, M. J. (1988) Algorithm AS 241: The percentage points of the normal
// distribution. Applied Statistics 37, 477-484 (PPND16, about 1e-16 relative).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>

namespace sectorsim::core::as241 {

inline constexpr std::array<double, 8> a = {
    3.387132872796366608,  133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
    45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727};
inline constexpr std::array<double, 8> b = {1.0,
                                            42.313330701600911252,
                                            687.1870074920579083,
                                            5394.1960214247511077,
                                            21213.794301586595867,
                                            39307.89580009271061,
                                            28729.085735721942674,
                                            5226.495278852545925};
inline constexpr std::array<double, 8> c = {1.42343711074968357734,   4.6303378461565452959,
                                            5.7694972214606914055,    3.64784832476320460504,
                                            1.27045825245236838258,   0.24178072517745061177,
                                            0.0227238449892691845833, 7.7454501427834140764e-4};
inline constexpr std::array<double, 8> d = {1.0,
                                            2.05319162663775882187,
                                            1.6763848301838038494,
                                            0.68976733498510000455,
                                            0.14810397642748007459,
                                            0.0151986665636164571966,
                                            5.475938084995344946e-4,
                                            1.05075007164441684324e-9};
inline constexpr std::array<double, 8> e = {6.6579046435011037772,     5.4637849111641143699,
                                            1.7848265399172913358,     0.29656057182850489123,
                                            0.026532189526576123093,   0.0012426609473880784386,
                                            2.71155556874348757815e-5, 2.01033439929228813265e-7};
inline constexpr std::array<double, 8> f = {1.0,
                                            0.59983220655588793769,
                                            0.13692988092273580531,
                                            0.0148753612908506148525,
                                            7.868691311456132591e-4,
                                            1.8463183175100546818e-5,
                                            1.4215117583164458887e-7,
                                            2.04426310338993978564e-15};

/// c[0] + c[1] x + ... (Horner).
template <std::size_t N>
[[gnu::always_inline]] inline double poly(const std::array<double, N>& k, double x) {
  double r = k[N - 1];
  for (std::size_t i = N - 1; i-- > 0;)
    r = r * x + k[i];
  return r;
}

/// Central region |u - 0.5| <= 0.425, q = u - 0.5.
[[gnu::always_inline]] inline double central(double q) {
  const double r = 0.180625 - q * q;
  return q * poly(a, r) / poly(b, r);
}

/// Tails, |u - 0.5| > 0.425: rare, so kept out of line (its log and square
/// root would only bloat the callers' central path).
[[gnu::noinline]] inline double tail(double u) {
  constexpr double INF = std::numeric_limits<double>::infinity();
  const double q = u - 0.5;
  double r = q < 0 ? u : 1.0 - u;
  if (r <= 0) return q < 0 ? -INF : INF;
  r = std::sqrt(-std::log(r));
  double x;
  if (r <= 5.0) {
    r -= 1.6;
    x = poly(c, r) / poly(d, r);
  } else {
    r -= 5.0;
    x = poly(e, r) / poly(f, r);
  }
  return q < 0 ? -x : x;
}

/// z[i] = tail(w[i]) for the lanes of w[0..n) outside the central region
/// (a minority of lanes), one by one: a vectorised, branch-free tail (both
/// rational functions and the project's log for every lane) measured slower
/// per lane than this loop (docs/performance.md).
inline void tails_many(const double* w, double* z, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!(std::fabs(w[i] - 0.5) <= 0.425)) z[i] = tail(w[i]);
  }
}

/// x[i] = the truncated normal's quantile at u[i] (Prior::quantile, bit for
/// bit) for i < n (x may alias u). c0, c1, c2: Prior's constants; mean, sd,
/// low, high: its parameters. Test: PriorBatch.ManyMatchesScalarBitForBitOnEveryTarget.
void truncated_normal_many(const double* u, double* x, std::size_t n, const double (&c)[3],
                           const double (&p)[4]);

}  // namespace sectorsim::core::as241
