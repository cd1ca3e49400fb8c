// Sorting doubles fast: a bucket sort on their order-preserving 64-bit keys
// (spread over twice as many buckets as keys by their offset from the
// smallest key, or from the smallest value where the data lie either side
// of zero; large buckets sorted on their own, one insertion pass to finish).
// Used to sort each chunk's values before they enter a quantile sketch (240
// cells of 4096 values a chunk for Luohu), where std::sort cost more than the
// whole model. BM_SortChunk in bench/bench_core.cpp times a chunk.
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

/// Sorts x[0, n) in place (as above, with out = x).
inline void sort_doubles(double* x, std::size_t n, std::vector<std::uint64_t>& scratch) {
  sort_doubles(x, x, n, scratch);
}

}  // namespace sectorsim::core
