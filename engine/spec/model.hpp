// The model interface: as small as QuantLib's path pricer.
//
// A model declares the priors of its per-draw parameter vector, how many
// independent standard normal shocks a draw needs, and the series it fills;
// then it advances a batch of draws over the horizon into caller-owned,
// structure-of-arrays storage (draws contiguous, so the hot loops vectorise).
// The runner owns threads, random streams, batching and accumulation.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "engine/sampling/prior.hpp"
#include "engine/spec/chunk.hpp"
#include "engine/spec/levers.hpp"
#include "engine/spec/series.hpp"

namespace sectorsim::core {

/// Allowed values of a parameter: an interval whose ends may be open or infinite.
struct Range {
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  bool low_open = false;
  bool high_open = false;

  /// Whether x lies in the interval.
  constexpr bool contains(double x) const {
    const bool above = low_open ? x > low : x >= low;
    const bool below = high_open ? x < high : x <= high;
    return above && below;
  }
};

inline constexpr Range ANY_NUMBER{};
inline constexpr Range POSITIVE{0, std::numeric_limits<double>::infinity(), true, false};
inline constexpr Range NON_NEGATIVE{0, std::numeric_limits<double>::infinity(), false, false};
inline constexpr Range UNIT_INTERVAL{0, 1, false, false};
inline constexpr Range CORRELATION{-1, 1, false, false};
inline constexpr Range OPEN_CORRELATION{-1, 1, true, true};
inline constexpr Range ABOVE_MINUS_ONE{-1, std::numeric_limits<double>::infinity(), true, false};
inline constexpr Range VA_RATIO{0, 1, true, false};

/// Whether a parameter has one value per sector or one for the whole scenario.
enum class Scope { Global, PerSector };

/// A behavioural parameter a model declares: the scenario gives its prior
/// (per sector, or once), the reader checks the prior's support against
/// `range`, and a parameter with a default prior may be left out.
struct ParameterDecl {
  std::string name;         ///< key in scenario files: "tfp_growth", "x1"
  std::string unit;         ///< "1/yr", "years", "1"
  std::string description;  ///< one line, English
  Scope scope = Scope::Global;
  Range range;                         ///< values the model accepts
  std::optional<Prior> default_prior;  ///< used where the scenario gives none
  /// The group a sensitivity analysis puts the parameter in ("capital",
  /// "space", "shocks", "prices"...): the model's own words for what the
  /// parameter is about. Empty: a group of its own, named after it.
  std::string block;
};

/// The series a comparison's appraisal reads (MODEL.md 8.3). Cost and
/// revenue are cumulative over the years after the base year, real and
/// discounted to the base year, so that the difference of two scenarios'
/// end-year values is the present value of the difference, draw by draw.
/// Value added is a yearly real series, discounted by the appraisal itself
/// at the fixed rate the parameter `discount_rate` holds.
struct AppraisalDecl {
  std::string cost;           ///< public cost, cumulative present value
  std::string revenue;        ///< public revenue (the fiscal benefit), cumulative present value
  std::string value_added;    ///< value added (the economic outcome), yearly, real
  std::string discount_rate;  ///< the parameter holding the discount rate (a fixed value)
};

/// What a model is: its name, its parameters and the series it fills. The
/// engine, the reader, the results file, the report and the CLI take every
/// name and unit from here (docs/adding-a-model.md).
struct ModelDeclaration {
  std::string name;  ///< as written after `model:` in scenario files
  std::string description;
  /// A dynamic model simulates the years after the base year (end_year >
  /// base_year); a static one (a test function) is evaluated once, and its
  /// horizon is the base year alone.
  bool dynamic = true;
  std::vector<ParameterDecl> parameters;
  /// Every series, in output order; by_sector series need the scenario's sectors.
  std::vector<SeriesInfo> series;
  /// Where the model has a cost side: the series of its appraisal.
  std::optional<AppraisalDecl> appraisal;
  /// The policy levers a caller may change (engine/spec/levers.hpp).
  std::vector<LeverDecl> levers;
};

/// One dimension of the per-draw parameter vector.
struct ParameterInfo {
  std::string name;  ///< e.g. "finance.tfp_growth" or "price_growth"
  Prior prior;
  /// Its declaration's block (ParameterDecl::block); empty: its own name.
  std::string block;
  /// Its unit (ParameterDecl::unit, or the model's own for a parameter it
  /// adds beyond its declarations); empty: unknown.
  std::string unit;
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
  /// What the model declares (the same for every scenario it runs).
  virtual const ModelDeclaration& declaration() const = 0;
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
