// Identity of the results file format: the one place its version lives.
// The layout is described in docs/output-format.md; a reader refuses a major
// version it does not know (tests/test_io.cpp, IoReader*).
#pragma once

#include <stdexcept>

namespace sectorsim::io {

/// Format version written to the root attributes. A new major version means an
/// old reader cannot read the file; a new minor version only adds content.
inline constexpr int FORMAT_MAJOR = 1, FORMAT_MINOR = 4;

/// Value of the root attribute `filetype` that marks a sectorsim results file.
inline constexpr const char* FILETYPE = "sectorsim-results";

/// Any failure to write or read a results file; the message names the file and
/// the object (and the HDF5 call) involved.
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sectorsim::io
