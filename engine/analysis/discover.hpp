// `sectorsim discover`: scenario discovery (MODEL.md 8.9, docs/decision.md).
// Runs a scenario's draws as `sectorsim run` does (the same seed gives the
// same parameters and shocks, draw by draw), records each draw's sampled
// parameters and whether it misses (or meets) a target in the target's
// year, and runs PRIM (engine/stats/prim.hpp) over the parameters that are
// not fixed. Every number depends on the scenario, the seed, the draw
// count and the PRIM options alone, never on the thread count or batch
// size. Covered by tests/test_prim.cpp (Discover.*).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/spec/scenario_spec.hpp"
#include "engine/stats/prim.hpp"

namespace sectorsim::analysis {

struct DiscoverOptions {
  std::string target;  ///< the target's id (required)
  bool meet = false;   ///< the cases are the draws that meet it (else those that miss it)
  std::optional<std::uint64_t> draws;  ///< unset: the scenario's run.draws
  std::optional<std::uint64_t> seed;   ///< unset: the scenario's run.seed
  core::PrimOptions prim;              ///< its seed and threads are set from the run's
  int threads = 1;
  std::size_t batch = 256;
  const std::atomic<bool>* stop = nullptr;  ///< when true, throws run::Interrupted
};

/// The discovery for `spec`. Throws run::InputError for an unknown target
/// ("--target: the scenario has no target 'X' (its targets: a, b)"), PRIM
/// options out of range (naming the option) and a scenario without an
/// uncertain parameter; std::invalid_argument where the model refuses
/// the spec; run::Interrupted when options.stop turns true.
core::Discovery discover(const core::ScenarioSpec& spec, const DiscoverOptions& options);

}  // namespace sectorsim::analysis
