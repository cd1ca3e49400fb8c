#include "engine/stats/replicates.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "engine/sampling/sampler.hpp"

namespace sectorsim::core {

ReplicateEstimate replicate_estimate(const double* replicate_means, int replicates) {
  ReplicateEstimate e;
  e.replicates = replicates;
  if (replicates < 1) {
    e.mean = e.std_error = std::numeric_limits<double>::quiet_NaN();
    return e;
  }
  const double r = static_cast<double>(replicates);
  double sum = 0;
  for (int i = 0; i < replicates; ++i)
    sum += replicate_means[i];
  e.mean = sum / r;
  if (replicates < 2) {
    e.std_error = std::numeric_limits<double>::quiet_NaN();
    return e;
  }
  // Two-pass variance: replicate means agree to many digits for a smooth
  // integrand, where the one-pass formula would cancel catastrophically.
  double m2 = 0;
  for (int i = 0; i < replicates; ++i)
    m2 += (replicate_means[i] - e.mean) * (replicate_means[i] - e.mean);
  e.std_error = std::sqrt(m2 / (r - 1) / r);
  return e;
}

ReplicateEstimate replicate_estimate(const double* values, std::size_t n, std::uint64_t first_draw,
                                     int replicates) {
  if (replicates < 1) throw std::invalid_argument("replicate_estimate: replicates must be >= 1");
  const std::size_t reps = static_cast<std::size_t>(replicates);
  std::vector<double> sums(reps, 0.0);
  std::vector<std::uint64_t> counts(reps, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t r = static_cast<std::size_t>(replicate_of(first_draw + i, replicates));
    sums[r] += values[i];
    ++counts[r];
  }
  std::vector<double> means;
  for (std::size_t r = 0; r < reps; ++r) {
    if (counts[r] > 0) means.push_back(sums[r] / static_cast<double>(counts[r]));
  }
  return replicate_estimate(means.data(), static_cast<int>(means.size()));
}

ReplicateAccumulator::ReplicateAccumulator(const CellLayout& layout, int replicates)
    : replicates_(replicates), cells_(static_cast<std::size_t>(layout.n_cells())) {
  if (replicates < MIN_REPLICATES || replicates > MAX_REPLICATES)
    throw std::invalid_argument("replicates must be in [" + std::to_string(MIN_REPLICATES) + ", " +
                                std::to_string(MAX_REPLICATES) + "] (got " +
                                std::to_string(replicates) + ")");
  const std::size_t reps = static_cast<std::size_t>(replicates);
  sums_.assign(reps * cells_, 0.0);
  counts_.assign(reps, 0);
}

void ReplicateAccumulator::consume(const ChunkView& chunk) {
  const std::size_t reps = static_cast<std::size_t>(replicates_);
  const std::size_t first_rep =
      static_cast<std::size_t>(replicate_of(chunk.first_draw, replicates_));
  for (std::size_t lane = 0; lane < chunk.n; ++lane)
    ++counts_[(first_rep + lane) % reps];
  // Each replicate's lanes are R apart; adding them lane by lane keeps draw
  // order within a replicate.
  for (std::size_t c = 0; c < cells_; ++c) {
    const double* v = chunk.cell(static_cast<int>(c));
    for (std::size_t lane0 = 0; lane0 < chunk.n && lane0 < reps; ++lane0) {
      double& sum = sums_[((first_rep + lane0) % reps) * cells_ + c];
      for (std::size_t lane = lane0; lane < chunk.n; lane += reps)
        sum += v[lane];
    }
  }
  draws_ += chunk.n;
}

void ReplicateAccumulator::save(std::uint64_t& draws, std::vector<double>& sums,
                                std::vector<std::uint64_t>& counts) const {
  draws = draws_;
  sums = sums_;
  counts = counts_;
}

void ReplicateAccumulator::restore(std::uint64_t draws, const std::vector<double>& sums,
                                   const std::vector<std::uint64_t>& counts) {
  std::uint64_t total = 0;
  for (std::uint64_t c : counts)
    total += c;
  if (sums.size() != sums_.size() || counts.size() != counts_.size() || total != draws) {
    throw std::invalid_argument("saved replicate sums do not fit this run (" +
                                std::to_string(replicates_) + " replicates, " +
                                std::to_string(cells_) + " cells)");
  }
  draws_ = draws;
  sums_ = sums;
  counts_ = counts;
}

std::vector<double> ReplicateAccumulator::replicate_means(int cell) const {
  std::vector<double> means(static_cast<std::size_t>(replicates_));
  for (std::size_t r = 0; r < means.size(); ++r) {
    means[r] = counts_[r] == 0 ? std::numeric_limits<double>::quiet_NaN()
                               : sums_[r * cells_ + static_cast<std::size_t>(cell)] /
                                     static_cast<double>(counts_[r]);
  }
  return means;
}

std::vector<ReplicateEstimate> ReplicateAccumulator::finish() const {
  std::vector<ReplicateEstimate> out(cells_);
  for (std::size_t c = 0; c < cells_; ++c) {
    std::vector<double> means;
    for (std::size_t r = 0; r < static_cast<std::size_t>(replicates_); ++r) {
      if (counts_[r] > 0) means.push_back(sums_[r * cells_ + c] / static_cast<double>(counts_[r]));
    }
    out[c] = replicate_estimate(means.data(), static_cast<int>(means.size()));
  }
  return out;
}

}  // namespace sectorsim::core
