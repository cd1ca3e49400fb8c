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

OptimiseOptions software_va(double max_share, int threads) {
  OptimiseOptions o;
  o.objective = parse_objective("mean:va.software_it@2025");
  o.budget = 30;
  o.max_sector_share = max_share;
  o.draws = 1000;
  o.fresh_draws = 1000;
  o.max_evaluations = 150;
  o.threads = threads;
  return o;
}

// Software & IT's value added grows with the funds it gets (fund leverage
// > 0 in every draw) and with no other sector's: the optimum gives it all
// the budget, or as much as --max-sector-share allows.
TEST(Optimise, OneSectorsValueAddedTakesAllTheBoundAllows) {
  const auto spec = models::load_scenario(PLAN);
  const std::size_t ns = spec.sectors.size();
  const std::size_t sw = sector_index(spec, "software_it");
  ASSERT_LT(sw, ns);
  for (double max_share : {1.0, 0.4}) {
    const OptimiseResult r = optimise(spec, nullptr, software_va(max_share, 2));
    ASSERT_EQ(r.optimum.size(), 1u);
    const auto& funds = r.optimum[0];
    EXPECT_EQ(funds.key, "funds");
    EXPECT_NEAR(funds.total(), 30.0, 1e-12) << "the budget is kept";
    EXPECT_NEAR(sector_total(funds, ns, sw), 30.0 * max_share, 30.0 * 1e-6) << max_share;
    for (std::size_t s = 0; s < ns; ++s)
      EXPECT_LE(sector_total(funds, ns, s), 30.0 * max_share * (1 + 1e-9)) << spec.sectors[s].id;
    EXPECT_EQ(funds.amounts[sw], 0.0) << "the base year takes no amount";
    // The optimum beats the plan's own mix on the search draws and on fresh ones.
    EXPECT_GT(r.in_sample_optimum.value, r.in_sample_start.value);
    EXPECT_GT(r.improvement.value, 0);
    EXPECT_GT(r.evaluations, 10);
  }
}

TEST(Optimise, SameOptimumOnAnyThreadCount) {
  const auto spec = models::load_scenario(PLAN);
  OptimiseOptions o = software_va(0.5, 1);
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
  OptimiseOptions o = software_va(1, 1);
  o.objective = parse_objective("prob:nope");
  EXPECT_EQ(input_error(spec, o).substr(0, 62),
            "--objective: the scenario has no target 'nope' (its targets: s");
  o = software_va(1, 1);
  o.budget = 0;
  EXPECT_EQ(input_error(spec, o), "--budget must be > 0 (got 0)");
  o.budget = -3;
  EXPECT_EQ(input_error(spec, o), "--budget must be > 0 (got -3)");
  o = software_va(1, 1);
  o.levers = {"funds", "bonds"};
  EXPECT_EQ(input_error(spec, o),
            "--levers: the sector_growth model has no lever 'bonds' (its levers: funds, space, "
            "land)");
  o = software_va(0.05, 1);
  EXPECT_EQ(input_error(spec, o),
            "--min-sector-share 0 and --max-sector-share 0.05 admit no split of the funds across "
            "10 sectors");
  o = software_va(1, 1);
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
