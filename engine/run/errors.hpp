// The errors of engine/run. A run::InputError is bad input that the caller
// must change (an option out of range, a refused output file, a resume that
// does not fit the file): the command line exits with 2 on it. Anything else
// a run throws is a runtime failure (io::IoError for the results file,
// std::bad_alloc, ...). Covered by tests/test_run.cpp.
#pragma once

#include <stdexcept>

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

}  // namespace sectorsim::run
