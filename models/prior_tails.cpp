#include "models/prior_tails.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "engine/sampling/prior.hpp"

namespace sectorsim::models {

namespace {

// One evaluation: parameter values and a shock level for every shock and year.
struct Lane {
  std::vector<double> params;
  double shock = 0;
};

// The first cell of `lane` that is not finite, and how many are not:
// (cell, count), cell = -1 where all are finite.
std::pair<int, int> first_bad(const std::vector<double>& values, std::size_t stride,
                              std::size_t lane, int cells) {
  int first = -1, bad = 0;
  for (int c = 0; c < cells; ++c) {
    const double v = values[static_cast<std::size_t>(c) * stride + lane];
    if (!std::isfinite(v)) {
      if (first < 0) first = c;
      ++bad;
    }
  }
  return {first, bad};
}

// Evaluates the lanes in batches; returns per lane (first bad cell, count).
std::vector<std::pair<int, int>> evaluate(const core::Model& model,
                                          const std::vector<Lane>& lanes) {
  // Up to 64 lanes a batch, fewer for a wide model: the values of a batch
  // stay within 32 MiB (a 1000-sector, 100-year model has 505,000 cells).
  const int cells = model.layout().n_cells();
  const std::size_t BATCH = std::clamp<std::size_t>(
      (std::size_t{32} << 20) / (sizeof(double) * static_cast<std::size_t>(std::max(cells, 1))), 1,
      64);
  const std::size_t n_params = model.parameters().size();
  const std::size_t n_shocks = static_cast<std::size_t>(model.n_shocks());
  std::vector<std::pair<int, int>> out;
  std::vector<double> params, shocks, values, workspace(model.workspace_size(BATCH));
  for (std::size_t first = 0; first < lanes.size(); first += BATCH) {
    const std::size_t n = std::min(BATCH, lanes.size() - first);
    params.assign(std::max<std::size_t>(n_params, 1) * n, 0);
    shocks.assign(std::max<std::size_t>(n_shocks, 1) * n, 0);
    values.assign(static_cast<std::size_t>(cells) * n, 0);
    for (std::size_t l = 0; l < n; ++l) {
      for (std::size_t j = 0; j < n_params; ++j)
        params[j * n + l] = lanes[first + l].params[j];
      for (std::size_t k = 0; k < n_shocks; ++k)
        shocks[k * n + l] = lanes[first + l].shock;
    }
    model.simulate(core::BatchIn{n, n, params.data(), shocks.data()},
                   core::BatchOut{n, values.data()}, workspace.data());
    for (std::size_t l = 0; l < n; ++l)
      out.push_back(first_bad(values, n, l, cells));
  }
  return out;
}

// "service_va in 2031" or "va.finance in 2031", for a cell of the layout.
std::string cell_name(const core::CellLayout& layout, const core::ScenarioSpec& spec, int cell) {
  const auto& series = layout.series();
  for (int s = static_cast<int>(series.size()) - 1; s >= 0; --s) {
    if (cell < layout.offset(s)) continue;
    const int k = cell - layout.offset(s);
    const int width = layout.width(s);
    std::string name = series[static_cast<std::size_t>(s)].name;
    if (series[static_cast<std::size_t>(s)].by_sector &&
        static_cast<std::size_t>(k % width) < spec.sectors.size()) {
      name += "." + spec.sectors[static_cast<std::size_t>(k % width)].id;
    }
    return name + " in " + std::to_string(spec.base_year + k / width);
  }
  return "cell " + std::to_string(cell);
}

// The parameter's declared name: "tfp_growth" of "finance.tfp_growth".
std::string declared_name(const std::string& name) {
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

// Where the prior of parameter `name` ("finance.tfp_growth", "price_growth")
// was written: the provenance entry of that key for its sector, else one
// shared by every sector (sector_defaults), else none.
const core::Provenance* origin(const core::ScenarioSpec& spec, const std::string& name) {
  const std::string param = declared_name(name);
  const std::string sector =
      name.size() > param.size() ? name.substr(0, name.size() - param.size() - 1) : std::string();
  const core::Provenance* shared = nullptr;
  for (const core::Provenance& p : spec.provenance) {
    const bool ends = p.key == param || (p.key.size() > param.size() &&
                                         p.key.compare(p.key.size() - param.size() - 1,
                                                       std::string::npos, "." + param) == 0);
    if (!ends) continue;
    if (!sector.empty() && ("." + p.key + ".").find("." + sector + ".") != std::string::npos)
      return &p;
    bool names_a_sector = false;
    for (const core::SectorSpec& s : spec.sectors)
      names_a_sector =
          names_a_sector || ("." + p.key + ".").find("." + s.id + ".") != std::string::npos;
    if (!names_a_sector) shared = &p;
  }
  return shared;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::vector<std::string> prior_tail_errors(const core::ScenarioSpec& spec,
                                           const core::Model& model) {
  const auto& infos = model.parameters();
  const std::size_t n_params = infos.size();
  std::vector<double> median(n_params), low(n_params), high(n_params);
  for (std::size_t j = 0; j < n_params; ++j) {
    const core::Prior& p = infos[j].prior;
    median[j] = p.quantile(0.5);
    low[j] = p.quantile(PRIOR_TAIL);
    high[j] = p.quantile(1 - PRIOR_TAIL);
  }
  const double z = core::normal_quantile(1 - PRIOR_TAIL);
  const double shock_levels[] = {0.0, z, -z};
  const char* const shock_text[] = {"", " and every shock at +", " and every shock at -"};

  // Stage 1: the medians, then each declared parameter (every sector's value
  // of it at once) at each end, under each shock level.
  std::map<std::string, std::vector<std::size_t>> groups;  // declared name -> dimensions
  for (std::size_t j = 0; j < n_params; ++j) {
    if (low[j] != high[j]) groups[declared_name(infos[j].name)].push_back(j);
  }
  struct Probe {
    const std::vector<std::size_t>* dims;  // nullptr: the medians
    bool high;
    int shock;
  };
  std::vector<Probe> probes;
  std::vector<Lane> lanes;
  for (int s = 0; s < 3; ++s) {
    probes.push_back({nullptr, false, s});
    lanes.push_back({median, shock_levels[s]});
  }
  for (const auto& [name, dims] : groups) {
    for (const bool side : {false, true}) {
      for (int s = 0; s < 3; ++s) {
        Lane lane{median, shock_levels[s]};
        for (const std::size_t j : dims)
          lane.params[j] = side ? high[j] : low[j];
        probes.push_back({&dims, side, s});
        lanes.push_back(std::move(lane));
      }
    }
  }
  const auto found = evaluate(model, lanes);
  const std::string file = spec.files.empty() ? spec.name : spec.files.front().path;
  std::vector<std::string> errors;
  for (std::size_t i = 0; i < probes.size() && probes[i].dims == nullptr; ++i) {
    if (found[i].first < 0) continue;
    errors.push_back(file + ": the model gives " + cell_name(model.layout(), spec, found[i].first) +
                     " that is not a finite number with every parameter at its prior's median" +
                     (probes[i].shock ? std::string(shock_text[probes[i].shock]) + number(z) + " sd"
                                      : std::string()));
    return errors;
  }

  // Stage 2: of a parameter that failed, each dimension alone, to name the
  // prior (a sector's own, or the default shared by several).
  std::vector<std::pair<std::size_t, const Probe*>> suspects;  // (dimension, probe)
  std::vector<Lane> single;
  for (std::size_t i = 3; i < probes.size(); ++i) {
    if (found[i].first < 0) continue;
    for (const std::size_t j : *probes[i].dims) {
      Lane lane{median, shock_levels[probes[i].shock]};
      lane.params[j] = probes[i].high ? high[j] : low[j];
      suspects.push_back({j, &probes[i]});
      single.push_back(std::move(lane));
    }
  }
  const auto alone = evaluate(model, single);
  std::vector<const core::Provenance*> named;  // one message a prior as written
  std::vector<std::size_t> reported_dims;
  for (std::size_t k = 0; k < suspects.size(); ++k) {
    if (alone[k].first < 0) continue;
    const std::size_t j = suspects[k].first;
    if (std::find(reported_dims.begin(), reported_dims.end(), j) != reported_dims.end()) continue;
    const core::Provenance* where = origin(spec, infos[j].name);
    if (where && std::find(named.begin(), named.end(), where) != named.end()) continue;
    named.push_back(where);
    reported_dims.push_back(j);
    const Probe& probe = *suspects[k].second;
    const double value = probe.high ? high[j] : low[j];
    std::string message =
        (where && !where->where.empty() ? where->where : file) + ": " +
        (where ? where->key : infos[j].name) + ": " +
        (where ? where->value : std::string("prior")) +
        " is too wide for the model: at its one-in-a-billion " + (probe.high ? "high" : "low") +
        " value " + number(value) +
        (probe.shock ? std::string(shock_text[probe.shock]) + number(z) + " sd" : std::string()) +
        ", " + cell_name(model.layout(), spec, alone[k].first) + " is not a finite number";
    if (alone[k].second > 1)
      message += " (nor are " + std::to_string(alone[k].second - 1) + " other cells)";
    message += "; narrow it (a misplaced decimal point?) or bound it (truncated_normal, pert)";
    errors.push_back(std::move(message));
  }
  // Failing only jointly (every sector at once): name the parameter.
  if (errors.empty()) {
    for (std::size_t i = 3; i < probes.size(); ++i) {
      if (found[i].first < 0) continue;
      const std::size_t j = probes[i].dims->front();
      errors.push_back(file + ": " + declared_name(infos[j].name) +
                       ": with every sector's prior at its one-in-a-billion " +
                       (probes[i].high ? "high" : "low") + " value" +
                       (probes[i].shock
                            ? std::string(shock_text[probes[i].shock]) + number(z) + " sd"
                            : std::string()) +
                       ", " + cell_name(model.layout(), spec, found[i].first) +
                       " is not a finite number; narrow these priors");
      break;
    }
  }
  return errors;
}

}  // namespace sectorsim::models
