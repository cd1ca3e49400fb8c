// Policy levers as a model declares them and as a caller changes them: what
// `sectorsim optimise` chooses and `sectorsim serve` shows as controls. A
// lever is what scenario files write under `levers.<key>`: an amount in each
// year after the base year, and, where the lever goes to sectors, how it is
// split. A caller reads a scenario's settings from its model block, changes
// them, and writes them back as a scenario file (engine/config/lever_overlay)
// that `sectorsim run` reads, so that every number it reports comes from a
// file the user can keep. Covered by tests/test_levers.cpp.
#pragma once

#include <string>
#include <vector>

namespace sectorsim::core {

/// How a lever's amounts are laid out.
enum class LeverShape {
  /// An amount for each year and sector (funds spent by sector):
  /// amounts[year * n_sectors + sector].
  YearBySector,
  /// An amount for each year (space, land released) and one split of every
  /// year's amount across sectors: amounts[year], allocation[sector].
  YearsWithAllocation,
};

/// A lever a model declares.
struct LeverDecl {
  std::string key;          ///< under `levers:` in scenario files: "funds"
  std::string unit;         ///< unit of its amounts: "亿元", "万㎡"
  std::string description;  ///< one line, English
  LeverShape shape = LeverShape::YearBySector;
};

/// A lever's values in one scenario. Year index 0 is the base year, which
/// never takes an amount (the levers act from the year after it).
struct LeverSetting {
  std::string key;
  /// YearBySector: [year * n_sectors + sector]; YearsWithAllocation: [year].
  std::vector<double> amounts;
  /// YearsWithAllocation: each sector's share of every year's amount (sums
  /// to 1); empty for YearBySector.
  std::vector<double> allocation;

  /// The lever's amounts summed over years and sectors.
  double total() const {
    double t = 0;
    for (double a : amounts)
      t += a;
    return t;
  }
};

}  // namespace sectorsim::core
