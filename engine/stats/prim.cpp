#include "engine/stats/prim.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace sectorsim::core {
namespace {

constexpr double INF = std::numeric_limits<double>::infinity();

// Points as one PRIM run sees them: each point's multiplicity (1 for the
// data themselves, the bootstrap count for a resample, 0 for a point left
// out) and, per input, the points taken in increasing value.
struct Weighted {
  const PrimData* data = nullptr;
  std::vector<std::uint32_t> w;
  std::vector<std::vector<std::uint32_t>> order;
  std::uint64_t total = 0;
  std::uint64_t cases = 0;
};

double value(const PrimData& data, std::size_t j, std::uint32_t i) {
  return data.x[j * data.n + i];
}

// Points in increasing value of each input, ties in index order.
std::vector<std::vector<std::uint32_t>> full_orders(const PrimData& data) {
  std::vector<std::vector<std::uint32_t>> order(data.d);
  for (std::size_t j = 0; j < data.d; ++j) {
    auto& o = order[j];
    o.resize(data.n);
    std::iota(o.begin(), o.end(), std::uint32_t{0});
    const double* xj = data.x.data() + j * data.n;
    std::stable_sort(o.begin(), o.end(),
                     [xj](std::uint32_t a, std::uint32_t b) { return xj[a] < xj[b]; });
  }
  return order;
}

Weighted weighted(const PrimData& data, const std::vector<std::vector<std::uint32_t>>& full,
                  std::vector<std::uint32_t> w) {
  Weighted p;
  p.data = &data;
  p.w = std::move(w);
  p.order.resize(data.d);
  for (std::size_t j = 0; j < data.d; ++j) {
    p.order[j].reserve(data.n);
    for (std::uint32_t i : full[j])
      if (p.w[i] > 0) p.order[j].push_back(i);
  }
  for (std::size_t i = 0; i < data.n; ++i) {
    p.total += p.w[i];
    if (data.case_flag[i]) p.cases += p.w[i];
  }
  return p;
}

// a / b > c / e for counts, exactly (b, e > 0): every count is at most
// twice the number of points, below 2^32, so the products fit 64 bits.
bool denser(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t e) {
  return a * e > c * b;
}

// A boundary strictly between the last value removed and the first kept.
double between(double removed, double kept) {
  const double mid = removed + (kept - removed) / 2;
  return (mid > removed || mid < removed) && mid != kept ? mid : removed;
}

bool inside(const PrimData& data, const PrimBox& box, std::uint32_t i) {
  for (std::size_t j = 0; j < data.d; ++j) {
    const double v = value(data, j, i);
    if (!(v > box.low[j] && v < box.high[j])) return false;
  }
  return true;
}

void set_statistics(PrimBox& box, std::uint64_t points, std::uint64_t cases, std::uint64_t total,
                    std::uint64_t all_cases) {
  box.points = points;
  box.cases = cases;
  box.coverage = all_cases > 0 ? static_cast<double>(cases) / static_cast<double>(all_cases) : 0;
  box.density = points > 0 ? static_cast<double>(cases) / static_cast<double>(points) : 0;
  box.mass = total > 0 ? static_cast<double>(points) / static_cast<double>(total) : 0;
}

void statistics_of(const Weighted& p, PrimBox& box) {
  std::uint64_t points = 0, cases = 0;
  for (std::uint32_t i = 0; i < p.data->n; ++i) {
    if (p.w[i] == 0 || !inside(*p.data, box, i)) continue;
    points += p.w[i];
    if (p.data->case_flag[i]) cases += p.w[i];
  }
  set_statistics(box, points, cases, p.total, p.cases);
}

// One candidate peel: input j, side (0 low, 1 high), what it removes, the
// new boundary.
struct Peel {
  std::size_t j = 0;
  int side = 0;
  std::uint64_t removed = 0, cases_removed = 0;
  double bound = 0;
};

std::vector<PrimBox> peel(const Weighted& p, const PrimOptions& o) {
  const PrimData& data = *p.data;
  PrimBox box;
  box.low.assign(data.d, -INF);
  box.high.assign(data.d, INF);
  set_statistics(box, p.total, p.cases, p.total, p.cases);
  std::vector<PrimBox> trajectory{box};
  std::vector<unsigned char> in(data.n);
  for (std::size_t i = 0; i < data.n; ++i)
    in[i] = p.w[i] > 0;
  std::vector<std::size_t> lo(data.d, 0), hi(data.d);
  for (std::size_t j = 0; j < data.d; ++j)
    hi[j] = p.order[j].size();
  std::uint64_t m = p.total, c = p.cases;
  const double floor_points = o.min_mass * static_cast<double>(p.total);
  while (c > 0 && c < m) {
    const std::uint64_t k =
        std::max<std::uint64_t>(1, static_cast<std::uint64_t>(o.alpha * static_cast<double>(m)));
    bool found = false;
    Peel best;
    for (std::size_t j = 0; j < data.d; ++j) {
      const auto& ord = p.order[j];
      while (lo[j] < hi[j] && !in[ord[lo[j]]])
        ++lo[j];
      while (hi[j] > lo[j] && !in[ord[hi[j] - 1]])
        --hi[j];
      for (int side = 0; side < 2; ++side) {
        Peel cand{j, side, 0, 0, 0};
        double last = 0;
        bool kept = false;
        double first_kept = 0;
        // Walk from the side's end over the points in the box.
        std::size_t a = side == 0 ? lo[j] : hi[j];
        while (side == 0 ? a < hi[j] : a > lo[j]) {
          const std::uint32_t i = side == 0 ? ord[a] : ord[a - 1];
          side == 0 ? ++a : --a;
          if (!in[i]) continue;
          const double v = value(data, j, i);
          if (cand.removed >= k && v != last) {
            kept = true;
            first_kept = v;
            break;
          }
          cand.removed += p.w[i];
          if (data.case_flag[i]) cand.cases_removed += p.w[i];
          last = v;
        }
        if (!kept) continue;
        const std::uint64_t left = m - cand.removed;
        if (static_cast<double>(left) < floor_points) continue;
        cand.bound = between(last, first_kept);
        const std::uint64_t left_cases = c - cand.cases_removed;
        if (!found) {
          best = cand;
          found = true;
          continue;
        }
        const std::uint64_t best_left = m - best.removed;
        const std::uint64_t best_cases = c - best.cases_removed;
        if (denser(left_cases, left, best_cases, best_left) ||
            (!denser(best_cases, best_left, left_cases, left) && left > best_left))
          best = cand;
      }
    }
    if (!found) break;
    // Make the peel.
    const auto& ord = p.order[best.j];
    if (best.side == 0) {
      for (std::size_t a = lo[best.j]; a < hi[best.j]; ++a) {
        const std::uint32_t i = ord[a];
        if (value(data, best.j, i) >= best.bound) break;
        in[i] = 0;
      }
      box.low[best.j] = best.bound;
    } else {
      for (std::size_t a = hi[best.j]; a > lo[best.j]; --a) {
        const std::uint32_t i = ord[a - 1];
        if (value(data, best.j, i) <= best.bound) break;
        in[i] = 0;
      }
      box.high[best.j] = best.bound;
    }
    m -= best.removed;
    c -= best.cases_removed;
    set_statistics(box, m, c, p.total, p.cases);
    trajectory.push_back(box);
  }
  return trajectory;
}

// The box of the trajectory: among the steps with at least min_coverage,
// the one of the highest harmonic mean of coverage and density (the F1
// score of the box as a classifier of the cases), 2 c / (C + p) for c cases
// of C in a box of p points; the earliest of equals. The densest box
// instead would follow the last peels, each the luckiest of 2d candidates,
// into noise: their density creeps up while the coverage falls away.
std::size_t choose(const std::vector<PrimBox>& trajectory, double min_coverage,
                   std::uint64_t all_cases) {
  std::size_t best = 0;
  for (std::size_t s = 1; s < trajectory.size(); ++s) {
    const PrimBox& b = trajectory[s];
    if (b.coverage < min_coverage) continue;
    const PrimBox& a = trajectory[best];
    if (denser(b.cases, b.points + all_cases, a.cases, a.points + all_cases)) best = s;
  }
  return best;
}

// Pasting (Friedman & Fisher 1999, section 6): widen one side of one input
// by alpha of the box's points where that raises the density; repeat.
void paste(const Weighted& p, const PrimOptions& o, PrimBox& box) {
  const PrimData& data = *p.data;
  for (int round = 0; round < 10000; ++round) {
    // Points outside the box on exactly one side of one input.
    std::vector<std::vector<std::uint32_t>> near(2 * data.d);
    std::uint64_t m = 0, c = 0;
    for (std::uint32_t i = 0; i < data.n; ++i) {
      if (p.w[i] == 0) continue;
      int off = 0;
      std::size_t where = 0;
      for (std::size_t j = 0; j < data.d && off < 2; ++j) {
        const double v = value(data, j, i);
        if (!(v > box.low[j])) {
          ++off;
          where = 2 * j;
        } else if (!(v < box.high[j])) {
          ++off;
          where = 2 * j + 1;
        }
      }
      if (off == 0) {
        m += p.w[i];
        if (data.case_flag[i]) c += p.w[i];
      } else if (off == 1) {
        near[where].push_back(i);
      }
    }
    if (m == 0) return;
    const std::uint64_t k =
        std::max<std::uint64_t>(1, static_cast<std::uint64_t>(o.alpha * static_cast<double>(m)));
    bool found = false;
    std::uint64_t best_m = m, best_c = c;
    std::size_t best_where = 0;
    double best_bound = 0;
    for (std::size_t where = 0; where < near.size(); ++where) {
      auto& pts = near[where];
      if (pts.empty()) continue;
      const std::size_t j = where / 2;
      const bool low_side = where % 2 == 0;
      // Nearest the box first.
      std::stable_sort(pts.begin(), pts.end(), [&](std::uint32_t a, std::uint32_t b) {
        return low_side ? value(data, j, a) > value(data, j, b)
                        : value(data, j, a) < value(data, j, b);
      });
      std::uint64_t added = 0, added_cases = 0;
      double last = 0;
      double bound = low_side ? -INF : INF;
      for (std::uint32_t i : pts) {
        const double v = value(data, j, i);
        if (added >= k && v != last) {
          bound = between(last, v);
          break;
        }
        added += p.w[i];
        if (data.case_flag[i]) added_cases += p.w[i];
        last = v;
      }
      if (denser(c + added_cases, m + added, best_c, best_m)) {
        found = true;
        best_m = m + added;
        best_c = c + added_cases;
        best_where = where;
        best_bound = bound;
      }
    }
    if (!found) return;
    (best_where % 2 == 0 ? box.low : box.high)[best_where / 2] = best_bound;
  }
}

// Drops the restrictions beyond which less than min_removed of the points lie.
void trim(const Weighted& p, const PrimOptions& o, PrimBox& box) {
  const PrimData& data = *p.data;
  for (std::size_t j = 0; j < data.d; ++j) {
    for (int side = 0; side < 2; ++side) {
      double& bound = side == 0 ? box.low[j] : box.high[j];
      if (std::isinf(bound)) continue;
      std::uint64_t beyond = 0;
      for (std::uint32_t i = 0; i < data.n; ++i) {
        const double v = value(data, j, i);
        if (side == 0 ? !(v > bound) : !(v < bound)) beyond += p.w[i];
      }
      if (static_cast<double>(beyond) < o.min_removed * static_cast<double>(p.total))
        bound = side == 0 ? -INF : INF;
    }
  }
}

struct OneRun {
  std::vector<PrimBox> trajectory;
  std::size_t chosen = 0;
  PrimBox box;
};

OneRun run_once(const Weighted& p, const PrimOptions& o) {
  OneRun r;
  r.trajectory = peel(p, o);
  r.chosen = choose(r.trajectory, o.min_coverage, p.cases);
  r.box = r.trajectory[r.chosen];
  if (o.paste) paste(p, o, r.box);
  trim(p, o, r.box);
  statistics_of(p, r.box);
  return r;
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

struct ResampleOutcome {
  std::vector<bool> restricted;
  bool defined = false;  // the held-out points hold cases and the box holds held-out points
  double coverage = 0, density = 0;
};

ResampleOutcome resample(const PrimData& data, const std::vector<std::vector<std::uint32_t>>& full,
                         const PrimOptions& o, int b) {
  std::uint64_t state = o.seed ^ (0xD1B54A32D192ED03ULL * (static_cast<std::uint64_t>(b) + 1));
  std::vector<std::uint32_t> w(data.n, 0);
  // The modulo's bias is below n / 2^64.
  for (std::size_t t = 0; t < data.n; ++t)
    ++w[splitmix64(state) % data.n];
  const Weighted p = weighted(data, full, w);
  const OneRun r = run_once(p, o);
  ResampleOutcome out;
  out.restricted.resize(data.d);
  for (std::size_t j = 0; j < data.d; ++j)
    out.restricted[j] = !std::isinf(r.box.low[j]) || !std::isinf(r.box.high[j]);
  std::uint64_t held = 0, held_cases = 0, in_box = 0, in_box_cases = 0;
  for (std::uint32_t i = 0; i < data.n; ++i) {
    if (w[i] != 0) continue;
    ++held;
    const bool is_case = data.case_flag[i] != 0;
    held_cases += is_case;
    if (inside(data, r.box, i)) {
      ++in_box;
      in_box_cases += is_case;
    }
  }
  if (held_cases > 0 && in_box > 0) {
    out.defined = true;
    out.coverage = static_cast<double>(in_box_cases) / static_cast<double>(held_cases);
    out.density = static_cast<double>(in_box_cases) / static_cast<double>(in_box);
  }
  return out;
}

void check(const PrimData& data, const PrimOptions& o) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("PRIM: " + what); };
  if (!(o.alpha > 0 && o.alpha < 0.5))
    fail("alpha must be in (0, 0.5) (got " + std::to_string(o.alpha) + ")");
  if (!(o.min_mass > 0 && o.min_mass < 1))
    fail("the minimum mass must be in (0, 1) (got " + std::to_string(o.min_mass) + ")");
  if (!(o.min_coverage >= 0 && o.min_coverage <= 1))
    fail("the minimum coverage must be in [0, 1] (got " + std::to_string(o.min_coverage) + ")");
  if (!(o.min_removed >= 0 && o.min_removed < 1)) fail("min_removed must be in [0, 1)");
  if (o.resamples < 0) fail("resamples must be >= 0");
  if (o.threads < 1) fail("threads must be >= 1");
  if (data.n == 0) fail("no points");
  if (data.n >= (std::size_t{1} << 31)) fail("too many points");
  if (data.x.size() != data.n * data.d || data.case_flag.size() != data.n)
    fail("sizes do not match");
  for (double v : data.x)
    if (!std::isfinite(v)) fail("an input value is not a finite number");
}

}  // namespace

std::vector<std::string> box_conditions(const Discovery& d) {
  std::vector<std::string> out;
  const PrimBox& box = d.result.box;
  auto num = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return std::string(buf);
  };
  for (std::size_t j = 0; j < d.inputs.size() && j < box.low.size(); ++j) {
    const bool lo = !std::isinf(box.low[j]);
    const bool hi = !std::isinf(box.high[j]);
    if (!lo && !hi) continue;
    const std::string unit =
        j < d.units.size() && !d.units[j].empty() && d.units[j] != "1" ? " " + d.units[j] : "";
    std::string c;
    if (lo && hi)
      c = num(box.low[j]) + " < " + d.inputs[j] + " < " + num(box.high[j]) + unit;
    else if (lo)
      c = d.inputs[j] + " > " + num(box.low[j]) + unit;
    else
      c = d.inputs[j] + " < " + num(box.high[j]) + unit;
    out.push_back(c);
  }
  return out;
}

void fill_box_statistics(const PrimData& data, PrimBox& box) {
  std::uint64_t points = 0, cases = 0, all_cases = 0;
  for (std::uint32_t i = 0; i < data.n; ++i) {
    const bool is_case = data.case_flag[i] != 0;
    all_cases += is_case;
    if (!inside(data, box, i)) continue;
    ++points;
    cases += is_case;
  }
  set_statistics(box, points, cases, data.n, all_cases);
}

PrimResult prim(const PrimData& data, const PrimOptions& options) {
  check(data, options);
  const auto full = full_orders(data);
  const Weighted all = weighted(data, full, std::vector<std::uint32_t>(data.n, 1));
  OneRun r = run_once(all, options);
  PrimResult result;
  result.cases = all.cases;
  result.base_density = static_cast<double>(all.cases) / static_cast<double>(all.total);
  result.trajectory = std::move(r.trajectory);
  result.chosen = r.chosen;
  result.box = std::move(r.box);
  result.restricted.resize(data.d);
  for (std::size_t j = 0; j < data.d; ++j)
    result.restricted[j] = !std::isinf(result.box.low[j]) || !std::isinf(result.box.high[j]);

  // The stability check: resamples on threads, gathered in resample order.
  const int n_b = options.resamples;
  std::vector<ResampleOutcome> outcomes(static_cast<std::size_t>(n_b));
  std::atomic<int> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    for (int b = next++; b < n_b; b = next++) {
      try {
        outcomes[static_cast<std::size_t>(b)] = resample(data, full, options, b);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  };
  const int n_threads = std::max(1, std::min(options.threads, n_b));
  std::vector<std::thread> pool;
  for (int t = 1; t < n_threads; ++t)
    pool.emplace_back(worker);
  worker();
  for (auto& t : pool)
    t.join();
  if (failure) std::rethrow_exception(failure);

  PrimStability& s = result.stability;
  s.resamples = n_b;
  s.restricted_share.assign(data.d, 0.0);
  std::vector<int> restricting(data.d, 0);
  double sc = 0, scc = 0, sd = 0, sdd = 0;
  int defined = 0;
  for (const auto& o : outcomes) {
    for (std::size_t j = 0; j < data.d; ++j)
      restricting[j] += o.restricted[j] ? 1 : 0;
    if (!o.defined) continue;
    ++defined;
    sc += o.coverage;
    scc += o.coverage * o.coverage;
    sd += o.density;
    sdd += o.density * o.density;
  }
  if (n_b > 0)
    for (std::size_t j = 0; j < data.d; ++j)
      s.restricted_share[j] = static_cast<double>(restricting[j]) / n_b;
  if (defined > 0) {
    const double nd = defined;
    s.coverage_mean = sc / nd;
    s.density_mean = sd / nd;
    s.coverage_sd = defined > 1 ? std::sqrt(std::max(0.0, (scc - sc * sc / nd) / (nd - 1))) : 0;
    s.density_sd = defined > 1 ? std::sqrt(std::max(0.0, (sdd - sd * sd / nd) / (nd - 1))) : 0;
  } else {
    s.coverage_mean = s.density_mean = s.coverage_sd = s.density_sd =
        std::numeric_limits<double>::quiet_NaN();
  }
  return result;
}

}  // namespace sectorsim::core
