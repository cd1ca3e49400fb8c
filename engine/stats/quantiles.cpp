#include "engine/stats/quantiles.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "engine/stats/kernels.hpp"

namespace sectorsim::core {

double quantile_type7(std::vector<double>& v, double p) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double h = static_cast<double>(v.size() - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
  const double a = v[lo];
  if (lo + 1 >= v.size()) return a;
  const double b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end());
  return a == b ? a : a + (h - static_cast<double>(lo)) * (b - a);
}

void quantiles_type7(std::vector<double>& v, const double* probs, int n_probs, double* out) {
  // Increasing probabilities: each selection only searches above the last.
  std::size_t from = 0;
  for (int i = 0; i < n_probs; ++i) {
    if (v.empty()) {
      out[i] = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    const double h = static_cast<double>(v.size() - 1) * probs[i];
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const auto begin = v.begin() + static_cast<std::ptrdiff_t>(std::min(from, lo));
    std::nth_element(begin, v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
    const double a = v[lo];
    double b = a;
    if (lo + 1 < v.size())
      b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end());
    out[i] = a == b ? a : a + (h - static_cast<double>(lo)) * (b - a);
    from = lo;
  }
}

namespace {

// Values binned at a time: the bins stay in the L1 cache.
constexpr std::size_t BIN_BLOCK = 256;

// Order statistics x_(k) (0-based) of x[0..n) for sorted ranks, exactly, in
// two passes instead of a selection per rank: a histogram of BINS equal-width
// bins between the extremes (the bin is monotone in the value, so bin counts
// give each rank's bin and its rank inside), then the values of the bins that
// hold a wanted rank, gathered and selected in. The extremes come from the
// caller when it knows them (the summaries' chunk records), else from one
// more pass. Returns false (the caller falls back to nth_element) for data
// with NaN or infinities, or values outside the given extremes.
bool order_statistics(const double* x, std::size_t n, const std::vector<std::size_t>& ranks,
                      const Extremes* known, double* out) {
  constexpr std::size_t BINS = HIST_BINS;
  if (n < BINS) return false;
  double lo = x[0], hi = x[0];
  if (known) {
    lo = known->min;
    hi = known->max;
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      lo = x[i] < lo ? x[i] : lo;
      hi = x[i] > hi ? x[i] : hi;
    }
  }
  // NaN extremes, an infinite one, or no spread.
  if (!(lo <= hi) || !std::isfinite(lo) || !std::isfinite(hi)) return false;
  bool bad = false;  // a NaN, or a value outside [lo, hi]
  if (lo == hi) {
    // One value throughout (the base year's observed data): every order
    // statistic is it, unless a NaN hides among the draws.
    for (std::size_t i = 0; i < n; ++i)
      bad |= x[i] != lo;
    if (bad) return false;
    std::fill(out, out + ranks.size(), lo);
    return true;
  }
  const double range = hi - lo;
  if (!(range < std::numeric_limits<double>::infinity())) return false;
  const double scale = static_cast<double>(BINS) / range;
  // Bins a block at a time (a SIMD kernel), counted in 32 bits (n below 2^32).
  if (n > std::numeric_limits<std::uint32_t>::max()) return false;
  std::uint32_t bins[BIN_BLOCK];
  std::vector<std::uint32_t> count(BINS, 0);
  for (std::size_t i0 = 0; i0 < n; i0 += BIN_BLOCK) {
    const std::size_t m = std::min(BIN_BLOCK, n - i0);
    bad |= bin_block(x + i0, m, lo, hi, scale, bins);
    for (std::size_t k = 0; k < m; ++k)
      ++count[bins[k]];
  }
  if (bad) return false;
  // Each rank's bin, and the first rank of that bin.
  std::vector<std::int32_t> slot(BINS, -1);  // bin -> index into `gathered`
  std::vector<std::vector<double>> gathered;
  std::vector<std::size_t> rank_slot(ranks.size()), rank_base(ranks.size());
  std::size_t b = 0, below = 0;
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    if (r > 0 && ranks[r] < ranks[r - 1]) return false;  // ranks must increase
    while (below + count[b] <= ranks[r]) {
      below += count[b];
      ++b;
    }
    if (slot[b] < 0) {
      slot[b] = static_cast<std::int32_t>(gathered.size());
      gathered.emplace_back();
      gathered.back().reserve(count[b]);
    }
    rank_slot[r] = static_cast<std::size_t>(slot[b]);
    rank_base[r] = below;
  }
  for (std::size_t i0 = 0; i0 < n; i0 += BIN_BLOCK) {
    const std::size_t m = std::min(BIN_BLOCK, n - i0);
    bin_block(x + i0, m, lo, hi, scale, bins);
    for (std::size_t k = 0; k < m; ++k) {
      const std::int32_t s = slot[bins[k]];
      if (s >= 0) gathered[static_cast<std::size_t>(s)].push_back(x[i0 + k]);
    }
  }
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    std::vector<double>& g = gathered[rank_slot[r]];
    const auto at = g.begin() + static_cast<std::ptrdiff_t>(ranks[r] - rank_base[r]);
    std::nth_element(g.begin(), at, g.end());
    out[r] = *at;
  }
  return true;
}

}  // namespace

void quantiles_type7(const double* x, std::size_t n, const double* probs, int n_probs, double* out,
                     std::vector<double>& scratch, const Extremes* extremes) {
  if (n == 0) {
    for (int i = 0; i < n_probs; ++i)
      out[i] = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  std::vector<std::size_t> ranks;
  for (int i = 0; i < n_probs; ++i) {
    const auto lo = static_cast<std::size_t>(std::floor(static_cast<double>(n - 1) * probs[i]));
    ranks.push_back(lo);
    ranks.push_back(std::min(lo + 1, n - 1));
  }
  std::vector<double> stats(ranks.size());
  if (!order_statistics(x, n, ranks, extremes, stats.data())) {
    // NaN has no place in an order: data holding one have NaN quantiles (as
    // numpy's quantile gives), never an artefact of where the NaN sat.
    if (std::any_of(x, x + n, [](double v) { return std::isnan(v); })) {
      std::fill(out, out + n_probs, std::numeric_limits<double>::quiet_NaN());
      return;
    }
    // Ranks come in pairs (lo, lo + 1) of increasing lo: each lo is selected
    // above the last selection, and lo + 1 is the least value above lo.
    scratch.assign(x, x + n);
    std::size_t from = 0;
    for (std::size_t r = 0; r < ranks.size(); r += 2) {
      const std::size_t lo = ranks[r];
      if (lo < from) from = 0;
      const auto at = scratch.begin() + static_cast<std::ptrdiff_t>(lo);
      std::nth_element(scratch.begin() + static_cast<std::ptrdiff_t>(from), at, scratch.end());
      stats[r] = *at;
      stats[r + 1] = ranks[r + 1] == lo ? *at : *std::min_element(at + 1, scratch.end());
      from = lo + 1;
    }
  }
  for (int i = 0; i < n_probs; ++i) {
    const double h = static_cast<double>(n - 1) * probs[i];
    const double a = stats[2 * static_cast<std::size_t>(i)];
    const double b = stats[2 * static_cast<std::size_t>(i) + 1];
    out[i] = a == b ? a : a + (h - std::floor(h)) * (b - a);  // a == b: no inf - inf
  }
}

}  // namespace sectorsim::core
