// The report of a discovery file (`sectorsim discover -o FILE`,
// docs/decision.md): per target the PRIM peeling trajectory as coverage
// against density (the chosen box marked) and the box as a table of
// conditions with its stability check. The page has the report's style
// (engine/report/report.css) and, like it, no scripts or requests.
// Covered by tests/test_prim.cpp (DiscoverCli.*).
#pragma once

#include <string>

#include "engine/stats/prim.hpp"

namespace sectorsim::report {

/// Whether the file at `path` is a discovery file (false for any other
/// file, or one that cannot be read as HDF5).
bool has_discovery(const std::string& path);

/// The section of one discovery (HTML): the trajectory chart and the box table.
std::string discovery_section(const core::Discovery& d);

/// The whole page of the discovery file at `path`. Throws io::IoError where
/// it cannot be read or is not a discovery file.
std::string render_discovery_report(const std::string& path);

}  // namespace sectorsim::report
