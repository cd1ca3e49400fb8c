// Streaming summaries and target probabilities, identical for any thread
// count and batch size.
//
// Each runner chunk (a fixed run of chunk_draws draws) is summarised on its
// own: sum in draw order, mean, sum of squared deviations, extremes, target
// counts. finish() merges the chunk records in chunk order (Chan et al.'s
// pairwise update), so floating-point results depend only on the draws, never
// on which thread computed which chunk. Quantiles are exact (type 7, as
// numpy's default: quantiles.hpp) from a store of every value, or come from
// a quantile sketch per cell (sketch_feeder.hpp). A chunk whose values of
// a cell are all one value records it exactly (mean the value, m2 0), so a
// fixed cell (the base year's data) summarises to its value and sd 0.
// Values that are NaN or +-inf are counted per cell and chunk; a cell that
// holds any gets no statistics (NaN), and its count says why
// (docs/guarantees.md). Covered by tests/test_summary.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/spec/chunk.hpp"
#include "engine/spec/results.hpp"
#include "engine/spec/scenario_spec.hpp"
#include "engine/stats/conditioning.hpp"
#include "engine/stats/sketch_feeder.hpp"

namespace sectorsim::core {

/// A target resolved against a layout: the cells it reads in each year.
struct ResolvedTarget {
  TargetSpec spec;
  int year_index = 0;      ///< the target's own year
  std::vector<int> cells;  ///< cell of the indicator in each year index
  int relative_cell = -1;  ///< cell of the denominator, or -1
};

/// Resolve targets; throws std::invalid_argument for an unknown indicator or
/// a year outside the horizon (the loader reports these with positions first).
std::vector<ResolvedTarget> resolve_targets(const std::vector<TargetSpec>& targets,
                                            const CellLayout& layout, int base_year,
                                            const std::vector<std::string>& sector_ids);

/// Whether value `x` meets `op threshold`: never where x is NaN or +-inf (a
/// value that is not a number meets no target, whichever way it points).
bool meets(Op op, double x, double threshold);

/// Everything a SummaryAccumulator knows about the first `draws` draws: what
/// an interrupted run saves so that a resumed one finishes bit-identically.
struct SummaryState {
  std::uint64_t draws = 0;                  ///< draws covered (whole chunks from draw 0)
  std::vector<double> chunk_stats;          ///< [chunk][cell][4]: mean, m2, min, max
  std::vector<std::uint64_t> chunk_counts;  ///< [chunk][target * n_years + year, joint]
  std::vector<std::uint64_t> chunk_sizes;   ///< [chunk]
  /// [chunk][cell]: draws whose value is NaN or +-inf (docs/guarantees.md).
  std::vector<std::uint64_t> chunk_nonfinite;
  /// [chunk][target * n_years + year]: draws whose target value (the
  /// indicator, or its ratio to the reference year) is not finite.
  std::vector<std::uint64_t> chunk_undefined;
  std::vector<double> values;  ///< [cell][draw]: every value, for exact quantiles
  /// Quantile sketches instead of values, cell by cell (QuantileSketch::save).
  /// Conditioned runs: each draw's log-likelihood of the observations
  /// [draw], the draws kept (those within the observations' keep_within of
  /// a perfect fit), increasing, and `values` holds theirs, [cell][kept].
  std::vector<double> log_likelihood;
  std::vector<std::uint64_t> kept_draws;
  std::vector<std::uint64_t> sketch_index;
  std::vector<double> sketch_items;
  std::vector<double> sketch_error;
  bool uses_sketch() const { return !sketch_index.empty(); }
  /// Sobol runs: the ReplicateAccumulator's state (replicates = 0 otherwise).
  int replicates = 0;
  std::vector<double> replicate_sums;           ///< [replicate][cell]
  std::vector<std::uint64_t> replicate_counts;  ///< [replicate]
};

/// The chunk sink that summarises a run's cells and counts its targets.
/// Tests: SummaryAccumulatorTest.* (tests/test_summary.cpp), Sketch.* for
/// sketch mode, tests/test_resume.cpp for save and restore.
class SummaryAccumulator : public ChunkSink {
 public:
  /// max_draws: draws of the run (sizes the exact-quantile store).
  /// sketch_k > 0: quantiles from a QuantileSketch per cell instead of a store
  /// of every value (bounded memory; the file states the rank-error bound);
  /// the cells' sketches are then fed in 4 x `threads` groups, by the run's
  /// threads. No result depends on `threads`.
  SummaryAccumulator(const CellLayout& layout, std::vector<ResolvedTarget> targets,
                     std::uint64_t max_draws, std::uint64_t chunk_draws, std::size_t sketch_k = 0,
                     int threads = 1);
  ~SummaryAccumulator() override;

  void consume_unordered(const ChunkView& chunk) override;
  /// consume_unordered() of values [cell][lane] (chunk.values ==
  /// values.data(), stride chunk.n) that the accumulator may keep: with
  /// sketches it sorts them in place and keeps them until their turn instead
  /// of copying them (a comparison's differences). Test:
  /// CompareStacked.MembersSortTheirOwnCellsInPlace.
  void consume_unordered_owned(const ChunkView& chunk, std::vector<double>&& values);
  /// A chunk-sized buffer handed back after its turn (sketch mode; else or
  /// where none is free, an empty vector), for consume_unordered_owned().
  std::vector<double> spare_buffer();
  void consume(const ChunkView& chunk) override;
  /// consume() sees that every cell's sketch has taken the values
  /// consume_unordered() sorted (or does nothing): it needs the chunk's
  /// draws, not its values. Sketch mode sorts each cell's values, in place
  /// where the runner allows (RearrangeUnordered).
  ValueUse value_use() const override {
    return sketch_k_ > 0 ? ValueUse::RearrangeUnordered : ValueUse::ReadUnordered;
  }
  bool uses_sketch() const { return sketch_k_ > 0; }

  /// Conditions the run on `model`'s observations (before any chunk):
  /// finish() then weights every summary, quantile and probability by each
  /// draw's likelihood (docs/conditioning.md). Exact quantiles only.
  void condition_on(const ObservationModel& model);
  /// Weights every statistic by the draws' likelihoods under `source`'s
  /// observations instead (another member of a comparison, conditioned with
  /// condition_on(): the observed world). Exact quantiles only.
  void weighted_by(const SummaryAccumulator& source);
  bool conditioned() const { return observed_ != nullptr || weights_from_ != nullptr; }
  /// Of a cell's kept values over the first `draws` draws, the weight of
  /// those above 0 and of those below 0 (a comparison's differences), given
  /// kept_weights(draws).
  std::pair<double, double> weighted_signs(std::size_t cell, std::uint64_t draws,
                                           const std::vector<double>& kept_weights) const;
  /// The weights of the draws a conditioned run kept, in draw order.
  std::vector<double> kept_weights(std::uint64_t draws) const;
  /// The draws a conditioned run kept, in draw order, over the first `draws`.
  std::vector<std::uint64_t> kept_draw_indices(std::uint64_t draws) const;
  /// Bytes a conditioned run needs besides the draws it keeps: each draw's
  /// likelihood and the per-chunk records.
  static std::uint64_t conditioned_bytes(const CellLayout& layout, std::uint64_t draws,
                                         std::uint64_t chunk_draws = CHUNK_DRAWS);
  /// The most the kept draws' values may take (bytes; 0: no limit). A run
  /// that would keep more stops keeping and finish() says so.
  void limit_kept_bytes(std::uint64_t bytes) { kept_limit_ = bytes; }
  /// The draws' weights (largest 1) over the first `draws` draws of a
  /// conditioned run.
  std::vector<double> weights(std::uint64_t draws) const;
  /// The draws' log-likelihoods over the first `draws` draws.
  std::vector<double> log_likelihood(std::uint64_t draws) const;

  /// Summaries and targets over the first `draws` draws (a whole number of
  /// chunks, or all draws of the run); fills the matching fields of `out`.
  /// `threads` share the quantile selection; the result does not depend on it.
  void finish(std::uint64_t draws, ScenarioResult& out, int threads = 1) const;

  /// The state over the first `draws` draws (whole chunks that were all delivered).
  SummaryState save(std::uint64_t draws) const;
  /// Restores a saved state into a fresh accumulator of the same layout,
  /// targets and run size; throws std::invalid_argument if sizes disagree.
  /// Covered by tests/test_resume.cpp.
  void restore(const SummaryState& state);

  /// Bytes the exact-quantile store and the per-chunk records need for
  /// `draws` draws of `layout` in chunks of `chunk_draws`.
  static std::uint64_t store_bytes(const CellLayout& layout, std::uint64_t draws,
                                   std::uint64_t chunk_draws = CHUNK_DRAWS);
  /// Bytes the sketches (about 2k items per level) and the per-chunk records
  /// need at most for `draws` draws (saturating at 2^64 - 1).
  static std::uint64_t sketch_bytes(const CellLayout& layout, std::uint64_t draws, std::size_t k,
                                    std::uint64_t chunk_draws = CHUNK_DRAWS);

 private:
  struct CellStats {
    double mean, m2, min, max;
  };
  const CellLayout& layout_;
  std::vector<ResolvedTarget> targets_;
  std::uint64_t max_draws_;
  std::uint64_t chunk_draws_;
  std::size_t n_years_;
  // Allocates without zeroing: the store is written chunk by chunk before any
  // of it is read (only delivered draws are), so a pass over gigabytes of
  // zeros before the first draw is saved; pages are faulted in by the
  // workers as they fill them.
  template <class T>
  struct UninitAlloc : std::allocator<T> {
    using value_type = T;
    template <class U>
    struct rebind {
      using other = UninitAlloc<U>;
    };
    UninitAlloc() = default;
    template <class U>
    UninitAlloc(const UninitAlloc<U>& /*other*/) noexcept {}
    template <class U>
    void construct(U* p) noexcept {
      ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... A>
    void construct(U* p, A&&... a) {
      ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
    }
  };
  std::vector<double, UninitAlloc<double>> store_;  // [cell][draw]
  std::vector<CellStats> chunk_stats_;              // [chunk][cell]
  // [chunk][cell]: 1 where the chunk's values are in the store, 0 where they
  // are all one value (bit for bit), which its record's min then holds: the
  // store's pages for those are never touched (the base year's observed
  // data, a sixth of the Luohu plan's cells).
  std::vector<std::uint8_t> stored_;
  /// The values of `cell` over the first `draws` draws: the store's column,
  /// or (where a chunk kept one value) a copy into `buf` with it filled in.
  const double* column(std::size_t cell, std::uint64_t draws, std::vector<double>& buf) const;
  /// The one value (its record's min) of `cell` where every chunk of the
  /// first `draws` draws kept the same one value; nullptr otherwise.
  const double* one_value(std::size_t cell, std::uint64_t draws) const;
  std::vector<std::uint64_t> chunk_counts_;  // [chunk][target * (n_years + 1) + 1]
  std::vector<std::uint64_t> chunk_sizes_;
  // [chunk][cell]: values that are NaN or +-inf; counted only where a
  // chunk's record is not finite (a finite sum means finite values).
  std::vector<std::uint32_t> chunk_nonfinite_;
  std::vector<std::uint64_t> chunk_undefined_;  // [chunk][target * n_years + year]
  // Sketch mode: one sketch per cell, fed in chunk order with each chunk's
  // values sorted beforehand (in parallel, by consume_unordered).
  std::size_t sketch_k_ = 0;
  std::unique_ptr<SketchFeeder> feeder_;
  // Conditioning: the observations' model and each draw's log-likelihood.
  const ObservationModel* observed_ = nullptr;
  std::vector<double> ll_;
  const SummaryAccumulator* weights_from_ = nullptr;
  // The draws a conditioned run keeps, chunk by chunk: their lanes and their
  // values [cell][kept]; the rest carry weights below e^-keep_within of a
  // perfect fit's and are counted, not stored.
  struct KeptChunk {
    std::vector<std::uint32_t> lanes;
    std::vector<double> values;
  };
  std::vector<KeptChunk> kept_;
  std::uint64_t kept_limit_ = 0;
  std::atomic<std::uint64_t> kept_bytes_{0};
  std::atomic<bool> kept_overflow_{false};
  /// The weights' source's model and log-likelihoods (this or weights_from_).
  const ObservationModel& observation_model() const;
  const std::vector<double>& ll() const { return weights_from_ ? weights_from_->ll_ : ll_; }
  /// The kept draws' values of `cell` in draw order, over the first `draws`.
  const double* kept_column(std::size_t cell, std::uint64_t draws, std::vector<double>& buf) const;
  /// Switches to the kept-draws store (conditioned runs).
  void keep_only_likely_draws();
  /// finish() of a conditioned run: every statistic weighted.
  void finish_weighted(std::uint64_t draws, ScenarioResult& out, int threads) const;
  /// consume_unordered(), keeping `owned` (whose data chunk.writable is) if given.
  void consume_unordered_into(const ChunkView& chunk, std::vector<double>* owned);
};

}  // namespace sectorsim::core
