// The model interface: as small as QuantLib's path pricer.
//
// A model declares the priors of its per-draw parameter vector, how many
// independent standard normal shocks a draw needs, and the series it fills;
// then it advances a batch of draws over the horizon into caller-owned,
// structure-of-arrays storage (draws contiguous, so the hot loops vectorise).
// The runner owns threads, random streams, batching and accumulation.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/sampling/prior.hpp"
#include "engine/spec/chunk.hpp"

namespace sectorsim::core {

/// One dimension of the per-draw parameter vector.
struct ParameterInfo {
  std::string name;  ///< e.g. "finance.tfp_growth" or "price_growth"
  Prior prior;
};

/// Inputs of one batch of draws: params[j * stride + lane] are parameter
/// values, shocks[k * stride + lane] independent N(0, 1) variates.
struct BatchIn {
  std::size_t n = 0;
  std::size_t stride = 0;
  const double* params = nullptr;
  const double* shocks = nullptr;
};

/// Output of one batch: values[cell * stride + lane], laid out by layout().
struct BatchOut {
  std::size_t stride = 0;
  double* values = nullptr;
};

class Model {
 public:
  virtual ~Model() = default;
  /// Parameter dimensions, in the order the sampler numbers them.
  virtual const std::vector<ParameterInfo>& parameters() const = 0;
  /// Independent standard normal variates per draw.
  virtual int n_shocks() const = 0;
  /// The cells simulate() fills.
  virtual const CellLayout& layout() const = 0;
  /// Doubles of scratch space simulate() needs for a batch of n draws.
  virtual std::size_t workspace_size(std::size_t n) const = 0;
  /// Simulate a batch. Must not allocate, and must give each lane a result
  /// that depends on that lane's inputs alone (never on n or the lane's position).
  virtual void simulate(const BatchIn& in, const BatchOut& out, double* workspace) const = 0;
};

}  // namespace sectorsim::core
