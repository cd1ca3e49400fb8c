#include "engine/run/run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include "engine/exec/runner.hpp"
#include "engine/exec/stacked.hpp"
#include "engine/io/output_target.hpp"
#include "engine/io/results_reader.hpp"
#include "engine/io/results_writer.hpp"
#include "engine/run/distributed.hpp"
#include "engine/run/health.hpp"
#include "engine/spec/version.hpp"
#include "engine/stats/replicates.hpp"
#include "engine/stats/summary.hpp"
#include "models/registry.hpp"

namespace sectorsim::run {

core::RunSettings apply_overrides(core::RunSettings run, const Overrides& overrides) {
  if (overrides.draws) run.draws = *overrides.draws;
  if (overrides.seed) run.seed = *overrides.seed;
  if (overrides.sampler) run.sampler = *overrides.sampler;
  if (overrides.replicates) {
    const int r = *overrides.replicates;
    if (r < core::MIN_REPLICATES || r > core::MAX_REPLICATES) {
      throw InputError("--replicates must be in [" + std::to_string(core::MIN_REPLICATES) + ", " +
                       std::to_string(core::MAX_REPLICATES) + "] (got " + std::to_string(r) + ")");
    }
    run.replicates = r;
  }
  if (run.draws < 1) throw InputError("--draws must be >= 1");
  if (run.draws > core::MAX_DRAWS) {
    throw InputError("--draws must be at most " + std::to_string(core::MAX_DRAWS) + " (got " +
                     std::to_string(run.draws) + ")");
  }
  return run;
}

core::Sampler parse_sampler(const std::string& name) {
  if (name == "mc") return core::Sampler::MonteCarlo;
  if (name == "lhs") return core::Sampler::LatinHypercube;
  if (name == "sobol") return core::Sampler::Sobol;
  throw InputError("--sampler must be 'mc', 'lhs' or 'sobol' (got '" + name + "')");
}

void check_execution(const Execution& execution) {
  if (execution.threads < 1 || execution.threads > 1024) {
    throw InputError("--threads must be in [1, 1024]");
  }
  if (execution.batch < 1 || execution.batch > core::CHUNK_DRAWS) {
    throw InputError("--batch must be in [1, " + std::to_string(core::CHUNK_DRAWS) + "]");
  }
}

void check_gzip_level(int level) {
  if (level < 1 || level > 9) throw InputError("--gzip must be in [1, 9]");
}

core::RunOptions runner_options(const core::RunSettings& run, const Execution& execution) {
  core::RunOptions ro;
  ro.draws = run.draws;
  ro.seed = run.seed;
  ro.sampler = run.sampler;
  ro.replicates = run.replicates;
  ro.threads = execution.threads;
  ro.batch = execution.batch;
  ro.stop = execution.stop;
  ro.progress = execution.progress;
  return ro;
}

namespace {

// Before anything is computed: may `path` be written, and can every scenario
// be a group of it (io::check_output_target, io::check_group_name)? `path`
// must not be a device or a directory, nor any file the scenarios were read
// from (extends bases included), nor exist without overwrite.
void refuse_output(const std::string& path, const std::vector<const core::ScenarioSpec*>& specs,
                   bool overwrite) {
  if (path.empty()) return;
  std::vector<std::string> inputs;
  for (const core::ScenarioSpec* spec : specs) {
    for (const core::SourceFile& f : spec->files)
      inputs.push_back(f.path);
  }
  try {
    for (const core::ScenarioSpec* spec : specs)
      io::check_group_name(spec->name);
    io::check_output_target(path, inputs, overwrite);
  } catch (const io::Refused& e) {
    throw InputError(e.what());
  }
}

// A signal before the first draw ends the command here, before anything is
// committed (a writer begun is abandoned with its temporary file).
void stop_if_asked(const Execution& exec) {
  if (exec.stop && exec.stop->load()) {
    throw Interrupted("interrupted before the first draw; no file was written or changed");
  }
}

// What the machine offers for a run writing `file` ("": none, so no disk).
AvailableResources resources_for(const std::string& file) {
  AvailableResources a = available_resources(file);
  if (file.empty()) a.disk_known = false;
  return a;
}

std::vector<std::string> sector_ids(const core::ScenarioSpec& spec) {
  std::vector<std::string> ids;
  for (const auto& s : spec.sectors)
    ids.push_back(s.id);
  return ids;
}

std::vector<core::ResolvedTarget> targets_of(const core::ScenarioSpec& spec,
                                             const core::CellLayout& layout) {
  return core::resolve_targets(spec.targets, layout, spec.base_year, sector_ids(spec));
}

// The fields of a result that come from the spec and its run settings.
core::ScenarioResult result_header(const core::ScenarioSpec& spec) {
  core::ScenarioResult result;
  result.name = spec.name;
  for (int y = spec.base_year; y <= spec.end_year; ++y)
    result.years.push_back(y);
  for (const auto& s : spec.sectors) {
    result.sector_ids.push_back(s.id);
    result.sector_names_en.push_back(s.name_en);
    result.sector_names_zh.push_back(s.name_zh);
  }
  result.draws_requested = spec.run.draws;
  result.seed = spec.run.seed;
  result.sampler = spec.run.sampler;
  return result;
}

// The standard error of every mean from the scrambled Sobol replicates.
void add_replicate_errors(const core::ReplicateAccumulator& acc, const core::CellLayout& layout,
                          core::ScenarioResult& result) {
  const auto est = acc.finish();
  result.replicates = acc.replicates();
  for (std::size_t i = 0; i < layout.series().size(); ++i) {
    core::SeriesSummary se;
    se.info = layout.series()[i];
    const int cells = layout.n_years() * layout.width(static_cast<int>(i));
    for (int k = 0; k < cells; ++k) {
      se.stats.push_back(
          est[static_cast<std::size_t>(layout.offset(static_cast<int>(i)) + k)].std_error);
    }
    result.mean_std_error.push_back(std::move(se));
  }
}

io::RunMeta run_meta(const std::string& command_line, std::uint64_t seed, int processes,
                     std::uint64_t chunk_draws) {
  io::RunMeta meta;
  meta.command_line = command_line;
  meta.engine_version = core::ENGINE_VERSION;
  meta.seed = seed;
  meta.chunk_draws = chunk_draws;
  meta.processes = processes;
  return meta;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Values a back-test may keep (docs/backtest.md).
constexpr std::uint64_t MAX_BACKTEST_VALUES = 100'000'000;

// The cell of each back-test observation, resolved as a target's indicator.
std::vector<int> backtest_cells(const core::ScenarioSpec& spec, const core::CellLayout& layout) {
  std::vector<core::TargetSpec> as_targets;
  for (const core::BacktestObservation& o : spec.backtest)
    as_targets.push_back(
        {"observed", "", "", o.indicator, o.year, core::Op::Greater, 0.0, std::nullopt});
  std::vector<std::string> ids;
  for (const auto& s : spec.sectors)
    ids.push_back(s.id);
  std::vector<int> cells;
  for (const core::ResolvedTarget& t :
       core::resolve_targets(as_targets, layout, spec.base_year, ids))
    cells.push_back(t.cells[static_cast<std::size_t>(t.year_index)]);
  return cells;
}

// Whether two scenarios list the same observations, read the same way.
bool same_observations(const core::ObservedSpec& a, const core::ObservedSpec& b) {
  if (a.values.size() != b.values.size() || a.min_ess != b.min_ess ||
      a.keep_within != b.keep_within || a.revision.has_value() != b.revision.has_value())
    return false;
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    const core::Observation &x = a.values[i], &y = b.values[i];
    if (x.indicator != y.indicator || x.year != y.year || x.growth != y.growth ||
        x.kind != y.kind || x.value != y.value || x.sd != y.sd || x.relative != y.relative ||
        x.revised != y.revised)
      return false;
  }
  if (a.revision) {
    for (const double u : {0.01, 0.1, 0.5, 0.9, 0.99})
      if (a.revision->quantile(u) != b.revision->quantile(u)) return false;
  }
  return true;
}

// A conditioned run whose effective sample size fell below the scenario's
// floor writes nothing: its weighted summaries would rest on a few draws.
void check_ess(const core::ScenarioSpec& spec, const core::Conditioning& c, std::uint64_t draws) {
  char text[512];
  if (c.kept_overflow) {
    std::snprintf(text, sizeof text,
                  "%s: the draws within observed.keep_within (%g) of a perfect fit to the "
                  "observations need more memory than this machine allows for them; nothing was "
                  "written. Run fewer draws, or lower keep_within (its draws' weights must stay "
                  "negligible)",
                  spec.name.c_str(), c.keep_within);
    throw InputError(text);
  }
  if (c.dropped_weight_share > 1e-6) {
    std::snprintf(text, sizeof text,
                  "%s: the draws left out, more than observed.keep_within (%g) below a perfect "
                  "fit, carry %.2g of the weight; nothing was written. The best draw is %.1f "
                  "below a perfect fit: raise keep_within to at least %.0f",
                  spec.name.c_str(), c.keep_within, c.dropped_weight_share, c.best_fit_gap,
                  std::ceil(c.best_fit_gap + 30));
    throw InputError(text);
  }
  if (c.ess >= c.min_ess) return;
  const double share = draws ? c.ess / static_cast<double>(draws) : 0.0;
  const double needed = share > 0 ? std::ceil(c.min_ess / share) : 0.0;
  std::snprintf(text, sizeof text,
                "%s: the %zu observations leave an effective sample size of %.1f of %llu draws, "
                "below observed.min_ess %g; nothing was written. Run more draws (about %.3g for an "
                "effective size of %g at this rate), or check the observations: a measurement "
                "error (sd, rel_sd) smaller than the model can match makes every draw unlikely",
                spec.name.c_str(), c.observations, c.ess, static_cast<unsigned long long>(draws),
                c.min_ess, needed, c.min_ess);
  if (share <= 0) {
    std::snprintf(text, sizeof text,
                  "%s: no draw is consistent with the %zu observations (every likelihood is 0); "
                  "nothing was written. Check the observations against the model's range: a hard "
                  "bound (sd 0) the draws never pass, or a year's value far outside the forecast",
                  spec.name.c_str(), c.observations);
  }
  throw InputError(text);
}

// One scenario, fresh (resume == nullptr) or continuing an interrupted run.
RunOutcome run_one(core::ScenarioSpec spec, const RunOptions& options, ResumePlan* resume) {
  const Execution& exec = options.execution;
  check_execution(exec);
  const auto model_ptr = models::make_model(spec);
  const core::Model& model = *model_ptr;
  const core::CellLayout& layout = model.layout();
  const std::uint64_t chunk = core::chunk_draws_for(static_cast<std::uint64_t>(layout.n_cells()));

  core::SummaryState saved;  // the checkpoint of the run being resumed
  std::string out_path;
  io::PathOptions popt;
  bool sketch = false;
  if (resume) {
    spec.run = resume->run;
    out_path = resume->file;
    popt.keep_paths = resume->keep_paths;
    popt.float32 = resume->float32;
    popt.gzip = resume->gzip;
    saved = std::move(resume->checkpoint);
    refuse_output(out_path, {&spec}, true);
  } else {
    spec.run = apply_overrides(spec.run, options.overrides);
    out_path = options.output.file;
    popt.keep_paths = options.output.keep_paths && !out_path.empty();
    refuse_output(out_path, {&spec}, options.output.overwrite);
  }
  const auto targets = targets_of(spec, layout);
  if (resume) {
    sketch = saved.uses_sketch();
  } else {
    // A conditioned run's weighted quantiles are exact, from the draws it
    // keeps (those within keep_within of the best fit), whose memory has a
    // bound of its own whatever the draw count: asked for sketches, it
    // gives these.
    sketch = spec.observed.empty() && use_sketch(options.quantiles, layout, spec.run.draws);
    popt.float32 = options.output.float32;
    if (options.output.gzip) {
      popt.gzip = *options.output.gzip;
      check_gzip_level(popt.gzip);
    }
  }
  // Before anything is allocated or written: does the run fit this machine?
  // A conditioned run stores only the draws it keeps, within a budget it
  // checks as it goes (the exact stores' budget).
  const bool conditioned = !spec.observed.empty();
  const std::uint64_t store =
      sketch        ? core::SummaryAccumulator::sketch_bytes(layout, spec.run.draws,
                                                             core::DEFAULT_SKETCH_K, chunk)
      : conditioned ? core::SummaryAccumulator::conditioned_bytes(layout, spec.run.draws, chunk)
                    : core::SummaryAccumulator::store_bytes(layout, spec.run.draws, chunk);
  check_resources(
      spec.run.draws, popt.keep_paths ? path_bytes_per_draw(layout, popt.float32) : 0, store,
      out_path, resources_for(out_path), !sketch && !resume && !conditioned,
      RunnerMemory{runner_bytes(model, exec.threads, exec.processes ? exec.processes->size() : 1,
                                exec.batch, std::min(chunk, spec.run.draws)),
                   exec.threads});
  // An interrupt writes the paths done and a checkpoint: that must fit too.
  if (!out_path.empty()) {
    const std::uint64_t sketch_checkpoint = core::SummaryAccumulator::sketch_bytes(
        layout, spec.run.draws, core::DEFAULT_SKETCH_K, chunk);
    check_checkpoint_space(
        spec.run.draws, popt.keep_paths ? path_bytes_per_draw(layout, popt.float32) : 0,
        sketch || conditioned
            ? store
            : core::SummaryAccumulator::store_bytes(layout, spec.run.draws, chunk),
        sketch || resume ? 0 : sketch_checkpoint, out_path, resources_for(out_path));
  }
  stop_if_asked(exec);

  core::SummaryAccumulator summary(layout, targets, spec.run.draws, chunk,
                                   sketch ? core::DEFAULT_SKETCH_K : 0, exec.threads);
  // Observations: every draw weighted by its likelihood of them.
  std::unique_ptr<core::ObservationModel> observed_model;
  if (!spec.observed.empty()) {
    std::vector<std::string> ids;
    for (const auto& sector : spec.sectors)
      ids.push_back(sector.id);
    observed_model = std::make_unique<core::ObservationModel>(
        spec.observed, core::resolve_observations(spec.observed, layout, spec.base_year, ids));
    summary.condition_on(*observed_model);
    summary.limit_kept_bytes(exact_store_budget(available_memory_bytes()));
  }
  std::uint64_t first_draw = 0;
  if (resume) {
    summary.restore(saved);
    first_draw = saved.draws;
  }

  std::unique_ptr<io::ResultsWriter> writer;
  core::ChunkSink* paths = nullptr;
  if (!out_path.empty()) {
    // Resuming replaces the interrupted file, but only when the new one is complete.
    writer = std::make_unique<io::ResultsWriter>(
        out_path, options.output.overwrite || resume,
        run_meta(options.output.command_line, spec.run.seed,
                 exec.processes ? exec.processes->size() : 1, chunk));
    paths = writer->begin_scenario(spec, layout, spec.run.draws, popt);
    if (resume && paths) {
      io::copy_paths(out_path, spec.name, first_draw, layout, chunk, *paths);
    }
  }

  std::vector<core::ChunkSink*> sinks = {&summary};
  if (paths) sinks.push_back(paths);
  std::unique_ptr<core::ReplicateAccumulator> replicas;
  if (spec.run.sampler == core::Sampler::Sobol) {
    replicas = std::make_unique<core::ReplicateAccumulator>(layout, spec.run.replicates);
    if (resume) replicas->restore(saved.draws, saved.replicate_sums, saved.replicate_counts);
    sinks.push_back(replicas.get());
  }
  // A back-test keeps every draw of its observed cells, to score them once
  // the run is done (a resumed run's earlier draws are not kept: no scores).
  std::unique_ptr<core::ObservedCells> observed;
  if (!spec.backtest.empty() && !spec.observed.empty()) {
    throw InputError(spec.name +
                     ": a back-test scores the forecast from the base year; this scenario is "
                     "also conditioned on observations (observed:), which a back-test does not "
                     "weight: remove one of them");
  }
  if (!spec.backtest.empty() && !resume) {
    const std::uint64_t values = spec.run.draws * spec.backtest.size();
    if (values > MAX_BACKTEST_VALUES) {
      throw InputError(
          "a back-test keeps every draw of its observed cells: " + std::to_string(spec.run.draws) +
          " draws x " + std::to_string(spec.backtest.size()) + " observations is more than " +
          std::to_string(MAX_BACKTEST_VALUES) + " values; use fewer --draws");
    }
    observed = std::make_unique<core::ObservedCells>(backtest_cells(spec, layout), spec.run.draws);
    sinks.push_back(observed.get());
  }
  saved = core::SummaryState();  // restored: free its copy of the values

  core::RunOptions ro = runner_options(spec.run, exec);
  ro.first_draw = first_draw;
  ro.chunk_draws = chunk;
  std::unique_ptr<core::ChunkExchange> exchange;
  if (exec.processes) {
    // Every process is ready: send the run's settings to the others.
    if (!exec.processes->ready()) {
      throw InputError("another process could not prepare the run; nothing was run");
    }
    std::vector<std::uint64_t> words = DistributedSettings{spec.run, first_draw}.encode();
    exec.processes->broadcast(words);
    exchange = exec.processes->exchange();
    ro.exchange = exchange.get();
  }
  stop_if_asked(exec);  // e.g. during a resume's copy of the paths
  if (exec.on_start) exec.on_start();
  const auto t0 = std::chrono::steady_clock::now();
  const core::RunReport rep = core::run_draws(model, ro, sinks);

  RunOutcome out;
  out.seconds = seconds_since(t0);
  out.settings = spec.run;
  out.draws_done = rep.draws_done;
  out.interrupted = rep.interrupted;
  out.sketch = sketch;
  out.result = result_header(spec);
  summary.finish(rep.draws_done, out.result, exec.threads);
  if (replicas && !rep.interrupted) add_replicate_errors(*replicas, layout, out.result);
  // A complete run whose values are not all numbers writes nothing unless
  // allowed (the temporary file goes with the writer); an interrupted one
  // keeps its checkpoint, counts included, and the rule applies on resume.
  if (!rep.interrupted) check_finite(out.result, options.allow_nonfinite);
  if (!rep.interrupted && out.result.conditioning)
    check_ess(spec, *out.result.conditioning, rep.draws_done);
  // Scores need every draw a number: with --allow-nonfinite and values that
  // are not, the back-test is left out.
  if (observed && !rep.interrupted && out.result.nonfinite_cells() == 0)
    out.backtest = core::score_backtest(spec.backtest, *observed, rep.draws_done);
  if (writer) {
    writer->end_scenario(out.result);
    if (rep.interrupted) {
      // A valid file marked incomplete, with what a resumed run needs.
      core::SummaryState state = summary.save(rep.draws_done);
      if (replicas) {
        std::uint64_t draws = 0;
        replicas->save(draws, state.replicate_sums, state.replicate_counts);
        state.replicates = replicas->replicates();
      }
      try {
        writer->write_checkpoint(state);
        writer->commit();
      } catch (const io::IoError& e) {
        // Never silently: the promise is that an interrupt keeps the draws done.
        throw io::IoError(out_path + ": interrupted after " + std::to_string(rep.draws_done) +
                          " draws, but the checkpoint could not be written (" + e.what() + "); " +
                          (resume ? "the " + std::to_string(rep.draws_done - first_draw) +
                                        " draws of this resumption are lost; " + out_path +
                                        " still holds the earlier checkpoint of " +
                                        std::to_string(first_draw) + " draws"
                                  : "all " + std::to_string(rep.draws_done) +
                                        " draws are lost and no file was written"));
      }
    } else {
      if (out.backtest) writer->write_backtest(spec.name, *out.backtest);
      if (observed_model) {
        std::vector<std::string> names;
        for (const core::ParameterInfo& p : model.parameters())
          names.push_back(p.name);
        const core::UniformSource source = core::make_source(model, ro);
        // The parameters of one draw, as the model was given them (its
        // shocks are drawn too, into one buffer for every kept draw).
        std::vector<double> shocks(static_cast<std::size_t>(model.n_shocks()));
        // The kept draws' parameters, regenerated from the run's random
        // streams (the values the model was given).
        writer->write_conditioning(
            spec.name, *observed_model, *out.result.conditioning,
            summary.log_likelihood(rep.draws_done), summary.weights(rep.draws_done),
            summary.kept_draw_indices(rep.draws_done), std::move(names),
            [&model, &source, &shocks](std::uint64_t draw, double* row) {
              core::draw_inputs(model, source, draw, 1, 1, row, shocks.data());
            });
      }
      writer->commit();
    }
    out.file = out_path;
  }
  return out;
}

}  // namespace

RunOutcome run_scenario(const core::ScenarioSpec& spec, const RunOptions& options) {
  return run_one(spec, options, nullptr);
}

RunOutcome resume_scenario(const core::ScenarioSpec& spec, ResumePlan&& plan,
                           const RunOptions& options) {
  return run_one(spec, options, &plan);
}

std::size_t baseline_index(const std::vector<core::ScenarioSpec>& specs, const std::string& name) {
  const auto it = std::find_if(specs.begin(), specs.end(),
                               [&](const core::ScenarioSpec& s) { return s.name == name; });
  if (it == specs.end()) {
    std::string msg = "--baseline '" + name + "' is not among the scenarios (";
    for (std::size_t i = 0; i < specs.size(); ++i)
      msg += (i ? ", " : "") + specs[i].name;
    throw InputError(msg + ")");
  }
  return static_cast<std::size_t>(it - specs.begin());
}

CompareOutcome compare_scenarios(const std::vector<core::ScenarioSpec>& specs_in, std::size_t base,
                                 const RunOptions& options) {
  const Execution& exec = options.execution;
  check_execution(exec);
  if (specs_in.size() < 2) throw InputError("compare needs at least two scenarios");
  if (base >= specs_in.size())
    throw std::invalid_argument("compare: no baseline " + std::to_string(base));
  if (exec.processes) throw InputError("compare runs on one process");
  // An ex-post comparison (MODEL.md 8.7): one scenario is the observed
  // world, and its fit to the observations weights every scenario's draws.
  // Scenarios that list the same observations (mixes that differ only
  // after the observed years) share them; the first is the observed world.
  std::optional<std::size_t> observed_world;
  for (std::size_t k = 0; k < specs_in.size(); ++k) {
    if (specs_in[k].observed.empty()) continue;
    if (observed_world) {
      if (same_observations(specs_in[*observed_world].observed, specs_in[k].observed)) continue;
      throw InputError("'" + specs_in[*observed_world].name + "' and '" + specs_in[k].name +
                       "' list different observations: an ex-post comparison weights every "
                       "scenario by one observed world; keep observed: in that scenario only, or "
                       "give each the same");
    }
    observed_world = k;
  }
  std::vector<core::ScenarioSpec> specs = specs_in;
  // Common random numbers: one seed, one draw count, one sampler for all,
  // the baseline's unless overridden.
  const core::RunSettings run = apply_overrides(specs[base].run, options.overrides);
  const auto source = [](const core::ScenarioSpec& s) {
    return s.files.empty() ? s.name : s.files.front().path;
  };
  for (std::size_t i = 0; i < specs.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (specs[i].name == specs[j].name) {
        throw InputError("two scenarios are named '" + specs[i].name + "' (" + source(specs[j]) +
                         ", " + source(specs[i]) + "); names must differ");
      }
    }
    specs[i].run = run;
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const core::ScenarioSpec& a = specs[i];
    const core::ScenarioSpec& b = specs[base];
    if (a.base_year == b.base_year && a.end_year == b.end_year && a.n_sectors() == b.n_sectors()) {
      continue;
    }
    const auto shape = [&](const core::ScenarioSpec& s) {
      return "'" + s.name + "' (" + source(s) + ": " + std::to_string(s.base_year) + "-" +
             std::to_string(s.end_year) + ", " + std::to_string(s.n_sectors()) + " sectors)";
    };
    throw InputError("cannot compare " + shape(a) + " with the baseline " + shape(b) +
                     ": scenarios compared under common random numbers need the same sectors "
                     "and horizon");
  }
  const std::string& out_path = options.output.file;
  std::vector<const core::ScenarioSpec*> all;
  for (const auto& s : specs)
    all.push_back(&s);
  refuse_output(out_path, all, options.output.overwrite);

  std::vector<std::unique_ptr<core::Model>> owned;
  std::vector<const core::Model*> members;
  for (const auto& s : specs) {
    owned.push_back(models::make_model(s));
    members.push_back(owned.back().get());
  }
  // Common random numbers give each scenario the same inputs: the same
  // parameters (by position) and shocks, and so the same series.
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const core::Model& a = *owned[i];
    const core::Model& b = *owned[base];
    const auto& sa = a.layout().series();
    const auto& sb = b.layout().series();
    std::string missing;
    for (const auto* pair : {&sa, &sb}) {
      const auto& other = pair == &sa ? sb : sa;
      for (const auto& s : *pair) {
        const bool found = std::any_of(other.begin(), other.end(),
                                       [&](const core::SeriesInfo& o) { return o.name == s.name; });
        if (!found && missing.empty()) missing = s.name;
      }
    }
    if (missing.empty() && sa.size() == sb.size() &&
        a.parameters().size() == b.parameters().size() && a.n_shocks() == b.n_shocks()) {
      continue;
    }
    throw InputError("cannot compare '" + specs[i].name + "' with the baseline '" +
                     specs[base].name + "': " +
                     (missing.empty() ? std::string("their parameters differ")
                                      : "only one of them has the series '" + missing + "'") +
                     "; scenarios compared under common random numbers need the same series and "
                     "parameters (for the sector-growth model, the same counts:)");
  }
  const core::StackedModel stacked(members);
  const auto& layout = owned[base]->layout();
  const std::uint64_t chunk =
      core::chunk_draws_for(static_cast<std::uint64_t>(stacked.layout().n_cells()));
  // Every scenario's summary and every comparison's differences: exact
  // stores, or sketches where they would not fit (or are asked for).
  const std::uint64_t stores = 2 * specs.size() - 1;
  const bool sketch = !observed_world && use_sketch(options.quantiles, layout, run.draws, stores);
  const std::size_t sketch_k = sketch ? core::DEFAULT_SKETCH_K : 0;
  // Before anything is allocated or written; the file holds summaries only.
  // Each worker thread also keeps one chunk of a comparison's differences.
  const std::uint64_t differences = sketch ? 0
                                           : static_cast<std::uint64_t>(exec.threads) *
                                                 static_cast<std::uint64_t>(layout.n_cells()) *
                                                 chunk * sizeof(double);
  check_resources(
      run.draws, 0,
      (sketch ? core::SummaryAccumulator::sketch_bytes(layout, run.draws, core::DEFAULT_SKETCH_K,
                                                       chunk)
       : observed_world ? core::SummaryAccumulator::conditioned_bytes(layout, run.draws, chunk)
                        : core::SummaryAccumulator::store_bytes(layout, run.draws, chunk)) *
          stores,
      out_path, resources_for(out_path), !sketch && !observed_world,
      RunnerMemory{runner_bytes(stacked, exec.threads, 1, exec.batch, std::min(chunk, run.draws)) +
                       differences,
                   exec.threads});

  std::vector<std::unique_ptr<core::SummaryAccumulator>> summaries;
  core::MembersSink to_summaries(stacked);  // each member's slice to its summary
  std::vector<std::unique_ptr<core::PairedAccumulator>> paired;
  std::vector<core::ChunkSink*> sinks = {&to_summaries};
  const auto base_targets = targets_of(specs[base], layout);
  for (std::size_t k = 0; k < specs.size(); ++k) {
    summaries.push_back(std::make_unique<core::SummaryAccumulator>(
        owned[k]->layout(), targets_of(specs[k], owned[k]->layout()), run.draws, chunk, sketch_k,
        exec.threads));

    if (k != base) {
      paired.push_back(std::make_unique<core::PairedAccumulator>(
          layout, stacked.cell_offset(k), stacked.cell_offset(base), base_targets, run.draws,
          sketch_k, exec.threads, chunk));
      if (const auto& decl = owned[base]->declaration().appraisal) {
        // The rate is a fixed value (the model's reader refuses a spread).
        for (const auto& p : owned[base]->parameters()) {
          if (p.name == decl->discount_rate && p.prior.is_fixed())
            paired.back()->set_appraisal(*decl, p.prior.mean());
        }
      }
      sinks.push_back(paired.back().get());
    }
  }

  // Each member's slice to its summary; the observed world's first, since it
  // computes each draw's likelihood that the others then read.
  for (std::size_t k = 0; k < specs.size(); ++k)
    if (observed_world && k == *observed_world) to_summaries.add(k, *summaries[k]);
  for (std::size_t k = 0; k < specs.size(); ++k)
    if (!observed_world || k != *observed_world) to_summaries.add(k, *summaries[k]);
  // The observed world's accumulator computes each draw's likelihood; every
  // other summary and comparison reads its weights.
  std::unique_ptr<core::ObservationModel> observed_model;
  if (observed_world) {
    const std::size_t k = *observed_world;
    std::vector<std::string> ids;
    for (const auto& sector : specs[k].sectors)
      ids.push_back(sector.id);
    observed_model = std::make_unique<core::ObservationModel>(
        specs[k].observed,
        core::resolve_observations(specs[k].observed, owned[k]->layout(), specs[k].base_year, ids));
    summaries[k]->condition_on(*observed_model);
    for (std::size_t j = 0; j < specs.size(); ++j)
      if (j != k) summaries[j]->weighted_by(*summaries[k]);
    for (auto& p : paired)
      p->weighted_by(*summaries[k]);
    // The stores share the exact stores' budget.
    const std::uint64_t budget = exact_store_budget(available_memory_bytes()) / stores;
    for (auto& sm : summaries)
      sm->limit_kept_bytes(budget);
    for (auto& p : paired)
      p->limit_kept_bytes(budget);
  }

  core::RunOptions ro = runner_options(run, exec);
  ro.chunk_draws = chunk;
  stop_if_asked(exec);
  if (exec.on_start) exec.on_start();
  const auto t0 = std::chrono::steady_clock::now();
  const core::RunReport rep = core::run_draws(stacked, ro, sinks);

  CompareOutcome out;
  out.seconds = seconds_since(t0);
  out.baseline = base;
  out.settings = run;
  out.draws_done = rep.draws_done;
  out.interrupted = rep.interrupted;
  out.sketch = sketch;
  if (rep.interrupted) return out;

  for (std::size_t k = 0; k < specs.size(); ++k) {
    core::ScenarioResult r = result_header(specs[k]);
    summaries[k]->finish(rep.draws_done, r, exec.threads);
    check_finite(r, options.allow_nonfinite);
    out.results.push_back(std::move(r));
  }
  if (observed_world) {
    check_ess(specs[*observed_world], *out.results[*observed_world].conditioning, rep.draws_done);
  }
  std::size_t p = 0;
  for (std::size_t k = 0; k < specs.size(); ++k) {
    if (k == base) continue;
    out.comparisons.push_back(paired[p++]->finish(rep.draws_done, specs[k].name, specs[base].name));
    if (out.comparisons.back().conditioning)
      check_ess(specs[*observed_world], *out.comparisons.back().conditioning, rep.draws_done);
  }
  if (!out_path.empty()) {
    io::ResultsWriter writer(out_path, options.output.overwrite,
                             run_meta(options.output.command_line, run.seed, 1, chunk));
    io::PathOptions popt;
    popt.keep_paths = false;
    for (std::size_t k = 0; k < specs.size(); ++k) {
      writer.begin_scenario(specs[k], owned[k]->layout(), rep.draws_done, popt);
      writer.end_scenario(out.results[k]);
    }
    if (observed_world) {
      // Every scenario's weights (the observed world's); no parameters (a
      // comparison keeps no per-draw values).
      const std::size_t w = *observed_world;
      for (std::size_t k = 0; k < specs.size(); ++k) {
        writer.write_conditioning(
            specs[k].name, *observed_model, *out.results[k].conditioning,
            summaries[w]->log_likelihood(rep.draws_done), summaries[w]->weights(rep.draws_done),
            summaries[w]->kept_draw_indices(rep.draws_done), {}, {}, specs[w].name);
      }
    }
    for (const auto& c : out.comparisons)
      writer.write_comparison(c);
    writer.commit();
    out.file = out_path;
  }
  return out;
}

}  // namespace sectorsim::run
