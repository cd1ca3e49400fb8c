#include "engine/sampling/sampler.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <string>

#include <Random123/philox.h>
#include <boost/random/detail/sobol_table.hpp>

namespace sectorsim::core {

const char* sampler_name(Sampler s) {
  switch (s) {
    case Sampler::MonteCarlo:
      return "mc";
    case Sampler::LatinHypercube:
      return "lhs";
    case Sampler::Sobol:
      return "sobol";
  }
  return "?";
}

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

// Philox4x64 constants (Random123's PHILOX_M4x64_0/1 and PHILOX_W64_0/1).
constexpr std::uint64_t PHILOX_M0 = 0xD2E7470EE14C6C93ULL;
constexpr std::uint64_t PHILOX_M1 = 0xCA5A826395121157ULL;
constexpr std::uint64_t PHILOX_W0 = 0x9E3779B97F4A7C15ULL;
constexpr std::uint64_t PHILOX_W1 = 0xBB67AE8584CAA73BULL;
__extension__ using U128 = unsigned __int128;

// Philox4x64-10 on PHILOX_GROUP blocks at once under one key, structure of
// arrays (x[word][block]): Random123's rounds (round, then bump the key),
// with eight independent multiply chains in flight instead of one
// latency-bound chain (BM_Philox times it). Fully unrolled, so that
// the words live in registers where they can.
constexpr std::size_t PHILOX_GROUP = 8;
[[gnu::always_inline]] inline void philox_group(std::uint64_t k0, std::uint64_t k1,
                                                std::uint64_t (&x)[4][PHILOX_GROUP]) {
#pragma GCC unroll 10
  for (int r = 0; r < 10; ++r) {
#pragma GCC unroll 8
    for (std::size_t g = 0; g < PHILOX_GROUP; ++g) {
      const U128 p0 = static_cast<U128>(PHILOX_M0) * x[0][g];
      const U128 p1 = static_cast<U128>(PHILOX_M1) * x[2][g];
      const std::uint64_t hi0 = static_cast<std::uint64_t>(p0 >> 64);
      const std::uint64_t hi1 = static_cast<std::uint64_t>(p1 >> 64);
      x[0][g] = hi1 ^ x[1][g] ^ k0;
      x[1][g] = static_cast<std::uint64_t>(p1);
      x[2][g] = hi0 ^ x[3][g] ^ k1;
      x[3][g] = static_cast<std::uint64_t>(p0);
    }
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
}

// to_unit(x), bit for bit, in operations SSE2 has for pairs of lanes: x >> 12
// is below 2^52, so 2^52 + (x >> 12) is exact as the double with those
// mantissa bits, and subtracting 2^52 leaves static_cast<double>(x >> 12).
inline double to_unit_vectorisable(std::uint64_t x) {
  const double k = std::bit_cast<double>((x >> 12) | 0x4330000000000000ULL) - 0x1p52;
  return (k + 0.5) * 0x1.0p-52;
}

}  // namespace

void philox_many(std::uint64_t key0, std::uint64_t key1, const std::uint64_t* ctr0,
                 const std::uint64_t* ctr1, std::size_t n, std::uint64_t* out) {
  std::uint64_t x[4][PHILOX_GROUP];
  for (std::size_t i0 = 0; i0 < n; i0 += PHILOX_GROUP) {
    const std::size_t m = std::min(PHILOX_GROUP, n - i0);
    for (std::size_t g = 0; g < PHILOX_GROUP; ++g) {
      x[0][g] = g < m ? ctr0[i0 + g] : 0;
      x[1][g] = g < m ? ctr1[i0 + g] : 0;
      x[2][g] = 0;
      x[3][g] = 0;
    }
    philox_group(key0, key1, x);
    for (std::size_t g = 0; g < m; ++g)
      for (std::size_t k = 0; k < 4; ++k)
        out[4 * (i0 + g) + k] = x[k][g];
  }
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

// ---------------------------------------------------------------------------
// Sobol.

namespace {

using SobolTable = boost::random::detail::qrng_tables::sobol;
static_assert(SobolTable::max_dimension == SOBOL_MAX_DIMS);

constexpr int SOBOL_BITS = 32;
// Words per (replicate, dimension) record: 32 direction numbers, the shift.
constexpr std::size_t SOBOL_RECORD = SOBOL_BITS + 1;

// Direction numbers v[dim][k], MSB-aligned 32-bit integers, for every
// dimension of the table: the Bratley-Fox recurrence on Joe and Kuo's
// primitive polynomials and initial numbers (as boost::random::sobol builds
// them). 470 KB, built once; read-only afterwards, so threads share it.
const std::vector<std::uint32_t>& direction_numbers() {
  static const std::vector<std::uint32_t> table = [] {
    std::vector<std::uint32_t> v(static_cast<std::size_t>(SOBOL_MAX_DIMS) * SOBOL_BITS);
    // m[k]: odd integers below 2^(k+1); v_k = m_k 2^(31-k).
    std::uint32_t m[SOBOL_BITS];
    for (int dim = 0; dim < SOBOL_MAX_DIMS; ++dim) {
      if (dim == 0) {
        // The first dimension is the van der Corput sequence: m_k = 1.
        for (int k = 0; k < SOBOL_BITS; ++k)
          m[k] = 1;
      } else {
        const std::size_t j = static_cast<std::size_t>(dim - 1);
        const unsigned poly = SobolTable::polynomial(j);
        const int degree = static_cast<int>(std::bit_width(poly)) - 1;
        for (int k = 0; k < degree; ++k)
          m[k] = SobolTable::minit(j, static_cast<std::size_t>(k));
        // m_k = 2 a_1 m_{k-1} ^ 4 a_2 m_{k-2} ^ ... ^ 2^s m_{k-s} ^ m_{k-s},
        // with a_i the inner coefficients of the polynomial.
        for (int k = degree; k < SOBOL_BITS; ++k) {
          std::uint32_t x = m[k - degree] ^ (m[k - degree] << degree);
          for (int i = 1; i < degree; ++i) {
            if ((poly >> (degree - i)) & 1u) x ^= m[k - i] << i;
          }
          m[k] = x;
        }
      }
      for (int k = 0; k < SOBOL_BITS; ++k) {
        v[static_cast<std::size_t>(dim) * SOBOL_BITS + static_cast<std::size_t>(k)] =
            m[k] << (SOBOL_BITS - 1 - k);
      }
    }
    return v;
  }();
  return table;
}

}  // namespace

std::uint32_t sobol_point(std::uint64_t i, int dim) {
  if (dim < 0 || dim >= SOBOL_MAX_DIMS)
    throw std::invalid_argument("sobol_point: dimension " + std::to_string(dim) + " outside [0, " +
                                std::to_string(SOBOL_MAX_DIMS) + ")");
  if (i >> SOBOL_BITS) throw std::invalid_argument("sobol_point: index beyond 2^32");
  const std::uint32_t* v = direction_numbers().data() + static_cast<std::size_t>(dim) * SOBOL_BITS;
  std::uint64_t g = i ^ (i >> 1);
  std::uint32_t x = 0;
  for (; g; g &= g - 1)
    x ^= v[std::countr_zero(g)];
  return x;
}

UniformSource::UniformSource(std::uint64_t seed, Sampler sampler, std::uint64_t n_draws,
                             const SobolSettings& sobol)
    : seed_(seed), sampler_(sampler), n_draws_(n_draws), sobol_(sobol) {
  if (sampler_ != Sampler::Sobol) return;
  if (sobol.param_dims < 0 || sobol.shock_dims < 0)
    throw std::invalid_argument("sobol sampler: negative dimension count");
  const long long dims = static_cast<long long>(sobol.param_dims) + sobol.shock_dims;
  if (dims > SOBOL_MAX_DIMS)
    throw std::invalid_argument("sobol sampler: the model needs " + std::to_string(dims) +
                                " dimensions (" + std::to_string(sobol.param_dims) +
                                " parameters + " + std::to_string(sobol.shock_dims) +
                                " shocks) but the direction-number table supports at most " +
                                std::to_string(SOBOL_MAX_DIMS) + "; use --sampler mc or lhs");
  if (sobol.replicates < MIN_REPLICATES || sobol.replicates > MAX_REPLICATES)
    throw std::invalid_argument(
        "sobol sampler: replicates must be in [" + std::to_string(MIN_REPLICATES) + ", " +
        std::to_string(MAX_REPLICATES) + "] (got " + std::to_string(sobol.replicates) + ")");
  const std::uint64_t reps = static_cast<std::uint64_t>(sobol.replicates);
  // Points per replicate: ceil(n_draws / R), written so that it cannot overflow.
  const std::uint64_t points = n_draws / reps + (n_draws % reps != 0 ? 1 : 0);
  if (points > (std::uint64_t{1} << SOBOL_BITS))
    throw std::invalid_argument("sobol sampler: more than 2^32 points per replicate");
  sobol_dims_ = static_cast<int>(dims);

  // Random linear scramble plus digital shift (Matousek), 64 bits wide, per
  // (replicate, dimension): y = M x ^ e with M unit lower triangular in digit
  // order. Column b of M (input bit b, b = 63 the first digit) is bit b plus
  // random bits below it; x has only its top 32 bits set, so only columns
  // 32 ... 63 are needed. M is linear, so the scrambled point is the shift
  // XOR the scrambled direction numbers M v_k of g(i)'s set bits: tabulated
  // here, random access stays one XOR per set bit. Rows below bit 32 give
  // the extra digits a nested scramble would; the 64-bit shift makes every
  // point uniform on the 2^-64 grid, so each replicate mean is unbiased.
  const std::vector<std::uint32_t>& v = direction_numbers();
  scrambled_.assign(reps * static_cast<std::size_t>(dims) * SOBOL_RECORD, 0);
  std::uint64_t words[36];  // 9 Philox blocks: 32 columns, the shift, 3 unused
  for (std::uint64_t r = 0; r < reps; ++r) {
    for (std::size_t d = 0; d < static_cast<std::size_t>(dims); ++d) {
      for (std::uint64_t b = 0; b < 9; ++b)
        philox_block(seed_, Purpose::SobolScramble, r, d * 16 + b, words + 4 * b);
      std::uint64_t column[SOBOL_BITS];  // column[c]: input bit 32 + c
      for (int c = 0; c < SOBOL_BITS; ++c) {
        const std::uint64_t bit = std::uint64_t{1} << (SOBOL_BITS + c);
        column[c] = bit | (words[c] & (bit - 1));
      }
      std::uint64_t* rec =
          scrambled_.data() + (r * static_cast<std::size_t>(dims) + d) * SOBOL_RECORD;
      const std::uint32_t* vd = v.data() + d * SOBOL_BITS;
      for (int k = 0; k < SOBOL_BITS; ++k) {
        std::uint64_t y = 0;
        for (std::uint32_t x = vd[k]; x; x &= x - 1)
          y ^= column[std::countr_zero(x)];
        rec[k] = y;
      }
      rec[SOBOL_BITS] = words[SOBOL_BITS];
    }
  }
}

void UniformSource::fill_sobol(int first_dim, int n_dims, std::uint64_t first_draw, std::size_t n,
                               double* u, std::size_t stride) const {
  if (n == 0) return;
  const int reps = sobol_.replicates;
  const std::uint64_t ureps = static_cast<std::uint64_t>(reps);
  if (point_of(first_draw + n - 1, reps) >> SOBOL_BITS)
    throw std::invalid_argument("sobol sampler: more than 2^32 points per replicate");
  const std::size_t dims = static_cast<std::size_t>(sobol_dims_);
  const std::size_t first_rep = static_cast<std::size_t>(first_draw % ureps);
  for (int j = 0; j < n_dims; ++j) {
    const std::size_t d = static_cast<std::size_t>(first_dim + j);
    double* row = u + static_cast<std::size_t>(j) * stride;
    // Lanes of one replicate are R apart; walk each replicate's points in
    // Gray-code order, where consecutive points differ by one direction number.
    for (std::size_t lane0 = 0; lane0 < n && lane0 < ureps; ++lane0) {
      const std::size_t r = (first_rep + lane0) % ureps;
      const std::uint64_t* rec = scrambled_.data() + (r * dims + d) * SOBOL_RECORD;
      std::uint64_t i = point_of(first_draw + lane0, reps);
      std::uint64_t y = rec[SOBOL_BITS];
      for (std::uint64_t g = i ^ (i >> 1); g; g &= g - 1)
        y ^= rec[std::countr_zero(g)];
      row[lane0] = to_unit(y);
      for (std::size_t lane = lane0 + ureps; lane < n; lane += ureps) {
        ++i;
        y ^= rec[std::countr_zero(i)];
        row[lane] = to_unit(y);
      }
    }
  }
}

void UniformSource::fill(Purpose purpose, int n_dims, std::uint64_t first_draw, std::size_t n,
                         double* u, std::size_t stride) const {
  if (sampler_ == Sampler::Sobol) {
    // Parameters take Sobol dimensions [0, P), shocks [P, P + S): the low,
    // best-distributed coordinates go to the parameters (docs/sampling.md).
    const bool params = purpose == Purpose::Parameters;
    if (!params && purpose != Purpose::Shocks)
      throw std::invalid_argument("sobol sampler: only parameters and shocks have dimensions");
    const int limit = params ? sobol_.param_dims : sobol_.shock_dims;
    if (n_dims < 0 || n_dims > limit)
      throw std::invalid_argument(
          "sobol sampler: " + std::to_string(n_dims) + " " + (params ? "parameter" : "shock") +
          " dimensions requested, the source was set up for " + std::to_string(limit));
    fill_sobol(params ? 0 : sobol_.param_dims, n_dims, first_draw, n, u, stride);
    return;
  }
  const std::size_t dims = static_cast<std::size_t>(n_dims);
  // Block b of every lane, PHILOX_GROUP consecutive lanes at a time: the
  // same values philox_block gives one by one (test: SamplerPhilox.*), and
  // each group fills whole cache lines of rows 4b ... 4b + 3 (lane-major
  // order would write 2 KB-strided columns, which thrash the L1 sets).
  const std::size_t blocks = (dims + 3) / 4;
  const std::uint64_t key1 = static_cast<std::uint64_t>(purpose);
  std::uint64_t x[4][PHILOX_GROUP];
  for (std::size_t b = 0; b < blocks; ++b) {
    const std::size_t j = 4 * b;
    const std::size_t len = dims - j < 4 ? dims - j : 4;
    for (std::size_t l0 = 0; l0 < n; l0 += PHILOX_GROUP) {
      const std::size_t m = std::min(PHILOX_GROUP, n - l0);
      for (std::size_t g = 0; g < PHILOX_GROUP; ++g) {
        x[0][g] = first_draw + l0 + g;
        x[1][g] = b;
        x[2][g] = 0;
        x[3][g] = 0;
      }
      philox_group(seed_, key1, x);
      for (std::size_t k = 0; k < len; ++k) {
        double* row = u + (j + k) * stride + l0;
        for (std::size_t g = 0; g < m; ++g)
          row[g] = to_unit_vectorisable(x[k][g]);
      }
    }
  }
  if (sampler_ != Sampler::LatinHypercube) return;
  // Strata exist for draws [0, n_draws) only; past them the permutation's
  // cycle walk has nothing to land on.
  if (first_draw + n > n_draws_) {
    throw std::out_of_range("Latin hypercube draw " + std::to_string(first_draw + n - 1) +
                            " is beyond the run's " + std::to_string(n_draws_) + " draws");
  }
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
