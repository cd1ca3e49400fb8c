// Uniform variates for every (draw, dimension), from counter-based streams.
//
// Philox4x64-10 (Random123) keyed by (seed, purpose) with counter (draw,
// dimension / 4): a value depends on the seed, the purpose, the draw index and
// the dimension alone, never on thread, block or process. Purposes keep
// parameters and shocks apart, so adding a kind of draw never shifts another.
// Latin hypercube sampling stratifies each dimension over all N draws with a
// keyed pseudo-random permutation of [0, N) (a cycle-walking Feistel network),
// so it also needs no shared state. Covered by tests/test_sampler.cpp.
//
// Sobol sampling (docs/sampling.md) numbers the parameter dimensions first and
// the shock dimensions after them, interleaves R independently scrambled
// replicates (draw d is point d / R of replicate d mod R) and computes every
// point directly from its index, so it too is free of sequential state.
// Covered by tests/test_sobol.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sectorsim::core {

/// Sampling method for the uniforms that drive parameters and shocks
/// (docs/sampling.md).
enum class Sampler { MonteCarlo, LatinHypercube, Sobol };
const char* sampler_name(Sampler s);  // "mc", "lhs", "sobol"

/// Stream purposes (part of the key). Never renumber: results depend on them.
enum class Purpose : std::uint64_t {
  Parameters = 1,
  Shocks = 2,
  LhsPermutation = 3,
  SobolScramble = 4  ///< scrambling matrices and shifts of the Sobol replicates
};

/// A uniform in (0, 1) from 52 random bits: (k + 0.5) * 2^-52.
inline double to_unit(std::uint64_t x) {
  return (static_cast<double>(x >> 12) + 0.5) * 0x1.0p-52;
}

/// Raw Philox4x64-10 block: four 64-bit words for (seed, purpose, draw, block).
void philox_block(std::uint64_t seed, Purpose purpose, std::uint64_t draw, std::uint64_t block,
                  std::uint64_t out[4]);

/// Philox4x64-10 of n counters {ctr0[i], ctr1[i], 0, 0} under the key
/// {key0, key1}: out[4 i + k] is word k of block i, bit for bit what
/// Random123's r123::Philox4x64 gives. Blocks are computed several at a time
/// (independent multiply chains), several times faster than one by one.
/// Test: SamplerPhilox.ManyMatchesRandom123.
void philox_many(std::uint64_t key0, std::uint64_t key1, const std::uint64_t* ctr0,
                 const std::uint64_t* ctr1, std::size_t n, std::uint64_t* out);

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

/// Sobol dimensions the direction-number table supports (Joe and Kuo's
/// new-joe-kuo-6.21201 as cut by Boost.Random). Test: SobolPoints.TooManyDimensionsRefused.
inline constexpr int SOBOL_MAX_DIMS = 3667;

/// Randomised replicates of a Sobol run: default and allowed range.
/// Test: SobolReplicates.SettingsOutOfRangeRefused.
inline constexpr int DEFAULT_REPLICATES = 8;
inline constexpr int MIN_REPLICATES = 2;
inline constexpr int MAX_REPLICATES = 1024;

/// Unscrambled Sobol coordinate, 32 bits, of the point with Gray-code rank i
/// (the point x_{g(i)}, g(i) = i ^ (i >> 1), built from the direction numbers
/// as XOR over the set bits of g(i)); dim in [0, SOBOL_MAX_DIMS), i < 2^32.
/// Rank i + 1 is boost::random::sobol's i-th output. Test: SobolPoints.MatchBoostSobol.
std::uint32_t sobol_point(std::uint64_t i, int dim);

/// What a Sobol source needs beyond the seed: how many dimensions each purpose
/// has (shock dimension k is Sobol dimension param_dims + k) and how many
/// independently scrambled replicates the draws are dealt into.
/// Test: SobolDimensions.ShocksFollowParameters.
struct SobolSettings {
  int param_dims = 0;
  int shock_dims = 0;
  int replicates = DEFAULT_REPLICATES;
};

/// The replicate that draw d belongs to under R interleaved replicates, and its
/// point index within that replicate.
/// Test: SobolFill.ValueIsScrambledPointOfReplicateAndIndex.
inline int replicate_of(std::uint64_t draw, int replicates) {
  return static_cast<int>(draw % static_cast<std::uint64_t>(replicates));
}
inline std::uint64_t point_of(std::uint64_t draw, int replicates) {
  return draw / static_cast<std::uint64_t>(replicates);
}

/// Generates the uniforms of a run.
class UniformSource {
 public:
  /// `sobol` is read only by Sampler::Sobol, which builds the scrambled
  /// direction numbers of every (replicate, dimension) here; throws
  /// std::invalid_argument for more than SOBOL_MAX_DIMS dimensions, replicates
  /// outside [MIN_REPLICATES, MAX_REPLICATES] or more than 2^32 points per
  /// replicate. Tests: SobolPoints.TooManyDimensionsRefused,
  /// SobolReplicates.SettingsOutOfRangeRefused.
  UniformSource(std::uint64_t seed, Sampler sampler, std::uint64_t n_draws,
                const SobolSettings& sobol = {});

  /// u[j * stride + lane] for dimensions j in [0, n_dims) of `purpose`, for the
  /// draws first_draw ... first_draw + n - 1. Under Sobol, n_dims may not
  /// exceed the settings' count for the purpose (std::invalid_argument).
  /// Tests: SamplerBatches.*, SobolFill.*.
  void fill(Purpose purpose, int n_dims, std::uint64_t first_draw, std::size_t n, double* u,
            std::size_t stride) const;

  std::uint64_t seed() const { return seed_; }
  Sampler sampler() const { return sampler_; }
  /// Sobol settings as given (meaningful under Sampler::Sobol only).
  /// Test: SobolDimensions.DrawInputsUseParameterThenShockDimensions.
  const SobolSettings& sobol() const { return sobol_; }

 private:
  void fill_sobol(int first_dim, int n_dims, std::uint64_t first_draw, std::size_t n, double* u,
                  std::size_t stride) const;

  std::uint64_t seed_;
  Sampler sampler_;
  std::uint64_t n_draws_;
  SobolSettings sobol_;
  int sobol_dims_ = 0;  // param_dims + shock_dims
  // Per (replicate, Sobol dimension), SOBOL_RECORD words: the 32 scrambled
  // direction numbers (64 bits wide) and the digital shift.
  std::vector<std::uint64_t> scrambled_;
};

}  // namespace sectorsim::core
