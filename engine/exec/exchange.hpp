// How the processes of a distributed run share its chunks.
//
// The runner knows nothing of MPI: a distributed run hands it a ChunkExchange
// (engine/parallel implements one over MPI). Chunk c belongs to process
// c mod size. Every process computes its own chunks with the same seed-and-
// draw-index streams as a single process; the others send theirs, in
// increasing order, to process 0, which feeds every chunk of the run to its
// sinks in draw order exactly as a single process would. So the results file
// (written by process 0 alone) is bit-identical for any number of processes.
// Tests: tests/mpi/check_mpi.sh (MPI build), RunnerExchange.* (an in-process
// exchange over threads, every build).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace sectorsim::core {

class ChunkExchange {
 public:
  virtual ~ChunkExchange() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// The process that computes chunk `chunk`.
  int owner(std::uint64_t chunk) const {
    return static_cast<int>(chunk % static_cast<std::uint64_t>(size()));
  }

  // --- processes other than 0 ---
  /// Sends a finished chunk to process 0; called once per chunk, in increasing order.
  virtual void send_chunk(std::uint64_t chunk, const double* values, std::size_t count) = 0;
  /// Whether process 0 asked this one to stop (its run was interrupted or failed).
  virtual bool stop_requested() = 0;
  /// End of this process's part: `sent` chunks were sent (a prefix of its own
  /// chunks), `failed` if it stopped on an error. Waits for process 0's last word.
  virtual void finish_worker(std::uint64_t sent, bool failed) = 0;

  // --- process 0 ---
  /// Receives chunk `chunk` from its owner into values[0, count). Returns
  /// false, with values unspecified, when the owner ended without sending it
  /// or `abandon()` turned true while waiting. One caller per owner at a time,
  /// in increasing chunk order.
  virtual bool receive_chunk(std::uint64_t chunk, double* values, std::size_t count,
                             const std::function<bool()>& abandon) = 0;
  /// End of the run: tells every other process to stop, discards chunks that
  /// were sent but not received, collects their reports. Returns the
  /// processes that failed.
  virtual std::vector<int> finish_root() = 0;
};

}  // namespace sectorsim::core
