// The SIMD kernels of the statistics, behind plain functions: each is
// compiled once per instruction set and picks the CPU's best at run time
// through Highway's dynamic dispatch (engine/sampling/simd.hpp), and every
// target gives the same bits (the same IEEE operations per value, in the
// same order).
#pragma once

#include <cstddef>
#include <cstdint>

namespace sectorsim::core {

/// Statistics of four cells of a chunk.
struct QuadStats {
  double mean[4], m2[4], lo[4], hi[4];
};

/// Per-chunk statistics of the four cells x[0..3][0, n) (n >= 1), each in
/// draw order: the sum (mean = sum * inv_n), the extremes (lo = v < lo ? v :
/// lo, as std::min; hi likewise) and the sum of squared deviations from the
/// mean: the bits of the plain loop over each cell, four cells a vector.
/// Test: SummaryChunkRecords.SameBitsAsThePlainLoopOverEachCell.
QuadStats quad_stats(const double* const* x, std::size_t n, double inv_n);

/// Histogram bins of the exact quantile selection.
inline constexpr std::size_t HIST_BINS = 4096;

/// Bins of x[0, m) among HIST_BINS equal-width bins from lo at `scale` bins
/// per unit, clamped to the first and last bin (NaN to the first), without
/// branches; returns whether a value is NaN or outside [lo, hi].
/// Test: SummaryQuantile.ExactSelectionSameOnEveryTarget.
bool bin_block(const double* x, std::size_t m, double lo, double hi, double scale,
               std::uint32_t* bins);

}  // namespace sectorsim::core
