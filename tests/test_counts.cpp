// Enterprise counts (MODEL.md 8.8, models/sector_growth CountKind): entries
// Poisson with a rate raised by the fund money and released space of the
// kind's sectors, exits binomial on last year's stock. Checked against
// closed-form moments (a sum of independent Poisson counts; the binomial
// thinning of a stock), the lift's linear effect on the mean, whole numbers
// throughout, identity across thread counts, and the reader's messages.
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/config/config_error.hpp"
#include "engine/exec/runner.hpp"
#include "engine/run/errors.hpp"
#include "engine/run/run.hpp"
#include "models/registry.hpp"
#include "models/sector_growth/sector_growth_model.hpp"
#include "tests/collect_sink.hpp"
#include "tests/support.hpp"

namespace sectorsim {
namespace {

using core::Prior;
using testing::CollectSink;
using testing::sg;

models::CountKind kind(const std::string& id, double base, double rate, double exit) {
  models::CountKind k;
  k.id = id;
  k.description = id;
  k.base = base;
  k.driven_by = {1, 1};
  k.entry_rate = Prior::fixed(rate);
  k.exit_rate = Prior::fixed(exit);
  return k;
}

CollectSink simulate(const models::SectorGrowthModel& model, std::uint64_t draws, int threads = 2,
                     std::size_t batch = 128) {
  CollectSink sink;
  core::RunOptions opt;
  opt.draws = draws;
  opt.seed = 7;
  opt.threads = threads;
  opt.batch = batch;
  core::run_draws(model, opt, {&sink});
  return sink;
}

int series_of(const models::SectorGrowthModel& model, const std::string& name) {
  const auto& all = model.layout().series();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].name == name) return static_cast<int>(i);
  ADD_FAILURE() << "no series " << name;
  return 0;
}

struct Moments {
  double mean = 0, var = 0;
};
Moments moments(const std::vector<double>& x) {
  Moments m;
  const double n = static_cast<double>(x.size());
  m.mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
  for (double v : x)
    m.var += (v - m.mean) * (v - m.mean);
  m.var /= n - 1;
  return m;
}

constexpr std::uint64_t DRAWS = 40000;

// With no exits and no lift, the entries over H years are a sum of H
// independent Poisson(lambda) counts: Poisson(H lambda), mean = variance =
// H lambda, P(0) = exp(-H lambda). Each year's stock is the base plus them.
TEST(Counts, EntriesWithoutExitsArePoissonWithClosedFormMoments) {
  auto spec = testing::two_sector_spec(2022, 2025);
  const double lambda = 2.5;
  sg(spec).counts = {kind("firms", 40, lambda, 0.0)};
  const models::SectorGrowthModel model(spec);
  const auto sink = simulate(model, DRAWS);
  const int h = 3;
  const auto& entries = sink.cell(model.layout().cell(series_of(model, "firms_entries"), h));
  const auto& stock = sink.cell(model.layout().cell(series_of(model, "firms"), h));
  const double mu = h * lambda, n = static_cast<double>(DRAWS);
  const Moments m = moments(entries);
  testing::expect_within_se("mean of entries", m.mean, mu, std::sqrt(mu / n), 4.0);
  // Poisson: the sample variance's variance is mu/n * (1 + 2 mu) ... for
  // large n, (mu + 2 mu^2) / n.
  testing::expect_within_se("variance of entries", m.var, mu, std::sqrt((mu + 2 * mu * mu) / n),
                            4.0);
  double zeros = 0;
  for (std::size_t d = 0; d < entries.size(); ++d) {
    zeros += entries[d] == 0 ? 1 : 0;
    ASSERT_EQ(stock[d], 40 + entries[d]) << d;
    ASSERT_EQ(entries[d], std::floor(entries[d])) << d;
  }
  const double p0 = std::exp(-mu);
  testing::expect_within_se("P(no entry)", zeros / n, p0, std::sqrt(p0 * (1 - p0) / n), 4.0);
  // The base year holds the base stock and no entry.
  EXPECT_EQ(sink.cell(model.layout().cell(series_of(model, "firms"), 0)).at(5), 40.0);
  EXPECT_EQ(sink.cell(model.layout().cell(series_of(model, "firms_entries"), 0)).at(5), 0.0);
}

// With no entries, each firm of the base stock survives H years with
// probability (1 - q)^H, independently: the stock is Binomial(N0, (1-q)^H).
TEST(Counts, ExitsWithoutEntriesThinTheStockBinomially) {
  auto spec = testing::two_sector_spec(2022, 2026);
  const double q = 0.1, n0 = 60;
  sg(spec).counts = {kind("offices", n0, 0.0, q)};
  const models::SectorGrowthModel model(spec);
  const auto sink = simulate(model, DRAWS);
  const int h = 4;
  const double p = std::pow(1 - q, h), n = static_cast<double>(DRAWS);
  const Moments m = moments(sink.cell(model.layout().cell(series_of(model, "offices"), h)));
  const double var = n0 * p * (1 - p);
  testing::expect_within_se("mean of the stock", m.mean, n0 * p, std::sqrt(var / n), 4.0);
  // Near-normal data: the sample variance's se is about var sqrt(2 / (n - 1)).
  testing::expect_within_se("variance of the stock", m.var, var, var * std::sqrt(2.0 / (n - 1)),
                            4.0);
}

// The entry rate in year t is lambda (1 + e_f F[t] + e_s S[t]), F the fund
// money of the kind's sectors that year and S the space released to them:
// the mean entries over the horizon are lambda * sum_t (1 + e_f F + e_s S).
// Only the driving sectors' money counts.
TEST(Counts, FundsAndSpaceOfTheKindsSectorsLiftTheEntryRate) {
  auto spec = testing::two_sector_spec(2022, 2025);
  auto& m = sg(spec);
  const std::size_t ny = 4;
  m.levers.funds.assign(ny, {0.0, 0.0});
  m.levers.space_release.assign(ny, 0.0);
  for (std::size_t t = 1; t < ny; ++t) {
    m.levers.funds[t] = {2.0 * static_cast<double>(t), 5.0};  // services 2, 4, 6; industry 5
    m.levers.space_release[t] = 10.0;
  }
  m.levers.space_share = {0.6, 0.4};
  m.levers.land_release.assign(ny, 0.0);
  m.levers.land_share = {0.0, 0.0};
  auto k = kind("hq", 10, 1.5, 0.0);
  k.driven_by = {1, 0};  // services only
  k.fund_effect = Prior::fixed(0.05);
  k.space_effect = Prior::fixed(0.02);
  m.counts = {k};
  const models::SectorGrowthModel model(spec);
  const auto sink = simulate(model, DRAWS);
  double mu = 0;
  for (int t = 1; t <= 3; ++t)
    mu += 1.5 * (1 + 0.05 * 2.0 * t + 0.02 * 10.0 * 0.6);
  const Moments got = moments(sink.cell(model.layout().cell(series_of(model, "hq_entries"), 3)));
  testing::expect_within_se("mean of lifted entries", got.mean, mu,
                            std::sqrt(mu / static_cast<double>(DRAWS)), 4.0);
}

TEST(Counts, SameBitsOnAnyThreadCountAndBatch) {
  auto spec = testing::uncertain_two_sector_spec();
  auto k = kind("firms", 30, 3, 0.05);
  k.entry_rate = Prior::uniform(1, 5);
  k.exit_rate = Prior::uniform(0.01, 0.1);
  k.fund_effect = Prior::uniform(0, 0.2);
  sg(spec).counts = {k, kind("banks", 12, 0.7, 0.02)};
  const models::SectorGrowthModel model(spec);
  EXPECT_EQ(model.n_shocks(), 8 * (2 + 1 + 2 * 2));
  EXPECT_EQ(model.parameters().back().name, "banks.space_effect");
  EXPECT_EQ(model.parameters().back().block, "counts");
  const auto one = simulate(model, 3000, 1, 64);
  const auto three = simulate(model, 3000, 3, 200);
  EXPECT_TRUE(one.values == three.values);
}

// A scenario's counts, read from YAML: the stock and entries series exist,
// targets may name them, and the reader's messages point at the key.
constexpr const char* LUOHU_BASELINE = SECTORSIM_SOURCE_DIR "/scenarios/luohu/baseline.yaml";

std::string load_error(const std::string& counts_yaml) {
  const std::string text = std::string("extends: ") + LUOHU_BASELINE + "\n" + counts_yaml;
  try {
    models::load_scenario_text(text, "counts.yaml");
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CountsReader, LuohuBaselineCountsFiveKinds) {
  const auto spec = models::load_scenario(LUOHU_BASELINE);
  ASSERT_EQ(sg(spec).counts.size(), 5u);
  EXPECT_EQ(sg(spec).counts[0].id, "tax_buildings");
  EXPECT_EQ(sg(spec).counts[0].base, 41);
  const auto model = models::make_model(spec);
  EXPECT_GE(series_of(dynamic_cast<const models::SectorGrowthModel&>(*model), "law_firms_entries"),
            0);
}

TEST(CountsReader, MessagesNameTheKey) {
  EXPECT_NE(load_error("counts:\n  Firms: {base: 1, entry_rate: 1, exit_rate: 0}\n")
                .find("counts.yaml:3:3: counts.Firms: a count kind's id is a lower-case name"),
            std::string::npos)
      << load_error("counts:\n  Firms: {base: 1, entry_rate: 1, exit_rate: 0}\n");
  EXPECT_NE(load_error("counts:\n  service_va: {base: 1, entry_rate: 1, exit_rate: 0}\n")
                .find("counts.service_va: 'service_va' is already one of the model's series"),
            std::string::npos);
  EXPECT_NE(load_error("counts:\n  hq: {base: 1.5, entry_rate: 1, exit_rate: 0}\n")
                .find("counts.hq.base: a count is a whole number, got 1.5"),
            std::string::npos)
      << load_error("counts:\n  hq: {base: 1.5, entry_rate: 1, exit_rate: 0}\n");
  EXPECT_NE(load_error("counts:\n  hq: {base: 1, exit_rate: 0}\n")
                .find("counts.hq: missing 'entry_rate'"),
            std::string::npos)
      << load_error("counts:\n  hq: {base: 1, exit_rate: 0}\n");
  EXPECT_NE(
      load_error("counts:\n  hq: {base: 1, entry_rate: 1, exit_rate: 0, sectors: [finanse]}\n")
          .find("unknown sector 'finanse' (did you mean 'finance'?)"),
      std::string::npos)
      << load_error("counts:\n  hq: {base: 1, entry_rate: 1, exit_rate: 0, sectors: [finanse]}\n");
  EXPECT_NE(load_error("counts:\n  hq: {base: 1, entry_rate: 1, exit_rate: 1.5}\n")
                .find("counts.hq.exit_rate"),
            std::string::npos);
}

// Common random numbers need the same series: a scenario without the
// baseline's counts is refused, by name.
TEST(CountsCompare, ScenariosWithDifferentCountsAreRefusedByName) {
  const auto with = models::load_scenario(LUOHU_BASELINE);
  const auto without = models::load_scenario_text(
      std::string("extends: ") + LUOHU_BASELINE +
          "\nscenario: {name: uncounted, description: no counts}\ncounts: ~\ntargets: ~\n",
      "uncounted.yaml");
  run::RunOptions o;
  o.overrides.draws = 100;
  std::string message;
  try {
    run::compare_scenarios({with, without}, 0, o);
  } catch (const run::InputError& e) {
    message = e.what();
  }
  EXPECT_EQ(message,
            "cannot compare 'uncounted' with the baseline 'baseline': only one of them has the "
            "series 'tax_buildings'; scenarios compared under common random numbers need the same "
            "series and parameters (for the sector-growth model, the same counts:)");
}

}  // namespace
}  // namespace sectorsim
