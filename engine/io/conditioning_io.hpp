// The conditioning of a run in its results file (docs/output-format.md,
// section 6a): /scenarios/<name>/conditioning holds the observations, every
// draw's log-likelihood and weight, and every draw's parameter vector, so
// that an analyst can check the posterior in Python; its attributes hold the
// effective sample size and the evidence.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/io/h5_file.hpp"
#include "engine/spec/results.hpp"
#include "engine/stats/conditioning.hpp"

namespace sectorsim::io {

/// Fills row[j] with parameter j of draw `draw`.
using ParameterRow = std::function<void(std::uint64_t draw, double* row)>;

/// What write_conditioning_group writes.
struct ConditioningData {
  const core::ObservationModel* model = nullptr;
  core::Conditioning summary;
  std::vector<double> log_likelihood;  ///< [draw]
  std::vector<double> weights;         ///< [draw], largest 1
  /// The draws kept (within keep_within of a perfect fit), increasing.
  std::vector<std::uint64_t> kept;
  std::vector<std::string> parameter_names;
  ParameterRow parameters;  ///< the kept draws' parameters; empty: none written
  /// The scenario whose observations the weights come from (this one, or
  /// in a comparison the observed world).
  std::string observed_world;
};

/// Writes group `conditioning` under `scenario_group`. Throws IoError.
void write_conditioning_group(const h5::Group& scenario_group, const ConditioningData& data);

/// The conditioning attributes of a scenario group, if it was conditioned.
std::optional<core::Conditioning> read_conditioning_summary(const h5::Group& scenario_group);

}  // namespace sectorsim::io
