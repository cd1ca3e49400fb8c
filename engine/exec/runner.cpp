#include "engine/exec/runner.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include <malloc.h>

namespace sectorsim::core {

UniformSource make_source(const Model& model, const RunOptions& options) {
  SobolSettings sobol;
  sobol.param_dims = static_cast<int>(model.parameters().size());
  sobol.shock_dims = model.n_shocks();
  sobol.replicates = options.replicates;
  return UniformSource(options.seed, options.sampler, options.draws, sobol);
}

void uniforms_to_inputs(const Model& model, std::size_t n, std::size_t stride, double* params,
                        double* shocks) {
  const auto& priors = model.parameters();
  for (std::size_t j = 0; j < priors.size(); ++j) {
    double* row = params + j * stride;
    priors[j].prior.quantile_many(row, row, n);
  }
  for (std::size_t k = 0; k < static_cast<std::size_t>(model.n_shocks()); ++k) {
    double* row = shocks + k * stride;
    normal_quantile_many(row, row, n);
  }
}

void draw_inputs(const Model& model, const UniformSource& source, std::uint64_t first_draw,
                 std::size_t n, std::size_t stride, double* params, double* shocks) {
  // Uniforms straight into the output rows, then transformed in place. Under
  // Sobol the source numbers the shock dimensions after the parameter ones.
  source.fill(Purpose::Parameters, static_cast<int>(model.parameters().size()), first_draw, n,
              params, stride);
  source.fill(Purpose::Shocks, model.n_shocks(), first_draw, n, shocks, stride);
  uniforms_to_inputs(model, n, stride, params, shocks);
}

std::uint64_t reorder_window(std::uint64_t computing, std::uint64_t chunk_bytes) {
  const std::uint64_t fit = WINDOW_BYTES / std::max<std::uint64_t>(1, chunk_bytes);
  return std::max(computing + 2, std::min(4 * computing, fit));
}

void keep_freed_memory() {
  // Allocations below 1 GiB come from the heap, which is never trimmed.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, -1);
  // And every thread allocates from that heap: other arenas are heaps of at
  // most 64 MiB that glibc unmaps once they are free. A thread that already
  // holds an arena keeps it.
  mallopt(M_ARENA_MAX, 1);
}

std::uint64_t threads_at_once(int threads) {
  const auto asked = static_cast<std::uint64_t>(std::max(threads, 1));
  const auto cores = static_cast<std::uint64_t>(std::thread::hardware_concurrency());
  return cores == 0 ? asked : std::min(asked, cores);
}

std::uint64_t chunk_draws_of(const Model& model, const RunOptions& options) {
  return options.chunk_draws != 0
             ? options.chunk_draws
             : chunk_draws_for(static_cast<std::uint64_t>(model.layout().n_cells()));
}

namespace {

// Chunks first, first + step, first + 2 step, ... (the run's chunk count ends it).
struct ChunkSeq {
  std::uint64_t first = 0, step = 1;
  std::uint64_t at(std::uint64_t k) const { return first + k * step; }
  std::uint64_t pos(std::uint64_t chunk) const { return (chunk - first) / step; }
  /// The first chunk >= from that is congruent to `offset` modulo step.
  static ChunkSeq of(std::uint64_t from, std::uint64_t offset, std::uint64_t step) {
    const std::uint64_t r = from % step;
    const std::uint64_t first = from - r + offset + (offset < r ? step : 0);
    return ChunkSeq{first, step};
  }
};

// Shared state of one run. Compute threads take this process's chunks from
// an atomic counter; in a distributed run process 0 also has one receiver
// thread per other process. Finished chunks wait in a reorder window and are
// delivered in draw order by one thread at a time, outside the lock, so
// sinks' work (HDF5 writes, sending a chunk away) never blocks compute threads.
class RunState {
 public:
  RunState(const Model& model, const RunOptions& opt, const std::vector<ChunkSink*>& sinks)
      : model_(model),
        opt_(opt),
        sinks_(sinks),
        source_(make_source(model, opt)),
        exchange_(opt.exchange),
        cells_(static_cast<std::size_t>(model.layout().n_cells())),
        chunk_(chunk_draws_of(model, opt)),
        stride_(std::max<std::uint64_t>(std::min(chunk_, opt.draws), 1)),
        n_chunks_((opt.draws + chunk_ - 1) / chunk_) {
    const std::uint64_t c0 = opt.first_draw / chunk_;
    const auto ranks = static_cast<std::uint64_t>(exchange_ ? exchange_->size() : 1);
    const auto rank = static_cast<std::uint64_t>(exchange_ ? exchange_->rank() : 0);
    own_ = ChunkSeq::of(c0, rank, ranks);
    // Process 0 delivers every chunk; the others deliver (send) their own.
    delivery_ = rank == 0 ? ChunkSeq{c0, 1} : own_;
    const auto computing = threads_at_once(opt.threads) * (rank == 0 ? ranks : 1);
    window_ = reorder_window(computing, cells_ * stride_ * sizeof(double));
    // The sinks' ValueUse decides how long a chunk keeps its values.
    const auto uses = [](ValueUse u) {
      return [u](const ChunkSink* s) { return s->value_use() == u; };
    };
    values_in_order_ = std::any_of(sinks_.begin(), sinks_.end(), uses(ValueUse::ReadInOrder));
    // One sink may rearrange the values, where nobody reads them later.
    const auto rearranges = uses(ValueUse::RearrangeUnordered);
    if (!values_in_order_ && std::count_if(sinks_.begin(), sinks_.end(), rearranges) == 1) {
      rearranger_ = *std::find_if(sinks_.begin(), sinks_.end(), rearranges);
    }
  }

  bool is_worker() const { return exchange_ && exchange_->rank() != 0; }

  // Computes this process's chunks.
  void compute() {
    const std::size_t batch = opt_.batch;
    std::vector<double> params(model_.parameters().size() * batch);
    std::vector<double> shocks(static_cast<std::size_t>(model_.n_shocks()) * batch);
    std::vector<double> work(model_.workspace_size(batch));
    guarded([&] {
      for (;;) {
        const std::uint64_t c = own_.at(next_.fetch_add(1));
        if (c >= n_chunks_ || stopping()) return;
        std::unique_ptr<std::vector<double>> buf = acquire(c);
        if (!buf) return;
        const std::uint64_t first = c * chunk_;
        const std::size_t len = chunk_len(c);
        for (std::size_t b = 0; b < len; b += batch) {
          const std::size_t m = std::min(batch, len - b);
          draw_inputs(model_, source_, first + b, m, batch, params.data(), shocks.data());
          model_.simulate(BatchIn{m, batch, params.data(), shocks.data()},
                          BatchOut{stride_, buf->data() + b}, work.data());
        }
        finished(c, std::move(buf));
      }
    });
  }

  // Process 0 of a distributed run: receives the chunks of process `from`.
  void receive(int from) {
    guarded([&] {
      const ChunkSeq seq =
          ChunkSeq::of(delivery_.first, static_cast<std::uint64_t>(from), own_.step);
      for (std::uint64_t k = 0;; ++k) {
        const std::uint64_t c = seq.at(k);
        if (c >= n_chunks_ || stopping()) return;
        std::unique_ptr<std::vector<double>> buf = acquire(c);
        if (!buf) return;
        if (!exchange_->receive_chunk(c, buf->data(), buf->size(), [&] { return stopping(); })) {
          // The owner ended without chunk c: no chunk after it can be
          // delivered, so nothing more is computed (finish_root says why).
          if (!stopping()) {
            std::lock_guard<std::mutex> lock(mu_);
            sender_gone_ = true;
            cv_.notify_all();
          }
          return;
        }
        finished(c, std::move(buf));
      }
    });
  }

  RunReport report() const {
    RunReport r;
    const std::uint64_t done_chunks = is_worker() ? 0 : delivery_.first + emitted_;
    r.draws_done = std::min(done_chunks * chunk_, opt_.draws);
    r.interrupted = r.draws_done < opt_.draws;
    return r;
  }
  std::uint64_t delivered() const { return emitted_; }

  std::exception_ptr error() const { return error_; }

 private:
  template <class F>
  void guarded(F&& body) {
    try {
      body();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = std::current_exception();
      failed_ = true;
      cv_.notify_all();
    }
  }

  bool stopping() const {
    if (failed_.load() || sender_gone_.load() ||
        (opt_.stop && opt_.stop->load(std::memory_order_relaxed))) {
      return true;
    }
    return is_worker() && exchange_->stop_requested();
  }

  std::size_t chunk_len(std::uint64_t c) const {
    return static_cast<std::size_t>(std::min(chunk_, opt_.draws - c * chunk_));
  }

  // buf == nullptr: a chunk whose values were given back after
  // consume_unordered (no sink reads them in order: ValueUse::ReadUnordered).
  ChunkView view_of(std::uint64_t c, const std::vector<double>* buf) const {
    ChunkView v;
    v.first_draw = c * chunk_;
    v.n = chunk_len(c);
    v.stride = stride_;
    v.values = buf ? buf->data() : nullptr;
    v.layout = &model_.layout();
    return v;
  }

  // Waits until chunk c is inside the reorder window; returns a buffer.
  std::unique_ptr<std::vector<double>> acquire(std::uint64_t c) {
    const std::uint64_t p = delivery_.pos(c);
    std::unique_lock<std::mutex> lock(mu_);
    // A stop request can leave a gap below c that is never filled: poll it.
    while (!(p < emitted_ + window_) && !stopping()) {
      cv_.wait_for(lock, std::chrono::milliseconds(50));
    }
    if (!(p < emitted_ + window_)) return nullptr;
    if (!pool_.empty()) {
      auto b = std::move(pool_.back());
      pool_.pop_back();
      return b;
    }
    return std::make_unique<std::vector<double>>(cells_ * stride_);
  }

  // A chunk is computed (or received): its unordered summaries now, then its
  // ordered delivery with every chunk before it.
  // Where no sink reads values in order, the buffer goes back to the pool
  // at once, and the chunk waits for its turn without it; unless one sink
  // rearranges the values (after the others have read them), which keeps
  // them until its consume().
  void finished(std::uint64_t c, std::unique_ptr<std::vector<double>> buf) {
    if (!is_worker()) {
      ChunkView view = view_of(c, buf.get());
      for (ChunkSink* s : sinks_) {
        if (s != rearranger_) s->consume_unordered(view);
      }
      if (rearranger_) {
        view.writable = buf->data();
        rearranger_->consume_unordered(view);
      } else if (!values_in_order_) {
        std::lock_guard<std::mutex> lock(mu_);
        pool_.push_back(std::move(buf));
      }
    }
    deliver(c, std::move(buf));
  }

  // Hands a finished chunk over. The thread that finds the next chunk in
  // order delivers it and every chunk after it that is ready, with the lock
  // released; others return at once.
  void deliver(std::uint64_t c, std::unique_ptr<std::vector<double>> buf) {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.emplace(delivery_.pos(c), std::move(buf));
    if (delivering_) return;
    delivering_ = true;
    while (!ready_.empty() && ready_.begin()->first == emitted_ && !failed_) {
      auto node = ready_.extract(ready_.begin());
      const std::uint64_t chunk = delivery_.at(emitted_);
      lock.unlock();
      try {
        if (is_worker()) {
          exchange_->send_chunk(chunk, node.mapped()->data(), node.mapped()->size());
        } else {
          const ChunkView view = view_of(chunk, node.mapped().get());
          for (ChunkSink* s : sinks_)
            s->consume(view);
          const std::uint64_t done = std::min((chunk + 1) * chunk_, opt_.draws);
          if (opt_.progress) opt_.progress(done, opt_.draws);
        }
      } catch (...) {
        lock.lock();
        delivering_ = false;
        throw;
      }
      lock.lock();
      if (node.mapped()) pool_.push_back(std::move(node.mapped()));
      ++emitted_;
      cv_.notify_all();
    }
    delivering_ = false;
  }

  const Model& model_;
  const RunOptions& opt_;
  const std::vector<ChunkSink*>& sinks_;
  UniformSource source_;
  ChunkExchange* exchange_;
  const std::size_t cells_;
  const std::uint64_t chunk_;   // draws per chunk
  const std::uint64_t stride_;  // a chunk buffer's row: chunk_, or the draws of a shorter run
  const std::uint64_t n_chunks_;
  ChunkSeq own_, delivery_;
  std::uint64_t window_ = 0;         // in delivery positions
  bool values_in_order_ = true;      // some sink's consume() reads values
  ChunkSink* rearranger_ = nullptr;  // the one sink that rearranges values in place
  std::atomic<std::uint64_t> next_{0};
  std::atomic<bool> failed_{false};
  std::atomic<bool> sender_gone_{false};  // process 0: an owner ended before its chunks
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t emitted_ = 0;  // delivery positions done; guarded by mu_
  bool delivering_ = false;    // guarded by mu_
  std::map<std::uint64_t, std::unique_ptr<std::vector<double>>> ready_;
  std::vector<std::unique_ptr<std::vector<double>>> pool_;
  std::exception_ptr error_;
};

}  // namespace

RunReport run_draws(const Model& model, const RunOptions& options,
                    const std::vector<ChunkSink*>& sinks) {
  if (options.threads < 1) throw std::invalid_argument("threads must be >= 1");
  if (options.batch < 1) throw std::invalid_argument("batch must be >= 1");
  const std::uint64_t chunk = chunk_draws_of(model, options);
  if (chunk == 0 || chunk > CHUNK_DRAWS) {
    throw std::invalid_argument("chunk draws must be in [1, " + std::to_string(CHUNK_DRAWS) + "]");
  }
  if (options.first_draw % chunk != 0 || options.first_draw > options.draws) {
    throw std::invalid_argument("first draw must be a multiple of " + std::to_string(chunk) +
                                " within the run");
  }
  RunState state(model, options, sinks);
  ChunkExchange* ex = options.exchange;
  const bool root = !ex || ex->rank() == 0;
  {
    std::vector<std::thread> pool;
    for (int t = 1; t < options.threads; ++t)
      pool.emplace_back([&] { state.compute(); });
    if (ex && root) {
      for (int r = 1; r < ex->size(); ++r)
        pool.emplace_back([&state, r] { state.receive(r); });
    }
    state.compute();
    for (auto& th : pool)
      th.join();
  }
  if (ex) {
    if (!root) {
      ex->finish_worker(state.delivered(), state.error() != nullptr);
    } else {
      const std::vector<int> failed = ex->finish_root();
      if (!state.error() && !failed.empty()) {
        std::string which;
        for (int r : failed)
          which += (which.empty() ? "" : ", ") + std::to_string(r);
        throw std::runtime_error("process " + which +
                                 " of the distributed run failed (its message is above)");
      }
    }
  }
  if (state.error()) std::rethrow_exception(state.error());
  return state.report();
}

}  // namespace sectorsim::core
