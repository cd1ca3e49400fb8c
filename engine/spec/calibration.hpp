// What `sectorsim calibrate` reads and writes (MODEL.md 8.4): published rows
// of the data tables, a recipe saying which series become which prior by
// which method, and the priors found. Plain data: the recipe is read by
// engine/config/calibration_reader, the rows by engine/io/data_table, the
// estimates made by engine/analysis/calibrate, the fragment written by
// engine/io/calibration_writer.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sectorsim::core {

/// One published observation: a row of a data table (data/luohu/*.csv).
struct DataRow {
  std::string region, indicator, unit;
  int year = 0;
  double value = 0;
  std::string file;  ///< the table, as given to the reader
  int line = 0;      ///< its line in the file (the header is line 1)
};

/// A published series: the rows of one region and indicator.
struct DataSeriesRef {
  std::string region, indicator;
  /// Two rows of one year (a first release and a revision): "first" or
  /// "last" in file order picks one; empty refuses them.
  std::string revisions;
  std::string where;  ///< the recipe's file:line:col of this reference
};

enum class CalibrationMethod {
  Deflator,     ///< mean of the deflator implied by nominal levels and real growth
  MeanGrowth,   ///< mean of a growth rate
  Volatility,   ///< standard deviation of a growth rate about its mean
  Persistence,  ///< AR(1) coefficient of a growth rate about its mean
};

/// One prior to estimate.
struct CalibrationItem {
  std::string parameter;  ///< a region-wide parameter ("price_growth")
  CalibrationMethod method = CalibrationMethod::MeanGrowth;
  DataSeriesRef growth;                 ///< the rate (real growth for Deflator)
  std::optional<DataSeriesRef> levels;  ///< nominal levels (Deflator only)
  double low = 0, high = 0;             ///< bounds of the truncated normal written
  /// A known amount taken off a mean growth (`less:`), such as the part of
  /// real growth that capital deepening explains when the parameter is trend
  /// TFP; its reason is quoted in the prior's note.
  double less = 0;
  std::string less_reason;
  /// Mean growth only: forecast the horizon's mean from a linear drift in
  /// the rates (`drift: linear`) instead of their mean.
  bool linear_drift = false;
  std::string where;  ///< file:line:col of the item
};

/// The shock correlations: the sectors' proxies and the city's series.
struct CorrelationItem {
  DataSeriesRef city;
  std::vector<DataSeriesRef> sectors;
  std::string where;
};

struct CalibrationRecipe {
  std::string file;                     ///< the recipe
  std::vector<std::string> data;        ///< data tables, paths as written (relative to the recipe)
  std::vector<std::string> data_paths;  ///< the same, resolved
  int first_year = 0, last_year = 0;    ///< the window of years used
  std::vector<int> exclude_years;       ///< breaks, left out explicitly
  int horizon = 1;  ///< years a trend prior is for (its width: the mean over them)
  std::vector<CalibrationItem> priors;
  std::optional<CorrelationItem> correlation;
  std::string output;  ///< the fragment's path from the recipe ("" for none)
  /// A scenario file the fragment extends (`calibration.extends`), resolved;
  /// "" for none. A base-year variant of a region takes the region's judged
  /// priors this way and replaces those the data of its own years give.
  std::string extends;
};

/// A prior found: truncated normal(mean, sd, low, high), with its note.
struct CalibratedPrior {
  /// A region-wide parameter ("price_growth") or a sector default
  /// ("sector_defaults.tfp_growth").
  std::string parameter;
  double mean = 0, sd = 0, low = 0, high = 0;
  std::string note;
};

/// A fixed value found (a correlation), with its note.
struct CalibratedValue {
  std::string key;  ///< "between_sectors" or "with_city"
  double value = 0;
  std::string note;
};

struct CalibrationResult {
  std::vector<CalibratedPrior> priors;
  std::vector<CalibratedValue> correlation;
};

}  // namespace sectorsim::core
