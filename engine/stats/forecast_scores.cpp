#include "engine/stats/forecast_scores.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "engine/stats/intervals.hpp"

namespace sectorsim::core {

namespace {

// Type-7 quantile of sorted data.
double sorted_quantile(const std::vector<double>& x, double p) {
  const double h = p * static_cast<double>(x.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
}

}  // namespace

ForecastScore score_forecast(std::vector<double> draws, double observed) {
  if (draws.empty()) throw std::invalid_argument("score_forecast: no draws");
  if (!std::isfinite(observed)) throw std::invalid_argument("score_forecast: observed not finite");
  for (const double x : draws)
    if (!std::isfinite(x)) throw std::invalid_argument("score_forecast: a draw is not finite");
  std::sort(draws.begin(), draws.end());
  const double n = static_cast<double>(draws.size());
  ForecastScore s;
  s.observed = observed;
  const auto below = std::lower_bound(draws.begin(), draws.end(), observed) - draws.begin();
  const auto upto = std::upper_bound(draws.begin(), draws.end(), observed) - draws.begin();
  s.pit = (static_cast<double>(below) + 0.5 * static_cast<double>(upto - below)) / n;
  // E|X - y| directly; E|X - X'| = (2 / n^2) sum_i (2i - n + 1) x_(i), i from 0.
  double to_obs = 0, spread = 0;
  for (std::size_t i = 0; i < draws.size(); ++i) {
    to_obs += std::fabs(draws[i] - observed);
    spread += (2.0 * static_cast<double>(i) - n + 1.0) * draws[i];
  }
  s.crps = to_obs / n - spread / (n * n);
  s.p05 = sorted_quantile(draws, 0.05);
  s.p25 = sorted_quantile(draws, 0.25);
  s.p50 = sorted_quantile(draws, 0.50);
  s.p75 = sorted_quantile(draws, 0.75);
  s.p95 = sorted_quantile(draws, 0.95);
  s.in50 = s.p25 <= observed && observed <= s.p75;
  s.in90 = s.p05 <= observed && observed <= s.p95;
  return s;
}

ForecastSummary summarise_forecasts(const std::vector<ForecastScore>& scores, int bins) {
  if (bins < 1) throw std::invalid_argument("summarise_forecasts: bins must be >= 1");
  ForecastSummary out;
  out.n = scores.size();
  out.pit_histogram.assign(static_cast<std::size_t>(bins), 0);
  std::uint64_t in50 = 0, in90 = 0;
  for (const ForecastScore& s : scores) {
    in50 += s.in50 ? 1 : 0;
    in90 += s.in90 ? 1 : 0;
    out.mean_crps += s.crps / static_cast<double>(scores.size());
    const auto bin = static_cast<std::size_t>(
        std::min(static_cast<double>(bins - 1), std::floor(s.pit * static_cast<double>(bins))));
    ++out.pit_histogram[bin];
  }
  out.in50 = wilson(in50, scores.size());
  out.in90 = wilson(in90, scores.size());
  return out;
}

ObservedCells::ObservedCells(std::vector<int> cells, std::uint64_t draws)
    : cells_(std::move(cells)),
      values_(cells_.size(), std::vector<double>(static_cast<std::size_t>(draws), 0.0)) {}

void ObservedCells::consume_unordered(const ChunkView& chunk) {
  for (std::size_t k = 0; k < cells_.size(); ++k) {
    const double* v = chunk.cell(cells_[k]);
    std::copy(v, v + chunk.n, values_[k].begin() + static_cast<std::ptrdiff_t>(chunk.first_draw));
  }
}

std::vector<double> ObservedCells::values(std::size_t k, std::uint64_t draws) const {
  const auto& v = values_.at(k);
  return {v.begin(),
          v.begin() + static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(draws, v.size()))};
}

BacktestResult score_backtest(const std::vector<BacktestObservation>& observations,
                              const ObservedCells& cells, std::uint64_t draws) {
  BacktestResult out;
  out.observations = observations;
  for (std::size_t k = 0; k < observations.size(); ++k)
    out.scores.push_back(score_forecast(cells.values(k, draws), observations[k].value));
  out.summary = summarise_forecasts(out.scores);
  return out;
}

}  // namespace sectorsim::core
