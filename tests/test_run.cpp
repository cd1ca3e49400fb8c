// engine/run as a library: a run in memory gives the summaries a run writing
// a file stores (read back by the independent reader), for any thread count
// and batch size; a comparison likewise; resumption refuses what does not fit
// with its exact message and finishes bit-identical to an uninterrupted run;
// the settings of a distributed run survive their encoding. The reference
// for every "same" is another run or the file read back, never the object
// itself; equality is bit for bit.
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "engine/exec/runner.hpp"
#include "engine/io/results_reader.hpp"
#include "engine/run/distributed.hpp"
#include "engine/run/run.hpp"
#include "engine/stats/summary.hpp"
#include "models/registry.hpp"
#include "shell.hpp"

namespace sectorsim::run {
namespace {

namespace fs = std::filesystem;

const std::string LUOHU = std::string(SECTORSIM_SOURCE_DIR) + "/scenarios/luohu/";

core::ScenarioSpec luohu(const std::string& name) {
  return models::load_scenario(LUOHU + name + ".yaml");
}

// Three whole chunks and a partial one.
constexpr std::uint64_t DRAWS = 3 * core::CHUNK_DRAWS + 321;

class RunTest : public testing::ScratchDirTest {
 protected:
};

RunOptions options(std::uint64_t seed, core::Sampler sampler, Quantiles quantiles, int threads = 2,
                   std::size_t batch = 256) {
  RunOptions o;
  o.overrides.draws = DRAWS;
  o.overrides.seed = seed;
  o.overrides.sampler = sampler;
  o.quantiles = quantiles;
  o.execution.threads = threads;
  o.execution.batch = batch;
  return o;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

void expect_same(const core::Proportion& a, const core::Proportion& b, const std::string& what) {
  EXPECT_EQ(a.met, b.met) << what;
  EXPECT_EQ(a.n, b.n) << what;
  EXPECT_TRUE(same_bits(a.p, b.p) && same_bits(a.low, b.low) && same_bits(a.high, b.high)) << what;
}

void expect_same(const std::vector<core::SeriesSummary>& a,
                 const std::vector<core::SeriesSummary>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].info.name, b[i].info.name) << what;
    EXPECT_TRUE(same_bits(a[i].stats, b[i].stats)) << what << " " << a[i].info.name;
  }
}

// Every field of a scenario's result; `replicate_errors` false leaves out
// the Sobol replicates' standard errors, which io::read_scenario does not
// read back.
void expect_same(const core::ScenarioResult& a, const core::ScenarioResult& b,
                 bool replicate_errors = true) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.years, b.years);
  EXPECT_EQ(a.sector_ids, b.sector_ids);
  EXPECT_EQ(a.sector_names_en, b.sector_names_en);
  EXPECT_EQ(a.sector_names_zh, b.sector_names_zh);
  EXPECT_EQ(a.draws, b.draws);
  EXPECT_EQ(a.draws_requested, b.draws_requested);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.sampler, b.sampler);
  EXPECT_EQ(a.quantile_method, b.quantile_method);
  expect_same(a.summaries, b.summaries, a.name + " summary");
  if (replicate_errors) {
    EXPECT_EQ(a.replicates, b.replicates);
    expect_same(a.mean_std_error, b.mean_std_error, a.name + " mean_std_error");
  }
  ASSERT_EQ(a.targets.size(), b.targets.size());
  for (std::size_t t = 0; t < a.targets.size(); ++t) {
    const std::string id = a.targets[t].spec.id;
    EXPECT_EQ(id, b.targets[t].spec.id);
    expect_same(a.targets[t].in_year, b.targets[t].in_year, id);
    ASSERT_EQ(a.targets[t].by_year.size(), b.targets[t].by_year.size()) << id;
    for (std::size_t y = 0; y < a.targets[t].by_year.size(); ++y)
      expect_same(a.targets[t].by_year[y], b.targets[t].by_year[y], id + " by year");
  }
  expect_same(a.all_targets, b.all_targets, "all targets");
}

void expect_same(const core::ProportionDiff& a, const core::ProportionDiff& b,
                 const std::string& what) {
  EXPECT_TRUE(same_bits(a.diff, b.diff) && same_bits(a.low, b.low) && same_bits(a.high, b.high))
      << what;
}

void expect_same(const core::Comparison& a, const core::Comparison& b) {
  EXPECT_EQ(a.scenario, b.scenario);
  EXPECT_EQ(a.baseline, b.baseline);
  EXPECT_EQ(a.draws, b.draws);
  EXPECT_EQ(a.quantile_method, b.quantile_method);
  expect_same(a.diffs, b.diffs, a.scenario + " diffs");
  ASSERT_EQ(a.targets.size(), b.targets.size());
  for (std::size_t t = 0; t < a.targets.size(); ++t) {
    const auto &x = a.targets[t], &y = b.targets[t];
    EXPECT_EQ(x.id, y.id);
    expect_same(x.scenario, y.scenario, x.id);
    expect_same(x.baseline, y.baseline, x.id);
    EXPECT_EQ(x.both, y.both) << x.id;
    EXPECT_EQ(x.only_scenario, y.only_scenario) << x.id;
    EXPECT_EQ(x.only_baseline, y.only_baseline) << x.id;
    EXPECT_EQ(x.neither, y.neither) << x.id;
    expect_same(x.paired, y.paired, x.id + " paired");
    expect_same(x.unpaired, y.unpaired, x.id + " unpaired");
  }
  expect_same(a.all_targets_paired, b.all_targets_paired, "all targets paired");
  expect_same(a.all_targets_unpaired, b.all_targets_unpaired, "all targets unpaired");
}

// The message of the InputError `f` throws ("" for none).
std::string input_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST_F(RunTest, InMemoryGivesTheSummariesTheFileHolds) {
  // Exact quantiles with Monte Carlo; sketches with Sobol replicates.
  const auto spec = luohu("plan-2022-2025");
  for (const auto& [sampler, quantiles] : {std::pair{core::Sampler::MonteCarlo, Quantiles::Exact},
                                           std::pair{core::Sampler::Sobol, Quantiles::Sketch}}) {
    RunOptions o = options(11, sampler, quantiles);
    const RunOutcome memory = run_scenario(spec, o);
    EXPECT_EQ(memory.file, "");
    EXPECT_FALSE(memory.interrupted);
    EXPECT_EQ(memory.draws_done, DRAWS);
    EXPECT_EQ(memory.sketch, quantiles == Quantiles::Sketch);
    for (const auto& e : fs::directory_iterator(dir_))
      EXPECT_EQ(e.path().filename(), "run.h5") << "a run without a file writes nothing";

    o.output.file = file("run.h5");
    o.output.overwrite = true;
    const RunOutcome written = run_scenario(spec, o);
    EXPECT_EQ(written.file, file("run.h5"));
    expect_same(memory.result, io::read_scenario(written.file, spec.name), false);
    EXPECT_TRUE(io::read_scenario_info(written.file, spec.name).complete);
  }
}

TEST_F(RunTest, OneAndTwoThreadsAndAnyBatchGiveTheSameResults) {
  const auto spec = luohu("baseline");
  for (const Quantiles q : {Quantiles::Exact, Quantiles::Sketch}) {
    const RunOutcome one =
        run_scenario(spec, options(12, core::Sampler::LatinHypercube, q, 1, 256));
    const RunOutcome two =
        run_scenario(spec, options(12, core::Sampler::LatinHypercube, q, 2, 100));
    expect_same(one.result, two.result);
  }
}

TEST_F(RunTest, OverridesReplaceTheScenariosRunSettings) {
  const auto spec = luohu("baseline");
  const RunOutcome out =
      run_scenario(spec, options(13, core::Sampler::MonteCarlo, Quantiles::Exact));
  EXPECT_EQ(out.settings.draws, DRAWS);
  EXPECT_EQ(out.settings.seed, 13u);
  EXPECT_EQ(out.result.draws_requested, DRAWS);
  EXPECT_EQ(out.result.seed, 13u);
  RunOptions o;
  o.overrides.draws = 0;
  EXPECT_EQ(input_error([&] { run_scenario(spec, o); }), "--draws must be >= 1");
  o.overrides.draws = 10;
  o.overrides.replicates = 1;
  EXPECT_EQ(input_error([&] { run_scenario(spec, o); }),
            "--replicates must be in [2, 1024] (got 1)");
  o.overrides.replicates.reset();
  o.execution.threads = 0;
  EXPECT_EQ(input_error([&] { run_scenario(spec, o); }), "--threads must be in [1, 1024]");
  o.execution.threads = 1;
  o.output.file = file("x.h5");
  o.output.gzip = 10;
  EXPECT_EQ(input_error([&] { run_scenario(spec, o); }), "--gzip must be in [1, 9]");
  EXPECT_FALSE(fs::exists(file("x.h5")));
}

TEST_F(RunTest, AnExistingFileIsRefusedWithoutOverwrite) {
  const auto spec = luohu("baseline");
  RunOptions o = options(14, core::Sampler::MonteCarlo, Quantiles::Exact);
  o.overrides.draws = 100;
  o.output.file = file("keep.h5");
  fs::copy_file(LUOHU + "baseline.yaml", o.output.file);
  EXPECT_EQ(input_error([&] { run_scenario(spec, o); }),
            file("keep.h5") +
                ": exists; write elsewhere with -o FILE, or pass --overwrite to replace it");
  o.output.overwrite = true;
  EXPECT_EQ(run_scenario(spec, o).file, file("keep.h5"));
}

TEST_F(RunTest, CompareInMemoryGivesWhatTheFileHolds) {
  const std::vector<core::ScenarioSpec> specs = {luohu("baseline"), luohu("plan-2022-2025"),
                                                 luohu("alt-land-early")};
  const std::size_t base = baseline_index(specs, "plan-2022-2025");
  EXPECT_EQ(base, 1u);
  RunOptions o = options(15, core::Sampler::MonteCarlo, Quantiles::Exact, 2, 128);
  const CompareOutcome memory = compare_scenarios(specs, base, o);
  EXPECT_EQ(memory.file, "");
  EXPECT_TRUE(fs::is_empty(dir_));
  ASSERT_EQ(memory.results.size(), 3u);
  ASSERT_EQ(memory.comparisons.size(), 2u);
  EXPECT_EQ(memory.comparisons[0].scenario, "baseline");
  EXPECT_EQ(memory.comparisons[1].scenario, "alt-land-early");
  EXPECT_EQ(memory.comparisons[0].baseline, "plan-2022-2025");

  o.execution.threads = 1;
  o.output.file = file("cmp.h5");
  const CompareOutcome written = compare_scenarios(specs, base, o);
  EXPECT_EQ(written.file, file("cmp.h5"));
  for (const auto& r : memory.results)
    expect_same(r, io::read_scenario(written.file, r.name));
  const auto stored = io::read_comparisons(written.file);
  ASSERT_EQ(stored.size(), memory.comparisons.size());
  for (std::size_t k = 0; k < stored.size(); ++k)
    expect_same(memory.comparisons[k], stored[k]);
  // The comparison's members are the runs of each scenario alone.
  RunOptions alone = options(15, core::Sampler::MonteCarlo, Quantiles::Exact);
  expect_same(memory.results[2], run_scenario(specs[2], alone).result);
}

TEST_F(RunTest, CompareRefusesWhatCannotBeCompared) {
  const std::vector<core::ScenarioSpec> specs = {luohu("baseline"), luohu("baseline")};
  const RunOptions o = options(16, core::Sampler::MonteCarlo, Quantiles::Exact);
  EXPECT_EQ(input_error([&] { baseline_index(specs, "nope"); }),
            "--baseline 'nope' is not among the scenarios (baseline, baseline)");
  EXPECT_EQ(input_error([&] { compare_scenarios(specs, 0, o); }),
            "two scenarios are named 'baseline' (" + LUOHU + "baseline.yaml, " + LUOHU +
                "baseline.yaml); names must differ");
  EXPECT_EQ(input_error([&] { compare_scenarios({specs[0]}, 0, o); }),
            "compare needs at least two scenarios");
}

TEST_F(RunTest, InterruptedRunResumesBitIdentical) {
  const auto spec = luohu("plan-2022-2025");
  const std::string out = file("run.h5");
  // Stopped after the first chunk (one thread: at most one more is in hand).
  std::atomic<bool> stop{false};
  RunOptions o = options(17, core::Sampler::Sobol, Quantiles::Sketch, 1);
  o.overrides.replicates = 16;
  o.output.file = out;
  o.execution.stop = &stop;
  o.execution.progress = [&](std::uint64_t done, std::uint64_t) {
    if (done >= core::CHUNK_DRAWS) stop = true;
  };
  const RunOutcome part = run_scenario(spec, o);
  ASSERT_TRUE(part.interrupted);
  EXPECT_EQ(part.file, out);
  EXPECT_GT(part.draws_done, 0u);
  EXPECT_LT(part.draws_done, DRAWS);
  EXPECT_EQ(part.draws_done % core::CHUNK_DRAWS, 0u);
  EXPECT_FALSE(io::read_scenario_info(out, spec.name).complete);

  // What does not fit is refused, with what to change.
  auto changed = spec;
  changed.files[0].text += "\n# edited\n";
  EXPECT_EQ(input_error([&] { plan_resume(out, changed); }),
            out + ": " + spec.files[0].path + " differs from the text the run used (" +
                spec.files[0].path + "); resume refused (the scenario changed)");
  changed = spec;
  changed.files.pop_back();
  EXPECT_EQ(input_error([&] { plan_resume(out, changed); }),
            out + ": the scenario was read from " + std::to_string(spec.files.size()) +
                " files, now from " + std::to_string(spec.files.size() - 1) +
                "; resume refused (the scenario changed)");
  changed = spec;
  changed.name = "other";
  EXPECT_EQ(input_error([&] { plan_resume(out, changed); }), out + ": holds no scenario 'other'");
  Overrides seed;
  seed.seed = 1;
  EXPECT_EQ(input_error([&] { plan_resume(out, spec, seed); }),
            out + ": the run used seed 17, not 1; resume refused");
  Overrides draws;
  draws.draws = DRAWS;
  EXPECT_EQ(input_error([&] { plan_resume(out, spec, draws); }),
            "--resume continues the run as it was started: drop --draws, --sampler and "
            "--replicates");

  // The plan holds the run's settings, whatever the scenario says.
  seed.seed = 17;
  ResumePlan plan = plan_resume(out, spec, seed);
  EXPECT_EQ(plan.file, out);
  EXPECT_EQ(plan.run.draws, DRAWS);
  EXPECT_EQ(plan.run.seed, 17u);
  EXPECT_EQ(plan.run.sampler, core::Sampler::Sobol);
  EXPECT_EQ(plan.run.replicates, 16);
  EXPECT_TRUE(plan.keep_paths);
  EXPECT_EQ(plan.checkpoint.draws, part.draws_done);
  EXPECT_TRUE(plan.checkpoint.uses_sketch());

  RunOptions go;
  go.execution.threads = 2;
  const RunOutcome resumed = resume_scenario(spec, std::move(plan), go);
  EXPECT_FALSE(resumed.interrupted);
  EXPECT_EQ(resumed.draws_done, DRAWS);
  EXPECT_EQ(resumed.file, out);
  EXPECT_TRUE(io::read_scenario_info(out, spec.name).complete);

  // The same as an uninterrupted run, in memory and in the file.
  RunOptions whole = options(17, core::Sampler::Sobol, Quantiles::Sketch, 2);
  whole.overrides.replicates = 16;
  const RunOutcome reference = run_scenario(spec, whole);
  expect_same(reference.result, resumed.result);
  expect_same(reference.result, io::read_scenario(out, spec.name), false);

  EXPECT_EQ(input_error([&] { plan_resume(out, spec); }),
            out + ": scenario '" + spec.name + "' is complete; nothing to resume");
}

// The plan scenario conditioned on Luohu's 2023 GDP and service value added,
// a 2024 real growth and a bound of a revised vintage (docs/conditioning.md).
core::ScenarioSpec conditioned(const std::string& dir, double min_ess = 10) {
  std::ofstream(dir + "/obs.yaml")
      << "extends: " << LUOHU << "plan-2022-2025.yaml\n"
      << "observed:\n"
      << "  min_ess: " << min_ess << "\n"
      << "  revision: {dist: truncated_normal, mean: 0, sd: 0.05, low: -0.3, high: 0.3, "
         "estimate: x}\n"
      << "  values:\n"
      << "    - {indicator: district_gdp, year: 2023, value: 2808.19, rel_sd: 0.01, source: x}\n"
      << "    - {indicator: service_va, year: 2023, value: 2644.36, rel_sd: 0.01, source: x}\n"
      << "    - {indicator: real_district_gdp, year: 2024, growth: 0.03, sd: 0.01, source: x}\n"
      << "    - {indicator: gdp_per_km2, year: 2024, above: 31, rel_sd: 0.01, vintage: revised, "
         "source: x}\n";
  return models::load_scenario(dir + "/obs.yaml");
}

void expect_same(const core::Conditioning& a, const core::Conditioning& b) {
  EXPECT_EQ(a.observations, b.observations);
  EXPECT_TRUE(same_bits(a.ess, b.ess)) << a.ess << " " << b.ess;
  EXPECT_TRUE(same_bits(a.log_evidence, b.log_evidence));
  EXPECT_TRUE(same_bits(a.max_weight_share, b.max_weight_share));
}

TEST_F(RunTest, ConditionedRunIsTheSameOnAnyThreadCountInMemoryAndInTheFile) {
  const auto spec = conditioned(dir_.string());
  RunOptions one = options(21, core::Sampler::MonteCarlo, Quantiles::Exact, 1, 256);
  RunOptions three = options(21, core::Sampler::MonteCarlo, Quantiles::Exact, 3, 100);
  three.output.file = file("c.h5");
  const RunOutcome a = run_scenario(spec, one);
  const RunOutcome b = run_scenario(spec, three);
  ASSERT_TRUE(a.result.conditioning && b.result.conditioning);
  EXPECT_GT(a.result.conditioning->ess, 10.0);
  EXPECT_LT(a.result.conditioning->ess, static_cast<double>(DRAWS) / 2);
  EXPECT_EQ(a.result.quantile_method, "weighted, inverted weighted CDF (type 1)");
  expect_same(a.result, b.result);
  expect_same(*a.result.conditioning, *b.result.conditioning);
  const core::ScenarioResult read = io::read_scenario(file("c.h5"), spec.name);
  expect_same(a.result, read, false);
  ASSERT_TRUE(read.conditioning);
  expect_same(*a.result.conditioning, *read.conditioning);
  // Observations that say nothing (sd far beyond the spread of the draws)
  // leave every draw's weight 1 - 1e-9 or so: the same means as an
  // unconditioned run, within that.
  auto plain = luohu("plan-2022-2025");
  const RunOutcome u = run_scenario(plain, one);
  auto vague = spec;
  for (core::Observation& o : vague.observed.values) {
    o.sd = o.relative ? 1e4 : 1e6;
    o.revised = false;
    o.kind = core::ObservationKind::Value;
  }
  const RunOutcome v = run_scenario(vague, one);
  EXPECT_GT(v.result.conditioning->ess, 0.999999 * static_cast<double>(DRAWS));
  for (std::size_t s = 0; s < u.result.summaries.size(); ++s) {
    const auto& x = u.result.summaries[s].stats;
    const auto& y = v.result.summaries[s].stats;
    for (std::size_t i = 0; i < x.size() / core::N_STATS; ++i)  // the means
      EXPECT_NEAR(y[i], x[i], 1e-6 * std::fabs(x[i]) + 1e-12) << u.result.summaries[s].info.name;
  }
}

TEST_F(RunTest, ConditionedRunResumesBitIdentical) {
  const auto spec = conditioned(dir_.string());
  std::atomic<bool> stop{false};
  RunOptions o = options(22, core::Sampler::MonteCarlo, Quantiles::Exact, 1);
  o.output.file = file("r.h5");
  o.execution.stop = &stop;
  o.execution.progress = [&](std::uint64_t done, std::uint64_t) {
    if (done >= core::CHUNK_DRAWS) stop = true;
  };
  const RunOutcome part = run_scenario(spec, o);
  ASSERT_TRUE(part.interrupted);
  ResumePlan plan = plan_resume(file("r.h5"), spec);
  EXPECT_EQ(plan.checkpoint.log_likelihood.size(), part.draws_done);
  RunOptions go;
  go.execution.threads = 2;
  const RunOutcome resumed = resume_scenario(spec, std::move(plan), go);
  const RunOutcome whole =
      run_scenario(spec, options(22, core::Sampler::MonteCarlo, Quantiles::Exact, 2));
  expect_same(whole.result, resumed.result);
  expect_same(*whole.result.conditioning, *resumed.result.conditioning);
}

// Asked for sketches, a conditioned run gives the exact weighted quantiles
// of the draws it keeps (their memory has a bound of its own): the same bits
// as --quantiles exact.
TEST_F(RunTest, ConditionedRunAskedForSketchesGivesItsExactWeightedQuantiles) {
  const auto spec = conditioned(dir_.string());
  const RunOutcome sketched =
      run_scenario(spec, options(23, core::Sampler::MonteCarlo, Quantiles::Sketch, 2));
  const RunOutcome exact =
      run_scenario(spec, options(23, core::Sampler::MonteCarlo, Quantiles::Exact, 1));
  EXPECT_FALSE(sketched.sketch);
  expect_same(sketched.result, exact.result);
  expect_same(*sketched.result.conditioning, *exact.result.conditioning);
}

TEST_F(RunTest, ConditionedRunRefusesACollapsedSample) {
  RunOptions o = options(23, core::Sampler::MonteCarlo, Quantiles::Exact);
  o.output.file = file("x.h5");
  const auto strict = conditioned(dir_.string(), 1e6);
  const std::string e = input_error([&] { run_scenario(strict, o); });
  EXPECT_NE(e.find("plan-2022-2025: the 4 observations leave an effective sample size of "),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("below observed.min_ess 1e+06; nothing was written. Run more draws"),
            std::string::npos)
      << e;
  EXPECT_FALSE(std::filesystem::exists(file("x.h5")));
}

TEST_F(RunTest, ConditionedRunKeepsOnlyTheDrawsThatCanMatter) {
  auto spec = conditioned(dir_.string());
  const RunOptions o = options(25, core::Sampler::MonteCarlo, Quantiles::Exact, 2);
  const RunOutcome kept = run_scenario(spec, o);
  const core::Conditioning& c = *kept.result.conditioning;
  EXPECT_LT(c.kept, DRAWS);
  EXPECT_GT(c.kept, 0u);
  EXPECT_LT(c.dropped_weight_share, 1e-6);
  // Every draw kept: the same statistics, but for the dropped weight.
  spec.observed.keep_within = 1e9;
  const RunOutcome all = run_scenario(spec, o);
  EXPECT_EQ(all.result.conditioning->kept, DRAWS);
  EXPECT_EQ(all.result.conditioning->dropped_weight_share, 0.0);
  for (std::size_t s = 0; s < all.result.summaries.size(); ++s) {
    const auto& x = all.result.summaries[s].stats;
    const auto& y = kept.result.summaries[s].stats;
    for (std::size_t i = 0; i < 2 * x.size() / core::N_STATS; ++i)  // means and sds
      EXPECT_NEAR(y[i], x[i], 1e-5 * std::fabs(x[i]) + 1e-9) << all.result.summaries[s].info.name;
  }
  // Too narrow a window leaves out weight that matters: refused, with the
  // window that would do.
  spec.observed.keep_within = 10;
  const std::string e = input_error([&] { run_scenario(spec, o); });
  EXPECT_NE(e.find("plan-2022-2025: the draws left out, more than observed.keep_within (10) "
                   "below a perfect fit, carry "),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("raise keep_within to at least "), std::string::npos) << e;
}

TEST_F(RunTest, ExPostComparisonWeightsEveryScenarioByTheObservedWorld) {
  const auto observed = conditioned(dir_.string());
  auto same = luohu("plan-2022-2025");
  same.name = "unobserved";
  RunOptions o = options(24, core::Sampler::MonteCarlo, Quantiles::Exact, 2);
  o.output.file = file("expost.h5");
  const CompareOutcome c = compare_scenarios({same, observed}, 0, o);
  ASSERT_EQ(c.results.size(), 2u);
  ASSERT_TRUE(c.results[0].conditioning && c.results[1].conditioning);
  // The same draws under the same weights: the unobserved twin's weighted
  // summaries are the observed world's, bit for bit, and every difference 0.
  expect_same(c.results[0].summaries, c.results[1].summaries, "twins");
  expect_same(c.results[0].all_targets, c.results[1].all_targets, "twins");
  ASSERT_EQ(c.comparisons.size(), 1u);
  ASSERT_TRUE(c.comparisons[0].conditioning);
  for (const auto& d : c.comparisons[0].diffs)
    for (std::size_t i = 0; i < d.stats.size() / core::N_DIFF_STATS; ++i)
      EXPECT_EQ(d.stats[i], 0.0) << d.info.name;
  // The observed world in a comparison is the scenario run alone.
  RunOptions alone = options(24, core::Sampler::MonteCarlo, Quantiles::Exact, 1);
  const RunOutcome a = run_scenario(observed, alone);
  expect_same(a.result, c.results[1]);
  expect_same(*a.result.conditioning, *c.results[1].conditioning);
  // The file holds each scenario's weights, naming the observed world.
  const core::ScenarioResult read = io::read_scenario(file("expost.h5"), "unobserved");
  ASSERT_TRUE(read.conditioning);
  expect_same(*c.results[0].conditioning, *read.conditioning);
  // One observed world: scenarios may share the same observations, not
  // list different ones; exact quantiles.
  auto second = observed;
  second.name = "other";
  EXPECT_NO_THROW(compare_scenarios({observed, second}, 0,
                                    options(1, core::Sampler::MonteCarlo, Quantiles::Exact)));
  second.observed.values[0].value += 1;
  EXPECT_EQ(input_error([&] {
              compare_scenarios({observed, second}, 0,
                                options(1, core::Sampler::MonteCarlo, Quantiles::Exact));
            }),
            "'plan-2022-2025' and 'other' list different observations: an ex-post comparison "
            "weights every scenario by one observed world; keep observed: in that scenario only, "
            "or give each the same");
}

TEST(RunPreflight, ExactQuantilesWhileTheStoresFitAQuarterOfMemoryAtMostTwoGiB) {
  constexpr std::uint64_t GiB = std::uint64_t{1} << 30;
  EXPECT_EQ(exact_store_budget(0), 2 * GiB);  // unknown memory
  EXPECT_EQ(exact_store_budget(4 * GiB), GiB);
  EXPECT_EQ(exact_store_budget(64 * GiB), 2 * GiB);
  const auto spec = luohu("baseline");
  const auto model = models::make_model(spec);
  const auto& layout = model->layout();
  const std::uint64_t draws = 100000;
  const std::uint64_t bytes = core::SummaryAccumulator::store_bytes(layout, draws);
  // Auto: exact exactly while `stores` stores fit the budget (a quarter of memory).
  EXPECT_FALSE(use_sketch(Quantiles::Auto, layout, draws, 1, 4 * bytes));
  EXPECT_TRUE(use_sketch(Quantiles::Auto, layout, draws, 1, 4 * bytes - 4));
  EXPECT_TRUE(use_sketch(Quantiles::Auto, layout, draws, 3, 4 * bytes));
  EXPECT_FALSE(use_sketch(Quantiles::Exact, layout, draws, 3, 1));
  EXPECT_TRUE(use_sketch(Quantiles::Sketch, layout, draws, 1, 64 * GiB));
  EXPECT_EQ(parse_quantiles("sketch"), Quantiles::Sketch);
  EXPECT_EQ(input_error([] { parse_quantiles("fuzzy"); }),
            "--quantiles must be exact, sketch or auto (got 'fuzzy')");
  EXPECT_EQ(input_error([] { parse_sampler("qmc"); }),
            "--sampler must be 'mc', 'lhs' or 'sobol' (got 'qmc')");
}

TEST(RunPreflight, ARunThatCannotFitIsBadInput) {
  // A run without a file checks memory only: 10^11 draws of exact stores.
  const auto spec = luohu("baseline");
  RunOptions o;
  o.overrides.draws = std::uint64_t{100'000'000'000};
  o.quantiles = Quantiles::Exact;
  const std::string msg = input_error([&] { run_scenario(spec, o); });
  EXPECT_EQ(msg.rfind("the summaries of 100000000000 draws need ", 0), 0u) << msg;
  EXPECT_NE(msg.find("use --quantiles sketch, fewer --draws, or free memory"), std::string::npos)
      << msg;
  EXPECT_THROW(run_scenario(spec, o), ResourceError);
}

// Issue 19, D2: the runner's chunk buffers and inputs count, for each
// thread, and a refusal names them and the remedy.
TEST(RunPreflight, ChunkBuffersAndInputsAreCountedPerThread) {
  const auto spec = luohu("baseline");
  const auto model = models::make_model(spec);
  const std::uint64_t cells = static_cast<std::uint64_t>(model->layout().n_cells());
  const std::uint64_t chunk = core::chunk_draws_for(cells);
  ASSERT_EQ(chunk, core::CHUNK_DRAWS);
  const std::uint64_t chunk_bytes = cells * chunk * sizeof(double);
  const std::uint64_t inputs =
      ((model->parameters().size() + static_cast<std::uint64_t>(model->n_shocks())) * 256 +
       model->workspace_size(256)) *
      sizeof(double);
  for (int threads : {1, 2, 16}) {
    const auto t = static_cast<std::uint64_t>(threads);
    // The window is sized by the threads that compute at once (no more than
    // the machine's), the buffers by every thread.
    const std::uint64_t window = core::reorder_window(core::threads_at_once(threads), chunk_bytes);
    EXPECT_EQ(runner_bytes(*model, threads, 1, 256, chunk), (window + t) * chunk_bytes + t * inputs)
        << threads << " threads";
  }
  // A short run's buffers hold its draws only.
  EXPECT_EQ(runner_bytes(*model, 1, 1, 256, 100),
            (core::reorder_window(1, cells * 800) + 1) * cells * 800 + inputs);

  constexpr std::uint64_t GiB = std::uint64_t{1} << 30;
  AvailableResources ram;
  ram.memory_known = true;
  ram.memory_bytes = 10 * GiB;
  EXPECT_EQ(input_error([&] {
              check_resources(100, 0, GiB, "", ram, true, RunnerMemory{8 * GiB, 4});
            }),
            "the run needs about 9.0 GiB of memory (summaries of 100 draws 1.0 GiB, chunk "
            "buffers and inputs of 4 threads 8.0 GiB), more than 80% of the 10.0 GiB available; "
            "use fewer --threads, --quantiles sketch, fewer --draws or free memory");
  EXPECT_EQ(input_error([&] {
              check_resources(100, 0, 7 * GiB, "", ram, false, RunnerMemory{GiB + GiB / 2, 1});
            }),
            "the run needs about 8.5 GiB of memory (summaries of 100 draws 7.0 GiB, chunk "
            "buffers and inputs of 1 thread 1.5 GiB), more than 80% of the 10.0 GiB available; "
            "use fewer --draws or free memory");
  EXPECT_EQ(input_error([&] {
              check_resources(100, 0, GiB, "", ram, true, RunnerMemory{6 * GiB, 4});
            }),
            "");
}

TEST(RunDistributed, SettingsRoundTripThroughTheirEncoding) {
  DistributedSettings s;
  s.run.draws = 123456789012345ULL;
  s.run.seed = ~std::uint64_t{0};
  s.run.sampler = core::Sampler::Sobol;
  s.run.replicates = 1024;
  s.first_draw = 7 * core::CHUNK_DRAWS;
  const std::vector<std::uint64_t> words = s.encode();
  ASSERT_EQ(words.size(), DistributedSettings::WORDS);
  EXPECT_TRUE(DistributedSettings::decode(words) == s);
  for (const core::Sampler sampler :
       {core::Sampler::MonteCarlo, core::Sampler::LatinHypercube, core::Sampler::Sobol}) {
    s.run.sampler = sampler;
    EXPECT_EQ(DistributedSettings::decode(s.encode()).run.sampler, sampler);
  }
  auto bad = words;
  bad.pop_back();
  EXPECT_THROW(DistributedSettings::decode(bad), std::invalid_argument);
  bad = words;
  bad[2] = 3;  // no such sampler
  EXPECT_THROW(DistributedSettings::decode(bad), std::invalid_argument);
  bad = words;
  bad[4] = bad[0] + 1;  // starts beyond the end
  EXPECT_THROW(DistributedSettings::decode(bad), std::invalid_argument);
}

// One process's view of a run of two processes without an exchange (so
// process 0 computes every chunk). Process 0's records the words it sends;
// another's receives `words`.
class TwoProcesses : public ProcessGroup {
 public:
  explicit TwoProcesses(bool others_ready, std::vector<std::uint64_t> received = {})
      : others_ready_(others_ready), words(std::move(received)) {}
  int size() const override { return 2; }
  bool ready() override { return others_ready_; }
  void broadcast(std::vector<std::uint64_t>& w) override {
    if (words.empty()) {
      words = w;
    } else {
      w = words;
    }
  }
  std::unique_ptr<core::ChunkExchange> exchange() override { return nullptr; }

 private:
  bool others_ready_;

 public:
  std::vector<std::uint64_t> words;  ///< sent (process 0) or to receive (another)
};

TEST_F(RunTest, ProcessZeroSendsTheRunsSettingsOnceEveryProcessIsReady) {
  const auto spec = luohu("baseline");
  RunOptions o = options(18, core::Sampler::LatinHypercube, Quantiles::Exact);
  o.output.file = file("d.h5");
  TwoProcesses not_ready(false);
  o.execution.processes = &not_ready;
  EXPECT_NE(input_error([&] { run_scenario(spec, o); }), "");
  EXPECT_TRUE(not_ready.words.empty());
  EXPECT_FALSE(fs::exists(file("d.h5")));

  TwoProcesses ready(true);
  o.execution.processes = &ready;
  const RunOutcome out = run_scenario(spec, o);
  const DistributedSettings sent = DistributedSettings::decode(ready.words);
  EXPECT_EQ(sent.run.draws, DRAWS);
  EXPECT_EQ(sent.run.seed, 18u);
  EXPECT_EQ(sent.run.sampler, core::Sampler::LatinHypercube);
  EXPECT_EQ(sent.first_draw, 0u);
  o.execution.processes = nullptr;
  o.output.file.clear();
  expect_same(run_scenario(spec, o).result, out.result);

  // Another process takes the settings from process 0, not from its spec.
  TwoProcesses other(true, ready.words);
  int started = 0;
  Execution e;
  e.on_start = [&] { ++started; };
  EXPECT_TRUE(run_share(spec, other, e));
  EXPECT_EQ(started, 1);
  TwoProcesses failed(false, ready.words);
  EXPECT_FALSE(run_share(spec, failed, e));
  EXPECT_EQ(started, 1);
}

}  // namespace
}  // namespace sectorsim::run
