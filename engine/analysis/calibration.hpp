// Estimators that turn published yearly series into priors (MODEL.md 8.4):
// mean rates with their standard errors, the deflator implied by nominal
// levels and real growth, AR(1) persistence, and a shock covariance shrunk
// towards constant correlation (Ledoit and Wolf 2004), because ten years
// cannot pin down a ten-by-ten matrix. Pure functions of the data: no YAML,
// no files. Missing years are NaN and are skipped where a formula allows.
// Covered by tests/test_calibration.cpp (a simulated panel whose
// volatilities, correlation and persistence they recover within their
// standard errors, and closed-form cases).
#pragma once

#include <cstddef>
#include <vector>

namespace sectorsim::analysis {

/// An estimate, its standard error and the observations behind it.
struct Estimate {
  double value = 0;
  double std_error = 0;
  std::size_t n = 0;
};

/// The mean of the finite entries of `rates` and its standard error
/// (sample sd / sqrt(n)); NaN entries are missing years. Needs n >= 2.
Estimate mean_rate(const std::vector<double>& rates);

/// The sample standard deviation of the finite entries of `x` (n - 1), with
/// its standard error under normality, sd / sqrt(2 (n - 1)). Needs n >= 2.
Estimate sample_sd(const std::vector<double>& x);

/// How much wider a Student t with `dof` degrees of freedom is than the
/// normal at the 5% and 95% points: t(0.95, dof) / z(0.95). A prior written
/// as a normal whose spread was estimated from few years takes this factor
/// so that its 90% interval is the t interval (dof >= 1).
double student_t_widening(std::size_t dof);

/// Growth rates with a linear drift, forecast: the least-squares line
/// x[t] = a + b t through the finite entries (t the index), evaluated at the
/// mean of the `horizon` years after the last index; `line_se` is the
/// standard error of that point of the line, `residual_sd` the residuals'
/// sd (n - 2 degrees of freedom). Needs n >= 3 finite values.
struct DriftForecast {
  double value = 0;        ///< the line at the horizon's middle year
  double line_se = 0;      ///< its standard error
  double slope = 0;        ///< b, per year
  double slope_se = 0;     ///< its standard error
  double residual_sd = 0;  ///< about the line
  std::size_t n = 0;
};
DriftForecast drift_forecast(const std::vector<double>& x, int horizon);

/// Yearly rates of an index from its levels: levels[t] / levels[t-1] - 1
/// (entry 0, and any year next to a missing level, is NaN).
std::vector<double> growth_from_levels(const std::vector<double>& levels);

/// The deflator implied by nominal levels and real growth (both by year,
/// real growth as a rate, 0.034 for 3.4%): (L[t] / L[t-1]) / (1 + r[t]) - 1,
/// NaN where a term is missing.
std::vector<double> implied_deflator(const std::vector<double>& levels,
                                     const std::vector<double>& real_growth);

/// The AR(1) coefficient of `x` about its mean (least squares of x[t] - m on
/// x[t-1] - m over consecutive finite pairs), with its standard error.
Estimate ar1(const std::vector<double>& x);

/// A covariance estimated from a T x N panel (row-major: panel[t * n + i]),
/// rows with any NaN left out, and its shrinkage towards constant
/// correlation: shrunk = intensity * target + (1 - intensity) * sample, the
/// intensity Ledoit and Wolf's (2004) estimate of the one minimising the
/// expected squared error, clamped to [0, 1]. Matrices are N x N row-major.
struct ShrunkCovariance {
  std::size_t n = 0;                ///< series
  std::size_t rows = 0;             ///< complete rows used (T)
  std::vector<double> sample;       ///< sample covariance (divided by T, as Ledoit-Wolf)
  std::vector<double> target;       ///< the sample variances with the mean correlation
  std::vector<double> shrunk;       ///< the estimate
  double mean_correlation = 0;      ///< r-bar, the target's correlation
  double intensity = 0;             ///< weight of the target, [0, 1]
  std::vector<double> sd;           ///< sqrt of the shrunk diagonal
  std::vector<double> correlation;  ///< the shrunk correlation matrix
};

/// Needs at least 3 complete rows and 2 series; throws std::invalid_argument
/// otherwise, or if a series is constant.
ShrunkCovariance shrink_to_constant_correlation(const std::vector<double>& panel, std::size_t n);

}  // namespace sectorsim::analysis
