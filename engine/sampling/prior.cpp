#include "engine/sampling/prior.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/triangular.hpp>
#include <boost/math/distributions/uniform.hpp>

#include "engine/sampling/normal_quantile.hpp"

namespace sectorsim::core {

namespace {

constexpr double INF = std::numeric_limits<double>::infinity();

// Shortest text that reads back as the same double.
std::string num(double x) {
  std::array<char, 32> buf{};
  auto res = std::to_chars(buf.data(), buf.data() + buf.size(), x);
  return std::string(buf.data(), res.ptr);
}

[[noreturn]] void fail(const std::string& msg) {
  throw std::invalid_argument(msg);
}

void require_finite(const char* name, double v) {
  if (!std::isfinite(v)) fail(std::string(name) + " must be finite (got " + num(v) + ")");
}

void require_positive(const char* name, double v) {
  require_finite(name, v);
  if (!(v > 0)) fail(std::string(name) + " must be > 0 (got " + num(v) + ")");
}

void require_ordered(double low, double high) {
  require_finite("low", low);
  require_finite("high", high);
  if (!(low < high)) fail("low must be < high (got low=" + num(low) + ", high=" + num(high) + ")");
}

}  // namespace

double normal_quantile(double u) {
  const double q = u - 0.5;
  return std::fabs(q) <= 0.425 ? as241::central(q) : as241::tail(u);
}

double normal_cdf(double x) {
  return 0.5 * std::erfc(-x * 0.70710678118654752440);
}

// Piecewise cubic Hermite interpolation of a quantile function Q(u) on an
// adaptive grid, using the exact slopes Q'(u) = 1 / pdf(Q(u)). Intervals are
// bisected until the interpolant agrees with the exact quantile to TOL at their
// midpoints; u outside [U_LO, 1 - U_LO] (2e-7 of the mass) is evaluated
// exactly. Built once per prior at scenario set-up (a few thousand exact
// evaluations), then each lookup is a binary search and one cubic.
class BetaTable {
 public:
  static constexpr double U_LO = 1e-7;
  static constexpr double TOL = 1e-11;  // on the [0, 1] scale of the standard beta

  /// Builds the table on `threads` threads (at most one a piece): N0 equal
  /// pieces, each refined on its own and joined in order, so the table is
  /// the same whatever the thread count. A table takes thousands of exact
  /// quantiles.
  BetaTable(double a, double b, int threads) : dist_(a, b), build_dist_(a, b) {
    constexpr int N0 = 32;
    Breaks ends, pieces[N0];
    for (int i = 0; i <= N0; ++i) {
      const double u = i == 0 ? U_LO : U_LO + (1.0 - 2.0 * U_LO) * static_cast<double>(i) / N0;
      const double x = build_quantile(u);
      ends.push(u, x, slope(x));
    }
    std::atomic<int> next{0};
    std::exception_ptr error;
    std::mutex error_mu;
    auto work = [&] {
      for (int i = next++; i < N0; i = next++) {
        try {
          refine(ends.u[i], ends.x[i], ends.s[i], ends.u[i + 1], ends.x[i + 1], ends.s[i + 1], 0,
                 pieces[i]);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mu);
          if (!error) error = std::current_exception();
        }
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < std::min(threads, N0); ++t)
      pool.emplace_back(work);
    work();
    for (auto& th : pool)
      th.join();
    if (error) std::rethrow_exception(error);
    u_.push_back(ends.u[0]);
    x_.push_back(ends.x[0]);
    s_.push_back(ends.s[0]);
    for (const Breaks& piece : pieces) {
      u_.insert(u_.end(), piece.u.begin(), piece.u.end());
      x_.insert(x_.end(), piece.x.begin(), piece.x.end());
      s_.insert(s_.end(), piece.s.begin(), piece.s.end());
    }
    // first_[b]: the interval holding the left edge of bin b.
    const std::size_t bins = 4 * u_.size();
    bin_scale_ = static_cast<double>(bins) / (u_.back() - u_.front());
    first_.resize(bins);
    std::size_t i = 0;
    for (std::size_t k = 0; k < bins; ++k) {
      const double left = u_.front() + static_cast<double>(k) / bin_scale_;
      while (i + 2 < u_.size() && u_[i + 1] <= left)
        ++i;
      first_[k] = static_cast<std::uint32_t>(i);
    }
    // Breakpoints as (u, x, slope) triples: an interval's six numbers in
    // one or two cache lines.
    packed_.reserve(3 * u_.size());
    for (std::size_t k = 0; k < u_.size(); ++k) {
      packed_.push_back(u_[k]);
      packed_.push_back(x_[k]);
      packed_.push_back(s_[k]);
    }
  }

  /// Shared table for Beta(a, b), built on `threads` threads if no prior
  /// holds one: scenarios repeat the same shapes across sectors, and a table
  /// costs thousands of exact quantile evaluations.
  static std::shared_ptr<const BetaTable> get(double a, double b, int threads) {
    static std::mutex mu;
    static std::map<std::pair<double, double>, std::weak_ptr<const BetaTable>> cache;
    std::lock_guard<std::mutex> lock(mu);
    auto& slot = cache[{a, b}];
    if (auto t = slot.lock()) return t;
    auto t = std::make_shared<const BetaTable>(a, b, threads);
    slot = t;
    return t;
  }

  double quantile(double u) const {
    if (!(u >= u_.front() && u <= u_.back())) return exact(u);
    // The bin index gives the first candidate interval; a short forward scan
    // finds the one holding u (breakpoints are dense only where Q bends).
    const double pos = (u - u_.front()) * bin_scale_;
    std::size_t i = first_[std::min(static_cast<std::size_t>(pos), first_.size() - 1)];
    while (i + 2 < u_.size() && u_[i + 1] <= u)
      ++i;
    return hermite(i, u);
  }

  /// x[i] = c0 + c1 * quantile(u[i]), bit for bit, for i < n. Interval search
  /// for a block of lanes first (one scan step branch-free: the walk past
  /// the bin's first interval is short but irregular, and its branch was the
  /// main cost), then the cubics from a packed copy of the breakpoints.
  void quantile_many(const double* u, double* x, std::size_t n, double c0, double c1) const {
    const double lo = u_.front(), hi = u_.back();
    const std::size_t last = u_.size() - 2;  // the last interval
    const std::size_t last_bin = first_.size() - 1;
    constexpr std::size_t B = 64;
    std::size_t idx[B];
    double w[B];  // the block's u: x may alias u
    for (std::size_t i0 = 0; i0 < n; i0 += B) {
      const std::size_t m = std::min(B, n - i0);
      std::copy(u + i0, u + i0 + m, w);
      bool outside = false;
      const double* pu = packed_.data();  // u of breakpoint k at pu[3 k]
      for (std::size_t k = 0; k < m; ++k) {
        const double v = w[k];
        const bool in = v >= lo && v <= hi;
        outside |= !in;
        const double pos = in ? (v - lo) * bin_scale_ : 0.0;
        std::size_t i = first_[std::min(static_cast<std::size_t>(pos), last_bin)];
        i += (i < last && pu[3 * (i + 1)] <= v) ? 1 : 0;
        while (i < last && pu[3 * (i + 1)] <= v)
          ++i;
        idx[k] = i;
      }
      for (std::size_t k = 0; k < m; ++k) {
        const double* a = packed_.data() + 3 * idx[k];
        x[i0 + k] = c0 + c1 * cubic(a[0], a[1], a[2], a[3], a[4], a[5], w[k]);
      }
      if (outside) {
        for (std::size_t k = 0; k < m; ++k) {
          const double v = w[k];
          if (!(v >= lo && v <= hi)) x[i0 + k] = c0 + c1 * exact(v);
        }
      }
    }
  }

  double exact(double u) const { return boost::math::quantile(dist_, u); }

  /// The breakpoints, (u, x, slope) triples in increasing u.
  const std::vector<double>& breakpoints() const { return packed_; }

 private:
  // The table's breakpoints come from Boost.Math evaluated in double
  // precision: several times faster than the default (long double inside)
  // and within a few units in the last place of it, far inside the table's
  // tolerance (docs/performance.md). exact() keeps the default, for the
  // tails and as the tests' reference.
  using BuildPolicy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;
  double build_quantile(double u) const { return boost::math::quantile(build_dist_, u); }
  double slope(double x) const {
    const double p = boost::math::pdf(build_dist_, x);
    return p > 0 ? 1.0 / p : 0.0;
  }

  static double cubic(double u0, double x0, double s0, double u1, double x1, double s1, double u) {
    const double h = u1 - u0;
    const double t = (u - u0) / h;
    const double t2 = t * t, t3 = t2 * t;
    return (2 * t3 - 3 * t2 + 1) * x0 + (t3 - 2 * t2 + t) * h * s0 + (-2 * t3 + 3 * t2) * x1 +
           (t3 - t2) * h * s1;
  }

  double hermite(std::size_t i, double u) const {
    return cubic(u_[i], x_[i], s_[i], u_[i + 1], x_[i + 1], s_[i + 1], u);
  }

  // Breakpoints (u, x, slope) in increasing u.
  struct Breaks {
    std::vector<double> u, x, s;
    void push(double uu, double xx, double ss) {
      u.push_back(uu);
      x.push_back(xx);
      s.push_back(ss);
    }
  };
  // Appends the breakpoints of (u0, u1] to `out`, bisecting until the
  // interpolant matches the exact quantile at the midpoint, where the error
  // of a cubic Hermite interpolant with exact slopes, ~ t^2 (1 - t)^2, peaks.
  void refine(double u0, double x0, double s0, double u1, double x1, double s1, int depth,
              Breaks& out) const {
    const double um = 0.5 * (u0 + u1);
    const double xm = build_quantile(um);
    if (depth >= 40 || std::fabs(cubic(u0, x0, s0, u1, x1, s1, um) - xm) <= TOL) {
      out.push(u1, x1, s1);
      return;
    }
    const double sm = slope(xm);
    refine(u0, x0, s0, um, xm, sm, depth + 1, out);
    refine(um, xm, sm, u1, x1, s1, depth + 1, out);
  }

  boost::math::beta_distribution<double> dist_;
  boost::math::beta_distribution<double, BuildPolicy> build_dist_;
  std::vector<double> u_, x_, s_;
  std::vector<double> packed_;        // u_, x_, s_ interleaved
  std::vector<std::uint32_t> first_;  // 32 bits: the tables stay small in cache
  double bin_scale_ = 1;
};

const char* dist_name(Dist d) {
  switch (d) {
    case Dist::Fixed:
      return "fixed";
    case Dist::Normal:
      return "normal";
    case Dist::TruncatedNormal:
      return "truncated_normal";
    case Dist::LogNormal:
      return "lognormal";
    case Dist::Uniform:
      return "uniform";
    case Dist::Triangular:
      return "triangular";
    case Dist::Beta:
      return "beta";
    case Dist::Pert:
      return "pert";
  }
  return "?";
}

Prior::Prior() : Prior(Dist::Fixed, {0.0}) {}

Prior::Prior(Dist d, std::vector<double> p, int table_threads) : dist_(d), p_(std::move(p)) {
  prepare(std::max(table_threads, 1));
}

Prior Prior::fixed(double value) {
  require_finite("value", value);
  return Prior(Dist::Fixed, {value});
}

Prior Prior::normal(double mean, double sd) {
  require_finite("mean", mean);
  require_positive("sd", sd);
  return Prior(Dist::Normal, {mean, sd});
}

Prior Prior::truncated_normal(double mean, double sd, double low, double high) {
  require_finite("mean", mean);
  require_positive("sd", sd);
  if (std::isnan(low) || std::isnan(high)) fail("low and high must be numbers");
  if (!(low < high)) fail("low must be < high (got low=" + num(low) + ", high=" + num(high) + ")");
  // Mass inside the bounds must be representable, or the quantile is noise.
  const double mass = normal_cdf((high - mean) / sd) - normal_cdf((low - mean) / sd);
  if (!(mass > 1e-12))
    fail("[low, high] holds almost no probability of normal(mean=" + num(mean) + ", sd=" + num(sd) +
         ")");
  return Prior(Dist::TruncatedNormal, {mean, sd, low, high});
}

Prior Prior::lognormal(double mu, double sigma) {
  require_finite("mu", mu);
  require_positive("sigma", sigma);
  return Prior(Dist::LogNormal, {mu, sigma});
}

Prior Prior::uniform(double low, double high) {
  require_ordered(low, high);
  return Prior(Dist::Uniform, {low, high});
}

Prior Prior::triangular(double low, double mode, double high) {
  require_ordered(low, high);
  require_finite("mode", mode);
  if (mode < low || mode > high)
    fail("mode must lie in [low, high] (got mode=" + num(mode) + ", low=" + num(low) +
         ", high=" + num(high) + ")");
  return Prior(Dist::Triangular, {low, mode, high});
}

Prior Prior::beta(double alpha, double beta, double low, double high, TableThreads threads) {
  require_positive("alpha", alpha);
  require_positive("beta", beta);
  require_ordered(low, high);
  return Prior(Dist::Beta, {alpha, beta, low, high}, threads.count);
}

Prior Prior::pert(double low, double mode, double high, double lambda, TableThreads threads) {
  require_ordered(low, high);
  require_finite("mode", mode);
  require_positive("lambda", lambda);
  if (mode < low || mode > high)
    fail("mode must lie in [low, high] (got mode=" + num(mode) + ", low=" + num(low) +
         ", high=" + num(high) + ")");
  return Prior(Dist::Pert, {low, mode, high, lambda}, threads.count);
}

void Prior::prepare(int table_threads) {
  const auto& p = p_;
  switch (dist_) {
    case Dist::Fixed:
      c0_ = p[0];
      break;
    case Dist::Normal:
    case Dist::LogNormal:
      c0_ = p[0];
      c1_ = p[1];
      break;
    case Dist::TruncatedNormal: {
      // Work in the tail where the bounds' CDF values are least rounded:
      // mirror when the interval lies above the mean.
      const double za = (p[2] - p[0]) / p[1], zb = (p[3] - p[0]) / p[1];
      const bool mirror = za > 0;
      c2_ = mirror ? -1.0 : 1.0;
      c0_ = mirror ? normal_cdf(-zb) : normal_cdf(za);
      c1_ = (mirror ? normal_cdf(-za) : normal_cdf(zb)) - c0_;
      break;
    }
    case Dist::Uniform:
      c0_ = p[0];
      c1_ = p[1] - p[0];
      break;
    case Dist::Triangular:
      c0_ = p[0];
      c1_ = p[2] - p[0];
      c2_ = (p[1] - p[0]) / (p[2] - p[0]);  // CDF at the mode
      break;
    case Dist::Beta:
      c0_ = p[2];
      c1_ = p[3] - p[2];
      table_ = BetaTable::get(p[0], p[1], table_threads);
      break;
    case Dist::Pert: {
      const double range = p[2] - p[0];
      const double a = 1.0 + p[3] * (p[1] - p[0]) / range;
      const double b = 1.0 + p[3] * (p[2] - p[1]) / range;
      c0_ = p[0];
      c1_ = range;
      c2_ = a;
      c3_ = b;
      table_ = BetaTable::get(a, b, table_threads);
      break;
    }
  }
}

double Prior::quantile(double u) const {
  switch (dist_) {
    case Dist::Fixed:
      return c0_;
    case Dist::Normal:
      return c0_ + c1_ * normal_quantile(u);
    case Dist::LogNormal:
      return std::exp(c0_ + c1_ * normal_quantile(u));
    case Dist::TruncatedNormal: {
      const double v = c2_ < 0 ? 1.0 - u : u;
      const double z = c2_ * normal_quantile(c0_ + v * c1_);
      return std::clamp(p_[0] + p_[1] * z, p_[2], p_[3]);
    }
    case Dist::Uniform:
      return c0_ + c1_ * u;
    case Dist::Triangular:
      return u < c2_ ? c0_ + std::sqrt(u * c1_ * (p_[1] - p_[0]))
                     : p_[2] - std::sqrt((1.0 - u) * c1_ * (p_[2] - p_[1]));
    case Dist::Beta:
    case Dist::Pert:
      return c0_ + c1_ * table_->quantile(u);
  }
  return 0;
}

void Prior::quantile_many(const double* u, double* x, std::size_t n) const {
  switch (dist_) {
    case Dist::Fixed:
      for (std::size_t i = 0; i < n; ++i)
        x[i] = c0_;
      return;
    case Dist::Normal:
      normal_quantile_many(u, x, n);
      for (std::size_t i = 0; i < n; ++i)
        x[i] = c0_ + c1_ * x[i];
      return;
    case Dist::Uniform:
      for (std::size_t i = 0; i < n; ++i)
        x[i] = c0_ + c1_ * u[i];
      return;
    case Dist::TruncatedNormal: {
      // As quantile(), in blocks (test: PriorBatch.ManyMatchesScalarBitForBitOnEveryTarget).
      const double c[3] = {c0_, c1_, c2_};
      const double p[4] = {p_[0], p_[1], p_[2], p_[3]};
      as241::truncated_normal_many(u, x, n, c, p);
      return;
    }
    case Dist::Beta:
    case Dist::Pert: {
      table_->quantile_many(u, x, n, c0_, c1_);
      return;
    }
    default:
      for (std::size_t i = 0; i < n; ++i)
        x[i] = quantile(u[i]);
      return;
  }
}

double Prior::quantile_exact(double u) const {
  namespace bm = boost::math;
  switch (dist_) {
    case Dist::Fixed:
      return p_[0];
    case Dist::Normal:
      return bm::quantile(bm::normal_distribution<>(p_[0], p_[1]), u);
    case Dist::LogNormal:
      return bm::quantile(bm::lognormal_distribution<>(p_[0], p_[1]), u);
    case Dist::TruncatedNormal: {
      const bm::normal_distribution<> n01;
      const double za = (p_[2] - p_[0]) / p_[1], zb = (p_[3] - p_[0]) / p_[1];
      if (za > 0) {
        const double lo = bm::cdf(n01, -zb), hi = bm::cdf(n01, -za);
        return std::clamp(p_[0] - p_[1] * bm::quantile(n01, lo + (1.0 - u) * (hi - lo)), p_[2],
                          p_[3]);
      }
      const double lo = std::isinf(za) ? 0.0 : bm::cdf(n01, za);
      const double hi = std::isinf(zb) ? 1.0 : bm::cdf(n01, zb);
      return std::clamp(p_[0] + p_[1] * bm::quantile(n01, lo + u * (hi - lo)), p_[2], p_[3]);
    }
    case Dist::Uniform:
      return bm::quantile(bm::uniform_distribution<>(p_[0], p_[1]), u);
    case Dist::Triangular:
      return bm::quantile(bm::triangular_distribution<>(p_[0], p_[1], p_[2]), u);
    case Dist::Beta:
      return c0_ + c1_ * table_->exact(u);
    case Dist::Pert:
      return c0_ + c1_ * table_->exact(u);
  }
  return 0;
}

double Prior::mean() const {
  namespace bm = boost::math;
  switch (dist_) {
    case Dist::Fixed:
      return p_[0];
    case Dist::Normal:
      return p_[0];
    case Dist::LogNormal:
      return bm::mean(bm::lognormal_distribution<>(p_[0], p_[1]));
    case Dist::TruncatedNormal: {
      const bm::normal_distribution<> n01;
      const double a = (p_[2] - p_[0]) / p_[1], b = (p_[3] - p_[0]) / p_[1];
      const double pa = std::isinf(a) ? 0.0 : bm::pdf(n01, a);
      const double pb = std::isinf(b) ? 0.0 : bm::pdf(n01, b);
      const double mass = normal_cdf(b) - normal_cdf(a);
      return p_[0] + p_[1] * (pa - pb) / mass;
    }
    case Dist::Uniform:
      return 0.5 * (p_[0] + p_[1]);
    case Dist::Triangular:
      return (p_[0] + p_[1] + p_[2]) / 3.0;
    case Dist::Beta:
      return c0_ + c1_ * p_[0] / (p_[0] + p_[1]);
    case Dist::Pert:
      return c0_ + c1_ * c2_ / (c2_ + c3_);
  }
  return 0;
}

double Prior::sd() const {
  namespace bm = boost::math;
  switch (dist_) {
    case Dist::Fixed:
      return 0;
    case Dist::Normal:
      return p_[1];
    case Dist::LogNormal:
      return bm::standard_deviation(bm::lognormal_distribution<>(p_[0], p_[1]));
    case Dist::TruncatedNormal: {
      const bm::normal_distribution<> n01;
      const double a = (p_[2] - p_[0]) / p_[1], b = (p_[3] - p_[0]) / p_[1];
      const double pa = std::isinf(a) ? 0.0 : bm::pdf(n01, a);
      const double pb = std::isinf(b) ? 0.0 : bm::pdf(n01, b);
      const double apa = std::isinf(a) ? 0.0 : a * pa;
      const double bpb = std::isinf(b) ? 0.0 : b * pb;
      const double mass = normal_cdf(b) - normal_cdf(a);
      const double m = (pa - pb) / mass;
      return p_[1] * std::sqrt(1.0 + (apa - bpb) / mass - m * m);
    }
    case Dist::Uniform:
      return (p_[1] - p_[0]) / std::sqrt(12.0);
    case Dist::Triangular:
      return bm::standard_deviation(bm::triangular_distribution<>(p_[0], p_[1], p_[2]));
    case Dist::Beta:
    case Dist::Pert: {
      const double a = dist_ == Dist::Beta ? p_[0] : c2_;
      const double b = dist_ == Dist::Beta ? p_[1] : c3_;
      return c1_ * std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1.0)));
    }
  }
  return 0;
}

double Prior::lower() const {
  switch (dist_) {
    case Dist::Fixed:
      return p_[0];
    case Dist::Normal:
      return -INF;
    case Dist::LogNormal:
      return 0;
    case Dist::TruncatedNormal:
      return p_[2];
    case Dist::Uniform:
    case Dist::Triangular:
    case Dist::Pert:
      return p_[0];
    case Dist::Beta:
      return p_[2];
  }
  return 0;
}

double Prior::upper() const {
  switch (dist_) {
    case Dist::Fixed:
      return p_[0];
    case Dist::Normal:
    case Dist::LogNormal:
      return INF;
    case Dist::TruncatedNormal:
      return p_[3];
    case Dist::Uniform:
      return p_[1];
    case Dist::Triangular:
    case Dist::Pert:
      return p_[2];
    case Dist::Beta:
      return p_[3];
  }
  return 0;
}

std::string Prior::describe() const {
  static const std::array<std::vector<const char*>, 8> names = {{
      {"value"},
      {"mean", "sd"},
      {"mean", "sd", "low", "high"},
      {"mu", "sigma"},
      {"low", "high"},
      {"low", "mode", "high"},
      {"alpha", "beta", "low", "high"},
      {"low", "mode", "high", "lambda"},
  }};
  if (dist_ == Dist::Fixed) return num(p_[0]);
  const auto& n = names[static_cast<std::size_t>(dist_)];
  std::string s = std::string(dist_name(dist_)) + "(";
  for (std::size_t i = 0; i < p_.size(); ++i) {
    if (i) s += ", ";
    s += std::string(n[i]) + "=" + num(p_[i]);
  }
  return s + ")";
}

std::vector<double> beta_table_breakpoints(double alpha, double beta, int threads) {
  return BetaTable(alpha, beta, std::max(threads, 1)).breakpoints();
}

}  // namespace sectorsim::core
