// Exact quantiles of a cell's draws: type 7 (linear interpolation between
// order statistics, numpy's default), selected without sorting.
#pragma once

#include <cstddef>
#include <vector>

namespace sectorsim::core {

/// Type-7 quantile of sorted-or-not data (reorders `v`); p in [0, 1].
double quantile_type7(std::vector<double>& v, double p);
/// Type-7 quantiles at increasing probabilities probs[0..n_probs) (reorders `v`).
void quantiles_type7(std::vector<double>& v, const double* probs, int n_probs, double* out);
/// Smallest and largest value of some data, where the caller already knows them.
struct Extremes {
  double min, max;
};
/// The same, exact, for x[0..n) left untouched: a histogram between the
/// extremes finds each rank's bin, and only those bins' values are selected
/// in, instead of a selection per probability over all (scratch is reused
/// storage for the fallback on data with infinities). Data holding a NaN
/// have NaN quantiles. `extremes`, when given, saves the pass that finds
/// them; a value outside them sends the selection to the fallback, so the
/// result stays exact.
/// Covered by tests/test_quantiles.cpp against quantile_type7.
void quantiles_type7(const double* x, std::size_t n, const double* probs, int n_probs, double* out,
                     std::vector<double>& scratch, const Extremes* extremes = nullptr);

}  // namespace sectorsim::core
