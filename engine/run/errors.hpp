// The errors of engine/run. A run::InputError is bad input that the caller
// must change (an option out of range, a refused output file, a resume that
// does not fit the file): the command line exits with 2 on it. Anything else
// a run throws is a runtime failure (io::IoError for the results file,
// std::bad_alloc, ...). Covered by tests/test_run.cpp.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace sectorsim::run {

/// Bad input from the caller; the message says what to change.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Execution::stop was set before the first draw (a signal during the
/// preparation, a resume's copy of its paths included): nothing was written
/// and no file changed; the command line exits with 3 on it.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The draws gave values that are not finite numbers (NaN or +-inf) and the
/// caller did not allow them (RunOptions::allow_nonfinite): no file was
/// written and none changed. lines() names the cells and targets affected
/// (describe_nonfinite); the command line exits with 4 on it.
class NonFinite : public std::runtime_error {
 public:
  explicit NonFinite(std::vector<std::string> lines)
      : std::runtime_error(lines.empty() ? std::string("non-finite results") : lines.front()),
        lines_(std::move(lines)) {}
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
};

}  // namespace sectorsim::run
