// Reads a calibration recipe (docs/calibration.md): which published series
// become which prior, by which method, over which years. Every problem is a
// ConfigError line "file:line:col: key.path: message", as for scenarios.
// Covered by tests/test_calibrate.cpp.
#pragma once

#include <string>

#include "engine/spec/calibration.hpp"

namespace sectorsim::config {

/// The recipe at `path`; data paths resolved relative to it. Throws
/// ConfigError.
core::CalibrationRecipe read_calibration_recipe(const std::string& path);

}  // namespace sectorsim::config
