// Several scenarios run on the same draws (common random numbers).
//
// A StackedModel runs several scenarios on the same draws: every scenario sees
// the same uniforms for its parameter dimensions (each transformed by its own
// priors, so identical priors give identical values) and the same shocks.
// MembersSink forwards each member's slice of the stacked chunks to that
// member's own sink. Covered by tests/test_compare.cpp.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/spec/chunk.hpp"
#include "engine/spec/model.hpp"

namespace sectorsim::core {

/// Several models with the same parameter dimension count and shock count,
/// run on common inputs. Its parameters are uniforms on (0, 1); each member
/// transforms them with its own priors.
class StackedModel : public Model {
 public:
  /// Throws std::invalid_argument unless all members have the same number of
  /// parameters and shocks.
  explicit StackedModel(std::vector<const Model*> members);

  const ModelDeclaration& declaration() const override { return members_.front()->declaration(); }
  const std::vector<ParameterInfo>& parameters() const override { return uniforms_; }
  int n_shocks() const override { return members_.front()->n_shocks(); }
  const CellLayout& layout() const override { return layout_; }
  std::size_t workspace_size(std::size_t n) const override;
  void simulate(const BatchIn& in, const BatchOut& out, double* workspace) const override;

  std::size_t size() const { return members_.size(); }
  /// First cell of member k in the stacked layout.
  int cell_offset(std::size_t k) const { return offsets_[k]; }
  /// The layout of member k.
  const CellLayout& layout_of(std::size_t k) const { return members_[k]->layout(); }
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
/// (ValueUse::RearrangeUnordered), called after the comparisons have read
/// the values, and each member sorts only its own cells in place.
/// Tests: CompareStacked.MembersSortTheirOwnCellsInPlace,
/// CompareStacked.MembersSinkUsesValuesAsItsMostDemandingMember.
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
  /// The most demanding of the members' sinks: ReadInOrder where one reads
  /// values in order, RearrangeUnordered where every one would rearrange
  /// them (each member's cells are its own), else ReadUnordered.
  ValueUse value_use() const override {
    bool all_rearrange = !targets_.empty();
    for (const auto& t : targets_) {
      const ValueUse u = t.second->value_use();
      if (u == ValueUse::ReadInOrder) return u;
      all_rearrange = all_rearrange && u == ValueUse::RearrangeUnordered;
    }
    return all_rearrange ? ValueUse::RearrangeUnordered : ValueUse::ReadUnordered;
  }

 private:
  const StackedModel& model_;
  std::vector<std::pair<std::size_t, ChunkSink*>> targets_;
};

}  // namespace sectorsim::core
