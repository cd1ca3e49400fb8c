#include "engine/sampling/normal_quantile.hpp"

// The batch normal quantiles, compiled once per SIMD target (Highway's
// foreach_target: this file includes itself) and chosen at run time by
// HWY_DYNAMIC_DISPATCH. Plain loops that the compiler vectorises in each
// target's registers; each lane gets the scalar formula's IEEE operations,
// so every target gives the scalar bits.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/sampling/normal_quantile.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h

#include <hwy/highway.h>

#include <algorithm>

#include "engine/sampling/prior.hpp"

HWY_BEFORE_NAMESPACE();
namespace sectorsim::core::HWY_NAMESPACE {

// The central formula for every lane of a block first (a branch-free loop
// the compiler vectorises), then the tails one by one. z may alias u: keep
// the arguments of a block while its values are written.
void normal_quantile_target(const double* u, double* z, std::size_t n) {
  constexpr std::size_t B = 64;
  double w[B];
  for (std::size_t i0 = 0; i0 < n; i0 += B) {
    const std::size_t m = std::min(B, n - i0);
    std::copy(u + i0, u + i0 + m, w);
    for (std::size_t k = 0; k < m; ++k)
      z[i0 + k] = as241::central(w[k] - 0.5);
    as241::tails_many(w, z + i0, m);
  }
}

// In blocks: the normal quantile's argument for every lane, its central
// formula branch-free, the tails lane by lane, then scale and clamp.
void truncated_normal_target(const double* u, double* x, std::size_t n, const double (&c)[3],
                             const double (&p)[4]) {
  constexpr std::size_t B = 64;
  double w[B], z[B];
  for (std::size_t i0 = 0; i0 < n; i0 += B) {
    const std::size_t m = std::min(B, n - i0);
    for (std::size_t k = 0; k < m; ++k) {
      const double v = c[2] < 0 ? 1.0 - u[i0 + k] : u[i0 + k];
      w[k] = c[0] + v * c[1];
    }
    for (std::size_t k = 0; k < m; ++k)
      z[k] = as241::central(w[k] - 0.5);
    as241::tails_many(w, z, m);
    for (std::size_t k = 0; k < m; ++k)
      x[i0 + k] = std::clamp(p[0] + p[1] * (c[2] * z[k]), p[2], p[3]);
  }
}

}  // namespace sectorsim::core::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sectorsim::core {

HWY_EXPORT(normal_quantile_target);
HWY_EXPORT(truncated_normal_target);

void normal_quantile_many(const double* u, double* z, std::size_t n) {
  HWY_DYNAMIC_DISPATCH(normal_quantile_target)(u, z, n);
}

void as241::truncated_normal_many(const double* u, double* x, std::size_t n, const double (&c)[3],
                                  const double (&p)[4]) {
  HWY_DYNAMIC_DISPATCH(truncated_normal_target)(u, x, n, c, p);
}

}  // namespace sectorsim::core
#endif  // HWY_ONCE
