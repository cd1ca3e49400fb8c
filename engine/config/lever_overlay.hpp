// A scenario file that restates a scenario's levers: what `sectorsim
// optimise` writes for the mix it chose and `sectorsim serve` offers as
// "Save as scenario". The file extends the scenario it varies and gives
// every restated lever as explicit amounts (the numbers written to 17
// significant digits, so that reading the file back gives the very amounts
// the caller ran), each with an `estimate:` saying where they came from.
// Covered by tests/test_levers.cpp.
#pragma once

#include <string>
#include <vector>

#include "engine/spec/levers.hpp"

namespace sectorsim::config {

struct LeverOverlay {
  /// The scenario varied, as the written file should name it (relative to
  /// where the file will be, or absolute).
  std::string extends;
  std::string name;         ///< scenario.name of the variant
  std::string description;  ///< scenario.description of the variant
  /// Why these amounts: the `estimate:` of each restated lever.
  std::string estimate;
  int base_year = 0;
  std::vector<std::string> sector_ids;
  /// The model's levers (ModelDeclaration::levers), to find each setting's shape.
  std::vector<core::LeverDecl> decls;
  /// The levers to restate; levers left out keep the base's values.
  std::vector<core::LeverSetting> settings;
};

/// The overlay as YAML text. Throws std::invalid_argument for a setting
/// whose key no declaration has or whose sizes do not match the years and
/// sectors.
std::string lever_overlay_yaml(const LeverOverlay& overlay);

/// A string as a YAML double-quoted scalar.
std::string yaml_quoted(const std::string& text);

}  // namespace sectorsim::config
