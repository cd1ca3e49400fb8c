#include "engine/stats/conditioning.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "engine/stats/intervals.hpp"

namespace sectorsim::core {

namespace {

constexpr double NEG_INF = -std::numeric_limits<double>::infinity();
constexpr double LOG_SQRT_2PI = 0.91893853320467274178;  // log sqrt(2 pi)

// log(sum exp(a[i])) / n, without overflow; -inf where every a[i] is.
double log_mean_exp(const double* a, std::size_t n) {
  const double m = *std::max_element(a, a + n);
  if (m == NEG_INF) return NEG_INF;
  double s = 0;
  for (std::size_t i = 0; i < n; ++i)
    s += std::exp(a[i] - m);
  return m + std::log(s / static_cast<double>(n));
}

}  // namespace

std::vector<ResolvedObservation> resolve_observations(const ObservedSpec& spec,
                                                      const CellLayout& layout, int base_year,
                                                      const std::vector<std::string>& sector_ids) {
  std::vector<ResolvedObservation> out;
  for (const Observation& o : spec.values) {
    std::string err;
    const auto ref = resolve_series(o.indicator, layout.series(), sector_ids, &err);
    if (!ref) throw std::invalid_argument("observation at " + o.where + ": " + err);
    const int y = o.year - base_year;
    if (y < 1 || y >= layout.n_years()) {
      throw std::invalid_argument("observation at " + o.where + ": year " + std::to_string(o.year) +
                                  " is not a simulated year");
    }
    ResolvedObservation r;
    r.spec = o;
    r.cell = layout.cell(ref->series, y, std::max(ref->sector, 0));
    if (o.growth) r.previous = layout.cell(ref->series, y - 1, std::max(ref->sector, 0));
    r.sd = o.relative ? o.sd * std::fabs(o.value) : o.sd;
    out.push_back(std::move(r));
  }
  return out;
}

double log_normal_cdf(double z) {
  if (std::isnan(z)) return z;
  if (z > -20) return std::log(0.5 * std::erfc(-z / std::sqrt(2.0)));
  // Phi(z) = phi(z) / (-z) * (1 - 1/z^2 + 3/z^4 - 15/z^6 + ...) for z -> -inf;
  // four terms leave a relative error below 1e-9 at z = -20.
  const double r = 1 / (z * z);
  const double series = 1 - r * (1 - r * (3 - r * 15));
  return -0.5 * z * z - LOG_SQRT_2PI - std::log(-z) + std::log(series);
}

ObservationModel::ObservationModel(const ObservedSpec& spec,
                                   std::vector<ResolvedObservation> observations)
    : obs_(std::move(observations)), min_ess_(spec.min_ess), keep_within_(spec.keep_within) {
  for (const ResolvedObservation& o : obs_) {
    any_revised_ = any_revised_ || o.spec.revised;
    // A value's density peaks at 1 / (sd sqrt(2 pi)); a bound's log Phi at 0.
    if (o.spec.kind == ObservationKind::Value) top_ += -std::log(o.sd) - LOG_SQRT_2PI;
  }
  if (any_revised_) {
    if (!spec.revision) throw std::invalid_argument("revised observations need a revision prior");
    for (int k = 0; k < REVISION_NODES; ++k)
      nodes_.push_back(spec.revision->quantile((k + 0.5) / REVISION_NODES));
  }
}

double ObservationModel::term(std::size_t i, double m) const {
  const ResolvedObservation& o = obs_[i];
  if (!std::isfinite(m)) return NEG_INF;
  const double y = o.spec.value, sd = o.sd;
  switch (o.spec.kind) {
    case ObservationKind::Value: {
      const double z = (y - m) / sd;
      return -0.5 * z * z - std::log(sd) - LOG_SQRT_2PI;
    }
    case ObservationKind::Above:
      if (sd == 0) return m > y ? 0.0 : NEG_INF;
      return log_normal_cdf((m - y) / sd);
    case ObservationKind::Below:
      if (sd == 0) return m < y ? 0.0 : NEG_INF;
      return log_normal_cdf((y - m) / sd);
  }
  return NEG_INF;
}

double ObservationModel::log_likelihood(const double* x) const {
  double fixed = 0;
  for (std::size_t i = 0; i < obs_.size(); ++i)
    if (!obs_[i].spec.revised) fixed += term(i, x[i]);
  if (!any_revised_ || fixed == NEG_INF) return fixed;
  // The revised observations share one level break b: their joint
  // likelihood is averaged over b's nodes.
  double at[REVISION_NODES] = {};
  for (std::size_t k = 0; k < nodes_.size(); ++k) {
    double s = 0;
    for (std::size_t i = 0; i < obs_.size(); ++i)
      if (obs_[i].spec.revised) s += term(i, x[i] * (1 + nodes_[k]));
    at[k] = s;
  }
  return fixed + log_mean_exp(at, nodes_.size());
}

void ObservationModel::log_likelihood(const ChunkView& chunk, double* out) const {
  std::vector<double> x(obs_.size());
  for (std::size_t lane = 0; lane < chunk.n; ++lane) {
    for (std::size_t i = 0; i < obs_.size(); ++i) {
      const double level = chunk.cell(obs_[i].cell)[lane];
      x[i] = obs_[i].previous < 0 ? level : level / chunk.cell(obs_[i].previous)[lane] - 1;
    }
    out[lane] = log_likelihood(x.data());
  }
}

double weights_from_log_likelihood(const double* ll, std::size_t n, double* w) {
  double m = NEG_INF;
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isnan(ll[i])) m = std::max(m, ll[i]);
  for (std::size_t i = 0; i < n; ++i)
    w[i] = m == NEG_INF || std::isnan(ll[i]) ? 0.0 : std::exp(ll[i] - m);
  return m;
}

double effective_sample_size(const double* w, std::size_t n) {
  double s = 0, s2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    s += w[i];
    s2 += w[i] * w[i];
  }
  return s2 > 0 ? s * s / s2 : 0.0;
}

void weighted_quantiles(const double* x, const double* w, std::size_t n, const double* probs,
                        int n_probs, double* out, std::vector<std::size_t>& order) {
  order.clear();
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (w[i] > 0) {
      order.push_back(i);
      total += w[i];
    }
  }
  if (order.empty()) {
    std::fill(out, out + n_probs, std::numeric_limits<double>::quiet_NaN());
    return;
  }
  // Ties keep draw order, so the result does not depend on the sort.
  std::stable_sort(order.begin(), order.end(),
                   [x](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  double cumulative = 0;
  std::size_t at = 0;
  for (int k = 0; k < n_probs; ++k) {
    const double goal = probs[k] * total;
    while (at + 1 < order.size() && cumulative + w[order[at]] < goal) {
      cumulative += w[order[at]];
      ++at;
    }
    out[k] = x[order[at]];
  }
}

Proportion weighted_proportion(double met_weight, double total_weight, double ess) {
  Proportion r;
  if (!(total_weight > 0) || !(ess > 0)) {
    r.p = std::numeric_limits<double>::quiet_NaN();
    r.low = 0;
    r.high = 1;
    return r;
  }
  const double p = std::clamp(met_weight / total_weight, 0.0, 1.0);
  constexpr double z = Z95;
  const double z2 = z * z, n = ess;
  const double denom = 1.0 + z2 / n;
  const double centre = (p + z2 / (2.0 * n)) / denom;
  const double half = z * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom;
  r.p = p;
  r.low = met_weight <= 0 ? 0.0 : std::max(0.0, centre - half);
  r.high = met_weight >= total_weight ? 1.0 : std::min(1.0, centre + half);
  r.n = static_cast<std::uint64_t>(std::llround(ess));
  r.met = static_cast<std::uint64_t>(std::llround(p * ess));
  return r;
}

ProportionDiff newcombe_paired_weighted(double wa, double wb, double wc, double wd, double ess) {
  const double total = wa + wb + wc + wd;
  ProportionDiff r;
  if (!(total > 0) || !(ess > 0)) {
    r.diff = std::numeric_limits<double>::quiet_NaN();
    r.low = -1;
    r.high = 1;
    return r;
  }
  const Proportion w1 = weighted_proportion(wa + wb, total, ess);
  const Proportion w2 = weighted_proportion(wa + wc, total, ess);
  const double denom = (wa + wb) * (wc + wd) * (wa + wc) * (wb + wd);
  const double phi = denom > 0 ? (wa * wd - wb * wc) / std::sqrt(denom) : 0.0;
  return newcombe_from_bounds(w1.p, w1.low, w1.high, w2.p, w2.low, w2.high, phi);
}

}  // namespace sectorsim::core
