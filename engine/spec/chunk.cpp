#include "engine/spec/chunk.hpp"

#include <algorithm>

namespace sectorsim::core {

std::uint64_t chunk_draws_for(std::uint64_t cells) {
  const std::uint64_t per_draw = std::max<std::uint64_t>(cells, 1) * sizeof(double);
  std::uint64_t draws = CHUNK_DRAWS;
  while (draws > MIN_CHUNK_DRAWS && draws * per_draw > CHUNK_BYTES)
    draws /= 2;
  return draws;
}

CellLayout::CellLayout(std::vector<SeriesInfo> series, int n_years, int n_sectors)
    : series_(std::move(series)), n_years_(n_years), n_sectors_(n_sectors) {
  offset_.reserve(series_.size());
  for (std::size_t i = 0; i < series_.size(); ++i) {
    offset_.push_back(n_cells_);
    n_cells_ += n_years_ * width(static_cast<int>(i));
  }
}

}  // namespace sectorsim::core
