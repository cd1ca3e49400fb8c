// Sorting doubles in the IEEE total order, fast: each value is mapped to a
// 64-bit integer whose order is the total order of the values, the integers
// are sorted by Highway's vectorised quicksort (vqsort, libhwy-dev: the
// CPU's widest SIMD, chosen at run time) and mapped back. The result is the
// same bits whatever the data (either sign, zeros of both signs, infinities,
// NaN) and whatever the CPU. Used to sort each chunk's values before they
// enter a quantile sketch; BM_SortChunk in bench/bench_core.cpp times a
// chunk of the Luohu plan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sectorsim::core {

/// out[0, n) = x[0, n) sorted increasingly, in the total order of IEEE 754
/// (-0 before +0; NaNs with the sign bit first, the others last); out may be
/// x. For data without NaN and signed zeros the result equals std::sort's.
/// `scratch` is reused storage. Test: Sort.* in tests/test_sketch.cpp.
void sort_doubles(const double* x, double* out, std::size_t n, std::vector<std::int64_t>& scratch);

/// Sorts x[0, n) in place (as above, with out = x).
inline void sort_doubles(double* x, std::size_t n, std::vector<std::int64_t>& scratch) {
  sort_doubles(x, x, n, scratch);
}

}  // namespace sectorsim::core
