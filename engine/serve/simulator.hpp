// What `sectorsim serve` answers, without the HTTP: a baseline and the
// scenarios compared with it, a request's lever mix run against the baseline
// on common random numbers (engine/run, in memory: nothing is written), and
// the mix as a scenario file (engine/config/lever_overlay) that `sectorsim
// run` reads back to the same numbers. Requests are checked before anything
// runs, with the messages a scenario file's levers get, and answered as JSON
// (docs/serve.md). Thread-safe: runs are queued, one at a time, each on the
// server's threads. Covered by tests/test_serve.cpp and, in a browser,
// tests/serve/check_serve.py.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/run/preflight.hpp"
#include "engine/spec/levers.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::serve {

struct SimulatorOptions {
  std::uint64_t draws = 10000;       ///< draws of a request that names none
  std::uint64_t max_draws = 100000;  ///< the most a request may ask for
  /// Seed of a request that names none; unset: the baseline's `run.seed`.
  std::optional<std::uint64_t> seed;
  int threads = 1;  ///< worker threads of each run (no result depends on it)
  /// How quantiles are computed (`sectorsim run --quantiles`).
  run::Quantiles quantiles = run::Quantiles::Auto;
};

/// An answer: HTTP status, content type and body.
struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string file_name;  ///< for a download (Content-Disposition), else ""
};

/// `message` as the body of an error reply: {"error": message}.
Reply error_reply(int status, const std::string& message);

class Simulator {
 public:
  /// `specs[baseline]` is the baseline; `files[i]` the path of specs[i]'s
  /// file (absolute, for the `extends:` of a saved mix). Throws
  /// std::invalid_argument when there is no scenario, two share a name, or one
  /// has another model, other years or other sectors than the baseline, or
  /// for bad options.
  Simulator(std::vector<core::ScenarioSpec> specs, std::vector<std::string> files,
            std::size_t baseline, SimulatorOptions options);

  /// GET /api/scenarios: the baseline, the scenarios, their levers and the
  /// model's lever declarations, the years, sectors and run defaults.
  Reply scenarios() const;
  /// POST /api/simulate: the mix of `body` against the baseline.
  Reply simulate(std::string_view body) const;
  /// POST /api/scenario-file: the mix of `body` as a scenario file (YAML).
  Reply scenario_file(std::string_view body) const;

  const core::ScenarioSpec& baseline() const { return specs_[baseline_]; }
  const std::vector<core::ScenarioSpec>& specs() const { return specs_; }
  const SimulatorOptions& options() const { return options_; }

 private:
  struct Mix;
  Mix parse(std::string_view body) const;
  std::string overlay_text(const Mix& mix) const;

  std::vector<core::ScenarioSpec> specs_;
  std::vector<std::string> files_;
  std::size_t baseline_ = 0;
  std::size_t first_ = 0;  // the scenario a request that names none varies
  SimulatorOptions options_;
  std::vector<core::LeverDecl> decls_;
  mutable std::mutex run_mutex_;
};

}  // namespace sectorsim::serve
