// A self-contained HTML report of a results file: one page with inline CSS
// (engine/report/report.css) and inline SVG charts (engine/report/svg.hpp),
// no scripts, fonts, images or requests of any kind, readable on a laptop
// screen and printable on A4 (docs/output-format.md, section 13). It reads
// the file through the io reader (engine/io/results_reader.hpp) only, takes
// the names, units and descriptions of series from the file, and computes no
// statistics of its own. Covered by tests/test_io_compare.cpp (IoReport*)
// and, in a browser, tests/report/check_report.py.
#pragma once

#include <string>
#include <vector>

#include "engine/spec/results.hpp"
#include "engine/stats/paired.hpp"

namespace sectorsim::report {

/// The report page of results file `results_path`, as HTML text. Shows, for
/// whatever the file holds and only that: target probabilities with Wilson 95%
/// intervals (and by year), paired differences against the baseline (when
/// the file has /comparison), per scenario a fan chart of each per-year series
/// with the targets' thresholds, one sector chart per by-sector series (when
/// the scenarios have sectors), the provenance of the numbers, and the run
/// information. A section with nothing to show is left out. Throws
/// io::IoError (engine/io/format.hpp) if the file cannot be read.
std::string render_report(const std::string& results_path);

/// Writes render_report(results_path) to `html_path` atomically (a temporary
/// file beside it, renamed into place). Throws io::IoError as render_report,
/// or if `html_path` exists and !overwrite, or cannot be written.
void write_report(const std::string& results_path, const std::string& html_path, bool overwrite);

/// A scenario's results held in memory (a run that wrote no file), for
/// render_charts.
struct ChartScenario {
  std::string name, title_en, title_zh, description;
  core::ScenarioResult result;
};

/// Sections of the report page (HTML), drawn by the code that draws a
/// results file's report: `sectorsim serve` shows these for results it holds
/// in memory. A section with nothing to show is "".
struct Charts {
  std::string targets;                 ///< target probabilities: chart and table by year
  std::string comparisons;             ///< paired differences, costs and benefit-cost ratio
  std::vector<std::string> scenarios;  ///< per scenario: its fan charts
};

/// The report's sections of `scenarios` and `comparisons` (each comparison
/// naming scenarios among them by name).
Charts render_charts(const std::vector<ChartScenario>& scenarios,
                     const std::vector<core::Comparison>& comparisons);

/// The report's style sheet (engine/report/report.css), for pages that show
/// render_charts' sections.
const char* style_sheet();

}  // namespace sectorsim::report
