// Output series as a model declares them: indicators (one value per year) and
// sector series (one value per year and sector). Targets and the
// configuration resolve names against a model's list; the writer labels
// them. Covered by tests/test_summary.cpp (resolve_series).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sectorsim::core {

/// One output series.
struct SeriesInfo {
  std::string name;         ///< "service_va", or "va" for a sector series
  std::string units;        ///< "亿元", "1", "count", "万㎡", ...
  std::string description;  ///< one line, English
  bool by_sector = false;   ///< true: [year, sector]; false: [year]
  /// Whether per-draw paths of the series are kept when a run keeps paths.
  bool paths = true;
};

/// A resolved reference to one series, optionally of one sector.
struct SeriesRef {
  int series = -1;  ///< index into the model's series
  int sector = -1;  ///< sector index for sector series, -1 otherwise
};

/// Resolve "service_va" or "va.finance" against a model's series and sector ids.
/// Returns nullopt and sets *error to a one-line message when the name is
/// unknown (with a "did you mean" suggestion where one is close).
std::optional<SeriesRef> resolve_series(std::string_view name,
                                        const std::vector<SeriesInfo>& series,
                                        const std::vector<std::string>& sector_ids,
                                        std::string* error);

/// Closest candidate to `word` by edit distance, or "" if none is close
/// enough to be a plausible misspelling. Used for "did you mean" hints.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace sectorsim::core
