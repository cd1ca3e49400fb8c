// Prior distributions of uncertain parameters, sampled by inverse CDF.
//
// A Prior maps a uniform u in (0, 1) to a parameter value through its quantile
// function, so the same prior works under plain Monte Carlo, Latin hypercube
// and quasi-random sampling. Closed-form quantiles are used where they exist
// (normal via Wichura's AS241, lognormal, uniform, triangular, truncated normal
// through the normal CDF); beta and PERT use a Hermite table built once from
// Boost.Math's exact quantile and density, with the far tails evaluated exactly.
// Covered by tests/test_prior.cpp (reference quantiles, table error < 1e-9).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace sectorsim::core {

/// Kinds of prior distribution accepted in scenarios.
enum class Dist { Fixed, Normal, TruncatedNormal, LogNormal, Uniform, Triangular, Beta, Pert };

/// The scenario-file spelling of a distribution ("fixed", "normal", ...).
const char* dist_name(Dist d);

/// Standard normal quantile (Wichura 1988, algorithm AS241 PPND16); relative
/// error about 1e-16 on (0, 1). Returns -inf/+inf at 0/1.
double normal_quantile(double u);
/// z[i] = normal_quantile(u[i]) for i < n, bit for bit (z may alias u), in
/// the CPU's widest vectors (Highway's dynamic dispatch).
/// Test: PriorBatch.NormalQuantileManyMatchesScalarOnEveryTarget.
void normal_quantile_many(const double* u, double* z, std::size_t n);

/// Standard normal CDF via erfc (relative error about 1e-16 (1 + x^2)).
double normal_cdf(double x);

class BetaTable;

/// Threads a beta or PERT prior may use to build its quantile table
/// (thousands of exact quantiles, refined in independent pieces). Threads
/// belong to the run: a caller that knows the run's thread count passes it;
/// the table, and so every draw, is the same for any count.
/// Test: PriorTable.SameOnOneThreadAndOnMany.
struct TableThreads {
  int count = 1;
};

/// A prior distribution: immutable, cheap to copy, thread-safe to sample.
/// Construct with the named factories; each throws std::invalid_argument with a
/// message naming the offending parameter (e.g. "sd must be > 0 (got -1)").
class Prior {
 public:
  Prior();  // fixed at 0

  static Prior fixed(double value);
  static Prior normal(double mean, double sd);
  /// Normal(mean, sd) truncated to [low, high]; either bound may be infinite.
  static Prior truncated_normal(double mean, double sd, double low, double high);
  /// exp(N(mu, sigma)): mu and sigma are the mean and sd of the logarithm.
  static Prior lognormal(double mu, double sigma);
  static Prior uniform(double low, double high);
  static Prior triangular(double low, double mode, double high);
  /// Beta(alpha, beta) scaled to [low, high] (default [0, 1]). Its quantile
  /// table is shared with every live prior of the same shape, or built on
  /// `threads` threads.
  static Prior beta(double alpha, double beta, double low = 0.0, double high = 1.0,
                    TableThreads threads = {});
  /// PERT(low, mode, high) with shape lambda (4 is the classical PERT); its
  /// table as beta's.
  static Prior pert(double low, double mode, double high, double lambda = 4.0,
                    TableThreads threads = {});

  Dist dist() const { return dist_; }
  bool is_fixed() const { return dist_ == Dist::Fixed; }

  /// Inverse CDF at u in (0, 1).
  double quantile(double u) const;
  /// x[i] = quantile(u[i]) for i < n (x may alias u); the distribution is
  /// dispatched once, so the loop over draws can vectorise.
  void quantile_many(const double* u, double* x, std::size_t n) const;
  /// Exact inverse CDF through Boost.Math (slow; the reference for tests).
  double quantile_exact(double u) const;
  /// Exact mean and standard deviation (closed form, Boost.Math).
  double mean() const;
  double sd() const;
  /// Smallest and largest value the prior can take (may be infinite).
  double lower() const;
  double upper() const;

  /// Parameters as given, for output and reports ("mean=0.02 sd=0.01").
  std::string describe() const;
  /// Raw parameters in a fixed order per distribution (see describe()).
  const std::vector<double>& params() const { return p_; }

 private:
  Prior(Dist d, std::vector<double> p, int table_threads = 1);
  void prepare(int table_threads);

  Dist dist_ = Dist::Fixed;
  std::vector<double> p_;  // parameters as given
  // Precomputed constants for the fast quantile.
  double c0_ = 0, c1_ = 0, c2_ = 0, c3_ = 0;
  std::shared_ptr<const BetaTable> table_;
};

/// The breakpoints of the Beta(alpha, beta) quantile table, (u, x, slope)
/// triples in increasing u, built afresh on `threads` threads (not taken
/// from the shared tables): for tests. Test: PriorTable.SameOnOneThreadAndOnMany.
std::vector<double> beta_table_breakpoints(double alpha, double beta, int threads);

}  // namespace sectorsim::core
