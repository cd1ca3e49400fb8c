// Paired comparison of scenarios under common random numbers.
//
// A StackedModel runs several scenarios on the same draws: every scenario sees
// the same uniforms for its parameter dimensions (each transformed by its own
// priors, so identical priors give identical values) and the same shocks. The
// PairedAccumulator then summarises per-draw differences against a baseline:
// mean difference with a 95% interval, the probability of a higher or lower
// value, and for each target the difference in the probability of meeting it
// with Newcombe's paired interval (method 10, 1998), next to the unpaired one
// for reference. Covered by tests/test_compare.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/chunk.hpp"
#include "engine/core/model.hpp"
#include "engine/core/results.hpp"
#include "engine/core/summary.hpp"

namespace sectorsim::core {

/// Several models with the same parameter dimension count and shock count,
/// run on common inputs. Its parameters are uniforms on (0, 1); each member
/// transforms them with its own priors.
class StackedModel : public Model {
 public:
  /// Throws std::invalid_argument unless all members have the same number of
  /// parameters and shocks.
  explicit StackedModel(std::vector<const Model*> members);

  const std::vector<ParameterInfo>& parameters() const override { return uniforms_; }
  int n_shocks() const override { return members_.front()->n_shocks(); }
  const CellLayout& layout() const override { return layout_; }
  std::size_t workspace_size(std::size_t n) const override;
  void simulate(const BatchIn& in, const BatchOut& out, double* workspace) const override;

  std::size_t size() const { return members_.size(); }
  /// First cell of member k in the stacked layout.
  int cell_offset(std::size_t k) const { return offsets_[k]; }
  /// A chunk view restricted to member k (its own layout and cells; writable
  /// where the stacked view is).
  ChunkView member_view(const ChunkView& stacked, std::size_t k) const;

 private:
  std::vector<const Model*> members_;
  std::vector<ParameterInfo> uniforms_;
  std::vector<int> offsets_;
  CellLayout layout_;
};

/// Forwards each member's slice of stacked chunks to that member's sink. One
/// sink for all members: where every member's sink rearranges values (a
/// summary sorting them for its sketches), the run has one rearranging sink
/// (ChunkSink::rearranges_values), called after the comparisons have read
/// the values, and each member sorts only its own cells in place.
/// Test: CompareStacked.MembersSortTheirOwnCellsInPlace.
class MembersSink : public ChunkSink {
 public:
  explicit MembersSink(const StackedModel& model) : model_(model) {}
  /// Member k's slice goes to `target` (in the order added).
  void add(std::size_t member, ChunkSink& target) { targets_.push_back({member, &target}); }
  void consume_unordered(const ChunkView& c) override {
    for (const auto& [k, target] : targets_)
      target->consume_unordered(model_.member_view(c, k));
  }
  void consume(const ChunkView& c) override {
    for (const auto& [k, target] : targets_)
      target->consume(model_.member_view(c, k));
  }
  bool reads_values_in_order() const override {
    for (const auto& t : targets_)
      if (t.second->reads_values_in_order()) return true;
    return false;
  }
  bool rearranges_values() const override {
    for (const auto& t : targets_)
      if (!t.second->rearranges_values()) return false;
    return !targets_.empty();
  }

 private:
  const StackedModel& model_;
  std::vector<std::pair<std::size_t, ChunkSink*>> targets_;
};

/// A difference of two proportions with a 95% interval.
struct ProportionDiff {
  double diff = 0, low = 0, high = 0;
};

/// Newcombe (1998) method 10: interval for p1 - p2 from paired binary data,
/// with both = a, only first = b, only second = c, neither = d.
ProportionDiff newcombe_paired(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d,
                               double z = 1.959963984540054);
/// Newcombe (1998b) method 10 for independent samples: p1 = m1/n1, p2 = m2/n2.
ProportionDiff newcombe_unpaired(std::uint64_t m1, std::uint64_t n1, std::uint64_t m2,
                                 std::uint64_t n2, double z = 1.959963984540054);

/// Statistics of the per-draw difference (scenario - baseline) of one cell,
/// in this order.
inline constexpr const char* DIFF_STAT_NAMES[] = {"mean", "ci_low", "ci_high",     "sd",
                                                  "p05",  "p95",    "prob_higher", "prob_lower"};
inline constexpr int N_DIFF_STATS = 8;

/// Comparison of one target between a scenario and the baseline.
struct TargetDiff {
  std::string id;
  Proportion scenario, baseline;
  std::uint64_t both = 0, only_scenario = 0, only_baseline = 0, neither = 0;
  ProportionDiff paired, unpaired;
};

/// Comparison of one scenario against the baseline.
struct Comparison {
  std::string scenario, baseline;
  std::uint64_t draws = 0;
  /// How the differences' quantiles (p05, p95) were computed, as
  /// ScenarioResult::quantile_method.
  std::string quantile_method;
  /// Per series: stats[(stat * n_years + year) * width + sector], as SeriesSummary.
  std::vector<SeriesSummary> diffs;
  std::vector<TargetDiff> targets;
  ProportionDiff all_targets_paired, all_targets_unpaired;
};

/// Accumulates paired differences of stacked member `scenario` against member
/// `baseline` from stacked chunks. Targets are resolved against the members'
/// (identical) layout and must be the same list for both.
class PairedAccumulator : public ChunkSink {
 public:
  /// sketch_k > 0: the differences' quantiles from quantile sketches with
  /// that k (bounded memory), fed by a run of `threads` threads, as
  /// SummaryAccumulator's.
  PairedAccumulator(const StackedModel& model, std::size_t scenario, std::size_t baseline,
                    std::vector<ResolvedTarget> targets, std::uint64_t max_draws,
                    std::size_t sketch_k = 0, int threads = 1);

  void consume_unordered(const ChunkView& chunk) override;
  /// Feeds the sketches in draw order (sketch mode; nothing otherwise).
  void consume(const ChunkView& chunk) override;
  bool reads_values_in_order() const override { return false; }
  /// The comparison over the first `draws` draws.
  Comparison finish(std::uint64_t draws, const std::string& scenario_name,
                    const std::string& baseline_name) const;

 private:
  const StackedModel& model_;
  std::size_t scenario_, baseline_;
  std::unique_ptr<SummaryAccumulator> diff_summary_;
  std::vector<ResolvedTarget> targets_;
  std::uint64_t max_draws_;
  const CellLayout& member_layout_;
  std::size_t count_width_;                  // counts per chunk
  std::vector<std::uint64_t> chunk_counts_;  // [chunk][count_width_]
};

}  // namespace sectorsim::core
