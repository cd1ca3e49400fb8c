// The processes of a distributed `sectorsim run` (MPI ranks) as engine/run
// sees them, with the command line's start gate: a run starts only when every
// process could prepare it. Each process says so once, through ready() or,
// when its preparation throws, from the destructor on the way out. Covered
// by tests/mpi/check_mpi.py (MPI build).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/parallel/cluster.hpp"
#include "engine/run/distributed.hpp"

namespace sectorsim::cli {

class ClusterProcesses : public run::ProcessGroup {
 public:
  /// `silent_errors` is set, on a process other than 0, when process 0
  /// failed too and reports it (bad input is read by every process; one
  /// message is enough).
  ClusterProcesses(parallel::Cluster& cluster, bool& silent_errors)
      : cluster_(cluster), silent_errors_(silent_errors) {}
  /// Says "not ready" for a process that never reached ready().
  ~ClusterProcesses() override;
  ClusterProcesses(const ClusterProcesses&) = delete;
  ClusterProcesses& operator=(const ClusterProcesses&) = delete;

  int size() const override { return cluster_.size(); }
  /// This process is ready; throws run::InputError (process 0) or returns
  /// false (the others, silently) when another one is not.
  bool ready() override;
  void broadcast(std::vector<std::uint64_t>& words) override { cluster_.broadcast(words); }
  std::unique_ptr<core::ChunkExchange> exchange() override { return cluster_.exchange(); }

 private:
  parallel::Cluster& cluster_;
  bool& silent_errors_;
  bool passed_ = false;
};

}  // namespace sectorsim::cli
