// The runner's reproducibility contract: results depend on the seed and the
// draw index alone, bit for bit, whatever the thread count and batch size;
// chunks reach ordered sinks in draw order; a stop request ends cleanly.
#include "engine/exec/runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "engine/stats/quantiles.hpp"
#include "engine/stats/summary.hpp"
#include "models/sector_growth/sector_growth_model.hpp"
#include "tests/collect_sink.hpp"
#include "tests/support.hpp"

namespace sectorsim {
namespace {

struct RunOutput {
  testing::CollectSink paths;
  core::ScenarioResult result;
  core::RunReport report;
};

RunOutput run(const core::ScenarioSpec& spec, std::uint64_t draws, int threads, std::size_t batch,
              core::Sampler sampler = core::Sampler::MonteCarlo,
              std::uint64_t chunk = core::CHUNK_DRAWS) {
  const models::SectorGrowthModel model(spec);
  RunOutput out;
  const auto targets =
      core::resolve_targets(spec.targets, model.layout(), spec.base_year, {"services", "industry"});
  core::SummaryAccumulator summary(model.layout(), targets, draws, chunk);
  core::RunOptions opt;
  opt.draws = draws;
  opt.seed = 7;
  opt.sampler = sampler;
  opt.threads = threads;
  opt.batch = batch;
  opt.chunk_draws = chunk;
  out.report = core::run_draws(model, opt, {&summary, &out.paths});
  summary.finish(out.report.draws_done, out.result);
  return out;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

void expect_identical(const RunOutput& a, const RunOutput& b) {
  ASSERT_EQ(a.paths.values.size(), b.paths.values.size());
  for (std::size_t c = 0; c < a.paths.values.size(); ++c) {
    ASSERT_TRUE(same_bits(a.paths.values[c], b.paths.values[c])) << "cell " << c;
  }
  ASSERT_EQ(a.result.summaries.size(), b.result.summaries.size());
  for (std::size_t s = 0; s < a.result.summaries.size(); ++s) {
    EXPECT_TRUE(same_bits(a.result.summaries[s].stats, b.result.summaries[s].stats))
        << a.result.summaries[s].info.name;
  }
  ASSERT_EQ(a.result.targets.size(), b.result.targets.size());
  for (std::size_t t = 0; t < a.result.targets.size(); ++t) {
    EXPECT_EQ(a.result.targets[t].in_year.met, b.result.targets[t].in_year.met);
  }
  EXPECT_EQ(a.result.all_targets.met, b.result.all_targets.met);
}

// 3 chunks and a partial one: 3 * 4096 + 1234 draws.
constexpr std::uint64_t DRAWS = 3 * core::CHUNK_DRAWS + 1234;

TEST(RunnerReproducible, IdenticalForThreadCountsAndBatchSizes) {
  const auto spec = testing::uncertain_two_sector_spec();
  const RunOutput ref = run(spec, DRAWS, 1, 256);
  EXPECT_EQ(ref.report.draws_done, DRAWS);
  EXPECT_FALSE(ref.report.interrupted);
  expect_identical(ref, run(spec, DRAWS, 2, 256));
  expect_identical(ref, run(spec, DRAWS, 3, 1));
  expect_identical(ref, run(spec, DRAWS, 2, 97));
  expect_identical(ref, run(spec, DRAWS, 4, 4096));
}

// Issue 19, D2: a wide model's chunks shrink (a function of its cells alone).
TEST(Chunk, DrawsShrinkOnlyForWideModels) {
  EXPECT_EQ(core::chunk_draws_for(0), core::CHUNK_DRAWS);
  EXPECT_EQ(core::chunk_draws_for(1), core::CHUNK_DRAWS);
  EXPECT_EQ(core::chunk_draws_for(240), core::CHUNK_DRAWS);   // the Luohu plan
  EXPECT_EQ(core::chunk_draws_for(1024), core::CHUNK_DRAWS);  // 32 MiB exactly
  EXPECT_EQ(core::chunk_draws_for(1025), 2048u);
  EXPECT_EQ(core::chunk_draws_for(4096), 1024u);
  EXPECT_EQ(core::chunk_draws_for(16385), core::MIN_CHUNK_DRAWS);
  EXPECT_EQ(core::chunk_draws_for(1'000'000), core::MIN_CHUNK_DRAWS);
  for (std::uint64_t cells : {1u, 700u, 3000u, 9000u, 40000u}) {
    const std::uint64_t c = core::chunk_draws_for(cells);
    EXPECT_TRUE(c == core::MIN_CHUNK_DRAWS || c * cells * sizeof(double) <= core::CHUNK_BYTES)
        << cells;
    EXPECT_EQ(c & (c - 1), 0u) << "a power of two: " << c;
  }
}

// Smaller chunks change where the summaries are merged, never a draw's
// values; and they are the same for any thread count and batch.
TEST(RunnerReproducible, SmallChunksGiveTheSameDrawsOnAnyThreadCount) {
  const auto spec = testing::uncertain_two_sector_spec();
  const std::uint64_t draws = 3 * core::MIN_CHUNK_DRAWS + 77;
  const RunOutput small =
      run(spec, draws, 1, 256, core::Sampler::MonteCarlo, core::MIN_CHUNK_DRAWS);
  EXPECT_EQ(small.report.draws_done, draws);
  expect_identical(small,
                   run(spec, draws, 3, 33, core::Sampler::MonteCarlo, core::MIN_CHUNK_DRAWS));
  const RunOutput whole = run(spec, draws, 2, 256);
  ASSERT_EQ(small.paths.values.size(), whole.paths.values.size());
  for (std::size_t c = 0; c < whole.paths.values.size(); ++c)
    ASSERT_TRUE(same_bits(small.paths.values[c], whole.paths.values[c])) << "cell " << c;
}

TEST(RunnerReproducible, LatinHypercubeIdenticalForThreadCounts) {
  const auto spec = testing::uncertain_two_sector_spec();
  expect_identical(run(spec, DRAWS, 1, 256, core::Sampler::LatinHypercube),
                   run(spec, DRAWS, 2, 33, core::Sampler::LatinHypercube));
}

TEST(RunnerReproducible, PrefixOfALongerRunIsTheShorterRun) {
  // Draw d depends on (seed, d) alone: the first N draws of a 2N-draw run are
  // the N-draw run.
  const auto spec = testing::uncertain_two_sector_spec();
  const RunOutput shorter = run(spec, 5000, 2, 64);
  const RunOutput longer = run(spec, 9000, 2, 128);
  for (std::size_t c = 0; c < shorter.paths.values.size(); ++c) {
    std::vector<double> head(longer.paths.values[c].begin(), longer.paths.values[c].begin() + 5000);
    ASSERT_TRUE(same_bits(shorter.paths.values[c], head)) << "cell " << c;
  }
}

TEST(RunnerReproducible, SummariesMatchDirectComputation) {
  const auto spec = testing::uncertain_two_sector_spec();
  const RunOutput out = run(spec, DRAWS, 2, 256);
  const models::SectorGrowthModel model(spec);
  // district_gdp in the last year: mean and type-7 median from the paths.
  const int last = spec.n_years() - 1;
  const auto& v = out.paths.cell(model.layout().cell(0, last));
  double mean = 0;
  for (double x : v)
    mean += x;
  mean /= static_cast<double>(v.size());
  std::vector<double> copy = v;
  const auto& stats = out.result.summaries[0].stats;
  const std::size_t per_stat = static_cast<std::size_t>(spec.n_years());
  EXPECT_NEAR(stats[0 * per_stat + last], mean, 1e-9 * mean);
  EXPECT_EQ(stats[5 * per_stat + last], core::quantile_type7(copy, 0.5));
  // Target counts recounted from the paths.
  std::uint64_t met = 0;
  for (double x : v)
    met += x > 330.0 ? 1 : 0;
  EXPECT_EQ(out.result.targets[0].in_year.met, met);
  EXPECT_GT(met, 0u);
  EXPECT_LT(met, DRAWS);
}

class StopAfter : public core::ChunkSink {
 public:
  explicit StopAfter(std::atomic<bool>& flag, std::uint64_t chunks) : flag_(flag), left_(chunks) {}
  void consume(const core::ChunkView&) override {
    if (--left_ == 0) flag_.store(true);
  }

 private:
  std::atomic<bool>& flag_;
  std::uint64_t left_;
};

TEST(RunnerStop, StopRequestDeliversAWholeNumberOfChunksInOrder) {
  const auto spec = testing::uncertain_two_sector_spec();
  const models::SectorGrowthModel model(spec);
  std::atomic<bool> stop{false};
  StopAfter stopper(stop, 2);
  testing::CollectSink paths;  // throws if chunks arrive out of order
  core::RunOptions opt;
  opt.draws = 20 * core::CHUNK_DRAWS;
  opt.seed = 7;
  opt.threads = 2;
  opt.stop = &stop;
  const auto rep = core::run_draws(model, opt, {&stopper, &paths});
  EXPECT_TRUE(rep.interrupted);
  EXPECT_GE(rep.draws_done, 2 * core::CHUNK_DRAWS);
  EXPECT_LT(rep.draws_done, opt.draws);
  EXPECT_EQ(rep.draws_done % core::CHUNK_DRAWS, 0u);
  EXPECT_EQ(paths.draws(), rep.draws_done);
}

class Throwing : public core::ChunkSink {
 public:
  void consume(const core::ChunkView&) override { throw std::runtime_error("disk full"); }
};

TEST(RunnerStop, SinkErrorStopsTheRunAndIsRethrown) {
  const auto spec = testing::uncertain_two_sector_spec();
  const models::SectorGrowthModel model(spec);
  Throwing bad;
  core::RunOptions opt;
  opt.draws = 10 * core::CHUNK_DRAWS;
  opt.threads = 2;
  EXPECT_THROW(core::run_draws(model, opt, {&bad}), std::runtime_error);
}

// Records the chunk buffers consume_unordered sees and whether consume()
// gets values. The first consume() waits until three chunks have been
// computed, so that whatever the machine's speed (a sanitizer build is
// slow) later chunks are finished while the first waits for its turn.
class BufferWatch : public core::ChunkSink {
 public:
  explicit BufferWatch(core::ValueUse use) : use_(use) {}
  void consume_unordered(const core::ChunkView& c) override {
    std::lock_guard<std::mutex> lock(mu_);
    buffers_.insert(c.values);
    ++computed_;
    cv_.notify_all();
  }
  void consume(const core::ChunkView& c) override {
    if (chunks_ == 0) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(60), [&] { return computed_ >= 3; });
    }
    with_values_ += c.values != nullptr ? 1 : 0;
    ++chunks_;
  }
  core::ValueUse value_use() const override { return use_; }
  std::size_t buffers() const { return buffers_.size(); }
  int with_values() const { return with_values_; }
  int chunks() const { return chunks_; }

 private:
  core::ValueUse use_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<const double*> buffers_;
  int computed_ = 0, with_values_ = 0, chunks_ = 0;
};

TEST(RunnerMemory, ValuesFreedBeforeTheirTurnWhereNoSinkReadsThemInOrder) {
  // Where no sink reads values in consume() (ValueUse::ReadUnordered), each
  // thread gives its chunk's buffer back once consume_unordered() has seen
  // it: a run holds no more chunk buffers than threads, however long chunks
  // wait for their turn, and consume() sees no values. A sink that reads
  // them (ReadInOrder) keeps the reorder window's buffers (4 chunks a
  // thread), and every sink of that run gets them in consume().
  const auto spec = testing::uncertain_two_sector_spec();
  const models::SectorGrowthModel model(spec);
  core::RunOptions opt;
  opt.draws = 24 * core::CHUNK_DRAWS;
  opt.threads = 2;
  {
    BufferWatch lean(core::ValueUse::ReadUnordered);
    BufferWatch lean_too(core::ValueUse::ReadUnordered);
    core::run_draws(model, opt, {&lean, &lean_too});
    EXPECT_EQ(lean.chunks(), 24);
    EXPECT_EQ(lean.with_values(), 0);
    EXPECT_EQ(lean_too.with_values(), 0);
    EXPECT_LE(lean.buffers(), 2u);
  }
  {
    BufferWatch reader(core::ValueUse::ReadInOrder);
    core::run_draws(model, opt, {&reader});
    EXPECT_EQ(reader.chunks(), 24);
    EXPECT_EQ(reader.with_values(), 24);
    EXPECT_GT(reader.buffers(), 2u) << "chunks 1 and 2 were computed while chunk 0 waited";
  }
  {
    // The default is ReadInOrder: a sink that says nothing keeps values.
    class Silent : public core::ChunkSink {
    } silent;
    EXPECT_EQ(silent.value_use(), core::ValueUse::ReadInOrder);
    BufferWatch lean(core::ValueUse::ReadUnordered);
    BufferWatch reader(core::ValueUse::ReadInOrder);
    core::run_draws(model, opt, {&lean, &reader});
    EXPECT_EQ(lean.with_values(), 24) << "one sink reads in order: every sink gets the values";
    EXPECT_EQ(reader.with_values(), 24);
  }
}

// Reverses each chunk's first cell in place where the runner lets it, and
// checks in consume() that it gets the reversed values back.
class Reverser : public core::ChunkSink {
 public:
  void consume_unordered(const core::ChunkView& c) override {
    std::vector<double> mine;
    if (c.writable) {
      if (c.writable != c.values) throw std::logic_error("writable is not the chunk's values");
      std::reverse(c.writable, c.writable + c.n);
      mine.assign(c.values, c.values + c.n);
    }
    std::lock_guard<std::mutex> lock(mu_);
    writable_ += c.writable ? 1 : 0;
    kept_[c.first_draw] = std::move(mine);
  }
  void consume(const core::ChunkView& c) override {
    std::vector<double> mine;
    {
      std::lock_guard<std::mutex> lock(mu_);
      mine = std::move(kept_[c.first_draw]);
    }
    if (!mine.empty()) {
      back_ += c.values && std::equal(mine.begin(), mine.end(), c.values) ? 1 : 0;
    }
  }
  core::ValueUse value_use() const override { return core::ValueUse::RearrangeUnordered; }
  int writable() const { return writable_; }
  int back() const { return back_; }

 private:
  std::mutex mu_;
  std::map<std::uint64_t, std::vector<double>> kept_;
  int writable_ = 0, back_ = 0;
};

// Keeps the first cell's values consume_unordered() sees, by draw.
class FirstCell : public core::ChunkSink {
 public:
  explicit FirstCell(std::uint64_t draws) : x_(draws) {}
  void consume_unordered(const core::ChunkView& c) override {
    std::copy(c.values, c.values + c.n, x_.begin() + static_cast<std::ptrdiff_t>(c.first_draw));
  }
  core::ValueUse value_use() const override { return core::ValueUse::ReadUnordered; }
  const std::vector<double>& x() const { return x_; }

 private:
  std::vector<double> x_;
};

TEST(RunnerMemory, OneSinkRearrangesValuesAfterTheOthersHaveReadThem) {
  const auto spec = testing::uncertain_two_sector_spec();
  const models::SectorGrowthModel model(spec);
  core::RunOptions opt;
  opt.draws = 10 * core::CHUNK_DRAWS + 7;
  opt.threads = 3;
  testing::CollectSink ref;
  {
    core::RunOptions one = opt;
    one.threads = 1;
    core::run_draws(model, one, {&ref});
  }
  {
    // Listed first, called last: the other sink sees the values as computed,
    // and the reverser gets its rearranged values back in consume().
    Reverser r;
    FirstCell seen(opt.draws);
    core::run_draws(model, opt, {&r, &seen});
    EXPECT_EQ(r.writable(), 11);
    EXPECT_EQ(r.back(), 11);
    EXPECT_TRUE(same_bits(seen.x(), ref.values[0])) << "a sink saw rearranged values";
  }
  {
    // A sink reads values in order: nobody may rearrange them.
    Reverser r;
    testing::CollectSink in_order;
    core::run_draws(model, opt, {&r, &in_order});
    EXPECT_EQ(r.writable(), 0);
    ASSERT_EQ(in_order.values.size(), ref.values.size());
    EXPECT_TRUE(same_bits(in_order.values[0], ref.values[0])) << "a sink saw rearranged values";
  }
  {
    // Two would rearrange: neither may.
    Reverser r1, r2;
    core::run_draws(model, opt, {&r1, &r2});
    EXPECT_EQ(r1.writable() + r2.writable(), 0);
  }
}

TEST(RunnerMemory, WindowHoldsFourChunksAThreadWhereTheyFit) {
  // The Luohu plan's chunk: 240 cells of 4096 draws, 7.9 MB; 17 fit in 128 MiB.
  const std::uint64_t plan_chunk = 240 * core::CHUNK_DRAWS * sizeof(double);
  EXPECT_EQ(core::reorder_window(1, plan_chunk), 4u);
  EXPECT_EQ(core::reorder_window(2, plan_chunk), 8u);
  EXPECT_EQ(core::reorder_window(4, plan_chunk), 16u);
  EXPECT_EQ(core::reorder_window(8, plan_chunk), 17u);   // as many as fit
  EXPECT_EQ(core::reorder_window(16, plan_chunk), 18u);  // two beyond one a thread
  EXPECT_EQ(core::reorder_window(16, 1 << 20), 64u);     // small chunks: four a thread
  EXPECT_EQ(core::reorder_window(3, core::WINDOW_BYTES + 1), 5u);
}

TEST(RunnerOptions, RejectsBadOptions) {
  const auto spec = testing::uncertain_two_sector_spec();
  const models::SectorGrowthModel model(spec);
  core::RunOptions opt;
  opt.draws = 10;
  opt.threads = 0;
  EXPECT_THROW(core::run_draws(model, opt, {}), std::invalid_argument);
  opt.threads = 1;
  opt.batch = 0;
  EXPECT_THROW(core::run_draws(model, opt, {}), std::invalid_argument);
}

}  // namespace
}  // namespace sectorsim
