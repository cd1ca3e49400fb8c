// Files of `sectorsim discover` (docs/output-format.md, section "Discovery";
// docs/decision.md): an HDF5 file whose /discover/<target>/ group holds the
// PRIM peeling trajectory, the chosen box and its stability check, and CSV
// tables of the same, and the reading back of the group for the report.
// Covered by tests/test_prim.cpp (DiscoverIo.*, DiscoverCli.*).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/stats/prim.hpp"

namespace sectorsim::io {

/// The file type of a discovery file's root attribute `filetype`.
inline constexpr const char* DISCOVERY_FILETYPE = "sectorsim-discovery";

/// Writes `d` as a new HDF5 file at `path`, through a temporary file beside
/// it, fsynced and renamed: never a part of a file, never over an existing
/// one unless overwrite, never over an input (check_output_target). Root
/// attributes filetype, format_version, engine_version, created_utc,
/// command_line, seed; /discover/<target>/ holds the trajectory (coverage,
/// density, mass, points, cases by step; low, high by step and input), the
/// box (parameter, unit, low, high of the restricted inputs), the inputs
/// read (input, restricted_share) and the discovery's attributes. Throws
/// IoError (Refused for a refused path).
void write_discovery_file(const std::string& path, const core::Discovery& d,
                          const std::vector<std::string>& inputs, bool overwrite,
                          const std::string& command_line);

/// The CSV files of --csv DIR: trajectory.csv (step, coverage, density,
/// mass, points, cases, chosen) and box.csv (parameter, unit, low, high,
/// restricted_share). UTF-8 with a byte order mark, CRLF, 17 significant
/// digits, an unrestricted end empty. Refuses (before writing any)
/// existing files unless overwrite.
void write_discovery_csv(const std::string& dir, const core::Discovery& d,
                         const std::vector<std::string>& inputs, bool overwrite);

/// The discoveries of the file at `path` (one a target group), or nullopt
/// where it is not a discovery file. Throws IoError where it cannot be read.
std::optional<std::vector<core::Discovery>> read_discoveries(const std::string& path);

}  // namespace sectorsim::io
