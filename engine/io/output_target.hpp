// Output safety (docs/guarantees.md, "Output safety"): the one place that
// decides whether a command may write a file, checked before anything is
// computed and again by every writer (results files, the report, the CSV
// tables). Covered by tests/test_output_safety.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/io/format.hpp"

namespace sectorsim::io {

/// An output path or input file refused before anything is written: the
/// command line asked for something unsafe or impossible (exit 2, not an I/O
/// failure).
class Refused : public IoError {
 public:
  using IoError::IoError;
};

/// Throws Refused unless `path` may be written through a temporary file beside
/// it and a rename:
///  - it names something that is not a regular file (a directory, a device, a
///    FIFO): "<path>: is a directory|a device|not a regular file; refusing to
///    replace it";
///  - it is the same file as one of `inputs` (st_dev/st_ino, symbolic links
///    followed): "<path>: is the same file as the input <input>; refusing to
///    replace it (write elsewhere with <flag>)";
///  - it exists and !overwrite: "<path>: exists; write elsewhere with <flag>,
///    or pass --overwrite to replace it";
///  - when check_directory, its directory does not exist or a file cannot be
///    created in it (tried: a temporary file is created and removed at once):
///    "<path>: directory <dir> does not exist", "... is not writable (<why>)".
/// `flag` names the option that chooses the path ("-o FILE", "--csv DIR").
void check_output_target(const std::string& path, const std::vector<std::string>& inputs,
                         bool overwrite, bool check_directory = true,
                         const std::string& flag = "-o FILE");

/// The same checks for `compare --csv DIR`: DIR is a directory or can be
/// created (its nearest existing ancestor is a writable directory), and none
/// of the tables (csv_file_names()) exists unless overwrite; the message names
/// the first that does.
void check_csv_target(const std::string& dir, const std::vector<std::string>& inputs,
                      bool overwrite);

/// The files write_csv writes into its directory.
std::vector<std::string> csv_file_names();

/// Throws Refused unless `name` can name an HDF5 group ([A-Za-z0-9_.-]+, not
/// "." or ".."): "scenario name '<name>' is not a valid group name (use
/// [A-Za-z0-9_.-]+)".
void check_group_name(const std::string& name);

/// The temporary file a writer uses for `path`: "<dir>/.<name>.tmp.<pid>".
std::string temporary_path(const std::string& path, long pid);

/// A temporary file left beside a target by a process that no longer runs
/// (killed with SIGKILL, by the OOM killer, or by a power cut).
struct StaleTemporary {
  std::string path;
  long pid = 0;
  std::uint64_t bytes = 0;
};

/// The ".<name>.tmp.<pid>" files beside `path` whose process is gone.
std::vector<StaleTemporary> find_stale_temporaries(const std::string& path);

/// One line naming a stale temporary file, its size and how to remove it:
/// "<file> (<size>) was left by process <pid>, which no longer runs; remove it
/// with: rm -- '<file>'".
std::string describe_stale(const StaleTemporary& stale);

/// Throws Refused unless `path` can be a results file to read: not a writer's
/// temporary file ("<path>: is the temporary file of a run that did not finish
/// (process <pid>); it holds no results: remove it"), and, when it exists and
/// is readable, a file that begins with the HDF5 signature ("<path>: not a
/// sectorsim results file (no HDF5 signature)"). A missing or unreadable file
/// is left to the reader to report.
void check_results_input(const std::string& path);

}  // namespace sectorsim::io
