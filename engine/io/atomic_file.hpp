// Whole-file writes that never leave a part: the report's HTML, the CSV
// tables, the sensitivity and discovery files. Covered by
// tests/test_io_compare.cpp (IoCsv.*), tests/test_sensitivity.cpp and
// tests/test_prim.cpp (their files refused, then written whole).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sectorsim::io {

/// Writes `content` to `path` through a temporary file beside it
/// (".<name>.tmp.<pid>"), fsynced and renamed over `path`: readers see the old
/// file or the whole new one, never a part. Throws Refused (an IoError) where
/// check_output_target (engine/io/output_target.hpp) refuses `path`, before
/// writing and again before the rename; IoError on any write error (the
/// temporary file is then removed).
void write_file_atomically(const std::string& path, std::string_view content, bool overwrite);

namespace h5 {
class File;
}

/// An HDF5 file written the same way: `contents` fills a file created at the
/// temporary path, which is then flushed, closed, fsynced, checked again and
/// renamed over `path`, and its directory fsynced. `inputs` are the files the
/// output may not replace (check_output_target). On any error the temporary
/// file is removed and `path` left as it was.
void write_h5_atomically(const std::string& path, const std::vector<std::string>& inputs,
                         bool overwrite, const std::function<void(h5::File&)>& contents);

}  // namespace sectorsim::io
