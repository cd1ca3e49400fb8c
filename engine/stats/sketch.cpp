#include "engine/stats/sketch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace sectorsim::core {

QuantileSketch::QuantileSketch(std::size_t k) : k_(std::max<std::size_t>(k, 2)) {}

namespace {

// std::merge's result, bit for bit: an item of b goes before one of a only
// when it compares less, so ties (and NaN) take a's item first. Without a
// branch per item (on interleaved sorted data std::merge's branch is
// mispredicted about every other item). One chain, front to back: for runs
// with NaN, which have no order to split them by.
void merge_forward(const double* a, std::size_t na, const double* b, std::size_t nb, double* out) {
  std::size_t i = 0, j = 0, k = 0;
  while (i < na && j < nb) {
    const double x = a[i], y = b[j];
    const bool second = y < x;
    out[k++] = second ? y : x;
    j += second ? 1 : 0;
    i += second ? 0 : 1;
  }
  for (; i < na; ++i)
    out[k++] = a[i];
  for (; j < nb; ++j)
    out[k++] = b[j];
}

bool has_nan(const double* x, std::size_t n) {
  bool nan = false;
  for (std::size_t i = 0; i < n; ++i)
    nan |= x[i] != x[i];
  return nan;
}

// std::merge of a[0, na) and b[0, nb) (data without NaN) into out, stepped
// from both ends: the front chain writes out[0, half), the back chain
// out[half, na + nb). Taking the larger item from the back, a's only when
// it compares greater, is the same merge read backwards (a strict weak
// order: the two chains meet exactly where std::merge's output splits).
// Pointers rather than base and index, and plain values, so that two of
// these live in registers through the loop.
struct TwoEndedMerge {
  const double *fa, *fb;  // front: next items
  double* fo;             // front: next output
  const double *ba, *bb;  // back: one past the next items
  double* bo;             // back: one past the next output
  const double *a0, *a1, *b0, *b1;
  double* mid;
};

TwoEndedMerge two_ended(const double* a, std::size_t na, const double* b, std::size_t nb,
                        double* out) {
  return {a, b, out, a + na, b + nb, out + na + nb, a, a + na, b, b + nb, out + (na + nb) / 2};
}

// Steps both chains may take before either could run out of a run or cross
// the middle: the loops over them need no checks.
[[gnu::always_inline]] inline std::size_t free_steps(const TwoEndedMerge& m) {
  return static_cast<std::size_t>(
      std::min({m.a1 - m.fa, m.b1 - m.fb, m.ba - m.a0, m.bb - m.b0, m.mid - m.fo, m.bo - m.mid}));
}

// One step of each chain. std::min and std::max pick the item (minsd and
// maxsd: y < x ? y : x and yb < xb ? xb : yb), the comparison's 0 or 1
// moves the pointers: no branch for the compiler to mispredict.
[[gnu::always_inline]] inline void step(TwoEndedMerge& m) {
  const double x = *m.fa, y = *m.fb;
  const std::ptrdiff_t second = y < x;
  *m.fo++ = std::min(x, y);
  m.fb += second;
  m.fa += 1 - second;
  const double xb = m.ba[-1], yb = m.bb[-1];
  const std::ptrdiff_t first = yb < xb;
  *--m.bo = std::max(yb, xb);
  m.ba -= first;
  m.bb -= 1 - first;
}

// The rest of a merge: check-free steps while there are, then item by item.
void finish(TwoEndedMerge m) {
  for (std::size_t steps = free_steps(m); steps > 0; steps = free_steps(m)) {
    for (std::size_t s = 0; s < steps; ++s)
      step(m);
  }
  while (m.fo < m.mid) {
    const bool take_a = m.fa < m.a1 && (m.fb == m.b1 || !(*m.fb < *m.fa));
    *m.fo++ = take_a ? *m.fa++ : *m.fb++;
  }
  while (m.bo > m.mid) {
    const bool take_a = m.ba > m.a0 && (m.bb == m.b0 || m.ba[-1] > m.bb[-1]);
    *--m.bo = take_a ? *--m.ba : *--m.bb;
  }
}

}  // namespace

void merge_sorted(const double* a, std::size_t na, const double* b, std::size_t nb, double* out) {
  if (na == 0 || nb == 0 || has_nan(a, na) || has_nan(b, nb)) {
    merge_forward(a, na, b, nb, out);
    return;
  }
  // Split the output in halves where std::merge's would split (the co-rank:
  // the first i with a[i] after b[m - i - 1], ties taking a's item first),
  // then merge both halves from both ends: four independent dependency
  // chains in one loop, where one chain would wait on each load and compare.
  const std::size_t m = (na + nb) / 2;
  std::size_t lo = m > nb ? m - nb : 0, hi = std::min(m, na);
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (a[mid] <= b[m - mid - 1]) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  TwoEndedMerge lower = two_ended(a, lo, b, m - lo, out);
  TwoEndedMerge upper = two_ended(a + lo, na - lo, b + (m - lo), nb - (m - lo), out + m);
  for (std::size_t steps = std::min(free_steps(lower), free_steps(upper)); steps > 0;
       steps = std::min(free_steps(lower), free_steps(upper))) {
    for (std::size_t s = 0; s < steps; ++s) {
      step(lower);
      step(upper);
    }
  }
  finish(lower);
  finish(upper);
}

namespace {

// Per-thread scratch of add_sorted: the merged items of one level and the
// items carried up from it. A run holds a sketch per cell (240 for Luohu),
// and buffers each would cost tens of MB. Grown, never shrunk or cleared, so
// a merge does not first zero what it overwrites.
struct SketchScratch {
  std::vector<double> merged, carry;
  static double* at_least(std::vector<double>& v, std::size_t n) {
    if (v.size() < n) v.resize(n);
    return v.data();
  }
};

SketchScratch& scratch() {
  thread_local SketchScratch s;
  return s;
}

}  // namespace

void QuantileSketch::add_sorted(const double* x, std::size_t n) {
  if (n == 0) return;
  count_ += n;
  // The run is merged into level 0; a level that reaches 2k items is
  // compacted, its every other item merged into the level above, and so on
  // up. The compacted items go up straight from the merge buffer (no level
  // is first filled and then emptied), a level above 0 is assigned its items
  // at their exact count, and the run's items are read where they are. The
  // items, offsets and error terms are those of merging into a level and then
  // compacting it (test: Sketch.SameLevelsAsMergeThenCompact).
  SketchScratch& s = scratch();
  const double* carry = x;
  std::size_t carried = n;
  for (std::size_t h = 0;; ++h) {
    if (h == levels_.size()) {
      levels_.emplace_back();
      offset_.push_back(0);
    }
    std::vector<double>& level = levels_[h];
    const std::size_t total = level.size() + carried;
    if (total < 2 * k_) {
      if (level.empty()) {
        level.assign(carry, carry + carried);
      } else {
        double* merged = SketchScratch::at_least(s.merged, total);
        merge_sorted(level.data(), level.size(), carry, carried, merged);
        level.assign(merged, merged + total);
      }
      return;
    }
    // Compact: every other item of the merged level, from the alternating
    // offset, goes up; an odd item out (the largest) stays.
    double* merged = SketchScratch::at_least(s.merged, total);
    merge_sorted(level.data(), level.size(), carry, carried, merged);
    const std::size_t pairs = total / 2;
    const std::size_t start = offset_[h];
    offset_[h] ^= 1;
    double* up = SketchScratch::at_least(s.carry, pairs);
    for (std::size_t i = 0; i < pairs; ++i)
      up[i] = merged[2 * i + start];
    level.clear();
    // Levels above 0 fill slowly (one compaction below adds about k items):
    // hold only what they hold, so memory follows the items, not their peak.
    if (h > 0) level.shrink_to_fit();
    if (total % 2 == 1) level.push_back(merged[total - 1]);
    const double weight = std::ldexp(1.0, static_cast<int>(h));
    error_ += weight;
    max_weight_ = std::max(max_weight_, 2 * weight);
    carry = up;
    carried = pairs;
  }
}

double QuantileSketch::quantile(double p) const {
  double v;
  quantiles(&p, 1, &v);
  return v;
}

void QuantileSketch::quantiles(const double* probs, int n, double* out) const {
  if (count_ == 0) {
    for (int i = 0; i < n; ++i)
      out[i] = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  std::vector<std::pair<double, double>> items;  // value, weight
  items.reserve(size());
  for (std::size_t h = 0; h < levels_.size(); ++h) {
    const double w = std::ldexp(1.0, static_cast<int>(h));
    for (double v : levels_[h])
      items.emplace_back(v, w);
  }
  std::sort(items.begin(), items.end());
  // The item whose weight covers rank r (0-based) in the weighted order.
  std::size_t at = 0;
  double below = 0;
  for (int i = 0; i < n; ++i) {
    const double r = probs[i] * static_cast<double>(count_ - 1);
    while (at + 1 < items.size() && below + items[at].second <= r) {
      below += items[at].second;
      ++at;
    }
    out[i] = items[at].first;
  }
}

void QuantileSketch::save(std::vector<std::uint64_t>& index, std::vector<double>& items,
                          std::vector<double>& error) const {
  index.push_back(k_);
  index.push_back(count_);
  index.push_back(levels_.size());
  for (std::size_t h = 0; h < levels_.size(); ++h) {
    index.push_back(levels_[h].size());
    index.push_back(offset_[h]);
    items.insert(items.end(), levels_[h].begin(), levels_[h].end());
  }
  error.push_back(error_);
  error.push_back(max_weight_);
}

void QuantileSketch::restore(const std::vector<std::uint64_t>& index, std::size_t& at,
                             const std::vector<double>& items, std::size_t& item_at,
                             const std::vector<double>& error, std::size_t& error_at) {
  auto bad = [] { throw std::invalid_argument("saved quantile sketch is malformed"); };
  if (at + 3 > index.size() || error_at + 2 > error.size()) bad();
  if (index[at] != k_) {
    throw std::invalid_argument("saved quantile sketch has k = " + std::to_string(index[at]) +
                                ", this run uses " + std::to_string(k_));
  }
  const std::uint64_t count = index[at + 1];
  const std::uint64_t n_levels = index[at + 2];
  at += 3;
  if (n_levels > 64 || at + 2 * n_levels > index.size()) bad();
  levels_.assign(n_levels, {});
  offset_.assign(n_levels, 0);
  for (std::size_t h = 0; h < n_levels; ++h) {
    const std::uint64_t size = index[at++];
    const std::uint64_t offset = index[at++];
    // A level holds fewer than 2k items between adds (add_sorted relies on it).
    if (offset > 1 || size >= 2 * k_ || size > items.size() - item_at) bad();
    const auto from = items.begin() + static_cast<std::ptrdiff_t>(item_at);
    levels_[h].assign(from, from + static_cast<std::ptrdiff_t>(size));
    offset_[h] = static_cast<unsigned char>(offset);
    item_at += size;
  }
  count_ = count;
  error_ = error[error_at];
  max_weight_ = error[error_at + 1];
  error_at += 2;
}

std::size_t QuantileSketch::size() const {
  std::size_t n = 0;
  for (const auto& l : levels_)
    n += l.size();
  return n;
}

}  // namespace sectorsim::core
