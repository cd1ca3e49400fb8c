// The netCDF-4 style variables of the results file (a coordinate per
// dimension, made an HDF5 dimension scale, and variables with `dims` and
// `units` attributes and their scales attached), and the two groups built
// from them besides the scenario results: `/comparison/<scenario>` (paired
// differences against the baseline) and `/scenarios/<name>/provenance`
// (docs/output-format.md, sections 10 and 11).
// Internal to engine/io (it includes hdf5.h through h5_file.hpp); the public
// entry points are ResultsWriter::write_comparison and the readers in
// results_reader.hpp. Covered by tests/test_io_compare.cpp.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "engine/io/h5_file.hpp"
#include "engine/spec/scenario_spec.hpp"
#include "engine/stats/forecast_scores.hpp"
#include "engine/stats/paired.hpp"

namespace sectorsim::io {

namespace nc {

/// A coordinate variable: a 1-D dimension scale named after the dimension it labels.
struct Coord {
  std::string name;
  hsize_t size = 0;
  h5::Dataset scale;
};

/// Sets the `dims` and `units` attributes every dataset carries.
inline void label(const h5::Dataset& dataset, const std::string& dims, std::string_view units) {
  dataset.set_attribute("dims", dims);
  dataset.set_attribute("units", units);
}

/// Writes the whole dataset from `values` (numbers or text).
template <typename T>
void write_values(const h5::Dataset& dataset, const std::vector<T>& values) {
  if constexpr (std::is_same_v<T, std::string>) {
    dataset.write(values);
  } else {
    dataset.write(std::span<const T>(values));
  }
}

/// Creates dataset `name` over the coordinates `dims` with its `dims` and `units`
/// attributes, attaches the dimension scales and writes `values` when given.
template <typename T>
h5::Dataset write_variable(const h5::Group& group, const std::string& name,
                           const std::vector<const Coord*>& dims, std::string_view units,
                           const std::vector<T>* values, const h5::DatasetOptions& options = {}) {
  std::vector<hsize_t> shape;
  std::string dim_names;
  for (const Coord* dim : dims) {
    shape.push_back(dim->size);
    dim_names += (dim_names.empty() ? "" : ",") + dim->name;
  }
  h5::Dataset dataset = group.create_dataset<T>(name, shape, options);
  label(dataset, dim_names, units);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    dataset.attach_scale(dims[i]->scale, static_cast<unsigned>(i));
  }
  if (values != nullptr) write_values(dataset, *values);
  return dataset;
}

/// Same, always writing `values`.
template <typename T>
h5::Dataset write_variable(const h5::Group& group, const std::string& name,
                           const std::vector<const Coord*>& dims, std::string_view units,
                           const std::vector<T>& values) {
  return write_variable<T>(group, name, dims, units, &values);
}

/// Writes a coordinate variable and makes it the dimension scale `name`.
template <typename T>
Coord write_coordinate(const h5::Group& group, const std::string& name,
                       const std::vector<T>& values, std::string_view units) {
  Coord coord{name, values.size(), group.create_dataset<T>(name, {values.size()})};
  label(coord.scale, name, units);
  write_values(coord.scale, values);
  coord.scale.make_scale(name);
  return coord;
}

/// Length of the 1-D dataset `name` of `group`; IoError if it is missing or not 1-D.
std::size_t length(const h5::Group& group, const std::string& name);

/// Reads dataset `name` of exactly `size` elements; IoError otherwise.
template <typename T>
std::vector<T> read_sized(const h5::Group& group, const std::string& name, std::size_t size) {
  const h5::Dataset dataset = group.open_dataset(name);
  std::vector<T> values = dataset.template read<T>();
  if (values.size() != size) {
    throw IoError(dataset.where() + ": " + std::to_string(values.size()) + " values, expected " +
                  std::to_string(size));
  }
  return values;
}

/// Reads a group of statistics datasets [stat, year(, sector)] whose `stat_dim`
/// coordinate must list `stat_names` (n_stats of them), one SeriesSummary per
/// dataset (scales skipped); IoError on any other shape or name.
std::vector<core::SeriesSummary> read_stat_series(const h5::Group& group,
                                                  const std::string& stat_dim,
                                                  const char* const* stat_names, int n_stats,
                                                  std::size_t n_years, std::size_t n_sectors);

}  // namespace nc

/// The group `/backtest` of `file` (docs/output-format.md, section 11a).
void write_backtest_group(const h5::Group& file, const std::string& scenario,
                          const core::BacktestResult& backtest);
/// It read back; nullopt when the file has none.
std::optional<core::BacktestResult> read_backtest_group(const h5::Group& file,
                                                        std::string* scenario);

/// Writes `/scenarios/<name>/provenance`: key, value, kind and note over the
/// dimension `entry` (an empty list gives datasets of length 0).
void write_provenance_group(const h5::Group& scenario,
                            const std::vector<core::Provenance>& entries);
/// Reads the provenance group of a scenario group; IoError if missing or malformed.
std::vector<core::Provenance> read_provenance_group(const h5::Group& scenario);

/// Writes group `<c.scenario>` under `comparisons` (the `/comparison` group):
/// diff/ over the scenario's years and sectors, and targets/. Throws IoError
/// when a series does not have N_DIFF_STATS x years (x sectors) values or the
/// target counts do not match the proportions.
void write_comparison_group(const h5::Group& comparisons, const core::Comparison& c,
                            const std::vector<int>& years, const std::vector<std::string>& sectors);
/// Reads every comparison under `/comparison` in the order written; an empty
/// list when the file has no `/comparison` group. IoError if one is malformed.
std::vector<core::Comparison> read_comparison_groups(const h5::File& file);

}  // namespace sectorsim::io
