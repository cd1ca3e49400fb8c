// A run over several processes, as engine/run sees it. Process 0 prepares the
// run, makes sure every process is ready, sends them the run's settings and
// then collects their chunks through a core::ChunkExchange; the others compute
// the chunks they own (run_share). The processes themselves (MPI under the
// command line) stay behind ProcessGroup, so this layer never includes
// <mpi.h>. Covered by tests/test_run.cpp (RunDistributed.*) and, under MPI,
// tests/mpi/check_mpi.py.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/exec/exchange.hpp"
#include "engine/run/options.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::run {

/// The settings process 0 sends to the others once every process is ready:
/// the run's (after overrides, or the resumed file's) and where it starts.
/// encode() and decode() are the one place their order on the wire is kept.
struct DistributedSettings {
  core::RunSettings run;
  std::uint64_t first_draw = 0;  ///< a resumed run's draws already done

  /// Words on the wire.
  static constexpr std::size_t WORDS = 5;
  std::vector<std::uint64_t> encode() const;
  /// Throws std::invalid_argument for a wrong word count or a sampler,
  /// replicate count or first draw no encode() gives.
  static DistributedSettings decode(const std::vector<std::uint64_t>& words);
};

bool operator==(const DistributedSettings& a, const DistributedSettings& b);

/// The processes of one distributed run, from the point of view of one of
/// them. Every call is collective: each process makes the same calls in the
/// same order.
class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  /// Processes of the run (>= 2), this one included.
  virtual int size() const = 0;
  /// This process has prepared the run; whether every other one has too.
  /// An implementation may throw instead of returning false (process 0
  /// reporting which process failed, say).
  virtual bool ready() = 0;
  /// Process 0's words replace the others' (same length on every process).
  virtual void broadcast(std::vector<std::uint64_t>& words) = 0;
  /// The chunk exchange of the run, once the settings are shared.
  virtual std::unique_ptr<core::ChunkExchange> exchange() = 0;
};

/// A process other than 0: makes the model of `spec` and, once every
/// process is ready, computes the chunks of the run it owns with the
/// settings process 0 sends (the spec's run settings are not read) and sends
/// them to process 0. Returns false, having computed nothing, when another
/// process could not prepare the run. Execution::processes is not read.
bool run_share(const core::ScenarioSpec& spec, ProcessGroup& processes, const Execution& execution);

}  // namespace sectorsim::run
