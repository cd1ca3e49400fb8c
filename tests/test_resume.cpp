// Resumption at the engine level: a run stopped part way, its summary state
// saved and restored into a fresh accumulator, then continued from the first
// undone chunk, finishes bit-identical to an uninterrupted run.
#include <atomic>
#include <cstring>

#include <gtest/gtest.h>

#include "engine/exec/runner.hpp"
#include "engine/stats/replicates.hpp"
#include "engine/stats/summary.hpp"
#include "models/sector_growth/sector_growth_model.hpp"
#include "tests/collect_sink.hpp"
#include "tests/support.hpp"

namespace sectorsim {
namespace {

using core::Prior;

core::ScenarioSpec spec() {
  auto s = testing::two_sector_spec(2022, 2026);
  for (auto& sec : testing::sg(s).sectors) {
    sec.params.tfp_growth = Prior::normal(0.02, 0.01);
    sec.params.volatility = Prior::uniform(0.02, 0.05);
    sec.params.fund_leverage = Prior::pert(1, 2.5, 5);
  }
  s.targets = {{"gdp", "", "", "district_gdp", 2026, core::Op::Greater, 290.0, std::nullopt}};
  return s;
}

class StopAt : public core::ChunkSink {
 public:
  StopAt(std::atomic<bool>& flag, std::uint64_t draw) : flag_(flag), draw_(draw) {}
  void consume(const core::ChunkView& c) override {
    if (c.first_draw + c.n >= draw_) flag_.store(true);
  }

 private:
  std::atomic<bool>& flag_;
  std::uint64_t draw_;
};

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(Resume, StoppedSavedRestoredAndContinuedIsBitIdentical) {
  const auto s = spec();
  const models::SectorGrowthModel model(s);
  const auto targets =
      core::resolve_targets(s.targets, model.layout(), s.base_year, {"services", "industry"});
  const std::uint64_t draws = 7 * core::CHUNK_DRAWS + 321;
  core::RunOptions opt;
  opt.draws = draws;
  opt.seed = 99;
  opt.threads = 2;

  core::SummaryAccumulator whole(model.layout(), targets, draws, core::CHUNK_DRAWS);
  testing::CollectSink whole_paths;
  ASSERT_FALSE(core::run_draws(model, opt, {&whole, &whole_paths}).interrupted);
  core::ScenarioResult expected;
  whole.finish(draws, expected);

  // First part: stopped after three chunks. On one thread the chunk that
  // sets the flag is delivered before the next one starts, so the stop is
  // seen however slow the machine (on two, every chunk could be in flight).
  std::atomic<bool> stop{false};
  StopAt stopper(stop, 3 * core::CHUNK_DRAWS);
  core::SummaryAccumulator first(model.layout(), targets, draws, core::CHUNK_DRAWS);
  testing::CollectSink paths;
  core::RunOptions o1 = opt;
  o1.stop = &stop;
  o1.threads = 1;
  const auto r1 = core::run_draws(model, o1, {&first, &paths, &stopper});
  ASSERT_TRUE(r1.interrupted);
  ASSERT_GE(r1.draws_done, 3 * core::CHUNK_DRAWS);
  const core::SummaryState saved = first.save(r1.draws_done);

  // Second part, in a fresh accumulator, with another thread count and batch.
  core::SummaryAccumulator second(model.layout(), targets, draws, core::CHUNK_DRAWS);
  second.restore(saved);
  core::RunOptions o2 = opt;
  o2.first_draw = r1.draws_done;
  o2.threads = 3;
  o2.batch = 33;
  testing::CollectSink rest(r1.draws_done);
  const auto r2 = core::run_draws(model, o2, {&second, &rest});
  EXPECT_FALSE(r2.interrupted);
  EXPECT_EQ(r2.draws_done, draws);
  core::ScenarioResult resumed;
  second.finish(draws, resumed);

  for (std::size_t i = 0; i < expected.summaries.size(); ++i) {
    EXPECT_TRUE(same_bits(expected.summaries[i].stats, resumed.summaries[i].stats))
        << expected.summaries[i].info.name;
  }
  EXPECT_EQ(expected.targets[0].in_year.met, resumed.targets[0].in_year.met);
  EXPECT_EQ(expected.all_targets.met, resumed.all_targets.met);
  // Paths: the first part's draws followed by the second's are the whole run's.
  for (std::size_t c = 0; c < whole_paths.values.size(); ++c) {
    std::vector<double> joined(
        paths.values[c].begin(),
        paths.values[c].begin() + static_cast<std::ptrdiff_t>(r1.draws_done));
    joined.insert(joined.end(), rest.values[c].begin(), rest.values[c].end());
    ASSERT_TRUE(same_bits(joined, whole_paths.values[c])) << "cell " << c;
  }
}

TEST(Resume, SketchesAndSobolReplicatesContinueBitIdentically) {
  // Quantile sketches (k = 64: many compactions over eight chunks) and the
  // Sobol replicate sums, saved part way and restored into fresh
  // accumulators, finish as the uninterrupted run does, bit for bit.
  const auto s = spec();
  const models::SectorGrowthModel model(s);
  const auto targets =
      core::resolve_targets(s.targets, model.layout(), s.base_year, {"services", "industry"});
  const std::uint64_t draws = 8 * core::CHUNK_DRAWS;
  constexpr std::size_t K = 64;
  core::RunOptions opt;
  opt.draws = draws;
  opt.seed = 7;
  opt.threads = 2;
  opt.sampler = core::Sampler::Sobol;
  opt.replicates = 8;

  core::SummaryAccumulator whole(model.layout(), targets, draws, core::CHUNK_DRAWS, K, 2);
  core::ReplicateAccumulator whole_reps(model.layout(), 8);
  ASSERT_FALSE(core::run_draws(model, opt, {&whole, &whole_reps}).interrupted);
  core::ScenarioResult expected;
  whole.finish(draws, expected);

  std::atomic<bool> stop{false};
  StopAt stopper(stop, 3 * core::CHUNK_DRAWS);
  core::SummaryAccumulator first(model.layout(), targets, draws, core::CHUNK_DRAWS, K, 2);
  core::ReplicateAccumulator first_reps(model.layout(), 8);
  core::RunOptions o1 = opt;
  o1.stop = &stop;
  const auto r1 = core::run_draws(model, o1, {&first, &first_reps, &stopper});
  ASSERT_TRUE(r1.interrupted);
  core::SummaryState saved = first.save(r1.draws_done);
  ASSERT_TRUE(saved.uses_sketch());
  EXPECT_TRUE(saved.values.empty());
  std::uint64_t rep_draws = 0;
  first_reps.save(rep_draws, saved.replicate_sums, saved.replicate_counts);
  EXPECT_EQ(rep_draws, r1.draws_done);

  core::SummaryAccumulator second(model.layout(), targets, draws, core::CHUNK_DRAWS, K, 1);
  second.restore(saved);
  core::ReplicateAccumulator second_reps(model.layout(), 8);
  second_reps.restore(rep_draws, saved.replicate_sums, saved.replicate_counts);
  core::RunOptions o2 = opt;
  o2.first_draw = r1.draws_done;
  o2.threads = 1;
  ASSERT_FALSE(core::run_draws(model, o2, {&second, &second_reps}).interrupted);
  core::ScenarioResult resumed;
  second.finish(draws, resumed);

  EXPECT_EQ(expected.quantile_method, resumed.quantile_method);
  for (std::size_t i = 0; i < expected.summaries.size(); ++i) {
    EXPECT_TRUE(same_bits(expected.summaries[i].stats, resumed.summaries[i].stats))
        << expected.summaries[i].info.name;
  }
  EXPECT_EQ(expected.all_targets.met, resumed.all_targets.met);
  const auto a = whole_reps.finish(), b = second_reps.finish();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t c = 0; c < a.size(); ++c) {
    ASSERT_EQ(0, std::memcmp(&a[c].mean, &b[c].mean, sizeof(double))) << "cell " << c;
    ASSERT_EQ(0, std::memcmp(&a[c].std_error, &b[c].std_error, sizeof(double))) << "cell " << c;
  }

  // A state of the other kind, or of another sketch size, is refused.
  core::SummaryAccumulator exact(model.layout(), targets, draws, core::CHUNK_DRAWS);
  EXPECT_THROW(exact.restore(saved), std::invalid_argument);
  core::SummaryAccumulator other_k(model.layout(), targets, draws, core::CHUNK_DRAWS, 2 * K);
  EXPECT_THROW(other_k.restore(saved), std::invalid_argument);
  core::ReplicateAccumulator other_r(model.layout(), 4);
  EXPECT_THROW(other_r.restore(rep_draws, saved.replicate_sums, saved.replicate_counts),
               std::invalid_argument);
}

TEST(Resume, RestoreRejectsAStateOfAnotherShape) {
  const auto s = spec();
  const models::SectorGrowthModel model(s);
  core::SummaryAccumulator acc(model.layout(), {}, 2 * core::CHUNK_DRAWS, core::CHUNK_DRAWS);
  core::SummaryState bad;
  bad.draws = core::CHUNK_DRAWS;
  EXPECT_THROW(acc.restore(bad), std::invalid_argument);
}

TEST(Resume, FirstDrawMustBeChunkAligned) {
  const auto s = spec();
  const models::SectorGrowthModel model(s);
  core::RunOptions opt;
  opt.draws = 3 * core::CHUNK_DRAWS;
  opt.first_draw = 100;
  EXPECT_THROW(core::run_draws(model, opt, {}), std::invalid_argument);
}

}  // namespace
}  // namespace sectorsim
