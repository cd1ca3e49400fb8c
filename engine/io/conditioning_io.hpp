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

/// Fills out[i * n_params + j] with parameter j of draw first + i, i < n.
using ParameterRows = std::function<void(std::uint64_t first, std::size_t n, double* out)>;

/// What write_conditioning_group writes.
struct ConditioningData {
  const core::ObservationModel* model = nullptr;
  core::Conditioning summary;
  std::vector<double> log_likelihood;  ///< [draw]
  std::vector<double> weights;         ///< [draw], largest 1
  std::vector<std::string> parameter_names;
  ParameterRows parameters;  ///< empty: no parameters written (--no-paths)
  /// The scenario whose observations the weights come from (this one, or
  /// in a comparison the observed world).
  std::string observed_world;
};

/// Writes group `conditioning` under `scenario_group`. Throws IoError.
void write_conditioning_group(const h5::Group& scenario_group, const ConditioningData& data);

/// The conditioning attributes of a scenario group, if it was conditioned.
std::optional<core::Conditioning> read_conditioning_summary(const h5::Group& scenario_group);

}  // namespace sectorsim::io
