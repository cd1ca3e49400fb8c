// A deterministic, mergeable quantile sketch with a stated rank-error bound,
// for runs whose every value would not fit in memory.
//
// A hierarchy of compactors (Munro and Paterson 1980; Manku, Rajagopalan and
// Lindsay 1998): level h holds sorted items of weight 2^h. When a level holds
// 2k or more items it is compacted: every other item (alternating the offset
// from one compaction to the next, so errors tend to cancel) moves up a level
// with twice the weight. A compaction at level h moves the estimated rank of
// any value by at most 2^h, so the sketch keeps a running bound of its
// worst-case rank error; about log2(n / k) / (2k) of n in total. Sorted runs
// are added in a fixed order (chunk order), so the result is deterministic.
// Covered by tests/test_sketch.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sectorsim::core {

/// out[0, na + nb) = std::merge of the sorted runs a and b, bit for bit (ties
/// and NaN take a's item first), branch-free and from both ends at once.
/// Test: SketchMerge.SameAsStdMerge in tests/test_sketch.cpp.
void merge_sorted(const double* a, std::size_t na, const double* b, std::size_t nb, double* out);

/// Items per level of the run's sketches (`--quantiles sketch`): a rank-error
/// bound of about log2(draws / k) / (2k), 0.15% of the draws at ten million.
inline constexpr std::size_t DEFAULT_SKETCH_K = 4096;

class QuantileSketch {
 public:
  /// k: items a level keeps after compaction (memory about 2k per level).
  explicit QuantileSketch(std::size_t k = DEFAULT_SKETCH_K);

  /// Adds n values sorted in increasing order.
  void add_sorted(const double* x, std::size_t n);
  /// Values added.
  std::uint64_t count() const { return count_; }
  /// Worst-case error of quantile() as a number of ranks.
  double rank_error() const { return error_ + max_weight_; }
  /// Worst-case rank error as a fraction of count().
  double rank_error_fraction() const {
    return count_ ? rank_error() / static_cast<double>(count_) : 0.0;
  }
  /// The value at rank p (count - 1), within rank_error() ranks; NaN if empty.
  double quantile(double p) const;
  /// quantile() at increasing probabilities probs[0..n), in one pass.
  void quantiles(const double* probs, int n, double* out) const;
  /// Items held (memory is about 8 bytes each).
  std::size_t size() const;

  /// Everything the sketch holds, flattened for a checkpoint: `index` gets
  /// k, count, the number of levels, then (size, next offset) of each level;
  /// `items` the levels' items in level order; `error` the error sum and the
  /// heaviest weight. restore() of what save() appended gives a sketch that
  /// continues bit-identically. Covered by tests/test_sketch.cpp.
  void save(std::vector<std::uint64_t>& index, std::vector<double>& items,
            std::vector<double>& error) const;
  /// Reads one sketch from index[at...], items[item_at...], error[error_at...]
  /// and advances the positions; throws std::invalid_argument on a mismatch.
  void restore(const std::vector<std::uint64_t>& index, std::size_t& at,
               const std::vector<double>& items, std::size_t& item_at,
               const std::vector<double>& error, std::size_t& error_at);

 private:
  std::size_t k_;
  std::vector<std::vector<double>> levels_;
  std::vector<unsigned char> offset_;  // alternating start of the next compaction
  std::uint64_t count_ = 0;
  double error_ = 0;       // sum of the weights of all compactions
  double max_weight_ = 1;  // weight of the heaviest item: the resolution of a rank
};

}  // namespace sectorsim::core
