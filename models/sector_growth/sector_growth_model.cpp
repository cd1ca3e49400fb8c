#include "models/sector_growth/sector_growth_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include <Eigen/Dense>

#include "engine/sampling/fastmath.hpp"

namespace sectorsim::models {

namespace {

// Sector parameter indices, in the declaration's order.
enum SectorParam {
  TFP = 0,
  ALPHA,
  GAMMA,
  BETA,
  LABOUR_GROWTH,
  DELTA,
  KAPPA,
  IOTA,
  LEVERAGE,
  SIGMA,
  VOL,
  TAU
};
// Region-wide parameter indices, in the declaration's order (after the sector ones).
enum GlobalParam {
  PI = 0,
  RHO,
  G_CITY,
  CITY_VOL,
  OCCUPANCY,
  PLOT_RATIO,
  BUILD_LAG,
  FUND_LAG,
  ADDITIONALITY,
  DISPLACEMENT,
  REVENUE_SHARE,
  SPACE_COST,
  LAND_COST,
  DISCOUNT_RATE
};
// Series indices, in the declaration's order (checked in the constructor).
enum Series {
  GDP = 0,
  SERVICE_VA,
  SERVICE_SHARE,
  MP_SHARE,
  TOTAL_TAX,
  SERVICE_TAX_SHARE,
  GDP_PER_KM2,
  CITY_GDP,
  AREA_RATIO,
  PILLARS,
  REAL_GDP,
  PV_COST,
  PV_REVENUE,
  VA,
  CAPITAL,
  SPACE,
  TAX,
  REVENUE,
  N_SERIES
};
constexpr const char* SERIES_ORDER[N_SERIES] = {"district_gdp",
                                                "service_va",
                                                "service_share",
                                                "modern_producer_share",
                                                "total_tax",
                                                "service_tax_share",
                                                "gdp_per_km2",
                                                "city_gdp",
                                                "area_output_ratio",
                                                "pillar_count",
                                                "real_district_gdp",
                                                "pv_public_cost",
                                                "pv_district_revenue",
                                                "va",
                                                "capital",
                                                "space",
                                                "tax",
                                                "revenue"};

void require(bool ok, const std::string& msg) {
  if (!ok) throw std::invalid_argument("sector_growth: " + msg);
}

// Splits a fractional lag into whole years and the share delayed one more year.
inline void split_lag(double lag, int& whole, double& frac) {
  const double f = std::floor(lag);
  whole = static_cast<int>(f);
  frac = lag - f;
}

// Capital and floor space of one sector-year, and the ratios whose logs drive
// output (restrict: every row is a distinct array, so the loop vectorises).
void step_stocks(std::size_t n, const double* __restrict iota, const double* __restrict yy,
                 const double* __restrict defl_prev, const double* __restrict lev,
                 const double* __restrict add, const double* __restrict fund,
                 const double* __restrict defl_now, const double* __restrict delta,
                 const double* __restrict sigma, double sshare, const double* __restrict as,
                 double lshare, const double* __restrict al, double* __restrict kk,
                 double* __restrict ss, double* __restrict dlnk, double* __restrict dlns) {
  for (std::size_t l = 0; l < n; ++l) {
    // Only the additional share of the fund buys investment that would not
    // have happened anyway; the rest is deadweight.
    const double invest = iota[l] * yy[l] * defl_prev[l] + add[l] * lev[l] * fund[l] * defl_now[l];
    const double k_new = (1.0 - delta[l]) * kk[l] + invest;
    const double s_new = ss[l] * (1.0 + sigma[l]) + sshare * as[l] + lshare * al[l];
    dlnk[l] = k_new / kk[l];
    dlns[l] = s_new / ss[l];
    kk[l] = k_new;
    ss[l] = s_new;
  }
}

// AR(1) shock and log output of one sector-year.
void step_output(std::size_t n, const double* __restrict rho, const double* __restrict vol,
                 const double* __restrict uj, const double* __restrict tfp,
                 const double* __restrict pi, const double* __restrict alpha,
                 const double* __restrict dlnk, const double* __restrict gamma,
                 const double* __restrict dlns, const double* __restrict beta,
                 const double* __restrict lg, double* __restrict ee, double* __restrict ly) {
  for (std::size_t l = 0; l < n; ++l) {
    ee[l] = rho[l] * ee[l] + vol[l] * uj[l];
    ly[l] += tfp[l] + pi[l] + alpha[l] * dlnk[l] + gamma[l] * dlns[l] + beta[l] * lg[l] + ee[l];
  }
}

// One sector's cells of a year and its share of the sums. Every row is a
// distinct array: restrict lets the loop vectorise without alias checks.
void write_sector(std::size_t n, const double* __restrict y, const double* __restrict k,
                  const double* __restrict s, const double* __restrict tau, double d,
                  double inv_ratio, double svc_w, const double* __restrict mp_w,
                  double pillar_threshold, double* __restrict va, double* __restrict cap,
                  double* __restrict spc, double* __restrict tx, double* __restrict rev,
                  double* __restrict gdp, double* __restrict svc, double* __restrict mp,
                  double* __restrict tax, double* __restrict svc_tax, double* __restrict pillars) {
  for (std::size_t l = 0; l < n; ++l) {
    const double v = y[l] + d;
    const double tv = tau[l] * v;
    va[l] = v;
    cap[l] = k[l];
    spc[l] = s[l];
    tx[l] = tv;
    rev[l] = v * inv_ratio;
    gdp[l] += v;
    svc[l] += svc_w * v;
    mp[l] += mp_w[l] * v;
    tax[l] += tv;
    svc_tax[l] += svc_w * tv;
    pillars[l] += v > pillar_threshold ? 1.0 : 0.0;
  }
}

// The sum of xs correctly rounded (Shewchuk's partials, as Python's
// math.fsum): the base year's aggregates are data, and 1000 + 445.9 + ... in
// floating-point order gives 2630.2000000000007 where the data say 2630.2.
double exact_sum(const std::vector<double>& xs) {
  std::vector<double> partials;
  for (double x : xs) {
    std::size_t i = 0;
    for (double y : partials) {
      if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
      const double hi = x + y;
      const double lo = y - (hi - x);
      if (lo != 0.0) partials[i++] = lo;
      x = hi;
    }
    partials.resize(i);
    partials.push_back(x);
  }
  if (partials.empty()) return 0.0;
  std::size_t n = partials.size() - 1;
  double hi = partials[n], lo = 0.0;
  while (n > 0) {
    const double x = hi;
    const double y = partials[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo != 0.0) break;
  }
  // Round half to even across the partials left (as fsum does).
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const double y = lo * 2;
    const double x = hi + y;
    if (y == x - hi) hi = x;
  }
  return hi;
}

// Phi(z), the standard normal distribution function, kept inside (0, 1).
double unit_of(double z) {
  return std::clamp(core::normal_cdf(z), 0x1.0p-60, 1.0 - 0x1.0p-53);
}

// The smallest k with P(K <= k) >= u for K ~ Poisson(mu): the inverse
// distribution function, monotone in u, so that a stratified or
// quasi-random u stays so. The search stops where the remaining tail is
// below the rounding of u.
double poisson_quantile(double mu, double u) {
  if (!(mu > 0)) return 0;
  // Beyond exp(-mu)'s range the normal approximation with continuity
  // correction is used; the shipped rates are far below it.
  if (mu > 600) {
    const double q = mu + std::sqrt(mu) * core::normal_quantile(u) + 0.5;
    return std::max(0.0, std::floor(q));
  }
  double p = std::exp(-mu), cdf = p, k = 0;
  const double last = mu + 40 * std::sqrt(mu) + 40;
  while (cdf < u && k < last) {
    k += 1;
    p *= mu / k;
    cdf += p;
  }
  return k;
}

// The smallest k with P(K <= k) >= u for K ~ Binomial(trials, q), trials a
// whole number; the same search, from the side of the smaller probability.
double binomial_quantile(double trials, double q, double u) {
  if (!(trials > 0) || !(q > 0)) return 0;
  if (q >= 1) return trials;
  if (q > 0.5) return trials - binomial_quantile(trials, 1 - q, 1 - u);
  double p = std::pow(1 - q, trials), cdf = p, k = 0;
  if (p < 1e-300) {
    const double sd = std::sqrt(trials * q * (1 - q));
    const double x = std::floor(trials * q + sd * core::normal_quantile(u) + 0.5);
    return std::clamp(x, 0.0, trials);
  }
  const double odds = q / (1 - q);
  while (cdf < u && k < trials) {
    p *= (trials - k) / (k + 1) * odds;
    k += 1;
    cdf += p;
  }
  return k;
}

}  // namespace

SectorGrowthModel::SectorGrowthModel(const core::ScenarioSpec& spec)
    : n_sectors_(spec.n_sectors()), n_years_(spec.n_years()) {
  const SectorGrowthSpec& sg = sector_growth(spec);
  const core::ModelDeclaration& decl = sector_growth_declaration();
  const int n = n_sectors_;
  const std::size_t ny = static_cast<std::size_t>(n_years_);
  const std::size_t ns = static_cast<std::size_t>(n);
  require(n >= 1, "at least one sector is needed");
  require(n_years_ >= 2, "the horizon needs at least one simulated year");

  const auto& series = decl.series;
  require(series.size() == N_SERIES, "series catalogue changed");
  for (int i = 0; i < N_SERIES; ++i)
    require(series[i].name == SERIES_ORDER[i], "series order");
  std::vector<core::SeriesInfo> all_series = series;
  for (auto& extra : sg.extra_series())
    all_series.push_back(std::move(extra));
  layout_ = core::CellLayout(std::move(all_series), n_years_, n);

  require(sg.sectors.size() == spec.sectors.size(), "one block entry per sector");
  for (std::size_t i = 0; i < spec.sectors.size(); ++i) {
    const SectorData& sec = sg.sectors[i];
    const std::string& id = spec.sectors[i].id;
    for (int p = 0; p < N_SECTOR_PARAMS; ++p) {
      const auto& pd = decl.parameters[static_cast<std::size_t>(p)];
      params_.push_back({id + "." + pd.name, sector_param(sec.params, p), pd.block, pd.unit});
    }
    require(sec.base_va > 0, "base value added of '" + id + "' must be > 0");
    require(sec.base_space > 0, "base floor space of '" + id + "' must be > 0");
    require(sec.va_ratio > 0 && sec.va_ratio <= 1, "va_ratio of '" + id + "' not in (0, 1]");
    base_va_.push_back(sec.base_va);
    base_space_.push_back(sec.base_space);
    va_ratio_.push_back(sec.va_ratio);
    service_.push_back(sec.service ? 1 : 0);
  }
  for (int g = 0; g < N_GLOBAL_PARAMS; ++g) {
    const auto& pd = decl.parameters[static_cast<std::size_t>(N_SECTOR_PARAMS + g)];
    params_.push_back({pd.name, global_param(sg.globals, g), pd.block, pd.unit});
  }
  // The modern/producer weights: a value or a prior, from the flags where
  // the scenario gives none, 0 for a sector outside services.
  for (std::size_t i = 0; i < spec.sectors.size(); ++i) {
    const SectorData& sec = sg.sectors[i];
    const std::string& id = spec.sectors[i].id;
    const double flagged = sec.modern || sec.producer ? 1.0 : 0.0;
    Prior weight = sec.modern_producer_weight.value_or(Prior::fixed(flagged));
    if (!sec.service) weight = Prior::fixed(0.0);
    require(weight.quantile(0.0) >= 0 && weight.quantile(1.0) <= 1,
            "modern_producer_weight of '" + id + "' not in [0, 1]");
    weights_fixed_ = weights_fixed_ && weight.is_fixed();
    modern_producer_.push_back(weight.mean());
    params_.push_back({id + ".modern_producer_weight", weight, "classification", "1"});
  }
  // The count kinds' parameters, after the weights.
  for (const CountKind& kind : sg.counts) {
    const Prior* priors[N_COUNT_PARAMS] = {&kind.entry_rate, &kind.exit_rate, &kind.fund_effect,
                                           &kind.space_effect};
    for (int p = 0; p < N_COUNT_PARAMS; ++p)
      params_.push_back(
          {kind.id + "." + COUNT_PARAM_NAMES[p], *priors[p], "counts", COUNT_PARAM_UNITS[p]});
    require(kind.base >= 0 && kind.base == std::floor(kind.base),
            "the base count of '" + kind.id + "' must be a whole number >= 0");
    require(kind.driven_by.size() == ns, "count '" + kind.id + "' needs one flag per sector");
  }
  n_shocks_ = (n_years_ - 1) * (n + 1 + 2 * static_cast<int>(sg.counts.size()));
  // The levers' scales, after the counts' parameters: only for a lever whose
  // range the scenario gives, so that a scenario without draws what it drew.
  const std::optional<Prior>* scales[N_LEVERS] = {&sg.levers.fund_scale, &sg.levers.space_scale,
                                                  &sg.levers.land_scale};
  const char* lever_names[N_LEVERS] = {"funds.scale", "space.scale", "land.scale"};
  for (int k = 0; k < N_LEVERS; ++k) {
    if (!*scales[k]) continue;
    require((*scales[k])->quantile(0.0) >= 0, std::string(lever_names[k]) + " must be >= 0");
    scale_param_[k] = static_cast<int>(params_.size());
    params_.push_back({lever_names[k], **scales[k], "levers", "1"});
  }
  require(!(sg.demand.enabled && sg.levers.fund_scale),
          "the demand term cannot be used with a fund scale");

  const auto& lv = sg.levers;
  funds_.assign(ny * ns, 0.0);
  if (!lv.funds.empty()) {
    require(lv.funds.size() == ny, "funds need one row per year");
    for (std::size_t t = 0; t < ny; ++t) {
      require(lv.funds[t].size() == ns, "funds need one entry per sector");
      std::copy(lv.funds[t].begin(), lv.funds[t].end(), funds_.begin() + t * ns);
    }
  }
  auto per_year = [&](const std::vector<double>& v, const char* what) {
    if (v.empty()) return std::vector<double>(ny, 0.0);
    require(v.size() == ny, std::string(what) + " needs one entry per year");
    return v;
  };
  auto per_sector = [&](const std::vector<double>& v, const char* what) {
    if (v.empty()) return std::vector<double>(ns, 0.0);
    require(v.size() == ns, std::string(what) + " needs one entry per sector");
    return v;
  };
  space_release_ = per_year(lv.space_release, "space release");
  land_release_ = per_year(lv.land_release, "land release");
  space_share_ = per_sector(lv.space_share, "space share");
  land_share_ = per_sector(lv.land_share, "land share");
  // The cost side's deterministic parts: fund money spent each year, and the
  // space and land released up to each year (their opportunity cost runs
  // from release on).
  fund_total_.assign(ny, 0.0);
  space_released_.assign(ny, 0.0);
  land_released_.assign(ny, 0.0);
  for (std::size_t t = 0; t < ny; ++t) {
    for (std::size_t j = 0; j < ns; ++j)
      fund_total_[t] += funds_[t * ns + j];
    space_released_[t] = (t > 0 ? space_released_[t - 1] : 0.0) + space_release_[t];
    land_released_[t] = (t > 0 ? land_released_[t - 1] : 0.0) + land_release_[t];
  }
  absorption_ = sg.absorption.empty() ? std::vector<double>{1.0} : sg.absorption;

  area_km2_ = sg.region.area_km2;
  city_area_km2_ = sg.region.city_area_km2;
  city_base_gdp_ = sg.region.city_base_gdp;
  pillar_threshold_ = sg.region.pillar_threshold;
  require(area_km2_ > 0 && city_area_km2_ > 0 && city_base_gdp_ > 0, "region data must be > 0");

  // Shock factor: Cholesky of the correlation matrix; a positive
  // semi-definite but singular matrix gets its symmetric square root.
  const int m = n + 1;
  Eigen::MatrixXd c = Eigen::MatrixXd::Identity(m, m);
  if (!sg.correlation.empty()) {
    require(sg.correlation.size() == static_cast<std::size_t>(m), "correlation size");
    for (int i = 0; i < m; ++i) {
      require(sg.correlation[i].size() == static_cast<std::size_t>(m), "correlation size");
      for (int j = 0; j < m; ++j)
        c(i, j) = sg.correlation[i][j];
    }
  }
  Eigen::MatrixXd f;
  Eigen::LLT<Eigen::MatrixXd> llt(c);
  if (llt.info() == Eigen::Success) {
    f = llt.matrixL();
  } else {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(c);
    const Eigen::VectorXd ev = es.eigenvalues().cwiseMax(0.0).cwiseSqrt();
    f = es.eigenvectors() * ev.asDiagonal() * es.eigenvectors().transpose();
  }
  factor_.resize(static_cast<std::size_t>(m * m));
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j)
      factor_[static_cast<std::size_t>(i * m + j)] = f(i, j);

  // Input-output demand term: value added v o (I - A)^-1 (F * spend_share),
  // a transient level effect in the year the money is spent.
  demand_va_.assign(ny * ns, 0.0);
  if (sg.demand.enabled) {
    require(sg.demand.technical.size() == ns, "technical matrix size");
    Eigen::MatrixXd a(n, n);
    for (int i = 0; i < n; ++i) {
      require(sg.demand.technical[i].size() == ns, "technical matrix size");
      for (int j = 0; j < n; ++j)
        a(i, j) = sg.demand.technical[i][j];
    }
    const Eigen::MatrixXd leontief = (Eigen::MatrixXd::Identity(n, n) - a).inverse();
    for (std::size_t t = 1; t < ny; ++t) {
      Eigen::VectorXd fd(n);
      for (int s = 0; s < n; ++s)
        fd(s) = funds_[t * ns + s] * sg.demand.spend_share;
      const Eigen::VectorXd x = leontief * fd;
      for (int s = 0; s < n; ++s)
        demand_va_[t * ns + s] = va_ratio_[s] * x(s);
    }
  }
  // What drives each count kind's entries: the fund money spent and the
  // floor space released in its sectors, year by year.
  for (std::size_t kc = 0; kc < sg.counts.size(); ++kc) {
    const CountKind& kind = sg.counts[kc];
    Count count;
    count.base = kind.base;
    count.fund.assign(ny, 0.0);
    count.space.assign(ny, 0.0);
    for (std::size_t t = 0; t < ny; ++t) {
      for (std::size_t j = 0; j < ns; ++j) {
        if (!kind.driven_by[j]) continue;
        count.fund[t] += funds_[t * ns + j];
        count.space[t] += space_release_[t] * space_share_[j];
      }
    }
    count.series = N_SERIES + 2 * static_cast<int>(kc);
    counts_.push_back(std::move(count));
  }
  fix_base_year();
}

void SectorGrowthModel::fix_base_year() {
  // The base year's indicators that are data alone (not the taxes, whose
  // rates are drawn): each sum correctly rounded, each ratio one division.
  const std::size_t ns = static_cast<std::size_t>(n_sectors_);
  std::vector<double> va(ns), svc(ns), mp(ns);
  for (std::size_t j = 0; j < ns; ++j) {
    va[j] = base_va_[j] + demand_va_[j];
    svc[j] = service_[j] * va[j];
    mp[j] = modern_producer_[j] * va[j];
  }
  base_.gdp = exact_sum(va);
  base_.service_va = exact_sum(svc);
  base_.service_share = base_.service_va / base_.gdp;
  base_.mp_share = exact_sum(mp) / base_.service_va;
  base_.per_km2 = base_.gdp / area_km2_;
  base_.area_ratio = base_.per_km2 / (city_base_gdp_ / city_area_km2_);
}

std::size_t SectorGrowthModel::workspace_size(std::size_t n) const {
  const std::size_t ns = static_cast<std::size_t>(n_sectors_);
  const std::size_t ny = static_cast<std::size_t>(n_years_);
  // lnY, Y, K, S, e per sector; correlated shocks; city; land completions and
  // absorbed space (two kinds) per year; five rows of scratch (fund, the two
  // deflators of a year, and the two log arguments of a sector-year).
  return n * (5 * ns + (ns + 1) + 1 + 3 * ny + 5);
}

void SectorGrowthModel::simulate(const core::BatchIn& in, const core::BatchOut& out,
                                 double* workspace) const {
  const std::size_t n = in.n, st = in.stride;
  const std::size_t ns = static_cast<std::size_t>(n_sectors_);
  const std::size_t ny = static_cast<std::size_t>(n_years_);
  const std::size_t m = ns + 1;
  auto prm = [&](int j) { return in.params + static_cast<std::size_t>(j) * st; };
  auto sp = [&](std::size_t s, int p) { return prm(sector_param_index(static_cast<int>(s), p)); };
  auto gp = [&](int g) { return prm(global_param_index(g)); };

  double* w = workspace;
  auto take = [&](std::size_t rows) {
    double* p = w;
    w += rows * n;
    return p;
  };
  double* ln_y = take(ns);
  double* y = take(ns);
  double* k = take(ns);
  double* s = take(ns);
  double* e = take(ns);
  double* u = take(m);
  double* city = take(1);
  double* done_land = take(ny);  // floor space completed on released land, by year
  double* abs_space = take(ny);  // absorbed released space, by year
  double* abs_land = take(ny);   // absorbed space built on released land, by year
  double* fund = take(1);        // lagged fund of one sector-year
  double* defl_prev = take(1);   // 1 / price index of the year before, exp(-(t-1) pi)
  double* defl_now = take(1);    // 1 / price index of the year, exp(-t pi): one exp a year
  double* dlnk = take(1);        // capital ratio, then its logarithm
  double* dlns = take(1);        // space ratio, then its logarithm
  auto row = [n](double* base, std::size_t i) { return base + i * n; };

  // Land: floor space = land * plot ratio, completed after the construction
  // lag (a fractional lag splits the space between two years).
  const double* plot = gp(PLOT_RATIO);
  const double* build_lag = gp(BUILD_LAG);
  const double* occ = gp(OCCUPANCY);
  const double* displaced = gp(DISPLACEMENT);
  // A lever's scale multiplies its amounts draw by draw (by 1 exactly where
  // the scenario gives none).
  const double* fund_scale = lever_scale(in.params, st, FUND_LEVER);
  const double* space_scale = lever_scale(in.params, st, SPACE_LEVER);
  const double* land_scale = lever_scale(in.params, st, LAND_LEVER);
  std::fill(done_land, done_land + ny * n, 0.0);
  for (std::size_t r = 0; r < ny; ++r) {
    if (land_release_[r] == 0) continue;
    for (std::size_t l = 0; l < n; ++l) {
      int whole;
      double frac;
      split_lag(build_lag[l], whole, frac);
      const double space = land_release_[r] * (land_scale ? land_scale[l] : 1.0) * plot[l];
      const std::size_t t0 = r + static_cast<std::size_t>(whole);
      if (t0 < ny) done_land[t0 * n + l] += (1.0 - frac) * space;
      if (t0 + 1 < ny) done_land[(t0 + 1) * n + l] += frac * space;
    }
  }
  // Absorption: a(k) = occupancy * shape[k] of a release is occupied k years on.
  for (std::size_t t = 0; t < ny; ++t) {
    double* as = row(abs_space, t);
    double* al = row(abs_land, t);
    std::fill(as, as + n, 0.0);
    std::fill(al, al + n, 0.0);
    for (std::size_t r = 0; r <= t; ++r) {
      if (t - r >= absorption_.size()) continue;
      const double a = absorption_[t - r];
      const double rel = space_release_[r] * a;
      const double* dl = row(done_land, r);
      // Firms moving in from elsewhere in the district leave their old
      // space empty: only the rest of the occupied release is new.
      for (std::size_t l = 0; l < n; ++l) {
        const double net = occ[l] * (1.0 - displaced[l]);
        as[l] += rel * (space_scale ? space_scale[l] : 1.0) * net;
        al[l] += dl[l] * a * net;
      }
    }
  }

  // Base year: observed data.
  for (std::size_t j = 0; j < ns; ++j) {
    const double* kappa = sp(j, KAPPA);
    double *ly = row(ln_y, j), *yy = row(y, j), *kk = row(k, j), *ss = row(s, j), *ee = row(e, j);
    const double lv = std::log(base_va_[j]);
    for (std::size_t l = 0; l < n; ++l) {
      ly[l] = lv;
      yy[l] = base_va_[j];
      kk[l] = kappa[l] * base_va_[j];
      ss[l] = base_space_[j];
      ee[l] = 0.0;
    }
  }
  std::fill(city, city + n, city_base_gdp_);
  std::fill(defl_now, defl_now + n, 1.0);  // the base year's prices

  write_year(0, n, y, k, s, city, defl_now, in.params, st, out);

  const double* pi = gp(PI);
  const double* rho = gp(RHO);
  const double* g_city = gp(G_CITY);
  const double* city_vol = gp(CITY_VOL);
  const double* fund_lag = gp(FUND_LAG);
  const double* additional = gp(ADDITIONALITY);
  for (std::size_t t = 1; t < ny; ++t) {
    // Capital is real (base-year prices): this year's investment is last
    // year's value added and this year's fund money, each over its price
    // index, so that the price path moves nominal values only. Last year's
    // deflator is the one computed then.
    std::swap(defl_prev, defl_now);
    for (std::size_t l = 0; l < n; ++l)
      defl_now[l] = -static_cast<double>(t) * pi[l];
    core::exp_many(defl_now, defl_now, n);
    // Correlated shocks u = F z for this year.
    const double* z = in.shocks + (t - 1) * m * st;
    for (std::size_t i = 0; i < m; ++i) {
      double* ui = row(u, i);
      std::fill(ui, ui + n, 0.0);
      for (std::size_t j = 0; j < m; ++j) {
        const double f = factor_[i * m + j];
        if (f == 0.0) continue;
        const double* zj = z + j * st;
        for (std::size_t l = 0; l < n; ++l)
          ui[l] += f * zj[l];
      }
    }
    for (std::size_t j = 0; j < ns; ++j) {
      const double *tfp = sp(j, TFP), *alpha = sp(j, ALPHA), *gamma = sp(j, GAMMA),
                   *beta = sp(j, BETA), *lg = sp(j, LABOUR_GROWTH), *delta = sp(j, DELTA),
                   *iota = sp(j, IOTA), *lev = sp(j, LEVERAGE), *sigma = sp(j, SIGMA),
                   *vol = sp(j, VOL);
      double *ly = row(ln_y, j), *yy = row(y, j), *kk = row(k, j), *ss = row(s, j), *ee = row(e, j);
      const double* uj = row(u, j);
      const double* as = row(abs_space, t);
      const double* al = row(abs_land, t);
      const double sshare = space_share_[j], lshare = land_share_[j];
      // The lagged fund needs a table look-up per lane: a loop of its own, so
      // that the arithmetic below vectorises.
      for (std::size_t l = 0; l < n; ++l) {
        int whole;
        double frac;
        split_lag(fund_lag[l], whole, frac);
        const std::ptrdiff_t t0 = static_cast<std::ptrdiff_t>(t) - whole;
        const double f0 = t0 >= 0 ? funds_[static_cast<std::size_t>(t0) * ns + j] : 0.0;
        const double f1 = t0 >= 1 ? funds_[static_cast<std::size_t>(t0 - 1) * ns + j] : 0.0;
        fund[l] = ((1.0 - frac) * f0 + frac * f1) * (fund_scale ? fund_scale[l] : 1.0);
      }
      step_stocks(n, iota, yy, defl_prev, lev, additional, fund, defl_now, delta, sigma, sshare, as,
                  lshare, al, kk, ss, dlnk, dlns);
      // Project-owned log and exp (engine/sampling/fastmath.hpp): vectorised, and
      // the same bits on every machine.
      core::log_many(dlnk, dlnk, n);
      core::log_many(dlns, dlns, n);
      step_output(n, rho, vol, uj, tfp, pi, alpha, dlnk, gamma, dlns, beta, lg, ee, ly);
      core::exp_many(ly, yy, n);
    }
    const double* uc = row(u, ns);
    // The city's prices grow by the district's deflator (one price path a
    // draw): the ratio of district to city carries no price of its own.
    for (std::size_t l = 0; l < n; ++l)
      fund[l] = g_city[l] + pi[l] + city_vol[l] * uc[l];
    core::exp_many(fund, fund, n);
    for (std::size_t l = 0; l < n; ++l)
      city[l] *= fund[l];
    write_year(static_cast<int>(t), n, y, k, s, city, defl_now, in.params, st, out);
  }
  if (!counts_.empty()) simulate_counts(in, out);
}

void SectorGrowthModel::simulate_counts(const core::BatchIn& in, const core::BatchOut& out) const {
  const std::size_t n = in.n, st = in.stride;
  const std::size_t ny = static_cast<std::size_t>(n_years_);
  const std::size_t kinds = counts_.size();
  // The counts' shocks follow the sectors' and the city's of every year.
  const double* z0 = in.shocks + (ny - 1) * static_cast<std::size_t>(n_sectors_ + 1) * st;
  for (std::size_t c = 0; c < kinds; ++c) {
    const Count& count = counts_[c];
    auto param = [&](int p) {
      return in.params + static_cast<std::size_t>(count_param_index(static_cast<int>(c), p)) * st;
    };
    const double *rate = param(0), *exit = param(1), *fund_effect = param(2),
                 *space_effect = param(3);
    const double* fund_scale = lever_scale(in.params, st, FUND_LEVER);
    const double* space_scale = lever_scale(in.params, st, SPACE_LEVER);
    auto cell = [&](int series, std::size_t t) {
      return out.values +
             static_cast<std::size_t>(layout_.cell(series, static_cast<int>(t))) * out.stride;
    };
    for (std::size_t l = 0; l < n; ++l) {
      double stock = count.base, entered = 0;
      cell(count.series, 0)[l] = stock;
      cell(count.series + 1, 0)[l] = 0;
      for (std::size_t t = 1; t < ny; ++t) {
        const double* z = z0 + ((t - 1) * kinds + c) * 2 * st;
        const double f = count.fund[t] * (fund_scale ? fund_scale[l] : 1.0);
        const double sp = count.space[t] * (space_scale ? space_scale[l] : 1.0);
        const double lift = std::max(0.0, 1.0 + fund_effect[l] * f + space_effect[l] * sp);
        const double entries = poisson_quantile(rate[l] * lift, unit_of(z[l]));
        const double exits = binomial_quantile(stock, exit[l], unit_of(z[st + l]));
        stock += entries - exits;
        entered += entries;
        cell(count.series, t)[l] = stock;
        cell(count.series + 1, t)[l] = entered;
      }
    }
  }
}

void SectorGrowthModel::write_year(int t, std::size_t n, const double* y, const double* k,
                                   const double* s, const double* city, const double* deflator,
                                   const double* params, std::size_t pstride,
                                   const core::BatchOut& out) const {
  const std::size_t ns = static_cast<std::size_t>(n_sectors_);
  auto cell = [&](int series, std::size_t sector = 0) {
    return out.values +
           static_cast<std::size_t>(layout_.cell(series, t, static_cast<int>(sector))) * out.stride;
  };
  double *gdp = cell(GDP), *svc = cell(SERVICE_VA), *mp = cell(MP_SHARE), *tax = cell(TOTAL_TAX),
         *svc_tax = cell(SERVICE_TAX_SHARE), *pillars = cell(PILLARS);
  for (double* p : {gdp, svc, mp, tax, svc_tax, pillars})
    std::fill(p, p + n, 0.0);
  const double* demand = demand_va_.data() + static_cast<std::size_t>(t) * ns;
  for (std::size_t j = 0; j < ns; ++j) {
    const double* tau =
        params + static_cast<std::size_t>(sector_param_index(static_cast<int>(j), TAU)) * pstride;
    double *va = cell(VA, j), *cap = cell(CAPITAL, j), *spc = cell(SPACE, j), *tx = cell(TAX, j),
           *rev = cell(REVENUE, j);
    const double d = demand[j], inv_ratio = 1.0 / va_ratio_[j];
    const double svc_w = service_[j];
    const double* mp_w =
        params + static_cast<std::size_t>(weight_param_index(static_cast<int>(j))) * pstride;
    write_sector(n, y + j * n, k + j * n, s + j * n, tau, d, inv_ratio, svc_w, mp_w,
                 pillar_threshold_, va, cap, spc, tx, rev, gdp, svc, mp, tax, svc_tax, pillars);
  }
  double *share = cell(SERVICE_SHARE), *per_km2 = cell(GDP_PER_KM2), *cg = cell(CITY_GDP),
         *ratio = cell(AREA_RATIO);
  for (std::size_t l = 0; l < n; ++l) {
    share[l] = svc[l] / gdp[l];
    mp[l] = mp[l] / svc[l];
    svc_tax[l] = svc_tax[l] / tax[l];
    per_km2[l] = gdp[l] / area_km2_;
    cg[l] = city[l];
    ratio[l] = per_km2[l] / (city[l] / city_area_km2_);
  }
  if (t == 0) {
    // Data, not draws: the correctly rounded values (fix_base_year).
    std::fill(gdp, gdp + n, base_.gdp);
    std::fill(svc, svc + n, base_.service_va);
    std::fill(share, share + n, base_.service_share);
    // The weights are data only where they are values.
    if (weights_fixed_) std::fill(mp, mp + n, base_.mp_share);
    std::fill(per_km2, per_km2 + n, base_.per_km2);
    std::fill(ratio, ratio + n, base_.area_ratio);
  }
  // Real district GDP: nominal over the year's price index exp(t pi).
  double* real_gdp = cell(REAL_GDP);
  for (std::size_t l = 0; l < n; ++l)
    real_gdp[l] = gdp[l] * deflator[l];
  write_appraisal(t, n, tax, deflator, params, pstride, out);
}

void SectorGrowthModel::write_appraisal(int t, std::size_t n, const double* tax,
                                        const double* deflator, const double* params,
                                        std::size_t pstride, const core::BatchOut& out) const {
  auto cell = [&](int series, int year) {
    return out.values + static_cast<std::size_t>(layout_.cell(series, year, 0)) * out.stride;
  };
  auto gp = [&](int g) {
    return params + static_cast<std::size_t>(global_param_index(g)) * pstride;
  };
  double *pv_cost = cell(PV_COST, t), *pv_revenue = cell(PV_REVENUE, t);
  if (t == 0) {
    // Present values count the years after the base year.
    for (double* p : {pv_cost, pv_revenue})
      std::fill(p, p + n, 0.0);
    return;
  }
  const double *share = gp(REVENUE_SHARE), *space_cost = gp(SPACE_COST), *land_cost = gp(LAND_COST),
               *rate = gp(DISCOUNT_RATE);
  // Discount factor (1 + r)^-t, through the project's log and exp (the same
  // bits on every machine), held in pv_revenue until its lane is summed.
  double* discount = pv_revenue;
  for (std::size_t l = 0; l < n; ++l)
    discount[l] = 1.0 + rate[l];
  core::log_many(discount, discount, n);
  for (std::size_t l = 0; l < n; ++l)
    discount[l] *= -static_cast<double>(t);
  core::exp_many(discount, discount, n);
  const std::size_t ty = static_cast<std::size_t>(t);
  const double fund = fund_total_[ty], space = space_released_[ty], land = land_released_[ty];
  const double* fund_scale = lever_scale(params, pstride, FUND_LEVER);
  const double* space_scale = lever_scale(params, pstride, SPACE_LEVER);
  const double* land_scale = lever_scale(params, pstride, LAND_LEVER);
  const double *prev_cost = cell(PV_COST, t - 1), *prev_revenue = cell(PV_REVENUE, t - 1);
  for (std::size_t l = 0; l < n; ++l) {
    // Nominal to base-year prices, then discounted to the base year.
    const double real = deflator[l] * discount[l];
    const double cost = fund * (fund_scale ? fund_scale[l] : 1.0) +
                        space_cost[l] * (space * (space_scale ? space_scale[l] : 1.0)) +
                        land_cost[l] * (land * (land_scale ? land_scale[l] : 1.0));
    pv_cost[l] = prev_cost[l] + cost * real;
    pv_revenue[l] = prev_revenue[l] + share[l] * tax[l] * real;
  }
}

}  // namespace sectorsim::models
