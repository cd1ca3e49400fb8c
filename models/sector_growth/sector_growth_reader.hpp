// Reads the sector-growth model's sections of a scenario file (region data,
// sectors' flags, base-year values and priors, sector_defaults, parameters,
// shocks, levers, demand) into its SectorGrowthSpec, with the loader's
// file:line:col errors. The schema is docs/scenarios.md.
// Covered by tests/test_config.cpp.
#pragma once

#include "engine/config/model_reader.hpp"

namespace sectorsim::models {

class SectorGrowthReader : public config::ModelReader {
 public:
  const core::ModelDeclaration& declaration() const override;
  std::vector<std::pair<std::string, bool>> sections() const override;
  bool needs_sectors() const override { return true; }
  std::vector<std::string> sector_keys() const override;
  std::vector<std::string> region_keys() const override;
  std::unique_ptr<core::ModelBlock> read(const config::BlockContext& context) const override;
};

}  // namespace sectorsim::models
