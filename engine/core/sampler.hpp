// Uniform variates for every (draw, dimension), from counter-based streams.
//
// Philox4x64-10 (Random123) keyed by (seed, purpose) with counter (draw,
// dimension / 4): a value depends on the seed, the purpose, the draw index and
// the dimension alone, never on thread, block or process. Purposes keep
// parameters and shocks apart, so adding a kind of draw never shifts another.
// Latin hypercube sampling stratifies each dimension over all N draws with a
// keyed pseudo-random permutation of [0, N) (a cycle-walking Feistel network),
// so it also needs no shared state. Covered by tests/test_sampler.cpp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/core/scenario_spec.hpp"

namespace sectorsim::core {

/// Stream purposes (part of the key). Never renumber: results depend on them.
enum class Purpose : std::uint64_t { Parameters = 1, Shocks = 2, LhsPermutation = 3 };

/// A uniform in (0, 1) from 52 random bits: (k + 0.5) * 2^-52.
inline double to_unit(std::uint64_t x) {
  return (static_cast<double>(x >> 12) + 0.5) * 0x1.0p-52;
}

/// Raw Philox4x64-10 block: four 64-bit words for (seed, purpose, draw, block).
void philox_block(std::uint64_t seed, Purpose purpose, std::uint64_t draw, std::uint64_t block,
                  std::uint64_t out[4]);

/// A keyed bijection of [0, n), n >= 1 (for Latin hypercube strata).
class KeyedPermutation {
 public:
  KeyedPermutation(std::uint64_t n, std::uint64_t key);
  std::uint64_t operator()(std::uint64_t x) const;

 private:
  std::uint64_t round(std::uint64_t half, int r) const;
  std::uint64_t n_;
  std::uint64_t key_;
  int half_bits_ = 1;
  std::uint64_t mask_ = 1;
};

/// Generates the uniforms of a run.
class UniformSource {
 public:
  UniformSource(std::uint64_t seed, Sampler sampler, std::uint64_t n_draws);

  /// u[j * stride + lane] for dimensions j in [0, n_dims) of `purpose`, for the
  /// draws first_draw ... first_draw + n - 1.
  void fill(Purpose purpose, int n_dims, std::uint64_t first_draw, std::size_t n, double* u,
            std::size_t stride) const;

  std::uint64_t seed() const { return seed_; }
  Sampler sampler() const { return sampler_; }

 private:
  std::uint64_t seed_;
  Sampler sampler_;
  std::uint64_t n_draws_;
};

}  // namespace sectorsim::core
