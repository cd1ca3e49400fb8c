#include "models/sector_growth/sector_growth_spec.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

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
      {"tfp_growth", "1/yr", "gA: trend TFP growth (log)", Scope::PerSector, core::ANY_NUMBER, none,
       "productivity"},
      {"capital_elasticity", "1", "alpha: output elasticity of capital", Scope::PerSector,
       core::UNIT_INTERVAL, none, "capital"},
      {"space_elasticity", "1", "gamma: output elasticity of floor space", Scope::PerSector,
       core::UNIT_INTERVAL, none, "space"},
      {"labour_elasticity", "1", "beta: output elasticity of employment (0: not modelled)",
       Scope::PerSector, core::UNIT_INTERVAL, zero, "productivity"},
      {"labour_growth", "1/yr", "dlnL: employment growth (log)", Scope::PerSector, core::ANY_NUMBER,
       zero, "productivity"},
      {"depreciation", "1/yr", "delta: depreciation rate of capital", Scope::PerSector,
       core::UNIT_INTERVAL, none, "capital"},
      {"capital_output", "1", "kappa: capital / value added in the base year", Scope::PerSector,
       core::POSITIVE, none, "capital"},
      {"investment_rate", "1", "iota: baseline investment / previous-year value added",
       Scope::PerSector, core::NON_NEGATIVE, none, "capital"},
      {"fund_leverage", "1", "m: private investment per yuan of public fund", Scope::PerSector,
       core::NON_NEGATIVE, none, "capital"},
      {"space_growth", "1/yr", "sigma: organic growth of occupied floor space", Scope::PerSector,
       core::ABOVE_MINUS_ONE, none, "space"},
      {"volatility", "1", "D: sd of the yearly TFP shock", Scope::PerSector, core::NON_NEGATIVE,
       none, "shocks"},
      {"tax_rate", "1", "tau: tax / value added", Scope::PerSector, core::UNIT_INTERVAL, none,
       "fiscal"},
      {"price_growth", "1/yr",
       "pi: price growth (the deflator), shared by every sector and the city", Scope::Global,
       core::ANY_NUMBER, none, "prices"},
      {"shock_persistence", "1", "rho: AR(1) coefficient of the TFP shocks (stationary)",
       Scope::Global, core::OPEN_CORRELATION, none, "shocks"},
      {"city_real_growth", "1/yr",
       "g_city: trend real growth of city GDP (its prices grow by price_growth)", Scope::Global,
       core::ANY_NUMBER, none, "city"},
      {"city_volatility", "1", "sd of the city's yearly growth shock", Scope::Global,
       core::NON_NEGATIVE, none, "shocks"},
      {"occupancy", "1", "share of released space ever occupied", Scope::Global,
       core::UNIT_INTERVAL, none, "space"},
      {"plot_ratio", "1", "floor space per unit of released land", Scope::Global, core::POSITIVE,
       none, "space"},
      {"construction_lag", "years", "from land release to completed space (fractional: split)",
       Scope::Global, core::NON_NEGATIVE, none, "space"},
      {"fund_lag", "years", "from fund spending to capital (fractional: split)", Scope::Global,
       core::NON_NEGATIVE, none, "capital"},
      // Left out, these keep the first edition's gross effects and give no
      // cost side beyond the fund money itself.
      {"additionality", "1",
       "share of fund money that buys investment that would not have happened (1 - deadweight)",
       Scope::Global, core::UNIT_INTERVAL, one, "counterfactual"},
      {"displacement", "1",
       "share of newly occupied released space taken by firms moving within the district",
       Scope::Global, core::UNIT_INTERVAL, zero, "counterfactual"},
      {"revenue_share", "1", "district budget revenue per yuan of tax collected in the district",
       Scope::Global, core::UNIT_INTERVAL, zero, "fiscal"},
      {"space_cost", "亿元/万m2/yr", "opportunity cost of released floor space a year",
       Scope::Global, core::NON_NEGATIVE, zero, "fiscal"},
      {"land_cost", "亿元/万m2/yr", "opportunity cost of released land a year", Scope::Global,
       core::NON_NEGATIVE, zero, "fiscal"},
      {"discount_rate", "1/yr", "real discount rate of the appraisal", Scope::Global,
       core::NON_NEGATIVE, zero, "fiscal"},
  };
  d.levers = {
      {"funds", "亿元", "industry fund money spent, by year and sector",
       core::LeverShape::YearBySector},
      {"space", "万㎡", "industrial floor space released, by year, and its split across sectors",
       core::LeverShape::YearsWithAllocation},
      {"land", "万㎡ (land)", "industrial land released, by year, and its split across sectors",
       core::LeverShape::YearsWithAllocation},
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

std::vector<core::SeriesInfo> SectorGrowthSpec::extra_series() const {
  std::vector<core::SeriesInfo> out;
  for (const CountKind& k : counts) {
    out.push_back(
        {k.id, "count", k.description + ": the stock at the end of the year", false, true});
    out.push_back({k.id + "_entries", "count",
                   k.description + ": entries since the base year, summed", false, true});
  }
  return out;
}

std::vector<core::LeverSetting> SectorGrowthSpec::lever_settings() const {
  const std::size_t ns = sectors.size();
  std::vector<core::LeverSetting> out(3);
  out[0].key = "funds";
  for (const auto& year : levers.funds) {
    for (std::size_t s = 0; s < ns; ++s)
      out[0].amounts.push_back(s < year.size() ? year[s] : 0.0);
  }
  out[1] = {"space", levers.space_release, levers.space_share};
  out[2] = {"land", levers.land_release, levers.land_share};
  for (std::size_t i = 1; i < 3; ++i) {
    if (out[i].allocation.empty()) out[i].allocation.assign(ns, 0.0);
  }
  return out;
}

void SectorGrowthSpec::set_lever(const core::LeverSetting& setting) {
  const std::size_t ns = sectors.size();
  const std::size_t ny =
      std::max({levers.funds.size(), levers.space_release.size(), levers.land_release.size()});
  const std::string& key = setting.key;
  auto fail = [&](const std::string& what) {
    throw std::invalid_argument("lever '" + key + "': " + what);
  };
  if (key != "funds" && key != "space" && key != "land")
    throw std::invalid_argument("the sector_growth model has no lever '" + key +
                                "' (its levers: funds, space, land)");
  const bool funds = key == "funds";
  const std::size_t want = funds ? ny * ns : ny;
  if (setting.amounts.size() != want) {
    fail("needs " + std::to_string(want) + " amounts (" +
         (funds ? std::to_string(ny) + " years by " + std::to_string(ns) + " sectors"
                : std::to_string(ny) + " years") +
         "), got " + std::to_string(setting.amounts.size()));
  }
  for (std::size_t i = 0; i < want; ++i) {
    const double a = setting.amounts[i];
    if (!std::isfinite(a) || a < 0) fail("amounts must be finite and >= 0");
    if (i < (funds ? ns : 1) && a != 0) fail("the base year takes no amount");
  }
  if (funds) {
    if (!setting.allocation.empty()) fail("funds take amounts by year and sector, no allocation");
    levers.funds.assign(ny, std::vector<double>(ns, 0.0));
    for (std::size_t t = 0; t < ny; ++t) {
      for (std::size_t s = 0; s < ns; ++s)
        levers.funds[t][s] = setting.amounts[t * ns + s];
    }
    return;
  }
  if (setting.allocation.size() != ns)
    fail("needs an allocation of " + std::to_string(ns) + " shares, got " +
         std::to_string(setting.allocation.size()));
  double sum = 0;
  for (double share : setting.allocation) {
    if (!std::isfinite(share) || share < 0 || share > 1) fail("shares must lie in [0, 1]");
    sum += share;
  }
  const bool released = setting.total() > 0;
  if (released && std::abs(sum - 1.0) > SHARE_SUM_TOLERANCE)
    fail("the allocation's shares sum to " + std::to_string(sum) + ", not 1");
  if (key == "space") {
    levers.space_release = setting.amounts;
    levers.space_share = setting.allocation;
  } else {
    levers.land_release = setting.amounts;
    levers.land_share = setting.allocation;
  }
}

}  // namespace sectorsim::models
