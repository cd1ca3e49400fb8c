#include "engine/io/conditioning_io.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "engine/io/comparison_io.hpp"

namespace sectorsim::io {

using nc::Coord;
using nc::write_coordinate;
using nc::write_variable;

namespace {

const char* kind_name(core::ObservationKind k) {
  switch (k) {
    case core::ObservationKind::Value:
      return "value";
    case core::ObservationKind::Above:
      return "above";
    case core::ObservationKind::Below:
      return "below";
  }
  return "value";
}

// 0, 1, ..., n - 1: the index coordinate of a dimension with no labels of its own.
std::vector<std::uint64_t> indices(std::size_t n) {
  std::vector<std::uint64_t> v(n);
  std::iota(v.begin(), v.end(), std::uint64_t{0});
  return v;
}

}  // namespace

void write_conditioning_group(const h5::Group& scenario_group, const ConditioningData& data) {
  const h5::Group g = scenario_group.create_group("conditioning");
  g.set_attribute("description",
                  "the run's draws weighted by their likelihood of the observations; every "
                  "summary and probability of the scenario is weighted (docs/conditioning.md)");
  g.set_attribute("observed_world", data.observed_world);
  g.set_attribute("ess", data.summary.ess);
  g.set_attribute("min_ess", data.summary.min_ess);
  g.set_attribute("log_evidence", data.summary.log_evidence);
  g.set_attribute("max_weight_share", data.summary.max_weight_share);
  g.set_attribute("quantiles", "inverted weighted CDF (type 1)");
  // The observations.
  const auto& obs = data.model->observations();
  const std::size_t n = obs.size();
  std::vector<std::string> indicator(n), kind(n), measure(n), vintage(n);
  std::vector<std::int32_t> year(n);
  std::vector<double> value(n), sd(n);
  for (std::size_t i = 0; i < n; ++i) {
    indicator[i] = obs[i].spec.indicator;
    kind[i] = kind_name(obs[i].spec.kind);
    measure[i] = obs[i].spec.growth ? "growth" : "level";
    vintage[i] = obs[i].spec.revised ? "revised" : "first";
    year[i] = obs[i].spec.year;
    value[i] = obs[i].spec.value;
    sd[i] = obs[i].sd;
  }
  const Coord o = write_coordinate(g, "observation", indices(n), "1");
  const std::vector<const Coord*> od = {&o};
  write_variable(g, "indicator", od, "", indicator);
  write_variable(g, "year", od, "year", year);
  write_variable(g, "kind", od, "", kind);
  write_variable(g, "measure", od, "", measure);
  write_variable(g, "vintage", od, "", vintage);
  write_variable(g, "value", od, "", value);
  write_variable(g, "sd", od, "", sd);
  if (!data.model->revision_nodes().empty()) {
    const Coord node =
        write_coordinate(g, "revision_node", indices(data.model->revision_nodes().size()), "1");
    write_variable(g, "revision_break", {&node}, "1", data.model->revision_nodes());
  }
  // Every draw.
  const Coord d = write_coordinate(g, "draw", indices(data.weights.size()), "1");
  write_variable(g, "log_likelihood", {&d}, "1", data.log_likelihood);
  write_variable(g, "weight", {&d}, "1", data.weights);
  g.set_attribute("kept", static_cast<std::uint64_t>(data.kept.size()));
  g.set_attribute("dropped_weight_share", data.summary.dropped_weight_share);
  g.set_attribute("keep_within", data.summary.keep_within);
  const Coord k = write_coordinate(g, "kept_draw", data.kept, "1");
  if (!data.parameters || data.parameter_names.empty()) return;
  const std::size_t p = data.parameter_names.size();
  const Coord par = write_coordinate(g, "parameter", indices(p), "1");
  write_variable(g, "parameter_name", {&par}, "", data.parameter_names);
  constexpr std::size_t BLOCK = 4096;
  const std::size_t kept = data.kept.size();
  h5::DatasetOptions opts;
  opts.chunk = {std::max<std::size_t>(std::min(BLOCK, kept), 1), p};
  const h5::Dataset params = write_variable<double>(g, "params", {&k, &par}, "", nullptr, opts);
  std::vector<double> rows(BLOCK * p);
  for (std::size_t first = 0; first < kept; first += BLOCK) {
    const std::size_t m = std::min(BLOCK, kept - first);
    for (std::size_t i = 0; i < m; ++i)
      data.parameters(data.kept[first + i], rows.data() + i * p);
    params.write_rows(first, m, rows.data());
  }
}

std::optional<core::Conditioning> read_conditioning_summary(const h5::Group& scenario_group) {
  if (!scenario_group.has_link("conditioning")) return std::nullopt;
  const h5::Group g = scenario_group.open_group("conditioning");
  core::Conditioning c;
  c.ess = g.attribute<double>("ess");
  c.min_ess = g.attribute<double>("min_ess");
  c.log_evidence = g.attribute<double>("log_evidence");
  c.max_weight_share = g.attribute<double>("max_weight_share");
  c.observations = nc::length(g, "observation");
  return c;
}

}  // namespace sectorsim::io
