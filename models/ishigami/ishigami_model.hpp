// The Ishigami test function (Ishigami and Homma 1990),
//   y = sin x1 + a sin² x2 + b x3⁴ sin x1,
// the standard check of sensitivity analyses: with x1..x3 independent and
// uniform on [-π, π], E[y] = a/2 and
//   Var[y] = a²/8 + b π⁴/5 + b² π⁸/18 + 1/2,
// with first-order indices known in closed form. The priors of x1..x3 may be
// changed in the scenario (default uniform on [-π, π]); a and b are numbers.
// The function has no time: the horizon is one year (the base year).
// Covered by tests/test_ishigami.cpp.
#pragma once

#include <memory>
#include <vector>

#include "engine/sampling/prior.hpp"
#include "engine/spec/model.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::models {

/// The Ishigami model's block: its coefficients and the priors of x1..x3.
struct IshigamiSpec : core::ModelBlock {
  double a = 7;
  double b = 0.1;
  std::vector<core::Prior> inputs;  ///< priors of x1, x2, x3

  std::unique_ptr<core::ModelBlock> clone() const override {
    return std::make_unique<IshigamiSpec>(*this);
  }
};

/// The Ishigami model's name in scenario files (`model: ishigami`).
inline constexpr const char* ISHIGAMI = "ishigami";

/// Parameters x1, x2, x3 (default uniform on [-π, π]) and one series, y.
const core::ModelDeclaration& ishigami_declaration();

class IshigamiModel : public core::Model {
 public:
  /// Throws std::invalid_argument if the spec holds no Ishigami block.
  explicit IshigamiModel(const core::ScenarioSpec& spec);

  const core::ModelDeclaration& declaration() const override { return ishigami_declaration(); }
  const std::vector<core::ParameterInfo>& parameters() const override { return params_; }
  int n_shocks() const override { return 0; }
  const core::CellLayout& layout() const override { return layout_; }
  std::size_t workspace_size(std::size_t) const override { return 0; }
  void simulate(const core::BatchIn& in, const core::BatchOut& out,
                double* workspace) const override;

 private:
  double a_, b_;
  int n_years_;
  std::vector<core::ParameterInfo> params_;
  core::CellLayout layout_;
};

}  // namespace sectorsim::models
