#include "engine/sampling/simd.hpp"

#include <hwy/highway.h>
#include <hwy/targets.h>

#include <stdexcept>

namespace sectorsim::core {

namespace {

// HWY_TARGETS here is every project kernel's: none of them narrows it.
std::int64_t target_bits(const std::string& name) {
  for (const std::int64_t t : hwy::SupportedAndGeneratedTargets()) {
    if (name == hwy::TargetName(t)) return t;
  }
  throw std::invalid_argument("SIMD target '" + name + "' is not compiled or not supported here");
}

}  // namespace

std::vector<std::string> simd_targets() {
  std::vector<std::string> out;
  for (const std::int64_t t : hwy::SupportedAndGeneratedTargets())
    out.emplace_back(hwy::TargetName(t));
  return out;
}

ScopedSimdTarget::ScopedSimdTarget(const std::string& target) {
  hwy::SetSupportedTargetsForTest(target_bits(target));
}

ScopedSimdTarget::~ScopedSimdTarget() {
  hwy::SetSupportedTargetsForTest(0);
}

std::string current_simd_target() {
  const std::vector<std::int64_t> t = hwy::SupportedAndGeneratedTargets();
  return t.empty() ? std::string() : std::string(hwy::TargetName(t.front()));
}

}  // namespace sectorsim::core
