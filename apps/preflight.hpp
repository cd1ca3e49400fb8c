// Resource checks before a run allocates or writes anything: free space for
// the results file and memory for the exact-quantile store. A run that cannot
// finish on this machine is refused at once, with what it needs, what there
// is and what to change, instead of failing hours later on a full disk or
// being killed by the kernel. Covered by tests/test_robustness.cpp.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace sectorsim::cli {

/// A run needs more disk space or memory than there is (exit 2: the request is
/// what must change).
class ResourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What this machine offers; an unknown amount is not checked.
struct AvailableResources {
  bool disk_known = false;
  std::uint64_t disk_bytes = 0;  ///< free to this user where the results file goes
  bool memory_known = false;
  std::uint64_t memory_bytes = 0;  ///< MemAvailable
};

/// Free space (statvfs f_bavail * f_frsize) of the directory that will hold
/// `out_path` ("." when it names none), and MemAvailable from /proc/meminfo.
AvailableResources available_resources(const std::string& out_path);

/// Space on disk a results file takes beyond its paths: summaries, metadata,
/// the scenario's sources, HDF5 bookkeeping.
inline constexpr std::uint64_t RESULTS_OVERHEAD_BYTES = std::uint64_t{4} << 20;

/// Refuses a run whose results file, draws * path_bytes_per_draw (0 with
/// --no-paths) + RESULTS_OVERHEAD_BYTES, does not fit in the free space of the
/// output directory (the temporary file is written there in full before the
/// rename, so an existing file being replaced does not count as free), or
/// whose in-memory summary store, summary_bytes, exceeds 80% of the available
/// memory. Throws ResourceError; the message says what is needed, what is
/// available and how to proceed (`--quantiles sketch` among the remedies
/// only where the command has it).
void check_resources(std::uint64_t draws, std::uint64_t path_bytes_per_draw,
                     std::uint64_t summary_bytes, const std::string& out_path,
                     bool sketch_option = true);

/// The same check against given amounts (tests, or a caller that knows better).
void check_resources(std::uint64_t draws, std::uint64_t path_bytes_per_draw,
                     std::uint64_t summary_bytes, const std::string& out_path,
                     const AvailableResources& available, bool sketch_option = true);

}  // namespace sectorsim::cli
