// Project-owned exp and log for the model's batch loops.
//
// std::exp and std::log are calls into libm that no compiler vectorises (and
// glibc picks an FMA or non-FMA variant by CPU, so their last bit may depend on
// the machine). These are branch-free: range reduction with bit operations on
// 64-bit integers, a polynomial in plain + and * (the build uses
// -ffp-contract=off, so no fused multiply-add is formed), special values chosen
// with selects. A loop calling them vectorises, and the vector and scalar forms
// execute the same IEEE operations in the same order: results are bit-identical
// whatever the compiler does with the loop, and identical on every x86-64.
//
// Accuracy (tests/test_fastmath.cpp, against std::exp and std::log): below
// 1 ulp on normal results; exp(+-inf), log(0), log(x < 0), log(inf) and NaN
// give what std::exp and std::log give. Subnormal exp results are scaled in
// two steps (double rounding: within 1 ulp of the subnormal spacing).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace sectorsim::core {

/// Two or four doubles, and as many 64-bit words: GCC's generic vectors. The
/// batch forms use four lanes on targets with 32-byte vectors and two
/// elsewhere; each lane executes the same IEEE operations either way.
using Vec2D = double __attribute__((vector_size(16)));
using Vec2U = std::uint64_t __attribute__((vector_size(16)));
using Vec4D = double __attribute__((vector_size(32)));
using Vec4U = std::uint64_t __attribute__((vector_size(32)));

/// x = e^x lane by lane (see the file comment for accuracy and special
/// values); VecD, VecU: Vec2D, Vec2U or Vec4D, Vec4U. In place, by reference:
/// a 32-byte vector passed by value would have a different calling
/// convention with and without AVX.
template <class VecD, class VecU>
[[gnu::always_inline]] inline void fast_exp_lanes(VecD& x) {
  constexpr double LOG2E = 1.4426950408889634074;
  // ln 2 split: LN2_HI has 32 significant bits, so k * LN2_HI is exact for |k| < 2^21.
  constexpr double LN2_HI = 6.93147180369123816490e-01;
  constexpr double LN2_LO = 1.90821492927058770002e-10;
  constexpr double SHIFTER = 0x1.8p52;  // x + SHIFTER rounds x to an integer
  // Beyond these, e^x is inf or 0; the clamp keeps k in range (NaN stays NaN).
  VecD xc = x < -746.0 ? (VecD{} - 746.0) : x;
  xc = xc > 710.0 ? (VecD{} + 710.0) : xc;
  VecD kd = xc * LOG2E + SHIFTER;
  // k + 2048 in [972, 3073], read from the low bits of kd.
  const VecU ku = reinterpret_cast<VecU>(kd) - std::bit_cast<std::uint64_t>(SHIFTER) + 2048u;
  kd = kd - SHIFTER;
  const VecD r = (xc - kd * LN2_HI) - kd * LN2_LO;  // |r| <= 0.3466
  // e^r = 1 + r + r^2 (1/2! + r/3! + ... + r^11/13!): Taylor to degree 13,
  // truncation error below 2^-60 on |r| <= ln(2) / 2.
  VecD q = VecD{} + 1.0 / 6227020800.0;  // 1/13!
  q = q * r + 1.0 / 479001600.0;
  q = q * r + 1.0 / 39916800.0;
  q = q * r + 1.0 / 3628800.0;
  q = q * r + 1.0 / 362880.0;
  q = q * r + 1.0 / 40320.0;
  q = q * r + 1.0 / 5040.0;
  q = q * r + 1.0 / 720.0;
  q = q * r + 1.0 / 120.0;
  q = q * r + 1.0 / 24.0;
  q = q * r + 1.0 / 6.0;
  q = q * r + 0.5;
  const VecD p = 1.0 + (r + (r * r) * q);
  // 2^k in two factors 2^k1 2^k2 (k1 = floor(k / 2)), each a normal number,
  // so results near the overflow and underflow limits come out right.
  const VecU e1 = (ku >> 1) - 1u;       // k1 + 1023
  const VecU e2 = ku - (ku >> 1) - 1u;  // k2 + 1023
  x = p * reinterpret_cast<VecD>(e1 << 52) * reinterpret_cast<VecD>(e2 << 52);
}

/// x = log x lane by lane (see the file comment), in place.
template <class VecD, class VecU>
[[gnu::always_inline]] inline void fast_log_lanes(VecD& x) {
  constexpr double LN2_HI = 6.93147180369123816490e-01;
  constexpr double LN2_LO = 1.90821492927058770002e-10;
  // Minimax coefficients for log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)),
  // s = f / (2 + f) (fdlibm e_log.c, |error of R| < 2^-58.45).
  constexpr double LG1 = 6.666666666666735130e-01;
  constexpr double LG2 = 3.999999999940941908e-01;
  constexpr double LG3 = 2.857142874366239149e-01;
  constexpr double LG4 = 2.222219843214978396e-01;
  constexpr double LG5 = 1.818357216161805012e-01;
  constexpr double LG6 = 1.531383769920937332e-01;
  constexpr double LG7 = 1.479819860511658591e-01;
  constexpr double INF = std::numeric_limits<double>::infinity();
  // Subnormal inputs (and 0, negatives: replaced below) are scaled by 2^54.
  const auto tiny = x < 0x1p-1022;
  const VecD xs = x * (tiny ? VecD{} + 0x1p54 : VecD{} + 1.0);
  const VecU adj = tiny ? VecU{} + 54u : VecU{};
  const VecU bits = reinterpret_cast<VecU>(xs);
  const VecU mant = bits & 0x000fffffffffffffu;
  // x = 2^k m with m in [sqrt(2)/2, sqrt(2)): i is 2^52 when the mantissa
  // lies above sqrt(2) (then m is halved and k raised by one).
  const VecU i = (mant + 0x00095f6400000000u) & 0x0010000000000000u;
  const VecD m = reinterpret_cast<VecD>(mant | (i ^ 0x3ff0000000000000u));
  // k + 1087 as an integer-valued double: bits of 2^52 + (k + 1087), minus 2^52 + 1087.
  const VecU kb = ((bits >> 52) & 0x7ffu) + (i >> 52) + 64u - adj;
  const VecD dk = reinterpret_cast<VecD>(kb | 0x4330000000000000u) - (0x1p52 + 1087.0);
  const VecD f = m - 1.0;
  const VecD s = f / (2.0 + f);
  const VecD z = s * s;
  const VecD w = z * z;
  const VecD t1 = w * (LG2 + w * (LG4 + w * LG6));
  const VecD t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const VecD r = t2 + t1;
  const VecD hfsq = 0.5 * f * f;
  VecD y = dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f);
  y = x == INF ? VecD{} + INF : y;
  y = x == 0.0 ? VecD{} - INF : y;
  y = x < 0.0 ? VecD{} + std::numeric_limits<double>::quiet_NaN() : y;
  x = x != x ? x : y;
}

/// e^x for one value: lane 0 of the two-lane form, so bit-identical to the
/// batch forms.
inline double fast_exp(double x) {
  Vec2D v = {x, x};
  fast_exp_lanes<Vec2D, Vec2U>(v);
  return v[0];
}

/// log x for one value: lane 0 of the two-lane form, so bit-identical to the
/// batch forms.
inline double fast_log(double x) {
  Vec2D v = {x, x};
  fast_log_lanes<Vec2D, Vec2U>(v);
  return v[0];
}

/// y[i] = fast_exp(x[i]) for i < n (y may alias x), in the widest vectors
/// of the CPU's instruction set (Highway's dynamic dispatch, four lanes at
/// most: GCC lowers four-lane vectors to 16-byte registers badly, so those
/// targets take two). Every target gives the same bits.
/// Test: FastMath.ManyMatchesScalarBitForBitOnEveryTarget.
void exp_many(const double* x, double* y, std::size_t n);
/// y[i] = fast_log(x[i]) for i < n (y may alias x), as exp_many.
void log_many(const double* x, double* y, std::size_t n);

}  // namespace sectorsim::core
