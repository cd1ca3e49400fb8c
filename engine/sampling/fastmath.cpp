#include "engine/sampling/fastmath.hpp"

#include <cstring>

namespace sectorsim::core {

namespace {

template <class VecD, class VecU, bool EXP>
[[gnu::always_inline]] inline void apply_lanes(VecD& v) {
  if constexpr (EXP) {
    fast_exp_lanes<VecD, VecU>(v);
  } else {
    fast_log_lanes<VecD, VecU>(v);
  }
}

// L lanes at a time; the tail is padded with copies of its first value.
template <class VecD, class VecU, bool EXP>
[[gnu::always_inline]] inline void apply_many(const double* x, double* y, std::size_t n) {
  constexpr std::size_t L = sizeof(VecD) / sizeof(double);
  std::size_t i = 0;
  for (; i + L <= n; i += L) {
    VecD v;
    std::memcpy(&v, x + i, sizeof v);
    apply_lanes<VecD, VecU, EXP>(v);
    std::memcpy(y + i, &v, sizeof v);
  }
  if (i < n) {
    VecD v = VecD{} + x[i];
    for (std::size_t k = 1; k < n - i; ++k)
      v[k] = x[i + k];
    apply_lanes<VecD, VecU, EXP>(v);
    for (std::size_t k = 0; k < n - i; ++k)
      y[i + k] = v[k];
  }
}

#if defined(__x86_64__)
// The AVX2 path: the same IEEE operations per lane (no FMA: -ffp-contract=off,
// and "avx2" does not enable FMA), four lanes to a ymm register.
[[gnu::target("avx2")]] void exp_many_avx2(const double* x, double* y, std::size_t n) {
  apply_many<Vec4D, Vec4U, true>(x, y, n);
}

[[gnu::target("avx2")]] void log_many_avx2(const double* x, double* y, std::size_t n) {
  apply_many<Vec4D, Vec4U, false>(x, y, n);
}

#else
// Elsewhere the two-lane path serves (generic vectors: the same operations).
void exp_many_avx2(const double* x, double* y, std::size_t n) {
  apply_many<Vec2D, Vec2U, true>(x, y, n);
}
void log_many_avx2(const double* x, double* y, std::size_t n) {
  apply_many<Vec2D, Vec2U, false>(x, y, n);
}
#endif

}  // namespace

bool cpu_has_avx2() {
#if defined(__x86_64__)
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return yes;
#else
  return false;
#endif
}

void exp_many_sse2(const double* x, double* y, std::size_t n) {
  apply_many<Vec2D, Vec2U, true>(x, y, n);
}

void log_many_sse2(const double* x, double* y, std::size_t n) {
  apply_many<Vec2D, Vec2U, false>(x, y, n);
}

void exp_many(const double* x, double* y, std::size_t n) {
  if (cpu_has_avx2()) {
    exp_many_avx2(x, y, n);
  } else {
    exp_many_sse2(x, y, n);
  }
}

void log_many(const double* x, double* y, std::size_t n) {
  if (cpu_has_avx2()) {
    log_many_avx2(x, y, n);
  } else {
    log_many_sse2(x, y, n);
  }
}

}  // namespace sectorsim::core
