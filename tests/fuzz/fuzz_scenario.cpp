// libFuzzer target: arbitrary bytes as a scenario file, through the same
// parse, merge and validation as `sectorsim validate`.
//
// The contract under test: bad input ends in config::ConfigError and nothing
// else. Any other exception escapes and libFuzzer reports it as a crash, as it
// does crashes, sanitizer reports, leaks, timeouts and memory blow-ups.
// `extends:` is resolved from the current directory; tools/fuzz.sh runs in a
// directory holding the shipped scenarios so that seeds extending them load.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/config/scenario_loader.hpp"
#include "models/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace config = sectorsim::config;
  // The last valid scenario stays alive: its priors keep their Beta quantile
  // tables in the cache (which holds a table only while a prior uses it), so
  // mutants with the same shapes skip a rebuild that would dominate the run
  // under the sanitizers.
  static auto* const last_valid = new sectorsim::core::ScenarioSpec;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    *last_valid = sectorsim::models::load_scenario_text(text, "fuzz.yaml");
    // A valid scenario: also run the --strict provenance checks.
    sectorsim::models::load_scenario_text(text, "fuzz.yaml", {.strict_provenance = true});
  } catch (const config::ConfigError&) {
    // Refused with a message: the expected outcome for bad input.
  }
  return 0;
}
