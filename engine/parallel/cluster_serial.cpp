// The default build: one process, no MPI.
#include "engine/parallel/cluster.hpp"

namespace sectorsim::parallel {

Cluster::Cluster(int& /*argc*/, char**& /*argv*/) {}
Cluster::~Cluster() = default;
bool Cluster::mpi_build() {
  return false;
}
std::vector<bool> Cluster::ready(bool ok) {
  return {ok};
}
void Cluster::broadcast(std::vector<std::uint64_t>& /*values*/) {}
std::unique_ptr<core::ChunkExchange> Cluster::exchange() {
  return nullptr;
}

}  // namespace sectorsim::parallel
