#include "engine/core/sort.hpp"

#include <algorithm>
#include <array>
#include <cstring>

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

constexpr int DIGITS = 8;  // passes of 8 bits

}  // namespace

void sort_doubles(double* x, std::size_t n, std::vector<std::uint64_t>& scratch) {
  if (n < 64) {
    // Small inputs: insertion order by key (the same total order).
    std::vector<std::uint64_t>& k = scratch;
    k.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t b;
      std::memcpy(&b, x + i, sizeof b);
      k[i] = key_of(b);
    }
    std::sort(k.begin(), k.end());
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t b = bits_of(k[i]);
      std::memcpy(x + i, &b, sizeof b);
    }
    return;
  }
  scratch.resize(2 * n);
  std::uint64_t* a = scratch.data();
  std::uint64_t* b = a + n;
  // Keys and all eight digit histograms in one pass.
  std::array<std::array<std::uint32_t, 256>, DIGITS> count{};
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t v;
    std::memcpy(&v, x + i, sizeof v);
    const std::uint64_t k = key_of(v);
    a[i] = k;
    for (int d = 0; d < DIGITS; ++d)
      ++count[static_cast<std::size_t>(d)][(k >> (8 * d)) & 0xffu];
  }
  for (int d = 0; d < DIGITS; ++d) {
    auto& c = count[static_cast<std::size_t>(d)];
    const std::uint64_t first = (a[0] >> (8 * d)) & 0xffu;
    if (c[first] == n) continue;  // every key has this digit: the pass changes nothing
    std::uint32_t sum = 0;
    for (auto& v : c) {
      const std::uint32_t t = v;
      v = sum;
      sum += t;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t k = a[i];
      b[c[(k >> (8 * d)) & 0xffu]++] = k;
    }
    std::swap(a, b);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t v = bits_of(a[i]);
    std::memcpy(x + i, &v, sizeof v);
  }
}

}  // namespace sectorsim::core
