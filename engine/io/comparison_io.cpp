#include "engine/io/comparison_io.hpp"

#include <algorithm>

#include <cstdint>
#include <iterator>
#include <utility>

namespace sectorsim::io {

namespace nc {

std::size_t length(const h5::Group& group, const std::string& name) {
  const h5::Dataset dataset = group.open_dataset(name);
  const std::vector<hsize_t> shape = dataset.shape();
  if (shape.size() != 1) throw IoError(dataset.where() + ": expected a 1-D dataset");
  return static_cast<std::size_t>(shape[0]);
}

}  // namespace nc

namespace {

using nc::Coord;
using nc::length;
using nc::read_sized;
using nc::write_coordinate;
using nc::write_variable;

constexpr const char* PROVENANCE_FIELDS[] = {"key", "value", "kind", "note"};

std::vector<std::string> diff_stat_names() {
  return {std::begin(core::DIFF_STAT_NAMES), std::end(core::DIFF_STAT_NAMES)};
}

// Checks that each series has N_DIFF_STATS x years (x sectors) values and that
// each target's proportions agree with its four counts, so that the file can
// be read back into the same Comparison.
void check_comparison(const core::Comparison& c, std::size_t n_years, std::size_t n_sectors) {
  const std::string where = "comparison '" + c.scenario + "' against '" + c.baseline + "'";
  for (const core::SeriesSummary& series : c.diffs) {
    const std::size_t expected =
        core::N_DIFF_STATS * n_years * (series.info.by_sector ? n_sectors : 1);
    if (series.stats.size() != expected) {
      throw IoError(where + ": difference of '" + series.info.name + "' has " +
                    std::to_string(series.stats.size()) + " values, expected " +
                    std::to_string(expected));
    }
  }
  for (const core::TargetDiff& t : c.targets) {
    const std::uint64_t n = t.both + t.only_scenario + t.only_baseline + t.neither;
    const bool fits = t.scenario.met == t.both + t.only_scenario &&
                      t.baseline.met == t.both + t.only_baseline && t.scenario.n == n &&
                      t.baseline.n == n;
    if (!fits) {
      throw IoError(where + ": target '" + t.id +
                    "': met and n do not agree with the counts both, only_scenario, "
                    "only_baseline and neither");
    }
  }
}

void write_diffs(const h5::Group& g, const core::Comparison& c, const std::vector<int>& years,
                 const std::vector<std::string>& sectors) {
  const h5::Group diff = g.create_group("diff");
  const Coord stat = write_coordinate(diff, "diff_stat", diff_stat_names(), "");
  const Coord year = write_coordinate(diff, "year", years, "year");
  const Coord sector = write_coordinate(diff, "sector", sectors, "");
  for (const core::SeriesSummary& series : c.diffs) {
    std::vector<const Coord*> dims{&stat, &year};
    if (series.info.by_sector) dims.push_back(&sector);
    // prob_higher and prob_lower are shares, the other statistics in the series' units.
    const h5::Dataset dataset =
        write_variable(diff, series.info.name, dims, series.info.units, series.stats);
    dataset.set_attribute("description", series.info.description);
  }
}

void write_targets(const h5::Group& g, const core::Comparison& c) {
  const h5::Group targets = g.create_group("targets");
  std::vector<std::string> ids;
  std::vector<double> p_scenario, low_scenario, high_scenario, p_baseline, low_baseline,
      high_baseline, diff, paired_low, paired_high, unpaired_low, unpaired_high;
  std::vector<std::uint64_t> both, only_scenario, only_baseline, neither;
  for (const core::TargetDiff& t : c.targets) {
    ids.push_back(t.id);
    p_scenario.push_back(t.scenario.p);
    low_scenario.push_back(t.scenario.low);
    high_scenario.push_back(t.scenario.high);
    p_baseline.push_back(t.baseline.p);
    low_baseline.push_back(t.baseline.low);
    high_baseline.push_back(t.baseline.high);
    diff.push_back(t.paired.diff);
    paired_low.push_back(t.paired.low);
    paired_high.push_back(t.paired.high);
    unpaired_low.push_back(t.unpaired.low);
    unpaired_high.push_back(t.unpaired.high);
    both.push_back(t.both);
    only_scenario.push_back(t.only_scenario);
    only_baseline.push_back(t.only_baseline);
    neither.push_back(t.neither);
  }
  const Coord target = write_coordinate(targets, "target", ids, "");
  const std::vector<const Coord*> dims{&target};
  write_variable(targets, "id", dims, "", ids);
  write_variable(targets, "scenario_probability", dims, "1", p_scenario);
  write_variable(targets, "scenario_ci_low", dims, "1", low_scenario);
  write_variable(targets, "scenario_ci_high", dims, "1", high_scenario);
  write_variable(targets, "baseline_probability", dims, "1", p_baseline);
  write_variable(targets, "baseline_ci_low", dims, "1", low_baseline);
  write_variable(targets, "baseline_ci_high", dims, "1", high_baseline);
  write_variable(targets, "diff", dims, "1", diff);
  write_variable(targets, "paired_low", dims, "1", paired_low);
  write_variable(targets, "paired_high", dims, "1", paired_high);
  write_variable(targets, "unpaired_low", dims, "1", unpaired_low);
  write_variable(targets, "unpaired_high", dims, "1", unpaired_high);
  write_variable(targets, "both", dims, "count", both);
  write_variable(targets, "only_scenario", dims, "count", only_scenario);
  write_variable(targets, "only_baseline", dims, "count", only_baseline);
  write_variable(targets, "neither", dims, "count", neither);
  targets.set_attribute("joint_diff", c.all_targets_paired.diff);
  targets.set_attribute("joint_paired_low", c.all_targets_paired.low);
  targets.set_attribute("joint_paired_high", c.all_targets_paired.high);
  targets.set_attribute("joint_unpaired_low", c.all_targets_unpaired.low);
  targets.set_attribute("joint_unpaired_high", c.all_targets_unpaired.high);
}

void read_diffs(const h5::Group& diff, core::Comparison& c) {
  c.diffs = nc::read_stat_series(diff, "diff_stat", core::DIFF_STAT_NAMES, core::N_DIFF_STATS,
                                 nc::length(diff, "year"), nc::length(diff, "sector"));
}

void read_targets(const h5::Group& targets, core::Comparison& c) {
  const std::size_t n = nc::length(targets, "target");
  const auto ids = read_sized<std::string>(targets, "id", n);
  const auto p_scenario = read_sized<double>(targets, "scenario_probability", n);
  const auto low_scenario = read_sized<double>(targets, "scenario_ci_low", n);
  const auto high_scenario = read_sized<double>(targets, "scenario_ci_high", n);
  const auto p_baseline = read_sized<double>(targets, "baseline_probability", n);
  const auto low_baseline = read_sized<double>(targets, "baseline_ci_low", n);
  const auto high_baseline = read_sized<double>(targets, "baseline_ci_high", n);
  const auto diff = read_sized<double>(targets, "diff", n);
  const auto paired_low = read_sized<double>(targets, "paired_low", n);
  const auto paired_high = read_sized<double>(targets, "paired_high", n);
  const auto unpaired_low = read_sized<double>(targets, "unpaired_low", n);
  const auto unpaired_high = read_sized<double>(targets, "unpaired_high", n);
  const auto both = read_sized<std::uint64_t>(targets, "both", n);
  const auto only_scenario = read_sized<std::uint64_t>(targets, "only_scenario", n);
  const auto only_baseline = read_sized<std::uint64_t>(targets, "only_baseline", n);
  const auto neither = read_sized<std::uint64_t>(targets, "neither", n);
  for (std::size_t t = 0; t < n; ++t) {
    core::TargetDiff d;
    d.id = ids[t];
    d.both = both[t];
    d.only_scenario = only_scenario[t];
    d.only_baseline = only_baseline[t];
    d.neither = neither[t];
    const std::uint64_t draws = d.both + d.only_scenario + d.only_baseline + d.neither;
    d.scenario = {d.both + d.only_scenario, draws, p_scenario[t], low_scenario[t],
                  high_scenario[t]};
    d.baseline = {d.both + d.only_baseline, draws, p_baseline[t], low_baseline[t],
                  high_baseline[t]};
    d.paired = {diff[t], paired_low[t], paired_high[t]};
    d.unpaired = {diff[t], unpaired_low[t], unpaired_high[t]};
    c.targets.push_back(std::move(d));
  }
  const auto joint = targets.attribute<double>("joint_diff");
  c.all_targets_paired = {joint, targets.attribute<double>("joint_paired_low"),
                          targets.attribute<double>("joint_paired_high")};
  c.all_targets_unpaired = {joint, targets.attribute<double>("joint_unpaired_low"),
                            targets.attribute<double>("joint_unpaired_high")};
}

}  // namespace

void write_provenance_group(const h5::Group& scenario,
                            const std::vector<core::Provenance>& entries) {
  const h5::Group g = scenario.create_group("provenance");
  std::vector<std::uint64_t> index;
  std::vector<std::string> fields[4];
  for (const core::Provenance& p : entries) {
    index.push_back(index.size());
    fields[0].push_back(p.key);
    fields[1].push_back(p.value);
    fields[2].push_back(p.kind);
    fields[3].push_back(p.note);
  }
  const Coord entry = write_coordinate(g, "entry", index, "1");
  for (std::size_t f = 0; f < std::size(PROVENANCE_FIELDS); ++f) {
    write_variable(g, PROVENANCE_FIELDS[f], {&entry}, "", fields[f]);
  }
}

std::vector<core::Provenance> read_provenance_group(const h5::Group& scenario) {
  const h5::Group g = scenario.open_group("provenance");
  const std::size_t n = nc::length(g, "entry");
  std::vector<std::string> fields[4];
  for (std::size_t f = 0; f < std::size(PROVENANCE_FIELDS); ++f) {
    fields[f] = read_sized<std::string>(g, PROVENANCE_FIELDS[f], n);
  }
  std::vector<core::Provenance> entries(n);
  for (std::size_t i = 0; i < n; ++i) {
    entries[i] = {std::move(fields[0][i]),
                  std::move(fields[1][i]),
                  std::move(fields[2][i]),
                  std::move(fields[3][i]),
                  {}};
  }
  return entries;
}

namespace {

// The appraisal's quantities, each a difference (scenario - baseline) in the
// end year: attribute names are "<quantity>_<statistic>".
constexpr const char* APPRAISAL_QUANTITIES[] = {"cost", "revenue", "value_added"};
constexpr const char* APPRAISAL_STATS[] = {"mean", "ci_low", "ci_high", "p05", "p95"};

core::AppraisalStat& quantity(core::Appraisal& a, int i) {
  core::AppraisalStat* q[] = {&a.cost, &a.revenue, &a.value_added};
  return *q[i];
}
double& statistic(core::AppraisalStat& s, int i) {
  double* v[] = {&s.mean, &s.ci_low, &s.ci_high, &s.p05, &s.p95};
  return *v[i];
}

void write_appraisal(const h5::Group& comparison, core::Appraisal a) {
  const h5::Group g = comparison.create_group("appraisal");
  g.set_attribute("description",
                  "differences (scenario - baseline) over the years after the base year, real, "
                  "discounted to the base year (docs/output-format.md)");
  g.set_attribute("units", "亿元 (base-year prices)");
  g.set_attribute("cost_series", a.series.cost);
  g.set_attribute("revenue_series", a.series.revenue);
  g.set_attribute("value_added_series", a.series.value_added);
  g.set_attribute("discount_rate_parameter", a.series.discount_rate);
  for (int q = 0; q < 3; ++q)
    for (int s = 0; s < 5; ++s)
      g.set_attribute(std::string(APPRAISAL_QUANTITIES[q]) + "_" + APPRAISAL_STATS[s],
                      statistic(quantity(a, q), s));
  g.set_attribute("discount_rate", a.discount_rate);
  g.set_attribute("net_mean", a.net);
  g.set_attribute("bcr", a.bcr);
  g.set_attribute("cost_per_value_added", a.cost_per_value_added);
  g.set_attribute("p_revenue_exceeds_cost", a.revenue_exceeds_cost.p);
  g.set_attribute("p_revenue_exceeds_cost_low", a.revenue_exceeds_cost.low);
  g.set_attribute("p_revenue_exceeds_cost_high", a.revenue_exceeds_cost.high);
}

core::Appraisal read_appraisal(const h5::Group& g) {
  core::Appraisal a;
  a.series.cost = g.attribute<std::string>("cost_series");
  a.series.revenue = g.attribute<std::string>("revenue_series");
  a.series.value_added = g.attribute<std::string>("value_added_series");
  a.series.discount_rate = g.attribute<std::string>("discount_rate_parameter");
  for (int q = 0; q < 3; ++q)
    for (int s = 0; s < 5; ++s)
      statistic(quantity(a, q), s) =
          g.attribute<double>(std::string(APPRAISAL_QUANTITIES[q]) + "_" + APPRAISAL_STATS[s]);
  a.discount_rate = g.attribute<double>("discount_rate");
  a.net = g.attribute<double>("net_mean");
  a.bcr = g.attribute<double>("bcr");
  a.cost_per_value_added = g.attribute<double>("cost_per_value_added");
  a.revenue_exceeds_cost.p = g.attribute<double>("p_revenue_exceeds_cost");
  a.revenue_exceeds_cost.low = g.attribute<double>("p_revenue_exceeds_cost_low");
  a.revenue_exceeds_cost.high = g.attribute<double>("p_revenue_exceeds_cost_high");
  return a;
}

}  // namespace

void write_comparison_group(const h5::Group& comparisons, const core::Comparison& c,
                            const std::vector<int>& years,
                            const std::vector<std::string>& sectors) {
  check_comparison(c, years.size(), sectors.size());
  const h5::Group g = comparisons.create_group(c.scenario);
  g.set_attribute("scenario", c.scenario);
  g.set_attribute("baseline", c.baseline);
  g.set_attribute("draws", c.draws);
  g.set_attribute("quantile_method", c.quantile_method);
  write_diffs(g, c, years, sectors);
  write_targets(g, c);
  if (c.appraisal) write_appraisal(g, *c.appraisal);
}

std::vector<core::Comparison> read_comparison_groups(const h5::File& file) {
  std::vector<core::Comparison> out;
  if (!file.has_link("comparison")) return out;
  const h5::Group comparisons = file.open_group("comparison");
  for (const std::string& name : comparisons.link_names()) {
    const h5::Group g = comparisons.open_group(name);
    core::Comparison c;
    c.scenario = g.attribute<std::string>("scenario");
    c.baseline = g.attribute<std::string>("baseline");
    c.draws = g.attribute<std::uint64_t>("draws");
    // Format 1.0 has no such attribute: its comparisons were exact.
    c.quantile_method = g.has_attribute("quantile_method")
                            ? g.attribute<std::string>("quantile_method")
                            : std::string("exact (type 7)");
    if (c.scenario != name) {
      throw IoError(g.where() + ": attribute scenario is '" + c.scenario + "', expected '" + name +
                    "'");
    }
    read_diffs(g.open_group("diff"), c);
    read_targets(g.open_group("targets"), c);
    if (g.has_link("appraisal")) c.appraisal = read_appraisal(g.open_group("appraisal"));
    out.push_back(std::move(c));
  }
  return out;
}

void write_backtest_group(const h5::Group& file, const std::string& scenario,
                          const core::BacktestResult& b) {
  const h5::Group g = file.create_group("backtest");
  g.set_attribute("scenario", scenario);
  g.set_attribute("description",
                  "published values scored against the run's draws of their cells: PIT, "
                  "central 50% and 90% bands, CRPS (docs/output-format.md)");
  const std::size_t n = b.observations.size();
  std::vector<std::uint64_t> index(n);
  std::vector<std::string> indicator(n);
  std::vector<std::int32_t> year(n);
  for (std::size_t i = 0; i < n; ++i) {
    index[i] = i;
    indicator[i] = b.observations[i].indicator;
    year[i] = b.observations[i].year;
  }
  const Coord obs = write_coordinate(g, "observation", index, "1");
  const std::vector<const Coord*> dims = {&obs};
  write_variable(g, "indicator", dims, "", indicator);
  write_variable(g, "year", dims, "year", year);
  auto column = [&](const char* name, auto field) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i)
      v[i] = field(b.scores[i]);
    write_variable(g, name, dims, "", v);
  };
  column("observed", [](const core::ForecastScore& s) { return s.observed; });
  column("pit", [](const core::ForecastScore& s) { return s.pit; });
  column("crps", [](const core::ForecastScore& s) { return s.crps; });
  column("p05", [](const core::ForecastScore& s) { return s.p05; });
  column("p25", [](const core::ForecastScore& s) { return s.p25; });
  column("p50", [](const core::ForecastScore& s) { return s.p50; });
  column("p75", [](const core::ForecastScore& s) { return s.p75; });
  column("p95", [](const core::ForecastScore& s) { return s.p95; });
  std::vector<std::int32_t> in50(n), in90(n);
  for (std::size_t i = 0; i < n; ++i) {
    in50[i] = b.scores[i].in50 ? 1 : 0;
    in90[i] = b.scores[i].in90 ? 1 : 0;
  }
  write_variable(g, "in50", dims, "1", in50);
  write_variable(g, "in90", dims, "1", in90);
  std::vector<std::uint64_t> bins(b.summary.pit_histogram.begin(), b.summary.pit_histogram.end());
  std::vector<std::uint64_t> bin_index(bins.size());
  for (std::size_t i = 0; i < bins.size(); ++i)
    bin_index[i] = i;
  const Coord bin = write_coordinate(g, "pit_bin", bin_index, "1");
  write_variable(g, "pit_histogram", {&bin}, "count", bins);
  const core::ForecastSummary& s = b.summary;
  for (const auto& [name, value] :
       {std::pair{"coverage50", s.in50.p}, std::pair{"coverage50_low", s.in50.low},
        std::pair{"coverage50_high", s.in50.high}, std::pair{"coverage90", s.in90.p},
        std::pair{"coverage90_low", s.in90.low}, std::pair{"coverage90_high", s.in90.high},
        std::pair{"mean_crps", s.mean_crps}})
    g.set_attribute(name, value);
}

std::optional<core::BacktestResult> read_backtest_group(const h5::Group& file,
                                                        std::string* scenario) {
  if (!file.has_link("backtest")) return std::nullopt;
  const h5::Group g = file.open_group("backtest");
  if (scenario) *scenario = g.attribute<std::string>("scenario");
  const std::size_t n = length(g, "observation");
  core::BacktestResult b;
  const auto indicator = read_sized<std::string>(g, "indicator", n);
  const auto year = read_sized<std::int32_t>(g, "year", n);
  const auto observed = read_sized<double>(g, "observed", n);
  const auto pit = read_sized<double>(g, "pit", n);
  const auto crps = read_sized<double>(g, "crps", n);
  const auto p05 = read_sized<double>(g, "p05", n), p25 = read_sized<double>(g, "p25", n),
             p50 = read_sized<double>(g, "p50", n), p75 = read_sized<double>(g, "p75", n),
             p95 = read_sized<double>(g, "p95", n);
  const auto in50 = read_sized<std::int32_t>(g, "in50", n);
  const auto in90 = read_sized<std::int32_t>(g, "in90", n);
  for (std::size_t i = 0; i < n; ++i) {
    b.observations.push_back({indicator[i], year[i], observed[i]});
    core::ForecastScore s;
    s.observed = observed[i];
    s.pit = pit[i];
    s.crps = crps[i];
    s.p05 = p05[i];
    s.p25 = p25[i];
    s.p50 = p50[i];
    s.p75 = p75[i];
    s.p95 = p95[i];
    s.in50 = in50[i] != 0;
    s.in90 = in90[i] != 0;
    b.scores.push_back(s);
  }
  const auto bins = g.open_dataset("pit_histogram").read<std::uint64_t>();
  b.summary.pit_histogram.assign(bins.begin(), bins.end());
  b.summary.n = n;
  b.summary.in50 = {0, n, g.attribute<double>("coverage50"), g.attribute<double>("coverage50_low"),
                    g.attribute<double>("coverage50_high")};
  b.summary.in90 = {0, n, g.attribute<double>("coverage90"), g.attribute<double>("coverage90_low"),
                    g.attribute<double>("coverage90_high")};
  b.summary.in50.met = static_cast<std::uint64_t>(std::count(in50.begin(), in50.end(), 1));
  b.summary.in90.met = static_cast<std::uint64_t>(std::count(in90.begin(), in90.end(), 1));
  b.summary.mean_crps = g.attribute<double>("mean_crps");
  return b;
}

namespace nc {

std::vector<core::SeriesSummary> read_stat_series(const h5::Group& group,
                                                  const std::string& stat_dim,
                                                  const char* const* stat_names, int n_stats,
                                                  std::size_t n_years, std::size_t n_sectors) {
  const std::vector<std::string> stats =
      read_sized<std::string>(group, stat_dim, static_cast<std::size_t>(n_stats));
  for (int i = 0; i < n_stats; ++i) {
    if (stats[static_cast<std::size_t>(i)] != stat_names[i]) {
      throw IoError(group.where() + ": statistic " + std::to_string(i) + " is '" +
                    stats[static_cast<std::size_t>(i)] + "', expected '" + stat_names[i] + "'");
    }
  }
  std::vector<core::SeriesSummary> out;
  for (const std::string& name : group.link_names()) {
    const h5::Dataset dataset = group.open_dataset(name);
    if (dataset.is_scale()) continue;
    const std::vector<hsize_t> shape = dataset.shape();
    const bool by_sector = shape.size() == 3;
    const bool fits = (shape.size() == 2 || by_sector) &&
                      shape[0] == static_cast<hsize_t>(n_stats) && shape[1] == n_years &&
                      (!by_sector || shape[2] == n_sectors);
    if (!fits) {
      throw IoError(dataset.where() + ": shape is not [" + stat_dim + ", year(, sector)]");
    }
    core::SeriesSummary series;
    series.info.name = name;
    series.info.units = dataset.attribute<std::string>("units");
    if (dataset.has_attribute("description")) {
      series.info.description = dataset.attribute<std::string>("description");
    }
    series.info.by_sector = by_sector;
    series.stats = dataset.read<double>();
    out.push_back(std::move(series));
  }
  return out;
}

}  // namespace nc

}  // namespace sectorsim::io
