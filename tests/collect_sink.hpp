// A chunk sink that keeps every value, for tests: values[cell][draw].
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "engine/spec/chunk.hpp"

namespace sectorsim::testing {

/// The values a CollectSink received, [cell][draw]. Reading them (size, an
/// element, a comparison) when no value was collected throws: two empty
/// collections compare equal and a loop over zero cells checks nothing, so a
/// test comparing sinks that never received a chunk would otherwise pass with
/// nothing checked.
class CollectedValues {
 public:
  using Cells = std::vector<std::vector<double>>;

  CollectedValues() = default;
  CollectedValues& operator=(Cells cells) {
    cells_ = std::move(cells);
    return *this;
  }

  /// Every cell's values; throws std::logic_error when nothing was collected.
  const Cells& cells() const {
    if (cells_.empty() || cells_.front().empty()) {
      throw std::logic_error(
          "CollectSink: no value was collected (no chunk reached the sink); a comparison "
          "of empty collections would pass with nothing checked");
    }
    return cells_;
  }
  std::size_t size() const { return cells().size(); }
  const std::vector<double>& operator[](std::size_t k) const { return cells().at(k); }
  Cells::const_iterator begin() const { return cells().begin(); }
  Cells::const_iterator end() const { return cells().end(); }
  friend bool operator==(const CollectedValues& a, const CollectedValues& b) {
    return a.cells() == b.cells();
  }
  friend bool operator!=(const CollectedValues& a, const CollectedValues& b) { return !(a == b); }

 private:
  friend class CollectSink;
  Cells cells_;
};

class CollectSink : public core::ChunkSink {
 public:
  /// Expects chunks from draw `first` on (a resumed run starts past 0).
  explicit CollectSink(std::uint64_t first = 0) : next_(first) {}
  void consume(const core::ChunkView& c) override {
    if (c.first_draw != next_) throw std::logic_error("chunks out of order");
    const int cells = c.layout->n_cells();
    auto& v = values.cells_;
    v.resize(static_cast<std::size_t>(cells));
    for (int k = 0; k < cells; ++k) {
      const double* x = c.cell(k);
      v[static_cast<std::size_t>(k)].insert(v[static_cast<std::size_t>(k)].end(), x, x + c.n);
    }
    next_ += c.n;
  }
  /// One past the last draw received (the `first` given when none was): may
  /// be read when nothing was collected.
  std::uint64_t draws() const { return next_; }
  /// Cell k's values; throws std::logic_error when nothing was collected.
  const std::vector<double>& cell(int k) const { return values[static_cast<std::size_t>(k)]; }

  CollectedValues values;

 private:
  std::uint64_t next_;
};

}  // namespace sectorsim::testing
