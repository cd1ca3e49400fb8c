#include "engine/run/health.hpp"

#include <cstdint>
#include <utility>

#include "engine/run/errors.hpp"

namespace sectorsim::run {

void check_finite(const core::ScenarioResult& r, bool allow) {
  const std::uint64_t cells = r.nonfinite_cells();
  const std::uint64_t targets = r.undefined_targets();
  if (allow || (cells == 0 && targets == 0)) return;
  std::vector<std::string> lines;
  lines.push_back("scenario '" + r.name + "': " + std::to_string(cells) +
                  (cells == 1 ? " cell holds" : " cells hold") +
                  " values that are not finite numbers and " + std::to_string(targets) +
                  (targets == 1 ? " target was" : " targets were") +
                  " undefined in some draws; no results were written:");
  for (std::string& line : core::describe_nonfinite(r))
    lines.push_back("  " + std::move(line));
  lines.push_back(
      "a prior too wide for the model (a misplaced decimal point?) or a target relative to a "
      "year whose value can be 0 is the usual cause; --allow-nonfinite keeps such results (those "
      "cells' statistics are NaN and their counts are stored)");
  throw NonFinite(std::move(lines));
}

}  // namespace sectorsim::run
