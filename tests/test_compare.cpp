// Paired comparison under common random numbers: intervals for differences of
// proportions, the stacked model, and the tightness that pairing buys.
#include "engine/exec/stacked.hpp"
#include "engine/stats/paired.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/exec/runner.hpp"
#include "models/sector_growth/sector_growth_model.hpp"
#include "tests/collect_sink.hpp"
#include "tests/support.hpp"

namespace sectorsim {
namespace {

using core::Prior;

TEST(CompareIntervals, NewcombeUnpairedPublishedExample) {
  // Newcombe (1998), Statistics in Medicine 17:873-890, Table II example (a):
  // 56/70 - 48/80 = 0.2000, method 10 interval 0.0524 to 0.3339.
  const auto r = core::newcombe_unpaired(56, 70, 48, 80);
  EXPECT_NEAR(r.diff, 0.2, 1e-12);
  EXPECT_NEAR(r.low, 0.0524, 5e-5);
  EXPECT_NEAR(r.high, 0.3339, 5e-5);
}

TEST(CompareIntervals, PairedWithoutCorrelationIsTheUnpairedInterval) {
  // phi = (ad - bc) / sqrt(...) = 0 when ad = bc: a=10, b=20, c=5, d=10.
  const auto p = core::newcombe_paired(10, 20, 5, 10);
  const auto u = core::newcombe_unpaired(30, 45, 15, 45);
  EXPECT_NEAR(p.diff, u.diff, 1e-15);
  EXPECT_NEAR(p.low, u.low, 1e-15);
  EXPECT_NEAR(p.high, u.high, 1e-15);
}

TEST(CompareIntervals, PositiveCorrelationNarrowsThePairedInterval) {
  // Strongly concordant pairs: 400 both, 30 only first, 10 only second, 560 neither.
  const auto p = core::newcombe_paired(400, 30, 10, 560);
  const auto u = core::newcombe_unpaired(430, 1000, 410, 1000);
  EXPECT_NEAR(p.diff, 0.02, 1e-15);
  EXPECT_LT(p.high - p.low, 0.4 * (u.high - u.low));
  EXPECT_LT(p.low, 0.02);
  EXPECT_GT(p.high, 0.02);
}

core::ScenarioSpec base_spec() {
  auto spec = testing::two_sector_spec(2022, 2025);
  for (auto& sec : testing::sg(spec).sectors) {
    auto& p = sec.params;
    p.tfp_growth = Prior::normal(0.02, 0.01);
    p.capital_elasticity = Prior::uniform(0.25, 0.45);
    p.fund_leverage = Prior::pert(1.0, 2.5, 5.0);
    p.volatility = Prior::uniform(0.02, 0.05);
  }
  const std::size_t n = static_cast<std::size_t>(spec.n_years());
  testing::sg(spec).levers.funds.assign(n, {0.0, 0.0});
  spec.targets = {{"gdp", "", "", "district_gdp", 2025, core::Op::Greater, 290.0, std::nullopt}};
  return spec;
}

struct Compared {
  core::Comparison cmp;
  core::ScenarioResult a, b;
};

// sketch_k > 0: every summary and the differences through quantile sketches.
// reader: a further sink reads the values in order, so that no sink may sort
// them in place (the summaries sort copies).
Compared compare(const core::ScenarioSpec& sa, const core::ScenarioSpec& sb, std::uint64_t draws,
                 std::size_t sketch_k = 0, bool reader = false) {
  const models::SectorGrowthModel ma(sa), mb(sb);
  const core::StackedModel stacked({&mb, &ma});  // member 0 is the baseline
  const auto targets =
      core::resolve_targets(sa.targets, ma.layout(), sa.base_year, {"services", "industry"});
  core::PairedAccumulator paired(stacked.layout_of(0), stacked.cell_offset(1),
                                 stacked.cell_offset(0), targets, draws, sketch_k, 2);
  core::SummaryAccumulator sum_b(mb.layout(), targets, draws, core::CHUNK_DRAWS, sketch_k, 2);
  core::SummaryAccumulator sum_a(ma.layout(), targets, draws, core::CHUNK_DRAWS, sketch_k, 2);
  core::MembersSink members(stacked);
  members.add(1, sum_a);
  members.add(0, sum_b);
  testing::CollectSink in_order;
  core::RunOptions opt;
  opt.draws = draws;
  opt.seed = 11;
  opt.threads = 2;
  // The members first: with sketches they sort in place, after the
  // comparison has read the values.
  std::vector<core::ChunkSink*> sinks = {&members, &paired};
  if (reader) sinks.push_back(&in_order);
  core::run_draws(stacked, opt, sinks);
  Compared out;
  out.cmp = paired.finish(draws, "a", "b");
  sum_a.finish(draws, out.a);
  sum_b.finish(draws, out.b);
  return out;
}

TEST(ComparePaired, ScenarioAgainstItselfDiffersByExactlyZero) {
  const auto spec = base_spec();
  const Compared c = compare(spec, spec, 5000);
  for (const auto& d : c.cmp.diffs) {
    const std::size_t per_stat = d.stats.size() / core::N_DIFF_STATS;
    for (std::size_t k = 0; k < per_stat; ++k) {
      EXPECT_EQ(d.stats[0 * per_stat + k], 0.0) << d.info.name;  // mean
      EXPECT_EQ(d.stats[3 * per_stat + k], 0.0) << d.info.name;  // sd
      EXPECT_EQ(d.stats[6 * per_stat + k], 0.0) << d.info.name;  // P(higher)
      EXPECT_EQ(d.stats[7 * per_stat + k], 0.0) << d.info.name;  // P(lower)
    }
  }
  ASSERT_EQ(c.cmp.targets.size(), 1u);
  EXPECT_EQ(c.cmp.targets[0].paired.diff, 0.0);
  EXPECT_EQ(c.cmp.targets[0].only_scenario, 0u);
  EXPECT_EQ(c.cmp.targets[0].only_baseline, 0u);
}

// base_spec with more funds: a policy-sized change (about 1% of GDP a year),
// where pairing matters most, the effect being small against the shared
// uncertainty.
core::ScenarioSpec more_funds_spec() {
  auto more = base_spec();
  testing::sg(more).levers.funds[1] = {2.0, 0.5};
  testing::sg(more).levers.funds[2] = {2.0, 0.5};
  return more;
}

// With sketches the members' summaries sort their own cells of the stacked
// chunk in place (MembersSink: one rearranging sink) after the comparison
// has read them: the same bits as sorting copies, and the comparison's
// statistics that do not depend on quantiles are those of exact mode.
TEST(CompareStacked, MembersSortTheirOwnCellsInPlace) {
  const std::uint64_t draws = 5 * core::CHUNK_DRAWS + 3;
  const Compared in_place = compare(more_funds_spec(), base_spec(), draws, 256);
  const Compared copies = compare(more_funds_spec(), base_spec(), draws, 256, true);
  const Compared exact = compare(more_funds_spec(), base_spec(), draws, 0);
  for (const auto* r : {&in_place, &copies}) {
    ASSERT_EQ(r->a.summaries.size(), exact.a.summaries.size());
    for (std::size_t s = 0; s < r->a.summaries.size(); ++s) {
      EXPECT_EQ(r->a.summaries[s].stats, in_place.a.summaries[s].stats);
      EXPECT_EQ(r->b.summaries[s].stats, in_place.b.summaries[s].stats);
    }
    ASSERT_EQ(r->cmp.diffs.size(), exact.cmp.diffs.size());
    for (std::size_t s = 0; s < r->cmp.diffs.size(); ++s) {
      const auto& d = r->cmp.diffs[s].stats;
      const auto& e = exact.cmp.diffs[s].stats;
      EXPECT_EQ(d, in_place.cmp.diffs[s].stats);
      const std::size_t per = d.size() / core::N_DIFF_STATS;
      for (std::size_t k = 0; k < per; ++k) {
        for (int st : {0, 3, 6, 7}) {  // mean, sd, P(higher), P(lower)
          EXPECT_EQ(d[st * per + k], e[st * per + k]) << r->cmp.diffs[s].info.name << " " << st;
        }
      }
    }
    EXPECT_EQ(r->cmp.targets[0].only_scenario, exact.cmp.targets[0].only_scenario);
    EXPECT_EQ(r->cmp.targets[0].only_baseline, exact.cmp.targets[0].only_baseline);
  }
  // The funds move some draws' outcomes: P(higher) can tell sorted from not.
  EXPECT_GT(exact.cmp.targets[0].only_scenario, 0u);
}

// A sink that only states how it uses values.
class UseOnly : public core::ChunkSink {
 public:
  explicit UseOnly(core::ValueUse use) : use_(use) {}
  core::ValueUse value_use() const override { return use_; }

 private:
  core::ValueUse use_;
};

// MembersSink stands for its members' sinks in the runner: the most
// demanding use wins (one reading in order keeps every chunk's values), and
// it rearranges in place only where every member's sink would.
TEST(CompareStacked, MembersSinkUsesValuesAsItsMostDemandingMember) {
  using core::ValueUse;
  const models::SectorGrowthModel a(base_spec()), b(more_funds_spec());
  const core::StackedModel stacked({&a, &b});
  auto use_of = [&](std::vector<ValueUse> uses) {
    std::vector<UseOnly> sinks(uses.begin(), uses.end());
    core::MembersSink members(stacked);
    for (std::size_t k = 0; k < sinks.size(); ++k)
      members.add(k % 2, sinks[k]);
    return members.value_use();
  };
  EXPECT_EQ(use_of({}), ValueUse::ReadUnordered);
  EXPECT_EQ(use_of({ValueUse::RearrangeUnordered, ValueUse::RearrangeUnordered}),
            ValueUse::RearrangeUnordered);
  EXPECT_EQ(use_of({ValueUse::RearrangeUnordered, ValueUse::ReadUnordered}),
            ValueUse::ReadUnordered);
  EXPECT_EQ(use_of({ValueUse::RearrangeUnordered, ValueUse::ReadInOrder}), ValueUse::ReadInOrder);
  EXPECT_EQ(use_of({ValueUse::ReadUnordered, ValueUse::ReadUnordered}), ValueUse::ReadUnordered);
}

TEST(ComparePaired, MembersEqualSeparateRunsAndPairingIsTight) {
  const auto base = base_spec();
  const auto more = more_funds_spec();
  const std::uint64_t draws = 20000;
  const Compared c = compare(more, base, draws);

  // Each member of the stack is exactly the scenario run on its own.
  const models::SectorGrowthModel mb(base);
  testing::CollectSink alone;
  core::RunOptions opt;
  opt.draws = draws;
  opt.seed = 11;
  core::run_draws(mb, opt, {&alone});
  const auto& gdp = c.b.summaries[0].stats;  // district_gdp, [stat][year]
  double mean = 0;
  for (double x : alone.cell(mb.layout().cell(0, 3)))
    mean += x;
  mean /= static_cast<double>(draws);
  EXPECT_NEAR(gdp[3], mean, 1e-9 * mean);

  // Mean difference agrees with the difference of means.
  const auto& d = c.cmp.diffs[0].stats;
  const std::size_t per_stat = 4;
  EXPECT_NEAR(d[0 * per_stat + 3], c.a.summaries[0].stats[3] - c.b.summaries[0].stats[3], 1e-9);
  EXPECT_GT(d[0 * per_stat + 3], 0.0);
  // Common random numbers: more funds raise GDP in every draw.
  EXPECT_EQ(d[6 * per_stat + 3], 1.0);

  // The paired interval of the target difference is much narrower.
  const auto& t = c.cmp.targets[0];
  EXPECT_EQ(t.scenario.met, c.a.targets[0].in_year.met);
  EXPECT_EQ(t.baseline.met, c.b.targets[0].in_year.met);
  EXPECT_EQ(t.only_baseline, 0u);
  const double paired = t.paired.high - t.paired.low;
  const double unpaired = t.unpaired.high - t.unpaired.low;
  EXPECT_LT(paired, 0.5 * unpaired)
      << "paired " << paired << " unpaired " << unpaired << " a=" << t.both
      << " b=" << t.only_scenario << " c=" << t.only_baseline << " d=" << t.neither;
  EXPECT_GT(t.paired.diff, 0.0);
}

TEST(ComparePaired, SketchedQuantilesOfDifferencesWithinTheStatedRankError) {
  // The 5% and 95% quantiles of the per-draw GDP difference, from sketches of
  // small k (many compactions), lie within the rank error the comparison
  // states of the exact ones; means and target counts are the exact run's.
  const auto base = base_spec();
  const auto more = more_funds_spec();
  const std::uint64_t draws = 40000;
  const Compared exact = compare(more, base, draws);
  const Compared sketched = compare(more, base, draws, 64);
  EXPECT_EQ(exact.cmp.quantile_method, "exact (type 7)");
  const std::string& method = sketched.cmp.quantile_method;
  const std::string at_most = "rank error at most ";
  ASSERT_EQ(method.rfind("sketch", 0), 0u) << method;
  ASSERT_NE(method.find(at_most), std::string::npos) << method;
  const double bound =
      std::stod(method.substr(method.find(at_most) + at_most.size())) * static_cast<double>(draws);

  // Every per-draw difference of GDP in the last year, from the members run alone.
  std::vector<double> diffs(draws);
  {
    const models::SectorGrowthModel ma(more), mb(base);
    testing::CollectSink a, b;
    core::RunOptions opt;
    opt.draws = draws;
    opt.seed = 11;
    core::run_draws(ma, opt, {&a});
    core::run_draws(mb, opt, {&b});
    const int cell = ma.layout().cell(0, 3);
    for (std::size_t i = 0; i < draws; ++i)
      diffs[i] = a.cell(cell)[i] - b.cell(cell)[i];
  }
  std::sort(diffs.begin(), diffs.end());
  const std::size_t per_stat = 4;  // district_gdp: [stat][year], 4 years
  for (int stat : {4, 5}) {
    const double p = stat == 4 ? 0.05 : 0.95;
    const double v = sketched.cmp.diffs[0].stats[static_cast<std::size_t>(stat) * per_stat + 3];
    ASSERT_TRUE(std::isfinite(v)) << "p" << p;
    const double r = p * static_cast<double>(draws - 1);
    const auto lo = std::lower_bound(diffs.begin(), diffs.end(), v) - diffs.begin();
    const auto hi = std::upper_bound(diffs.begin(), diffs.end(), v) - diffs.begin();
    const double err = r < static_cast<double>(lo)   ? static_cast<double>(lo) - r
                       : r > static_cast<double>(hi) ? r - static_cast<double>(hi)
                                                     : 0.0;
    EXPECT_LE(err, bound) << "p" << p << ": sketch " << v << " has ranks [" << lo << ", " << hi
                          << "), expected rank " << r << ", stated bound " << bound;
    EXPECT_GT(bound, 0.0);
  }
  EXPECT_EQ(sketched.cmp.diffs[0].stats[3], exact.cmp.diffs[0].stats[3]);  // mean, last year
  ASSERT_EQ(sketched.cmp.targets.size(), exact.cmp.targets.size());
  EXPECT_EQ(sketched.cmp.targets[0].both, exact.cmp.targets[0].both);
  EXPECT_EQ(sketched.cmp.targets[0].only_scenario, exact.cmp.targets[0].only_scenario);
}

TEST(ComparePaired, RejectsScenariosOfDifferentShape) {
  const auto a = base_spec();
  const auto b = testing::two_sector_spec(2022, 2030);
  const models::SectorGrowthModel ma(a), mb(b);
  EXPECT_THROW(core::StackedModel({&ma, &mb}), std::invalid_argument);
}

}  // namespace
}  // namespace sectorsim
