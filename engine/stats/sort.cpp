#include "engine/stats/sort.hpp"

#include <cstring>

#include <hwy/contrib/sort/vqsort.h>

namespace sectorsim::core {

namespace {

// The total-order key of a double's bits, read as a signed integer: a
// non-negative number keeps its bits, a negative one has all bits but the
// sign flipped, so larger magnitudes give smaller keys. Signed order of the
// keys is then the IEEE total order of the values, and the map is its own
// inverse. Branch-free, so the loops over it vectorise.
inline std::int64_t flip(std::int64_t bits) {
  const std::uint64_t negative = static_cast<std::uint64_t>(bits) >> 63;  // 1 or 0
  return bits ^ static_cast<std::int64_t>((0 - negative) >> 1);
}

}  // namespace

void sort_doubles(const double* x, double* out, std::size_t n, std::vector<std::int64_t>& scratch) {
  if (n < 2) {
    if (n == 1) out[0] = x[0];
    return;
  }
  // Keys in their own storage (an integer view of the doubles would alias
  // them), sorted as integers, and mapped back.
  scratch.resize(n);
  std::int64_t* keys = scratch.data();
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    keys[i] = flip(bits);
  }
  thread_local const hwy::Sorter sorter;
  sorter(keys, n, hwy::SortAscending());
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t bits = flip(keys[i]);
    std::memcpy(out + i, &bits, sizeof bits);
  }
}

}  // namespace sectorsim::core
