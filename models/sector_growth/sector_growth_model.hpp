// The sector-growth model of docs/model.md: capital with fund leverage and lag,
// floor space from released space and land with absorption, growth accounting
// with AR(1) shocks correlated across sectors and the city, tax, and the
// indicators of section 3. Reads a ScenarioSpec; fills structure-of-arrays
// batches. Covered by tests/test_model.cpp (the checks of docs/model.md, Checks).
#pragma once

#include <vector>

#include "engine/spec/model.hpp"
#include "engine/spec/scenario_spec.hpp"
#include "models/sector_growth/sector_growth_spec.hpp"

namespace sectorsim::models {

class SectorGrowthModel : public core::Model {
 public:
  /// Throws std::invalid_argument if the spec is inconsistent (sizes, ranges).
  explicit SectorGrowthModel(const core::ScenarioSpec& spec);

  const core::ModelDeclaration& declaration() const override { return sector_growth_declaration(); }
  const std::vector<core::ParameterInfo>& parameters() const override { return params_; }
  /// The sectors' and the city's shocks, year by year, then two a year for
  /// each count kind (its entries, its exits).
  int n_shocks() const override { return n_shocks_; }
  const core::CellLayout& layout() const override { return layout_; }
  std::size_t workspace_size(std::size_t n) const override;
  void simulate(const core::BatchIn& in, const core::BatchOut& out,
                double* workspace) const override;

  /// Index of sector s's parameter p (p indexes SectorParams, in declaration order).
  int sector_param_index(int s, int p) const { return s * N_SECTOR_PARAMS + p; }
  /// Index of region-wide parameter g (g indexes GlobalParams, in declaration order).
  int global_param_index(int g) const { return n_sectors_ * N_SECTOR_PARAMS + g; }
  /// Index of sector s's modern/producer weight: after the region-wide
  /// parameters, so that adding them moved no other parameter.
  int weight_param_index(int s) const { return n_sectors_ * N_SECTOR_PARAMS + N_GLOBAL_PARAMS + s; }
  /// Index of count kind k's parameter p (p indexes COUNT_PARAM_NAMES): after
  /// the weights, so that counting moves no other parameter.
  int count_param_index(int k, int p) const {
    return n_sectors_ * (N_SECTOR_PARAMS + 1) + N_GLOBAL_PARAMS + k * N_COUNT_PARAMS + p;
  }
  /// Shock factor applied to N(0,1) variates: lower Cholesky factor of the
  /// correlation matrix (or a symmetric square root when it is singular).
  const std::vector<double>& shock_factor() const { return factor_; }

 private:
  // Writes every cell of year index t; y, k, s hold one row of n lanes per sector.
  /// Writes year t's cells; `deflator` is 1 / the year's price index, exp(-t pi).
  void write_year(int t, std::size_t n, const double* y, const double* k, const double* s,
                  const double* city, const double* deflator, const double* params,
                  std::size_t pstride, const core::BatchOut& out) const;
  /// Writes year t's cost side (MODEL.md 8.3) from its tax cell: the
  /// present values so far of public cost and district revenue.
  void write_appraisal(int t, std::size_t n, const double* tax, const double* deflator,
                       const double* params, std::size_t pstride, const core::BatchOut& out) const;

  /// Draws the enterprise counts (MODEL.md 8.8) of every year into their cells.
  void simulate_counts(const core::BatchIn& in, const core::BatchOut& out) const;

  int n_sectors_ = 0;
  int n_years_ = 0;
  int n_shocks_ = 0;
  // A count kind: its base stock, the fund money and released space driving
  // its entries each year, and its stock's series index.
  struct Count {
    double base = 0;
    std::vector<double> fund, space;  // [year]
    int series = 0;
  };
  std::vector<Count> counts_;
  // The levers' scale parameters (Levers::fund_scale...): their index in a
  // draw's parameters, -1 for a lever without one.
  enum LeverIndex { FUND_LEVER = 0, SPACE_LEVER, LAND_LEVER, N_LEVERS };
  int scale_param_[N_LEVERS] = {-1, -1, -1};
  /// The row of lever k's scale in a batch's parameters, or null.
  const double* lever_scale(const double* params, std::size_t stride, int k) const {
    return scale_param_[k] < 0 ? nullptr
                               : params + static_cast<std::size_t>(scale_param_[k]) * stride;
  }
  core::CellLayout layout_;
  std::vector<core::ParameterInfo> params_;
  // Scenario data, flattened.
  std::vector<double> base_va_, base_space_, va_ratio_;
  std::vector<unsigned char> service_;
  std::vector<double> modern_producer_;  // weight of each sector at its prior's mean
  bool weights_fixed_ = true;      // every weight a fixed value: the base year's share is data
  std::vector<double> funds_;      // [year][sector]
  std::vector<double> demand_va_;  // [year][sector], input-output term
  // The base year's indicators that are data alone, correctly rounded.
  struct BaseYear {
    double gdp = 0, service_va = 0, service_share = 0, mp_share = 0, per_km2 = 0, area_ratio = 0;
  } base_;
  void fix_base_year();
  std::vector<double> space_release_, land_release_;    // [year]
  std::vector<double> space_share_, land_share_;        // [sector]
  std::vector<double> fund_total_;                      // [year] fund money spent
  std::vector<double> space_released_, land_released_;  // [year] released so far
  std::vector<double> absorption_;                      // shape by years since release
  std::vector<double> factor_;                          // [(n+1) * (n+1)] row-major
  double area_km2_ = 0, city_area_km2_ = 0, city_base_gdp_ = 0, pillar_threshold_ = 0;
};

}  // namespace sectorsim::models
