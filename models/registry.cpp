#include "models/registry.hpp"

#include "models/sector_growth/sector_growth_model.hpp"

namespace sectorsim::models {

std::unique_ptr<core::Model> make_model(const core::ScenarioSpec& spec) {
  return std::make_unique<SectorGrowthModel>(spec);
}

}  // namespace sectorsim::models
