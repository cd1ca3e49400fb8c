// Levers as a caller changes them (engine/spec/levers.hpp): the Luohu plan's
// settings read back as its file states them, set_lever's refusals with their
// exact text, and the overlay file (engine/config/lever_overlay) that, read
// back, gives the very amounts that were set, bit for bit, and so the same
// run. The reference for every "same" is the plan file or a run of another
// spec, never the object compared.
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/config/lever_overlay.hpp"
#include "engine/run/run.hpp"
#include "models/registry.hpp"
#include "models/sector_growth/sector_growth_spec.hpp"
#include "shell.hpp"

namespace sectorsim {
namespace {

const std::string LUOHU = std::string(SECTORSIM_SOURCE_DIR) + "/scenarios/luohu/";

class LeverTest : public testing::ScratchDirTest {};

std::vector<core::LeverSetting> settings_of(const core::ScenarioSpec& spec) {
  return spec.model_block.get()->lever_settings();
}

TEST(Levers, SectorGrowthDeclaresFundsSpaceAndLand) {
  const auto& d = models::sector_growth_declaration();
  ASSERT_EQ(d.levers.size(), 3u);
  EXPECT_EQ(d.levers[0].key, "funds");
  EXPECT_EQ(d.levers[0].shape, core::LeverShape::YearBySector);
  EXPECT_EQ(d.levers[1].key, "space");
  EXPECT_EQ(d.levers[2].key, "land");
  EXPECT_EQ(d.levers[2].shape, core::LeverShape::YearsWithAllocation);
}

// plan-2022-2025.yaml: 30亿 of funds split 0.30/0.35/0.35 over 2023–2025 and
// 22% to finance; 300万㎡ of space, 90万㎡ in 2023; 120万㎡ of land, 20% of
// its floor space... allocation 0.25 to software_it.
TEST(Levers, PlanSettingsAreWhatItsFileStates) {
  const auto spec = models::load_scenario(LUOHU + "plan-2022-2025.yaml");
  const auto settings = settings_of(spec);
  ASSERT_EQ(settings.size(), 3u);
  const std::size_t ns = spec.sectors.size();
  const std::size_t ny = static_cast<std::size_t>(spec.n_years());
  ASSERT_EQ(settings[0].amounts.size(), ny * ns);
  EXPECT_NEAR(settings[0].total(), 30.0, 1e-12);
  std::size_t finance = ns;
  std::size_t software = ns;
  for (std::size_t s = 0; s < ns; ++s) {
    if (spec.sectors[s].id == "finance") finance = s;
    if (spec.sectors[s].id == "software_it") software = s;
  }
  ASSERT_LT(finance, ns);
  ASSERT_LT(software, ns);
  EXPECT_DOUBLE_EQ(settings[0].amounts[1 * ns + finance], 30 * 0.30 * 0.22);
  EXPECT_NEAR(settings[1].total(), 300.0, 1e-12);
  EXPECT_DOUBLE_EQ(settings[1].amounts[1], 300 * 0.30);
  EXPECT_NEAR(settings[2].total(), 120.0, 1e-12);
  EXPECT_DOUBLE_EQ(settings[2].allocation[software], 0.25);
}

TEST(Levers, SetLeverRefusesWhatTheModelCannotRun) {
  auto spec = models::load_scenario(LUOHU + "plan-2022-2025.yaml");
  core::ModelBlock& block = *spec.model_block.get();
  const auto settings = block.lever_settings();
  auto message = [&](core::LeverSetting s) {
    try {
      block.set_lever(s);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  core::LeverSetting bad = settings[0];
  bad.key = "bonds";
  EXPECT_EQ(message(bad),
            "the sector_growth model has no lever 'bonds' (its levers: funds, space, land)");
  bad = settings[0];
  bad.amounts.pop_back();
  EXPECT_EQ(message(bad), "lever 'funds': needs 40 amounts (4 years by 10 sectors), got 39");
  bad = settings[1];
  bad.amounts[2] = -1;
  EXPECT_EQ(message(bad), "lever 'space': amounts must be finite and >= 0");
  bad = settings[1];
  bad.amounts[0] = 5;
  EXPECT_EQ(message(bad), "lever 'space': the base year takes no amount");
  bad = settings[2];
  bad.allocation[0] += 0.5;
  EXPECT_EQ(message(bad).substr(0, 40), "lever 'land': the allocation's shares su");
  bad = settings[1];
  bad.allocation.pop_back();
  EXPECT_EQ(message(bad), "lever 'space': needs an allocation of 10 shares, got 9");
}

// A changed mix written as an overlay and read back gives the amounts set,
// bit for bit, and the run of the file equals the run of the changed spec.
TEST_F(LeverTest, OverlayReadBackGivesTheAmountsSetAndTheSameRun) {
  const std::string plan = LUOHU + "plan-2022-2025.yaml";
  auto changed = models::load_scenario(plan);
  core::ModelBlock& block = *changed.model_block.get();
  auto settings = block.lever_settings();
  const std::size_t ns = changed.sectors.size();
  // Funds: a third more in 2024, spread unevenly (values with no short
  // decimal form); space: none in 2023; land unchanged but restated.
  for (std::size_t s = 0; s < ns; ++s)
    settings[0].amounts[2 * ns + s] = settings[0].amounts[2 * ns + s] * 4.0 / 3.0 + 0.1 / 3.0;
  settings[1].amounts[1] = 0;
  settings[1].allocation.assign(ns, 1.0 / static_cast<double>(ns));
  for (const auto& s : settings)
    block.set_lever(s);

  config::LeverOverlay o;
  o.extends = plan;
  o.name = "plan-variant";
  o.description = "a \"variant\" of the plan\nwith funds moved";
  o.estimate = "chosen by the test";
  o.base_year = changed.base_year;
  for (const auto& sec : changed.sectors)
    o.sector_ids.push_back(sec.id);
  o.decls = models::sector_growth_declaration().levers;
  o.settings = settings;
  const std::string path = file("variant.yaml");
  std::ofstream(path) << config::lever_overlay_yaml(o);
  config::LoadOptions strict;
  strict.strict_provenance = true;
  const auto read = models::load_scenario(path, strict);
  EXPECT_EQ(read.name, "plan-variant");
  const auto back = settings_of(read);
  ASSERT_EQ(back.size(), settings.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].amounts, settings[i].amounts) << back[i].key;
    EXPECT_EQ(back[i].allocation, settings[i].allocation) << back[i].key;
  }

  run::RunOptions ro;
  ro.overrides.draws = 2000;
  ro.overrides.seed = 11;
  const auto a = run::run_scenario(changed, ro);
  const auto b = run::run_scenario(read, ro);
  const auto original = run::run_scenario(models::load_scenario(plan), ro);
  ASSERT_FALSE(a.result.summaries.empty());
  for (std::size_t c = 0; c < a.result.summaries.size(); ++c) {
    EXPECT_EQ(a.result.summaries[c].stats, b.result.summaries[c].stats) << c;
  }
  // And the change moved something: the variant is not the plan.
  bool moved = false;
  for (std::size_t c = 0; c < a.result.summaries.size(); ++c)
    moved = moved || a.result.summaries[c].stats != original.result.summaries[c].stats;
  EXPECT_TRUE(moved);
}

TEST_F(LeverTest, ALeverSetToNothingIsRemoved) {
  const std::string plan = LUOHU + "plan-2022-2025.yaml";
  auto spec = models::load_scenario(plan);
  auto settings = settings_of(spec);
  std::fill(settings[2].amounts.begin(), settings[2].amounts.end(), 0.0);
  config::LeverOverlay o;
  o.extends = plan;
  o.name = "no-land";
  o.description = "the plan without its land";
  o.estimate = "test";
  o.base_year = spec.base_year;
  for (const auto& sec : spec.sectors)
    o.sector_ids.push_back(sec.id);
  o.decls = models::sector_growth_declaration().levers;
  o.settings = {settings[2]};
  const std::string text = config::lever_overlay_yaml(o);
  EXPECT_NE(text.find("  land: ~\n"), std::string::npos) << text;
  const std::string path = file("no-land.yaml");
  std::ofstream(path) << text;
  const auto back = settings_of(models::load_scenario(path));
  EXPECT_EQ(back[2].total(), 0.0);
  EXPECT_EQ(back[0].amounts, settings[0].amounts);
}

TEST(Levers, QuotedStringsEscape) {
  EXPECT_EQ(config::yaml_quoted("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
  EXPECT_EQ(config::yaml_quoted("罗湖"), "\"罗湖\"");
}

}  // namespace
}  // namespace sectorsim
