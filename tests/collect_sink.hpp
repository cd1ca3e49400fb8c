// A chunk sink that keeps every value, for tests: values[cell][draw].
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "engine/core/chunk.hpp"

namespace sectorsim::testing {

class CollectSink : public core::ChunkSink {
 public:
  /// Expects chunks from draw `first` on (a resumed run starts past 0).
  explicit CollectSink(std::uint64_t first = 0) : next_(first) {}
  void consume(const core::ChunkView& c) override {
    if (c.first_draw != next_) throw std::logic_error("chunks out of order");
    const int cells = c.layout->n_cells();
    values.resize(static_cast<std::size_t>(cells));
    for (int k = 0; k < cells; ++k) {
      const double* x = c.cell(k);
      values[static_cast<std::size_t>(k)].insert(values[static_cast<std::size_t>(k)].end(), x,
                                                 x + c.n);
    }
    next_ += c.n;
  }
  std::uint64_t draws() const { return next_; }
  const std::vector<double>& cell(int k) const { return values.at(static_cast<std::size_t>(k)); }

  std::vector<std::vector<double>> values;

 private:
  std::uint64_t next_;
};

}  // namespace sectorsim::testing
