#include "models/sector_growth/sector_growth_spec.hpp"

#include <array>

namespace sectorsim::models {

namespace {

// Member pointers in declaration order, so that the reader, the model and the
// writer all address parameters by one index.
constexpr std::array<Prior SectorParams::*, N_SECTOR_PARAMS> SECTOR_FIELDS = {
    &SectorParams::tfp_growth,       &SectorParams::capital_elasticity,
    &SectorParams::space_elasticity, &SectorParams::labour_elasticity,
    &SectorParams::labour_growth,    &SectorParams::depreciation,
    &SectorParams::capital_output,   &SectorParams::investment_rate,
    &SectorParams::fund_leverage,    &SectorParams::space_growth,
    &SectorParams::volatility,       &SectorParams::tax_rate};

constexpr std::array<Prior GlobalParams::*, N_GLOBAL_PARAMS> GLOBAL_FIELDS = {
    &GlobalParams::price_growth,     &GlobalParams::shock_persistence,
    &GlobalParams::city_real_growth, &GlobalParams::city_volatility,
    &GlobalParams::occupancy,        &GlobalParams::plot_ratio,
    &GlobalParams::construction_lag, &GlobalParams::fund_lag,
    &GlobalParams::additionality,    &GlobalParams::displacement,
    &GlobalParams::revenue_share,    &GlobalParams::space_cost,
    &GlobalParams::land_cost,        &GlobalParams::discount_rate};

core::ModelDeclaration make_declaration() {
  using core::Scope;
  core::ModelDeclaration d;
  d.name = SECTOR_GROWTH;
  d.description =
      "sector growth accounting with capital, floor space and policy levers (docs/model.md)";
  const auto zero = std::optional<Prior>(Prior::fixed(0.0));
  const auto one = std::optional<Prior>(Prior::fixed(1.0));
  const auto none = std::optional<Prior>();
  d.parameters = {
      {"tfp_growth", "1/yr", "gA: trend TFP growth (log)", Scope::PerSector, core::ANY_NUMBER,
       none},
      {"capital_elasticity", "1", "alpha: output elasticity of capital", Scope::PerSector,
       core::UNIT_INTERVAL, none},
      {"space_elasticity", "1", "gamma: output elasticity of floor space", Scope::PerSector,
       core::UNIT_INTERVAL, none},
      {"labour_elasticity", "1", "beta: output elasticity of employment (0: not modelled)",
       Scope::PerSector, core::UNIT_INTERVAL, zero},
      {"labour_growth", "1/yr", "dlnL: employment growth (log)", Scope::PerSector, core::ANY_NUMBER,
       zero},
      {"depreciation", "1/yr", "delta: depreciation rate of capital", Scope::PerSector,
       core::UNIT_INTERVAL, none},
      {"capital_output", "1", "kappa: capital / value added in the base year", Scope::PerSector,
       core::POSITIVE, none},
      {"investment_rate", "1", "iota: baseline investment / previous-year value added",
       Scope::PerSector, core::NON_NEGATIVE, none},
      {"fund_leverage", "1", "m: private investment per yuan of public fund", Scope::PerSector,
       core::NON_NEGATIVE, none},
      {"space_growth", "1/yr", "sigma: organic growth of occupied floor space", Scope::PerSector,
       core::ABOVE_MINUS_ONE, none},
      {"volatility", "1", "D: sd of the yearly TFP shock", Scope::PerSector, core::NON_NEGATIVE,
       none},
      {"tax_rate", "1", "tau: tax / value added", Scope::PerSector, core::UNIT_INTERVAL, none},
      {"price_growth", "1/yr",
       "pi: price growth (the deflator), shared by every sector and the city", Scope::Global,
       core::ANY_NUMBER, none},
      {"shock_persistence", "1", "rho: AR(1) coefficient of the TFP shocks (stationary)",
       Scope::Global, core::OPEN_CORRELATION, none},
      {"city_real_growth", "1/yr",
       "g_city: trend real growth of city GDP (its prices grow by price_growth)", Scope::Global,
       core::ANY_NUMBER, none},
      {"city_volatility", "1", "sd of the city's yearly growth shock", Scope::Global,
       core::NON_NEGATIVE, none},
      {"occupancy", "1", "share of released space ever occupied", Scope::Global,
       core::UNIT_INTERVAL, none},
      {"plot_ratio", "1", "floor space per unit of released land", Scope::Global, core::POSITIVE,
       none},
      {"construction_lag", "years", "from land release to completed space (fractional: split)",
       Scope::Global, core::NON_NEGATIVE, none},
      {"fund_lag", "years", "from fund spending to capital (fractional: split)", Scope::Global,
       core::NON_NEGATIVE, none},
      // Left out, these keep the first edition's gross effects and give no
      // cost side beyond the fund money itself.
      {"additionality", "1",
       "share of fund money that buys investment that would not have happened (1 - deadweight)",
       Scope::Global, core::UNIT_INTERVAL, one},
      {"displacement", "1",
       "share of newly occupied released space taken by firms moving within the district",
       Scope::Global, core::UNIT_INTERVAL, zero},
      {"revenue_share", "1", "district budget revenue per yuan of tax collected in the district",
       Scope::Global, core::UNIT_INTERVAL, zero},
      {"space_cost", "亿元/万m2/yr", "opportunity cost of released floor space a year",
       Scope::Global, core::NON_NEGATIVE, zero},
      {"land_cost", "亿元/万m2/yr", "opportunity cost of released land a year", Scope::Global,
       core::NON_NEGATIVE, zero},
      {"discount_rate", "1/yr", "real discount rate of the appraisal", Scope::Global,
       core::NON_NEGATIVE, zero},
  };
  // Indicators, then sector series; paths are kept of every indicator and of
  // the sectors' value added.
  d.series = {
      {"district_gdp", "亿元", "value added of all sectors (district GDP)", false, true},
      {"service_va", "亿元", "value added of service sectors", false, true},
      {"service_share", "1", "service value added / district GDP", false, true},
      {"modern_producer_share", "1",
       "value added of service sectors flagged modern or producer / service value added", false,
       true},
      {"total_tax", "亿元", "tax paid by all sectors", false, true},
      {"service_tax_share", "1", "tax paid by service sectors / all tax", false, true},
      {"gdp_per_km2", "亿元/km2", "district GDP per km2 of land", false, true},
      {"city_gdp", "亿元", "GDP of the city the district belongs to", false, true},
      {"area_output_ratio", "1", "district GDP per km2 / city GDP per km2", false, true},
      {"pillar_count", "count", "number of sectors whose value added exceeds the pillar threshold",
       false, true},
      {"real_district_gdp", "亿元 (base-year prices)",
       "district GDP at base-year prices (nominal / price index)", false, true},
      // The cost side (MODEL.md 8.3), cumulative so that a comparison's
      // end-year difference is a present value. Two series only: every cell
      // costs memory in every run (docs/performance.md); value added comes
      // from real_district_gdp.
      {"pv_public_cost", "亿元 (base-year prices)",
       "fund money spent and the opportunity cost of the space and land released, summed over "
       "the years after the base year up to this one, real, discounted to the base year",
       false, false},
      {"pv_district_revenue", "亿元 (base-year prices)",
       "district budget revenue from its tax (revenue_share * total_tax), summed over the years "
       "after the base year up to this one, real, discounted to the base year",
       false, false},
      {"va", "亿元", "value added by sector, nominal", true, true},
      {"capital", "亿元 (base-year prices)", "productive capital stock by sector, real", true,
       false},
      {"space", "万m2", "occupied floor space by sector", true, false},
      {"tax", "亿元", "tax paid by sector", true, false},
      {"revenue", "亿元", "revenue by sector (value added / va_ratio)", true, false},
  };
  d.appraisal = core::AppraisalDecl{"pv_public_cost", "pv_district_revenue", "real_district_gdp",
                                    "discount_rate"};
  return d;
}

}  // namespace

Prior& sector_param(SectorParams& p, int index) {
  return p.*SECTOR_FIELDS.at(static_cast<std::size_t>(index));
}
const Prior& sector_param(const SectorParams& p, int index) {
  return p.*SECTOR_FIELDS.at(static_cast<std::size_t>(index));
}
Prior& global_param(GlobalParams& p, int index) {
  return p.*GLOBAL_FIELDS.at(static_cast<std::size_t>(index));
}
const Prior& global_param(const GlobalParams& p, int index) {
  return p.*GLOBAL_FIELDS.at(static_cast<std::size_t>(index));
}

const core::ModelDeclaration& sector_growth_declaration() {
  static const core::ModelDeclaration d = make_declaration();
  return d;
}

}  // namespace sectorsim::models
