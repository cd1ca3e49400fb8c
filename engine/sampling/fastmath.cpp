#include "engine/sampling/fastmath.hpp"

// The batch forms of fast_exp and fast_log, compiled once per SIMD target
// (Highway's foreach_target: this file includes itself) and chosen at run
// time by HWY_DYNAMIC_DISPATCH. The kernels are GCC generic vectors, so each
// target runs the same IEEE operations per lane.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/sampling/fastmath.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h

#include <hwy/highway.h>

#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace sectorsim::core::HWY_NAMESPACE {
namespace {

// Four lanes where the target's vectors hold them, two elsewhere.
#if HWY_MAX_BYTES >= 32
using LanesD = Vec4D;
using LanesU = Vec4U;
#else
using LanesD = Vec2D;
using LanesU = Vec2U;
#endif

template <bool EXP>
[[gnu::always_inline]] inline void apply_lanes(LanesD& v) {
  if constexpr (EXP) {
    fast_exp_lanes<LanesD, LanesU>(v);
  } else {
    fast_log_lanes<LanesD, LanesU>(v);
  }
}

// L lanes at a time; the tail is padded with copies of its first value.
template <bool EXP>
[[gnu::always_inline]] inline void apply_many(const double* x, double* y, std::size_t n) {
  constexpr std::size_t L = sizeof(LanesD) / sizeof(double);
  std::size_t i = 0;
  for (; i + L <= n; i += L) {
    LanesD v;
    std::memcpy(&v, x + i, sizeof v);
    apply_lanes<EXP>(v);
    std::memcpy(y + i, &v, sizeof v);
  }
  if (i < n) {
    LanesD v = LanesD{} + x[i];
    for (std::size_t k = 1; k < n - i; ++k)
      v[k] = x[i + k];
    apply_lanes<EXP>(v);
    for (std::size_t k = 0; k < n - i; ++k)
      y[i + k] = v[k];
  }
}

}  // namespace

void exp_many_target(const double* x, double* y, std::size_t n) {
  apply_many<true>(x, y, n);
}

void log_many_target(const double* x, double* y, std::size_t n) {
  apply_many<false>(x, y, n);
}

}  // namespace sectorsim::core::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sectorsim::core {

HWY_EXPORT(exp_many_target);
HWY_EXPORT(log_many_target);

void exp_many(const double* x, double* y, std::size_t n) {
  HWY_DYNAMIC_DISPATCH(exp_many_target)(x, y, n);
}

void log_many(const double* x, double* y, std::size_t n) {
  HWY_DYNAMIC_DISPATCH(log_many_target)(x, y, n);
}

}  // namespace sectorsim::core
#endif  // HWY_ONCE
