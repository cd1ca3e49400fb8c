// Resource checks before a run allocates or writes anything, and the memory
// policy of quantiles. A run that cannot finish on this machine is refused at
// once, with what it needs, what there is and what to change, instead of
// failing hours later on a full disk or being killed by the kernel.
// Covered by tests/test_robustness.cpp (RobustPreflight.*) and
// tests/test_run.cpp (RunPreflight.*).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/run/errors.hpp"
#include "engine/spec/chunk.hpp"
#include "engine/spec/model.hpp"

namespace sectorsim::run {

/// A run needs more disk space or memory than there is: bad input, since the
/// request is what must change.
class ResourceError : public InputError {
 public:
  using InputError::InputError;
};

/// "1.5 GiB", "320 MiB", "12 KiB".
std::string human_bytes(std::uint64_t bytes);

/// MemAvailable from /proc/meminfo in bytes, or 0 if unknown.
std::uint64_t available_memory_bytes();

/// What this machine offers; an unknown amount is not checked.
struct AvailableResources {
  bool disk_known = false;
  std::uint64_t disk_bytes = 0;  ///< free to this user where the results file goes
  bool memory_known = false;
  std::uint64_t memory_bytes = 0;  ///< MemAvailable
  /// The output directory is on a file system mounted read-only (statvfs
  /// ST_RDONLY), whose free space says nothing: refused as such.
  bool disk_read_only = false;
};

/// Free space (statvfs f_bavail * f_frsize) of the directory that will hold
/// `out_path` ("." when it names none), and MemAvailable from /proc/meminfo.
AvailableResources available_resources(const std::string& out_path);

/// Space on disk a results file takes beyond its paths: summaries, metadata,
/// the scenario's sources, HDF5 bookkeeping.
inline constexpr std::uint64_t RESULTS_OVERHEAD_BYTES = std::uint64_t{4} << 20;

/// What the runner holds in memory besides the summaries (runner_bytes) and
/// on how many threads: counted with the summaries, and named in the refusal.
struct RunnerMemory {
  std::uint64_t bytes = 0;
  int threads = 0;
};

/// Bytes the runner of `model` holds on `threads` threads (of `processes`
/// processes, whose chunks process 0 receives) with chunks of `chunk_draws`:
/// its reorder window of chunk buffers (each cells x chunk_draws values, the
/// run's draws where fewer;
/// engine/exec/runner.hpp, reorder_window) and each thread's parameters,
/// shocks and model workspace for a batch of `batch`. Saturating.
std::uint64_t runner_bytes(const core::Model& model, int threads, int processes, std::size_t batch,
                           std::uint64_t chunk_draws);

/// Refuses a run whose results file, draws * path_bytes_per_draw (0 without
/// paths) + RESULTS_OVERHEAD_BYTES, does not fit in the free space of the
/// output directory (the temporary file is written there in full before the
/// rename, so an existing file being replaced does not count as free), or
/// whose memory, the summaries' summary_bytes plus the runner's, exceeds 80%
/// of the available memory. Throws ResourceError; the message says what is
/// needed (split into summaries and chunk buffers where the summaries alone
/// would fit), what is available and how to proceed (`--quantiles sketch` among
/// the remedies only where the caller has it, fewer --threads where the
/// runner's part is more than a quarter of the need).
void check_resources(std::uint64_t draws, std::uint64_t path_bytes_per_draw,
                     std::uint64_t summary_bytes, const std::string& out_path,
                     bool sketch_option = true, const RunnerMemory& runner = {});

/// The same check against given amounts (tests, a run without a file, or a
/// caller that knows better).
void check_resources(std::uint64_t draws, std::uint64_t path_bytes_per_draw,
                     std::uint64_t summary_bytes, const std::string& out_path,
                     const AvailableResources& available, bool sketch_option = true,
                     const RunnerMemory& runner = {});

/// What an interrupted run writes: its results file holds the paths of the
/// draws done and a checkpoint of the summary state (every value for exact
/// quantiles, the sketches otherwise). Interrupted just before the end it
/// holds about draws * path_bytes_per_draw + checkpoint_bytes +
/// RESULTS_OVERHEAD_BYTES; refuses (ResourceError, naming that figure and
/// the free space) a run where that does not fit the free space of the
/// output directory, so that an interrupt never loses the draws done.
/// sketch_checkpoint_bytes > 0: the checkpoint quantile sketches would
/// need, suggested (`--quantiles sketch`) where that would fit.
void check_checkpoint_space(std::uint64_t draws, std::uint64_t path_bytes_per_draw,
                            std::uint64_t checkpoint_bytes, std::uint64_t sketch_checkpoint_bytes,
                            const std::string& out_path, const AvailableResources& available);

/// Bytes of per-draw paths in a results file: every series the model keeps
/// paths of, for every year (uncompressed; 4 a value as float32, else 8).
std::uint64_t path_bytes_per_draw(const core::CellLayout& layout, bool float32);

/// How quantiles are computed.
enum class Quantiles {
  Auto,   ///< Exact while the stores fit the memory budget (sketch_budget), else Sketch
  Exact,  ///< every value kept: type-7 order statistics
  Sketch  ///< quantile sketches: bounded memory, a stated rank-error bound
};

/// "auto", "exact" or "sketch"; throws InputError otherwise.
Quantiles parse_quantiles(const std::string& name);

/// The most the exact stores of a run may take under Quantiles::Auto: a
/// quarter of `available_memory` (bytes; 0 for unknown), at most 2 GiB.
std::uint64_t exact_store_budget(std::uint64_t available_memory);

/// Whether quantiles come from sketches: asked for, or under Auto the exact
/// stores of every value (`stores` of them: one a scenario, and one a
/// comparison's differences) for `draws` draws of `layout` would take more
/// than exact_store_budget(available_memory_bytes()).
bool use_sketch(Quantiles mode, const core::CellLayout& layout, std::uint64_t draws,
                std::uint64_t stores = 1);
/// The same against a given amount of available memory (0: unknown).
bool use_sketch(Quantiles mode, const core::CellLayout& layout, std::uint64_t draws,
                std::uint64_t stores, std::uint64_t available_memory);

}  // namespace sectorsim::run
