// Files of `sectorsim sensitivity` (docs/output-format.md, section
// "Sensitivity"; docs/sensitivity.md): an HDF5 file whose /sensitivity
// group holds one group an output with the parameters' indices (and
// /groups the blocks'), CSV tables one an output, and the reading back of
// the HDF5 group for the report. Covered by tests/test_sensitivity.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/stats/sensitivity.hpp"

namespace sectorsim::io {

/// Writes `result` as a new HDF5 file at `path`, through a temporary file
/// beside it, fsynced and renamed: never a part of a file, never over an
/// existing one unless overwrite, never over an input (check_output_target).
/// Root attributes as a results file's (filetype, format_version,
/// engine_version, created_utc, command_line, seed); /sensitivity/<output>/
/// holds `parameter` (names) and S1, S1_conf, ST, ST_conf (Sobol) or mu,
/// mu_star, mu_star_conf, sigma (Morris), its attributes method, N, seed,
/// evaluations, variance, mean, description; /sensitivity/<output>/groups
/// the same for the groups (with `members`). Throws IoError (Refused for a
/// refused path).
void write_sensitivity_file(const std::string& path, const core::SensitivityResult& result,
                            const std::vector<std::string>& inputs, bool overwrite,
                            const std::string& command_line);

/// The CSV file name of output `id` in --csv DIR: the id with every
/// character outside [A-Za-z0-9_.@-] replaced by '_', then ".csv"
/// ("diff:service_va@2025" -> "diff_service_va@2025.csv").
std::string sensitivity_csv_name(const std::string& id);

/// Writes one table an output into `dir` (created if missing), each
/// atomically: kind (parameter or group), name, then the method's columns.
/// UTF-8 with a byte order mark, CRLF, shortest round-trip numbers, NaN empty, as
/// the run's tables (engine/io/csv.hpp). Refuses (before writing any)
/// existing files unless overwrite.
void write_sensitivity_csv(const std::string& dir, const core::SensitivityResult& result,
                           const std::vector<std::string>& inputs, bool overwrite);

/// The /sensitivity group of the file at `path`, or nullopt where it has
/// none. Throws IoError where the file cannot be read.
std::optional<core::SensitivityResult> read_sensitivity(const std::string& path);

}  // namespace sectorsim::io
