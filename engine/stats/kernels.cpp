#include "engine/stats/kernels.hpp"

// Compiled once per SIMD target (Highway's foreach_target: this file
// includes itself), chosen at run time by HWY_DYNAMIC_DISPATCH. The kernels
// are GCC generic vectors of four doubles, which each target lowers to its
// own registers.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/stats/kernels.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h

#include <hwy/highway.h>

#include <algorithm>
#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace sectorsim::core::HWY_NAMESPACE {
namespace {

using Vec4D = double __attribute__((vector_size(32)));
using Vec4I32 = std::int32_t __attribute__((vector_size(16)));
using Vec4I64 = std::int64_t __attribute__((vector_size(32)));

// Four values of each row, transposed so that one vector holds the four
// cells' values of one draw.
[[gnu::always_inline]] inline void transpose4(const double* const* x, std::size_t i,
                                              Vec4D (&v)[4]) {
  Vec4D a, b, c, d;
  std::memcpy(&a, x[0] + i, sizeof a);
  std::memcpy(&b, x[1] + i, sizeof b);
  std::memcpy(&c, x[2] + i, sizeof c);
  std::memcpy(&d, x[3] + i, sizeof d);
  const Vec4D t0 = __builtin_shufflevector(a, b, 0, 4, 2, 6);
  const Vec4D t1 = __builtin_shufflevector(a, b, 1, 5, 3, 7);
  const Vec4D t2 = __builtin_shufflevector(c, d, 0, 4, 2, 6);
  const Vec4D t3 = __builtin_shufflevector(c, d, 1, 5, 3, 7);
  v[0] = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
  v[1] = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
  v[2] = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
  v[3] = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
}

}  // namespace

// Per lane the operations are the scalar loop's (sum += v; lo = v < lo ? v :
// lo; the same for hi; then m2 += d * d), so the bits are too.
QuadStats quad_stats_target(const double* const* x, std::size_t n, double inv_n) {
  const std::size_t n4 = n & ~std::size_t{3};
  Vec4D s = Vec4D{}, l = {x[0][0], x[1][0], x[2][0], x[3][0]}, h = l;
  for (std::size_t i = 0; i < n4; i += 4) {
    Vec4D v[4];
    transpose4(x, i, v);
    for (const Vec4D& e : v) {
      s += e;
      l = e < l ? e : l;
      h = e > h ? e : h;
    }
  }
  QuadStats q;
  double sum[4];
  for (int k = 0; k < 4; ++k) {
    sum[k] = s[k];
    q.lo[k] = l[k];
    q.hi[k] = h[k];
    for (std::size_t i = n4; i < n; ++i) {
      const double v = x[k][i];
      sum[k] += v;
      q.lo[k] = std::min(q.lo[k], v);
      q.hi[k] = std::max(q.hi[k], v);
    }
    q.mean[k] = sum[k] * inv_n;
  }
  const Vec4D mean = {q.mean[0], q.mean[1], q.mean[2], q.mean[3]};
  Vec4D m2 = Vec4D{};
  for (std::size_t i = 0; i < n4; i += 4) {
    Vec4D v[4];
    transpose4(x, i, v);
    for (const Vec4D& e : v) {
      const Vec4D d = e - mean;
      m2 += d * d;
    }
  }
  for (int k = 0; k < 4; ++k) {
    q.m2[k] = m2[k];
    for (std::size_t i = n4; i < n; ++i) {
      const double d = x[k][i] - q.mean[k];
      q.m2[k] += d * d;
    }
  }
  return q;
}

// Four lanes at a time without branches, then the tail one by one with the
// same operations.
bool bin_block_target(const double* x, std::size_t m, double lo, double hi, double scale,
                      std::uint32_t* bins) {
  constexpr double LAST = static_cast<double>(HIST_BINS - 1);
  const Vec4D vlo = Vec4D{} + lo, vhi = Vec4D{} + hi, vscale = Vec4D{} + scale;
  const Vec4D zero = Vec4D{}, last = Vec4D{} + LAST;
  Vec4I64 outside = Vec4I64{};
  std::size_t k = 0;
  for (; k + 4 <= m; k += 4) {
    Vec4D v;
    std::memcpy(&v, x + k, sizeof v);
    outside |= ~((v >= vlo) & (v <= vhi));
    Vec4D pos = (v - vlo) * vscale;
    pos = zero < pos ? pos : zero;  // NaN to 0
    pos = pos < last ? pos : last;
    const Vec4I32 b = __builtin_convertvector(pos, Vec4I32);
    std::memcpy(bins + k, &b, sizeof b);
  }
  bool bad = (outside[0] | outside[1] | outside[2] | outside[3]) != 0;
  for (; k < m; ++k) {
    const double v = x[k];
    bad |= !(v >= lo && v <= hi);
    double pos = (v - lo) * scale;
    pos = 0.0 < pos ? pos : 0.0;
    pos = pos < LAST ? pos : LAST;
    bins[k] = static_cast<std::uint32_t>(static_cast<std::int32_t>(pos));
  }
  return bad;
}

}  // namespace sectorsim::core::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sectorsim::core {

HWY_EXPORT(quad_stats_target);
HWY_EXPORT(bin_block_target);

QuadStats quad_stats(const double* const* x, std::size_t n, double inv_n) {
  return HWY_DYNAMIC_DISPATCH(quad_stats_target)(x, n, inv_n);
}

bool bin_block(const double* x, std::size_t m, double lo, double hi, double scale,
               std::uint32_t* bins) {
  return HWY_DYNAMIC_DISPATCH(bin_block_target)(x, m, lo, hi, scale, bins);
}

}  // namespace sectorsim::core
#endif  // HWY_ONCE
