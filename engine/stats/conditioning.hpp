// Conditioning on observed years (MODEL.md 8.6; docs/conditioning.md): each
// draw's likelihood of the scenario's observations, and the weighted
// statistics a conditioned run reports.
//
// An observation compares the draw's value of an indicator (its level in a
// year, or its growth over the year before) with the published figure:
// a value with a normal measurement error, or a bound ("over 31") that the
// true value passes, softened by the same error (a hard bound where the
// error is 0). Observations of a revised statistical vintage compare the
// draw's level times (1 + b), b the vintage's level break; b's prior is
// integrated out draw by draw over K equal-probability nodes (its quantiles
// at (k + 1/2) / K), so no random number is spent and a draw's weight is a
// function of its values alone: identical on any number of threads or
// processes. Covered by tests/test_conditioning.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/spec/chunk.hpp"
#include "engine/spec/results.hpp"
#include "engine/spec/scenario_spec.hpp"
#include "engine/stats/intervals.hpp"

namespace sectorsim::core {

/// An observation resolved against a layout.
struct ResolvedObservation {
  Observation spec;
  int cell = -1;      ///< the indicator's cell in the observed year
  int previous = -1;  ///< its cell the year before (growth observations), else -1
  double sd = 0;      ///< the measurement error's sd, absolute
};

/// Resolves the observations' indicators and years as targets are resolved;
/// throws std::invalid_argument for an unknown indicator or a year outside
/// the horizon (the loader reports these with their positions first).
std::vector<ResolvedObservation> resolve_observations(const ObservedSpec& spec,
                                                      const CellLayout& layout, int base_year,
                                                      const std::vector<std::string>& sector_ids);

/// log Phi(z), accurate far into the lower tail (no underflow to -inf
/// before z = -1e154).
double log_normal_cdf(double z);

/// The likelihood of a scenario's observations, draw by draw.
class ObservationModel {
 public:
  /// Nodes of the level break's quadrature, where there is one.
  static constexpr int REVISION_NODES = 64;

  ObservationModel(const ObservedSpec& spec, std::vector<ResolvedObservation> observations);

  /// log L of each of the chunk's draws: out[lane], lane < chunk.n; -inf
  /// where a draw's observed value is not a finite number.
  void log_likelihood(const ChunkView& chunk, double* out) const;
  /// log L of one draw whose compared values (level or growth, in the
  /// observations' order) are `x`.
  double log_likelihood(const double* x) const;

  const std::vector<ResolvedObservation>& observations() const { return obs_; }
  /// The level break's nodes (empty without revised observations).
  const std::vector<double>& revision_nodes() const { return nodes_; }
  double min_ess() const { return min_ess_; }
  /// The largest log-likelihood any draw can have: every value observed
  /// exactly, every bound passed.
  double perfect_fit() const { return top_; }
  /// Draws below this log-likelihood are not kept (perfect_fit() - keep_within).
  double floor() const { return top_ - keep_within_; }
  double keep_within() const { return keep_within_; }

 private:
  /// log L of observation i at compared value m.
  double term(std::size_t i, double m) const;
  std::vector<ResolvedObservation> obs_;
  std::vector<double> nodes_;
  bool any_revised_ = false;
  double min_ess_ = 100;
  double keep_within_ = 40;
  double top_ = 0;
};

/// w[i] = exp(ll[i] - max ll): the weights, largest 1; returns max ll
/// (-inf, and every weight 0, where no draw is possible).
double weights_from_log_likelihood(const double* ll, std::size_t n, double* w);

/// Kish's effective sample size (sum w)^2 / sum w^2; 0 for no weight.
double effective_sample_size(const double* w, std::size_t n);

/// Weighted quantiles, the inverted weighted CDF (Hyndman and Fan's type 1
/// with weights; numpy.quantile(x, p, weights=w, method="inverted_cdf")):
/// the smallest x[i] whose cumulative weight, in increasing order of x, is
/// at least p times the total. With integer weights it is the type 1
/// quantile of the values repeated as often as their weight. Draws of weight
/// 0 never count. `probs` increasing in [0, 1]; `order` is scratch.
void weighted_quantiles(const double* x, const double* w, std::size_t n, const double* probs,
                        int n_probs, double* out, std::vector<std::size_t>& order);

/// A weighted probability with the Wilson score interval at n = ess (Kish's
/// effective sample size): p the weighted share; `n` the effective size
/// rounded, `met` p times it rounded, so that counts read from a file say
/// how much information the share carries.
Proportion weighted_proportion(double met_weight, double total_weight, double ess);

/// Newcombe's paired interval (method 10, 1998) of the difference of two
/// weighted probabilities on the same draws: wa the weight of the draws
/// where both events happen, wb only the first, wc only the second, wd
/// neither; Wilson bounds at n = ess and the weighted phi correlation.
ProportionDiff newcombe_paired_weighted(double wa, double wb, double wc, double wd, double ess);

}  // namespace sectorsim::core
