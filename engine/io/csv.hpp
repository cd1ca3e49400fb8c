// CSV tables of a run for spreadsheets (docs/output-format.md, section 12):
// UTF-8 with a byte order mark (so that spreadsheet programs show Chinese
// text), RFC 4180 quoting and CRLF line ends, numbers with 17 significant
// digits (they read back to the same double), NaN as an empty field. Each
// file is written atomically. Covered by tests/test_io_compare.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/io/atomic_file.hpp"
#include "engine/spec/results.hpp"
#include "engine/stats/paired.hpp"

namespace sectorsim::io {

/// Writes into `dir` (created if missing; existing files of these names are
/// replaced only when overwrite, else Refused names the first that exists,
/// before any is written: io::check_csv_target):
///   targets.csv               scenario, target, year, probability, ci_low, ci_high
///                             (every year of every target; the target's own year
///                             is the headline)
///   comparison_targets.csv    scenario, baseline, target, diff, paired_low, paired_high,
///                             unpaired_low, unpaired_high
///   comparison_indicators.csv scenario, baseline, indicator, year, mean_diff, ci_low,
///                             ci_high, prob_higher, prob_lower (region indicators, then
///                             sector series as "<series>.<sector>")
///   comparison_appraisal.csv  scenario, baseline, quantity, mean, ci_low, ci_high, p05,
///                             p95: cost, revenue, value_added (extra over the
///                             baseline, discounted), then net (mean only), bcr,
///                             cost_per_value_added and p_revenue_exceeds_cost
///                             (MODEL.md 8.3)
///   summary.csv               scenario, series, sector, year, mean, sd, p05, p25, p50,
///                             p75, p95 (sector empty for region indicators)
/// The comparison files are written (with their header) even without comparisons.
/// Throws IoError if a comparison's scenario is not among `results` (its years
/// and sectors label the rows) or a file cannot be written.
void write_csv(const std::string& dir, const std::vector<core::ScenarioResult>& results,
               const std::vector<core::Comparison>& comparisons, bool overwrite = true);

/// One CSV field: quoted (with inner quotes doubled) when it holds a comma, a
/// quote, CR or LF (RFC 4180), as is otherwise.
std::string csv_field(std::string_view text);

}  // namespace sectorsim::io
