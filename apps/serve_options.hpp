// The options of `sectorsim serve` (docs/serve.md), apart from the command
// itself (apps/serve_command.cpp) so that the CLI fuzz target parses them
// without a server. Covered by tests/test_serve.cpp and tests/fuzz/fuzz_cli.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "apps/cli_options.hpp"

namespace sectorsim::cli {

CommandOptions serve_command();

/// The values of serve's options.
struct ServeSettings {
  std::string host;
  int port = 0;
  std::size_t max_body = 0;
  std::uint64_t draws = 0, max_draws = 0;
  std::optional<std::uint64_t> seed;
  int threads = 1;
};

/// Reads serve's options; throws run::InputError for a bad value (the
/// option named).
ServeSettings serve_settings(const po::variables_map& vm);

}  // namespace sectorsim::cli
