#include "engine/analysis/optimise.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlopt.hpp>

#include "engine/exec/runner.hpp"
#include "engine/run/errors.hpp"
#include "engine/run/options.hpp"
#include "engine/run/run.hpp"
#include "engine/sampling/prior.hpp"
#include "engine/spec/model.hpp"
#include "engine/stats/conditioning.hpp"
#include "engine/stats/intervals.hpp"
#include "engine/stats/paired.hpp"
#include "engine/stats/summary.hpp"
#include "models/registry.hpp"

namespace sectorsim::analysis {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Each draw's values of a few cells, [cell][draw]: chunks write their own draws.
// With observations (a conditioned scenario), also each draw's
// log-likelihood, from which weights() gives the draws' weights.
class CellValues : public core::ChunkSink {
 public:
  CellValues(std::vector<int> cells, std::uint64_t draws,
             const core::ObservationModel* observed = nullptr)
      : cells_(std::move(cells)),
        values_(cells_.size(), std::vector<double>(draws)),
        observed_(observed),
        log_likelihood_(observed ? draws : 0) {}
  void consume_unordered(const core::ChunkView& chunk) override {
    for (std::size_t c = 0; c < cells_.size(); ++c) {
      const double* x = chunk.cell(cells_[c]);
      std::copy(x, x + chunk.n, values_[c].begin() + static_cast<std::ptrdiff_t>(chunk.first_draw));
    }
    if (observed_) observed_->log_likelihood(chunk, log_likelihood_.data() + chunk.first_draw);
  }
  core::ValueUse value_use() const override { return core::ValueUse::ReadUnordered; }
  const std::vector<double>& values(std::size_t c) const { return values_[c]; }
  /// The draws' weights: exp(log L - max log L), or empty without observations.
  std::vector<double> weights() const {
    std::vector<double> w(log_likelihood_.size());
    if (!w.empty()) core::weights_from_log_likelihood(log_likelihood_.data(), w.size(), w.data());
    return w;
  }

 private:
  std::vector<int> cells_;
  std::vector<std::vector<double>> values_;
  const core::ObservationModel* observed_;
  std::vector<double> log_likelihood_;
};

// The mean of v, weighted by w where w is not empty.
double mean_of(const std::vector<double>& v, const std::vector<double>& w = {}) {
  double s = 0, total = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double weight = w.empty() ? 1.0 : w[i];
    if (weight == 0) continue;
    s += weight * v[i];
    total += weight;
  }
  return total > 0 ? s / total : NaN;
}

// Where the objective reads the model's cells.
struct Reading {
  int cell = -1;                          // the target's or the series' cell in its year
  int relative_cell = -1;                 // a relative target's denominator
  int cost_cell = -1, revenue_cell = -1;  // bcr: the appraisal's cells in the end year
  std::string series;                     // Mean: the series name; Probability: the target's id
  int sector = -1;                        // Mean: the sector of a sector series
  int year_index = 0;
};

// A variable group: the amounts one lever spreads (funds over years and
// sectors, space or land over years), as shares summing to 1 of its total.
// Variable k of a lever by sector is year y0 + k / ns and sector k % ns; of
// a lever by year, year y0 + k.
struct Group {
  std::size_t lever = 0;  // index in the settings
  bool by_sector = false;
  std::size_t y0 = 1;                // the first year chosen; earlier ones keep their amounts
  double total = 0;                  // of the years chosen
  std::size_t first = 0, count = 0;  // its variables
  core::OptimiseLever bounds;        // sectors (by sector only) and years, as shares of the total
};

struct Problem {
  const core::ScenarioSpec* spec = nullptr;
  std::vector<core::LeverSetting> base;  // every lever's setting, the chosen ones varied
  std::vector<Group> groups;
  std::size_t ns = 0, ny = 0;
  core::RunOptions run;
  Reading reading;
  Objective objective;
  const core::TargetSpec* target = nullptr;
  double smoothing = 0;
  double against_cost = 0, against_revenue = 0;  // bcr: the against scenario's means
  // The observations of a conditioned scenario: the search's means and
  // probabilities are weighted by their likelihood, as the run API's are.
  std::unique_ptr<core::ObservationModel> observed;
  int evaluations = 0;
  const std::atomic<bool>* stop = nullptr;
};

// The settings of the mix whose shares are x (each group's shares taken
// over their sum, negatives as 0), each lever's amounts summing to its
// total (the last largest amount takes the rounding).
std::vector<core::LeverSetting> mix_of(const Problem& p, const std::vector<double>& x) {
  std::vector<core::LeverSetting> out = p.base;
  for (const Group& g : p.groups) {
    // Shares below 1e-9 (COBYLA's residue at a bound) are none.
    auto share_of = [&](std::size_t k) { return x[g.first + k] < 1e-9 ? 0.0 : x[g.first + k]; };
    double sum = 0;
    for (std::size_t k = 0; k < g.count; ++k)
      sum += share_of(k);
    core::LeverSetting& s = out[g.lever];
    const std::size_t width = g.by_sector ? p.ns : 1;
    const std::size_t from = width * g.y0;  // the first amount chosen
    std::fill(s.amounts.begin() + static_cast<std::ptrdiff_t>(from), s.amounts.end(), 0.0);
    std::size_t largest = from;
    for (std::size_t k = 0; k < g.count; ++k) {
      const double share = sum > 0 ? share_of(k) / sum : 1.0 / static_cast<double>(g.count);
      const std::size_t a = from + k;
      s.amounts[a] = g.total * share;
      if (s.amounts[a] >= s.amounts[largest]) largest = a;
    }
    auto chosen_total = [&] {
      double t = 0;
      for (std::size_t a = from; a < s.amounts.size(); ++a)
        t += s.amounts[a];
      return t;
    };
    for (int round = 0; round < 4; ++round) {
      const double t = chosen_total();
      if (t == g.total) break;
      s.amounts[largest] = std::max(0.0, s.amounts[largest] + (g.total - t));
    }
  }
  return out;
}

// The likelihood of a conditioned scenario's observations, or null.
std::unique_ptr<core::ObservationModel> observation_model(const core::ScenarioSpec& spec,
                                                          const core::Model& model) {
  if (spec.observed.empty()) return nullptr;
  std::vector<std::string> ids;
  for (const auto& s : spec.sectors)
    ids.push_back(s.id);
  return std::make_unique<core::ObservationModel>(
      spec.observed,
      core::resolve_observations(spec.observed, model.layout(), spec.base_year, ids));
}

// A group's shares (each over the group's sum, negatives as 0) summed by
// year ([year index], 0 for the base year) and by sector (levers by sector).
struct Marginals {
  std::vector<double> years, sectors;
};

Marginals marginals(const Problem& p, const Group& g, const std::vector<double>& x) {
  Marginals m;
  m.years.assign(p.ny, 0.0);
  m.sectors.assign(g.by_sector ? p.ns : 0, 0.0);
  double all = 0;
  for (std::size_t k = 0; k < g.count; ++k)
    all += std::max(0.0, x[g.first + k]);
  if (!(all > 0)) return m;
  for (std::size_t k = 0; k < g.count; ++k) {
    const double v = std::max(0.0, x[g.first + k]) / all;
    if (g.by_sector) {
      m.years[g.y0 + k / p.ns] += v;
      m.sectors[k % p.ns] += v;
    } else {
      m.years[g.y0 + k] += v;
    }
  }
  return m;
}

bool within(const std::vector<double>& shares, const std::vector<core::ShareBounds>& bounds,
            std::size_t first) {
  constexpr double tol = 1e-9;
  for (std::size_t i = first; i < shares.size(); ++i)
    if (shares[i] > bounds[i].max + tol || shares[i] < bounds[i].min - tol) return false;
  return true;
}

// Shares moved by one common amount and clipped into their bounds so that
// they sum to 1 (the loader checked that the bounds allow it): the bounded
// shares nearest to `m` in the sense of a common shift.
std::vector<double> fit_shares(const std::vector<double>& m,
                               const std::vector<core::ShareBounds>& bounds, std::size_t first) {
  auto shifted = [&](double lambda, std::vector<double>* out) {
    double sum = 0;
    for (std::size_t i = first; i < m.size(); ++i) {
      const double v = std::clamp(m[i] + lambda, bounds[i].min, bounds[i].max);
      if (out) (*out)[i] = v;
      sum += v;
    }
    return sum;
  };
  double lo = -2, hi = 2;  // the sum is nondecreasing in lambda
  for (int i = 0; i < 200 && hi - lo > 1e-15; ++i) {
    const double mid = 0.5 * (lo + hi);
    (shifted(mid, nullptr) < 1 ? lo : hi) = mid;
  }
  std::vector<double> out(m.size(), 0.0);
  shifted(hi, &out);
  return out;
}
}  // namespace

core::ScenarioSpec with_levers(const core::ScenarioSpec& spec,
                               const std::vector<core::LeverSetting>& settings,
                               const std::string& name) {
  core::ScenarioSpec out = spec;
  out.name = name;
  for (const auto& s : settings)
    out.model_block.get()->set_lever(s);
  return out;
}

namespace {

// The per-draw objective of a mix on the search's draws: smoothed for a
// probability.
double evaluate(Problem& p, const std::vector<double>& x) {
  if (p.stop && p.stop->load()) throw run::Interrupted("interrupted; nothing written");
  ++p.evaluations;
  const core::ScenarioSpec candidate = with_levers(*p.spec, mix_of(p, x), p.spec->name);
  const auto model = models::make_model(candidate);
  const Reading& r = p.reading;
  std::vector<int> cells;
  if (p.objective.kind == ObjectiveKind::Bcr) {
    cells = {r.cost_cell, r.revenue_cell};
  } else {
    cells = {r.cell};
    if (r.relative_cell >= 0) cells.push_back(r.relative_cell);
  }
  CellValues sink(cells, p.run.draws, p.observed.get());
  core::run_draws(*model, p.run, {&sink});
  const std::vector<double> w = sink.weights();
  if (p.objective.kind == ObjectiveKind::Mean) return mean_of(sink.values(0), w);
  if (p.objective.kind == ObjectiveKind::Bcr) {
    const double cost = mean_of(sink.values(0), w) - p.against_cost;
    const double revenue = mean_of(sink.values(1), w) - p.against_revenue;
    return cost > 0 ? revenue / cost : -1e300;
  }
  const auto& v = sink.values(0);
  const bool up = p.target->op == core::Op::Greater || p.target->op == core::Op::GreaterEqual;
  double s = 0, total = 0;
  for (std::size_t d = 0; d < v.size(); ++d) {
    const double weight = w.empty() ? 1.0 : w[d];
    if (weight == 0) continue;
    total += weight;
    const double value = r.relative_cell >= 0 ? v[d] / sink.values(1)[d] : v[d];
    if (!std::isfinite(value)) continue;
    const double z = (value - p.target->threshold) / p.smoothing;
    s += weight * core::normal_cdf(up ? z : -z);
  }
  return total > 0 ? s / total : 0.0;
}

// The indicator values of the start mix, for the bandwidth (Silverman's
// rule: 1.06 sd N^(-1/5)).
double bandwidth(Problem& p, const std::vector<double>& x) {
  const core::ScenarioSpec candidate = with_levers(*p.spec, mix_of(p, x), p.spec->name);
  const auto model = models::make_model(candidate);
  std::vector<int> cells{p.reading.cell};
  if (p.reading.relative_cell >= 0) cells.push_back(p.reading.relative_cell);
  CellValues sink(cells, p.run.draws, p.observed.get());
  core::run_draws(*model, p.run, {&sink});
  // Weighted by the observations' likelihood where there are any, with
  // Kish's effective sample size for n.
  const std::vector<double> w = sink.weights();
  double sw = 0, sww = 0, s = 0, ss = 0;
  for (std::size_t d = 0; d < p.run.draws; ++d) {
    const double v =
        p.reading.relative_cell >= 0 ? sink.values(0)[d] / sink.values(1)[d] : sink.values(0)[d];
    const double weight = w.empty() ? 1.0 : w[d];
    if (!std::isfinite(v) || weight == 0) continue;
    sw += weight;
    sww += weight * weight;
    s += weight * v;
    ss += weight * v * v;
  }
  const double n = sww > 0 ? sw * sw / sww : 0;
  const double mean = sw > 0 ? s / sw : 0;
  const double var = sw > 0 ? std::max(0.0, ss / sw - mean * mean) : 0;
  const double sd = n > 1 ? std::sqrt(var * n / (n - 1)) : 0;
  const double h = 1.06 * sd * std::pow(std::max(1.0, n), -0.2);
  return h > 0 ? h : std::max(1e-12, std::abs(p.target->threshold) * 1e-3);
}

// The objective of the optimum and the start judged by the run API on one
// set of draws; improvement: optimum minus start, paired.
struct Judgement {
  Judged start, optimum, improvement;
};

Judgement judge(const Problem& p, const core::ScenarioSpec* against,
                const std::vector<core::LeverSetting>& start,
                const std::vector<core::LeverSetting>& optimum, std::uint64_t draws,
                std::uint64_t seed, int threads, std::size_t batch) {
  std::vector<core::ScenarioSpec> specs;
  const bool bcr = p.objective.kind == ObjectiveKind::Bcr;
  if (bcr) specs.push_back(*against);
  specs.push_back(with_levers(*p.spec, start, p.spec->name));
  specs.push_back(with_levers(*p.spec, optimum, p.spec->name + "-optimum"));
  run::RunOptions ro;
  ro.overrides.draws = draws;
  ro.overrides.seed = seed;
  ro.execution.threads = threads;
  ro.execution.batch = batch;
  ro.execution.stop = p.stop;
  const run::CompareOutcome out = run::compare_scenarios(specs, 0, ro);
  if (out.interrupted) throw run::Interrupted("interrupted; nothing written");
  Judgement j;
  const double n = static_cast<double>(draws);
  if (bcr) {
    j.start = {out.comparisons[0].appraisal ? out.comparisons[0].appraisal->bcr : NaN, NaN};
    j.optimum = {out.comparisons[1].appraisal ? out.comparisons[1].appraisal->bcr : NaN, NaN};
    j.improvement = {j.optimum.value - j.start.value, NaN};
    return j;
  }
  const core::Comparison& c = out.comparisons[0];
  // A conditioned scenario's draws are weighted: its probabilities' standard
  // errors are read from their intervals (Wilson, and Newcombe's paired one,
  // at the effective sample size), as `compare` states them.
  const bool weighted = !p.spec->observed.empty();
  if (p.objective.kind == ObjectiveKind::Probability) {
    auto prob = [&](const core::ScenarioResult& r) {
      for (const auto& t : r.targets) {
        if (t.spec.id != p.objective.target) continue;
        const core::Proportion& q = t.in_year;
        return Judged{
            q.p, weighted ? (q.high - q.low) / (2 * core::Z95) : std::sqrt(q.p * (1 - q.p) / n)};
      }
      return Judged{NaN, NaN};
    };
    j.start = prob(out.results[0]);
    j.optimum = prob(out.results[1]);
    for (const auto& t : c.targets) {
      if (t.id != p.objective.target) continue;
      if (weighted) {
        j.improvement = {t.paired.diff, (t.paired.high - t.paired.low) / (2 * core::Z95)};
        continue;
      }
      const double b = static_cast<double>(t.only_scenario) / n;
      const double e = static_cast<double>(t.only_baseline) / n;
      const double diff = b - e;
      j.improvement = {diff, std::sqrt(std::max(0.0, b + e - diff * diff) / n)};
    }
    return j;
  }
  // Mean of a cell: its summary's mean and sd; the paired difference's.
  const std::size_t ny = static_cast<std::size_t>(p.spec->n_years());
  const std::size_t y = static_cast<std::size_t>(p.reading.year_index);
  auto cell_stat = [&](const std::vector<core::SeriesSummary>& sums, int stat) {
    for (const auto& s : sums) {
      if (s.info.name != p.reading.series) continue;
      const std::size_t width = s.info.by_sector ? p.ns : 1;
      const std::size_t sector = s.info.by_sector ? static_cast<std::size_t>(p.reading.sector) : 0;
      return s.stats[(static_cast<std::size_t>(stat) * ny + y) * width + sector];
    }
    return NaN;
  };
  // Monte Carlo errors at the effective sample size of weighted draws.
  for (int k = 0; k < 2; ++k) {
    const core::ScenarioResult& r = out.results[static_cast<std::size_t>(k)];
    const double size = r.conditioning ? r.conditioning->ess : n;
    const Judged v{cell_stat(r.summaries, 0), cell_stat(r.summaries, 1) / std::sqrt(size)};
    (k == 0 ? j.start : j.optimum) = v;
  }
  const double size = out.results[0].conditioning ? out.results[0].conditioning->ess : n;
  j.improvement = {cell_stat(c.diffs, 0), cell_stat(c.diffs, 3) / std::sqrt(size)};
  return j;
}

}  // namespace

Objective parse_objective(const std::string& text) {
  Objective o;
  o.text = text;
  auto bad = [&] {
    return run::InputError("--objective must be prob:TARGET, mean:SERIES@YEAR or bcr (got '" +
                           text + "')");
  };
  if (text == "bcr") {
    o.kind = ObjectiveKind::Bcr;
    return o;
  }
  if (text.rfind("prob:", 0) == 0) {
    o.kind = ObjectiveKind::Probability;
    o.target = text.substr(5);
    if (o.target.empty()) throw bad();
    return o;
  }
  if (text.rfind("mean:", 0) == 0) {
    o.kind = ObjectiveKind::Mean;
    const std::string rest = text.substr(5);
    const auto at = rest.rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 == rest.size()) throw bad();
    o.series = rest.substr(0, at);
    const std::string year = rest.substr(at + 1);
    if (year.size() > 6 || year.find_first_not_of("0123456789") != std::string::npos) throw bad();
    o.year = std::stoi(year);
    return o;
  }
  throw bad();
}

OptimiseResult optimise(const core::ScenarioSpec& spec, const core::ScenarioSpec* against,
                        const OptimiseOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const Objective& obj = options.objective;
  const auto model = models::make_model(spec);
  const core::ModelDeclaration& decl = model->declaration();
  std::vector<std::string> sector_ids;
  for (const auto& s : spec.sectors)
    sector_ids.push_back(s.id);

  Problem p;
  p.spec = &spec;
  p.objective = obj;
  p.stop = options.stop;
  p.ns = spec.sectors.size();
  p.ny = static_cast<std::size_t>(spec.n_years());
  OptimiseResult result;
  result.objective = obj;
  result.base_year = spec.base_year;

  // The objective's cells.
  if (obj.kind == ObjectiveKind::Probability) {
    std::string ids;
    for (const auto& t : spec.targets) {
      if (t.id == obj.target) p.target = &t;
      ids += (ids.empty() ? "" : ", ") + t.id;
    }
    if (!p.target)
      throw run::InputError(
          "--objective: the scenario has no target '" + obj.target + "'" +
          (ids.empty() ? std::string(" (it has none)") : " (its targets: " + ids + ")"));
    const auto rt = core::resolve_targets({*p.target}, model->layout(), spec.base_year, sector_ids);
    p.reading.cell = rt[0].cells[static_cast<std::size_t>(rt[0].year_index)];
    p.reading.relative_cell = rt[0].relative_cell;
    p.reading.year_index = rt[0].year_index;
    result.unit = "probability";
  } else if (obj.kind == ObjectiveKind::Mean) {
    if (obj.year <= spec.base_year || obj.year > spec.end_year)
      throw run::InputError("--objective: year " + std::to_string(obj.year) + " is outside " +
                            std::to_string(spec.base_year + 1) + "-" +
                            std::to_string(spec.end_year) + ", the years the scenario simulates");
    core::TargetSpec t;
    t.id = "objective";
    t.indicator = obj.series;
    t.year = obj.year;
    std::vector<core::ResolvedTarget> rt;
    try {
      rt = core::resolve_targets({t}, model->layout(), spec.base_year, sector_ids);
    } catch (const std::invalid_argument& e) {
      throw run::InputError("--objective '" + obj.text + "': " + e.what());
    }
    p.reading.cell = rt[0].cells[static_cast<std::size_t>(rt[0].year_index)];
    p.reading.year_index = rt[0].year_index;
    const auto dot = obj.series.find('.');
    p.reading.series = obj.series.substr(0, dot);
    for (const auto& si : model->layout().series())
      if (si.name == p.reading.series) result.unit = si.units;
    if (dot != std::string::npos) {
      const std::string sector = obj.series.substr(dot + 1);
      for (std::size_t s = 0; s < p.ns; ++s)
        if (spec.sectors[s].id == sector) p.reading.sector = static_cast<int>(s);
    }
  } else {
    if (!against)
      throw run::InputError(
          "--objective bcr needs --against BASELINE.yaml, the scenario the "
          "extra cost and revenue are measured against");
    if (!decl.appraisal)
      throw run::InputError("--objective bcr: the " + decl.name + " model has no cost side");
    const auto& layout = model->layout();
    const int end = static_cast<int>(p.ny) - 1;
    for (int s = 0; s < static_cast<int>(layout.series().size()); ++s) {
      if (layout.series()[static_cast<std::size_t>(s)].name == decl.appraisal->cost)
        p.reading.cost_cell = layout.cell(s, end);
      if (layout.series()[static_cast<std::size_t>(s)].name == decl.appraisal->revenue)
        p.reading.revenue_cell = layout.cell(s, end);
    }
    if (p.reading.cost_cell < 0 || p.reading.revenue_cell < 0)
      throw run::InputError("--objective bcr: the model's appraisal series are missing");
    result.unit = "1";
  }

  // The levers: those named on the command line, else the scenario's
  // `optimise.levers`, else funds.
  std::string keys;
  for (const auto& l : decl.levers)
    keys += (keys.empty() ? "" : ", ") + l.key;
  std::vector<std::string> chosen_keys;
  if (options.levers) {
    chosen_keys = *options.levers;
  } else if (!spec.optimise.empty()) {
    for (const auto& l : spec.optimise.levers)
      chosen_keys.push_back(l.key);
  } else {
    chosen_keys = {"funds"};
  }
  if (chosen_keys.empty()) throw run::InputError("--levers: name at least one lever");
  p.base = spec.model_block.get() ? spec.model_block.get()->lever_settings()
                                  : std::vector<core::LeverSetting>{};
  bool funds = false;
  for (std::size_t i = 0; i < chosen_keys.size(); ++i) {
    const std::string& key = chosen_keys[i];
    if (std::find(chosen_keys.begin(), chosen_keys.begin() + static_cast<std::ptrdiff_t>(i), key) !=
        chosen_keys.begin() + static_cast<std::ptrdiff_t>(i))
      throw run::InputError("--levers: '" + key + "' is named twice");
    std::size_t d = decl.levers.size();
    for (std::size_t k = 0; k < decl.levers.size(); ++k)
      if (decl.levers[k].key == key) d = k;
    if (d == decl.levers.size() || d >= p.base.size())
      throw run::InputError(
          "--levers: the " + decl.name + " model has no lever '" + key + "'" +
          (keys.empty() ? std::string(" (it has none)") : " (its levers: " + keys + ")"));
    Group g;
    g.lever = d;
    g.by_sector = decl.levers[d].shape == core::LeverShape::YearBySector;
    // Its bounds in the scenario, or none.
    g.bounds.key = key;
    g.bounds.years.assign(p.ny, core::ShareBounds{});
    g.bounds.years[0] = {0, 0};
    if (g.by_sector) g.bounds.sectors.assign(p.ns, core::ShareBounds{});
    for (const auto& l : spec.optimise.levers)
      if (l.key == key) g.bounds = l;
    g.y0 = std::clamp<std::size_t>(g.bounds.first_year, 1, p.ny - 1);
    const std::size_t width = g.by_sector ? p.ns : 1;
    g.total = 0;
    for (std::size_t a = width * g.y0; a < p.base[d].amounts.size(); ++a)
      g.total += p.base[d].amounts[a];
    if (g.bounds.total) g.total = *g.bounds.total;
    if (key == "funds") {
      funds = true;
      if (options.budget) g.total = *options.budget;
    }
    g.bounds.total = g.total;
    g.count = (p.ny - g.y0) * width;
    if (g.bounds.years.size() != p.ny || g.bounds.sectors.size() != (g.by_sector ? p.ns : 0))
      throw std::invalid_argument((g.bounds.where.empty() ? std::string() : g.bounds.where + ": ") +
                                  "optimise: the bounds of '" + key +
                                  "' do not fit the scenario's years and sectors");
    p.groups.push_back(g);
  }
  if (options.budget && !(*options.budget > 0 && std::isfinite(*options.budget)))
    throw run::InputError("--budget must be > 0 (got " + number(*options.budget) + ")");
  if (options.budget && !funds)
    throw run::InputError("--budget is the funds' total: add funds to --levers");
  if (options.max_evaluations < 1 || options.max_evaluations > 100000)
    throw run::InputError("--max-evaluations must be from 1 to 100000 (got " +
                          std::to_string(options.max_evaluations) + ")");
  for (const Group& g : p.groups)
    if (!(g.total > 0))
      throw run::InputError("--levers: the scenario's '" + p.base[g.lever].key +
                            "' total is 0: nothing to allocate");

  // The draws of the search and of the check.
  run::Overrides ov;
  ov.draws = options.draws;
  ov.seed = options.seed;
  const core::RunSettings search = run::apply_overrides(spec.run, ov);
  run::Overrides fresh_ov;
  fresh_ov.draws = options.fresh_draws ? options.fresh_draws : std::optional(search.draws);
  fresh_ov.seed = options.fresh_seed ? *options.fresh_seed : search.seed + 1;
  const core::RunSettings fresh = run::apply_overrides(spec.run, fresh_ov);
  if (fresh.seed == search.seed)
    throw run::InputError("--fresh-seed must differ from the search's seed (" +
                          std::to_string(search.seed) + ")");
  run::Execution ex;
  ex.threads = options.threads;
  ex.batch = options.batch;
  ex.stop = options.stop;
  run::check_execution(ex);
  p.run = run::runner_options(search, ex);

  // Variables: each group's shares, from the scenario's own mix.
  std::size_t n_vars = 0;
  for (Group& g : p.groups) {
    g.first = n_vars;
    n_vars += g.count;
  }
  std::vector<double> x0(n_vars);
  for (const Group& g : p.groups) {
    const auto& a = p.base[g.lever].amounts;
    const std::size_t from = (g.by_sector ? p.ns : 1) * g.y0;
    double t = 0;
    for (std::size_t k = 0; k < g.count; ++k)
      t += a[from + k];
    for (std::size_t k = 0; k < g.count; ++k)
      x0[g.first + k] = t > 0 ? a[from + k] / t : 1.0 / static_cast<double>(g.count);
  }
  result.start = mix_of(p, x0);

  p.observed = observation_model(spec, *model);
  if (p.observed) {
    // A conditioned scenario: the run API first checks, on the scenario's
    // own mix, that the search's draws leave enough effective sample
    // (observed.min_ess), so that a search too small for it is refused at
    // once rather than after it.
    run::RunOptions ro;
    ro.overrides.draws = search.draws;
    ro.overrides.seed = search.seed;
    ro.execution = ex;
    const run::RunOutcome checked =
        run::run_scenario(with_levers(spec, result.start, spec.name), ro);
    if (checked.interrupted) throw run::Interrupted("interrupted; nothing written");
  }
  if (obj.kind == ObjectiveKind::Probability) p.smoothing = bandwidth(p, x0);
  if (obj.kind == ObjectiveKind::Bcr) {
    const auto against_model = models::make_model(*against);
    const auto against_observed = observation_model(*against, *against_model);
    CellValues sink({p.reading.cost_cell, p.reading.revenue_cell}, p.run.draws,
                    against_observed.get());
    core::run_draws(*against_model, p.run, {&sink});
    const std::vector<double> w = sink.weights();
    p.against_cost = mean_of(sink.values(0), w);
    p.against_revenue = mean_of(sink.values(1), w);
  }

  // The bounds: each sector's share of a lever by sector over its years,
  // and each year's share, within the scenario's [min, max].
  const auto feasible = [&](const std::vector<double>& x) {
    for (const Group& g : p.groups) {
      const Marginals m = marginals(p, g, x);
      if (!within(m.years, g.bounds.years, g.y0) || !within(m.sectors, g.bounds.sectors, 0))
        return false;
    }
    return true;
  };
  // The start: the scenario's own mix, or where it breaks the bounds, the
  // product of its year and sector shares each moved into their bounds.
  std::vector<double> x_start = x0;
  if (!feasible(x0)) {
    for (const Group& g : p.groups) {
      const Marginals m = marginals(p, g, x0);
      const std::vector<double> years = fit_shares(m.years, g.bounds.years, g.y0);
      const std::vector<double> sectors =
          g.by_sector ? fit_shares(m.sectors, g.bounds.sectors, 0) : std::vector<double>{};
      for (std::size_t k = 0; k < g.count; ++k)
        x_start[g.first + k] =
            g.by_sector ? years[g.y0 + k / p.ns] * sectors[k % p.ns] : years[g.y0 + k];
    }
  }

  std::vector<double> best_x = x_start;
  double best = -std::numeric_limits<double>::infinity();
  bool have_best = false;
  struct Context {
    Problem* p;
    std::vector<double>* best_x;
    double* best;
    bool* have_best;
    std::function<bool(const std::vector<double>&)> is_feasible;
  } ctx{&p, &best_x, &best, &have_best, feasible};

  nlopt::opt opt(nlopt::LN_COBYLA, static_cast<unsigned>(n_vars));
  std::vector<double> lower(n_vars, 0.0), upper(n_vars, 1.0);
  for (const Group& g : p.groups)
    for (std::size_t k = 0; k < g.count; ++k) {
      const std::size_t y = g.by_sector ? g.y0 + k / p.ns : g.y0 + k;
      upper[g.first + k] = g.bounds.years[y].max;
      if (g.by_sector) {
        upper[g.first + k] = std::min(upper[g.first + k], g.bounds.sectors[k % p.ns].max);
      } else {
        lower[g.first + k] = g.bounds.years[y].min;
      }
    }
  opt.set_lower_bounds(lower);
  opt.set_upper_bounds(upper);
  opt.set_max_objective(
      [](const std::vector<double>& x, std::vector<double>&, void* data) {
        auto& c = *static_cast<Context*>(data);
        const double v = evaluate(*c.p, x);
        if (c.is_feasible(x) && (!*c.have_best || v > *c.best)) {
          *c.best = v;
          *c.best_x = x;
          *c.have_best = true;
        }
        return v;
      },
      &ctx);
  // Each group's shares sum to 1; a sum of some of them (a sector's over
  // the years, a year's over the sectors) within its bounds:
  // sign * (sum - bound) <= 0.
  struct SumRef {
    std::size_t first, stride, terms;
    double bound;
    double sign;  // +1: the sum at most `bound`; -1: at least
  };
  std::vector<SumRef> refs;
  refs.reserve(p.groups.size() * (1 + 2 * (p.ns + p.ny)));
  const auto sum_bound = [](const std::vector<double>& x, std::vector<double>&, void* data) {
    const auto& r = *static_cast<const SumRef*>(data);
    double v = 0;
    for (std::size_t t = 0; t < r.terms; ++t)
      v += x[r.first + t * r.stride];
    return r.sign * (v - r.bound);
  };
  const auto add_bounds = [&](std::size_t first, std::size_t stride, std::size_t terms,
                              const core::ShareBounds& b) {
    if (b.max < 1) {
      refs.push_back({first, stride, terms, b.max, 1});
      opt.add_inequality_constraint(sum_bound, &refs.back(), 1e-10);
    }
    if (b.min > 0) {
      refs.push_back({first, stride, terms, b.min, -1});
      opt.add_inequality_constraint(sum_bound, &refs.back(), 1e-10);
    }
  };
  for (const Group& g : p.groups) {
    refs.push_back({g.first, 1, g.count, 0, 1});
    opt.add_equality_constraint(
        [](const std::vector<double>& x, std::vector<double>&, void* data) {
          const auto& r = *static_cast<const SumRef*>(data);
          double s = 0;
          for (std::size_t k = 0; k < r.terms; ++k)
            s += x[r.first + k];
          return s - 1;
        },
        &refs.back(), 1e-10);
    if (!g.by_sector) continue;  // its years' bounds are the variables' own
    for (std::size_t s = 0; s < p.ns; ++s)
      add_bounds(g.first + s, p.ns, p.ny - g.y0, g.bounds.sectors[s]);
    for (std::size_t y = g.y0; y < p.ny; ++y)
      add_bounds(g.first + (y - g.y0) * p.ns, 1, p.ns, g.bounds.years[y]);
  }
  opt.set_maxeval(options.max_evaluations);
  opt.set_xtol_rel(1e-6);
  opt.set_initial_step(0.05);
  std::vector<double> x = x_start;
  double value = 0;
  try {
    opt.optimize(x, value);
  } catch (const nlopt::roundoff_limited&) {
    // The best point so far stands.
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const run::Interrupted*>(&e)) throw;
    if (!have_best) throw;
  }
  // No feasible point evaluated: the feasible start stands.
  result.optimum = mix_of(p, best_x);
  for (const Group& g : p.groups)
    result.bounds.push_back(g.bounds);
  result.evaluations = p.evaluations;
  result.algorithm = "NLopt COBYLA";
  result.smoothing = p.smoothing;
  result.budget = 0;
  for (const Group& g : p.groups)
    if (p.base[g.lever].key == "funds") result.budget = g.total;
  result.draws = search.draws;
  result.seed = search.seed;
  result.fresh_draws = fresh.draws;
  result.fresh_seed = fresh.seed;

  // Only the chosen levers are reported (and restated in the file).
  auto chosen = [&](const std::vector<core::LeverSetting>& all) {
    std::vector<core::LeverSetting> out;
    for (const Group& g : p.groups)
      out.push_back(all[g.lever]);
    return out;
  };
  const Judgement in = judge(p, against, result.start, result.optimum, search.draws, search.seed,
                             options.threads, options.batch);
  const Judgement out = judge(p, against, result.start, result.optimum, fresh.draws, fresh.seed,
                              options.threads, options.batch);
  result.start = chosen(result.start);
  result.optimum = chosen(result.optimum);
  result.in_sample_start = in.start;
  result.in_sample_optimum = in.optimum;
  result.fresh_start = out.start;
  result.fresh_optimum = out.optimum;
  result.improvement = out.improvement;
  result.in_sample_improvement = in.improvement;
  result.gap = {in.optimum.value - out.optimum.value,
                std::sqrt(in.optimum.se * in.optimum.se + out.optimum.se * out.optimum.se)};
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace sectorsim::analysis
