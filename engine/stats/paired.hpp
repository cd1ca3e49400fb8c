// Paired comparison of a scenario with a baseline under common random numbers.
//
// The PairedAccumulator summarises per-draw differences against a baseline:
// mean difference with a 95% interval, the probability of a higher or lower
// value, and for each target the difference in the probability of meeting it
// with Newcombe's paired interval (method 10, 1998), next to the unpaired one
// for reference. It reads two members' cells of the same chunk, wherever the
// runner put them (engine/exec/stacked.hpp stacks them). Covered by
// tests/test_compare.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/spec/chunk.hpp"
#include "engine/spec/model.hpp"
#include "engine/spec/results.hpp"
#include "engine/stats/intervals.hpp"
#include "engine/stats/summary.hpp"

namespace sectorsim::core {

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

/// One appraisal quantity's difference (scenario - baseline) in the end
/// year: its mean with the 95% interval of Monte Carlo error, and its 5-95%
/// spread across draws (model uncertainty).
struct AppraisalStat {
  double mean = 0, ci_low = 0, ci_high = 0, p05 = 0, p95 = 0;
};

/// Costs and fiscal return of a scenario against the baseline (MODEL.md 8.3),
/// over the years after the base year, real and discounted to the base year;
/// computed by appraise() (engine/stats/appraisal.hpp).
struct Appraisal {
  AppraisalDecl series;  ///< the model's series the quantities come from
  AppraisalStat cost, revenue;
  /// Present value of the yearly mean differences: `mean` only, the other
  /// statistics NaN (no cell holds each draw's sum).
  AppraisalStat value_added;
  /// The fixed rate value added was discounted at (cost and revenue were
  /// discounted by the model at the same parameter).
  double discount_rate = 0;
  /// Mean extra revenue less mean extra cost.
  double net = 0;
  /// Benefit-cost ratio: mean extra revenue / mean extra cost (NaN unless
  /// the mean extra cost is positive).
  double bcr = 0;
  /// Mean extra cost per unit of mean extra value added (NaN unless the
  /// mean extra value added is positive).
  double cost_per_value_added = 0;
  /// P(extra revenue > extra cost), counted draw by draw: where the extra
  /// cost is positive, the probability that the benefit-cost ratio
  /// exceeds 1. Wilson interval.
  Proportion revenue_exceeds_cost;
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
  /// Where the model declares a cost side.
  std::optional<Appraisal> appraisal;
  /// An ex-post comparison: how the observed world's fit weighted the draws.
  std::optional<Conditioning> conditioning;
};

/// Accumulates paired differences of the scenario's cells against the
/// baseline's in the same chunks: each has `layout` and starts at its cell
/// offset in the chunk (a stacked run's member offsets). Targets are resolved
/// against that (shared) layout and must be the same list for both.
class PairedAccumulator : public ChunkSink {
 public:
  /// sketch_k > 0: the differences' quantiles from quantile sketches with
  /// that k (bounded memory), fed by a run of `threads` threads, as
  /// SummaryAccumulator's. Chunks hold `chunk_draws` draws (the runner's).
  PairedAccumulator(const CellLayout& layout, int scenario_offset, int baseline_offset,
                    std::vector<ResolvedTarget> targets, std::uint64_t max_draws,
                    std::size_t sketch_k = 0, int threads = 1,
                    std::uint64_t chunk_draws = CHUNK_DRAWS);

  /// Appraise the comparison by the model's cost side (its series in
  /// `decl`); finish() then fills Comparison::appraisal. Call before the
  /// first chunk; series missing from the layout leave it unset.
  void set_appraisal(const AppraisalDecl& decl, double discount_rate);

  /// Weights the comparison by the draws' likelihoods under `source`'s
  /// observations (the observed world of an ex-post comparison, MODEL.md
  /// 8.7): differences, probabilities and intervals become weighted, at the
  /// effective sample size. Call after set_appraisal(), before the first
  /// chunk; exact quantiles only.
  void weighted_by(const SummaryAccumulator& source);
  /// The most the differences of the kept draws may take (weighted runs).
  void limit_kept_bytes(std::uint64_t bytes) { diff_summary_->limit_kept_bytes(bytes); }
  void consume_unordered(const ChunkView& chunk) override;
  /// Feeds the sketches in draw order (sketch mode; nothing otherwise).
  void consume(const ChunkView& chunk) override;
  /// Reads the members' values in consume_unordered() only (its
  /// differences are its own copy).
  ValueUse value_use() const override { return ValueUse::ReadUnordered; }
  /// The comparison over the first `draws` draws.
  Comparison finish(std::uint64_t draws, const std::string& scenario_name,
                    const std::string& baseline_name) const;

 private:
  int scenario_offset_, baseline_offset_;
  std::unique_ptr<SummaryAccumulator> diff_summary_;
  std::vector<ResolvedTarget> targets_;
  const CellLayout& member_layout_;
  std::uint64_t chunk_draws_;
  std::optional<AppraisalDecl> appraisal_;
  double discount_rate_ = 0;
  int revenue_cell_ = -1, cost_cell_ = -1;   // the end year's, in the member layout
  std::size_t count_width_;                  // counts per chunk
  std::vector<std::uint64_t> chunk_counts_;  // [chunk][count_width_]
  // Weighted comparisons: the observed world's accumulator, and per draw each
  // target's outcome (0 both, 1 only the scenario, 2 only the baseline, 3
  // neither; [target][draw], the joint last) and the appraisal's flag.
  const SummaryAccumulator* weights_from_ = nullptr;
  std::uint64_t max_draws_ = 0;
  std::vector<std::uint8_t> codes_;
  std::vector<std::uint8_t> exceeds_;
  Comparison finish_weighted(std::uint64_t draws, Comparison cmp, const ScenarioResult& diff) const;
};

}  // namespace sectorsim::core
