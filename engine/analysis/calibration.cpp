#include "engine/analysis/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

namespace sectorsim::analysis {

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> finite(const std::vector<double>& x) {
  std::vector<double> out;
  for (const double v : x) {
    if (std::isfinite(v)) out.push_back(v);
  }
  return out;
}

double mean_of(const std::vector<double>& x) {
  double s = 0;
  for (const double v : x)
    s += v;
  return s / static_cast<double>(x.size());
}

// The finite entries' count, mean and sample sd (n - 1); throws below 2.
struct Moments {
  std::size_t n;
  double mean, sd;
};
Moments moments(const std::vector<double>& values, const char* what) {
  const std::vector<double> x = finite(values);
  if (x.size() < 2) throw std::invalid_argument(std::string(what) + ": needs at least 2 values");
  const double m = mean_of(x);
  double ss = 0;
  for (const double v : x)
    ss += (v - m) * (v - m);
  return {x.size(), m, std::sqrt(ss / static_cast<double>(x.size() - 1))};
}

}  // namespace

Estimate mean_rate(const std::vector<double>& rates) {
  const Moments m = moments(rates, "mean_rate");
  return {m.mean, m.sd / std::sqrt(static_cast<double>(m.n)), m.n};
}

Estimate sample_sd(const std::vector<double>& values) {
  const Moments m = moments(values, "sample_sd");
  return {m.sd, m.sd / std::sqrt(2 * static_cast<double>(m.n - 1)), m.n};
}

double student_t_widening(std::size_t dof) {
  if (dof < 1) throw std::invalid_argument("student_t_widening: needs 1 degree of freedom");
  const boost::math::students_t t(static_cast<double>(dof));
  const boost::math::normal z;
  return boost::math::quantile(t, 0.95) / boost::math::quantile(z, 0.95);
}

DriftForecast drift_forecast(const std::vector<double>& x, int horizon) {
  if (horizon < 1) throw std::invalid_argument("drift_forecast: horizon must be >= 1");
  double st = 0, sx = 0;
  std::size_t n = 0;
  for (std::size_t t = 0; t < x.size(); ++t) {
    if (!std::isfinite(x[t])) continue;
    st += static_cast<double>(t);
    sx += x[t];
    ++n;
  }
  if (n < 3) throw std::invalid_argument("drift_forecast: needs at least 3 values");
  const double tbar = st / static_cast<double>(n), xbar = sx / static_cast<double>(n);
  double stt = 0, stx = 0;
  for (std::size_t t = 0; t < x.size(); ++t) {
    if (!std::isfinite(x[t])) continue;
    const double dt = static_cast<double>(t) - tbar;
    stt += dt * dt;
    stx += dt * (x[t] - xbar);
  }
  DriftForecast f;
  f.n = n;
  f.slope = stx / stt;
  double sse = 0;
  for (std::size_t t = 0; t < x.size(); ++t) {
    if (!std::isfinite(x[t])) continue;
    const double e = x[t] - xbar - f.slope * (static_cast<double>(t) - tbar);
    sse += e * e;
  }
  const double s2 = sse / static_cast<double>(n - 2);
  f.residual_sd = std::sqrt(s2);
  f.slope_se = std::sqrt(s2 / stt);
  // The years after the last index, last + 1 ... last + horizon: their middle.
  const double at = static_cast<double>(x.size() - 1) + (horizon + 1) / 2.0;
  f.value = xbar + f.slope * (at - tbar);
  f.line_se = std::sqrt(s2 / static_cast<double>(n) + (at - tbar) * (at - tbar) * s2 / stt);
  return f;
}

std::vector<double> growth_from_levels(const std::vector<double>& levels) {
  std::vector<double> g(levels.size(), NaN);
  for (std::size_t t = 1; t < levels.size(); ++t) {
    if (std::isfinite(levels[t]) && std::isfinite(levels[t - 1]) && levels[t - 1] != 0)
      g[t] = levels[t] / levels[t - 1] - 1;
  }
  return g;
}

std::vector<double> implied_deflator(const std::vector<double>& levels,
                                     const std::vector<double>& real_growth) {
  if (levels.size() != real_growth.size())
    throw std::invalid_argument("implied_deflator: levels and real growth differ in length");
  std::vector<double> d = growth_from_levels(levels);
  for (std::size_t t = 0; t < d.size(); ++t)
    d[t] = std::isfinite(d[t]) && std::isfinite(real_growth[t])
               ? (1 + d[t]) / (1 + real_growth[t]) - 1
               : NaN;
  return d;
}

Estimate ar1(const std::vector<double>& x) {
  const std::vector<double> f = finite(x);
  if (f.size() < 3) throw std::invalid_argument("ar1: needs at least 3 values");
  const double m = mean_of(f);
  double sxy = 0, sxx = 0;
  std::size_t pairs = 0;
  for (std::size_t t = 1; t < x.size(); ++t) {
    if (!std::isfinite(x[t]) || !std::isfinite(x[t - 1])) continue;
    sxy += (x[t] - m) * (x[t - 1] - m);
    sxx += (x[t - 1] - m) * (x[t - 1] - m);
    ++pairs;
  }
  if (pairs < 2 || sxx == 0)
    throw std::invalid_argument("ar1: needs 2 consecutive pairs that vary");
  const double phi = sxy / sxx;
  double sse = 0;
  for (std::size_t t = 1; t < x.size(); ++t) {
    if (!std::isfinite(x[t]) || !std::isfinite(x[t - 1])) continue;
    const double e = (x[t] - m) - phi * (x[t - 1] - m);
    sse += e * e;
  }
  const double dof = pairs > 1 ? static_cast<double>(pairs - 1) : 1.0;
  return {phi, std::sqrt(sse / dof / sxx), pairs};
}

ShrunkCovariance shrink_to_constant_correlation(const std::vector<double>& panel, std::size_t n) {
  if (n < 2 || panel.size() % n != 0)
    throw std::invalid_argument("shrink_to_constant_correlation: needs a T x N panel, N >= 2");
  // Complete rows, demeaned.
  std::vector<double> y;
  for (std::size_t r = 0; r < panel.size() / n; ++r) {
    bool complete = true;
    for (std::size_t i = 0; i < n; ++i)
      complete = complete && std::isfinite(panel[r * n + i]);
    if (complete)
      y.insert(y.end(), panel.begin() + static_cast<std::ptrdiff_t>(r * n),
               panel.begin() + static_cast<std::ptrdiff_t>((r + 1) * n));
  }
  const std::size_t rows = y.size() / n;
  if (rows < 3)
    throw std::invalid_argument("shrink_to_constant_correlation: needs 3 complete rows, got " +
                                std::to_string(rows));
  const double T = static_cast<double>(rows);
  for (std::size_t i = 0; i < n; ++i) {
    double m = 0;
    for (std::size_t t = 0; t < rows; ++t)
      m += y[t * n + i];
    m /= T;
    for (std::size_t t = 0; t < rows; ++t)
      y[t * n + i] -= m;
  }
  ShrunkCovariance out;
  out.n = n;
  out.rows = rows;
  auto at = [n](std::vector<double>& m, std::size_t i, std::size_t j) -> double& {
    return m[i * n + j];
  };
  out.sample.assign(n * n, 0);
  for (std::size_t t = 0; t < rows; ++t)
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j)
        at(out.sample, i, j) += y[t * n + i] * y[t * n + j] / T;
  std::vector<double> s(n);
  for (std::size_t i = 0; i < n; ++i) {
    s[i] = std::sqrt(at(out.sample, i, i));
    if (s[i] == 0)
      throw std::invalid_argument("shrink_to_constant_correlation: a series is constant");
  }
  // r-bar: the mean of the off-diagonal sample correlations.
  double rsum = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      rsum += at(out.sample, i, j) / (s[i] * s[j]);
  const double rbar = rsum / (static_cast<double>(n * (n - 1)) / 2);
  out.mean_correlation = rbar;
  out.target.assign(n * n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      at(out.target, i, j) = i == j ? at(out.sample, i, i) : rbar * s[i] * s[j];
  // pi-hat: the sum of the asymptotic variances of the sample covariances;
  // rho-hat: of their covariances with the target; gamma-hat: the target's
  // squared distance (Ledoit and Wolf 2004, "Honey, I shrunk the sample
  // covariance matrix", section 2 and appendix B).
  double pi_hat = 0, rho_hat = 0, gamma_hat = 0;
  std::vector<double> theta_ii(n * n, 0);  // theta[i][j]: (1/T) sum (y_i^2 - s_ii)(y_i y_j - s_ij)
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      double p = 0, th = 0;
      for (std::size_t t = 0; t < rows; ++t) {
        const double yij = y[t * n + i] * y[t * n + j] - at(out.sample, i, j);
        p += yij * yij;
        th += (y[t * n + i] * y[t * n + i] - at(out.sample, i, i)) * yij;
      }
      pi_hat += p / T;
      theta_ii[i * n + j] = th / T;
      const double d = at(out.target, i, j) - at(out.sample, i, j);
      gamma_hat += d * d;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    double p = 0;
    for (std::size_t t = 0; t < rows; ++t) {
      const double v = y[t * n + i] * y[t * n + i] - at(out.sample, i, i);
      p += v * v;
    }
    rho_hat += p / T;  // the diagonal: pi_ii
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      rho_hat += rbar / 2 * (s[j] / s[i] * theta_ii[i * n + j] + s[i] / s[j] * theta_ii[j * n + i]);
    }
  const double kappa = gamma_hat > 0 ? (pi_hat - rho_hat) / gamma_hat : 0;
  out.intensity = std::max(0.0, std::min(1.0, kappa / T));
  out.shrunk.assign(n * n, 0);
  for (std::size_t k = 0; k < n * n; ++k)
    out.shrunk[k] = out.intensity * out.target[k] + (1 - out.intensity) * out.sample[k];
  out.sd.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    out.sd[i] = std::sqrt(at(out.shrunk, i, i));
  out.correlation.assign(n * n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      at(out.correlation, i, j) = at(out.shrunk, i, j) / (out.sd[i] * out.sd[j]);
  return out;
}

}  // namespace sectorsim::analysis
