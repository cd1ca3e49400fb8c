#include "engine/run/health.hpp"

#include <cstdint>
#include <utility>

#include "engine/run/errors.hpp"

namespace sectorsim::run {

void check_finite(const core::ScenarioResult& r, bool allow) {
  if (allow || (r.nonfinite_cells() == 0 && r.undefined_targets() == 0)) return;
  std::vector<std::string> lines;
  lines.push_back("scenario '" + r.name + "': " + core::nonfinite_headline(r) +
                  "; no results were written:");
  for (std::string& line : core::describe_nonfinite(r))
    lines.push_back("  " + std::move(line));
  lines.push_back(
      "a prior too wide for the model (a misplaced decimal point?) or a target relative to a "
      "year whose value can be 0 is the usual cause; --allow-nonfinite keeps such results (those "
      "cells' statistics are NaN and their counts are stored)");
  throw NonFinite(std::move(lines));
}

}  // namespace sectorsim::run
