// `sectorsim optimise` (engine/analysis/optimise, apps/cli_decision): on the
// Luohu plan, an objective with a known optimum (the value added of one
// sector: every yuan the bounds allow goes to that sector), the budget kept
// exactly, the same optimum on any thread count, the written scenario file
// accepted by run and compare and reproducing the fresh-draw value bit for
// bit, and the refusals with their exact text.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/analysis/optimise.hpp"
#include "engine/config/scenario_loader.hpp"
#include "engine/exec/runner.hpp"
#include "engine/run/errors.hpp"
#include "engine/run/run.hpp"
#include "models/registry.hpp"
#include "shell.hpp"

namespace sectorsim::analysis {
namespace {

const std::string LUOHU = std::string(SECTORSIM_SOURCE_DIR) + "/scenarios/luohu/";
const std::string PLAN = LUOHU + "plan-2022-2025.yaml";
const std::string CLI = SECTORSIM_CLI;

std::size_t sector_index(const core::ScenarioSpec& spec, const std::string& id) {
  for (std::size_t s = 0; s < spec.sectors.size(); ++s)
    if (spec.sectors[s].id == id) return s;
  return spec.sectors.size();
}

double sector_total(const core::LeverSetting& funds, std::size_t ns, std::size_t s) {
  double t = 0;
  for (std::size_t k = s; k < funds.amounts.size(); k += ns)
    t += funds.amounts[k];
  return t;
}

OptimiseOptions options(const std::string& objective, std::uint64_t draws, int evaluations,
                        int threads) {
  OptimiseOptions o;
  o.objective = parse_objective(objective);
  o.draws = draws;
  o.fresh_draws = draws;
  o.max_evaluations = evaluations;
  o.threads = threads;
  return o;
}

OptimiseOptions software_va(int threads) {
  OptimiseOptions o = options("mean:va.software_it@2025", 200, 400, threads);
  o.budget = 30;
  return o;
}

double year_total(const core::LeverSetting& funds, std::size_t ns, std::size_t y) {
  double t = 0;
  for (std::size_t s = 0; s < ns; ++s)
    t += funds.amounts[y * ns + s];
  return t;
}

// The plan with `optimise:` written below it (a file in `dir` extending it).
core::ScenarioSpec plan_with(const std::filesystem::path& dir, const std::string& optimise) {
  const auto path = dir / "bounded.yaml";
  std::ofstream(path) << "extends: " << PLAN << "\n" << optimise;
  return models::load_scenario(path.string());
}

// Software & IT's value added grows with the funds it gets (fund leverage
// > 0 in every draw) and with no other sector's: the optimum gives it all
// the money that acts by 2025, or as much as its bound in the scenario's
// `optimise:` allows, while each year's share stays within the plan's
// yearly bounds (20%–40%).
class OptimiseBounds : public testing::ScratchDirTest {
 protected:
  void SetUp() override {
    testing::ScratchDirTest::SetUp();
    core::keep_freed_memory();  // as `sectorsim optimise` does
  }
};

TEST_F(OptimiseBounds, OneSectorsValueAddedTakesAllTheBoundAllows) {
  for (double max_share : {1.0, 0.4}) {
    const auto spec = plan_with(dir_, "optimise: {levers: {funds: {sectors: {software_it: {max: " +
                                          std::to_string(max_share) + "}}}}}\n");
    const std::size_t ns = spec.sectors.size();
    const std::size_t sw = sector_index(spec, "software_it");
    ASSERT_LT(sw, ns);
    ASSERT_EQ(spec.optimise.levers.size(), 1u);
    EXPECT_EQ(spec.optimise.levers[0].sectors[sw].max, max_share);
    EXPECT_EQ(spec.optimise.levers[0].years[2].max, 0.4) << "the plan's own bounds are kept";
    const OptimiseResult r = optimise(spec, nullptr, software_va(2));
    ASSERT_EQ(r.optimum.size(), 1u);
    const auto& funds = r.optimum[0];
    EXPECT_EQ(funds.key, "funds");
    EXPECT_NEAR(funds.total(), 30.0, 1e-12) << "the budget is kept";
    // The fund acts a year after it is spent, so 2025's money cannot raise
    // 2025's value added: the bound is met by 2023's and 2024's money, each
    // year at its largest share (40%) where the sector may take it all.
    if (max_share < 1) {
      EXPECT_NEAR(sector_total(funds, ns, sw), 30.0 * max_share, 30.0 * 1e-6);
    } else {
      EXPECT_NEAR(funds.amounts[ns + sw] + funds.amounts[2 * ns + sw], 24.0, 24.0 * 1e-6);
    }
    for (std::size_t s = 0; s < ns; ++s)
      EXPECT_LE(sector_total(funds, ns, s), 30.0 * (s == sw ? max_share : 1.0) * (1 + 1e-9))
          << spec.sectors[s].id;
    for (const char* none : {"real_estate", "other_services", "non_service"})
      EXPECT_LE(sector_total(funds, ns, sector_index(spec, none)), 30.0 * 1e-9) << none;
    for (std::size_t y = 1; y < 4; ++y) {
      EXPECT_LE(year_total(funds, ns, y), 12.0 * (1 + 1e-9)) << y;
      EXPECT_GE(year_total(funds, ns, y), 6.0 * (1 - 1e-9)) << y;
    }
    EXPECT_EQ(funds.amounts[sw], 0.0) << "the base year takes no amount";
    ASSERT_EQ(r.bounds.size(), 1u);
    EXPECT_EQ(r.bounds[0].total, 30.0);
    // The optimum beats the plan's own mix on the search draws and on fresh ones.
    EXPECT_GT(r.in_sample_optimum.value, r.in_sample_start.value);
    EXPECT_GT(r.improvement.value, 0);
    EXPECT_GT(r.evaluations, 10);
  }
}

// A scenario whose own mix breaks its bounds starts from the nearest mix
// that keeps them: even one evaluation gives a mix within every bound.
TEST_F(OptimiseBounds, AnOwnMixOutsideTheBoundsStartsFromOneWithin) {
  const auto spec = plan_with(dir_,
                              "optimise:\n"
                              "  levers:\n"
                              "    funds:\n"
                              "      sectors: {finance: {min: 0.5}, tourism: {min: 0.2}}\n"
                              "      years: {2023: {min: 0.4}}\n"
                              "    land:\n"
                              "      year_share: {max: 0.34}\n");
  const std::size_t ns = spec.sectors.size();
  OptimiseOptions o = software_va(1);
  o.levers.reset();
  o.draws = 200;
  o.fresh_draws = 200;
  o.max_evaluations = 1;
  const OptimiseResult r = optimise(spec, nullptr, o);
  ASSERT_EQ(r.optimum.size(), 2u) << "the levers under optimise.levers are chosen";
  const auto& funds = r.optimum[0];
  const auto& land = r.optimum[1];
  EXPECT_EQ(land.key, "land");
  EXPECT_NEAR(funds.total(), 30.0, 1e-12);
  EXPECT_GE(sector_total(funds, ns, sector_index(spec, "finance")), 15.0 * (1 - 1e-9));
  EXPECT_GE(sector_total(funds, ns, sector_index(spec, "tourism")), 6.0 * (1 - 1e-9));
  EXPECT_GE(year_total(funds, ns, 1), 12.0 * (1 - 1e-9)) << "2023 at least 40%";
  EXPECT_LE(year_total(funds, ns, 1), 12.0 * (1 + 1e-9)) << "and at most the plan's 40%";
  const double land_total = land.total();
  EXPECT_NEAR(land_total, 120.0, 1e-9);
  for (std::size_t y = 1; y < 4; ++y)
    EXPECT_LE(land.amounts[y], 0.34 * land_total * (1 + 1e-9)) << y;
  // The plan's own mix (finance 22%) is what the optimum is judged against.
  EXPECT_NEAR(sector_total(r.start[0], ns, sector_index(spec, "finance")), 6.6, 1e-9);
}

TEST(Optimise, SameOptimumOnAnyThreadCount) {
  const auto spec = models::load_scenario(PLAN);
  OptimiseOptions o = software_va(1);
  o.max_evaluations = 40;
  const OptimiseResult a = optimise(spec, nullptr, o);
  o.threads = 3;
  const OptimiseResult b = optimise(spec, nullptr, o);
  EXPECT_EQ(a.optimum[0].amounts, b.optimum[0].amounts);
  EXPECT_EQ(a.fresh_optimum.value, b.fresh_optimum.value);
  EXPECT_EQ(a.evaluations, b.evaluations);
}

std::string input_error(const core::ScenarioSpec& spec, OptimiseOptions o) {
  try {
    optimise(spec, nullptr, o);
  } catch (const run::InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Optimise, RefusesWithExactMessages) {
  const auto spec = models::load_scenario(PLAN);
  OptimiseOptions o = software_va(1);
  o.objective = parse_objective("prob:nope");
  EXPECT_EQ(input_error(spec, o).substr(0, 62),
            "--objective: the scenario has no target 'nope' (its targets: s");
  o = software_va(1);
  o.budget = 0;
  EXPECT_EQ(input_error(spec, o), "--budget must be > 0 (got 0)");
  o.budget = -3;
  EXPECT_EQ(input_error(spec, o), "--budget must be > 0 (got -3)");
  o = software_va(1);
  o.levers = {"funds", "bonds"};
  EXPECT_EQ(input_error(spec, o),
            "--levers: the sector_growth model has no lever 'bonds' (its levers: funds, space, "
            "land)");
  o = software_va(1);
  o.objective = parse_objective("mean:service_va@2030");
  EXPECT_EQ(input_error(spec, o),
            "--objective: year 2030 is outside 2023-2025, the years the scenario simulates");
  o.objective = parse_objective("bcr");
  EXPECT_EQ(input_error(spec, o),
            "--objective bcr needs --against BASELINE.yaml, the scenario the extra cost and "
            "revenue are measured against");
  try {
    parse_objective("max:service_va");
    FAIL() << "no error";
  } catch (const run::InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--objective must be prob:TARGET, mean:SERIES@YEAR or bcr (got 'max:service_va')");
  }
}

// `from:` chooses the money of the years from it on: earlier years keep
// the scenario's amounts, and totals and shares are those of the years chosen.
TEST_F(OptimiseBounds, FromAYearOnlyTheYearsFromItOnAreChosen) {
  const auto spec = plan_with(dir_,
                              "optimise:\n"
                              "  levers:\n"
                              "    funds:\n"
                              "      from: 2024\n"
                              "      total: 25\n"
                              "      years: {2024: {max: 0.6}, 2025: {max: 0.6}}\n");
  ASSERT_EQ(spec.optimise.levers[0].first_year, 2u);
  const std::size_t ns = spec.sectors.size();
  const auto plan_funds = spec.model_block.get()->lever_settings()[0];
  OptimiseOptions o = software_va(1);
  o.budget.reset();
  const OptimiseResult r = optimise(spec, nullptr, o);
  const auto& funds = r.optimum[0];
  for (std::size_t s = 0; s < ns; ++s)
    EXPECT_EQ(funds.amounts[ns + s], plan_funds.amounts[ns + s]) << "2023 is kept exactly";
  EXPECT_NEAR(year_total(funds, ns, 2) + year_total(funds, ns, 3), 25.0, 1e-12);
  EXPECT_LE(year_total(funds, ns, 2), 15.0 * (1 + 1e-9));
  EXPECT_LE(year_total(funds, ns, 3), 15.0 * (1 + 1e-9));
  // The fund acts a year after it is spent: 2025 value added gains from
  // 2024's money, all of it to software & IT and as much as the bound allows.
  const std::size_t sw = sector_index(spec, "software_it");
  EXPECT_NEAR(funds.amounts[2 * ns + sw], 15.0, 15.0 * 1e-6);
  EXPECT_EQ(r.budget, 25.0);

  // The plan's own year bounds (shares of three years) do not fit two.
  try {
    plan_with(dir_, "optimise: {levers: {funds: {from: 2024}}}\n");
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "optimise.levers.funds: the years' bounds admit no split of the total: their "
                  "largest shares sum to 0.8, below 1"),
              std::string::npos)
        << e.what();
  }
}

// The scenario's `optimise:` block is read like the rest of the file:
// every error names file:line:col and the key.
TEST_F(OptimiseBounds, BadBoundsAreRefusedAtTheirLine) {
  auto errors = [&](const std::string& optimise) {
    try {
      plan_with(dir_, optimise);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string at = file("bounded.yaml") + ":";
  EXPECT_EQ(errors("optimise:\n  levers:\n    fund: {}\n"),
            at + "4:5: optimise.levers.fund: the sector_growth model has no lever 'fund' (did you "
                 "mean 'funds'?); its levers: funds, space, land");
  EXPECT_EQ(errors("optimise:\n  levers:\n    space:\n      sector_share: {max: 0.5}\n"),
            at + "5:21: optimise.levers.space.sector_share: 'space' goes to sectors by its "
                 "allocation, which optimise keeps; bound its years (year_share, years)");
  EXPECT_EQ(errors("optimise:\n  levers:\n    land:\n      years: {2023: {min: 0.5, max: 0.2}}\n"),
            at + "5:21: optimise.levers.land.years.2023: min 0.5 is above max 0.2");
  EXPECT_EQ(errors("optimise:\n  levers:\n    land:\n      years: {2030: {max: 0.5}}\n"),
            at + "5:15: optimise.levers.land.years.2030: year must be in 2023..2025 (got 2030)");
  EXPECT_EQ(errors("optimise:\n  levers:\n    funds:\n      sectors: {banking: {max: 0.3}}\n"),
            at + "5:17: optimise.levers.funds.sectors.banking: unknown sector 'banking'");
  EXPECT_EQ(errors("optimise:\n  levers:\n    funds:\n      total: -3\n"),
            at + "5:14: optimise.levers.funds.total: must be > 0 (got -3)");
  EXPECT_EQ(errors("optimise:\n  levers:\n    funds:\n      year_share: {max: 1.5}\n"),
            at + "5:25: optimise.levers.funds.year_share.max: must be in [0, 1] (got 1.5)");
  EXPECT_EQ(errors("optimise:\n  lever: {funds: {}}\n"),
            at + "3:3: optimise.lever: unknown key 'lever' (did you mean 'levers'?)");
  // Files of their own: the plan's levers and bounds would be inherited.
  auto own = [&](const std::string& optimise) {
    std::ofstream(file("own.yaml")) << "extends: " << LUOHU << "baseline.yaml\n" << optimise;
    try {
      models::load_scenario(file("own.yaml"));
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string own_at = file("own.yaml") + ":";
  EXPECT_EQ(own("optimise:\n  levers: {}\n"),
            own_at + "3:11: optimise.levers: name at least one lever to choose");
  EXPECT_EQ(own("optimise:\n  levers:\n    funds:\n      sector_share: {min: 0.2}\n"),
            own_at +
                "5:7: optimise.levers.funds: the sectors' bounds admit no split of the "
                "total: their least shares sum to 2, above 1");
  EXPECT_EQ(own("optimise:\n  levers:\n    funds:\n      year_share: {max: 0.3}\n"),
            own_at +
                "5:7: optimise.levers.funds: the years' bounds admit no split of the total: "
                "their largest shares sum to 0.9, below 1");
  EXPECT_EQ(own("optimise:\n  levers:\n    funds:\n      sector_share: {min: 0.2}\n"
                "      sectors: {finance: {max: 0.1}}\n"),
            own_at + "6:26: optimise.levers.funds.sectors.finance: min 0.2 is above max 0.1");
  EXPECT_EQ(own("optimise: {levers: [funds]}\n"),
            own_at + "2:20: optimise.levers: expected a mapping, got a list");
}

// Under --strict a bound needs its source or estimate like any number.
TEST_F(OptimiseBounds, StrictProvenanceAsksForTheBoundsSource) {
  const auto path = dir_ / "bounded.yaml";
  std::ofstream(path) << "extends: " << PLAN
                      << "\noptimise:\n  levers:\n    land:\n      year_share: {max: 0.5}\n";
  config::LoadOptions strict;
  strict.strict_provenance = true;
  try {
    models::load_scenario(path.string(), strict);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("optimise.levers.land.year_share.max"), std::string::npos)
        << e.what();
  }
  std::ofstream(path) << "extends: " << PLAN
                      << "\noptimise:\n  levers:\n    land:\n      year_share: {max: 0.5}\n"
                         "      estimate: a test's bound\n";
  EXPECT_NO_THROW(models::load_scenario(path.string(), strict));
}

// The benefit-cost ratio against the baseline (MODEL.md 8.3): the search
// raises it on its own draws, the values are the ratios `compare` reports,
// and the optimum keeps the budget and bounds.
TEST(Optimise, BenefitCostRatioAgainstTheBaselineRisesWithinTheBounds) {
  const auto spec = models::load_scenario(PLAN);
  const auto baseline = models::load_scenario(LUOHU + "baseline.yaml");
  const OptimiseResult r = optimise(spec, &baseline, options("bcr", 400, 25, 2));
  EXPECT_EQ(r.unit, "1");
  ASSERT_TRUE(std::isfinite(r.in_sample_start.value));
  ASSERT_TRUE(std::isfinite(r.fresh_optimum.value));
  EXPECT_GE(r.in_sample_optimum.value, r.in_sample_start.value);
  EXPECT_TRUE(std::isnan(r.improvement.se)) << "a ratio's paired error is not stated";
  EXPECT_EQ(r.improvement.value, r.fresh_optimum.value - r.fresh_start.value);
  const std::size_t ns = spec.sectors.size();
  EXPECT_NEAR(r.optimum[0].total(), 30.0, 1e-12);
  for (std::size_t y = 1; y < 4; ++y)
    EXPECT_LE(year_total(r.optimum[0], ns, y), 12.0 * (1 + 1e-9)) << y;
  // The start's ratio is the one `compare` of the plan against the baseline states.
  run::RunOptions ro;
  ro.overrides.draws = 400;
  ro.overrides.seed = spec.run.seed;
  const auto compared = run::compare_scenarios({baseline, spec}, 0, ro);
  ASSERT_TRUE(compared.comparisons[0].appraisal.has_value());
  EXPECT_EQ(compared.comparisons[0].appraisal->bcr, r.in_sample_start.value);
}

class OptimiseCli : public testing::ScratchDirTest {};

// The number after `marker` in `text`, as written (17 significant digits).
double number_after(const std::string& text, const std::string& marker) {
  const auto at = text.find(marker);
  if (at == std::string::npos) return std::nan("");
  return std::strtod(text.c_str() + at + marker.size(), nullptr);
}

// The file optimise writes: `run` reproduces the fresh-draw value it
// states bit for bit, and `compare` accepts it beside the plan.
TEST_F(OptimiseCli, WrittenFileReproducesTheFreshValueAndRunAndCompareAcceptIt) {
  const std::string out = file("opt.yaml");
  const auto r = testing::sh(CLI + " optimise " + PLAN +
                             " --objective prob:service_va --levers funds,space --draws 1000 "
                             "--fresh-draws 1500 --fresh-seed 77 --max-evaluations 30 -t 2 -o " +
                             out);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("search on the smoothed indicator"), std::string::npos) << r.out;
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  const double stated = number_after(text.str(), "of seed 77 it gives ");
  ASSERT_TRUE(std::isfinite(stated)) << text.str();

  const auto spec = models::load_scenario(out);
  EXPECT_EQ(spec.name, "plan-2022-2025-optimum");
  const auto plan = models::load_scenario(PLAN);
  EXPECT_NEAR(spec.model_block.get()->lever_settings()[0].total(), 30.0, 1e-12);
  EXPECT_EQ(spec.model_block.get()->lever_settings()[1].total(),
            plan.model_block.get()->lever_settings()[1].total())
      << "space keeps the plan's total";
  run::RunOptions ro;
  ro.overrides.draws = 1500;
  ro.overrides.seed = 77;
  const run::RunOutcome ran = run::run_scenario(spec, ro);
  double p = std::nan("");
  for (const auto& t : ran.result.targets)
    if (t.spec.id == "service_va") p = t.in_year.p;
  EXPECT_EQ(p, stated) << "sectorsim run of the file gives the value it states";

  const auto run_cli =
      testing::sh(CLI + " run " + out + " --draws 500 --no-paths -o " + file("o.h5"));
  EXPECT_EQ(run_cli.status, 0) << run_cli.out;
  const auto compare =
      testing::sh(CLI + " compare " + PLAN + " " + out + " --draws 500 -o " + file("c.h5"));
  EXPECT_EQ(compare.status, 0) << compare.out;

  // Not over the file without --overwrite.
  const auto again =
      testing::sh(CLI + " optimise " + PLAN +
                  " --objective prob:service_va --draws 200 --max-evaluations 2 -o " + out);
  EXPECT_EQ(again.status, 2) << again.out;
  EXPECT_NE(again.out.find(out + ": exists"), std::string::npos) << again.out;
  const auto lever =
      testing::sh(CLI + " optimise " + PLAN + " --objective prob:service_va --levers bonds -o " +
                  file("b.yaml"));
  EXPECT_EQ(lever.status, 2) << lever.out;
  EXPECT_NE(lever.out.find("--levers: the sector_growth model has no lever 'bonds'"),
            std::string::npos)
      << lever.out;
  const auto budget = testing::sh(CLI + " optimise " + PLAN +
                                  " --objective prob:service_va --budget -1 -o " + file("b.yaml"));
  EXPECT_EQ(budget.status, 2) << budget.out;
  EXPECT_NE(budget.out.find("--budget must be > 0 (got -1)"), std::string::npos) << budget.out;
  EXPECT_FALSE(std::filesystem::exists(file("b.yaml")));
}

}  // namespace
}  // namespace sectorsim::analysis
