// The report of a sensitivity file (`sectorsim sensitivity -o FILE`,
// docs/sensitivity.md): per output a tornado chart of the parameters with the
// largest total indices (bars: ST; marks: S1; whiskers: ST's 95% bootstrap
// interval) or, for Morris, of mu*, and one of the groups. The page has the
// report's style (engine/report/report.css) and, like it, no scripts or
// requests. Covered by tests/test_sensitivity.cpp.
#pragma once

#include <string>

#include "engine/stats/sensitivity.hpp"

namespace sectorsim::report {

/// Parameters a tornado chart shows.
inline constexpr int TORNADO_TOP = 15;

/// Whether the file at `path` holds /sensitivity (false for any other file,
/// or one that cannot be read as HDF5).
bool has_sensitivity(const std::string& path);

/// The sections of `result` (HTML): one a output, each a tornado chart.
std::string sensitivity_section(const core::SensitivityResult& result, int top = TORNADO_TOP);

/// The whole page of the sensitivity file at `path`. Throws io::IoError
/// where it cannot be read or holds no /sensitivity.
std::string render_sensitivity_report(const std::string& path, int top = TORNADO_TOP);

}  // namespace sectorsim::report
