#include "apps/cluster_processes.hpp"

#include <string>

#include "engine/run/errors.hpp"

namespace sectorsim::cli {

ClusterProcesses::~ClusterProcesses() {
  if (passed_ || !cluster_.distributed()) return;
  try {
    const std::vector<bool> ready = cluster_.ready(false);
    // Process 0 failed too and reports it: stay quiet.
    if (cluster_.rank() != 0 && !ready[0]) silent_errors_ = true;
  } catch (...) {
  }
}

bool ClusterProcesses::ready() {
  passed_ = true;
  if (!cluster_.distributed()) return true;
  const std::vector<bool> ready = cluster_.ready(true);
  std::string failed;
  for (std::size_t r = 0; r < ready.size(); ++r) {
    if (!ready[r]) failed += (failed.empty() ? "" : ", ") + std::to_string(r);
  }
  if (failed.empty()) return true;
  if (cluster_.rank() != 0) return false;
  throw run::InputError("process " + failed + " of " + std::to_string(ready.size()) +
                        " could not prepare the run (its message is above); nothing was run");
}

}  // namespace sectorsim::cli
