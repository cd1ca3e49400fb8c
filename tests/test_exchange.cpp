// Distributed runs without MPI: N "processes" are threads of this test, joined
// by an in-memory ChunkExchange with the protocol of engine/parallel's MPI one
// (ordered DATA per sender, END, STOP). Process 0's sinks must see exactly
// the chunks a single process sees, for any N, thread count and first draw;
// a stop or a failure on any process must end every process.
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine/exec/exchange.hpp"
#include "engine/exec/runner.hpp"
#include "models/sector_growth/sector_growth_model.hpp"
#include "tests/collect_sink.hpp"
#include "tests/support.hpp"

namespace sectorsim {
namespace {

// Messages between the threads that stand for processes.
class Hub {
 public:
  explicit Hub(int size) : size_(size), data_(size), end_(size), stop_(size, false) {}
  int size() const { return size_; }

  struct Message {
    std::uint64_t chunk;
    std::vector<double> values;
  };
  struct End {
    bool seen = false, failed = false;
    std::uint64_t sent = 0;
  };

  std::mutex mu;
  std::condition_variable cv;
  const int size_;
  std::vector<std::deque<Message>> data_;  // by sender
  std::vector<End> end_;                   // by sender
  std::vector<bool> stop_;                 // by receiver
  std::uint64_t discarded = 0;
};

class ThreadExchange : public core::ChunkExchange {
 public:
  ThreadExchange(Hub& hub, int rank, int fail_after = -1)
      : hub_(hub), rank_(rank), fail_after_(fail_after) {}
  int rank() const override { return rank_; }
  int size() const override { return hub_.size(); }

  void send_chunk(std::uint64_t chunk, const double* values, std::size_t count) override {
    if (fail_after_ >= 0 && sent_++ == static_cast<std::uint64_t>(fail_after_)) {
      throw std::runtime_error("process " + std::to_string(rank_) + " lost its network");
    }
    if (owner(chunk) != rank_) throw std::logic_error("sent a chunk of another process");
    std::lock_guard<std::mutex> lock(hub_.mu);
    hub_.data_[static_cast<std::size_t>(rank_)].push_back({chunk, {values, values + count}});
    hub_.cv.notify_all();
  }
  bool stop_requested() override {
    std::lock_guard<std::mutex> lock(hub_.mu);
    return hub_.stop_[static_cast<std::size_t>(rank_)];
  }
  void finish_worker(std::uint64_t sent, bool failed) override {
    std::unique_lock<std::mutex> lock(hub_.mu);
    hub_.end_[static_cast<std::size_t>(rank_)] = {true, failed, sent};
    hub_.cv.notify_all();
    hub_.cv.wait(lock, [&] { return hub_.stop_[static_cast<std::size_t>(rank_)]; });
  }
  bool receive_chunk(std::uint64_t chunk, double* values, std::size_t count,
                     const std::function<bool()>& abandon) override {
    const auto from = static_cast<std::size_t>(owner(chunk));
    std::unique_lock<std::mutex> lock(hub_.mu);
    for (;;) {
      auto& q = hub_.data_[from];
      if (!q.empty()) {
        // MPI keeps one sender's messages in order: so must the runner's requests.
        if (q.front().chunk != chunk || q.front().values.size() != count) {
          throw std::logic_error("received chunk " + std::to_string(q.front().chunk) +
                                 " where chunk " + std::to_string(chunk) + " was expected");
        }
        std::copy(q.front().values.begin(), q.front().values.end(), values);
        q.pop_front();
        return true;
      }
      if (hub_.end_[from].seen) return false;
      lock.unlock();
      if (abandon()) return false;
      lock.lock();
      hub_.cv.wait_for(lock, std::chrono::milliseconds(1));
    }
  }
  std::vector<int> finish_root() override {
    std::unique_lock<std::mutex> lock(hub_.mu);
    for (int r = 1; r < hub_.size(); ++r)
      hub_.stop_[static_cast<std::size_t>(r)] = true;
    hub_.cv.notify_all();
    std::vector<int> failed;
    for (int r = 1; r < hub_.size(); ++r) {
      const auto i = static_cast<std::size_t>(r);
      hub_.cv.wait(lock, [&] { return hub_.end_[i].seen; });
      hub_.discarded += hub_.data_[i].size();
      hub_.data_[i].clear();
      if (hub_.end_[i].failed) failed.push_back(r);
    }
    return failed;
  }

 private:
  Hub& hub_;
  int rank_;
  int fail_after_;
  std::uint64_t sent_ = 0;
};

struct Outcome {
  testing::CollectSink sink;
  core::RunReport report;
  std::exception_ptr root_error;
  std::vector<std::exception_ptr> worker_errors;
  std::uint64_t discarded = 0;
};

struct RunLayout {
  int processes = 2;
  int threads = 1;
  std::uint64_t draws = 5 * core::CHUNK_DRAWS + 123;
  std::uint64_t first_draw = 0;
  int failing_process = -1;           ///< this process's exchange throws on its 2nd send
  std::uint64_t stop_root_after = 0;  ///< draws delivered before process 0 is stopped (0: never)
};

// Runs the "processes" of one distributed run, each on its own thread.
void distributed(const core::Model& model, const RunLayout& s, Outcome& out) {
  Hub hub(s.processes);
  out.sink = testing::CollectSink(s.first_draw);
  out.worker_errors.assign(static_cast<std::size_t>(s.processes), nullptr);
  std::atomic<bool> root_stop{false};
  std::vector<std::thread> procs;
  for (int r = 0; r < s.processes; ++r) {
    procs.emplace_back([&, r] {
      ThreadExchange ex(hub, r, r == s.failing_process ? 1 : -1);
      core::RunOptions ro;
      ro.draws = s.draws;
      ro.first_draw = s.first_draw;
      ro.seed = 42;
      ro.threads = s.threads;
      ro.batch = 100;
      ro.exchange = &ex;
      std::vector<core::ChunkSink*> sinks;
      if (r == 0) {
        sinks.push_back(&out.sink);
        ro.stop = &root_stop;
        ro.progress = [&](std::uint64_t done, std::uint64_t) {
          if (s.stop_root_after && done >= s.stop_root_after) root_stop = true;
        };
      }
      try {
        const core::RunReport rep = core::run_draws(model, ro, sinks);
        if (r == 0) out.report = rep;
      } catch (...) {
        (r == 0 ? out.root_error : out.worker_errors[static_cast<std::size_t>(r)]) =
            std::current_exception();
      }
    });
  }
  for (auto& t : procs)
    t.join();
  out.discarded = hub.discarded;
}

testing::CollectSink single(const core::Model& model, std::uint64_t draws,
                            std::uint64_t first_draw = 0) {
  testing::CollectSink sink(first_draw);
  core::RunOptions ro;
  ro.draws = draws;
  ro.first_draw = first_draw;
  ro.seed = 42;
  ro.threads = 1;
  core::run_draws(model, ro, {&sink});
  return sink;
}

void expect_bit_identical(const testing::CollectSink& a, const testing::CollectSink& b) {
  ASSERT_EQ(a.values.size(), b.values.size());
  ASSERT_EQ(a.draws(), b.draws());
  for (std::size_t k = 0; k < a.values.size(); ++k) {
    ASSERT_EQ(a.values[k].size(), b.values[k].size());
    ASSERT_EQ(
        0, std::memcmp(a.values[k].data(), b.values[k].data(), a.values[k].size() * sizeof(double)))
        << "cell " << k;
  }
}

TEST(RunnerExchange, ProcessZeroSeesTheSingleProcessRunForAnyProcessAndThreadCount) {
  const models::SectorGrowthModel model(testing::uncertain_two_sector_spec());
  const RunLayout base;
  const testing::CollectSink ref = single(model, base.draws);
  for (int processes : {1, 2, 3, 7}) {
    for (int threads : {1, 3}) {
      SCOPED_TRACE(std::to_string(processes) + " processes, " + std::to_string(threads) +
                   " threads");
      RunLayout s = base;
      s.processes = processes;
      s.threads = threads;
      Outcome out;
      distributed(model, s, out);
      ASSERT_FALSE(out.root_error);
      EXPECT_FALSE(out.report.interrupted);
      EXPECT_EQ(out.report.draws_done, s.draws);
      EXPECT_EQ(out.discarded, 0u);
      expect_bit_identical(ref, out.sink);
    }
  }
}

TEST(RunnerExchange, ResumedDistributedRunContinuesFromItsFirstDraw) {
  const models::SectorGrowthModel model(testing::uncertain_two_sector_spec());
  RunLayout s;
  s.processes = 3;
  s.threads = 2;
  s.first_draw = 4 * core::CHUNK_DRAWS;  // chunk 4: owned by process 1
  Outcome out;
  distributed(model, s, out);
  ASSERT_FALSE(out.root_error);
  EXPECT_EQ(out.report.draws_done, s.draws);
  expect_bit_identical(single(model, s.draws, s.first_draw), out.sink);
}

TEST(RunnerExchange, StopOnProcessZeroEndsEveryProcessWithAnInOrderPrefix) {
  const models::SectorGrowthModel model(testing::uncertain_two_sector_spec());
  RunLayout s;
  s.processes = 3;
  s.threads = 2;
  s.draws = 40 * core::CHUNK_DRAWS;
  s.stop_root_after = 3 * core::CHUNK_DRAWS;
  Outcome out;
  distributed(model, s, out);  // returns: no process waits forever
  ASSERT_FALSE(out.root_error);
  for (const auto& e : out.worker_errors)
    EXPECT_FALSE(e);
  EXPECT_TRUE(out.report.interrupted);
  EXPECT_EQ(out.report.draws_done % core::CHUNK_DRAWS, 0u);
  EXPECT_GE(out.report.draws_done, s.stop_root_after);
  EXPECT_LT(out.report.draws_done, s.draws);
  EXPECT_EQ(out.sink.draws(), out.report.draws_done);
  const testing::CollectSink ref = single(model, out.report.draws_done);
  expect_bit_identical(ref, out.sink);
}

// The error `e` holds is a std::runtime_error saying `what`.
void expect_runtime_error(const std::exception_ptr& e, const char* what) {
  ASSERT_TRUE(e) << "no error; expected: " << what;
  try {
    std::rethrow_exception(e);
  } catch (const std::runtime_error& err) {
    EXPECT_STREQ(err.what(), what);
  } catch (...) {
    ADD_FAILURE() << "not a std::runtime_error; expected: " << what;
  }
}

TEST(RunnerExchange, FailureOnAnotherProcessFailsTheRunOnProcessZero) {
  const models::SectorGrowthModel model(testing::uncertain_two_sector_spec());
  RunLayout s;
  s.processes = 3;
  s.threads = 2;
  s.draws = 30 * core::CHUNK_DRAWS;
  s.failing_process = 2;
  Outcome out;
  distributed(model, s, out);  // returns: no process waits forever
  expect_runtime_error(out.root_error,
                       "process 2 of the distributed run failed (its message is above)");
  expect_runtime_error(out.worker_errors[2], "process 2 lost its network");
  EXPECT_FALSE(out.worker_errors[1]);
}

// The run is longer than process 0's reorder window: process 0 must stop
// computing when a process ends early, not wait for its chunks forever.
TEST(RunnerExchange, FailureOnAnotherProcessEndsRunsLongerThanTheWindow) {
  const models::SectorGrowthModel model(testing::uncertain_two_sector_spec());
  RunLayout s;
  s.processes = 3;
  s.threads = 1;
  s.draws = 80 * core::CHUNK_DRAWS;  // window: 4 chunks a thread of each process, 12
  s.failing_process = 1;
  Outcome out;
  distributed(model, s, out);
  expect_runtime_error(out.root_error,
                       "process 1 of the distributed run failed (its message is above)");
  EXPECT_FALSE(out.worker_errors[2]);
  // Delivered: at most the chunks before process 1's second (4), which it
  // never sent.
  EXPECT_LE(out.sink.draws(), 4 * core::CHUNK_DRAWS);
  EXPECT_EQ(out.sink.draws() % core::CHUNK_DRAWS, 0u);
}

}  // namespace
}  // namespace sectorsim
