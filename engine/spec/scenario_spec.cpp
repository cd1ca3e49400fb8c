#include "engine/spec/scenario_spec.hpp"

#include <array>

namespace sectorsim::core {

static_assert(RunSettings{}.replicates == DEFAULT_REPLICATES);

namespace {

// Member pointers in the order of the *_PARAM_NAMES tables, so that the loader,
// the model and the writer all address parameters by one index.
constexpr std::array<Prior SectorParams::*, N_SECTOR_PARAMS> SECTOR_FIELDS = {
    &SectorParams::tfp_growth,       &SectorParams::capital_elasticity,
    &SectorParams::space_elasticity, &SectorParams::labour_elasticity,
    &SectorParams::labour_growth,    &SectorParams::depreciation,
    &SectorParams::capital_output,   &SectorParams::investment_rate,
    &SectorParams::fund_leverage,    &SectorParams::space_growth,
    &SectorParams::volatility,       &SectorParams::tax_rate};

constexpr std::array<Prior GlobalParams::*, N_GLOBAL_PARAMS> GLOBAL_FIELDS = {
    &GlobalParams::price_growth,     &GlobalParams::shock_persistence, &GlobalParams::city_growth,
    &GlobalParams::city_volatility,  &GlobalParams::occupancy,         &GlobalParams::plot_ratio,
    &GlobalParams::construction_lag, &GlobalParams::fund_lag};

static_assert(std::size(SECTOR_PARAM_NAMES) == N_SECTOR_PARAMS);
static_assert(std::size(GLOBAL_PARAM_NAMES) == N_GLOBAL_PARAMS);

}  // namespace

Prior& sector_param(SectorParams& p, int index) {
  return p.*SECTOR_FIELDS.at(index);
}
const Prior& sector_param(const SectorParams& p, int index) {
  return p.*SECTOR_FIELDS.at(index);
}
Prior& global_param(GlobalParams& p, int index) {
  return p.*GLOBAL_FIELDS.at(index);
}
const Prior& global_param(const GlobalParams& p, int index) {
  return p.*GLOBAL_FIELDS.at(index);
}

const char* op_symbol(Op op) {
  switch (op) {
    case Op::Greater:
      return ">";
    case Op::GreaterEqual:
      return ">=";
    case Op::Less:
      return "<";
    case Op::LessEqual:
      return "<=";
  }
  return "?";
}

}  // namespace sectorsim::core
