#include "engine/core/sort.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "engine/core/fastmath.hpp"

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

constexpr std::uint64_t SIGN = 0x8000000000000000u;
constexpr std::int64_t MAGNITUDE = 0x7fffffffffffffff;

// Keys of x[0, n) into k, and their smallest and largest.
struct KeyRange {
  std::uint64_t lo, hi;
};

KeyRange keys_scalar(const double* x, std::size_t n, std::uint64_t* k) {
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

void values_scalar(const std::uint64_t* k, std::size_t n, double* x) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t v = bits_of(k[i]);
    std::memcpy(x + i, &v, sizeof v);
  }
}

// The same four lanes at a time. AVX2 compares 64-bit integers as signed
// only, so the lanes work on the signed key (the key with its top bit
// flipped, which orders as a signed integer the way the key does unsigned):
// a double's bits with every bit but the sign flipped where it is negative.
using Vec4I = std::int64_t __attribute__((vector_size(32)));

[[gnu::target("avx2")]] KeyRange keys_avx2(const double* x, std::size_t n, std::uint64_t* k) {
  Vec4I lo = Vec4I{} + std::numeric_limits<std::int64_t>::max();
  Vec4I hi = Vec4I{} + std::numeric_limits<std::int64_t>::min();
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    Vec4I bits;
    std::memcpy(&bits, x + i, sizeof bits);
    const Vec4I s = bits ^ ((bits < 0) & MAGNITUDE);  // (bits < 0): all ones where negative
    lo = s < lo ? s : lo;
    hi = s > hi ? s : hi;
    const Vec4I key = s ^ static_cast<std::int64_t>(SIGN);
    std::memcpy(k + i, &key, sizeof key);
  }
  std::int64_t l = lo[0], h = hi[0];
  for (int j = 1; j < 4; ++j) {
    l = std::min(l, lo[j]);
    h = std::max(h, hi[j]);
  }
  // With no lane loaded these are ~0 and 0, as keys_scalar starts.
  const KeyRange r{static_cast<std::uint64_t>(l) ^ SIGN, static_cast<std::uint64_t>(h) ^ SIGN};
  const KeyRange tail = keys_scalar(x + i, n - i, k + i);
  return {std::min(r.lo, tail.lo), std::max(r.hi, tail.hi)};
}

[[gnu::target("avx2")]] void values_avx2(const std::uint64_t* k, std::size_t n, double* x) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    Vec4I key;
    std::memcpy(&key, k + i, sizeof key);
    const Vec4I s = key ^ static_cast<std::int64_t>(SIGN);
    const Vec4I bits = s ^ ((s < 0) & MAGNITUDE);
    std::memcpy(x + i, &bits, sizeof bits);
  }
  values_scalar(k + i, n - i, x + i);
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
  // Counts to starts with the running sum in a register (adding to the
  // stored previous start would wait on that store every bucket).
  std::uint32_t largest = 0, sum = 0;
  for (std::size_t j = 1; j <= buckets; ++j) {
    const std::uint32_t count = start[j];
    largest = std::max(largest, count);
    sum += count;
    start[j] = sum;
  }
  for (std::size_t i = 0; i < n; ++i)
    b[start[(a[i] - lo) >> shift]++] = a[i];
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

template <bool Avx2>
void sort_impl(const double* x, double* out, std::size_t n, std::vector<std::uint64_t>& scratch) {
  if (n < 2) {
    if (n == 1) out[0] = x[0];
    return;
  }
  scratch.resize(2 * n);
  std::uint64_t* a = scratch.data();
  const KeyRange r = Avx2 ? keys_avx2(x, n, a) : keys_scalar(x, n, a);
  std::uint64_t* sorted = a;
  if (r.lo == r.hi) {
    // One value throughout (bit for bit): sorted as it is.
  } else if (n > std::numeric_limits<std::uint32_t>::max()) {
    std::sort(a, a + n);  // bucket starts count in 32 bits; beyond, a comparison sort
  } else {
    sorted = a + n;
    bucket_sort(a, n, r.lo, r.hi, sorted);
  }
  if (Avx2) {
    values_avx2(sorted, n, out);
  } else {
    values_scalar(sorted, n, out);
  }
}

}  // namespace

void sort_doubles(const double* x, double* out, std::size_t n,
                  std::vector<std::uint64_t>& scratch) {
  if (cpu_has_avx2()) {
    sort_impl<true>(x, out, n, scratch);
  } else {
    sort_impl<false>(x, out, n, scratch);
  }
}

void sort_doubles_baseline(const double* x, double* out, std::size_t n,
                           std::vector<std::uint64_t>& scratch) {
  sort_impl<false>(x, out, n, scratch);
}

}  // namespace sectorsim::core
