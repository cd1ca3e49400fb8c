#include "engine/stats/summary.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "engine/sampling/fastmath.hpp"
#include "engine/stats/intervals.hpp"
#include "engine/stats/pages.hpp"
#include "engine/stats/sort.hpp"

namespace sectorsim::core {

bool meets(Op op, double x, double threshold) {
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

double quantile_type7(std::vector<double>& v, double p) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double h = static_cast<double>(v.size() - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
  const double a = v[lo];
  if (lo + 1 >= v.size()) return a;
  const double b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end());
  return a == b ? a : a + (h - static_cast<double>(lo)) * (b - a);
}

void quantiles_type7(std::vector<double>& v, const double* probs, int n_probs, double* out) {
  // Increasing probabilities: each selection only searches above the last.
  std::size_t from = 0;
  for (int i = 0; i < n_probs; ++i) {
    if (v.empty()) {
      out[i] = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    const double h = static_cast<double>(v.size() - 1) * probs[i];
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const auto begin = v.begin() + static_cast<std::ptrdiff_t>(std::min(from, lo));
    std::nth_element(begin, v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
    const double a = v[lo];
    double b = a;
    if (lo + 1 < v.size())
      b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end());
    out[i] = a == b ? a : a + (h - static_cast<double>(lo)) * (b - a);
    from = lo;
  }
}

namespace {

constexpr std::size_t HIST_BINS = 4096;
constexpr std::size_t BIN_BLOCK = 256;

// Bins of x[0, m) (m <= BIN_BLOCK) among HIST_BINS equal-width bins from lo at
// `scale` bins per unit, clamped to the first and last bin (NaN to the
// first); returns whether a value is NaN or outside [lo, hi]. Four lanes at a
// time without branches (one ymm register in the AVX2 variant, two xmm in the
// baseline one); both give the same bins.
[[gnu::always_inline]] inline bool bin_block_impl(const double* x, std::size_t m, double lo,
                                                  double hi, double scale, std::uint32_t* bins) {
  using Vec4I32 = std::int32_t __attribute__((vector_size(16)));
  using Vec4I64 = std::int64_t __attribute__((vector_size(32)));
  constexpr double LAST = static_cast<double>(HIST_BINS - 1);
  const Vec4D vlo = Vec4D{} + lo, vhi = Vec4D{} + hi, vscale = Vec4D{} + scale;
  const Vec4D zero = Vec4D{}, last = Vec4D{} + LAST;
  Vec4I64 outside = Vec4I64{};
  std::size_t k = 0;
  for (; k + 4 <= m; k += 4) {
    Vec4D v;
    std::memcpy(&v, x + k, sizeof v);
    outside |= ~((v >= vlo) & (v <= vhi));
    Vec4D pos = (v - vlo) * vscale;
    pos = zero < pos ? pos : zero;  // NaN to 0
    pos = pos < last ? pos : last;
    const Vec4I32 b = __builtin_convertvector(pos, Vec4I32);
    std::memcpy(bins + k, &b, sizeof b);
  }
  bool bad = (outside[0] | outside[1] | outside[2] | outside[3]) != 0;
  for (; k < m; ++k) {
    const double v = x[k];
    bad |= !(v >= lo && v <= hi);
    double pos = (v - lo) * scale;
    pos = 0.0 < pos ? pos : 0.0;
    pos = pos < LAST ? pos : LAST;
    bins[k] = static_cast<std::uint32_t>(static_cast<std::int32_t>(pos));
  }
  return bad;
}

#if defined(__x86_64__)
[[gnu::target("avx2")]] bool bin_block_avx2(const double* x, std::size_t m, double lo, double hi,
                                            double scale, std::uint32_t* bins) {
  return bin_block_impl(x, m, lo, hi, scale, bins);
}
#endif

bool bin_block_sse2(const double* x, std::size_t m, double lo, double hi, double scale,
                    std::uint32_t* bins) {
  return bin_block_impl(x, m, lo, hi, scale, bins);
}

using BinBlock = bool (*)(const double*, std::size_t, double, double, double, std::uint32_t*);

BinBlock bin_block() {
#if defined(__x86_64__)
  if (cpu_has_avx2()) return bin_block_avx2;
#endif
  return bin_block_sse2;
}

// Order statistics x_(k) (0-based) of x[0..n) for sorted ranks, exactly, in
// two passes instead of a selection per rank: a histogram of BINS equal-width
// bins between the extremes (the bin is monotone in the value, so bin counts
// give each rank's bin and its rank inside), then the values of the bins that
// hold a wanted rank, gathered and selected in. The extremes come from the
// caller when it knows them (the summaries' chunk records), else from one
// more pass. Returns false (the caller falls back to nth_element) for data
// with NaN or infinities, or values outside the given extremes.
bool order_statistics(const double* x, std::size_t n, const std::vector<std::size_t>& ranks,
                      const Extremes* known, double* out) {
  constexpr std::size_t BINS = HIST_BINS;
  if (n < 4 * BINS) return false;
  double lo = x[0], hi = x[0];
  if (known) {
    lo = known->min;
    hi = known->max;
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      lo = x[i] < lo ? x[i] : lo;
      hi = x[i] > hi ? x[i] : hi;
    }
  }
  // NaN extremes, an infinite one, or no spread.
  if (!(lo <= hi) || !std::isfinite(lo) || !std::isfinite(hi)) return false;
  bool bad = false;  // a NaN, or a value outside [lo, hi]
  if (lo == hi) {
    // One value throughout (the base year's observed data): every order
    // statistic is it, unless a NaN hides among the draws.
    for (std::size_t i = 0; i < n; ++i)
      bad |= x[i] != lo;
    if (bad) return false;
    std::fill(out, out + ranks.size(), lo);
    return true;
  }
  const double range = hi - lo;
  if (!(range < std::numeric_limits<double>::infinity())) return false;
  const double scale = static_cast<double>(BINS) / range;
  // Bins a block at a time (vectorised), counted in 32 bits (n below 2^32).
  if (n > std::numeric_limits<std::uint32_t>::max()) return false;
  const BinBlock bins_of = bin_block();
  std::uint32_t bins[BIN_BLOCK];
  std::vector<std::uint32_t> count(BINS, 0);
  for (std::size_t i0 = 0; i0 < n; i0 += BIN_BLOCK) {
    const std::size_t m = std::min(BIN_BLOCK, n - i0);
    bad |= bins_of(x + i0, m, lo, hi, scale, bins);
    for (std::size_t k = 0; k < m; ++k)
      ++count[bins[k]];
  }
  if (bad) return false;
  // Each rank's bin, and the first rank of that bin.
  std::vector<std::int32_t> slot(BINS, -1);  // bin -> index into `gathered`
  std::vector<std::vector<double>> gathered;
  std::vector<std::size_t> rank_slot(ranks.size()), rank_base(ranks.size());
  std::size_t b = 0, below = 0;
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    if (r > 0 && ranks[r] < ranks[r - 1]) return false;  // ranks must increase
    while (below + count[b] <= ranks[r]) {
      below += count[b];
      ++b;
    }
    if (slot[b] < 0) {
      slot[b] = static_cast<std::int32_t>(gathered.size());
      gathered.emplace_back();
      gathered.back().reserve(count[b]);
    }
    rank_slot[r] = static_cast<std::size_t>(slot[b]);
    rank_base[r] = below;
  }
  for (std::size_t i0 = 0; i0 < n; i0 += BIN_BLOCK) {
    const std::size_t m = std::min(BIN_BLOCK, n - i0);
    bins_of(x + i0, m, lo, hi, scale, bins);
    for (std::size_t k = 0; k < m; ++k) {
      const std::int32_t s = slot[bins[k]];
      if (s >= 0) gathered[static_cast<std::size_t>(s)].push_back(x[i0 + k]);
    }
  }
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    std::vector<double>& g = gathered[rank_slot[r]];
    const auto at = g.begin() + static_cast<std::ptrdiff_t>(ranks[r] - rank_base[r]);
    std::nth_element(g.begin(), at, g.end());
    out[r] = *at;
  }
  return true;
}

}  // namespace

void quantiles_type7(const double* x, std::size_t n, const double* probs, int n_probs, double* out,
                     std::vector<double>& scratch, const Extremes* extremes) {
  if (n == 0) {
    for (int i = 0; i < n_probs; ++i)
      out[i] = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  std::vector<std::size_t> ranks;
  for (int i = 0; i < n_probs; ++i) {
    const auto lo = static_cast<std::size_t>(std::floor(static_cast<double>(n - 1) * probs[i]));
    ranks.push_back(lo);
    ranks.push_back(std::min(lo + 1, n - 1));
  }
  std::vector<double> stats(ranks.size());
  if (!order_statistics(x, n, ranks, extremes, stats.data())) {
    // NaN has no place in an order: data holding one have NaN quantiles (as
    // numpy's quantile gives), never an artefact of where the NaN sat.
    if (std::any_of(x, x + n, [](double v) { return std::isnan(v); })) {
      std::fill(out, out + n_probs, std::numeric_limits<double>::quiet_NaN());
      return;
    }
    scratch.assign(x, x + n);
    for (std::size_t r = 0; r < ranks.size(); ++r) {
      const auto at = scratch.begin() + static_cast<std::ptrdiff_t>(ranks[r]);
      std::nth_element(scratch.begin(), at, scratch.end());
      stats[r] = *at;
    }
  }
  for (int i = 0; i < n_probs; ++i) {
    const double h = static_cast<double>(n - 1) * probs[i];
    const double a = stats[2 * static_cast<std::size_t>(i)];
    const double b = stats[2 * static_cast<std::size_t>(i) + 1];
    out[i] = a == b ? a : a + (h - std::floor(h)) * (b - a);  // a == b: no inf - inf
  }
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
    const auto ref = resolve_series(t.indicator, sector_ids, &err);
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
std::uint64_t record_bytes(const CellLayout& layout, std::uint64_t draws) {
  const std::uint64_t chunks = (draws + CHUNK_DRAWS - 1) / CHUNK_DRAWS;
  return chunks * static_cast<std::uint64_t>(layout.n_cells()) * (4 * sizeof(double) + 1);
}

}  // namespace

std::uint64_t SummaryAccumulator::store_bytes(const CellLayout& layout, std::uint64_t draws) {
  return static_cast<std::uint64_t>(layout.n_cells()) * draws * sizeof(double) +
         record_bytes(layout, draws);
}

// Sketch mode. Each chunk's values, sorted cell by cell in consume_unordered,
// wait here until every cell's sketch has taken them. The cells are dealt
// into groups; a group takes chunks strictly in order (each cell's sketch
// sees the same sequence on any thread count), and whichever thread finds a
// group idle with its next chunk ready feeds it: workers do so as they finish
// a chunk, the delivering thread in consume(). Groups run concurrently on
// the run's own threads (no threads are started per chunk), and a sorted copy
// is handed back as soon as its last group has taken it. Test:
// Sketch.SortedInPlaceOrInACopyOnAnyThreadCountAlike.
struct SummaryAccumulator::Sorted {
  struct Waiting {
    double* values = nullptr;  // cell i's sorted values at values + i * stride
    std::size_t stride = 0;
    std::size_t n = 0;            // lanes
    std::size_t groups_left = 0;  // groups yet to take them
    std::vector<double> owned;    // the copy values points into (empty: the
                                  // runner's buffer, sorted in place)
  };
  std::mutex mu;
  std::condition_variable fed;             // a group finished a chunk
  std::map<std::uint64_t, Waiting> ready;  // by chunk index
  std::vector<std::vector<double>> pool;
  std::vector<std::size_t> bounds;    // group g: cells [bounds[g], bounds[g + 1])
  std::vector<std::uint64_t> next;    // per group: the next chunk it takes
  std::vector<std::uint8_t> busy;     // per group: a thread is feeding it
  std::atomic<std::size_t> start{0};  // spreads threads over the groups
  std::size_t groups() const { return next.size(); }
};

SummaryAccumulator::~SummaryAccumulator() = default;

std::uint64_t SummaryAccumulator::sketch_bytes(const CellLayout& layout, std::uint64_t draws,
                                               std::size_t k) {
  std::uint64_t levels = 1;
  while ((static_cast<std::uint64_t>(k) << levels) < draws)
    ++levels;
  return static_cast<std::uint64_t>(layout.n_cells()) * (levels + 1) * 2 * k * sizeof(double) +
         record_bytes(layout, draws);
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
    sketches_.assign(cells, QuantileSketch(sketch_k_));
    sorted_ = std::make_unique<Sorted>();
    // Four groups a thread, so that a thread finding one group busy has
    // others to feed.
    const std::size_t groups = std::clamp<std::size_t>(
        4 * static_cast<std::size_t>(std::max(threads, 1)), 1, std::max<std::size_t>(cells, 1));
    for (std::size_t g = 0; g <= groups; ++g)
      sorted_->bounds.push_back(cells * g / groups);
    sorted_->next.assign(groups, 0);
    sorted_->busy.assign(groups, 0);
  } else {
    store_.resize(cells * max_draws);  // uninitialised: see store_
  }
  chunk_stats_.assign(n_chunks * cells, CellStats{0, 0, 0, 0});
  stored_.assign(sketch_k_ > 0 ? 0 : n_chunks * cells, 1);
  chunk_counts_.assign(n_chunks * (targets_.size() * n_years_ + 1), 0);
  chunk_sizes_.assign(n_chunks, 0);
}

namespace {

// Draws i < n with x[i] / den[i] (x[i] without den) meeting `threshold` under
// CMP; clears joint[i] (when given) where not met.
template <class Cmp>
std::uint64_t count_met_as(const double* x, const double* den, double threshold, std::size_t n,
                           std::uint64_t* joint, Cmp cmp) {
  std::uint64_t met = 0;
  if (den) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t ok = cmp(x[i] / den[i], threshold) ? 1 : 0;
      met += ok;
      if (joint) joint[i] &= ok;
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t ok = cmp(x[i], threshold) ? 1 : 0;
      met += ok;
      if (joint) joint[i] &= ok;
    }
  }
  return met;
}

// Per-chunk statistics of four cells, x[0..3][0, n): sums, extremes and
// sums of squared deviations from the mean, each in draw order. Four values
// of each row are transposed so that one vector holds the four cells' values
// of one draw; per lane the operations are the scalar loop's (sum += v;
// lo = v < lo ? v : lo, as std::min(lo, v); the same for hi), so the bits are
// too, on any vector width.
template <class V>
[[gnu::always_inline]] inline void transpose4(const double* const* x, std::size_t i, V (&v)[4]) {
  V a, b, c, d;
  std::memcpy(&a, x[0] + i, sizeof a);
  std::memcpy(&b, x[1] + i, sizeof b);
  std::memcpy(&c, x[2] + i, sizeof c);
  std::memcpy(&d, x[3] + i, sizeof d);
  const V t0 = __builtin_shufflevector(a, b, 0, 4, 2, 6);
  const V t1 = __builtin_shufflevector(a, b, 1, 5, 3, 7);
  const V t2 = __builtin_shufflevector(c, d, 0, 4, 2, 6);
  const V t3 = __builtin_shufflevector(c, d, 1, 5, 3, 7);
  v[0] = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
  v[1] = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
  v[2] = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
  v[3] = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
}

struct QuadStats {
  double mean[4], m2[4], lo[4], hi[4];
};

template <class V>
[[gnu::always_inline]] inline QuadStats quad_stats(const double* const* x, std::size_t n,
                                                   double inv_n) {
  const std::size_t n4 = n & ~std::size_t{3};
  V s = V{}, l = {x[0][0], x[1][0], x[2][0], x[3][0]}, h = l;
  for (std::size_t i = 0; i < n4; i += 4) {
    V v[4];
    transpose4(x, i, v);
    for (const V& e : v) {
      s += e;
      l = e < l ? e : l;
      h = e > h ? e : h;
    }
  }
  QuadStats q;
  double sum[4];
  for (int k = 0; k < 4; ++k) {
    sum[k] = s[k];
    q.lo[k] = l[k];
    q.hi[k] = h[k];
    for (std::size_t i = n4; i < n; ++i) {
      const double v = x[k][i];
      sum[k] += v;
      q.lo[k] = std::min(q.lo[k], v);
      q.hi[k] = std::max(q.hi[k], v);
    }
    q.mean[k] = sum[k] * inv_n;
  }
  const V mean = {q.mean[0], q.mean[1], q.mean[2], q.mean[3]};
  V m2 = V{};
  for (std::size_t i = 0; i < n4; i += 4) {
    V v[4];
    transpose4(x, i, v);
    for (const V& e : v) {
      const V d = e - mean;
      m2 += d * d;
    }
  }
  for (int k = 0; k < 4; ++k) {
    q.m2[k] = m2[k];
    for (std::size_t i = n4; i < n; ++i) {
      const double d = x[k][i] - q.mean[k];
      q.m2[k] += d * d;
    }
  }
  return q;
}

#if defined(__x86_64__)
[[gnu::target("avx2")]] QuadStats quad_stats_avx2(const double* const* x, std::size_t n,
                                                  double inv_n) {
  return quad_stats<Vec4D>(x, n, inv_n);
}
#endif

QuadStats quad_stats_sse2(const double* const* x, std::size_t n, double inv_n) {
  return quad_stats<Vec4D>(x, n, inv_n);
}

QuadStats quad_stats_any(const double* const* x, std::size_t n, double inv_n) {
#if defined(__x86_64__)
  if (cpu_has_avx2()) return quad_stats_avx2(x, n, inv_n);
#endif
  return quad_stats_sse2(x, n, inv_n);
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
                        std::uint64_t* joint) {
  switch (op) {
    case Op::Greater:
      return count_met_as(x, den, threshold, n, joint, [](double v, double th) { return v > th; });
    case Op::GreaterEqual:
      return count_met_as(x, den, threshold, n, joint, [](double v, double th) { return v >= th; });
    case Op::Less:
      return count_met_as(x, den, threshold, n, joint, [](double v, double th) { return v < th; });
    case Op::LessEqual:
      return count_met_as(x, den, threshold, n, joint, [](double v, double th) { return v <= th; });
  }
  return 0;
}

}  // namespace

void SummaryAccumulator::consume_unordered(const ChunkView& chunk) {
  consume_unordered_into(chunk, nullptr);
}

std::vector<double> SummaryAccumulator::spare_buffer() {
  std::vector<double> b;
  if (sketch_k_ == 0) return b;
  std::lock_guard<std::mutex> lock(sorted_->mu);
  if (!sorted_->pool.empty()) {
    b = std::move(sorted_->pool.back());
    sorted_->pool.pop_back();
  }
  return b;
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
  // Target counts first: they read draws across cells, which the sketches'
  // sort may then rearrange in place. Per target and year over the draws
  // (branch-free loops, one comparison each), the joint count from a flag per
  // draw: the same integers as the draw-by-draw loop. Without a relative cell
  // the indicator is compared directly (x / 1.0 is x exactly).
  const std::size_t width = targets_.size() * n_years_ + 1;
  std::uint64_t* counts = chunk_counts_.data() + c * width;
  thread_local std::vector<std::uint64_t> all;  // a flag a draw: every target met so far
  all.assign(chunk.n, 1);
  for (std::size_t t = 0; t < targets_.size(); ++t) {
    const auto& rt = targets_[t];
    const double* den = rt.relative_cell >= 0 ? chunk.cell(rt.relative_cell) : nullptr;
    for (std::size_t y = 0; y < n_years_; ++y) {
      std::uint64_t* joint = y == static_cast<std::size_t>(rt.year_index) ? all.data() : nullptr;
      counts[t * n_years_ + y] +=
          count_met(rt.spec.op, chunk.cell(rt.cells[y]), den, rt.spec.threshold, chunk.n, joint);
    }
  }
  std::uint64_t met_all = 0;
  for (std::size_t i = 0; i < chunk.n; ++i)
    met_all += all[i];
  counts[width - 1] += met_all;

  // Sketch mode: each cell's values sorted, in the chunk's own buffer where
  // the runner allows it (then it keeps them for consume()), else in a copy.
  Sorted::Waiting waiting;
  if (sketch_k_ > 0) {
    waiting.n = chunk.n;
    waiting.groups_left = sorted_->groups();
    if (chunk.writable) {
      if (owned) waiting.owned = std::move(*owned);  // the data stay put
      waiting.values = chunk.writable;
      waiting.stride = chunk.stride;
    } else {
      waiting.owned = spare_buffer();
      waiting.owned.resize(cells * chunk.n);
      waiting.values = waiting.owned.data();
      waiting.stride = chunk.n;
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
    const QuadStats q = quad_stats_any(xs, chunk.n, inv_n);
    for (std::size_t k = 0; k < g; ++k) {
      const std::size_t cell = cell0 + k;
      const double* x = xs[k];
      chunk_stats_[c * cells + cell] = CellStats{q.mean[k], q.m2[k], q.lo[k], q.hi[k]};
      if (sketch_k_ > 0) {
        thread_local std::vector<std::uint64_t> keys;
        sort_doubles(x, waiting.values + cell * waiting.stride, chunk.n, keys);  // may be in place
      } else if (q.lo[k] == q.hi[k] && same_bits(x, chunk.n)) {
        // One value throughout: the record's min (x[0]'s bits) stands for it.
        stored_[c * cells + cell] = 0;
      } else {
        // The store's pages for this chunk are fresh: mapped in with one call
        // instead of a fault per page (see pages.hpp).
        double* to = store_.data() + cell * max_draws_ + chunk.first_draw;
        populate_for_write(to, chunk.n * sizeof(double));
        std::copy(x, x + chunk.n, to);
        stored_[c * cells + cell] = 1;
      }
    }
  }
  if (sketch_k_ > 0) {
    {
      std::lock_guard<std::mutex> lock(sorted_->mu);
      sorted_->ready[c] = std::move(waiting);
    }
    feed_sketches();
  }
}

void SummaryAccumulator::feed_sketches() {
  Sorted& st = *sorted_;
  const std::size_t groups = st.groups();
  const std::size_t first = st.start.fetch_add(1, std::memory_order_relaxed) % groups;
  std::unique_lock<std::mutex> lock(st.mu);
  for (std::size_t k = 0; k < groups; ++k) {
    const std::size_t g = (first + k) % groups;
    if (st.busy[g]) continue;
    for (auto it = st.ready.find(st.next[g]); it != st.ready.end();
         it = st.ready.find(st.next[g])) {
      st.busy[g] = 1;
      Sorted::Waiting& w = it->second;  // stays put: erased by its last group only
      lock.unlock();
      try {
        for (std::size_t cell = st.bounds[g]; cell < st.bounds[g + 1]; ++cell)
          sketches_[cell].add_sorted(w.values + cell * w.stride, w.n);
      } catch (...) {
        lock.lock();
        st.busy[g] = 0;
        st.fed.notify_all();
        throw;
      }
      lock.lock();
      if (--w.groups_left == 0) {
        if (!w.owned.empty()) st.pool.push_back(std::move(w.owned));
        st.ready.erase(it);
      }
      ++st.next[g];
      st.busy[g] = 0;
      st.fed.notify_all();
    }
  }
}

void SummaryAccumulator::consume(const ChunkView& chunk) {
  if (sketch_k_ == 0) return;
  // Chunk c's turn: every group takes it (and whatever is ready after it)
  // before the runner moves on, so the sorted copies waiting never outnumber
  // the runner's reorder window. This thread feeds idle groups itself and
  // waits only for groups another thread is feeding.
  const std::uint64_t c = chunk.first_draw / chunk_draws_;
  Sorted& st = *sorted_;
  for (;;) {
    feed_sketches();
    std::unique_lock<std::mutex> lock(st.mu);
    bool done = true, idle_ready = false;
    for (std::size_t g = 0; g < st.groups(); ++g) {
      if (st.next[g] > c) continue;
      done = false;
      idle_ready |= !st.busy[g] && st.ready.count(st.next[g]) > 0;
    }
    if (done) return;
    if (idle_ready) continue;
    if (st.ready.count(c) == 0 &&
        std::none_of(st.busy.begin(), st.busy.end(), [](std::uint8_t b) { return b != 0; })) {
      throw std::logic_error("SummaryAccumulator: chunk not sorted");
    }
    st.fed.wait(lock);
  }
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
  if (sketch_k_ > 0) {
    // The sketches hold exactly the chunks delivered in order: the first `draws`.
    for (const QuantileSketch& sk : sketches_) {
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
  const std::size_t cells = static_cast<std::size_t>(layout_.n_cells());
  const std::size_t n_chunks = (st.draws + chunk_draws_ - 1) / chunk_draws_;
  const std::size_t width = targets_.size() * n_years_ + 1;
  if (st.draws > max_draws_ || st.draws % chunk_draws_ != 0 || st.chunk_sizes.size() != n_chunks ||
      st.chunk_stats.size() != 4 * n_chunks * cells || st.chunk_counts.size() != n_chunks * width ||
      st.values.size() != (sketch_k_ > 0 ? 0 : cells * st.draws)) {
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
  if (sketch_k_ > 0) {
    std::fill(sorted_->next.begin(), sorted_->next.end(), st.draws / chunk_draws_);
    std::size_t at = 0, item_at = 0, error_at = 0;
    for (QuantileSketch& sk : sketches_) {
      sk.restore(st.sketch_index, at, st.sketch_items, item_at, st.sketch_error, error_at);
      if (sk.count() != st.draws) throw std::invalid_argument("saved quantile sketch is malformed");
    }
    if (at != st.sketch_index.size() || item_at != st.sketch_items.size() ||
        error_at != st.sketch_error.size()) {
      throw std::invalid_argument("saved quantile sketches do not fit this run");
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

void SummaryAccumulator::finish(std::uint64_t draws, ScenarioResult& out, int threads) const {
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
  // Per-series summaries with exact quantiles. Cells are independent, so
  // they are spread over threads; each result depends on its cell alone.
  out.summaries.clear();
  const auto& series = layout_.series();
  std::vector<double> flat(cells * N_STATS);
  auto summarise = [&](std::size_t cell, std::vector<double>& scratch, std::vector<double>& buf) {
    const CellStats& st = total[cell];
    const double n = count[cell];
    double* stats = flat.data() + cell * N_STATS;
    stats[0] = draws ? st.mean : std::numeric_limits<double>::quiet_NaN();
    stats[1] = n > 1 ? std::sqrt(st.m2 / (n - 1)) : std::numeric_limits<double>::quiet_NaN();
    stats[2] = st.min;
    if (sketch_k_ > 0) {
      sketches_[cell].quantiles(QUANTILE_PROBS, 5, stats + 3);
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
  const std::size_t n_threads = std::max<std::size_t>(1, std::min<std::size_t>(threads, cells));
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    std::vector<double> scratch, buf;
    for (std::size_t c = next++; c < cells; c = next++)
      summarise(c, scratch, buf);
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < n_threads; ++t)
    pool.emplace_back(work);
  work();
  for (auto& th : pool)
    th.join();
  for (std::size_t s = 0; s < series.size(); ++s) {
    SeriesSummary sum;
    sum.info = series[s];
    const std::size_t width = static_cast<std::size_t>(layout_.width(static_cast<int>(s)));
    const std::size_t per_stat = n_years_ * width;
    sum.stats.assign(N_STATS * per_stat, 0.0);
    const std::size_t offset = static_cast<std::size_t>(layout_.offset(static_cast<int>(s)));
    for (std::size_t k = 0; k < per_stat; ++k) {
      for (int i = 0; i < N_STATS; ++i) {
        sum.stats[static_cast<std::size_t>(i) * per_stat + k] =
            flat[(offset + k) * N_STATS + static_cast<std::size_t>(i)];
      }
    }
    out.summaries.push_back(std::move(sum));
  }
  // Targets.
  const std::size_t width = targets_.size() * n_years_ + 1;
  std::vector<std::uint64_t> counts(width, 0);
  for (std::size_t c = 0; c < n_chunks; ++c) {
    for (std::size_t i = 0; i < width; ++i)
      counts[i] += chunk_counts_[c * width + i];
  }
  out.targets.clear();
  for (std::size_t t = 0; t < targets_.size(); ++t) {
    TargetResult tr;
    tr.spec = targets_[t].spec;
    for (std::size_t y = 0; y < n_years_; ++y)
      tr.by_year.push_back(wilson(counts[t * n_years_ + y], draws));
    tr.in_year = tr.by_year[static_cast<std::size_t>(targets_[t].year_index)];
    out.targets.push_back(std::move(tr));
  }
  out.all_targets = wilson(counts[width - 1], draws);
  out.draws = draws;
  out.quantile_method = "exact (type 7)";
  if (sketch_k_ > 0) {
    double worst = 0;
    for (const auto& sk : sketches_)
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
