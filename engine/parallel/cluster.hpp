// The processes of one command: a single process, or in an MPI build
// (-DSECTORSIM_MPI=ON) the ranks of MPI_COMM_WORLD under mpirun or a
// scheduler. Only this layer includes <mpi.h>; the runner sees a
// core::ChunkExchange. Tests: tests/mpi/check_mpi.sh.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/exec/exchange.hpp"

namespace sectorsim::parallel {

class Cluster {
 public:
  /// Starts MPI (with MPI_THREAD_MULTIPLE: worker threads send and receive)
  /// in an MPI build; throws std::runtime_error if the library cannot give
  /// that. Does nothing in the default build.
  Cluster(int& argc, char**& argv);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  /// Whether this build was made with MPI.
  static bool mpi_build();
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool distributed() const { return size_ > 1; }

  /// Collective: every process says whether it is ready to run; returns the
  /// word of each, by rank.
  std::vector<bool> ready(bool ok);
  /// Collective: process 0's values replace everyone's (same length everywhere).
  void broadcast(std::vector<std::uint64_t>& values);
  /// The chunk exchange of one distributed run (null on a single process).
  /// Each call starts a fresh exchange.
  std::unique_ptr<core::ChunkExchange> exchange();

 private:
  int rank_ = 0, size_ = 1;
  bool started_ = false;
};

}  // namespace sectorsim::parallel
