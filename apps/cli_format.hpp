// Terminal output of the command line: progress bar, target table, sizes.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "engine/spec/results.hpp"
#include "engine/spec/scenario_spec.hpp"
#include "engine/stats/paired.hpp"

namespace sectorsim::cli {

/// "1.5 GiB", "320 MiB", "12 KiB".
std::string human_bytes(std::uint64_t bytes);

/// MemAvailable from /proc/meminfo in bytes, or 0 if unknown.
std::uint64_t available_memory_bytes();

/// A one-line progress bar with rate and ETA on stderr, redrawn at most
/// ten times a second; silent when disabled (stderr not a terminal).
class Progress {
 public:
  Progress(bool enabled, std::string label);
  void update(std::uint64_t done, std::uint64_t total);
  void finish();

 private:
  bool enabled_;
  std::string label_;
  std::chrono::steady_clock::time_point start_, last_;
  bool drawn_ = false;
};

/// The table of targets: probability, Wilson 95% interval, and the median and
/// 5-95% range of the indicator in the target year. `processes` > 1: a
/// distributed run, `threads` on process 0.
void print_target_table(std::ostream& os, const core::ScenarioSpec& spec,
                        const core::ScenarioResult& result, double seconds, int threads,
                        int processes = 1);

/// The paired comparison of each scenario with the baseline: per target the
/// difference in probability with the paired (Newcombe) and unpaired
/// intervals, then per region indicator in the end year the mean difference
/// with its interval and the probability of a higher value.
void print_comparison_table(std::ostream& os, const core::ScenarioSpec& baseline,
                            const std::vector<core::Comparison>& comparisons);

}  // namespace sectorsim::cli
