// ScenarioSpec: the validated, immutable description of one scenario.
//
// This is the data contract between the configuration layer (which builds it
// from YAML and owns every error message about the input) and the models (which
// read it and never see YAML). It names no particular region or sector: a
// region is a list of sectors with flags and base-year data, behavioural priors,
// policy levers over years, shock correlations and targets. Units are given on
// each field; money is in 亿元 (100 million yuan), floor space and land in 万㎡
// (10,000 m²), rates are per year as fractions (0.05 = 5%).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/sampling/prior.hpp"
#include "engine/sampling/sampler.hpp"

namespace sectorsim::core {

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

/// Names of SectorParams fields in scenario files, in declaration order.
inline constexpr const char* SECTOR_PARAM_NAMES[] = {
    "tfp_growth",    "capital_elasticity", "space_elasticity", "labour_elasticity",
    "labour_growth", "depreciation",       "capital_output",   "investment_rate",
    "fund_leverage", "space_growth",       "volatility",       "tax_rate"};
inline constexpr int N_SECTOR_PARAMS = 12;

/// Access a SectorParams field by its index in SECTOR_PARAM_NAMES.
Prior& sector_param(SectorParams& p, int index);
const Prior& sector_param(const SectorParams& p, int index);

/// One sector of the region.
struct SectorSpec {
  std::string id;         ///< identifier used in files and output ("finance")
  std::string name_en;    ///< English label
  std::string name_zh;    ///< Chinese label
  bool service = true;    ///< counts towards service_va and service tax
  bool modern = false;    ///< modern services (share indicator)
  bool producer = false;  ///< producer services (share indicator)
  /// Share of the sector's value added counted as modern or producer services
  /// in [0, 1], for sectors only partly so (wholesale in commerce, say);
  /// negative means "from the flags": 1 if modern or producer, else 0.
  double modern_producer_weight = -1;
  double base_va = 0;     ///< value added in the base year, 亿元 (> 0)
  double base_space = 0;  ///< occupied floor space in the base year, 万㎡ (> 0)
  double va_ratio = 1;    ///< value added / revenue, for revenue series (0, 1]
  SectorParams params;
};

/// Region-wide data (the district and the city it sits in).
struct RegionSpec {
  std::string id;
  std::string name_en;
  std::string name_zh;
  double area_km2 = 0;             ///< district land area, km²
  double city_area_km2 = 0;        ///< city land area, km²
  double city_base_gdp = 0;        ///< city GDP in the base year, 亿元
  double pillar_threshold = 1000;  ///< value added above which a sector is a pillar, 亿元
};

/// Region-wide behavioural parameters.
struct GlobalParams {
  Prior price_growth;       ///< pi: nominal price growth common to all sectors, 1/yr
  Prior shock_persistence;  ///< rho: AR(1) coefficient of the TFP shocks
  Prior city_growth;        ///< g_city: trend nominal growth of city GDP, 1/yr
  Prior city_volatility;    ///< sd of the city's yearly growth shock
  Prior occupancy;          ///< total share of released space ever occupied, [0, 1]
  Prior plot_ratio;         ///< floor space per unit of released land
  Prior construction_lag;   ///< years from land release to completed space (fractional: split)
  Prior fund_lag;           ///< years from fund spending to capital (fractional: split)
};

/// Names of GlobalParams fields in scenario files, in declaration order.
inline constexpr const char* GLOBAL_PARAM_NAMES[] = {
    "price_growth", "shock_persistence", "city_growth",      "city_volatility",
    "occupancy",    "plot_ratio",        "construction_lag", "fund_lag"};
inline constexpr int N_GLOBAL_PARAMS = 8;

Prior& global_param(GlobalParams& p, int index);
const Prior& global_param(const GlobalParams& p, int index);

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
};

/// Optional input-output demand term (docs/model.md); off unless enabled.
struct DemandSpec {
  bool enabled = false;
  /// Technical coefficients A[i][j] (input from sector i per unit output of j).
  std::vector<std::vector<double>> technical;
  /// Share of each yuan of fund spent as final demand in the year it is spent.
  double spend_share = 0;
};

/// Comparison used by a target.
enum class Op { Greater, GreaterEqual, Less, LessEqual };
const char* op_symbol(Op op);  // ">", ">=", "<", "<="

/// A target: indicator (or sector series) in a year compared with a threshold.
struct TargetSpec {
  std::string id;
  std::string label_en;
  std::string label_zh;
  std::string
      indicator;  ///< an indicator name, or "<series>.<sector>" (e.g. "revenue.software_it")
  int year = 0;   ///< the year the target is judged in
  Op op = Op::Greater;
  double threshold = 0;
  /// If set, the indicator is divided by its value in this year first ("doubled": >= 2).
  std::optional<int> relative_to_year;
};

/// Run settings; command-line options override them and are recorded in output.
struct RunSettings {
  std::uint64_t draws = 10000;
  std::uint64_t seed = 20221014;
  Sampler sampler = Sampler::MonteCarlo;
  /// Independently scrambled replicates of a Sobol run, in [2, 1024]; their
  /// spread gives the standard error (docs/sampling.md).
  int replicates = 8;
};

/// One input file as read (the scenario and each file it extends).
struct SourceFile {
  std::string path;
  std::string text;
};

/// A number of the scenario and where it comes from, for reports.
struct Provenance {
  std::string key;    ///< key path, e.g. "sectors.finance.base.va"
  std::string value;  ///< the number (or prior) as written
  std::string kind;   ///< "source", "estimate" or "" when undocumented
  std::string note;   ///< the source citation or the estimate's reasoning
};

/// A complete scenario.
struct ScenarioSpec {
  std::string name;  ///< short identifier, used as the HDF5 group name
  std::string title_en;
  std::string title_zh;
  std::string description;
  int base_year = 0;  ///< observed year; simulation starts at base_year + 1
  int end_year = 0;   ///< last simulated year (>= base_year + 1)
  RegionSpec region;
  std::vector<SectorSpec> sectors;
  GlobalParams globals;
  /// Absorption curve shape: share of a release occupied k = 0, 1, ... years
  /// after release, before scaling by occupancy (sums to 1).
  std::vector<double> absorption;
  /// Correlation matrix of the yearly shocks, (n_sectors + 1)², the last row
  /// and column being the city; positive semi-definite, unit diagonal.
  std::vector<std::vector<double>> correlation;
  Levers levers;
  DemandSpec demand;
  std::vector<TargetSpec> targets;
  RunSettings run;
  std::vector<SourceFile> files;  ///< files[0] is the scenario, then its bases
  std::vector<Provenance> provenance;

  int n_years() const { return end_year - base_year + 1; }
  int n_sectors() const { return static_cast<int>(sectors.size()); }
};

}  // namespace sectorsim::core
