#include "engine/core/sketch.hpp"

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
// mispredicted about every other item), and from both ends at once: the
// front chain writes the first half, the back chain the second, two
// independent dependency chains instead of one. Taking the larger item from
// the back, a's only when it compares greater, is the same merge read
// backwards for data without NaN (a strict weak order: the two chains meet
// exactly where std::merge's output splits); data with NaN take the
// one-chain merge.
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

}  // namespace

void merge_sorted(const double* a, std::size_t na, const double* b, std::size_t nb, double* out) {
  if (na == 0 || nb == 0 || has_nan(a, na) || has_nan(b, nb)) {
    merge_forward(a, na, b, nb, out);
    return;
  }
  const std::size_t n = na + nb, half = n / 2;
  std::size_t fi = 0, fj = 0, fk = 0;    // front: next items, next output
  std::size_t bi = na, bj = nb, bk = n;  // back: one past them
  // Both chains step together while neither can run out (bk = n - fk > half).
  while (fk < half && fi < na && fj < nb && bi > 0 && bj > 0) {
    const double x = a[fi], y = b[fj];
    const bool second = y < x;
    out[fk++] = second ? y : x;
    fj += second ? 1 : 0;
    fi += second ? 0 : 1;
    const double xb = a[bi - 1], yb = b[bj - 1];
    const bool first = xb > yb;
    out[--bk] = first ? xb : yb;
    bi -= first ? 1 : 0;
    bj -= first ? 0 : 1;
  }
  while (fk < half) {
    const bool take_a = fi < na && (fj >= nb || !(b[fj] < a[fi]));
    out[fk++] = take_a ? a[fi++] : b[fj++];
  }
  while (bk > half) {
    const bool take_a = bi > 0 && (bj == 0 || a[bi - 1] > b[bj - 1]);
    out[--bk] = take_a ? a[--bi] : b[--bj];
  }
}

std::vector<double>& QuantileSketch::merge_buffer() {
  thread_local std::vector<double> buffer;
  return buffer;
}

void QuantileSketch::add_sorted(const double* x, std::size_t n) {
  if (n == 0) return;
  if (levels_.empty()) {
    levels_.emplace_back();
    offset_.push_back(0);
  }
  // One merge buffer per thread, not per sketch: a run holds a sketch per
  // cell (240 for Luohu), and a buffer each would cost tens of MB.
  std::vector<double>& scratch = merge_buffer();
  std::vector<double>& l0 = levels_[0];
  scratch.resize(l0.size() + n);
  merge_sorted(l0.data(), l0.size(), x, n, scratch.data());
  l0.swap(scratch);
  count_ += n;
  for (std::size_t h = 0; h < levels_.size(); ++h) {
    if (levels_[h].size() >= 2 * k_) compact(h);
  }
}

void QuantileSketch::compact(std::size_t h) {
  if (h + 1 == levels_.size()) {
    levels_.emplace_back();
    offset_.push_back(0);
  }
  std::vector<double>& from = levels_[h];
  // An odd item out stays (the largest), so every compaction pairs items.
  const std::size_t pairs = from.size() / 2;
  const std::size_t start = offset_[h];
  offset_[h] ^= 1;
  std::vector<double> up(pairs);
  for (std::size_t i = 0; i < pairs; ++i)
    up[i] = from[2 * i + start];
  const bool odd = from.size() % 2 == 1;
  const double last = odd ? from.back() : 0.0;
  from.clear();
  // Levels above 0 fill slowly (one compaction below adds about k items):
  // hold only what they hold, so memory follows the items, not their peak.
  if (h > 0) from.shrink_to_fit();
  if (odd) from.push_back(last);
  std::vector<double>& to = levels_[h + 1];
  std::vector<double>& scratch = merge_buffer();
  scratch.resize(to.size() + up.size());
  merge_sorted(to.data(), to.size(), up.data(), up.size(), scratch.data());
  to.assign(scratch.begin(), scratch.end());
  const double weight = std::ldexp(1.0, static_cast<int>(h));
  error_ += weight;
  max_weight_ = std::max(max_weight_, 2 * weight);
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
    if (offset > 1 || size > items.size() - item_at) bad();
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
