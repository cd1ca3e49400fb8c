// `sectorsim serve`: the live what-if page of a folder of scenarios or of
// scenario files (docs/serve.md). Covered by tests/test_serve.cpp and
// tests/serve/check_serve.py.
#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace sectorsim::cli {

/// Loads the scenarios, prints the address and serves until `stop` turns
/// true (SIGINT, SIGTERM); returns the exit status. Throws run::InputError
/// for bad options or scenarios, as the other commands do.
int cmd_serve(const std::vector<std::string>& args, const std::atomic<bool>& stop);

}  // namespace sectorsim::cli
