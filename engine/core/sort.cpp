#include "engine/core/sort.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

namespace sectorsim::core {

namespace {

// The order-preserving key of a double: flip every bit of a negative number,
// only the sign bit of a positive one; unsigned order of the keys is then the
// IEEE total order of the values.
inline std::uint64_t key_of(std::uint64_t bits) {
  const std::uint64_t mask =
      static_cast<std::uint64_t>(-static_cast<std::int64_t>(bits >> 63)) | 0x8000000000000000u;
  return bits ^ mask;
}

inline std::uint64_t bits_of(std::uint64_t key) {
  const std::uint64_t mask =
      static_cast<std::uint64_t>(-static_cast<std::int64_t>((key >> 63) ^ 1u)) |
      0x8000000000000000u;
  return key ^ mask;
}

// Buckets per key the spread pass aims at: with twice as many buckets as
// keys most keys are alone in theirs, and the insertion sort that finishes
// the job rarely moves a key (its loop exits are then predictable). More
// buckets measured no faster: their starts outgrow the L1 cache.
constexpr std::size_t BUCKETS_PER_KEY = 2;
// Buckets up to this size are left to the final insertion sort, larger ones
// get std::sort first.
constexpr std::size_t INSERTION_MAX = 16;

void insertion_sort(std::uint64_t* k, std::size_t n) {
  for (std::size_t i = 1; i < n; ++i) {
    const std::uint64_t v = k[i];
    std::size_t j = i;
    for (; j > 0 && k[j - 1] > v; --j)
      k[j] = k[j - 1];
    k[j] = v;
  }
}

// Spreads keys a[0, n) (n >= 2, lo < hi their extremes, n below 2^32) into
// b in increasing order.
void bucket_sort(const std::uint64_t* a, std::size_t n, std::uint64_t lo, std::uint64_t hi,
                 std::uint64_t* b) {
  // Spread the keys over about BUCKETS_PER_KEY * n buckets by their offset
  // from the smallest (a bucket's keys all precede the next bucket's), then
  // sort each bucket. A chunk's values of one cell lie close together, so
  // the buckets are small; skewed data leave some large, and std::sort takes
  // those, so no input costs more than a comparison sort.
  const std::size_t target = BUCKETS_PER_KEY * n;
  const int target_bits = static_cast<int>(std::bit_width(target)) - 1;  // 2^bits <= target
  const int span_bits = static_cast<int>(std::bit_width(hi - lo));
  const int shift = std::max(0, span_bits - target_bits);
  const std::size_t buckets = static_cast<std::size_t>((hi - lo) >> shift) + 1;
  // Bucket starts, 32 bits each: for a chunk of 4096 keys, 8192 buckets
  // take 32 KB and stay in the L1 cache.
  thread_local std::vector<std::uint32_t> start_storage;
  start_storage.assign(buckets + 1, 0);
  std::uint32_t* start = start_storage.data();
  for (std::size_t i = 0; i < n; ++i)
    ++start[((a[i] - lo) >> shift) + 1];
  std::uint32_t largest = 0;
  for (std::size_t j = 0; j < buckets; ++j) {
    largest = std::max(largest, start[j + 1]);
    start[j + 1] += start[j];
  }
  for (std::size_t i = 0; i < n; ++i)
    b[start[(a[i] - lo) >> shift]++] = a[i];
  // start[j] is now the end of bucket j: large buckets sorted on their
  // own, then one insertion pass over all (keys only move within a bucket).
  if (largest > INSERTION_MAX) {
    std::size_t from = 0;
    for (std::size_t j = 0; j < buckets; ++j) {
      const std::size_t to = start[j];
      if (to - from > INSERTION_MAX) std::sort(b + from, b + to);
      from = to;
    }
  }
  insertion_sort(b, n);
}

}  // namespace

void sort_doubles(double* x, std::size_t n, std::vector<std::uint64_t>& scratch) {
  if (n < 2) return;
  // Keys, and their extremes.
  scratch.resize(2 * n);
  std::uint64_t* a = scratch.data();
  std::uint64_t lo = ~std::uint64_t{0}, hi = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t v;
    std::memcpy(&v, x + i, sizeof v);
    const std::uint64_t k = key_of(v);
    a[i] = k;
    lo = std::min(lo, k);
    hi = std::max(hi, k);
  }
  if (lo == hi) return;  // one value throughout: sorted as it is
  std::uint64_t* sorted = a;
  if (n > std::numeric_limits<std::uint32_t>::max()) {
    std::sort(a, a + n);  // bucket starts count in 32 bits; beyond, a comparison sort
  } else {
    sorted = a + n;
    bucket_sort(a, n, lo, hi, sorted);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t v = bits_of(sorted[i]);
    std::memcpy(x + i, &v, sizeof v);
  }
}

}  // namespace sectorsim::core
