// The command line's exit statuses and how each kind of failure maps to one.
#pragma once

#include <string>
#include <vector>

namespace sectorsim::cli {

constexpr int EXIT_OK = 0;
constexpr int EXIT_RUNTIME = 1;      // I/O, out of memory, internal
constexpr int EXIT_INPUT = 2;        // usage, scenario errors, a refused path
constexpr int EXIT_INTERRUPTED = 3;  // stopped by a signal
constexpr int EXIT_NONFINITE = 4;    // results not finite numbers (nothing written)

/// What to print for a failure, and the exit status.
struct Failure {
  int status = EXIT_RUNTIME;
  /// The message lines; a scenario's errors are complete lines
  /// ("file:line:col: ..."), the others follow the program's prefix.
  std::vector<std::string> lines;
  bool prefixed = true;
};

/// The failure of the exception in flight; call only inside a catch block.
/// Bad input (config::ConfigError, run::InputError, io::Refused,
/// std::invalid_argument) is EXIT_INPUT, run::Interrupted EXIT_INTERRUPTED,
/// run::NonFinite EXIT_NONFINITE,
/// anything else (io::IoError, std::bad_alloc, ...) EXIT_RUNTIME.
Failure current_failure();

}  // namespace sectorsim::cli
