#include "engine/exec/stacked.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace sectorsim::core {

StackedModel::StackedModel(std::vector<const Model*> members) : members_(std::move(members)) {
  if (members_.empty()) throw std::invalid_argument("no scenarios to stack");
  const Model& first = *members_.front();
  std::vector<SeriesInfo> series;
  int cells = 0;
  for (const Model* m : members_) {
    if (m->parameters().size() != first.parameters().size() || m->n_shocks() != first.n_shocks() ||
        m->layout().n_cells() != first.layout().n_cells()) {
      throw std::invalid_argument(
          "scenarios compared under common random numbers need the same sectors and horizon");
    }
    offsets_.push_back(cells);
    cells += m->layout().n_cells();
  }
  for (const auto& p : first.parameters())
    uniforms_.push_back({p.name, Prior::uniform(0, 1), p.block, "1"});
  // The stacked layout repeats the members' series; only n_cells and the
  // member views are used.
  for (std::size_t k = 0; k < members_.size(); ++k) {
    for (const auto& s : first.layout().series())
      series.push_back(s);
  }
  layout_ = CellLayout(series, first.layout().n_years(), first.layout().n_sectors());
}

std::size_t StackedModel::workspace_size(std::size_t n) const {
  std::size_t w = 0;
  for (const Model* m : members_)
    w = std::max(w, m->workspace_size(n));
  // Member parameters and a copy of the shocks, both with stride n.
  return w + (uniforms_.size() + static_cast<std::size_t>(n_shocks())) * n;
}

void StackedModel::simulate(const BatchIn& in, const BatchOut& out, double* workspace) const {
  // Each member maps the common uniforms through its own priors.
  double* params = workspace;
  double* rest = workspace + uniforms_.size() * in.n;
  for (std::size_t k = 0; k < members_.size(); ++k) {
    const auto& priors = members_[k]->parameters();
    for (std::size_t j = 0; j < priors.size(); ++j) {
      const double* u = in.params + j * in.stride;
      double* p = params + j * in.n;
      for (std::size_t i = 0; i < in.n; ++i)
        p[i] = priors[j].prior.quantile(u[i]);
    }
    BatchIn mine = in;
    mine.stride = in.n;
    mine.params = params;
    // Shocks keep the caller's stride; give the member a copy with stride n.
    double* z = rest;
    const std::size_t nz = static_cast<std::size_t>(n_shocks());
    for (std::size_t j = 0; j < nz; ++j) {
      std::copy(in.shocks + j * in.stride, in.shocks + j * in.stride + in.n, z + j * in.n);
    }
    mine.shocks = z;
    BatchOut o = out;
    o.values = out.values + static_cast<std::size_t>(offsets_[k]) * out.stride;
    members_[k]->simulate(mine, o, z + nz * in.n);
  }
}

ChunkView StackedModel::member_view(const ChunkView& stacked, std::size_t k) const {
  return slice_view(stacked, offsets_[k], members_[k]->layout());
}

}  // namespace sectorsim::core
