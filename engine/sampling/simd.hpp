// Which SIMD instruction set the project's batch kernels run.
//
// Every kernel that uses SIMD (the batch exp, log and normal quantile here,
// the summaries' per-chunk statistics and histogram bins in engine/stats,
// Highway's sort) is compiled once per instruction set ("target") and picks
// the CPU's best at run time through Highway's dynamic dispatch
// (HWY_DYNAMIC_DISPATCH), the project's one dispatch mechanism. Each target
// executes the same IEEE operations per value (-ffp-contract=off: no fused
// multiply-add), so results do not depend on the CPU. This header lets tests
// run every target and compare their bits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sectorsim::core {

/// The targets this build's kernels are compiled for that this CPU runs,
/// best first, by Highway's names ("AVX3", "AVX2", "SSE4", "SSSE3",
/// "SCALAR", ...). Test: Simd.EveryTargetCanBePinned.
std::vector<std::string> simd_targets();

/// While alive, every dispatched kernel runs its form for `target` (a name
/// from simd_targets()); the CPU's best again afterwards. For tests that
/// compare the targets' bits: one at a time, and not while another thread
/// runs a kernel. Throws std::invalid_argument for a name not in
/// simd_targets(). Test: Simd.EveryTargetCanBePinned.
class ScopedSimdTarget {
 public:
  explicit ScopedSimdTarget(const std::string& target);
  ~ScopedSimdTarget();
  ScopedSimdTarget(const ScopedSimdTarget&) = delete;
  ScopedSimdTarget& operator=(const ScopedSimdTarget&) = delete;
};

/// The name of the target the kernels run now (the pinned one, if any).
std::string current_simd_target();

}  // namespace sectorsim::core
