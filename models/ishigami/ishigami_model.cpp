#include "models/ishigami/ishigami_model.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace sectorsim::models {

const core::ModelDeclaration& ishigami_declaration() {
  static const core::ModelDeclaration d = [] {
    core::ModelDeclaration m;
    m.name = ISHIGAMI;
    m.description = "Ishigami test function y = sin x1 + a sin^2 x2 + b x3^4 sin x1";
    m.dynamic = false;
    const core::Prior u = core::Prior::uniform(-std::numbers::pi, std::numbers::pi);
    for (const char* x : {"x1", "x2", "x3"}) {
      m.parameters.push_back(
          {x, "1", std::string("input ") + x, core::Scope::Global, core::ANY_NUMBER, u, x});
    }
    m.series = {{"y", "1", "the Ishigami function of x1, x2, x3", false, true}};
    return m;
  }();
  return d;
}

IshigamiModel::IshigamiModel(const core::ScenarioSpec& spec) : n_years_(spec.n_years()) {
  const auto& block = spec.model_block.as<IshigamiSpec>(ISHIGAMI);
  if (block.inputs.size() != 3) throw std::invalid_argument("ishigami: needs priors of x1, x2, x3");
  if (n_years_ < 1) throw std::invalid_argument("ishigami: the horizon has no year");
  a_ = block.a;
  b_ = block.b;
  const auto& decl = ishigami_declaration();
  for (std::size_t i = 0; i < 3; ++i)
    params_.push_back({decl.parameters[i].name, block.inputs[i], decl.parameters[i].block,
                       decl.parameters[i].unit});
  layout_ = core::CellLayout(decl.series, n_years_, 0);
}

void IshigamiModel::simulate(const core::BatchIn& in, const core::BatchOut& out,
                             double* /*workspace*/) const {
  const double* x1 = in.params;
  const double* x2 = in.params + in.stride;
  const double* x3 = in.params + 2 * in.stride;
  double* y0 = out.values;
  for (std::size_t l = 0; l < in.n; ++l) {
    const double s1 = std::sin(x1[l]);
    const double s2 = std::sin(x2[l]);
    const double x3sq = x3[l] * x3[l];
    y0[l] = s1 + a_ * s2 * s2 + b_ * x3sq * x3sq * s1;
  }
  // The same value in every year of the horizon.
  for (int t = 1; t < n_years_; ++t) {
    double* yt = out.values + static_cast<std::size_t>(t) * out.stride;
    for (std::size_t l = 0; l < in.n; ++l)
      yt[l] = y0[l];
  }
}

}  // namespace sectorsim::models
