// Feeding a run's quantile sketches, one per cell, in chunk order, on the
// run's own threads.
//
// Each chunk's values are sorted cell by cell as soon as the chunk is
// computed (in parallel, in any order), then wait here until every cell's
// sketch has taken them. The cells are dealt into groups; a group takes
// chunks strictly in chunk order, so each cell's sketch sees the same
// sequence on any thread count, and whichever thread finds a group idle with
// its next chunk waiting feeds it: workers as they finish a chunk, the
// delivering thread while it waits for a chunk's turn. No thread is started
// per chunk, and a sorted copy is handed back as soon as its last group has
// taken it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "engine/stats/sketch.hpp"

namespace sectorsim::core {

/// The quantile sketches of a run's cells, fed with sorted chunks in chunk
/// order by whichever threads offer work or wait for it. Thread-safe, except
/// sketches() and restart_at(), which need no chunk in flight.
/// Test: Sketch.SortedInPlaceOrInACopyOnAnyThreadCountAlike (and
/// Sketch.SummariesFromSketchesAreIdenticalForThreadCounts).
class SketchFeeder {
 public:
  /// `cells` sketches of size k, dealt into `groups` groups (clamped to
  /// [1, cells]); more groups than threads let a thread that finds one busy
  /// feed another.
  SketchFeeder(std::size_t cells, std::size_t k, std::size_t groups);

  /// Chunk `chunk`'s values, sorted: cell i's n values at values + i * stride.
  /// They must stay put until wait_fed(chunk) has returned. `owned`, if not
  /// empty, is the buffer they lie in; it is handed back through spare()
  /// once every group has taken them. Then feeds every idle group whose next
  /// chunk is waiting.
  void offer(std::uint64_t chunk, const double* values, std::size_t stride, std::size_t n,
             std::vector<double> owned = {});
  /// Returns once every group has taken chunk `chunk`, feeding idle groups
  /// itself and waiting only for groups another thread is feeding. Throws
  /// std::logic_error where the chunk was never offered and nothing is being
  /// fed (a caller's bug, which would otherwise wait forever).
  void wait_fed(std::uint64_t chunk);
  /// A buffer handed back after its chunk was fed (an empty vector where
  /// none is free): reuse for the next sorted copy.
  std::vector<double> spare();

  /// The sketches, by cell.
  const std::vector<QuantileSketch>& sketches() const { return sketches_; }
  std::vector<QuantileSketch>& sketches() { return sketches_; }
  /// The next chunk every group takes is `chunk` (a restored checkpoint's
  /// sketches hold the chunks before it).
  void restart_at(std::uint64_t chunk);

 private:
  struct Waiting {
    const double* values = nullptr;  // cell i's sorted values at values + i * stride
    std::size_t stride = 0;
    std::size_t n = 0;            // lanes
    std::size_t groups_left = 0;  // groups yet to take them
    std::vector<double> owned;    // the buffer values lie in, or empty
  };
  std::size_t groups() const { return next_.size(); }
  /// Feeds every idle group whose next chunk is waiting, chunk after chunk
  /// while they keep coming.
  void feed();

  std::vector<QuantileSketch> sketches_;
  std::mutex mu_;
  std::condition_variable fed_;             // a group finished a chunk
  std::map<std::uint64_t, Waiting> ready_;  // by chunk index
  std::vector<std::vector<double>> pool_;   // buffers handed back
  std::vector<std::size_t> bounds_;         // group g: cells [bounds_[g], bounds_[g + 1])
  std::vector<std::uint64_t> next_;         // per group: the next chunk it takes
  std::vector<std::uint8_t> busy_;          // per group: a thread is feeding it
  std::atomic<std::size_t> start_{0};       // spreads threads over the groups
};

}  // namespace sectorsim::core
