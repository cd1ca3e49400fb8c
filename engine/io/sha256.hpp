// SHA-256 (FIPS 180-4), used to fingerprint the scenario texts stored in
// results files. Covered by tests/test_io.cpp (IoSha256: FIPS 180-2 vectors).
#pragma once

#include <string>
#include <string_view>

namespace sectorsim::io {

/// SHA-256 digest of `data` as 64 lowercase hexadecimal digits.
std::string sha256_hex(std::string_view data);

}  // namespace sectorsim::io
