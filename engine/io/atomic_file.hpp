// Whole-file writes that never leave a part: the report's HTML, the CSV
// tables. Covered by tests/test_io_compare.cpp (IoCsv.*).
#pragma once

#include <string>
#include <string_view>

namespace sectorsim::io {

/// Writes `content` to `path` through a temporary file beside it
/// (".<name>.tmp.<pid>"), fsynced and renamed over `path`: readers see the old
/// file or the whole new one, never a part. Throws Refused (an IoError) where
/// check_output_target (engine/io/output_target.hpp) refuses `path`, before
/// writing and again before the rename; IoError on any write error (the
/// temporary file is then removed).
void write_file_atomically(const std::string& path, std::string_view content, bool overwrite);

}  // namespace sectorsim::io
