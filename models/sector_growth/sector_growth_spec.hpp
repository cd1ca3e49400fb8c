// The sector-growth model's own data in a scenario (its ModelBlock): sectors'
// flags and base-year values, behavioural priors, policy levers over years,
// shock correlations and the optional input-output demand term. Units are
// given on each field; money is in 亿元 (100 million yuan), floor space and
// land in 万㎡ (10,000 m²), rates are per year as fractions (0.05 = 5%).
// Read by sector_growth_reader.cpp, used by sector_growth_model.cpp.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "engine/sampling/prior.hpp"
#include "engine/spec/model.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::models {

using core::Prior;

/// Behavioural parameters of one sector, each a prior (docs/model.md).
struct SectorParams {
  Prior tfp_growth;          ///< gA: trend TFP growth, 1/yr
  Prior capital_elasticity;  ///< alpha
  Prior space_elasticity;    ///< gamma
  Prior labour_elasticity;   ///< beta (0 when employment is not modelled)
  Prior labour_growth;       ///< dlnL: employment growth, 1/yr
  Prior depreciation;        ///< delta, 1/yr
  Prior capital_output;      ///< kappa: K/Y in the base year
  Prior investment_rate;     ///< iota: baseline investment / previous-year Y
  Prior fund_leverage;       ///< m: private investment per yuan of public fund
  Prior space_growth;        ///< sigma: organic growth of occupied space, 1/yr
  Prior volatility;          ///< D: sd of the yearly TFP shock
  Prior tax_rate;            ///< tau: tax / value added
};
inline constexpr int N_SECTOR_PARAMS = 12;

/// Access a SectorParams field by its index in the declaration's per-sector
/// parameters (the order above).
Prior& sector_param(SectorParams& p, int index);
const Prior& sector_param(const SectorParams& p, int index);

/// Region-wide behavioural parameters.
struct GlobalParams {
  Prior price_growth;  ///< pi: price growth (deflator) shared by the sectors and the city, 1/yr
  Prior shock_persistence;  ///< rho: AR(1) coefficient of the TFP shocks
  Prior city_real_growth;   ///< g_city: trend real growth of city GDP, 1/yr (prices: price_growth)
  Prior city_volatility;    ///< sd of the city's yearly growth shock
  Prior occupancy;          ///< total share of released space ever occupied, [0, 1]
  Prior plot_ratio;         ///< floor space per unit of released land
  Prior construction_lag;   ///< years from land release to completed space (fractional: split)
  Prior fund_lag;           ///< years from fund spending to capital (fractional: split)
  // The counterfactual (what would have happened anyway) and the appraisal.
  /// Share of fund money buying investment that would not happen otherwise
  /// (1: the whole fund, the reader's default too).
  Prior additionality = Prior::fixed(1.0);
  Prior displacement;   ///< share of newly occupied released space taken by firms moving within
  Prior revenue_share;  ///< district budget revenue per yuan of tax collected in the district
  Prior space_cost;     ///< opportunity cost of released floor space, 亿元 per 万㎡ a year
  Prior land_cost;      ///< opportunity cost of released land, 亿元 per 万㎡ of land a year
  Prior discount_rate;  ///< real discount rate of the appraisal, 1/yr
};
inline constexpr int N_GLOBAL_PARAMS = 14;

/// Access a GlobalParams field by its index among the declaration's global
/// parameters (the order above).
Prior& global_param(GlobalParams& p, int index);
const Prior& global_param(const GlobalParams& p, int index);

/// The model's data of one sector (its id and labels are the spec's).
struct SectorData {
  bool service = true;    ///< counts towards service_va and service tax
  bool modern = false;    ///< modern services (share indicator)
  bool producer = false;  ///< producer services (share indicator)
  /// Share of the sector's value added counted as modern or producer services
  /// in [0, 1], for sectors only partly so (wholesale in commerce, say): a
  /// value or a prior (drawn as a parameter, after the region-wide ones);
  /// none means "from the flags": 1 if modern or producer, else 0.
  std::optional<Prior> modern_producer_weight;
  double base_va = 0;     ///< value added in the base year, 亿元 (> 0)
  double base_space = 0;  ///< occupied floor space in the base year, 万㎡ (> 0)
  double va_ratio = 1;    ///< value added / revenue, for revenue series (0, 1]
  SectorParams params;
};

/// Region-wide data (the district and the city it sits in).
struct RegionData {
  double area_km2 = 0;             ///< district land area, km²
  double city_area_km2 = 0;        ///< city land area, km²
  double city_base_gdp = 0;        ///< city GDP in the base year, 亿元
  double pillar_threshold = 1000;  ///< value added above which a sector is a pillar, 亿元
};

/// Policy levers. Year index i = 0 is the base year, i = n_years-1 the end year.
struct Levers {
  /// funds[i][s]: public fund injection into sector s in year index i, 亿元.
  std::vector<std::vector<double>> funds;
  /// Floor space ("industrial space") released in year index i, 万㎡.
  std::vector<double> space_release;
  /// Share of released space taken by each sector (sums to 1).
  std::vector<double> space_share;
  /// Industrial land released in year index i, 万㎡ of land.
  std::vector<double> land_release;
  /// Share of floor space built on released land taken by each sector (sums to 1).
  std::vector<double> land_share;
  /// A lever's range (`scale:` under funds, space or land): a prior of a
  /// factor on every amount of the lever, drawn per draw, so that the lever
  /// becomes an uncertain input (of a sensitivity analysis, say). None: the
  /// amounts as written.
  std::optional<Prior> fund_scale, space_scale, land_scale;
};

/// Optional input-output demand term (docs/model.md); off unless enabled.
struct DemandSpec {
  bool enabled = false;
  /// Technical coefficients A[i][j] (input from sector i per unit output of j).
  std::vector<std::vector<double>> technical;
  /// Share of each yuan of fund spent as final demand in the year it is spent.
  double spend_share = 0;
};

/// A kind of enterprise or institution counted (MODEL.md 8.8): headquarters
/// firms, listed firms, buildings paying over 1亿元 of tax... Its stock moves
/// each year by N[t] = N[t-1] - exits + entries, with
///   entries ~ Poisson(entry_rate * max(0, 1 + fund_effect * F[t] + space_effect * S[t])),
///   exits ~ Binomial(N[t-1], exit_rate),
/// F[t] the fund money spent in year t in the kind's sectors (亿元) and S[t]
/// the floor space released to them that year (万㎡). Two series: the stock
/// (`<id>`) and the entries since the base year (`<id>_entries`).
struct CountKind {
  std::string id;           ///< the stock's series name
  std::string description;  ///< one line
  double base = 0;          ///< the stock in the base year (a whole number >= 0)
  /// Per sector: whether its fund money and released space drive entries
  /// (every sector where the scenario names none).
  std::vector<unsigned char> driven_by;
  Prior entry_rate;  ///< entries a year with no fund money and no space released
  Prior exit_rate;   ///< share of the stock leaving in a year, [0, 1]
  Prior fund_effect = Prior::fixed(0.0);   ///< rise of the entry rate per 亿元 of F, relative
  Prior space_effect = Prior::fixed(0.0);  ///< rise of the entry rate per 万㎡ of S, relative
};
/// Parameters a count kind adds to a draw, in this order, after the
/// modern/producer weights.
inline constexpr int N_COUNT_PARAMS = 4;
inline constexpr const char* COUNT_PARAM_NAMES[N_COUNT_PARAMS] = {"entry_rate", "exit_rate",
                                                                  "fund_effect", "space_effect"};
/// Their units: entries a year; the share of the stock leaving a year; the
/// entry rate's relative rise per 亿元 of funds and per 万㎡ of space.
inline constexpr const char* COUNT_PARAM_UNITS[N_COUNT_PARAMS] = {"1/yr", "1/yr", "1/亿元",
                                                                  "1/万㎡"};
/// The most kinds a scenario may count.
inline constexpr std::size_t MAX_COUNT_KINDS = 32;

/// Everything the sector-growth model reads besides the shared spec.
struct SectorGrowthSpec : core::ModelBlock {
  RegionData region;
  std::vector<SectorData> sectors;  ///< one per spec sector, same order
  GlobalParams globals;
  /// Absorption curve shape: share of a release occupied k = 0, 1, ... years
  /// after release, before scaling by occupancy (sums to 1).
  std::vector<double> absorption;
  /// Correlation matrix of the yearly shocks, (n_sectors + 1)², the last row
  /// and column being the city; positive semi-definite, unit diagonal.
  std::vector<std::vector<double>> correlation;
  Levers levers;
  DemandSpec demand;
  std::vector<CountKind> counts;  ///< enterprise counts (`counts:`), none by default

  std::unique_ptr<core::ModelBlock> clone() const override {
    return std::make_unique<SectorGrowthSpec>(*this);
  }
  /// Each count kind's stock and entries (CountKind).
  std::vector<core::SeriesInfo> extra_series() const override;
  /// funds (by year and sector), space and land (by year, one allocation).
  std::vector<core::LeverSetting> lever_settings() const override;
  void set_lever(const core::LeverSetting& setting) override;
};

/// Shares that sum to 1 within this much are taken as summing to 1, as the
/// scenario reader takes them.
inline constexpr double SHARE_SUM_TOLERANCE = 1e-9;

/// The model's name in scenario files (`model: sector_growth`, the default).
inline constexpr const char* SECTOR_GROWTH = "sector_growth";

/// The sector-growth block of a spec; throws std::invalid_argument when the
/// spec holds another model's block.
inline const SectorGrowthSpec& sector_growth(const core::ScenarioSpec& spec) {
  return spec.model_block.as<SectorGrowthSpec>(SECTOR_GROWTH);
}
inline SectorGrowthSpec& sector_growth(core::ScenarioSpec& spec) {
  return spec.model_block.as<SectorGrowthSpec>(SECTOR_GROWTH);
}

/// What the sector-growth model declares: its 12 per-sector and 14 global
/// parameters (in SectorParams and GlobalParams order), its 18 series and
/// which of them the appraisal of a comparison reads.
const core::ModelDeclaration& sector_growth_declaration();

}  // namespace sectorsim::models
