// `sectorsim calibrate`: published series to priors (MODEL.md 8.4), by the
// recipe's methods over its window of years, breaks left out as it says.
// Each prior's note names the rows used (file:line), the method and the
// fit. Pure: the rows come in, the priors go out. Covered by
// tests/test_calibrate.cpp.
#pragma once

#include <stdexcept>
#include <vector>

#include "engine/spec/calibration.hpp"

namespace sectorsim::analysis {

/// A recipe the data cannot serve (no rows, too few years, a revision the
/// recipe does not choose between); the message names the recipe's line.
class CalibrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The priors of `recipe` from `rows` (every data table's rows).
///
/// * deflator: the yearly deflator implied by nominal levels and real growth,
///   (L[t] / L[t-1]) / (1 + g[t]) - 1; prior mean its mean m, sd
///   sqrt(se(m)^2 + s^2 / H), the uncertainty of the mean over the H years
///   of `horizon` (s the sd of a year);
/// * mean_growth: the same for a growth rate;
/// * volatility: the sd s of a growth rate about its mean, sd se(s);
/// * persistence: the AR(1) coefficient of a growth rate about its mean,
///   sd its standard error;
/// * correlation: the correlation of the sectors' proxies and the city's
///   growth, shrunk towards constant correlation (Ledoit and Wolf 2004);
///   between_sectors the mean of the sector pairs, with_city of the pairs
///   with the city.
///
/// Rates given in % (unit "%") are divided by 100. Throws CalibrationError.
core::CalibrationResult calibrate(const core::CalibrationRecipe& recipe,
                                  const std::vector<core::DataRow>& rows);

}  // namespace sectorsim::analysis
