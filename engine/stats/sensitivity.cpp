#include "engine/stats/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>

#include "engine/sampling/sampler.hpp"

namespace sectorsim::core {

namespace {

// Second words of the Philox keys of the bootstrap's and the Morris
// design's streams: far from the Purpose values (1-4) that key the
// sampler's streams, so that neither ever repeats a parameter's uniforms.
constexpr std::uint64_t BOOTSTRAP_KEY = 0x53454e53424f4f54ULL;  // "SENSBOOT"
constexpr std::uint64_t MORRIS_KEY = 0x53454e534d4f5252ULL;     // "SENSMORR"

// Consecutive 64-bit words of one Philox stream, keyed (seed, key) and
// numbered by `stream`.
class Words {
 public:
  Words(std::uint64_t seed, std::uint64_t key, std::uint64_t stream)
      : seed_(seed), key_(key), stream_(stream) {}
  std::uint64_t next() {
    if (used_ == 4) {
      const std::uint64_t c0 = stream_, c1 = block_++;
      philox_many(seed_, key_, &c0, &c1, 1, buf_);
      used_ = 0;
    }
    return buf_[used_++];
  }
  // Uniform on [0, m), m >= 1 (53 bits, which is unbiased enough for m < 2^32).
  std::uint64_t below(std::uint64_t m) {
    const double u = static_cast<double>(next() >> 11) * 0x1.0p-53;
    return std::min<std::uint64_t>(static_cast<std::uint64_t>(u * static_cast<double>(m)), m - 1);
  }

 private:
  std::uint64_t seed_, key_, stream_;
  std::uint64_t block_ = 0;
  std::uint64_t buf_[4] = {};
  int used_ = 4;
};

double sd_of(const std::vector<double>& x) {
  if (x.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  double m = 0;
  for (double v : x)
    m += v;
  m /= static_cast<double>(x.size());
  double ss = 0;
  for (double v : x)
    ss += (v - m) * (v - m);
  return std::sqrt(ss / static_cast<double>(x.size() - 1));
}

// Runs body(b) for b in [0, count) on `threads` threads, each b once.
template <typename Body>
void for_each_index(int count, int threads, Body body) {
  const int t = std::max(1, std::min(threads, count));
  if (t == 1) {
    for (int b = 0; b < count; ++b)
      body(b);
    return;
  }
  std::vector<std::thread> pool;
  for (int w = 0; w < t; ++w) {
    pool.emplace_back([&, w] {
      for (int b = w; b < count; b += t)
        body(b);
    });
  }
  for (auto& th : pool)
    th.join();
}

}  // namespace

const char* method_name(SensitivityMethod m) {
  return m == SensitivityMethod::Sobol ? "sobol" : "morris";
}

std::vector<std::uint32_t> bootstrap_rows(std::uint64_t seed, std::uint64_t b, std::size_t n) {
  Words w(seed, BOOTSTRAP_KEY, b);
  std::vector<std::uint32_t> rows(n);
  for (auto& r : rows)
    r = static_cast<std::uint32_t>(w.below(n));
  return rows;
}

SobolEstimate sobol_indices(const double* f_a, const double* f_b,
                            const std::vector<const double*>& f_ab, std::size_t n,
                            std::uint64_t seed, int resamples, int threads) {
  if (n < 2) throw std::invalid_argument("Sobol indices need at least 2 rows");
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("Sobol indices take at most 2^32 - 1 rows");
  const std::size_t k = f_ab.size();
  SobolEstimate out;
  out.factors.resize(k);
  // Everything is computed about the mean of A and B, which leaves the
  // indices' expectations unchanged and their sampling error smaller.
  double sum = 0;
  for (std::size_t j = 0; j < n; ++j)
    sum += f_a[j] + f_b[j];
  const double mean = sum / static_cast<double>(2 * n);
  out.mean = mean;

  const double nn = static_cast<double>(n);
  std::vector<double> a(n), b(n);
  for (std::size_t j = 0; j < n; ++j) {
    a[j] = f_a[j] - mean;
    b[j] = f_b[j] - mean;
  }
  // A resample is a count of each row (rows drawn with replacement); its
  // estimates are the weighted sums of the rows' terms, so every factor
  // reads its terms in order and the counts of every resample once.
  const bool boot = resamples >= 2;
  const std::size_t R = boot ? static_cast<std::size_t>(resamples) : 0;
  std::vector<std::uint16_t> count(R * n, 0);
  for_each_index(static_cast<int>(R), threads, [&](int r) {
    const auto rows = bootstrap_rows(seed, static_cast<std::uint64_t>(r), n);
    std::uint16_t* c = count.data() + static_cast<std::size_t>(r) * n;
    for (const std::uint32_t row : rows)
      ++c[row];  // a row's count is about Poisson(1): never near 2^16
  });
  // Each resample's variance over its A and B rows, about its own mean.
  auto variance_of = [&](const std::uint16_t* c) {
    double s = 0, ss = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const double w = c[j];
      s += w * (a[j] + b[j]);
      ss += w * (a[j] * a[j] + b[j] * b[j]);
    }
    const double m = s / (2 * nn);
    return std::max(0.0, ss / (2 * nn) - m * m);
  };
  double m2 = 0, ss2 = 0;  // the full sample's, in two passes
  for (std::size_t j = 0; j < n; ++j)
    m2 += a[j] + b[j];
  m2 /= 2 * nn;
  for (std::size_t j = 0; j < n; ++j)
    ss2 += (a[j] - m2) * (a[j] - m2) + (b[j] - m2) * (b[j] - m2);
  const double var = ss2 / (2 * nn);
  out.variance = var;
  std::vector<double> var_r(R);
  for (std::size_t r = 0; r < R; ++r)
    var_r[r] = variance_of(count.data() + r * n);
  auto ratio = [](double x, double v) {
    return v > 0 ? x / v : std::numeric_limits<double>::quiet_NaN();
  };
  for_each_index(static_cast<int>(k), threads, [&](int fi) {
    const auto i = static_cast<std::size_t>(fi);
    std::vector<double> p(n), q(n);
    double sp = 0, sq = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const double d = (f_ab[i][j] - mean) - a[j];
      p[j] = b[j] * d;
      q[j] = d * d;
      sp += p[j];
      sq += q[j];
    }
    SobolIndex& x = out.factors[i];
    x.s1 = ratio(sp / nn, var);
    x.st = ratio(0.5 * sq / nn, var);
    if (!boot) {
      x.s1_conf = x.st_conf = std::numeric_limits<double>::quiet_NaN();
      return;
    }
    std::vector<double> s1(R), st(R);
    // Four resamples at a time: each term is read once for the four.
    constexpr std::size_t T = 4;
    for (std::size_t r0 = 0; r0 < R; r0 += T) {
      const std::size_t t = std::min(T, R - r0);
      double wp[T] = {}, wq[T] = {};
      const std::uint16_t* c[T];
      for (std::size_t u = 0; u < T; ++u)
        c[u] = count.data() + (r0 + std::min(u, t - 1)) * n;
      for (std::size_t j = 0; j < n; ++j) {
        const double pj = p[j], qj = q[j];
        for (std::size_t u = 0; u < T; ++u) {
          const double w = c[u][j];
          wp[u] += w * pj;
          wq[u] += w * qj;
        }
      }
      for (std::size_t u = 0; u < t; ++u) {
        s1[r0 + u] = ratio(wp[u] / nn, var_r[r0 + u]);
        st[r0 + u] = ratio(0.5 * wq[u] / nn, var_r[r0 + u]);
      }
    }
    x.s1_conf = CONF_Z * sd_of(s1);
    x.st_conf = CONF_Z * sd_of(st);
  });
  return out;
}

double trajectory_distance(const double* a, const double* b, int k) {
  double d = 0;
  for (int s = 0; s <= k; ++s) {
    for (int q = 0; q <= k; ++q) {
      double ss = 0;
      const double* x = a + static_cast<std::size_t>(s) * static_cast<std::size_t>(k);
      const double* y = b + static_cast<std::size_t>(q) * static_cast<std::size_t>(k);
      for (int i = 0; i < k; ++i)
        ss += (x[i] - y[i]) * (x[i] - y[i]);
      d += std::sqrt(ss);
    }
  }
  return d;
}

MorrisDesign morris_design(int k, int r, int candidates, int levels, std::uint64_t seed) {
  if (k < 1) throw std::invalid_argument("a Morris design needs at least one factor");
  if (r < 2) throw std::invalid_argument("a Morris design needs at least 2 trajectories");
  if (candidates < r)
    throw std::invalid_argument("a Morris design keeps at most as many trajectories as it draws");
  if (levels < 2 || levels % 2 != 0)
    throw std::invalid_argument("Morris levels must be even and at least 2 (got " +
                                std::to_string(levels) + ")");
  const auto ku = static_cast<std::size_t>(k);
  const std::size_t per = (ku + 1) * ku;  // doubles a trajectory
  const int half = levels / 2;            // delta in grid steps
  const double step = 1.0 / (levels - 1);
  std::vector<double> all(static_cast<std::size_t>(candidates) * per);
  std::vector<int> all_moved(static_cast<std::size_t>(candidates) * ku);
  for (int m = 0; m < candidates; ++m) {
    Words w(seed, MORRIS_KEY, static_cast<std::uint64_t>(m));
    std::vector<int> level(ku), dir(ku), order(ku);
    for (std::size_t i = 0; i < ku; ++i) {
      const int base = static_cast<int>(w.below(static_cast<std::uint64_t>(half)));
      dir[i] = (w.next() >> 63) ? 1 : -1;
      level[i] = dir[i] > 0 ? base : base + half;
    }
    std::iota(order.begin(), order.end(), 0);
    for (std::size_t i = ku - 1; i > 0; --i)
      std::swap(order[i], order[w.below(i + 1)]);
    double* pts = all.data() + static_cast<std::size_t>(m) * per;
    for (std::size_t s = 0; s <= ku; ++s) {
      if (s > 0) {
        const int i = order[s - 1];
        level[static_cast<std::size_t>(i)] += dir[static_cast<std::size_t>(i)] * half;
        all_moved[static_cast<std::size_t>(m) * ku + s - 1] = i;
      }
      for (std::size_t i = 0; i < ku; ++i)
        pts[s * ku + i] = level[i] * step;
    }
  }
  // Campolongo's spread, greedily.
  const auto cu = static_cast<std::size_t>(candidates);
  std::vector<int> chosen;
  if (candidates == r) {
    chosen.resize(cu);
    std::iota(chosen.begin(), chosen.end(), 0);
  } else {
    std::vector<double> d2(cu * cu, 0);
    for (std::size_t a = 0; a < cu; ++a)
      for (std::size_t b = a + 1; b < cu; ++b) {
        const double d = trajectory_distance(all.data() + a * per, all.data() + b * per, k);
        d2[a * cu + b] = d2[b * cu + a] = d * d;
      }
    std::size_t ba = 0, bb = 1;
    for (std::size_t a = 0; a < cu; ++a)
      for (std::size_t b = a + 1; b < cu; ++b)
        if (d2[a * cu + b] > d2[ba * cu + bb]) ba = a, bb = b;
    std::vector<char> in(cu, 0);
    std::vector<double> score(cu, 0);  // sum of squared distances to those kept
    for (std::size_t c : {ba, bb}) {
      in[c] = 1;
      chosen.push_back(static_cast<int>(c));
      for (std::size_t x = 0; x < cu; ++x)
        score[x] += d2[x * cu + c];
    }
    while (chosen.size() < static_cast<std::size_t>(r)) {
      std::size_t best = cu;
      for (std::size_t x = 0; x < cu; ++x)
        if (!in[x] && (best == cu || score[x] > score[best])) best = x;
      in[best] = 1;
      chosen.push_back(static_cast<int>(best));
      for (std::size_t x = 0; x < cu; ++x)
        score[x] += d2[x * cu + best];
    }
    std::sort(chosen.begin(), chosen.end());
  }
  MorrisDesign d;
  d.k = k;
  d.r = r;
  d.levels = levels;
  d.delta = static_cast<double>(levels) / (2.0 * (levels - 1));
  d.chosen = chosen;
  for (int c : chosen) {
    const auto cs = static_cast<std::size_t>(c);
    d.points.insert(d.points.end(), all.begin() + static_cast<std::ptrdiff_t>(cs * per),
                    all.begin() + static_cast<std::ptrdiff_t>((cs + 1) * per));
    d.moved.insert(d.moved.end(), all_moved.begin() + static_cast<std::ptrdiff_t>(cs * ku),
                   all_moved.begin() + static_cast<std::ptrdiff_t>((cs + 1) * ku));
  }
  return d;
}

std::vector<MorrisIndex> morris_indices(const MorrisDesign& design, const double* y,
                                        std::uint64_t seed, int resamples) {
  const auto ku = static_cast<std::size_t>(design.k);
  const auto ru = static_cast<std::size_t>(design.r);
  std::vector<double> ee(ku * ru);  // [i * r + t]
  for (std::size_t t = 0; t < ru; ++t) {
    for (std::size_t s = 0; s < ku; ++s) {
      const auto i = static_cast<std::size_t>(design.moved[t * ku + s]);
      const std::size_t p0 = t * (ku + 1) + s;
      const double dx = design.points[(p0 + 1) * ku + i] - design.points[p0 * ku + i];
      ee[i * ru + t] = (y[p0 + 1] - y[p0]) / dx;
    }
  }
  std::vector<MorrisIndex> out(ku);
  for (std::size_t i = 0; i < ku; ++i) {
    const double* e = ee.data() + i * ru;
    std::vector<double> v(e, e + ru);
    double mu = 0, mu_star = 0;
    for (double x : v) {
      mu += x;
      mu_star += std::fabs(x);
    }
    out[i].mu = mu / static_cast<double>(ru);
    out[i].mu_star = mu_star / static_cast<double>(ru);
    out[i].sigma = sd_of(v);
  }
  if (resamples < 2) {
    for (auto& m : out)
      m.mu_star_conf = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  std::vector<double> boot(static_cast<std::size_t>(resamples) * ku);
  for (int b = 0; b < resamples; ++b) {
    const auto rows = bootstrap_rows(seed, static_cast<std::uint64_t>(b), ru);
    for (std::size_t i = 0; i < ku; ++i) {
      double s = 0;
      for (std::uint32_t t : rows)
        s += std::fabs(ee[i * ru + t]);
      boot[static_cast<std::size_t>(b) * ku + i] = s / static_cast<double>(ru);
    }
  }
  std::vector<double> col(static_cast<std::size_t>(resamples));
  for (std::size_t i = 0; i < ku; ++i) {
    for (int b = 0; b < resamples; ++b)
      col[static_cast<std::size_t>(b)] = boot[static_cast<std::size_t>(b) * ku + i];
    out[i].mu_star_conf = CONF_Z * sd_of(col);
  }
  return out;
}

}  // namespace sectorsim::core
