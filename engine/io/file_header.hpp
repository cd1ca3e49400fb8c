// The root attributes every file sectorsim writes starts with: what kind of
// file it is, its format version, the engine that wrote it, when, and the
// command line. Used by the results, sensitivity and discovery writers.
#pragma once

#include <string>

#include "engine/io/h5_file.hpp"

namespace sectorsim::io {

/// The time now, UTC, as "2026-12-07T04:30:00Z".
std::string utc_now();

/// Sets filetype, format_version (FORMAT_MAJOR.FORMAT_MINOR), engine_version
/// (this engine's), created_utc and command_line on `root`.
void write_file_header(const h5::Group& root, const std::string& filetype,
                       const std::string& command_line);

}  // namespace sectorsim::io
