// Replicate-based estimates for randomised quasi-Monte Carlo runs.
//
// A Sobol run deals its draws into R independently scrambled replicates, draw
// d going to replicate d mod R (docs/sampling.md). Each replicate mean is an
// unbiased estimate on its own, and the R of them are independent, so their
// spread is an honest standard error for the overall mean: sd / sqrt(R). The
// points within a replicate are not independent, so the usual sd / sqrt(N) of
// the draws would be wrong (far too large for a smooth integrand). Covered by
// tests/test_sobol.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/spec/chunk.hpp"

namespace sectorsim::core {

/// Mean over replicates and its standard error.
struct ReplicateEstimate {
  double mean = 0;       ///< mean of the replicate means
  double std_error = 0;  ///< sd of the replicate means / sqrt(R); NaN for R < 2
  int replicates = 0;    ///< replicates with at least one draw
};

/// The estimate from R replicate means. Test: SobolReplicates.EstimateFromReplicateMeans.
ReplicateEstimate replicate_estimate(const double* replicate_means, int replicates);

/// The estimate from the per-draw values of one cell, values[i] being draw
/// first_draw + i, draw d in replicate d mod R. Replicates without a draw are
/// left out. Test: SobolReplicates.AccumulatorMatchesPerDrawValues.
ReplicateEstimate replicate_estimate(const double* values, std::size_t n, std::uint64_t first_draw,
                                     int replicates);

/// Chunk sink collecting, per replicate and cell, the sum of the values in
/// draw order (in the ordered hook, so the result never depends on threads or
/// batches). Memory: R * cells doubles. Tests: SobolReplicates.AccumulatorMatchesPerDrawValues,
/// SobolRunner.IdenticalForThreadCountsAndBatchSizes.
class ReplicateAccumulator : public ChunkSink {
 public:
  /// replicates: R of the run, in [MIN_REPLICATES, MAX_REPLICATES] (std::invalid_argument).
  ReplicateAccumulator(const CellLayout& layout, int replicates);

  void consume(const ChunkView& chunk) override;
  /// Sums the values in consume(), in draw order.
  ValueUse value_use() const override { return ValueUse::ReadInOrder; }

  /// Draws consumed so far. Test: SobolRunner.IdenticalForThreadCountsAndBatchSizes.
  std::uint64_t draws() const { return draws_; }
  int replicates() const { return replicates_; }
  /// Replicate means of cell c (NaN for a replicate without draws).
  /// Test: SobolRunner.IdenticalForThreadCountsAndBatchSizes.
  std::vector<double> replicate_means(int cell) const;
  /// Mean and standard error of every cell, indexed by cell.
  /// Test: SobolReplicates.AccumulatorMatchesPerDrawValues.
  std::vector<ReplicateEstimate> finish() const;

  /// The sums and counts over the draws consumed (for a checkpoint), and
  /// their restoration into a fresh accumulator of the same layout and R;
  /// restore throws std::invalid_argument on a mismatch. A resumed Sobol run
  /// continues bit-identically. Test: SobolReplicates.SavedAndRestoredContinuesBitIdentically.
  void save(std::uint64_t& draws, std::vector<double>& sums,
            std::vector<std::uint64_t>& counts) const;
  void restore(std::uint64_t draws, const std::vector<double>& sums,
               const std::vector<std::uint64_t>& counts);

 private:
  int replicates_;
  std::size_t cells_;
  std::uint64_t draws_ = 0;
  std::vector<double> sums_;           // [replicate][cell]
  std::vector<std::uint64_t> counts_;  // [replicate]
};

}  // namespace sectorsim::core
