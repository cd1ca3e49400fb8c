// Estimators of global sensitivity analysis (MODEL.md 8.9, docs/sensitivity.md):
// Sobol first-order and total indices from the A, B and AB_i matrices of
// Saltelli's design, with bootstrap intervals, and Morris elementary effects
// over trajectories chosen for their spread (Campolongo et al. 2007). Pure
// numerics: the model outputs come in, the indices go out; the design's
// evaluation is engine/analysis/sensitivity.hpp's. Every result depends on
// its inputs and the seed alone (never on the thread count). Covered by
// tests/test_sensitivity.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/sampling/sampler.hpp"
#include "engine/stats/intervals.hpp"

namespace sectorsim::core {

/// Bootstrap resamples of an index's interval, unless the caller asks for
/// another number.
inline constexpr int SENSITIVITY_RESAMPLES = 200;

/// z of the two-sided 95% normal interval: a `_conf` is z times the standard
/// deviation of the index over the bootstrap resamples.
inline constexpr double CONF_Z = Z95;

/// One factor's Sobol indices. A `_conf` is the half-width of the index's
/// 95% interval (index ± conf): CONF_Z times the standard deviation of the
/// estimate over bootstrap resamples of the N rows.
struct SobolIndex {
  double s1 = 0, s1_conf = 0;
  double st = 0, st_conf = 0;
};

/// The indices of every factor of one output, with the output's mean and
/// variance over the 2N rows of A and B.
struct SobolEstimate {
  std::vector<SobolIndex> factors;
  double mean = 0;
  double variance = 0;
};

/// Sobol indices from n rows: f_a and f_b the output on A and on B,
/// f_ab[i] on AB_i (A with factor i's columns, or a group's, taken from B).
/// V = the variance of f over A and B together (population, 2n values);
/// first order (Saltelli et al. 2010) S1_i = mean(f_B (f_ABi - f_A)) / V;
/// total (Jansen 1999) ST_i = mean((f_A - f_ABi)^2) / (2 V). Small indices
/// may come out negative and are returned as computed. `resamples`
/// bootstrap resamples of the rows (a counter-based stream of `seed`, on
/// `threads` threads; the result is the same for any count) give the
/// intervals. A constant output (V = 0) gives NaN indices.
SobolEstimate sobol_indices(const double* f_a, const double* f_b,
                            const std::vector<const double*>& f_ab, std::size_t n,
                            std::uint64_t seed, int resamples = SENSITIVITY_RESAMPLES,
                            int threads = 1);

/// The row indices of bootstrap resample `b` of n rows (uniform, with
/// replacement), a function of (seed, b) alone.
std::vector<std::uint32_t> bootstrap_rows(std::uint64_t seed, std::uint64_t b, std::size_t n);

/// Levels of a Morris grid unless the caller asks for another number.
inline constexpr int MORRIS_LEVELS = 4;
/// Candidate trajectories a design chooses from, per trajectory kept.
inline constexpr int MORRIS_CANDIDATES_PER_TRAJECTORY = 4;

/// A Morris design of r trajectories over k factors on a grid of p levels
/// {0, 1/(p-1), ..., 1} (p even) with step delta = p / (2 (p - 1)): each
/// trajectory is k + 1 points, point s + 1 being point s with factor
/// moved[t * k + s] shifted by +-delta.
struct MorrisDesign {
  int k = 0;
  int r = 0;
  int levels = MORRIS_LEVELS;
  double delta = 0;
  /// points[((t * (k + 1)) + s) * k + i]: coordinate i of point s of trajectory t.
  std::vector<double> points;
  std::vector<int> moved;  ///< [t * k + s]
  /// Which of the candidates each kept trajectory was (increasing).
  std::vector<int> chosen;
};

/// Morris (1991) trajectories: base levels uniform on the lower half of the
/// grid, a random order of the factors, a random direction each; `r` of
/// `candidates` (>= r) random trajectories kept by Campolongo et al.'s
/// (2007) spread: the distance of two trajectories is the sum of the
/// Euclidean distances between their points, and the r kept maximise the
/// sum of squared distances, chosen greedily (the farthest pair first, then
/// the candidate farthest from those kept). A function of (k, r,
/// candidates, levels, seed). Throws std::invalid_argument for k < 1,
/// r < 2, candidates < r or an odd levels < 2.
MorrisDesign morris_design(int k, int r, int candidates, int levels, std::uint64_t seed);

/// Campolongo's distance of trajectories a and b of `design`'s candidates'
/// shape (k + 1 points of k coordinates each).
double trajectory_distance(const double* a, const double* b, int k);

/// One factor's elementary-effect statistics: mean mu, mean of absolute
/// values mu_star (with the half-width of its 95% bootstrap interval over
/// trajectories, as SobolIndex's) and standard deviation sigma (n - 1).
struct MorrisIndex {
  double mu = 0;
  double mu_star = 0, mu_star_conf = 0;
  double sigma = 0;
};

/// Elementary effects (y[s + 1] - y[s]) / (x_i[s + 1] - x_i[s]) of every
/// factor from y, the output at every point of `design` (index t * (k + 1)
/// + s), and their statistics.
std::vector<MorrisIndex> morris_indices(const MorrisDesign& design, const double* y,
                                        std::uint64_t seed, int resamples = SENSITIVITY_RESAMPLES);

enum class SensitivityMethod { Sobol, Morris };
/// "sobol" or "morris".
const char* method_name(SensitivityMethod m);

/// One factor's (a parameter's or a group's) indices for one output. Sobol
/// fills s1..st_conf, Morris mu..sigma; the others are NaN.
struct FactorIndices {
  std::string name;
  std::vector<std::string> members;  ///< a group's parameters ("shocks": the variates too)
  double s1, s1_conf, st, st_conf;
  double mu, mu_star, mu_star_conf, sigma;
};

struct OutputIndices {
  std::string id;           ///< as asked: "service_va@2025", "diff:service_va@2025"
  std::string description;  ///< one line, English
  double mean = 0;          ///< over the design's A and B rows (Morris: every point)
  double variance = 0;
  std::vector<FactorIndices> parameters;  ///< in the model's order
  std::vector<FactorIndices> groups;      ///< Sobol only
};

struct SensitivityResult {
  SensitivityMethod method = SensitivityMethod::Sobol;
  std::string scenario;
  std::string against;  ///< "" without a comparison
  std::uint64_t samples = 0;
  std::uint64_t seed = 0;
  Sampler sampler = Sampler::Sobol;
  int replicates = 0;
  /// Design rows (Sobol N (k + g + 2), Morris r (k + 1)) times the scenarios run.
  std::uint64_t evaluations = 0;
  int resamples = 0;
  int levels = 0;  ///< Morris grid levels
  double seconds = 0;
  std::vector<OutputIndices> outputs;
};

}  // namespace sectorsim::core
