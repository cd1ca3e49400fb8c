// Whole-file writes that never leave a part: the report's HTML, the CSV
// tables. Covered by tests/test_io_compare.cpp (IoCsv.*).
#pragma once

#include <string>
#include <string_view>

namespace sectorsim::io {

/// Writes `content` to `path` through a temporary file beside it
/// (".<name>.tmp.<pid>"), fsynced and renamed over `path`: readers see the old
/// file or the whole new one, never a part. Throws IoError if `path` exists
/// and !overwrite ("<path>: exists; pass --overwrite to replace it"), or on
/// any write error (the temporary file is then removed).
void write_file_atomically(const std::string& path, std::string_view content, bool overwrite);

}  // namespace sectorsim::io
