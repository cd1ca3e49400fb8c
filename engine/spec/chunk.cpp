#include "engine/spec/chunk.hpp"

namespace sectorsim::core {

CellLayout::CellLayout(std::vector<SeriesInfo> series, int n_years, int n_sectors)
    : series_(std::move(series)), n_years_(n_years), n_sectors_(n_sectors) {
  offset_.reserve(series_.size());
  for (std::size_t i = 0; i < series_.size(); ++i) {
    offset_.push_back(n_cells_);
    n_cells_ += n_years_ * width(static_cast<int>(i));
  }
}

}  // namespace sectorsim::core
