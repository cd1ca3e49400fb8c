#include "engine/core/runner.hpp"

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

namespace sectorsim::core {

UniformSource make_source(const Model& model, const RunOptions& options) {
  SobolSettings sobol;
  sobol.param_dims = static_cast<int>(model.parameters().size());
  sobol.shock_dims = model.n_shocks();
  sobol.replicates = options.replicates;
  return UniformSource(options.seed, options.sampler, options.draws, sobol);
}

void draw_inputs(const Model& model, const UniformSource& source, std::uint64_t first_draw,
                 std::size_t n, std::size_t stride, double* params, double* shocks) {
  const auto& priors = model.parameters();
  const int n_params = static_cast<int>(priors.size());
  // Uniforms straight into the output rows, then transformed in place. Under
  // Sobol the source numbers the shock dimensions after the parameter ones.
  source.fill(Purpose::Parameters, n_params, first_draw, n, params, stride);
  for (std::size_t j = 0; j < priors.size(); ++j) {
    double* row = params + j * stride;
    priors[j].prior.quantile_many(row, row, n);
  }
  const int n_shocks = model.n_shocks();
  source.fill(Purpose::Shocks, n_shocks, first_draw, n, shocks, stride);
  for (std::size_t k = 0; k < static_cast<std::size_t>(n_shocks); ++k) {
    double* row = shocks + k * stride;
    for (std::size_t i = 0; i < n; ++i)
      row[i] = normal_quantile(row[i]);
  }
}

namespace {

// Shared state of one run.
class RunState {
 public:
  RunState(const Model& model, const RunOptions& opt, const std::vector<ChunkSink*>& sinks)
      : model_(model),
        opt_(opt),
        sinks_(sinks),
        source_(make_source(model, opt)),
        n_chunks_((opt.draws + CHUNK_DRAWS - 1) / CHUNK_DRAWS),
        window_(4 * static_cast<std::uint64_t>(std::max(opt.threads, 1))),
        cells_(static_cast<std::size_t>(model.layout().n_cells())),
        next_(opt.first_draw / CHUNK_DRAWS),
        emitted_(opt.first_draw / CHUNK_DRAWS) {}

  void worker() {
    const std::size_t batch = opt_.batch;
    std::vector<double> params(model_.parameters().size() * batch);
    std::vector<double> shocks(static_cast<std::size_t>(model_.n_shocks()) * batch);
    std::vector<double> work(model_.workspace_size(batch));
    try {
      for (;;) {
        const std::uint64_t c = next_.fetch_add(1);
        if (c >= n_chunks_ || stopping()) return;
        std::unique_ptr<std::vector<double>> buf = acquire(c);
        if (!buf) return;
        const std::uint64_t first = c * CHUNK_DRAWS;
        const std::size_t len = static_cast<std::size_t>(std::min(CHUNK_DRAWS, opt_.draws - first));
        for (std::size_t b = 0; b < len; b += batch) {
          const std::size_t m = std::min(batch, len - b);
          draw_inputs(model_, source_, first + b, m, batch, params.data(), shocks.data());
          model_.simulate(BatchIn{m, batch, params.data(), shocks.data()},
                          BatchOut{CHUNK_DRAWS, buf->data() + b}, work.data());
        }
        const ChunkView view = view_of(first, len, *buf);
        for (ChunkSink* s : sinks_)
          s->consume_unordered(view);
        deliver(c, std::move(buf));
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = std::current_exception();
      failed_ = true;
      cv_.notify_all();
    }
  }

  RunReport report() const {
    RunReport r;
    r.draws_done = std::min(emitted_ * CHUNK_DRAWS, opt_.draws);
    r.interrupted = r.draws_done < opt_.draws;
    return r;
  }

  std::exception_ptr error() const { return error_; }

 private:
  bool stopping() const {
    return failed_.load() || (opt_.stop && opt_.stop->load(std::memory_order_relaxed));
  }

  ChunkView view_of(std::uint64_t first, std::size_t len, const std::vector<double>& buf) const {
    ChunkView v;
    v.first_draw = first;
    v.n = len;
    v.stride = CHUNK_DRAWS;
    v.values = buf.data();
    v.layout = &model_.layout();
    return v;
  }

  // Waits until chunk c is inside the reorder window; returns a buffer.
  std::unique_ptr<std::vector<double>> acquire(std::uint64_t c) {
    std::unique_lock<std::mutex> lock(mu_);
    // A stop request can leave a gap below c that is never filled: poll it.
    while (!(c < emitted_ + window_) && !stopping()) {
      cv_.wait_for(lock, std::chrono::milliseconds(50));
    }
    if (!(c < emitted_ + window_)) return nullptr;
    if (!pool_.empty()) {
      auto b = std::move(pool_.back());
      pool_.pop_back();
      return b;
    }
    return std::make_unique<std::vector<double>>(cells_ * CHUNK_DRAWS);
  }

  // Hands a finished chunk over; drains every chunk now in order.
  void deliver(std::uint64_t c, std::unique_ptr<std::vector<double>> buf) {
    std::lock_guard<std::mutex> lock(mu_);
    ready_.emplace(c, std::move(buf));
    while (!ready_.empty() && ready_.begin()->first == emitted_) {
      auto node = ready_.extract(ready_.begin());
      const std::uint64_t first = emitted_ * CHUNK_DRAWS;
      const std::size_t len = static_cast<std::size_t>(std::min(CHUNK_DRAWS, opt_.draws - first));
      const ChunkView view = view_of(first, len, *node.mapped());
      for (ChunkSink* s : sinks_)
        s->consume(view);
      pool_.push_back(std::move(node.mapped()));
      ++emitted_;
      if (opt_.progress) opt_.progress(std::min(emitted_ * CHUNK_DRAWS, opt_.draws), opt_.draws);
    }
    cv_.notify_all();
  }

  const Model& model_;
  const RunOptions& opt_;
  const std::vector<ChunkSink*>& sinks_;
  UniformSource source_;
  const std::uint64_t n_chunks_;
  const std::uint64_t window_;
  const std::size_t cells_;
  std::atomic<std::uint64_t> next_;
  std::atomic<bool> failed_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t emitted_;  // guarded by mu_
  std::map<std::uint64_t, std::unique_ptr<std::vector<double>>> ready_;
  std::vector<std::unique_ptr<std::vector<double>>> pool_;
  std::exception_ptr error_;
};

}  // namespace

RunReport run_draws(const Model& model, const RunOptions& options,
                    const std::vector<ChunkSink*>& sinks) {
  if (options.threads < 1) throw std::invalid_argument("threads must be >= 1");
  if (options.batch < 1) throw std::invalid_argument("batch must be >= 1");
  if (options.first_draw % CHUNK_DRAWS != 0 || options.first_draw > options.draws) {
    throw std::invalid_argument("first draw must be a multiple of " + std::to_string(CHUNK_DRAWS) +
                                " within the run");
  }
  RunState state(model, options, sinks);
  if (options.threads == 1) {
    state.worker();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < options.threads; ++t)
      pool.emplace_back([&] { state.worker(); });
    for (auto& th : pool)
      th.join();
  }
  if (state.error()) std::rethrow_exception(state.error());
  return state.report();
}

}  // namespace sectorsim::core
