// Per-draw output of the runner, delivered in chunks, in draw order.
//
// A chunk holds the values of every series cell for a run of consecutive
// draws, structure-of-arrays: values[cell * stride + lane], lane = draw -
// first_draw. Sinks (the summary accumulator, the HDF5 path writer) receive
// chunks strictly in increasing draw order, one at a time, so they need no
// locking and their output never depends on thread count or scheduling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/spec/series.hpp"

namespace sectorsim::core {

/// Draws per chunk, at most. Part of the reproducibility contract
/// (summaries are merged per chunk), recorded in every results file.
inline constexpr std::uint64_t CHUNK_DRAWS = 4096;
/// Draws per chunk, at least (below it the per-chunk records, 33 bytes a
/// cell and chunk, would outgrow the values).
inline constexpr std::uint64_t MIN_CHUNK_DRAWS = 256;
/// The most one chunk's values may take where the chunk can shrink.
inline constexpr std::uint64_t CHUNK_BYTES = std::uint64_t{32} << 20;

/// Draws per chunk of a model with `cells` output cells: CHUNK_DRAWS, or for
/// a wide model the largest power of two whose chunk of values fits
/// CHUNK_BYTES, but at least MIN_CHUNK_DRAWS. A function of the model's
/// shape alone, never of threads, processes or memory, so results stay the
/// same on any machine (docs/guarantees.md). The Luohu plan (240 cells) and
/// comparisons of up to four such scenarios keep 4096.
/// Test: Chunk.DrawsShrinkOnlyForWideModels.
std::uint64_t chunk_draws_for(std::uint64_t cells);

/// Where each series' cells sit in a chunk.
class CellLayout {
 public:
  CellLayout() = default;
  CellLayout(std::vector<SeriesInfo> series, int n_years, int n_sectors);

  const std::vector<SeriesInfo>& series() const { return series_; }
  int n_years() const { return n_years_; }
  int n_sectors() const { return n_sectors_; }
  int n_cells() const { return n_cells_; }
  /// Cells of series i: n_years, or n_years * n_sectors (year-major).
  int width(int i) const { return series_[i].by_sector ? n_sectors_ : 1; }
  int offset(int i) const { return offset_[i]; }
  /// Cell index of (series, year index, sector); sector ignored for indicators.
  int cell(int series, int year, int sector = 0) const {
    return offset_[series] + year * width(series) + (series_[series].by_sector ? sector : 0);
  }

 private:
  std::vector<SeriesInfo> series_;
  std::vector<int> offset_;
  int n_years_ = 0, n_sectors_ = 0, n_cells_ = 0;
};

/// How a sink uses the values of the chunks it is given, which decides how
/// long the runner keeps them (ChunkSink::value_use). The runner delivers a
/// chunk to consume_unordered() as soon as it is computed and to consume()
/// when its turn in draw order comes; a chunk waiting for its turn holds its
/// values only where some sink needs them then.
enum class ValueUse {
  /// consume() reads the values (the path writer, the replicate sums): every
  /// chunk keeps its values until its consume() has returned. The default.
  ReadInOrder,
  /// Only consume_unordered() reads the values; consume() needs the chunk's
  /// draws alone and gets values == nullptr where no sink reads them in
  /// order. Where every sink says so, the runner reuses a chunk's buffer as
  /// soon as consume_unordered() has seen it, so chunks waiting for their
  /// turn hold no values.
  /// Test: RunnerMemory.ValuesFreedBeforeTheirTurnWhereNoSinkReadsThemInOrder.
  ReadUnordered,
  /// As ReadUnordered, and consume_unordered() would rather rearrange the
  /// values in place than copy them (a summary sorting them for its
  /// sketches). Where exactly one sink says so and none reads values in
  /// order, the runner calls that sink's consume_unordered() after every
  /// other sink's, with ChunkView::writable set, and keeps the values, as
  /// rearranged, until its consume() has returned: a waiting chunk holds one
  /// buffer, never a buffer and a sorted copy. Elsewhere writable is null,
  /// and the sink copies what it would rearrange.
  /// Test: RunnerMemory.OneSinkRearrangesValuesAfterTheOthersHaveReadThem.
  RearrangeUnordered,
};

/// A read-only view of one chunk of draws.
struct ChunkView {
  std::uint64_t first_draw = 0;
  std::size_t n = 0;       ///< draws in the chunk
  std::size_t stride = 0;  ///< distance between cells in values (>= n)
  /// Null in consume() where no sink of the run reads values in order
  /// (ValueUse::ReadUnordered).
  const double* values = nullptr;
  const CellLayout* layout = nullptr;
  /// values, writable: set only in consume_unordered() of the one sink the
  /// runner lets rearrange them (ValueUse::RearrangeUnordered); null otherwise.
  double* writable = nullptr;

  const double* cell(int c) const { return values + static_cast<std::size_t>(c) * stride; }
};

/// The cells of a chunk from `cell_offset` on, read as a chunk of `layout`
/// (one member of a stacked run). A chunk without values gives a view
/// without values, and only a writable chunk gives a writable view.
inline ChunkView slice_view(const ChunkView& chunk, int cell_offset, const CellLayout& layout) {
  ChunkView v = chunk;
  const std::size_t first = static_cast<std::size_t>(cell_offset) * chunk.stride;
  v.values = chunk.values ? chunk.values + first : nullptr;
  v.writable = chunk.writable ? chunk.writable + first : nullptr;
  v.layout = &layout;
  return v;
}

/// Consumer of chunks. The runner calls consume_unordered() from worker
/// threads as soon as a chunk is computed (concurrently, in any order: an
/// implementation may only touch state owned by that chunk's draws), then
/// consume() strictly in increasing draw order, one chunk at a time.
class ChunkSink {
 public:
  virtual ~ChunkSink() = default;
  virtual void consume_unordered(const ChunkView& /*chunk*/) {}
  virtual void consume(const ChunkView& /*chunk*/) {}
  /// How this sink uses the chunks' values (see ValueUse); constant over a
  /// run. A sink that reads values only in consume_unordered() should say
  /// so: then chunks waiting for their turn need not keep them.
  virtual ValueUse value_use() const { return ValueUse::ReadInOrder; }
};

}  // namespace sectorsim::core
