// The Monte Carlo runner: threads, chunks, batches and random streams.
//
// Draws are split into chunks of CHUNK_DRAWS consecutive draws (the unit of
// work and of summary merging), each computed in batches of `batch` draws
// (the structure-of-arrays width). Threads take chunks from an atomic counter;
// finished chunks go to the sinks' unordered hook at once and to their ordered
// hook in draw order through a small reorder window. Every value depends on
// the seed and the draw index alone: results are bit-identical for any thread
// count and batch size (tests/test_runner.cpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/exec/exchange.hpp"
#include "engine/sampling/sampler.hpp"
#include "engine/spec/chunk.hpp"
#include "engine/spec/model.hpp"

namespace sectorsim::core {

struct RunOptions {
  std::uint64_t draws = 0;  ///< draws of the whole run
  /// First draw to simulate, a multiple of the chunk size: draws before it were
  /// done by an earlier, interrupted run (resumption).
  std::uint64_t first_draw = 0;
  std::uint64_t seed = 0;
  Sampler sampler = Sampler::MonteCarlo;
  /// Scrambled replicates of a Sobol run (draw d in replicate d mod R), in
  /// [MIN_REPLICATES, MAX_REPLICATES]; read by Sampler::Sobol only.
  /// Test: SobolRunner.IdenticalForThreadCountsAndBatchSizes.
  int replicates = DEFAULT_REPLICATES;
  int threads = 1;          ///< worker threads (>= 1)
  std::size_t batch = 256;  ///< draws per model call (>= 1)
  /// Draws per chunk; 0 takes chunk_draws_for(the model's cells), the only
  /// value a caller should pass otherwise (its sinks must use the same).
  std::uint64_t chunk_draws = 0;
  /// Called in draw order after each chunk: (draws done, draws total).
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  /// When set to true, no new chunk starts; finished ones are delivered.
  const std::atomic<bool>* stop = nullptr;
  /// A distributed run: this process computes the chunks it owns; process 0
  /// receives the others' and feeds every chunk to its sinks, the others pass
  /// no sinks (engine/exec/exchange.hpp). Null: one process does everything.
  ChunkExchange* exchange = nullptr;
};

struct RunReport {
  /// Contiguous draws done, from draw 0 (earlier runs' included when resuming).
  std::uint64_t draws_done = 0;
  bool interrupted = false;
};

/// Chunk buffers a run aims to hold at most: see reorder_window.
inline constexpr std::uint64_t WINDOW_BYTES = std::uint64_t{128} << 20;

/// Chunks a run may have in flight beyond the oldest one not yet delivered
/// (computing, or finished and waiting for their turn), for `computing`
/// threads (of every process, on process 0 of a distributed run) and chunks
/// of `chunk_bytes`: four a thread where they fit in WINDOW_BYTES, but never
/// fewer than two beyond one a thread. Each holds at most one chunk-sized
/// buffer (its values, or a sink's sorted copy of them), so a summary-only
/// run of the Luohu plan (7.9 MB chunks) holds 8 on 2 threads and 18 on 16,
/// not 64. Test: RunnerMemory.WindowHoldsFourChunksAThreadWhereTheyFit.
std::uint64_t reorder_window(std::uint64_t computing, std::uint64_t chunk_bytes);

/// Threads of one process that compute at once: `threads`, but no more than
/// the machine's hardware threads. The reorder window is sized by these, so
/// that more threads than cores (16 on 2 cores) hold no more chunks than the
/// cores can fill; results never depend on it.
std::uint64_t threads_at_once(int threads);

/// For a process that makes many short runs one after another (`sectorsim
/// optimise`, `sectorsim serve`): glibc's malloc keeps the memory a run
/// frees for the next, instead of mapping each run's chunk buffers afresh
/// and returning them at its end, so that a run does not spend its time on
/// page faults. Every thread then allocates from the process's one heap,
/// which is never trimmed: a run on any thread (a server's pool) finds its
/// buffers resident. The largest run's memory stays held. Process-wide;
/// call once, before any other thread has allocated (before scenarios are
/// read: their tables are built on threads). Results never depend on it
/// (docs/performance.md).
void keep_freed_memory();

/// The draws per chunk of a run: options.chunk_draws, or
/// chunk_draws_for(the model's cells) when that is 0.
std::uint64_t chunk_draws_of(const Model& model, const RunOptions& options);

/// Run `model` for options.draws draws, feeding every chunk to every sink.
/// An exception in a worker stops the run and is rethrown here.
RunReport run_draws(const Model& model, const RunOptions& options,
                    const std::vector<ChunkSink*>& sinks);

/// The uniform source of a run of `model`: under Sobol, the model's parameters
/// take Sobol dimensions [0, P) and its shocks [P, P + S) (docs/sampling.md).
/// Throws std::invalid_argument where Sobol cannot serve the model.
/// Test: SobolDimensions.DrawInputsUseParameterThenShockDimensions.
UniformSource make_source(const Model& model, const RunOptions& options);

/// Turns uniforms into the model's inputs in place, as draw_inputs does:
/// params row j through parameter j's prior, shocks rows through the normal
/// quantile ([n_params][stride] and [n_shocks][stride], n lanes each). For
/// designs that mix the uniforms of several draws (engine/analysis/sensitivity).
void uniforms_to_inputs(const Model& model, std::size_t n, std::size_t stride, double* params,
                        double* shocks);

/// Parameter values and shocks of one batch, as the runner gives them to the
/// model (exposed for tests and benchmarks). params/shocks are sized
/// [n_params][stride] and [n_shocks][stride]; u is scratch of the larger size.
void draw_inputs(const Model& model, const UniformSource& source, std::uint64_t first_draw,
                 std::size_t n, std::size_t stride, double* params, double* shocks);

}  // namespace sectorsim::core
