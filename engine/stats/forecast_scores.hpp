// Scores of a probabilistic forecast against what was observed (MODEL.md 8.5,
// back-testing): the probability integral transform, whether the value fell
// in the central 50% and 90% bands, and the continuous ranked probability
// score, from the draws of the forecast. A forecast whose 90% bands cover
// far less than 90% of outcomes is overconfident. Covered by
// tests/test_forecast_scores.cpp (a hand-computed case, and the closed-form
// CRPS of a normal forecast, Gneiting and Raftery 2007).
#pragma once

#include <cstddef>
#include <vector>

#include "engine/spec/chunk.hpp"
#include "engine/spec/results.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::core {

/// One observation scored against the draws of its forecast.
struct ForecastScore {
  double observed = 0;
  /// (#{x < y} + #{x == y} / 2) / n: uniform on [0, 1] for a calibrated forecast.
  double pit = 0;
  /// Continuous ranked probability score of the draws' empirical
  /// distribution, E|X - y| - E|X - X'| / 2 (Gneiting and Raftery 2007, eq.
  /// 21), in the observation's units; lower is better.
  double crps = 0;
  double p05 = 0, p25 = 0, p50 = 0, p75 = 0, p95 = 0;  ///< type-7 quantiles of the draws
  bool in50 = false;                                   ///< p25 <= observed <= p75
  bool in90 = false;                                   ///< p05 <= observed <= p95
};

/// Scores `observed` against `draws` (at least one, all finite; taken by
/// value and sorted). Throws std::invalid_argument otherwise.
ForecastScore score_forecast(std::vector<double> draws, double observed);

/// Many scores together: the share of observations in each band with its
/// Wilson interval (a calibrated forecast covers 50% and 90%), the mean CRPS
/// and a histogram of the PITs over `bins` equal bins of [0, 1].
struct ForecastSummary {
  std::size_t n = 0;
  Proportion in50, in90;
  double mean_crps = 0;
  std::vector<std::size_t> pit_histogram;
};

ForecastSummary summarise_forecasts(const std::vector<ForecastScore>& scores, int bins = 10);

/// A scenario's back-test: each published value scored against the run's
/// draws of its cell, and the scores together.
struct BacktestResult {
  std::vector<BacktestObservation> observations;
  std::vector<ForecastScore> scores;  ///< one per observation
  ForecastSummary summary;
};

/// Keeps every draw of some cells (the observed ones), by draw index, for
/// scoring once the run is done. Reads values in consume_unordered() only;
/// chunks of one run cover disjoint draws, so threads never share a value.
class ObservedCells : public ChunkSink {
 public:
  /// `cells` of the layout; `draws` of the run (values[k] has one per draw).
  ObservedCells(std::vector<int> cells, std::uint64_t draws);
  void consume_unordered(const ChunkView& chunk) override;
  ValueUse value_use() const override { return ValueUse::ReadUnordered; }
  /// The first `draws` values of cell k.
  std::vector<double> values(std::size_t k, std::uint64_t draws) const;

 private:
  std::vector<int> cells_;
  std::vector<std::vector<double>> values_;
};

/// Scores each observation against its cell's first `draws` values.
BacktestResult score_backtest(const std::vector<BacktestObservation>& observations,
                              const ObservedCells& cells, std::uint64_t draws);

}  // namespace sectorsim::core
