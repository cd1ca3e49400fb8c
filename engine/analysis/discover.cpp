#include "engine/analysis/discover.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/exec/runner.hpp"
#include "engine/run/errors.hpp"
#include "engine/run/options.hpp"
#include "engine/spec/model.hpp"
#include "engine/stats/summary.hpp"
#include "models/registry.hpp"

namespace sectorsim::analysis {
namespace {

// Each draw's value of the target's indicator (over its reference year's,
// for a relative target), by draw index: chunks write their own draws only.
class TargetValues : public core::ChunkSink {
 public:
  TargetValues(const core::ResolvedTarget& target, std::uint64_t draws)
      : cell_(target.cells[static_cast<std::size_t>(target.year_index)]),
        relative_(target.relative_cell),
        values_(draws) {}
  void consume_unordered(const core::ChunkView& chunk) override {
    const double* x = chunk.cell(cell_);
    const double* den = relative_ >= 0 ? chunk.cell(relative_) : nullptr;
    for (std::size_t k = 0; k < chunk.n; ++k)
      values_[chunk.first_draw + k] = den ? x[k] / den[k] : x[k];
  }
  core::ValueUse value_use() const override { return core::ValueUse::ReadUnordered; }
  const std::vector<double>& values() const { return values_; }

 private:
  int cell_;
  int relative_;
  std::vector<double> values_;
};

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// The unit of parameter `name` ("finance.tfp_growth" or "price_growth"):
// its declaration's, matched by the name after the last sector prefix.
void check_prim_options(const core::PrimOptions& o) {
  if (!(o.alpha > 0 && o.alpha < 0.5))
    throw run::InputError("--alpha must be in (0, 0.5) (got " + number(o.alpha) + ")");
  if (!(o.min_mass > 0 && o.min_mass < 1))
    throw run::InputError("--min-mass must be in (0, 1) (got " + number(o.min_mass) + ")");
  if (!(o.min_coverage >= 0 && o.min_coverage <= 1))
    throw run::InputError("--coverage must be in [0, 1] (got " + number(o.min_coverage) + ")");
  if (o.resamples < 0 || o.resamples > 10000)
    throw run::InputError("--resamples must be from 0 to 10000 (got " +
                          std::to_string(o.resamples) + ")");
}

}  // namespace

core::Discovery discover(const core::ScenarioSpec& spec, const DiscoverOptions& options) {
  const core::TargetSpec* target = nullptr;
  std::string ids;
  for (const auto& t : spec.targets) {
    if (t.id == options.target) target = &t;
    ids += (ids.empty() ? "" : ", ") + t.id;
  }
  if (!target) {
    throw run::InputError(
        "--target: the scenario has no target '" + options.target + "'" +
        (ids.empty() ? std::string(" (it has none)") : " (its targets: " + ids + ")"));
  }
  check_prim_options(options.prim);
  run::Overrides ov;
  ov.draws = options.draws;
  ov.seed = options.seed;
  const core::RunSettings settings = run::apply_overrides(spec.run, ov);
  if (settings.draws > (std::uint64_t{1} << 30))
    throw run::InputError("--draws must be at most 1073741824 for discover (got " +
                          std::to_string(settings.draws) + ")");
  run::Execution ex;
  ex.threads = options.threads;
  ex.batch = options.batch;
  ex.stop = options.stop;
  run::check_execution(ex);

  const auto model = models::make_model(spec);
  std::vector<std::string> sector_ids;
  for (const auto& s : spec.sectors)
    sector_ids.push_back(s.id);
  const auto resolved =
      core::resolve_targets({*target}, model->layout(), spec.base_year, sector_ids);

  core::Discovery d;
  d.scenario = spec.name;
  d.target = target->id;
  d.target_label = target->label_en;
  d.condition =
      target->indicator +
      (target->relative_to_year ? " / its " + std::to_string(*target->relative_to_year) + " value"
                                : std::string()) +
      " " + core::op_symbol(target->op) + " " + number(target->threshold) + " in " +
      std::to_string(target->year);
  d.meet = options.meet;
  d.draws = settings.draws;
  d.seed = settings.seed;
  d.sampler = core::sampler_name(settings.sampler);

  const auto& params = model->parameters();
  std::vector<std::size_t> free;
  for (std::size_t j = 0; j < params.size(); ++j) {
    if (params[j].prior.is_fixed()) continue;
    free.push_back(j);
    d.inputs.push_back(params[j].name);
    d.units.push_back(params[j].unit);
  }
  if (free.empty())
    throw run::InputError(spec.name + ": every parameter is fixed: nothing to discover");

  if (options.stop && options.stop->load()) throw run::Interrupted("interrupted; nothing written");
  const core::RunOptions ro = run::runner_options(settings, ex);
  TargetValues values(resolved[0], settings.draws);
  const core::RunReport report = core::run_draws(*model, ro, {&values});
  if (report.interrupted) throw run::Interrupted("interrupted; nothing written");

  // The parameters of every draw, as the runner gave them.
  const std::size_t n = static_cast<std::size_t>(settings.draws);
  core::PrimData data;
  data.n = n;
  data.d = free.size();
  data.x.resize(n * free.size());
  data.case_flag.resize(n);
  const core::UniformSource source = core::make_source(*model, ro);
  const std::size_t batch = 4096;
  std::vector<double> p(params.size() * batch);
  std::vector<double> shocks(static_cast<std::size_t>(std::max(1, model->n_shocks())) * batch);
  for (std::size_t first = 0; first < n; first += batch) {
    const std::size_t m = std::min(batch, n - first);
    core::draw_inputs(*model, source, first, m, batch, p.data(), shocks.data());
    for (std::size_t f = 0; f < free.size(); ++f)
      std::memcpy(&data.x[f * n + first], &p[free[f] * batch], m * sizeof(double));
  }
  for (std::size_t i = 0; i < n; ++i) {
    const bool met = core::meets(target->op, values.values()[i], target->threshold);
    data.case_flag[i] = met == options.meet ? 1 : 0;
  }
  d.options = options.prim;
  d.options.threads = options.threads;
  d.options.seed = settings.seed;
  d.result = core::prim(data, d.options);
  return d;
}

}  // namespace sectorsim::analysis
