#include "engine/stats/sketch_feeder.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace sectorsim::core {

SketchFeeder::SketchFeeder(std::size_t cells, std::size_t k, std::size_t groups)
    : sketches_(cells, QuantileSketch(k)) {
  groups = std::clamp<std::size_t>(groups, 1, std::max<std::size_t>(cells, 1));
  for (std::size_t g = 0; g <= groups; ++g)
    bounds_.push_back(cells * g / groups);
  next_.assign(groups, 0);
  busy_.assign(groups, 0);
}

void SketchFeeder::offer(std::uint64_t chunk, const double* values, std::size_t stride,
                         std::size_t n, std::vector<double> owned) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Waiting& w = ready_[chunk];
    w.values = values;
    w.stride = stride;
    w.n = n;
    w.groups_left = groups();
    w.owned = std::move(owned);
  }
  feed();
}

std::vector<double> SketchFeeder::spare() {
  std::vector<double> b;
  std::lock_guard<std::mutex> lock(mu_);
  if (!pool_.empty()) {
    b = std::move(pool_.back());
    pool_.pop_back();
  }
  return b;
}

void SketchFeeder::restart_at(std::uint64_t chunk) {
  std::fill(next_.begin(), next_.end(), chunk);
}

void SketchFeeder::feed() {
  const std::size_t n_groups = groups();
  const std::size_t first = start_.fetch_add(1, std::memory_order_relaxed) % n_groups;
  std::unique_lock<std::mutex> lock(mu_);
  for (std::size_t k = 0; k < n_groups; ++k) {
    const std::size_t g = (first + k) % n_groups;
    if (busy_[g]) continue;
    for (auto it = ready_.find(next_[g]); it != ready_.end(); it = ready_.find(next_[g])) {
      busy_[g] = 1;
      Waiting& w = it->second;  // stays put: erased by its last group only
      lock.unlock();
      try {
        for (std::size_t cell = bounds_[g]; cell < bounds_[g + 1]; ++cell)
          sketches_[cell].add_sorted(w.values + cell * w.stride, w.n);
      } catch (...) {
        lock.lock();
        busy_[g] = 0;
        fed_.notify_all();
        throw;
      }
      lock.lock();
      if (--w.groups_left == 0) {
        if (!w.owned.empty()) pool_.push_back(std::move(w.owned));
        ready_.erase(it);
      }
      ++next_[g];
      busy_[g] = 0;
      fed_.notify_all();
    }
  }
}

void SketchFeeder::wait_fed(std::uint64_t chunk) {
  for (;;) {
    feed();
    std::unique_lock<std::mutex> lock(mu_);
    bool done = true, idle_ready = false;
    for (std::size_t g = 0; g < groups(); ++g) {
      if (next_[g] > chunk) continue;
      done = false;
      idle_ready |= !busy_[g] && ready_.count(next_[g]) > 0;
    }
    if (done) return;
    if (idle_ready) continue;
    if (ready_.count(chunk) == 0 &&
        std::none_of(busy_.begin(), busy_.end(), [](std::uint8_t b) { return b != 0; })) {
      throw std::logic_error("SketchFeeder: chunk " + std::to_string(chunk) + " was not offered");
    }
    fed_.wait(lock);
  }
}

}  // namespace sectorsim::core
