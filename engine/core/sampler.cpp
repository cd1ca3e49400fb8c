#include "engine/core/sampler.hpp"

#include <cmath>

#include <Random123/philox.h>

namespace sectorsim::core {

void philox_block(std::uint64_t seed, Purpose purpose, std::uint64_t draw, std::uint64_t block,
                  std::uint64_t out[4]) {
  using Gen = r123::Philox4x64;
  const Gen::ctr_type ctr = {{draw, block, 0, 0}};
  const Gen::key_type key = {{seed, static_cast<std::uint64_t>(purpose)}};
  const Gen::ctr_type r = Gen()(ctr, key);
  for (int i = 0; i < 4; ++i)
    out[i] = r[i];
}

namespace {

// SplitMix64 finaliser: a fast, well-mixing 64-bit hash.
inline std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

KeyedPermutation::KeyedPermutation(std::uint64_t n, std::uint64_t key) : n_(n), key_(key) {
  // Smallest even bit width 2h with 2^(2h) >= n, h >= 1.
  while (half_bits_ < 32 && (std::uint64_t{1} << (2 * half_bits_)) < n_)
    ++half_bits_;
  mask_ = (std::uint64_t{1} << half_bits_) - 1;
}

std::uint64_t KeyedPermutation::round(std::uint64_t half, int r) const {
  return mix64(half ^ mix64(key_ + static_cast<std::uint64_t>(r))) & mask_;
}

std::uint64_t KeyedPermutation::operator()(std::uint64_t x) const {
  // Balanced Feistel network on 2h bits, cycle-walking back into [0, n).
  do {
    std::uint64_t left = x >> half_bits_, right = x & mask_;
    for (int r = 0; r < 4; ++r) {
      const std::uint64_t next = left ^ round(right, r);
      left = right;
      right = next;
    }
    x = (left << half_bits_) | right;
  } while (x >= n_);
  return x;
}

UniformSource::UniformSource(std::uint64_t seed, Sampler sampler, std::uint64_t n_draws)
    : seed_(seed), sampler_(sampler), n_draws_(n_draws) {}

void UniformSource::fill(Purpose purpose, int n_dims, std::uint64_t first_draw, std::size_t n,
                         double* u, std::size_t stride) const {
  const std::size_t dims = static_cast<std::size_t>(n_dims);
  std::uint64_t r[4];
  for (std::size_t lane = 0; lane < n; ++lane) {
    const std::uint64_t draw = first_draw + lane;
    for (std::size_t j = 0; j < dims; j += 4) {
      philox_block(seed_, purpose, draw, j / 4, r);
      const std::size_t m = dims - j < 4 ? dims - j : 4;
      for (std::size_t k = 0; k < m; ++k)
        u[(j + k) * stride + lane] = to_unit(r[k]);
    }
  }
  if (sampler_ != Sampler::LatinHypercube) return;
  // Stratum of draw d in dimension j: perm_j(d); jitter within it: the MC uniform.
  const double inv_n = 1.0 / static_cast<double>(n_draws_);
  for (std::size_t j = 0; j < dims; ++j) {
    std::uint64_t key[4];
    philox_block(seed_, Purpose::LhsPermutation, static_cast<std::uint64_t>(purpose), j, key);
    const KeyedPermutation perm(n_draws_, key[0]);
    double* row = u + j * stride;
    for (std::size_t lane = 0; lane < n; ++lane) {
      const double stratum = static_cast<double>(perm(first_draw + lane));
      // The sum rounds up to n for the top stratum when the jitter is near 1.
      row[lane] = std::fmin((stratum + row[lane]) * inv_n, 0x1.fffffffffffffp-1);
    }
  }
}

}  // namespace sectorsim::core
