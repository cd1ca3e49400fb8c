// A self-contained HTML report of a results file: one page with inline CSS
// and inline SVG charts drawn here, no scripts, fonts, images or requests of
// any kind, readable on a laptop screen and printable on A4
// (docs/output-format.md, section 13). It reads everything from the HDF5 file
// through results_reader.hpp and draws what core computed; it computes no
// statistics of its own. Covered by tests/test_io_compare.cpp (IoReport*)
// and, in a browser, tests/report/check_report.py.
#pragma once

#include <string>

namespace sectorsim::io {

/// Writes the report of results file `results_path` to `html_path`
/// atomically (a temporary file beside it, renamed into place). Shows for
/// every scenario: target probabilities with Wilson 95% intervals (and by
/// year), fan charts of the region indicators with the targets' thresholds,
/// paired differences against the baseline when the file has /comparison,
/// the sector mix of value added, the provenance of the numbers, and the run
/// information. Throws IoError if the results file cannot be read, or if
/// `html_path` exists and !overwrite.
void write_report(const std::string& results_path, const std::string& html_path, bool overwrite);

}  // namespace sectorsim::io
