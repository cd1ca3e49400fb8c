#include "engine/stats/sort.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include <hwy/contrib/sort/vqsort.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// Keys of x[0, n) into k, and their smallest and largest.
struct KeyRange {
  std::uint64_t lo, hi;
};

KeyRange keys_of(const double* x, std::size_t n, std::uint64_t* k) {
  std::uint64_t lo = ~std::uint64_t{0}, hi = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t v;
    std::memcpy(&v, x + i, sizeof v);
    const std::uint64_t key = key_of(v);
    k[i] = key;
    lo = std::min(lo, key);
    hi = std::max(hi, key);
  }
  return {lo, hi};
}

// Buckets per key the spread pass aims at: with twice as many buckets as
// keys most keys are alone in theirs, and the insertion sort that finishes
// the job rarely moves a key (its loop exits are then predictable). More
// buckets measured no faster: their starts outgrow the L1 cache.
constexpr std::size_t BUCKETS_PER_KEY = 2;
// Buckets up to this size are left to the final insertion sort, larger ones
// get std::sort first (unless all their keys are one key).
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

// The bucket of a key. By the key's offset from the smallest key, over about
// `target` buckets: order-preserving, and for positive (or negative) data
// about as fine as the values' relative spacing.
struct KeyOffset {
  std::uint64_t lo;
  int shift;
  KeyOffset(std::uint64_t lo_, std::uint64_t hi, std::size_t target) : lo(lo_) {
    const int target_bits = static_cast<int>(std::bit_width(target)) - 1;  // 2^bits <= target
    const int span_bits = static_cast<int>(std::bit_width(hi - lo));
    shift = std::max(0, span_bits - target_bits);
  }
  std::size_t buckets(std::uint64_t hi) const {
    return static_cast<std::size_t>((hi - lo) >> shift) + 1;
  }
  std::size_t operator()(std::uint64_t key) const {
    return static_cast<std::size_t>((key - lo) >> shift);
  }
};

// By the value's offset from the smallest value, over `target` buckets: for
// finite data with values either side of zero, whose keys lie about 2^63
// apart (offsets from the smallest key would put nearly all of them in two
// buckets). Non-decreasing in the key too: subtraction, multiplication by a
// positive scale and truncation each keep the order of their arguments
// (-0 and +0 share a bucket, and the insertion pass orders them).
struct ValueOffset {
  double lo, scale;
  std::size_t last;
  ValueOffset(double lo_, double hi, std::size_t target)
      : lo(lo_), scale(static_cast<double>(target) / (hi - lo_)), last(target - 1) {}
  std::size_t operator()(std::uint64_t key) const {
    const double offset = (std::bit_cast<double>(bits_of(key)) - lo) * scale;
    return std::min(static_cast<std::size_t>(offset), last);
  }
};

// Spreads keys a[0, n) (n >= 2, n below 2^32) into b in increasing order;
// bucket_of maps them, non-decreasingly, onto [0, buckets).
template <class Bucket>
void bucket_sort(const std::uint64_t* a, std::size_t n, const Bucket& bucket_of,
                 std::size_t buckets, std::uint64_t* b) {
  // Spread the keys over about BUCKETS_PER_KEY * n buckets (a bucket's keys
  // all precede the next bucket's), then sort each bucket. A chunk's values
  // of one cell lie close together, so the buckets are small; skewed data
  // leave some large, and std::sort takes those, so no input costs more
  // than a comparison sort.
  // Bucket starts, 32 bits each: for a chunk of 4096 keys, 8192 buckets
  // take 32 KB and stay in the L1 cache.
  thread_local std::vector<std::uint32_t> start_storage;
  start_storage.assign(buckets + 1, 0);
  std::uint32_t* start = start_storage.data();
  for (std::size_t i = 0; i < n; ++i)
    ++start[bucket_of(a[i]) + 1];
  std::uint32_t largest = 0;
  for (std::size_t j = 0; j < buckets; ++j) {
    largest = std::max(largest, start[j + 1]);
    start[j + 1] += start[j];
  }
  for (std::size_t i = 0; i < n; ++i)
    b[start[bucket_of(a[i])]++] = a[i];
  // start[j] is now the end of bucket j: large buckets sorted on their
  // own, then one insertion pass over all (keys only move within a bucket).
  // A large bucket of one key (data of a few values: 0 or 1, say) is sorted
  // as it is.
  if (largest > INSERTION_MAX) {
    std::size_t from = 0;
    for (std::size_t j = 0; j < buckets; ++j) {
      const std::size_t to = start[j];
      if (to - from > INSERTION_MAX) {
        const auto [mn, mx] = std::minmax_element(b + from, b + to);
        if (*mn != *mx) std::sort(b + from, b + to);
      }
      from = to;
    }
  }
  insertion_sort(b, n);
}

}  // namespace

// Without a branch per value (data of either sign would mispredict every
// other one), in blocks, stopping after the block that rules out both signs;
// two values at a time in SSE2 registers where there are (GCC 12 turns
// vector-extension comparisons here into lane-by-lane selects).
bool one_signed_finite(const double* x, std::size_t n) {
  constexpr double max = std::numeric_limits<double>::max();
  constexpr std::size_t BLOCK = 256;
  bool all_positive = true, all_negative = true;
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128d zero = _mm_setzero_pd(), largest = _mm_set1_pd(max), least = _mm_set1_pd(-max);
  __m128d positive = _mm_castsi128_pd(_mm_set1_epi64x(-1)), negative = positive;
  while (i + 2 <= n) {
    for (const std::size_t to = std::min(n - n % 2, i + BLOCK); i < to; i += 2) {
      const __m128d v = _mm_loadu_pd(x + i);
      positive = _mm_and_pd(positive, _mm_and_pd(_mm_cmpgt_pd(v, zero), _mm_cmple_pd(v, largest)));
      negative = _mm_and_pd(negative, _mm_and_pd(_mm_cmplt_pd(v, zero), _mm_cmpge_pd(v, least)));
    }
    all_positive = _mm_movemask_pd(positive) == 3;
    all_negative = _mm_movemask_pd(negative) == 3;
    if (!all_positive && !all_negative) return false;
  }
#endif
  for (; i < n; ++i) {
    all_positive &= (x[i] > 0) & (x[i] <= max);
    all_negative &= (x[i] < 0) & (x[i] >= -max);
  }
  return all_positive || all_negative;
}

void sort_doubles(const double* x, double* out, std::size_t n,
                  std::vector<std::uint64_t>& scratch) {
  if (n < 2) {
    if (n == 1) out[0] = x[0];
    return;
  }
  if (one_signed_finite(x, n)) {
    // Model outputs are mostly of this kind: Highway's vectorised quicksort
    // (vqsort, the widest SIMD the CPU has, chosen at run time) sorts them
    // in place, a chunk's rows in half the bucket sort's time (BM_SortChunk).
    thread_local const hwy::Sorter sorter;
    if (out != x) std::copy(x, x + n, out);
    sorter(out, n, hwy::SortAscending());
    return;
  }
  scratch.resize(2 * n);
  std::uint64_t* a = scratch.data();
  const KeyRange r = keys_of(x, n, a);
  std::uint64_t* sorted = a;
  if (r.lo == r.hi) {
    // One value throughout (bit for bit): sorted as it is.
  } else if (n > std::numeric_limits<std::uint32_t>::max()) {
    std::sort(a, a + n);  // bucket starts count in 32 bits; beyond, a comparison sort
  } else {
    sorted = a + n;
    const std::size_t target = BUCKETS_PER_KEY * n;
    const double lo = std::bit_cast<double>(bits_of(r.lo));
    const double hi = std::bit_cast<double>(bits_of(r.hi));
    const ValueOffset by_value(lo, hi, target);
    // (The scale must be finite too: subnormal data span too little for it.)
    if (lo < 0 && hi > 0 && std::isfinite(hi - lo) && std::isfinite(by_value.scale)) {
      bucket_sort(a, n, by_value, target, sorted);
    } else {
      const KeyOffset offset(r.lo, r.hi, target);
      bucket_sort(a, n, offset, offset.buckets(r.hi), sorted);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t v = bits_of(sorted[i]);
    std::memcpy(out + i, &v, sizeof v);
  }
}

}  // namespace sectorsim::core
