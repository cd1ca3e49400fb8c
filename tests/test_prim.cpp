// PRIM (engine/stats/prim.hpp): the statistics of a box and the peels of a
// small example worked by hand, a planted box recovered within a peel step,
// the stability check on it, and the same result on any thread count; then
// `sectorsim discover` on the Luohu plan: the same draws as a run, its file
// read back, its command line.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "engine/analysis/discover.hpp"
#include "engine/io/discover_io.hpp"
#include "engine/io/output_target.hpp"
#include "engine/run/errors.hpp"
#include "engine/run/run.hpp"
#include "engine/stats/prim.hpp"
#include "models/registry.hpp"
#include "shell.hpp"

namespace sectorsim::core {
namespace {

constexpr double INF = std::numeric_limits<double>::infinity();

// Ten points on one input, x = 0..9, cases at x = 2, 3, 4, 7, 8. The box
// (1.5, 5.5) holds x = 2..5: 4 points, 3 cases; coverage 3/5, density 3/4,
// mass 4/10 (hand computation).
TEST(Prim, BoxStatisticsByHand) {
  PrimData data;
  data.n = 10;
  data.d = 1;
  for (int i = 0; i < 10; ++i)
    data.x.push_back(i);
  data.case_flag = {0, 0, 1, 1, 1, 0, 0, 1, 1, 0};
  PrimBox box;
  box.low = {1.5};
  box.high = {5.5};
  fill_box_statistics(data, box);
  EXPECT_EQ(box.points, 4u);
  EXPECT_EQ(box.cases, 3u);
  EXPECT_EQ(box.coverage, 3.0 / 5.0);
  EXPECT_EQ(box.density, 3.0 / 4.0);
  EXPECT_EQ(box.mass, 4.0 / 10.0);
}

// Twenty points x = 0..19, cases where x >= 10. With alpha = 0.1 the first
// peel removes the two lowest points (floor(0.1 * 20) = 2): cases left 10
// of 18, against 8 of 18 for the two highest; its bound is halfway between
// 1 and 2. Each later peel removes one point (floor(0.1 * m) = 1 for
// m < 20) from below, until the box holds x = 10..19 alone: density 1,
// where peeling stops. The box chosen (the highest 2 c / (C + p): 20 / 20
// there, 20 / 21 a step before) is that last one: (9.5, inf),
// coverage 1, density 1, mass 1/2 (hand computation).
TEST(Prim, PeelsByHand) {
  PrimData data;
  data.n = 20;
  data.d = 1;
  for (int i = 0; i < 20; ++i) {
    data.x.push_back(i);
    data.case_flag.push_back(i >= 10 ? 1 : 0);
  }
  PrimOptions o;
  o.alpha = 0.1;
  o.resamples = 0;
  const PrimResult r = prim(data, o);
  ASSERT_EQ(r.trajectory.size(), 10u);  // the whole space and 9 peels
  EXPECT_EQ(r.trajectory[0].coverage, 1.0);
  EXPECT_EQ(r.trajectory[0].density, 0.5);
  EXPECT_EQ(r.trajectory[1].low[0], 1.5);
  EXPECT_EQ(r.trajectory[1].high[0], INF);
  EXPECT_EQ(r.trajectory[1].points, 18u);
  EXPECT_EQ(r.trajectory[1].density, 10.0 / 18.0);
  EXPECT_EQ(r.trajectory[1].mass, 0.9);
  EXPECT_EQ(r.trajectory[2].low[0], 2.5);
  EXPECT_EQ(r.chosen, 9u);
  EXPECT_EQ(r.box.low[0], 9.5);
  EXPECT_EQ(r.box.high[0], INF);
  EXPECT_EQ(r.box.coverage, 1.0);
  EXPECT_EQ(r.box.density, 1.0);
  EXPECT_EQ(r.box.mass, 0.5);
  EXPECT_TRUE(r.restricted[0]);
  EXPECT_EQ(r.cases, 10u);
  EXPECT_EQ(r.base_density, 0.5);
}

// Cases are the points of the box x0 < 0.5, x1 > 0.3 among 20 000 uniform
// points in 5 dimensions, with 5% of the labels flipped at random.
PrimData planted(std::uint64_t seed) {
  PrimData data;
  data.n = 20000;
  data.d = 5;
  data.x.resize(data.n * data.d);
  std::mt19937_64 rng(seed);
  auto u = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  for (auto& v : data.x)
    v = u();
  for (std::size_t i = 0; i < data.n; ++i) {
    bool in = data.x[i] < 0.5 && data.x[data.n + i] > 0.3;
    if (u() < 0.05) in = !in;
    data.case_flag.push_back(in ? 1 : 0);
  }
  return data;
}

// A peel moves alpha = 5% of the box's points: on a uniform input whose
// range in the box is at most 1 wide, at most 0.05 of its range. The
// planted ends must be found within that, and no other input restricted.
TEST(Prim, RecoversAPlantedBoxWithinAPeelStep) {
  const PrimData data = planted(7);
  PrimOptions o;
  o.resamples = 20;
  o.threads = 2;
  const PrimResult r = prim(data, o);
  const double step = 0.05;
  EXPECT_NEAR(r.box.high[0], 0.5, step) << "x0's upper end";
  EXPECT_NEAR(r.box.low[1], 0.3, step) << "x1's lower end";
  EXPECT_EQ(r.box.low[0], -INF);
  EXPECT_EQ(r.box.high[1], INF);
  for (std::size_t j = 2; j < 5; ++j) {
    EXPECT_FALSE(r.restricted[j]) << "x" << j << " restricted: (" << r.box.low[j] << ", "
                                  << r.box.high[j] << ")";
  }
  // The planted box holds 35% of the points; its cases are 95% of its
  // points and 0.95 * 0.35 / (0.95 * 0.35 + 0.05 * 0.65) = 91% of all cases.
  EXPECT_GT(r.box.density, 0.9);
  EXPECT_GT(r.box.coverage, 0.8);
  // Every resample's box restricts the planted inputs; the held-out
  // points see about the box's coverage and density.
  EXPECT_GE(r.stability.restricted_share[0], 0.95);
  EXPECT_GE(r.stability.restricted_share[1], 0.95);
  for (std::size_t j = 2; j < 5; ++j)
    EXPECT_LE(r.stability.restricted_share[j], 0.2) << "x" << j;
  EXPECT_NEAR(r.stability.coverage_mean, r.box.coverage, 0.05);
  EXPECT_NEAR(r.stability.density_mean, r.box.density, 0.05);
}

TEST(Prim, SameResultOnAnyThreadCount) {
  const PrimData data = planted(11);
  PrimOptions o;
  o.resamples = 8;
  o.threads = 1;
  const PrimResult a = prim(data, o);
  o.threads = 4;
  const PrimResult b = prim(data, o);
  ASSERT_EQ(a.trajectory.size(), b.trajectory.size());
  for (std::size_t s = 0; s < a.trajectory.size(); ++s) {
    EXPECT_EQ(a.trajectory[s].low, b.trajectory[s].low);
    EXPECT_EQ(a.trajectory[s].high, b.trajectory[s].high);
    EXPECT_EQ(a.trajectory[s].points, b.trajectory[s].points);
  }
  EXPECT_EQ(a.box.low, b.box.low);
  EXPECT_EQ(a.box.high, b.box.high);
  EXPECT_EQ(a.stability.restricted_share, b.stability.restricted_share);
  EXPECT_EQ(a.stability.coverage_mean, b.stability.coverage_mean);
  EXPECT_EQ(a.stability.density_sd, b.stability.density_sd);
  // Another seed resamples other points.
  o.seed = 2;
  const PrimResult c = prim(data, o);
  EXPECT_NE(a.stability.coverage_mean, c.stability.coverage_mean);
}

TEST(Prim, RefusesBadOptions) {
  PrimData data;
  data.n = 2;
  data.d = 1;
  data.x = {0, 1};
  data.case_flag = {0, 1};
  PrimOptions o;
  o.alpha = 0.5;
  try {
    prim(data, o);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "PRIM: alpha must be in (0, 0.5) (got 0.500000)");
  }
  o.alpha = 0.05;
  o.min_mass = 0;
  EXPECT_THROW(prim(data, o), std::invalid_argument);
  o.min_mass = 0.05;
  data.x[1] = std::nan("");
  EXPECT_THROW(prim(data, o), std::invalid_argument);
}

}  // namespace
}  // namespace sectorsim::core

// ---------------------------------------------------------------------------
// `sectorsim discover` (engine/analysis/discover, engine/io/discover_io).

namespace sectorsim::analysis {
namespace {

const std::string LUOHU = std::string(SECTORSIM_SOURCE_DIR) + "/scenarios/luohu/";
const std::string CLI = SECTORSIM_CLI;

DiscoverOptions small(int threads) {
  DiscoverOptions o;
  o.target = "service_va";
  o.draws = 4000;
  o.prim.resamples = 4;
  o.threads = threads;
  return o;
}

// The cases are the draws `sectorsim run` counts as missing the target
// (the run's own count is the reference), and the result does not depend
// on the thread count.
TEST(Discover, CasesAreTheRunsMissesOnAnyThreadCount) {
  const auto spec = models::load_scenario(LUOHU + "plan-2022-2025.yaml");
  const core::Discovery one = discover(spec, small(1));
  const core::Discovery two = discover(spec, small(2));
  run::RunOptions ro;
  ro.overrides.draws = 4000;
  const run::RunOutcome ran = run::run_scenario(spec, ro);
  std::uint64_t met = 0;
  for (const auto& t : ran.result.targets)
    if (t.spec.id == "service_va") met = t.in_year.met;
  EXPECT_EQ(one.result.cases, 4000 - met);
  EXPECT_EQ(one.draws, 4000u);
  EXPECT_EQ(one.seed, spec.run.seed);
  EXPECT_EQ(one.result.box.low, two.result.box.low);
  EXPECT_EQ(one.result.box.high, two.result.box.high);
  EXPECT_EQ(one.result.stability.restricted_share, two.result.stability.restricted_share);
  // Only uncertain parameters are inputs, with their declared units.
  ASSERT_FALSE(one.inputs.empty());
  ASSERT_EQ(one.units.size(), one.inputs.size());
  for (std::size_t j = 0; j < one.inputs.size(); ++j) {
    if (one.inputs[j] == "price_growth" || one.inputs[j] == "finance.tfp_growth") {
      EXPECT_EQ(one.units[j], "1/yr") << one.inputs[j];
    }
  }
  // Meeting instead of missing swaps the cases.
  DiscoverOptions meet = small(2);
  meet.meet = true;
  EXPECT_EQ(discover(spec, meet).result.cases, met);
}

TEST(Discover, RefusesAnUnknownTarget) {
  const auto spec = models::load_scenario(LUOHU + "plan-2022-2025.yaml");
  DiscoverOptions o = small(1);
  o.target = "gdp";
  std::string ids;
  for (const auto& t : spec.targets)
    ids += (ids.empty() ? "" : ", ") + t.id;
  ASSERT_EQ(ids.rfind("service_va, modern_producer_share, ", 0), 0u) << ids;
  try {
    discover(spec, o);
    FAIL() << "no error";
  } catch (const run::InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--target: the scenario has no target 'gdp' (its targets: " + ids + ")");
  }
}

class DiscoverIo : public testing::ScratchDirTest {};

// Written and read back (through the HDF5 reader, not the object written),
// the discovery is the same: trajectory, box, stability.
TEST_F(DiscoverIo, ReadBackGivesWhatWasWritten) {
  const auto spec = models::load_scenario(LUOHU + "plan-2022-2025.yaml");
  const core::Discovery d = discover(spec, small(2));
  const std::string path = file("d.h5");
  io::write_discovery_file(path, d, {}, false, "sectorsim discover test");
  const auto back = io::read_discoveries(path);
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->size(), 1u);
  const core::Discovery& r = back->front();
  EXPECT_EQ(r.target, "service_va");
  EXPECT_EQ(r.condition, d.condition);
  EXPECT_EQ(r.inputs, d.inputs);
  EXPECT_EQ(r.units, d.units);
  EXPECT_EQ(r.result.chosen, d.result.chosen);
  ASSERT_EQ(r.result.trajectory.size(), d.result.trajectory.size());
  for (std::size_t s = 0; s < d.result.trajectory.size(); ++s) {
    EXPECT_EQ(r.result.trajectory[s].coverage, d.result.trajectory[s].coverage);
    EXPECT_EQ(r.result.trajectory[s].density, d.result.trajectory[s].density);
    EXPECT_EQ(r.result.trajectory[s].mass, d.result.trajectory[s].mass);
    EXPECT_EQ(r.result.trajectory[s].low, d.result.trajectory[s].low);
  }
  EXPECT_EQ(r.result.box.low, d.result.box.low);
  EXPECT_EQ(r.result.box.high, d.result.box.high);
  EXPECT_EQ(r.result.restricted, d.result.restricted);
  EXPECT_EQ(r.result.box.coverage, d.result.box.coverage);
  EXPECT_EQ(r.result.stability.restricted_share, d.result.stability.restricted_share);
  EXPECT_EQ(core::box_conditions(r), core::box_conditions(d));
  // A second write without overwrite is refused and leaves the file alone.
  const auto before = std::filesystem::last_write_time(path);
  EXPECT_THROW(io::write_discovery_file(path, d, {}, false, "again"), io::Refused);
  EXPECT_EQ(std::filesystem::last_write_time(path), before);
}

class DiscoverCli : public testing::ScratchDirTest {};

TEST_F(DiscoverCli, PrintsTheBoxWritesTheFilesAndRefusesToOverwrite) {
  const std::string out = file("d.h5");
  const std::string cmd = CLI + " discover " + LUOHU +
                          "plan-2022-2025.yaml --target service_va --draws 3000 --resamples 4 "
                          "-t 2 -o " +
                          out + " --csv " + file("csv");
  const auto r = testing::sh(cmd);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("cases miss service_va (service_va > 3000 in 2025)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("<- chosen"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stability over 4 bootstrap resamples"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(file("csv/trajectory.csv")));
  EXPECT_TRUE(std::filesystem::exists(file("csv/box.csv")));
  const auto again = testing::sh(cmd);
  EXPECT_EQ(again.status, 2) << again.out;
  EXPECT_NE(again.out.find(out + ": exists"), std::string::npos) << again.out;
  EXPECT_EQ(testing::sh(cmd + " --force").status, 0);
  // The report of the file: the trajectory chart and the box.
  const auto report = testing::sh(CLI + " report " + out + " -o " + file("d.html"));
  ASSERT_EQ(report.status, 0) << report.out;
  std::ifstream html_in(file("d.html"));
  std::stringstream html;
  html << html_in.rdbuf();
  EXPECT_NE(html.str().find("data-chart=\"prim-trajectory\""), std::string::npos);
  EXPECT_NE(html.str().find("The box (step "), std::string::npos);
  const auto bad =
      testing::sh(CLI + " discover " + LUOHU + "plan-2022-2025.yaml --target x -o " + file("x.h5"));
  EXPECT_EQ(bad.status, 2) << bad.out;
  EXPECT_NE(bad.out.find("--target: the scenario has no target 'x'"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(file("x.h5")));
  const auto alpha =
      testing::sh(CLI + " discover " + LUOHU +
                  "plan-2022-2025.yaml --target service_va --alpha 0.6 -o " + file("y.h5"));
  EXPECT_EQ(alpha.status, 2);
  EXPECT_NE(alpha.out.find("--alpha must be in (0, 0.5) (got 0.6)"), std::string::npos)
      << alpha.out;
}

}  // namespace
}  // namespace sectorsim::analysis
