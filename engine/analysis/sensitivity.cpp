#include "engine/analysis/sensitivity.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>

#include "engine/exec/runner.hpp"
#include "engine/run/errors.hpp"
#include "engine/spec/model.hpp"
#include "engine/stats/sensitivity.hpp"
#include "engine/stats/summary.hpp"
#include "models/registry.hpp"

namespace sectorsim::analysis {

SensitivityMethod parse_method(const std::string& name) {
  if (name == "sobol") return SensitivityMethod::Sobol;
  if (name == "morris") return SensitivityMethod::Morris;
  throw run::InputError("--method must be sobol or morris (got '" + name + "')");
}

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// What one output reads from one scenario's batch of results.
struct Reader {
  bool target = false;
  int cell = -1;           // the series cell, or the target's cell in its year
  int relative_cell = -1;  // a target's denominator
  core::Op op = core::Op::Greater;
  double threshold = 0;

  double value(const double* out, std::size_t stride, std::size_t lane) const {
    const double x = out[static_cast<std::size_t>(cell) * stride + lane];
    if (!target) return x;
    const double v =
        relative_cell >= 0 ? x / out[static_cast<std::size_t>(relative_cell) * stride + lane] : x;
    return std::isfinite(v) && core::meets(op, v, threshold) ? 1.0 : 0.0;
  }
};

struct Output {
  std::string id;
  std::string description;
  bool diff = false;
  Reader plan, base;
};

struct Scenario {
  const core::ScenarioSpec* spec = nullptr;
  std::unique_ptr<core::Model> model;
  std::vector<std::string> sector_ids;
};

Scenario make_scenario(const core::ScenarioSpec& spec) {
  Scenario s;
  s.spec = &spec;
  s.model = models::make_model(spec);
  for (const auto& sec : spec.sectors)
    s.sector_ids.push_back(sec.id);
  return s;
}

std::string year_range(const core::ScenarioSpec& spec) {
  return spec.end_year > spec.base_year
             ? std::to_string(spec.base_year) + "-" + std::to_string(spec.end_year)
             : std::to_string(spec.base_year);
}

// The reader of `name` (no "diff:") in scenario `s`; throws InputError with
// `shown` (the option as given) first.
Reader make_reader(const std::string& name, const std::string& shown, const Scenario& s,
                   std::string* description) {
  const auto& spec = *s.spec;
  const auto& layout = s.model->layout();
  for (const auto& t : spec.targets) {
    if (t.id != name) continue;
    std::vector<core::ResolvedTarget> rt;
    try {
      rt = core::resolve_targets({t}, layout, spec.base_year, s.sector_ids);
    } catch (const std::invalid_argument& e) {
      throw run::InputError("--output '" + shown + "': " + e.what());
    }
    Reader r;
    r.target = true;
    r.cell = rt[0].cells[static_cast<std::size_t>(rt[0].year_index)];
    r.relative_cell = rt[0].relative_cell;
    r.op = t.op;
    r.threshold = t.threshold;
    if (description) *description = "target " + t.id + " met (0/1): " + t.label_en;
    return r;
  }
  const auto at = name.rfind('@');
  const std::string series = name.substr(0, at);
  int year = spec.base_year;
  if (at == std::string::npos) {
    if (spec.end_year != spec.base_year) {
      std::vector<std::string> candidates;
      for (const auto& t : spec.targets)
        candidates.push_back(t.id);
      for (const auto& si : layout.series())
        candidates.push_back(si.name);
      std::string msg = "--output '" + shown + "': not a target of scenario '" + spec.name +
                        "' nor a series cell SERIES@YEAR";
      const std::string hint = core::closest_match(name, candidates);
      if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
      throw run::InputError(msg);
    }
  } else {
    const std::string y = name.substr(at + 1);
    char* end = nullptr;
    const long v = y.empty() ? 0 : std::strtol(y.c_str(), &end, 10);
    if (y.empty() || *end != '\0' || v < spec.base_year || v > spec.end_year) {
      throw run::InputError("--output '" + shown + "': the year must be one of " +
                            year_range(spec) + " (got '" + y + "')");
    }
    year = static_cast<int>(v);
  }
  std::string err;
  const auto ref = core::resolve_series(series, layout.series(), s.sector_ids, &err);
  if (!ref) throw run::InputError("--output '" + shown + "': " + err);
  Reader r;
  r.cell = layout.cell(ref->series, year - spec.base_year, std::max(ref->sector, 0));
  if (description) {
    const auto& info = layout.series()[static_cast<std::size_t>(ref->series)];
    *description = info.description + " (" + info.units + "), " + std::to_string(year);
  }
  return r;
}

std::vector<std::string> default_outputs(const core::ScenarioSpec& spec, bool against) {
  std::vector<std::string> ids;
  auto add = [&](const std::string& id) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  for (const auto& t : spec.targets) {
    add(t.indicator + "@" + std::to_string(t.year));
    add(t.id);
  }
  if (against) {
    const std::vector<std::string> plain = ids;
    for (const auto& id : plain)
      add("diff:" + id);
  }
  return ids;
}

// A factor: parameter columns and, for the group of shocks, every shock row.
struct Factor {
  std::string name;
  std::vector<std::string> members;
  std::vector<std::size_t> columns;  // parameter rows of the plan's model
  bool shocks = false;
  int evaluation = -1;  // its AB matrix (index into the design's factors)
};

bool power_of_two(std::uint64_t n) {
  return n != 0 && (n & (n - 1)) == 0;
}

std::uint64_t nearest_power_of_two(std::uint64_t n) {
  std::uint64_t lo = 1;
  while (lo * 2 <= n)
    lo *= 2;
  return n - lo <= lo * 2 - n ? lo : lo * 2;
}

// Runs work(block, worker) for block in [0, blocks) on `threads` threads,
// stopping at the first exception (rethrown) or when *stop turns true.
template <typename Work>
void parallel_blocks(std::uint64_t blocks, int threads, const std::atomic<bool>* stop, Work work) {
  std::atomic<std::uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex m;
  auto body = [&](int worker) {
    try {
      for (;;) {
        if (failed.load() || (stop && stop->load())) return;
        const std::uint64_t b = next.fetch_add(1);
        if (b >= blocks) return;
        work(b, worker);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(m);
      if (!error) error = std::current_exception();
      failed.store(true);
    }
  };
  const int t = static_cast<int>(std::max<std::uint64_t>(
      1, std::min<std::uint64_t>(static_cast<std::uint64_t>(std::max(threads, 1)), blocks)));
  std::vector<std::thread> pool;
  for (int w = 1; w < t; ++w)
    pool.emplace_back(body, w);
  body(0);
  for (auto& th : pool)
    th.join();
  if (error) std::rethrow_exception(error);
  if (stop && stop->load()) throw run::Interrupted("interrupted; nothing written");
}

// One scenario's batch buffers.
struct Buffers {
  std::vector<double> params, shocks, out, work;
  void size(const core::Model& m, std::size_t stride) {
    params.assign(m.parameters().size() * stride, 0);
    shocks.assign(static_cast<std::size_t>(m.n_shocks()) * stride, 0);
    out.assign(static_cast<std::size_t>(m.layout().n_cells()) * stride, 0);
    work.assign(m.workspace_size(stride), 0);
  }
  void simulate(const core::Model& m, std::size_t n, std::size_t stride) {
    core::BatchIn in{n, stride, params.data(), shocks.empty() ? nullptr : shocks.data()};
    core::BatchOut o{stride, out.data()};
    m.simulate(in, o, work.data());
  }
};

FactorIndices empty_indices(const Factor& f) {
  return {f.name, f.members, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN};
}

}  // namespace

std::vector<std::string> output_ids(const core::ScenarioSpec& spec, bool against,
                                    const std::vector<std::string>& asked) {
  if (asked.empty()) return default_outputs(spec, against);
  std::vector<std::string> ids;
  for (const auto& id : asked)
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  return ids;
}

SensitivityResult run_sensitivity(const core::ScenarioSpec& spec, const core::ScenarioSpec* against,
                                  const SensitivityOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  if (options.threads < 1 || options.threads > 1024)
    throw run::InputError("--threads must be from 1 to 1024");
  if (options.batch < 1) throw run::InputError("the batch must be at least 1 draw");
  const bool sobol = options.method == SensitivityMethod::Sobol;
  const std::uint64_t samples = options.samples != 0
                                    ? options.samples
                                    : (sobol ? DEFAULT_SOBOL_SAMPLES : DEFAULT_MORRIS_TRAJECTORIES);
  if (sobol) {
    if (!power_of_two(samples) || samples < 2) {
      throw run::InputError(
          "--samples must be a power of two from 2 to 2^24 for --method sobol "
          "(got " +
          std::to_string(samples) + "; try " +
          std::to_string(std::max<std::uint64_t>(2, nearest_power_of_two(samples))) + ")");
    }
    if (samples > MAX_SOBOL_SAMPLES)
      throw run::InputError("--samples must be at most 2^24 = 16777216 (got " +
                            std::to_string(samples) + ")");
  } else if (samples < 2 || samples > MAX_MORRIS_TRAJECTORIES) {
    throw run::InputError(
        "--samples (trajectories) must be from 2 to 65536 for --method morris "
        "(got " +
        std::to_string(samples) + ")");
  }
  if (options.sampler != core::Sampler::Sobol && options.sampler != core::Sampler::MonteCarlo)
    throw run::InputError("--sampler must be sobol or mc for sensitivity");

  Scenario plan = make_scenario(spec);
  std::optional<Scenario> base;
  if (against) base = make_scenario(*against);
  const auto& params = plan.model->parameters();
  const std::size_t P = params.size();
  const auto S = static_cast<std::size_t>(plan.model->n_shocks());

  // The compared scenario's parameter rows, matched by name.
  std::vector<std::size_t> base_row;  // base_row[jb] = the plan's row
  if (base) {
    const auto& bp = base->model->parameters();
    std::map<std::string, std::size_t> at;
    for (std::size_t j = 0; j < P; ++j)
      at[params[j].name] = j;
    std::vector<std::string> only_base, only_plan;
    std::set<std::string> seen;
    for (const auto& p : bp) {
      seen.insert(p.name);
      const auto it = at.find(p.name);
      if (it == at.end())
        only_base.push_back(p.name);
      else
        base_row.push_back(it->second);
    }
    for (const auto& p : params)
      if (!seen.count(p.name)) only_plan.push_back(p.name);
    if (!only_base.empty() || !only_plan.empty() ||
        static_cast<std::size_t>(base->model->n_shocks()) != S) {
      auto list = [](const std::vector<std::string>& v) {
        std::string s;
        for (std::size_t i = 0; i < v.size() && i < 3; ++i)
          s += (i ? ", " : "") + v[i];
        if (v.size() > 3) s += " and " + std::to_string(v.size() - 3) + " more";
        return s;
      };
      std::string msg = "--against " + against->name + ": its parameters differ from those of " +
                        spec.name + "; a paired analysis needs the same";
      if (!only_plan.empty()) msg += "; only in " + spec.name + ": " + list(only_plan);
      if (!only_base.empty()) msg += "; only in " + against->name + ": " + list(only_base);
      if (only_base.empty() && only_plan.empty())
        msg += " (" + std::to_string(S) + " shocks against " +
               std::to_string(base->model->n_shocks()) + ")";
      throw run::InputError(msg);
    }
  }

  // Outputs.
  std::vector<Output> outputs;
  {
    const std::vector<std::string> ids = output_ids(spec, against != nullptr, options.outputs);
    if (ids.empty()) {
      throw run::InputError(spec.name +
                            ": the scenario has no targets; name what to analyse with --output");
    }
    std::set<std::string> seen;
    for (const auto& id : ids) {
      if (!seen.insert(id).second) continue;
      Output o;
      o.id = id;
      std::string name = id;
      if (id.rfind("diff:", 0) == 0) {
        if (!base)
          throw run::InputError("--output '" + id + "': a difference needs --against FILE");
        o.diff = true;
        name = id.substr(5);
      }
      o.plan = make_reader(name, id, plan, &o.description);
      if (o.diff) {
        // A target is judged by the plan's own definition in both scenarios.
        const auto t = std::find_if(spec.targets.begin(), spec.targets.end(),
                                    [&](const core::TargetSpec& x) { return x.id == name; });
        if (t != spec.targets.end()) {
          std::vector<core::ResolvedTarget> rt;
          try {
            rt = core::resolve_targets({*t}, base->model->layout(), against->base_year,
                                       base->sector_ids);
          } catch (const std::invalid_argument& e) {
            throw run::InputError("--output '" + id + "' in " + against->name + ": " + e.what());
          }
          o.base = o.plan;
          o.base.cell = rt[0].cells[static_cast<std::size_t>(rt[0].year_index)];
          o.base.relative_cell = rt[0].relative_cell;
        } else {
          o.base = make_reader(name, id, *base, nullptr);
        }
        o.description = "plan effect (" + spec.name + " - " + against->name + "): " + o.description;
      }
      outputs.push_back(std::move(o));
    }
  }

  // Factors: every parameter uncertain in either scenario, one by one.
  auto uncertain = [&](std::size_t j) {
    if (!params[j].prior.is_fixed()) return true;
    if (base) {
      const auto& bp = base->model->parameters();
      for (std::size_t jb = 0; jb < bp.size(); ++jb)
        if (base_row[jb] == j && !bp[jb].prior.is_fixed()) return true;
    }
    return false;
  };
  std::vector<Factor> singles;
  for (std::size_t j = 0; j < P; ++j) {
    if (!uncertain(j)) continue;
    Factor f;
    f.name = params[j].name;
    f.members = {f.name};
    f.columns = {j};
    singles.push_back(std::move(f));
  }
  if (singles.empty() && S == 0)
    throw run::InputError(spec.name +
                          ": no parameter is uncertain and the model has no shocks; "
                          "there is nothing to analyse");

  const std::uint64_t seed = options.seed.value_or(spec.run.seed);
  SensitivityResult result;
  result.method = options.method;
  result.scenario = spec.name;
  result.against = against ? against->name : "";
  result.samples = samples;
  result.seed = seed;
  result.sampler = options.sampler;
  result.replicates = spec.run.replicates;
  result.resamples = options.resamples;
  const std::size_t stride = options.batch;
  const std::size_t n_models = base ? 2 : 1;

  // Runs one batch of n lanes whose plan inputs are in `b[0]` (and the
  // compared scenario's in `b[1]`) and stores output o's value of lane i
  // at store[o][row0 + i].
  auto evaluate = [&](std::vector<Buffers>& b, std::size_t n,
                      std::vector<std::vector<double>>& store, std::uint64_t row0) {
    b[0].simulate(*plan.model, n, stride);
    if (base) b[1].simulate(*base->model, n, stride);
    for (std::size_t o = 0; o < outputs.size(); ++o) {
      const Output& out = outputs[o];
      double* dst = store[o].data() + row0;
      for (std::size_t i = 0; i < n; ++i) {
        const double v = out.plan.value(b[0].out.data(), stride, i);
        dst[i] = out.diff ? v - out.base.value(b[1].out.data(), stride, i) : v;
      }
    }
  };
  // The compared scenario's uniforms from the plan's (rows by name).
  auto copy_to_base = [&](std::vector<Buffers>& b, std::size_t n) {
    for (std::size_t jb = 0; jb < base_row.size(); ++jb)
      std::memcpy(b[1].params.data() + jb * stride, b[0].params.data() + base_row[jb] * stride,
                  n * sizeof(double));
    if (S) std::memcpy(b[1].shocks.data(), b[0].shocks.data(), S * stride * sizeof(double));
  };
  auto to_inputs = [&](std::vector<Buffers>& b, std::size_t n) {
    if (base) {
      copy_to_base(b, n);
      core::uniforms_to_inputs(*base->model, n, stride, b[1].params.data(),
                               S ? b[1].shocks.data() : nullptr);
    }
    core::uniforms_to_inputs(*plan.model, n, stride, b[0].params.data(),
                             S ? b[0].shocks.data() : nullptr);
  };
  auto new_buffers = [&] {
    std::vector<Buffers> b(n_models);
    b[0].size(*plan.model, stride);
    if (base) b[1].size(*base->model, stride);
    return b;
  };
  std::mutex progress_mutex;
  std::atomic<std::uint64_t> rows_done{0};
  auto report = [&](std::uint64_t rows, std::uint64_t total) {
    const std::uint64_t done = rows_done.fetch_add(rows) + rows;
    if (options.progress) {
      std::lock_guard<std::mutex> lock(progress_mutex);
      options.progress(done, total);
    }
  };

  if (sobol) {
    // Groups: each block (parameters of one block, the model's shocks in
    // "shocks"); a group of one parameter named after it is that parameter.
    std::vector<Factor> groups;
    std::map<std::string, std::size_t> group_at;
    for (const auto& f : singles) {
      const std::string& block = params[f.columns[0]].block;
      const std::string g = block.empty() ? f.name : block;
      if (!group_at.count(g)) {
        group_at[g] = groups.size();
        Factor nf;
        nf.name = g;
        groups.push_back(nf);
      }
      auto& gr = groups[group_at[g]];
      gr.members.push_back(f.name);
      gr.columns.push_back(f.columns[0]);
    }
    if (S) {
      if (!group_at.count(SHOCKS_GROUP)) {
        group_at[SHOCKS_GROUP] = groups.size();
        Factor nf;
        nf.name = SHOCKS_GROUP;
        groups.push_back(nf);
      }
      auto& gr = groups[group_at[SHOCKS_GROUP]];
      gr.shocks = true;
      gr.members.push_back("(" + std::to_string(S) + " shock variates)");
    }
    // The design's AB matrices: the parameters, then the groups that are
    // not one of them.
    std::vector<const Factor*> design;
    for (auto& f : singles) {
      f.evaluation = static_cast<int>(design.size());
      design.push_back(&f);
    }
    std::vector<Factor> kept_groups;
    for (auto& g : groups) {
      if (!g.shocks && g.columns.size() == 1) {
        if (g.name == g.members[0]) continue;  // a group of its own
        for (const auto& f : singles)
          if (f.columns[0] == g.columns[0]) g.evaluation = f.evaluation;
      }
      kept_groups.push_back(g);
    }
    for (auto& g : kept_groups) {
      if (g.evaluation < 0) {
        g.evaluation = static_cast<int>(design.size());
        design.push_back(&g);
      }
    }
    const std::size_t M = design.size() + 2;  // A, B, AB_0 ...
    const std::size_t D = P + S;
    if (options.sampler == core::Sampler::Sobol &&
        2 * D > static_cast<std::size_t>(core::SOBOL_MAX_DIMS)) {
      throw run::InputError("the Sobol design needs " + std::to_string(2 * D) +
                            " dimensions (twice the " + std::to_string(P) + " parameters and " +
                            std::to_string(S) + " shocks), more than the " +
                            std::to_string(core::SOBOL_MAX_DIMS) + " available; use --sampler mc");
    }
    core::SobolSettings ss;
    ss.param_dims = static_cast<int>(2 * D);
    ss.shock_dims = 0;
    ss.replicates = spec.run.replicates;
    const core::UniformSource source(seed, options.sampler, samples, ss);
    const std::uint64_t N = samples;
    // store[o][m * N + draw]
    std::vector<std::vector<double>> store(outputs.size(), std::vector<double>(M * N));
    const std::uint64_t blocks = (N + stride - 1) / stride;
    const std::uint64_t total = M * N;
    std::vector<std::vector<Buffers>> bufs(static_cast<std::size_t>(options.threads));
    std::vector<std::vector<double>> ubufs(static_cast<std::size_t>(options.threads));
    parallel_blocks(blocks, options.threads, options.stop, [&](std::uint64_t blk, int w) {
      auto& b = bufs[static_cast<std::size_t>(w)];
      auto& u = ubufs[static_cast<std::size_t>(w)];
      if (b.empty()) {
        b = new_buffers();
        u.assign(2 * D * stride, 0);
      }
      const std::uint64_t first = blk * stride;
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(stride, N - first));
      source.fill(core::Purpose::Parameters, static_cast<int>(2 * D), first, n, u.data(), stride);
      // Rows of u: A's parameters, A's shocks, B's parameters, B's shocks.
      const double* a = u.data();
      const double* bb = u.data() + D * stride;
      for (std::size_t m = 0; m < M; ++m) {
        const double* src = m == 1 ? bb : a;
        std::memcpy(b[0].params.data(), src, P * stride * sizeof(double));
        if (S) std::memcpy(b[0].shocks.data(), src + P * stride, S * stride * sizeof(double));
        if (m >= 2) {
          const Factor& f = *design[m - 2];
          for (std::size_t j : f.columns)
            std::memcpy(b[0].params.data() + j * stride, bb + j * stride, n * sizeof(double));
          if (f.shocks && S)
            std::memcpy(b[0].shocks.data(), bb + P * stride, S * stride * sizeof(double));
        }
        to_inputs(b, n);
        evaluate(b, n, store, m * N + first);
      }
      report(M * n, total);
    });
    result.evaluations = M * N * n_models;
    for (std::size_t o = 0; o < outputs.size(); ++o) {
      const double* f = store[o].data();
      std::vector<const double*> ab;
      for (std::size_t i = 0; i < design.size(); ++i)
        ab.push_back(f + (i + 2) * N);
      const auto est =
          core::sobol_indices(f, f + N, ab, N, seed, options.resamples, options.threads);
      OutputIndices oi;
      oi.id = outputs[o].id;
      oi.description = outputs[o].description;
      oi.mean = est.mean;
      oi.variance = est.variance;
      auto fill = [&](const Factor& fac) {
        FactorIndices fi = empty_indices(fac);
        const auto& e = est.factors[static_cast<std::size_t>(fac.evaluation)];
        fi.s1 = e.s1;
        fi.s1_conf = e.s1_conf;
        fi.st = e.st;
        fi.st_conf = e.st_conf;
        return fi;
      };
      for (const auto& fac : singles)
        oi.parameters.push_back(fill(fac));
      for (const auto& g : kept_groups)
        oi.groups.push_back(fill(g));
      result.outputs.push_back(std::move(oi));
    }
  } else {
    if (singles.empty())
      throw run::InputError(spec.name + ": no parameter is uncertain; Morris screens parameters");
    const int k = static_cast<int>(singles.size());
    const int r = static_cast<int>(samples);
    const core::MorrisDesign design = core::morris_design(
        k, r,
        options.morris_candidates != 0 ? static_cast<int>(options.morris_candidates)
                                       : r * core::MORRIS_CANDIDATES_PER_TRAJECTORY,
        options.morris_levels, seed);
    result.levels = design.levels;
    const auto ku = static_cast<std::size_t>(k);
    const std::uint64_t points = static_cast<std::uint64_t>(r) * (ku + 1);
    // Each trajectory's shocks: one draw of the model's shock uniforms, the
    // same along the trajectory.
    const core::UniformSource shock_source(seed, core::Sampler::MonteCarlo,
                                           static_cast<std::uint64_t>(r));
    std::vector<std::vector<double>> store(outputs.size(), std::vector<double>(points));
    const std::uint64_t blocks = (points + stride - 1) / stride;
    std::vector<std::vector<Buffers>> bufs(static_cast<std::size_t>(options.threads));
    parallel_blocks(blocks, options.threads, options.stop, [&](std::uint64_t blk, int w) {
      auto& b = bufs[static_cast<std::size_t>(w)];
      if (b.empty()) b = new_buffers();
      const std::uint64_t first = blk * stride;
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(stride, points - first));
      std::fill(b[0].params.begin(), b[0].params.end(), 0.5);
      std::vector<double> z(S);
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t p = first + i;
        const double* x = design.points.data() + p * ku;
        for (std::size_t c = 0; c < ku; ++c)
          b[0].params[singles[c].columns[0] * stride + i] =
              MORRIS_EDGE + (1 - 2 * MORRIS_EDGE) * x[c];
        if (S) {
          shock_source.fill(core::Purpose::Shocks, static_cast<int>(S), p / (ku + 1), 1, z.data(),
                            1);
          for (std::size_t q = 0; q < S; ++q)
            b[0].shocks[q * stride + i] = z[q];
        }
      }
      to_inputs(b, n);
      evaluate(b, n, store, first);
      report(n, points);
    });
    result.evaluations = points * n_models;
    for (std::size_t o = 0; o < outputs.size(); ++o) {
      const auto idx = core::morris_indices(design, store[o].data(), seed, options.resamples);
      OutputIndices oi;
      oi.id = outputs[o].id;
      oi.description = outputs[o].description;
      double m = 0, ss = 0;
      for (double v : store[o])
        m += v;
      m /= static_cast<double>(points);
      for (double v : store[o])
        ss += (v - m) * (v - m);
      oi.mean = m;
      oi.variance = ss / static_cast<double>(points);
      for (std::size_t c = 0; c < ku; ++c) {
        FactorIndices fi = empty_indices(singles[c]);
        fi.mu = idx[c].mu;
        fi.mu_star = idx[c].mu_star;
        fi.mu_star_conf = idx[c].mu_star_conf;
        fi.sigma = idx[c].sigma;
        oi.parameters.push_back(fi);
      }
      result.outputs.push_back(std::move(oi));
    }
  }
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace sectorsim::analysis
