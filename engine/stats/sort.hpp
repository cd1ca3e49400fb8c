// Sorting doubles fast. Data of one sign, finite and non-zero (most model
// outputs) go to Highway's vectorised quicksort (vqsort, libhwy-dev: the
// widest SIMD the CPU has, chosen at run time), in place. Anything else is
// bucket sorted on order-preserving 64-bit keys (spread over twice as many
// buckets as keys by their offset from the smallest key, or from the
// smallest value where the data lie either side of zero; large buckets
// sorted on their own, one insertion pass to finish). Either way the result
// is the IEEE total order, bit for bit, whatever the CPU. Used to sort each
// chunk's values before they enter a quantile sketch (240 cells of 4096
// values a chunk for Luohu). BM_SortChunk in bench/bench_core.cpp times a
// chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sectorsim::core {

/// out[0, n) = x[0, n) sorted increasingly, in the total order of IEEE 754
/// (-0 before +0; NaNs with the sign bit first, the others last); out may be
/// x. For data without NaN and signed zeros the result equals std::sort's.
/// `scratch` is reused storage. Test: Sort.* in tests/test_sketch.cpp.
void sort_doubles(const double* x, double* out, std::size_t n, std::vector<std::uint64_t>& scratch);

/// True when x[0, n) are all finite, non-zero and of one sign: equal values
/// then have equal bits, so a sort by < alone gives the total order's bits,
/// and sort_doubles hands them to Highway's vectorised quicksort. Test:
/// Sort.OneValueOutsideOneSignedFiniteDataIsSeenWhereverItIs.
bool one_signed_finite(const double* x, std::size_t n);

/// Sorts x[0, n) in place (as above, with out = x).
inline void sort_doubles(double* x, std::size_t n, std::vector<std::uint64_t>& scratch) {
  sort_doubles(x, x, n, scratch);
}

}  // namespace sectorsim::core
