// Random streams: Philox4x64-10 known answers, the (seed, purpose, draw,
// dimension) addressing of every uniform whatever the batch and stride, the
// uniforms' range and moments, Latin hypercube stratification and the keyed
// permutation behind it.
#include "engine/sampling/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <Random123/philox.h>
#include <gtest/gtest.h>

#include "tests/support.hpp"

namespace sectorsim {
namespace core {
// Test names and failure messages show "mc" or "lhs".
static void PrintTo(Sampler s, std::ostream* os) {
  *os << sampler_name(s);
}
}  // namespace core

namespace {

using core::KeyedPermutation;
using core::Purpose;
using core::Sampler;
using core::UniformSource;
using testing::expect_within_se;

using Philox = r123::Philox4x64;

// Random123 kat_vectors, "philox4x64 10" lines: counter, key, expected output.
struct Kat {
  Philox::ctr_type ctr;
  Philox::key_type key;
  std::uint64_t expected[4];
};
const Kat kats[] = {
    {{{0, 0, 0, 0}},
     {{0, 0}},
     {0x16554d9eca36314cULL, 0xdb20fe9d672d0fdcULL, 0xd7e772cee186176bULL, 0x7e68b68aec7ba23bULL}},
    {{{~0ULL, ~0ULL, ~0ULL, ~0ULL}},
     {{~0ULL, ~0ULL}},
     {0x87b092c3013fe90bULL, 0x438c3c67be8d0224ULL, 0x9cc7d7c69cd777b6ULL, 0xa09caebf594f0ba0ULL}},
    {{{0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL, 0xa4093822299f31d0ULL, 0x082efa98ec4e6c89ULL}},
     {{0x452821e638d01377ULL, 0xbe5466cf34e90c6cULL}},
     {0xa528f45403e61d95ULL, 0x38c72dbd566e9788ULL, 0xa5a1610e72fd18b5ULL, 0x57bd43b5e52b7fe6ULL}},
};

TEST(SamplerPhilox, Random123KnownAnswers) {
  for (const Kat& k : kats) {
    const Philox::ctr_type r = Philox()(k.ctr, k.key);
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(r[i], k.expected[i]) << "word " << i;
    }
  }
}

TEST(SamplerPhilox, BlockIsPhiloxOfDrawBlockSeedPurpose) {
  // Counter and key all zero: the first kat_vectors line.
  std::uint64_t out[4];
  core::philox_block(0, Purpose(0), 0, 0, out);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(out[i], kats[0].expected[i]) << "word " << i;
  }
  // Counter (draw, block, 0, 0), key (seed, purpose), as documented.
  for (std::uint64_t seed : {1ULL, 20221014ULL, ~0ULL}) {
    for (Purpose p : {Purpose::Parameters, Purpose::Shocks, Purpose::LhsPermutation}) {
      for (std::uint64_t draw : {0ULL, 7ULL, 1ULL << 40}) {
        for (std::uint64_t block : {0ULL, 3ULL}) {
          core::philox_block(seed, p, draw, block, out);
          const Philox::ctr_type r =
              Philox()({{draw, block, 0, 0}}, {{seed, static_cast<std::uint64_t>(p)}});
          for (int i = 0; i < 4; ++i) {
            ASSERT_EQ(out[i], r[i]);
          }
        }
      }
    }
  }
}

TEST(SamplerToUnit, StrictlyInsideUnitInterval) {
  // Closed form: (k + 0.5) 2^-52 with k the top 52 bits.
  EXPECT_EQ(core::to_unit(0), 0x1p-53);
  EXPECT_EQ(core::to_unit(~0ULL), 1.0 - 0x1p-53);
  EXPECT_EQ(core::to_unit(1ULL << 63), 0.5 + 0x1p-53);
  EXPECT_EQ(core::to_unit(0xfff), 0x1p-53);  // the low 12 bits are dropped
  EXPECT_GT(core::to_unit(0), 0.0);
  EXPECT_LT(core::to_unit(~0ULL), 1.0);
}

// Fill draws [first, first + n) of n_dims dimensions with a given stride.
std::vector<double> fill(const UniformSource& src, Purpose p, int n_dims, std::uint64_t first,
                         std::size_t n, std::size_t stride) {
  std::vector<double> u(static_cast<std::size_t>(n_dims) * stride, -1.0);
  src.fill(p, n_dims, first, n, u.data(), stride);
  return u;
}

TEST(SamplerUniform, ValueIsPhiloxWordOfSeedPurposeDrawDimension) {
  // Under plain Monte Carlo, dimension j of draw d is word j % 4 of block j / 4.
  const UniformSource src(99, Sampler::MonteCarlo, 100);
  const int dims = 7;
  const auto u = fill(src, Purpose::Shocks, dims, 10, 20, 20);
  std::uint64_t r[4];
  for (std::uint64_t lane = 0; lane < 20; ++lane) {
    for (int j = 0; j < dims; ++j) {
      core::philox_block(99, Purpose::Shocks, 10 + lane, static_cast<std::uint64_t>(j / 4), r);
      EXPECT_EQ(u[static_cast<std::size_t>(j) * 20 + lane], core::to_unit(r[j % 4]));
    }
  }
}

class SamplerBatches : public ::testing::TestWithParam<Sampler> {};

TEST_P(SamplerBatches, ValueIndependentOfBatchStartAndStride) {
  const std::uint64_t n_draws = 1000;
  const int dims = 11;  // three Philox blocks, the last one partly used
  const UniformSource src(12345, GetParam(), n_draws);
  for (Purpose p : {Purpose::Parameters, Purpose::Shocks}) {
    // Reference: all draws in one batch from draw 0.
    const auto ref = fill(src, p, dims, 0, n_draws, n_draws);
    auto at = [&](int j, std::uint64_t d) {
      return ref[static_cast<std::size_t>(j) * n_draws + d];
    };
    // Batches of varying size and stride, starting at every kind of draw.
    const std::size_t sizes[] = {1, 2, 3, 5, 8, 13, 64, 100, 250};
    std::uint64_t first = 0;
    for (std::size_t k = 0; first < n_draws; ++k) {
      const std::size_t n = std::min<std::size_t>(sizes[k % 9], n_draws - first);
      const std::size_t stride = n + k % 4;
      const auto u = fill(src, p, dims, first, n, stride);
      for (int j = 0; j < dims; ++j) {
        for (std::size_t lane = 0; lane < n; ++lane) {
          ASSERT_EQ(u[static_cast<std::size_t>(j) * stride + lane], at(j, first + lane))
              << "dim " << j << ", draw " << first + lane << ", batch size " << n << ", stride "
              << stride;
        }
        // Padding between rows is left alone.
        for (std::size_t lane = n; lane < stride; ++lane) {
          ASSERT_EQ(u[static_cast<std::size_t>(j) * stride + lane], -1.0);
        }
      }
      first += n;
    }
    // Single draws (first, middle, last), and fewer dimensions: the leading
    // dimensions do not depend on how many follow.
    for (std::uint64_t d : {0ULL, 1ULL, 499ULL, 999ULL}) {
      const auto one = fill(src, p, dims, d, 1, 1);
      for (int j = 0; j < dims; ++j) {
        EXPECT_EQ(one[static_cast<std::size_t>(j)], at(j, d));
      }
      const auto few = fill(src, p, 3, d, 1, 1);
      for (int j = 0; j < 3; ++j) {
        EXPECT_EQ(few[static_cast<std::size_t>(j)], at(j, d));
      }
    }
  }
}

TEST_P(SamplerBatches, StrictlyInsideUnitInterval) {
  const std::uint64_t n = 100000;
  const UniformSource src(7, GetParam(), n);
  const auto u = fill(src, Purpose::Parameters, 5, 0, n, n);
  for (double v : u) {
    ASSERT_GT(v, 0.0);
    ASSERT_LT(v, 1.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Sampler, SamplerBatches,
                         ::testing::Values(Sampler::MonteCarlo, Sampler::LatinHypercube),
                         [](const auto& test) {
                           return std::string(core::sampler_name(test.param));
                         });

// Sample correlation of two equal-length columns.
double correlation(const double* a, const double* b, std::size_t n) {
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= static_cast<double>(n);
  mb /= static_cast<double>(n);
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

TEST(SamplerUniform, SeedsPurposesDrawsAndDimensionsGiveDifferentStreams) {
  // Streams must differ value by value and be uncorrelated: the sample
  // correlation of independent uniforms has standard error 1 / sqrt(n).
  const std::size_t n = 100000;
  const double se = 1.0 / std::sqrt(static_cast<double>(n));
  const UniformSource a(1, Sampler::MonteCarlo, n), b(2, Sampler::MonteCarlo, n);
  const auto a_par = fill(a, Purpose::Parameters, 2, 0, n, n);
  const auto b_par = fill(b, Purpose::Parameters, 2, 0, n, n);
  const auto a_shk = fill(a, Purpose::Shocks, 2, 0, n, n);
  const auto a_next = fill(a, Purpose::Parameters, 2, 1, n, n);  // draws shifted by one
  struct Pair {
    const char* what;
    const double* x;
    const double* y;
  };
  const Pair pairs[] = {
      {"seed 1 vs seed 2", a_par.data(), b_par.data()},
      {"parameters vs shocks", a_par.data(), a_shk.data()},
      {"draw d vs draw d + 1", a_par.data(), a_next.data()},
      {"dimension 0 vs dimension 1", a_par.data(), a_par.data() + n},
  };
  for (const Pair& p : pairs) {
    std::size_t equal = 0;
    for (std::size_t i = 0; i < n; ++i) {
      equal += p.x[i] == p.y[i] ? 1 : 0;
    }
    EXPECT_EQ(equal, 0u) << p.what;
    expect_within_se(std::string(p.what) + " correlation", correlation(p.x, p.y, n), 0.0, se, 4.0);
  }
  // The shifted fill holds the same draws one place earlier.
  for (std::size_t i = 0; i + 1 < n; ++i) {
    ASSERT_EQ(a_next[i], a_par[i + 1]);
  }
}

TEST(SamplerUniform, MonteCarloMeanAndVariance) {
  // U(0, 1): mean 1/2, variance 1/12, fourth central moment 1/80 (closed form);
  // standard errors sqrt(1/12 / n) and sqrt((1/80 - 1/144) / n).
  const std::size_t n = 200000;
  const UniformSource src(20221014, Sampler::MonteCarlo, n);
  const int dims = 6;
  const auto u = fill(src, Purpose::Parameters, dims, 0, n, n);
  const double nn = static_cast<double>(n);
  for (int j = 0; j < dims; ++j) {
    const double* x = u.data() + static_cast<std::size_t>(j) * n;
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      sum += x[i];
    }
    const double mean = sum / nn;
    double m2 = 0;
    for (std::size_t i = 0; i < n; ++i) {
      m2 += (x[i] - mean) * (x[i] - mean);
    }
    const std::string dim = "dimension " + std::to_string(j);
    expect_within_se(dim + " mean", mean, 0.5, std::sqrt(1.0 / 12 / nn), 4.0);
    expect_within_se(dim + " variance", m2 / (nn - 1), 1.0 / 12,
                     std::sqrt((1.0 / 80 - 1.0 / 144) / nn), 4.0);
  }
}

// ---------------------------------------------------------------------------
// Latin hypercube.

TEST(SamplerLhs, EveryStratumExactlyOnceWhateverTheBatches) {
  const int dims = 6;
  for (std::uint64_t n_draws : {1ULL, 2ULL, 7ULL, 1000ULL, 4097ULL}) {
    const UniformSource lhs(777, Sampler::LatinHypercube, n_draws);
    const UniformSource mc(777, Sampler::MonteCarlo, n_draws);
    for (Purpose p : {Purpose::Parameters, Purpose::Shocks}) {
      std::vector<std::vector<int>> seen(dims, std::vector<int>(n_draws, 0));
      const std::size_t sizes[] = {1, 3, 64, 2, 1000, 17};
      std::uint64_t first = 0;
      for (std::size_t k = 0; first < n_draws; ++k) {
        const std::size_t n = std::min<std::size_t>(sizes[k % 6], n_draws - first);
        const std::size_t stride = n + 1;
        const auto u = fill(lhs, p, dims, first, n, stride);
        const auto jitter = fill(mc, p, dims, first, n, stride);
        for (int j = 0; j < dims; ++j) {
          for (std::size_t lane = 0; lane < n; ++lane) {
            const std::size_t i = static_cast<std::size_t>(j) * stride + lane;
            const double scaled = u[i] * static_cast<double>(n_draws);
            const double stratum = std::floor(scaled);
            ASSERT_GE(stratum, 0.0);
            ASSERT_LT(stratum, static_cast<double>(n_draws));
            ++seen[static_cast<std::size_t>(j)][static_cast<std::size_t>(stratum)];
            // Within its stratum the value sits at the Monte Carlo uniform of the draw.
            ASSERT_NEAR(scaled - stratum, jitter[i], 1e-12 * static_cast<double>(n_draws))
                << "N " << n_draws << ", dim " << j << ", draw " << first + lane;
          }
        }
        first += n;
      }
      for (int j = 0; j < dims; ++j) {
        for (std::uint64_t s = 0; s < n_draws; ++s) {
          ASSERT_EQ(seen[static_cast<std::size_t>(j)][s], 1)
              << "N " << n_draws << ", dim " << j << ", stratum " << s;
        }
      }
    }
  }
}

TEST(SamplerLhs, DimensionsAndPurposesUseDifferentPermutations) {
  const std::uint64_t n = 1000;
  const UniformSource lhs(5, Sampler::LatinHypercube, n);
  std::vector<std::vector<std::uint64_t>> strata;
  for (Purpose p : {Purpose::Parameters, Purpose::Shocks}) {
    const auto u = fill(lhs, p, 4, 0, n, n);
    for (int j = 0; j < 4; ++j) {
      std::vector<std::uint64_t> s(n);
      for (std::size_t i = 0; i < n; ++i) {
        s[i] = static_cast<std::uint64_t>(u[static_cast<std::size_t>(j) * n + i] * n);
      }
      strata.push_back(s);
    }
  }
  for (std::size_t a = 0; a < strata.size(); ++a) {
    for (std::size_t b = a + 1; b < strata.size(); ++b) {
      EXPECT_NE(strata[a], strata[b]) << "columns " << a << " and " << b;
    }
  }
}

TEST(SamplerLhs, MeanOfStratifiedUniformIsTight) {
  // One point uniformly inside each of N strata: the mean has variance
  // N * (1 / (12 N^2)) / N^2 = 1 / (12 N^3) (closed form), far below Monte
  // Carlo's 1 / (12 N). Variance 1/12 with the Monte Carlo standard error.
  const std::size_t n = 200000;
  const UniformSource src(20221014, Sampler::LatinHypercube, n);
  const int dims = 5;
  const auto u = fill(src, Purpose::Shocks, dims, 0, n, n);
  const double nn = static_cast<double>(n);
  for (int j = 0; j < dims; ++j) {
    const double* x = u.data() + static_cast<std::size_t>(j) * n;
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      sum += x[i];
    }
    const double mean = sum / nn;
    double m2 = 0;
    for (std::size_t i = 0; i < n; ++i) {
      m2 += (x[i] - mean) * (x[i] - mean);
    }
    const std::string dim = "LHS dimension " + std::to_string(j);
    expect_within_se(dim + " mean", mean, 0.5, std::sqrt(1.0 / (12 * nn * nn * nn)), 4.0);
    expect_within_se(dim + " variance", m2 / (nn - 1), 1.0 / 12,
                     std::sqrt((1.0 / 80 - 1.0 / 144) / nn), 4.0);
  }
}

// ---------------------------------------------------------------------------
// Keyed permutation.

TEST(SamplerKeyedPermutation, IsABijection) {
  for (std::uint64_t n : {1ULL, 2ULL, 3ULL, 255ULL, 256ULL, 257ULL, 10007ULL}) {
    for (std::uint64_t key : {0ULL, 1ULL, 0x9e3779b97f4a7c15ULL, ~0ULL}) {
      const KeyedPermutation perm(n, key);
      std::vector<int> hits(n, 0);
      for (std::uint64_t x = 0; x < n; ++x) {
        const std::uint64_t y = perm(x);
        ASSERT_LT(y, n) << "n " << n << ", key " << key << ", x " << x;
        ++hits[y];
      }
      for (std::uint64_t y = 0; y < n; ++y) {
        ASSERT_EQ(hits[y], 1) << "n " << n << ", key " << key << ", value " << y;
      }
    }
  }
}

TEST(SamplerKeyedPermutation, KeysGiveDifferentWellMixedPermutations) {
  // Distinct keys give distinct permutations, none the identity, and the image
  // is uncorrelated with the input: for a random permutation the correlation
  // of x and perm(x) has standard error 1 / sqrt(n - 1).
  for (std::uint64_t n : {256ULL, 257ULL, 10007ULL}) {
    std::vector<std::vector<double>> images;
    std::vector<double> identity(n);
    for (std::uint64_t x = 0; x < n; ++x) {
      identity[x] = static_cast<double>(x);
    }
    for (std::uint64_t key = 0; key < 8; ++key) {
      const KeyedPermutation perm(n, key * 0x9e3779b97f4a7c15ULL + 1);
      std::vector<double> image(n);
      for (std::uint64_t x = 0; x < n; ++x) {
        image[x] = static_cast<double>(perm(x));
      }
      EXPECT_NE(image, identity) << "n " << n << ", key " << key;
      expect_within_se("n " + std::to_string(n) + " key " + std::to_string(key) +
                           " correlation of x and perm(x)",
                       correlation(identity.data(), image.data(), n), 0.0,
                       1.0 / std::sqrt(static_cast<double>(n - 1)), 4.0);
      images.push_back(image);
    }
    for (std::size_t a = 0; a < images.size(); ++a) {
      for (std::size_t b = a + 1; b < images.size(); ++b) {
        EXPECT_NE(images[a], images[b]) << "n " << n << ", keys " << a << " and " << b;
      }
    }
  }
}

}  // namespace
}  // namespace sectorsim
