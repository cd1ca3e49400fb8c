#include "engine/stats/appraisal.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace sectorsim::core {

namespace {

const SeriesSummary* find(const Comparison& c, const std::string& name) {
  for (const SeriesSummary& d : c.diffs)
    if (d.info.name == name && !d.info.by_sector) return &d;
  return nullptr;
}

// The end year's statistic `stat` (DIFF_STAT_NAMES order) of a series' difference.
double end_year(const SeriesSummary& d, int stat) {
  const std::size_t per_stat = d.stats.size() / N_DIFF_STATS;
  return d.stats[static_cast<std::size_t>(stat) * per_stat + per_stat - 1];
}

AppraisalStat stat_of(const SeriesSummary& d) {
  return {end_year(d, 0), end_year(d, 1), end_year(d, 2), end_year(d, 4), end_year(d, 5)};
}

}  // namespace

std::optional<Appraisal> appraise(const Comparison& c, const AppraisalDecl& decl,
                                  double discount_rate, std::uint64_t revenue_exceeds_cost) {
  const SeriesSummary* cost = find(c, decl.cost);
  const SeriesSummary* revenue = find(c, decl.revenue);
  const SeriesSummary* value_added = find(c, decl.value_added);
  if (!cost || !revenue || !value_added) return std::nullopt;
  if (cost->stats.empty() || cost->stats.size() % N_DIFF_STATS != 0) return std::nullopt;
  Appraisal a;
  a.series = decl;
  a.discount_rate = discount_rate;
  a.cost = stat_of(*cost);
  a.revenue = stat_of(*revenue);
  // Value added: the yearly mean differences after the base year, each
  // discounted. A mean of a sum is the sum of the means; its Monte Carlo
  // interval and spread across draws would need each draw's sum, which no
  // cell holds: NaN (the yearly table has each year's).
  const std::size_t per_stat = value_added->stats.size() / N_DIFF_STATS;
  double pv = 0;
  for (std::size_t t = 1; t < per_stat; ++t)
    pv += value_added->stats[t] * std::pow(1.0 + discount_rate, -static_cast<double>(t));
  constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
  a.value_added = {pv, NaN, NaN, NaN, NaN};
  a.net = a.revenue.mean - a.cost.mean;
  a.bcr = a.cost.mean > 0 ? a.revenue.mean / a.cost.mean : NaN;
  a.cost_per_value_added = a.value_added.mean > 0 ? a.cost.mean / a.value_added.mean : NaN;
  a.revenue_exceeds_cost = wilson(revenue_exceeds_cost, c.draws);
  return a;
}

}  // namespace sectorsim::core
