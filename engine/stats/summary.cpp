#include "engine/stats/summary.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <thread>

#include "engine/stats/intervals.hpp"
#include "engine/stats/kernels.hpp"
#include "engine/stats/pages.hpp"
#include "engine/stats/quantiles.hpp"
#include "engine/stats/sort.hpp"

namespace sectorsim::core {

bool meets(Op op, double x, double threshold) {
  if (!std::isfinite(x)) return false;
  switch (op) {
    case Op::Greater:
      return x > threshold;
    case Op::GreaterEqual:
      return x >= threshold;
    case Op::Less:
      return x < threshold;
    case Op::LessEqual:
      return x <= threshold;
  }
  return false;
}

std::vector<ResolvedTarget> resolve_targets(const std::vector<TargetSpec>& targets,
                                            const CellLayout& layout, int base_year,
                                            const std::vector<std::string>& sector_ids) {
  std::vector<ResolvedTarget> out;
  const int n_years = layout.n_years();
  auto year_index = [&](int year, const std::string& id) {
    const int y = year - base_year;
    if (y < 0 || y >= n_years) {
      throw std::invalid_argument("target '" + id + "': year " + std::to_string(year) +
                                  " is outside the horizon " + std::to_string(base_year) + "-" +
                                  std::to_string(base_year + n_years - 1));
    }
    return y;
  };
  for (const auto& t : targets) {
    std::string err;
    const auto ref = resolve_series(t.indicator, layout.series(), sector_ids, &err);
    if (!ref) throw std::invalid_argument("target '" + t.id + "': " + err);
    ResolvedTarget r;
    r.spec = t;
    r.year_index = year_index(t.year, t.id);
    for (int y = 0; y < n_years; ++y) {
      r.cells.push_back(layout.cell(ref->series, y, std::max(ref->sector, 0)));
    }
    if (t.relative_to_year) {
      r.relative_cell = r.cells[static_cast<std::size_t>(year_index(*t.relative_to_year, t.id))];
    }
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

// Per-chunk records (mean, squared deviations, extremes) of every cell.
std::uint64_t record_bytes(const CellLayout& layout, std::uint64_t draws, std::uint64_t chunk) {
  const std::uint64_t chunks = draws / chunk + (draws % chunk != 0);
  return chunks * static_cast<std::uint64_t>(layout.n_cells()) * (4 * sizeof(double) + 1);
}

}  // namespace

std::uint64_t SummaryAccumulator::store_bytes(const CellLayout& layout, std::uint64_t draws,
                                              std::uint64_t chunk_draws) {
  // Saturating, as sketch_bytes.
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(static_cast<std::uint64_t>(layout.n_cells()), draws, &bytes) ||
      __builtin_mul_overflow(bytes, sizeof(double), &bytes) ||
      __builtin_add_overflow(
          bytes, record_bytes(layout, draws, std::max<std::uint64_t>(chunk_draws, 1)), &bytes)) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return bytes;
}

SummaryAccumulator::~SummaryAccumulator() = default;

std::uint64_t SummaryAccumulator::sketch_bytes(const CellLayout& layout, std::uint64_t draws,
                                               std::size_t k, std::uint64_t chunk_draws) {
  // Saturating: a count beyond any machine gives UINT64_MAX, never a
  // shift past 64 bits (which looped forever) or a wrapped product.
  constexpr std::uint64_t MAX = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t k64 = std::max<std::uint64_t>(k, 1);
  std::uint64_t levels = 1;
  while (levels < 64 && (k64 << levels) >> levels == k64 && (k64 << levels) < draws)
    ++levels;
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(static_cast<std::uint64_t>(layout.n_cells()), levels + 1, &bytes) ||
      __builtin_mul_overflow(bytes, 2 * k64 * sizeof(double), &bytes)) {
    return MAX;
  }
  const std::uint64_t chunk = std::max<std::uint64_t>(chunk_draws, 1);
  const std::uint64_t chunks = draws / chunk + (draws % chunk != 0);
  std::uint64_t records = 0;  // record_bytes, but saturating
  if (__builtin_mul_overflow(
          chunks, static_cast<std::uint64_t>(layout.n_cells()) * (4 * sizeof(double) + 1),
          &records) ||
      __builtin_add_overflow(bytes, records, &bytes)) {
    return MAX;
  }
  return bytes;
}

SummaryAccumulator::SummaryAccumulator(const CellLayout& layout,
                                       std::vector<ResolvedTarget> targets, std::uint64_t max_draws,
                                       std::uint64_t chunk_draws, std::size_t sketch_k, int threads)
    : layout_(layout),
      targets_(std::move(targets)),
      max_draws_(max_draws),
      chunk_draws_(chunk_draws),
      n_years_(static_cast<std::size_t>(layout.n_years())),
      sketch_k_(sketch_k) {
  const std::size_t cells = static_cast<std::size_t>(layout.n_cells());
  const std::size_t n_chunks = (max_draws + chunk_draws - 1) / chunk_draws;
  if (sketch_k_ > 0) {
    // Four groups a thread, so that a thread finding one group busy has
    // others to feed.
    feeder_ = std::make_unique<SketchFeeder>(cells, sketch_k_,
                                             4 * static_cast<std::size_t>(std::max(threads, 1)));
  } else {
    store_.resize(cells * max_draws);  // uninitialised: see store_
  }
  chunk_stats_.assign(n_chunks * cells, CellStats{0, 0, 0, 0});
  stored_.assign(sketch_k_ > 0 ? 0 : n_chunks * cells, 1);
  chunk_counts_.assign(n_chunks * (targets_.size() * n_years_ + 1), 0);
  chunk_sizes_.assign(n_chunks, 0);
  chunk_nonfinite_.assign(n_chunks * cells, 0);
  chunk_undefined_.assign(n_chunks * targets_.size() * n_years_, 0);
}

namespace {

// Draws i < n with x[i] / den[i] (x[i] without den) meeting `threshold` under
// CMP; clears joint[i] (when given) where not met. A value that is not
// finite (a ratio to zero, an overflow) meets nothing and is added to
// *undefined: met + not met + undefined is every draw.
template <class Cmp>
std::uint64_t count_met_as(const double* x, const double* den, double threshold, std::size_t n,
                           std::uint64_t* joint, std::uint64_t* undefined, Cmp cmp) {
  std::uint64_t met = 0, bad = 0;
  auto one = [&](std::size_t i, double v) {
    const std::uint64_t finite = std::isfinite(v) ? 1 : 0;
    const std::uint64_t ok = (cmp(v, threshold) ? 1 : 0) & finite;
    met += ok;
    bad += 1 - finite;
    if (joint) joint[i] &= ok;
  };
  if (den) {
    for (std::size_t i = 0; i < n; ++i)
      one(i, x[i] / den[i]);
  } else {
    for (std::size_t i = 0; i < n; ++i)
      one(i, x[i]);
  }
  *undefined += bad;
  return met;
}

// Values of x[0, n) that are NaN or +-inf.
std::uint32_t count_nonfinite(const double* x, std::size_t n) {
  std::uint32_t bad = 0;
  for (std::size_t i = 0; i < n; ++i)
    bad += std::isfinite(x[i]) ? 0 : 1;
  return bad;
}

// Whether x[0, n) are all x[0], bit for bit.
bool same_bits(const double* x, std::size_t n) {
  std::uint64_t first;
  std::memcpy(&first, x, sizeof first);
  std::uint64_t differ = 0;
  for (std::size_t i = 1; i < n; ++i) {
    std::uint64_t b;
    std::memcpy(&b, x + i, sizeof b);
    differ |= b ^ first;
  }
  return differ == 0;
}

std::uint64_t count_met(Op op, const double* x, const double* den, double threshold, std::size_t n,
                        std::uint64_t* joint, std::uint64_t* undefined) {
  switch (op) {
    case Op::Greater:
      return count_met_as(x, den, threshold, n, joint, undefined,
                          [](double v, double th) { return v > th; });
    case Op::GreaterEqual:
      return count_met_as(x, den, threshold, n, joint, undefined,
                          [](double v, double th) { return v >= th; });
    case Op::Less:
      return count_met_as(x, den, threshold, n, joint, undefined,
                          [](double v, double th) { return v < th; });
    case Op::LessEqual:
      return count_met_as(x, den, threshold, n, joint, undefined,
                          [](double v, double th) { return v <= th; });
  }
  return 0;
}

// Calls fn(cell) for every cell, spread over `threads` threads; each
// result depends on its cell alone.
template <class Fn>
void for_each_cell(std::size_t cells, int threads, Fn fn) {
  const std::size_t n_threads = std::max<std::size_t>(1, std::min<std::size_t>(threads, cells));
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t c = next++; c < cells; c = next++)
      fn(c);
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < n_threads; ++t)
    pool.emplace_back(work);
  work();
  for (auto& th : pool)
    th.join();
}

// Per-series summaries from every cell's N_STATS statistics ([cell][stat])
// and its count of values that are not numbers.
std::vector<SeriesSummary> series_summaries(const CellLayout& layout,
                                            const std::vector<double>& flat,
                                            const std::vector<std::uint64_t>& nonfinite) {
  std::vector<SeriesSummary> out;
  const auto& series = layout.series();
  const std::size_t n_years = static_cast<std::size_t>(layout.n_years());
  for (std::size_t s = 0; s < series.size(); ++s) {
    SeriesSummary sum;
    sum.info = series[s];
    const std::size_t width = static_cast<std::size_t>(layout.width(static_cast<int>(s)));
    const std::size_t per_stat = n_years * width;
    sum.stats.assign(N_STATS * per_stat, 0.0);
    const std::size_t offset = static_cast<std::size_t>(layout.offset(static_cast<int>(s)));
    for (std::size_t k = 0; k < per_stat; ++k) {
      for (int i = 0; i < N_STATS; ++i) {
        sum.stats[static_cast<std::size_t>(i) * per_stat + k] =
            flat[(offset + k) * N_STATS + static_cast<std::size_t>(i)];
      }
    }
    sum.nonfinite.assign(nonfinite.begin() + static_cast<std::ptrdiff_t>(offset),
                         nonfinite.begin() + static_cast<std::ptrdiff_t>(offset + per_stat));
    out.push_back(std::move(sum));
  }
  return out;
}

}  // namespace

void SummaryAccumulator::consume_unordered(const ChunkView& chunk) {
  consume_unordered_into(chunk, nullptr);
}

std::vector<double> SummaryAccumulator::spare_buffer() {
  return feeder_ ? feeder_->spare() : std::vector<double>{};
}

void SummaryAccumulator::consume_unordered_owned(const ChunkView& chunk,
                                                 std::vector<double>&& values) {
  if (chunk.values != values.data() || chunk.stride != chunk.n) {
    throw std::logic_error("SummaryAccumulator: owned values are not the chunk's");
  }
  ChunkView v = chunk;
  v.writable = values.data();
  consume_unordered_into(v, &values);
}

void SummaryAccumulator::consume_unordered_into(const ChunkView& chunk,
                                                std::vector<double>* owned) {
  const std::size_t cells = static_cast<std::size_t>(layout_.n_cells());
  const std::size_t c = chunk.first_draw / chunk_draws_;
  if (chunk.first_draw % chunk_draws_ != 0 || chunk.first_draw + chunk.n > max_draws_) {
    throw std::logic_error("SummaryAccumulator: chunk not aligned to the run's chunks");
  }
  chunk_sizes_[c] = chunk.n;
  // The observations' likelihood first, from the values as simulated.
  if (observed_) observed_->log_likelihood(chunk, ll_.data() + chunk.first_draw);
  // Target counts first: they read draws across cells, which the sketches'
  // sort may then rearrange in place. Per target and year over the draws
  // (branch-free loops, one comparison each), the joint count from a flag per
  // draw: the same integers as the draw-by-draw loop. Without a relative cell
  // the indicator is compared directly (x / 1.0 is x exactly).
  const std::size_t width = targets_.size() * n_years_ + 1;
  std::uint64_t* counts = chunk_counts_.data() + c * width;
  std::uint64_t* undefined = chunk_undefined_.data() + c * targets_.size() * n_years_;
  thread_local std::vector<std::uint64_t> all;  // a flag a draw: every target met so far
  all.assign(chunk.n, 1);
  for (std::size_t t = 0; t < targets_.size(); ++t) {
    const auto& rt = targets_[t];
    const double* den = rt.relative_cell >= 0 ? chunk.cell(rt.relative_cell) : nullptr;
    for (std::size_t y = 0; y < n_years_; ++y) {
      std::uint64_t* joint = y == static_cast<std::size_t>(rt.year_index) ? all.data() : nullptr;
      counts[t * n_years_ + y] +=
          count_met(rt.spec.op, chunk.cell(rt.cells[y]), den, rt.spec.threshold, chunk.n, joint,
                    undefined + t * n_years_ + y);
    }
  }
  std::uint64_t met_all = 0;
  for (std::size_t i = 0; i < chunk.n; ++i)
    met_all += all[i];
  counts[width - 1] += met_all;

  // Sketch mode: each cell's values sorted, in the chunk's own buffer where
  // the runner allows it (then it keeps them for consume()), else in a copy.
  double* sorted = nullptr;
  std::size_t sorted_stride = 0;
  std::vector<double> sorted_owner;  // the buffer `sorted` lies in, if ours
  if (sketch_k_ > 0) {
    if (chunk.writable) {
      if (owned) sorted_owner = std::move(*owned);  // the data stay put
      sorted = chunk.writable;
      sorted_stride = chunk.stride;
    } else {
      sorted_owner = feeder_->spare();
      sorted_owner.resize(cells * chunk.n);
      sorted = sorted_owner.data();
      sorted_stride = chunk.n;
    }
  }
  const double inv_n = 1.0 / static_cast<double>(chunk.n);
  // Statistics of four cells at a time (quad_stats: the same bits as one
  // cell at a time); then each cell's values go where they are kept, while
  // the four rows are still in cache.
  for (std::size_t cell0 = 0; cell0 < cells; cell0 += 4) {
    const std::size_t g = std::min<std::size_t>(4, cells - cell0);
    const double* xs[4];
    for (std::size_t k = 0; k < 4; ++k)
      xs[k] = chunk.cell(static_cast<int>(cell0 + (k < g ? k : 0)));
    const QuadStats q = quad_stats(xs, chunk.n, inv_n);
    for (std::size_t k = 0; k < g; ++k) {
      const std::size_t cell = cell0 + k;
      const double* x = xs[k];
      // One value throughout: recorded exactly (the sum of n copies is not
      // n times the value in floating point), so that merged records give
      // the value itself and an sd of 0.
      const bool one = q.lo[k] == q.hi[k];
      chunk_stats_[c * cells + cell] =
          CellStats{one ? q.lo[k] : q.mean[k], one ? 0.0 : q.m2[k], q.lo[k], q.hi[k]};
      // A finite sum means finite values: only a cell with a NaN or an
      // infinity (or a sum that overflowed) is counted value by value.
      if (!std::isfinite(q.mean[k]) || !std::isfinite(q.m2[k]))
        chunk_nonfinite_[c * cells + cell] = count_nonfinite(x, chunk.n);
      if (sketch_k_ > 0) {
        thread_local std::vector<std::int64_t> keys;
        sort_doubles(x, sorted + cell * sorted_stride, chunk.n, keys);  // may be in place
      } else if (conditioned()) {
        // Kept draws only, below.
      } else if (q.lo[k] == q.hi[k] && same_bits(x, chunk.n)) {
        // One value throughout: the record's min (x[0]'s bits) stands for it.
        stored_[c * cells + cell] = 0;
      } else {
        // The store's pages for this chunk are fresh: mapped in with one call
        // instead of a fault per page (see pages.hpp), where the chunk spans
        // pages; a wide model's short chunks fault in their page or two.
        double* to = store_.data() + cell * max_draws_ + chunk.first_draw;
        if (chunk.n * sizeof(double) >= POPULATE_MIN_BYTES)
          populate_for_write(to, chunk.n * sizeof(double));
        std::copy(x, x + chunk.n, to);
        stored_[c * cells + cell] = 1;
      }
    }
  }
  if (sketch_k_ > 0) feeder_->offer(c, sorted, sorted_stride, chunk.n, std::move(sorted_owner));
  if (conditioned()) {
    // The draws within keep_within of a perfect fit, their values packed.
    // The weights' source computed this chunk's likelihoods first (it is the
    // first sink to see the chunk).
    const double* l = ll().data() + chunk.first_draw;
    const double floor = observation_model().floor();
    KeptChunk& k = kept_[c];
    k.lanes.clear();
    for (std::size_t i = 0; i < chunk.n; ++i)
      if (l[i] >= floor) k.lanes.push_back(static_cast<std::uint32_t>(i));
    const std::uint64_t bytes = k.lanes.size() * cells * sizeof(double);
    if (kept_limit_ > 0 && kept_bytes_.fetch_add(bytes) + bytes > kept_limit_) {
      kept_overflow_ = true;
      k.lanes.clear();
      return;
    }
    const std::size_t m = k.lanes.size();
    k.values.resize(cells * m);
    for (std::size_t cell = 0; cell < cells; ++cell) {
      const double* x = chunk.cell(static_cast<int>(cell));
      double* to = k.values.data() + cell * m;
      for (std::size_t j = 0; j < m; ++j)
        to[j] = x[k.lanes[j]];
    }
  }
}

void SummaryAccumulator::consume(const ChunkView& chunk) {
  // Chunk c's turn: every cell's sketch takes it before the runner moves on,
  // so the sorted copies waiting never outnumber the runner's reorder window.
  if (feeder_) feeder_->wait_fed(chunk.first_draw / chunk_draws_);
}

const double* SummaryAccumulator::column(std::size_t cell, std::uint64_t draws,
                                         std::vector<double>& buf) const {
  const std::size_t cells = static_cast<std::size_t>(layout_.n_cells());
  const std::size_t n_chunks = (draws + chunk_draws_ - 1) / chunk_draws_;
  const double* col = store_.data() + cell * max_draws_;
  bool all_stored = true;
  for (std::size_t c = 0; c < n_chunks; ++c)
    all_stored = all_stored && stored_[c * cells + cell] != 0;
  if (all_stored) return col;
  buf.resize(draws);
  for (std::size_t c = 0; c < n_chunks; ++c) {
    const std::size_t first = c * chunk_draws_;
    const std::size_t n = std::min<std::uint64_t>(chunk_draws_, draws - first);
    if (stored_[c * cells + cell] != 0) {
      std::copy(col + first, col + first + n, buf.begin() + static_cast<std::ptrdiff_t>(first));
    } else {
      std::fill_n(buf.begin() + static_cast<std::ptrdiff_t>(first), n,
                  chunk_stats_[c * cells + cell].min);
    }
  }
  return buf.data();
}

const double* SummaryAccumulator::one_value(std::size_t cell, std::uint64_t draws) const {
  const std::size_t cells = static_cast<std::size_t>(layout_.n_cells());
  const std::size_t n_chunks = (draws + chunk_draws_ - 1) / chunk_draws_;
  if (n_chunks == 0) return nullptr;
  const double* first = &chunk_stats_[cell].min;
  for (std::size_t c = 0; c < n_chunks; ++c) {
    if (stored_[c * cells + cell] != 0 ||
        std::memcmp(&chunk_stats_[c * cells + cell].min, first, sizeof(double)) != 0) {
      return nullptr;
    }
  }
  return first;
}

SummaryState SummaryAccumulator::save(std::uint64_t draws) const {
  const std::size_t cells = static_cast<std::size_t>(layout_.n_cells());
  const std::size_t n_chunks = (draws + chunk_draws_ - 1) / chunk_draws_;
  const std::size_t width = targets_.size() * n_years_ + 1;
  SummaryState st;
  st.draws = draws;
  st.chunk_sizes.assign(chunk_sizes_.begin(),
                        chunk_sizes_.begin() + static_cast<std::ptrdiff_t>(n_chunks));
  for (std::size_t i = 0; i < n_chunks * cells; ++i) {
    const CellStats& c = chunk_stats_[i];
    st.chunk_stats.insert(st.chunk_stats.end(), {c.mean, c.m2, c.min, c.max});
  }
  st.chunk_counts.assign(chunk_counts_.begin(),
                         chunk_counts_.begin() + static_cast<std::ptrdiff_t>(n_chunks * width));
  st.chunk_nonfinite.assign(
      chunk_nonfinite_.begin(),
      chunk_nonfinite_.begin() + static_cast<std::ptrdiff_t>(n_chunks * cells));
  st.chunk_undefined.assign(
      chunk_undefined_.begin(),
      chunk_undefined_.begin() + static_cast<std::ptrdiff_t>(n_chunks * (width - 1)));
  if (observed_) {
    st.log_likelihood.assign(ll_.begin(), ll_.begin() + static_cast<std::ptrdiff_t>(draws));
  }
  if (conditioned()) {
    // The kept draws and their values, [cell][kept].
    st.kept_draws = kept_draw_indices(draws);
    std::vector<double> buf;
    for (std::size_t cell = 0; cell < cells; ++cell) {
      const double* col = kept_column(cell, draws, buf);
      st.values.insert(st.values.end(), col, col + st.kept_draws.size());
    }
    return st;
  }
  if (sketch_k_ > 0) {
    // The sketches hold exactly the chunks delivered in order: the first `draws`.
    for (const QuantileSketch& sk : feeder_->sketches()) {
      if (sk.count() != draws) {
        throw std::logic_error("quantile sketch holds " + std::to_string(sk.count()) +
                               " draws, the checkpoint " + std::to_string(draws));
      }
      sk.save(st.sketch_index, st.sketch_items, st.sketch_error);
    }
    return st;
  }
  st.values.reserve(cells * draws);
  std::vector<double> buf;
  for (std::size_t cell = 0; cell < cells; ++cell) {
    const double* col = column(cell, draws, buf);
    st.values.insert(st.values.end(), col, col + draws);
  }
  return st;
}

void SummaryAccumulator::restore(const SummaryState& st) {
  if (st.uses_sketch() != (sketch_k_ > 0)) {
    throw std::invalid_argument(st.uses_sketch()
                                    ? "saved summary state holds quantile sketches, this run "
                                      "keeps exact values"
                                    : "saved summary state holds exact values, this run uses "
                                      "quantile sketches");
  }
  if (observed_ && st.log_likelihood.size() != st.draws) {
    throw std::invalid_argument(
        "saved summary state has no likelihoods of the observations: it "
        "was not a conditioned run");
  }
  if (!observed_ && !st.log_likelihood.empty()) {
    throw std::invalid_argument(
        "saved summary state is of a conditioned run; this run has no observations");
  }
  if (observed_) std::copy(st.log_likelihood.begin(), st.log_likelihood.end(), ll_.begin());
  const std::size_t cells = static_cast<std::size_t>(layout_.n_cells());
  const std::size_t n_chunks = (st.draws + chunk_draws_ - 1) / chunk_draws_;
  const std::size_t width = targets_.size() * n_years_ + 1;
  if (st.draws > max_draws_ || st.draws % chunk_draws_ != 0 || st.chunk_sizes.size() != n_chunks ||
      st.chunk_stats.size() != 4 * n_chunks * cells || st.chunk_counts.size() != n_chunks * width ||
      st.chunk_nonfinite.size() != n_chunks * cells ||
      st.chunk_undefined.size() != n_chunks * (width - 1) ||
      st.values.size() !=
          (sketch_k_ > 0 ? 0 : cells * (conditioned() ? st.kept_draws.size() : st.draws))) {
    throw std::invalid_argument("saved summary state does not fit this run (" +
                                std::to_string(st.draws) + " draws, " + std::to_string(cells) +
                                " cells, " + std::to_string(targets_.size()) + " targets)");
  }
  std::copy(st.chunk_sizes.begin(), st.chunk_sizes.end(), chunk_sizes_.begin());
  for (std::size_t i = 0; i < n_chunks * cells; ++i) {
    chunk_stats_[i] = CellStats{st.chunk_stats[4 * i], st.chunk_stats[4 * i + 1],
                                st.chunk_stats[4 * i + 2], st.chunk_stats[4 * i + 3]};
  }
  std::copy(st.chunk_counts.begin(), st.chunk_counts.end(), chunk_counts_.begin());
  for (std::size_t i = 0; i < n_chunks * cells; ++i) {
    if (st.chunk_nonfinite[i] > st.chunk_sizes[i / cells]) {
      throw std::invalid_argument("saved summary state counts more non-finite values than draws");
    }
    chunk_nonfinite_[i] = static_cast<std::uint32_t>(st.chunk_nonfinite[i]);
  }
  std::copy(st.chunk_undefined.begin(), st.chunk_undefined.end(), chunk_undefined_.begin());
  if (sketch_k_ > 0) {
    feeder_->restart_at(st.draws / chunk_draws_);
    std::size_t at = 0, item_at = 0, error_at = 0;
    for (QuantileSketch& sk : feeder_->sketches()) {
      sk.restore(st.sketch_index, at, st.sketch_items, item_at, st.sketch_error, error_at);
      if (sk.count() != st.draws) throw std::invalid_argument("saved quantile sketch is malformed");
    }
    if (at != st.sketch_index.size() || item_at != st.sketch_items.size() ||
        error_at != st.sketch_error.size()) {
      throw std::invalid_argument("saved quantile sketches do not fit this run");
    }
    return;
  }
  if (conditioned()) {
    // The kept draws back into their chunks, in draw order.
    const std::size_t kept = st.kept_draws.size();
    if (st.values.size() != cells * kept) {
      throw std::invalid_argument("saved kept draws do not fit this run");
    }
    for (std::size_t j = 0; j < kept; ++j) {
      const std::uint64_t d = st.kept_draws[j];
      if (d >= st.draws || (j > 0 && d <= st.kept_draws[j - 1])) {
        throw std::invalid_argument("saved kept draws are not increasing draws of the run");
      }
      kept_[d / chunk_draws_].lanes.push_back(static_cast<std::uint32_t>(d % chunk_draws_));
    }
    std::size_t first = 0;
    for (KeptChunk& k : kept_) {
      const std::size_t m = k.lanes.size();
      k.values.resize(cells * m);
      for (std::size_t cell = 0; cell < cells; ++cell)
        for (std::size_t j = 0; j < m; ++j)
          k.values[cell * m + j] = st.values[cell * kept + first + j];
      first += m;
      kept_bytes_ += m * cells * sizeof(double);
    }
    return;
  }
  for (std::size_t c = 0; c < cells; ++c) {
    const auto from = st.values.begin() + static_cast<std::ptrdiff_t>(c * st.draws);
    std::copy(from, from + static_cast<std::ptrdiff_t>(st.draws),
              store_.begin() + static_cast<std::ptrdiff_t>(c * max_draws_));
  }
  std::fill_n(stored_.begin(), n_chunks * cells, std::uint8_t{1});
}

void SummaryAccumulator::condition_on(const ObservationModel& model) {
  if (sketch_k_ > 0) {
    throw std::invalid_argument(
        "a conditioned run needs exact quantiles: its weighted quantiles read every draw");
  }
  observed_ = &model;
  ll_.assign(max_draws_, 0.0);
  keep_only_likely_draws();
}

void SummaryAccumulator::keep_only_likely_draws() {
  decltype(store_)().swap(store_);
  kept_.assign((max_draws_ + chunk_draws_ - 1) / chunk_draws_, KeptChunk{});
}

const ObservationModel& SummaryAccumulator::observation_model() const {
  return observed_ ? *observed_ : *weights_from_->observed_;
}

std::uint64_t SummaryAccumulator::conditioned_bytes(const CellLayout& layout, std::uint64_t draws,
                                                    std::uint64_t chunk_draws) {
  return record_bytes(layout, draws, chunk_draws) + draws * sizeof(double);
}

const double* SummaryAccumulator::kept_column(std::size_t cell, std::uint64_t draws,
                                              std::vector<double>& buf) const {
  buf.clear();
  const std::size_t n_chunks = (draws + chunk_draws_ - 1) / chunk_draws_;
  for (std::size_t c = 0; c < n_chunks; ++c) {
    const KeptChunk& k = kept_[c];
    const std::size_t m = k.lanes.size();
    buf.insert(buf.end(), k.values.begin() + static_cast<std::ptrdiff_t>(cell * m),
               k.values.begin() + static_cast<std::ptrdiff_t>((cell + 1) * m));
  }
  return buf.data();
}

std::vector<std::uint64_t> SummaryAccumulator::kept_draw_indices(std::uint64_t draws) const {
  std::vector<std::uint64_t> out;
  const std::size_t n_chunks = (draws + chunk_draws_ - 1) / chunk_draws_;
  for (std::size_t c = 0; c < n_chunks; ++c)
    for (const std::uint32_t lane : kept_[c].lanes)
      out.push_back(c * chunk_draws_ + lane);
  return out;
}

void SummaryAccumulator::weighted_by(const SummaryAccumulator& source) {
  if (sketch_k_ > 0) {
    throw std::invalid_argument(
        "a conditioned run needs exact quantiles: its weighted quantiles read every draw");
  }
  weights_from_ = &source;
  keep_only_likely_draws();
}

std::vector<double> SummaryAccumulator::log_likelihood(std::uint64_t draws) const {
  if (weights_from_) return weights_from_->log_likelihood(draws);
  return std::vector<double>(ll_.begin(), ll_.begin() + static_cast<std::ptrdiff_t>(draws));
}

std::vector<double> SummaryAccumulator::weights(std::uint64_t draws) const {
  if (weights_from_) return weights_from_->weights(draws);
  std::vector<double> w(draws);
  weights_from_log_likelihood(ll_.data(), draws, w.data());
  return w;
}

std::pair<double, double> SummaryAccumulator::weighted_signs(
    std::size_t cell, std::uint64_t draws, const std::vector<double>& kept_weights) const {
  std::vector<double> buf;
  const double* col = kept_column(cell, draws, buf);
  double above = 0, below = 0;
  for (std::size_t j = 0; j < kept_weights.size(); ++j) {
    if (col[j] > 0) above += kept_weights[j];
    if (col[j] < 0) below += kept_weights[j];
  }
  return {above, below};
}

std::vector<double> SummaryAccumulator::kept_weights(std::uint64_t draws) const {
  const std::vector<double> w = weights(draws);
  std::vector<double> out;
  for (const std::uint64_t d : kept_draw_indices(draws))
    out.push_back(w[d]);
  return out;
}

void SummaryAccumulator::finish_weighted(std::uint64_t draws, ScenarioResult& out,
                                         int threads) const {
  const std::size_t cells = static_cast<std::size_t>(layout_.n_cells());
  const std::size_t n_chunks = (draws + chunk_draws_ - 1) / chunk_draws_;
  const ObservationModel& model = observation_model();
  const std::vector<double> all = weights(draws);
  const std::vector<double> w = kept_weights(draws);
  double total_all = 0, total = 0, w_max = 0;
  for (const double x : all)
    total_all += x;
  for (const double x : w) {
    total += x;
    w_max = std::max(w_max, x);
  }
  const std::vector<double>& l = ll();
  double max_ll = -std::numeric_limits<double>::infinity();
  for (std::uint64_t i = 0; i < draws; ++i)
    max_ll = std::max(max_ll, l[i]);
  const std::uint64_t kept = w.size();
  out.conditioning = Conditioning{};
  Conditioning& cond = *out.conditioning;
  cond.observations = model.observations().size();
  cond.ess = effective_sample_size(w.data(), kept);
  cond.min_ess = model.min_ess();
  // log of the mean likelihood over the draws: the evidence for the scenario.
  cond.log_evidence = total_all > 0 ? max_ll + std::log(total_all / static_cast<double>(draws))
                                    : -std::numeric_limits<double>::infinity();
  cond.max_weight_share = total > 0 ? w_max / total : 1.0;
  cond.kept = kept;
  cond.dropped_weight_share = total_all > 0 ? (total_all - total) / total_all : 0.0;
  cond.best_fit_gap = model.perfect_fit() - max_ll;
  cond.keep_within = model.keep_within();
  cond.kept_overflow = kept_overflow_;
  std::vector<std::uint64_t> nonfinite(cells, 0);
  for (std::size_t c = 0; c < n_chunks; ++c) {
    for (std::size_t cell = 0; cell < cells; ++cell)
      nonfinite[cell] += chunk_nonfinite_[c * cells + cell];
  }
  // Every statistic of a cell from its kept draws and their weights, in draw
  // order: the same bits on any number of threads.
  std::vector<double> flat(cells * N_STATS);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto summarise = [&](std::size_t cell, std::vector<std::size_t>& order,
                       std::vector<double>& buf) {
    double* stats = flat.data() + cell * N_STATS;
    if (nonfinite[cell] > 0 || !(total > 0)) {
      std::fill(stats, stats + N_STATS, nan);
      return;
    }
    const double* col = kept_column(cell, draws, buf);
    double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::uint64_t i = 0; i < kept; ++i) {
      if (w[i] <= 0) continue;
      sum += w[i] * col[i];
      lo = std::min(lo, col[i]);
      hi = std::max(hi, col[i]);
    }
    const double mean = lo == hi ? lo : sum / total;
    double m2 = 0;
    if (lo != hi) {
      for (std::uint64_t i = 0; i < kept; ++i)
        if (w[i] > 0) m2 += w[i] * (col[i] - mean) * (col[i] - mean);
    }
    stats[0] = mean;
    stats[1] = std::sqrt(m2 / total);
    stats[2] = lo;
    weighted_quantiles(col, w.data(), kept, QUANTILE_PROBS, 5, stats + 3, order);
    stats[8] = hi;
  };
  for_each_cell(cells, threads, [&](std::size_t c) {
    thread_local std::vector<std::size_t> order;
    thread_local std::vector<double> buf;
    summarise(c, order, buf);
  });
  out.summaries.clear();
  out.summaries = series_summaries(layout_, flat, nonfinite);
  // Targets: the weight of the kept draws that meet each, year by year, and
  // of those that meet every target in its year.
  const std::size_t n_targets = targets_.size();
  const std::size_t width = n_targets * n_years_ + 1;
  std::vector<std::uint64_t> undefined(width - 1, 0);
  for (std::size_t c = 0; c < n_chunks; ++c) {
    for (std::size_t i = 0; i + 1 < width; ++i)
      undefined[i] += chunk_undefined_[c * (width - 1) + i];
  }
  std::vector<std::uint8_t> every(kept, 1);
  std::vector<double> buf, den_buf;
  out.targets.clear();
  const double ess = cond.ess;
  for (std::size_t t = 0; t < n_targets; ++t) {
    const auto& rt = targets_[t];
    const double* den =
        rt.relative_cell >= 0
            ? kept_column(static_cast<std::size_t>(rt.relative_cell), draws, den_buf)
            : nullptr;
    TargetResult tr;
    tr.spec = rt.spec;
    for (std::size_t y = 0; y < n_years_; ++y) {
      const double* x = kept_column(static_cast<std::size_t>(rt.cells[y]), draws, buf);
      const bool own = y == static_cast<std::size_t>(rt.year_index);
      double met = 0;
      for (std::uint64_t i = 0; i < kept; ++i) {
        const double v = den ? x[i] / den[i] : x[i];
        const bool ok = std::isfinite(v) && meets(rt.spec.op, v, rt.spec.threshold);
        if (ok) met += w[i];
        if (own && !ok) every[i] = 0;
      }
      tr.by_year.push_back(weighted_proportion(met, total, ess));
      tr.by_year.back().undefined = undefined[t * n_years_ + y];
    }
    tr.in_year = tr.by_year[static_cast<std::size_t>(rt.year_index)];
    out.targets.push_back(std::move(tr));
  }
  double met_all = 0;
  for (std::uint64_t i = 0; i < kept; ++i)
    if (every[i]) met_all += w[i];
  out.all_targets = weighted_proportion(met_all, total, ess);
  out.draws = draws;
  out.quantile_method = "weighted, inverted weighted CDF (type 1)";
}

void SummaryAccumulator::finish(std::uint64_t draws, ScenarioResult& out, int threads) const {
  if (conditioned()) {
    finish_weighted(draws, out, threads);
    return;
  }
  const std::size_t cells = static_cast<std::size_t>(layout_.n_cells());
  const std::size_t n_chunks = (draws + chunk_draws_ - 1) / chunk_draws_;
  // Merge chunk records in chunk order.
  std::vector<CellStats> total(cells, CellStats{0, 0, 0, 0});
  std::vector<double> count(cells, 0.0);
  for (std::size_t c = 0; c < n_chunks; ++c) {
    const double nb = static_cast<double>(chunk_sizes_[c]);
    for (std::size_t cell = 0; cell < cells; ++cell) {
      const CellStats& b = chunk_stats_[c * cells + cell];
      CellStats& a = total[cell];
      const double na = count[cell], n = na + nb;
      if (na == 0) {
        a = b;
      } else {
        const double delta = b.mean - a.mean;
        a.mean += delta * nb / n;
        a.m2 += b.m2 + delta * delta * na * nb / n;
        a.min = std::min(a.min, b.min);
        a.max = std::max(a.max, b.max);
      }
      count[cell] = n;
    }
  }
  std::vector<std::uint64_t> nonfinite(cells, 0);
  for (std::size_t c = 0; c < n_chunks; ++c) {
    for (std::size_t cell = 0; cell < cells; ++cell)
      nonfinite[cell] += chunk_nonfinite_[c * cells + cell];
  }
  // Per-series summaries with exact quantiles. Cells are independent, so
  // they are spread over threads; each result depends on its cell alone.
  out.summaries.clear();
  std::vector<double> flat(cells * N_STATS);
  auto summarise = [&](std::size_t cell, std::vector<double>& scratch, std::vector<double>& buf) {
    const CellStats& st = total[cell];
    const double n = count[cell];
    double* stats = flat.data() + cell * N_STATS;
    if (nonfinite[cell] > 0) {
      // No statistic of part of the draws: the count says why there is none.
      std::fill(stats, stats + N_STATS, std::numeric_limits<double>::quiet_NaN());
      return;
    }
    stats[0] = draws ? st.mean : std::numeric_limits<double>::quiet_NaN();
    stats[1] = n > 1 ? std::sqrt(st.m2 / (n - 1)) : std::numeric_limits<double>::quiet_NaN();
    stats[2] = st.min;
    if (sketch_k_ > 0) {
      feeder_->sketches()[cell].quantiles(QUANTILE_PROBS, 5, stats + 3);
    } else if (const double* one = one_value(cell, draws)) {
      // One value in every chunk, the same bits: every quantile is it (what
      // the selection below gives such data).
      std::fill(stats + 3, stats + 8, *one);
    } else {
      const double* col = column(cell, draws, buf);
      const Extremes known{st.min, st.max};
      quantiles_type7(col, draws, QUANTILE_PROBS, 5, stats + 3, scratch, &known);
    }
    stats[8] = st.max;
  };
  for_each_cell(cells, threads, [&](std::size_t c) {
    thread_local std::vector<double> scratch, buf;
    summarise(c, scratch, buf);
  });
  out.summaries = series_summaries(layout_, flat, nonfinite);
  // Targets.
  const std::size_t width = targets_.size() * n_years_ + 1;
  std::vector<std::uint64_t> counts(width, 0), undefined(width - 1, 0);
  for (std::size_t c = 0; c < n_chunks; ++c) {
    for (std::size_t i = 0; i < width; ++i)
      counts[i] += chunk_counts_[c * width + i];
    for (std::size_t i = 0; i + 1 < width; ++i)
      undefined[i] += chunk_undefined_[c * (width - 1) + i];
  }
  out.targets.clear();
  for (std::size_t t = 0; t < targets_.size(); ++t) {
    TargetResult tr;
    tr.spec = targets_[t].spec;
    for (std::size_t y = 0; y < n_years_; ++y) {
      tr.by_year.push_back(wilson(counts[t * n_years_ + y], draws));
      tr.by_year.back().undefined = undefined[t * n_years_ + y];
    }
    tr.in_year = tr.by_year[static_cast<std::size_t>(targets_[t].year_index)];
    out.targets.push_back(std::move(tr));
  }
  out.all_targets = wilson(counts[width - 1], draws);
  out.draws = draws;
  out.quantile_method = "exact (type 7)";
  if (sketch_k_ > 0) {
    double worst = 0;
    for (const auto& sk : feeder_->sketches())
      worst = std::max(worst, sk.rank_error_fraction());
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "sketch (compactors, k=%zu): rank error at most %.3g of the draws "
                  "(deterministic bound)",
                  sketch_k_, worst);
    out.quantile_method = buf;
  }
}

}  // namespace sectorsim::core
