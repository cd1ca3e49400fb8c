// Files of `sectorsim calibrate`: the published data tables it reads (CSV:
// region, indicator, year, value, unit, source, note; data/luohu/README.md)
// and the YAML fragment of priors it writes, which a region file includes
// with `extends:`. Covered by tests/test_calibrate.cpp.
#pragma once

#include <string>
#include <vector>

#include "engine/spec/calibration.hpp"

namespace sectorsim::io {

/// Every row of the data table at `path` (RFC 4180, UTF-8, an optional byte
/// order mark; columns found by the header's names). Throws IoError naming
/// the file and line of a malformed row, or a missing column.
std::vector<core::DataRow> read_data_table(const std::string& path);

/// The fragment's text: a header naming the recipe and how to remake it,
/// then `extends: BASE` where `extends` is not empty (a path as the
/// fragment's folder sees it), `parameters:` and `sector_defaults:`
/// (truncated normal priors) and `shocks.correlation`, each with its
/// `estimate:` note. Numbers keep four significant digits.
std::string calibration_yaml(const core::CalibrationResult& result, const std::string& recipe,
                             const std::string& extends = "");

}  // namespace sectorsim::io
