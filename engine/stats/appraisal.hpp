// The appraisal of a comparison (MODEL.md 8.3): extra cost, extra revenue,
// extra value added, the benefit-cost ratio and P(revenue exceeds cost),
// read from the end-year differences of the cumulative, discounted series
// the model declares (ModelDeclaration::appraisal). Covered by
// tests/test_appraisal.cpp.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/spec/model.hpp"
#include "engine/stats/paired.hpp"

namespace sectorsim::core {

/// The appraisal of `c` from the end-year differences of the cumulative
/// series `decl` names, its yearly real value added discounted at
/// `discount_rate`, and the number of draws whose extra revenue exceeds
/// their extra cost; nullopt when a named series is not among the
/// comparison's.
std::optional<Appraisal> appraise(const Comparison& c, const AppraisalDecl& decl,
                                  double discount_rate, std::uint64_t revenue_exceeds_cost);

}  // namespace sectorsim::core
