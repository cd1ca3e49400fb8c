// Tests of the configuration layer: scenario YAML -> ScenarioSpec.
//
// Valid input: tests/data/config/minimal.yaml is compared with the loaded spec
// field by field (expected values are the numbers written in that file), and
// extends_derived.yaml checks the merge rules. Invalid input: each case is a
// small file written to a scratch directory next to a copy of minimal.yaml,
// usually extending it and breaking one thing; the exact message text is
// checked, positions included, with the scratch and data directories removed
// from file names.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/config/config_node.hpp"
#include "engine/config/scenario_loader.hpp"
#include "models/registry.hpp"
#include "models/sector_growth/sector_growth_spec.hpp"

namespace sectorsim::config {
namespace {

namespace fs = std::filesystem;
using Strings = std::vector<std::string>;

const fs::path DATA = fs::path(SECTORSIM_SOURCE_DIR) / "tests" / "data" / "config";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void replace_all(std::string* s, const std::string& from, const std::string& to) {
  for (std::size_t at = s->find(from); at != std::string::npos;
       at = s->find(from, at + to.size())) {
    s->replace(at, from.size(), to);
  }
}

void expect_prior(const core::Prior& p, core::Dist dist, const std::vector<double>& params) {
  EXPECT_EQ(p.dist(), dist);
  EXPECT_EQ(p.params(), params);
}

// A scratch directory holding a copy of minimal.yaml; cases extend it.
class ConfigFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("sectorsim_config_" + std::to_string(::getpid()) + "_" +
                                        info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy_file(DATA / "minimal.yaml", dir_ / "minimal.yaml");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }

  // File names in messages without the scratch or data directory.
  std::string relative(std::string message) const {
    replace_all(&message, dir_.string() + "/", "");
    replace_all(&message, DATA.string() + "/", "");
    return message;
  }

  Strings errors_of_file(const std::string& path, LoadOptions options = {}) const {
    try {
      models::load_scenario(path, options);
    } catch (const ConfigError& e) {
      Strings out;
      for (const auto& m : e.messages())
        out.push_back(relative(m));
      return out;
    }
    return {};
  }

  // Errors of loading `text` as case.yaml.
  Strings errors(const std::string& text, LoadOptions options = {}) const {
    return errors_of_file(write("case.yaml", text), options);
  }

  fs::path dir_;
};

// ---------------------------------------------------------------------------
// Valid scenarios

using ConfigValid = ConfigFixture;

TEST_F(ConfigValid, MinimalScenarioLoadsEveryField) {
  const std::string path = (DATA / "minimal.yaml").string();
  const core::ScenarioSpec s = models::load_scenario(path);

  EXPECT_EQ(s.name, "minimal-2sector");
  EXPECT_EQ(s.title_en, "Minimal scenario");
  EXPECT_EQ(s.title_zh, "最小情景");
  EXPECT_EQ(s.description, "Two sectors and every section of the schema.");
  EXPECT_EQ(s.base_year, 2022);
  EXPECT_EQ(s.end_year, 2025);
  EXPECT_EQ(s.n_years(), 4);

  EXPECT_EQ(s.region.id, "testville");
  EXPECT_EQ(s.region.name_en, "Testville");
  EXPECT_EQ(s.region.name_zh, "测试区");
  EXPECT_EQ(s.model, "sector_growth");  // default
  const models::SectorGrowthSpec& m = models::sector_growth(s);
  EXPECT_EQ(m.region.area_km2, 78.36);
  EXPECT_EQ(m.region.city_area_km2, 1997.47);
  EXPECT_EQ(m.region.city_base_gdp, 32387.68);
  EXPECT_EQ(m.region.pillar_threshold, 1000);  // default

  ASSERT_EQ(s.n_sectors(), 2);
  ASSERT_EQ(m.sectors.size(), 2u);
  EXPECT_EQ(s.sectors[0].id, "finance");
  EXPECT_EQ(s.sectors[0].name_en, "Finance");
  EXPECT_EQ(s.sectors[0].name_zh, "金融业");
  const models::SectorData& fin = m.sectors[0];
  EXPECT_TRUE(fin.service);
  EXPECT_TRUE(fin.modern);
  EXPECT_TRUE(fin.producer);
  EXPECT_FALSE(fin.modern_producer_weight.has_value());  // from the flags
  EXPECT_EQ(fin.base_va, 1200.5);
  EXPECT_EQ(fin.base_space, 350);
  EXPECT_EQ(fin.va_ratio, 0.8);
  EXPECT_EQ(s.sectors[1].id, "industry");
  const models::SectorData& ind = m.sectors[1];
  EXPECT_FALSE(ind.service);
  EXPECT_FALSE(ind.modern);
  EXPECT_FALSE(ind.producer);
  EXPECT_EQ(ind.base_va, 300);
  EXPECT_EQ(ind.base_space, 120);
  EXPECT_EQ(ind.va_ratio, 1);  // default

  // Per-sector overrides, then sector_defaults, then the employment zeros.
  expect_prior(fin.params.tfp_growth, core::Dist::Normal, {0.02, 0.01});
  expect_prior(ind.params.tfp_growth, core::Dist::Fixed, {0.01});
  expect_prior(fin.params.labour_growth, core::Dist::Fixed, {0.01});
  expect_prior(ind.params.labour_growth, core::Dist::Fixed, {0.0});
  for (const models::SectorData* sec : {&fin, &ind}) {
    const models::SectorParams& p = sec->params;
    expect_prior(p.capital_elasticity, core::Dist::Uniform, {0.25, 0.45});
    expect_prior(p.space_elasticity, core::Dist::Triangular, {0.05, 0.1, 0.2});
    expect_prior(p.labour_elasticity, core::Dist::Fixed, {0.0});
    expect_prior(p.depreciation, core::Dist::TruncatedNormal, {0.07, 0.02, 0.05, 0.1});
    expect_prior(p.capital_output, core::Dist::LogNormal, {0.8, 0.2});
    expect_prior(p.investment_rate, core::Dist::Beta, {2, 8, 0.1, 0.25});
    expect_prior(p.fund_leverage, core::Dist::Pert, {1, 2.5, 5, 4});
    expect_prior(p.space_growth, core::Dist::Fixed, {0.01});
    expect_prior(p.volatility, core::Dist::Fixed, {0.04});
    expect_prior(p.tax_rate, core::Dist::Fixed, {0.2});
  }

  const models::GlobalParams& g = m.globals;
  expect_prior(g.price_growth, core::Dist::Fixed, {0.02});
  expect_prior(g.shock_persistence, core::Dist::Uniform, {0, 0.5});
  expect_prior(g.city_real_growth, core::Dist::Fixed, {0.04});
  expect_prior(g.city_volatility, core::Dist::Fixed, {0.02});
  expect_prior(g.occupancy, core::Dist::Beta, {6, 2, 0, 1});
  expect_prior(g.plot_ratio, core::Dist::Fixed, {4});
  expect_prior(g.construction_lag, core::Dist::Fixed, {3});
  expect_prior(g.fund_lag, core::Dist::Fixed, {0.5});
  EXPECT_EQ(m.absorption, (std::vector<double>{0.4, 0.35, 0.25}));

  // Equicorrelation: sectors 0.4 pairwise, 0.5 with the city (last).
  const std::vector<std::vector<double>> corr = {{1, 0.4, 0.5}, {0.4, 1, 0.5}, {0.5, 0.5, 1}};
  EXPECT_EQ(m.correlation, corr);

  // Year index i = year - 2022; funds = total * by_year share * allocation share.
  const models::Levers& l = m.levers;
  ASSERT_EQ(l.funds.size(), 4u);
  EXPECT_EQ(l.funds[0], (std::vector<double>{0, 0}));
  EXPECT_EQ(l.funds[1], (std::vector<double>{10 * 0.5 * 0.75, 10 * 0.5 * 0.25}));
  EXPECT_EQ(l.funds[2], (std::vector<double>{10 * 0.3 * 0.75, 10 * 0.3 * 0.25}));
  EXPECT_EQ(l.funds[3], (std::vector<double>{10 * 0.2 * 0.75, 10 * 0.2 * 0.25}));
  EXPECT_EQ(l.space_release, (std::vector<double>{0, 20, 0, 0}));
  EXPECT_EQ(l.space_share, (std::vector<double>{1, 0}));
  EXPECT_EQ(l.land_release, (std::vector<double>{0, 0, 5, 0}));
  EXPECT_EQ(l.land_share, (std::vector<double>{0.5, 0.5}));

  EXPECT_TRUE(m.demand.enabled);
  EXPECT_EQ(m.demand.technical, (std::vector<std::vector<double>>{{0.1, 0.2}, {0.05, 0.3}}));
  EXPECT_EQ(m.demand.spend_share, 0.5);

  ASSERT_EQ(s.targets.size(), 2u);
  EXPECT_EQ(s.targets[0].id, "service_va");
  EXPECT_EQ(s.targets[0].label_en, "Service value added");
  EXPECT_EQ(s.targets[0].label_zh, "服务业增加值");
  EXPECT_EQ(s.targets[0].indicator, "service_va");
  EXPECT_EQ(s.targets[0].year, 2025);
  EXPECT_EQ(s.targets[0].op, core::Op::Greater);
  EXPECT_EQ(s.targets[0].threshold, 1500);
  EXPECT_FALSE(s.targets[0].relative_to_year.has_value());
  EXPECT_EQ(s.targets[1].id, "finance_double");
  EXPECT_EQ(s.targets[1].indicator, "va.finance");
  EXPECT_EQ(s.targets[1].op, core::Op::GreaterEqual);
  EXPECT_EQ(s.targets[1].threshold, 2);
  EXPECT_EQ(s.targets[1].relative_to_year, 2022);

  EXPECT_EQ(s.run.draws, 500u);
  EXPECT_EQ(s.run.seed, 42u);
  EXPECT_EQ(s.run.sampler, core::Sampler::LatinHypercube);

  ASSERT_EQ(s.files.size(), 1u);
  EXPECT_EQ(s.files[0].path, path);
  EXPECT_EQ(s.files[0].text, read_text(path));
}

TEST_F(ConfigValid, ProvenanceRecordsEveryNumberAsWritten) {
  const core::ScenarioSpec s = models::load_scenario((DATA / "minimal.yaml").string());
  const auto find = [&](const std::string& key) -> core::Provenance {
    for (const auto& p : s.provenance) {
      if (p.key == key) return p;
    }
    ADD_FAILURE() << "no provenance for " << key;
    return {};
  };
  const auto expect = [&](const std::string& key, const std::string& value, const std::string& kind,
                          const std::string& note) {
    const core::Provenance p = find(key);
    EXPECT_EQ(p.value, value) << key;
    EXPECT_EQ(p.kind, kind) << key;
    EXPECT_EQ(p.note, note) << key;
  };
  // Documented by an ancestor mapping, by the number's own mapping, and by
  // the prior's own estimate.
  expect("region.area_km2", "78.36", "source", "Test yearbook 2023, table 1-1");
  expect("region.city_base_gdp", "32387.68", "source", "City statistical bulletin 2022");
  expect("sectors.finance.params.tfp_growth", "normal(mean=0.02, sd=0.01)", "estimate",
         "trend 2015-2022");
  expect("sector_defaults.capital_elasticity", "uniform(low=0.25, high=0.45)", "estimate",
         "docs/model.md (prior guidance) starting ranges");
  expect("sector_defaults.tfp_growth", "0.01", "estimate",
         "docs/model.md (prior guidance) starting ranges");
  expect("parameters.absorption.shares", "[0.4, 0.35, 0.25]", "estimate",
         "docs/model.md (prior guidance) starting ranges");
  expect("levers.funds.by_year", "{2023: 0.5, 2024: 0.3, 2025: 0.2}", "estimate",
         "test policy mix");
  expect("demand.technical", "[[0.1, 0.2], [0.05, 0.3]]", "estimate", "test input-output table");
  expect("targets.service_va.value", "1500", "source", "Plan 2022, section 3");
  // Years, seeds, draws and booleans are not provenance.
  for (const auto& p : s.provenance) {
    EXPECT_NE(p.key, "run.draws");
    EXPECT_NE(p.key, "horizon.base_year");
    EXPECT_NE(p.key, "targets.service_va.year");
  }
}

TEST_F(ConfigValid, ExtendsMergesMappingsAndReplacesLists) {
  const std::string path = (DATA / "extends_derived.yaml").string();
  const core::ScenarioSpec s = models::load_scenario(path);
  EXPECT_EQ(s.name, "extends-derived");  // derived wins
  // Renamed without a description of its own: the middle's description
  // described another scenario and is not inherited (issue 19).
  EXPECT_EQ(s.description, "");
  EXPECT_EQ(s.title_en, "Minimal scenario");  // from the root base
  EXPECT_EQ(models::sector_growth(s).region.area_km2, 80);
  EXPECT_EQ(models::sector_growth(s).region.city_area_km2, 1997.47);
  EXPECT_EQ(s.run.draws, 1000u);
  EXPECT_EQ(s.run.seed, 42u);
  // One key of levers.funds replaced; by_year and allocation inherited.
  EXPECT_EQ(models::sector_growth(s).levers.funds[1],
            (std::vector<double>{20 * 0.5 * 0.75, 20 * 0.5 * 0.25}));
  // A list replaces the inherited list entirely.
  ASSERT_EQ(s.targets.size(), 1u);
  EXPECT_EQ(s.targets[0].id, "gdp");
  EXPECT_EQ(s.targets[0].year, 2024);

  ASSERT_EQ(s.files.size(), 3u);
  EXPECT_EQ(s.files[0].path, path);
  EXPECT_EQ(s.files[1].path, (DATA / "extends_base.yaml").string());
  EXPECT_EQ(s.files[2].path, (DATA / "minimal.yaml").string());
  for (const auto& f : s.files)
    EXPECT_EQ(f.text, read_text(f.path)) << f.path;
}

TEST_F(ConfigValid, AppendingToAnInheritedListKeepsTheBase) {
  write("case.yaml",
        "extends: minimal.yaml\n"
        "targets+:\n"
        "  - {id: industry_va, indicator: va.industry, year: 2025, op: '>', value: 1}\n");
  const std::string path = (dir_ / "case.yaml").string();
  const core::ScenarioSpec s = models::load_scenario(path);
  ASSERT_EQ(s.targets.size(), 3u);
  EXPECT_EQ(s.targets[0].id, "service_va");
  EXPECT_EQ(s.targets[1].id, "finance_double");
  EXPECT_EQ(s.targets[2].id, "industry_va");
  EXPECT_EQ(s.target_files,
            (Strings{(dir_ / "minimal.yaml").string(), (dir_ / "minimal.yaml").string(), path}));
  // The plain key still replaces.
  write("case.yaml",
        "extends: minimal.yaml\n"
        "targets:\n"
        "  - {id: industry_va, indicator: va.industry, year: 2025, op: '>', value: 1}\n");
  EXPECT_EQ(models::load_scenario(path).targets.size(), 1u);
}

TEST_F(ConfigValid, AppendingNeedsABaseListAndOneForm) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "targets+: {id: x}\n"),
            Strings{"case.yaml:2:1: targets+: expected a list to add to the base's targets, got a "
                    "mapping"});
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "targets: []\n"
                   "targets+: []\n"),
            Strings{"case.yaml:3:1: targets+: use either targets: (replaces the base's list) or "
                    "targets+: (adds to it), not both"});
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "region+: [1]\n"),
            Strings{"case.yaml:2:1: region+: the base's region is a mapping, not a list to add "
                    "to"});
  std::string own = read_text(dir_ / "minimal.yaml");
  replace_all(&own, "targets:", "targets+:");
  EXPECT_EQ(errors(own),
            Strings{"case.yaml:84:1: targets+: adds to the list targets of the scenario this "
                    "file extends, but it has no extends:"});
  // Ids stay unique across the combined list.
  const Strings dup = errors(
      "extends: minimal.yaml\n"
      "targets+:\n"
      "  - {id: service_va, indicator: va.industry, year: 2025, op: '>', "
      "value: 1}\n");
  ASSERT_EQ(dup.size(), 1u);
  EXPECT_NE(dup[0].find("service_va"), std::string::npos) << dup[0];
}

TEST_F(ConfigValid, RetitledVariantDoesNotInheritTheDescription) {
  write("case.yaml",
        "extends: minimal.yaml\n"
        "scenario: {name: variant, title: {en: A variant, zh: 变体}}\n");
  EXPECT_EQ(models::load_scenario((dir_ / "case.yaml").string()).description, "");
  write("case.yaml",
        "extends: minimal.yaml\n"
        "scenario: {title: {en: A variant, zh: 变体}}\n");
  EXPECT_EQ(models::load_scenario((dir_ / "case.yaml").string()).description, "");
  // Restating the same name, or changing something else, keeps it.
  write("case.yaml",
        "extends: minimal.yaml\n"
        "scenario: {name: minimal-2sector}\n"
        "run: {draws: 10}\n");
  EXPECT_EQ(models::load_scenario((dir_ / "case.yaml").string()).description,
            "Two sectors and every section of the schema.");
  write("case.yaml",
        "extends: minimal.yaml\n"
        "scenario: {name: variant, description: Its own.}\n");
  EXPECT_EQ(models::load_scenario((dir_ / "case.yaml").string()).description, "Its own.");
}

TEST_F(ConfigValid, PriorOverrideReplacesRatherThanMixesKeys) {
  // minimal.yaml's depreciation is a truncated normal with low and high; a
  // uniform written over it must not inherit them.
  write("case.yaml",
        "extends: minimal.yaml\n"
        "sector_defaults:\n"
        "  depreciation: {dist: uniform, low: 0.05, high: 0.1}\n");
  const core::ScenarioSpec s = models::load_scenario((dir_ / "case.yaml").string());
  expect_prior(models::sector_growth(s).sectors[1].params.depreciation, core::Dist::Uniform,
               {0.05, 0.1});
}

TEST_F(ConfigValid, NullDropsAnInheritedOptionalKey) {
  write("case.yaml",
        "extends: minimal.yaml\n"
        "levers: {land: ~}\n"
        "demand: ~\n"
        "shocks:\n"
        "  correlation:\n"
        "    between_sectors: ~\n"
        "    with_city: ~\n"
        "    matrix: [[1, 0.3, 0.2], [0.3, 1, 0.1], [0.2, 0.1, 1]]\n");
  const core::ScenarioSpec s = models::load_scenario((dir_ / "case.yaml").string());
  const models::SectorGrowthSpec& m = models::sector_growth(s);
  EXPECT_EQ(m.levers.land_release, (std::vector<double>{0, 0, 0, 0}));
  EXPECT_EQ(m.levers.land_share, (std::vector<double>{0, 0}));
  EXPECT_FALSE(m.demand.enabled);
  EXPECT_EQ(m.correlation[0][1], 0.3);
  EXPECT_EQ(m.correlation[2][1], 0.1);
}

TEST_F(ConfigValid, FundAmountsAndAbsentLevers) {
  write("case.yaml",
        "extends: minimal.yaml\n"
        "levers:\n"
        "  funds:\n"
        "    total: ~\n"
        "    by_year: ~\n"
        "    allocation: ~\n"
        "    amounts: {2024: {industry: 2.5}, 2025: {finance: 1, industry: 0.5}}\n"
        "  space: ~\n");
  const core::ScenarioSpec s = models::load_scenario((dir_ / "case.yaml").string());
  const models::Levers& l = models::sector_growth(s).levers;
  EXPECT_EQ(l.funds, (std::vector<std::vector<double>>{{0, 0}, {0, 0}, {0, 2.5}, {1, 0.5}}));
  EXPECT_EQ(l.space_release, (std::vector<double>{0, 0, 0, 0}));
  EXPECT_EQ(l.space_share, (std::vector<double>{0, 0}));
}

TEST_F(ConfigValid, StrictProvenanceAcceptsNumbersDocumentedByAnAncestor) {
  // minimal.yaml documents everything, mostly through ancestor mappings.
  EXPECT_NO_THROW(
      models::load_scenario((DATA / "minimal.yaml").string(), {.strict_provenance = true}));
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "region:\n"
                   "  pillar_threshold: 800\n",
                   {.strict_provenance = true}),
            Strings{});
}

// ---------------------------------------------------------------------------
// Errors: exact text

using ConfigErrors = ConfigFixture;

// The first edition's nominal city trend: one message, at the key, with the
// rule for the new one (docs/model.md, "The city").
TEST_F(ConfigErrors, NominalCityGrowthIsRefusedWithTheRule) {
  const std::string text =
      "extends: minimal.yaml\nparameters:\n  city_real_growth: ~\n  city_growth: 0.06\n";
  EXPECT_EQ(
      errors(text),
      (Strings{"case.yaml:4:16: parameters.city_growth: city_growth (the city's nominal trend) "
               "is now city_real_growth: the city's prices grow by price_growth, shared with "
               "the district; write city_real_growth as the nominal trend less price_growth"}));
}

// The appraisal's discount rate is a choice, not a prior: a spread is
// refused at its line with the way to see the rate's effect.
TEST_F(ConfigErrors, DiscountRateWithASpreadIsRefused) {
  const std::string text =
      "extends: minimal.yaml\nparameters:\n  discount_rate: {dist: uniform, low: 0.03, high: "
      "0.08}\n";
  EXPECT_EQ(errors(text),
            (Strings{"case.yaml:3:18: parameters.discount_rate: the discount rate is a choice of "
                     "the appraisal, not an uncertainty: give it as a value (value: 0.08), and "
                     "compare again at another rate to see its effect"}));
}

TEST_F(ConfigErrors, UnknownKeyWithSuggestion) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "levers:\n"
                   "  funds:\n"
                   "    alocation: {finance: 1}\n"),
            Strings{"case.yaml:4:5: levers.funds.alocation: unknown key 'alocation' (did you mean "
                    "'allocation'?)"});
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "horizn: {end_year: 2030}\n"),
            Strings{"case.yaml:2:1: horizn: unknown key 'horizn' (did you mean 'horizon'?)"});
}

TEST_F(ConfigErrors, WrongType) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "region:\n"
                   "  area_km2: abc\n"),
            Strings{"case.yaml:3:13: region.area_km2: expected a number, got 'abc'"});
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "region:\n"
                   "  area_km2: \"78\"\n"
                   "run: {draws: 1.5, sampler: [mc]}\n"
                   "sectors:\n"
                   "  - {id: finance, service: yes, base: {va: 1, space: 1}}\n"
                   "  - {id: industry, base: [1, 2]}\n"),
            (Strings{
                "case.yaml:3:13: region.area_km2: expected a number, got '78' (quoted, so text)",
                "case.yaml:6:28: sectors.finance.service: expected true or false, got 'yes'",
                "case.yaml:7:26: sectors.industry.base: expected a mapping, got a list",
                "case.yaml:4:14: run.draws: expected an integer, got '1.5'",
                "case.yaml:4:28: run.sampler: expected a string, got a list",
            }));
}

TEST_F(ConfigErrors, OutOfRange) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "levers:\n"
                   "  funds:\n"
                   "    allocation:\n"
                   "      finance: 1.4\n"),
            Strings{"case.yaml:5:7: levers.funds.allocation.finance: must be in [0, 1] (got 1.4)"});
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "region: {area_km2: {value: -5, source: x}}\n"
                   "shocks: {correlation: {with_city: 1}}\n"),
            (Strings{"case.yaml:2:28: region.area_km2: must be > 0 (got -5)",
                     "case.yaml:3:35: shocks.correlation.with_city: must be in (-1, 1) (got 1)"}));
}

TEST_F(ConfigErrors, SharesNotSummingToOne) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "levers:\n"
                   "  funds:\n"
                   "    allocation: {finance: 0.5}\n"
                   "parameters:\n"
                   "  absorption: {shares: [0.5, 0.6]}\n"),
            (Strings{"case.yaml:6:24: parameters.absorption.shares: shares must sum to 1 (got 1.1)",
                     "case.yaml:4:17: levers.funds.allocation: shares must sum to 1 (got 0.5)"}));
}

TEST_F(ConfigErrors, CorrelationMatrixNotPositiveSemiDefinite) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "shocks:\n"
                   "  correlation:\n"
                   "    between_sectors: ~\n"
                   "    with_city: ~\n"
                   "    matrix:\n"
                   "      - [1, 0.9, -0.9]\n"
                   "      - [0.9, 1, 0.9]\n"
                   "      - [-0.9, 0.9, 1]\n"),
            Strings{"case.yaml:7:7: shocks.correlation.matrix: not positive semi-definite "
                    "(smallest eigenvalue -0.8)"});
  // The equicorrelation form can fail too: [[1, .2, .9], [.2, 1, .9], [.9, .9, 1]].
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "shocks: {correlation: {between_sectors: 0.2, with_city: 0.9}}\n"),
            Strings{"case.yaml:2:23: shocks.correlation: not positive semi-definite (smallest "
                    "eigenvalue -0.177)"});
}

TEST_F(ConfigErrors, CorrelationMatrixShape) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "shocks:\n"
                   "  correlation:\n"
                   "    between_sectors: ~\n"
                   "    with_city: ~\n"
                   "    matrix: [[1, 0.3, 0.2], [0.4, 1, 0.1], [0.2, 0.1, 0.9]]\n"),
            (Strings{"case.yaml:6:30: shocks.correlation.matrix[1][0]: not symmetric: 0.4 here but "
                     "0.3 at [0][1]",
                     "case.yaml:6:55: shocks.correlation.matrix[2][2]: diagonal entries must be 1 "
                     "(got 0.9)"}));
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "shocks:\n"
                   "  correlation: {between_sectors: ~, with_city: ~, matrix: [[1, 0], [0, 1]]}\n"),
            Strings{"case.yaml:3:59: shocks.correlation.matrix: expected 3 rows, got 2"});
}

TEST_F(ConfigErrors, TargetOnUnknownIndicator) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "targets:\n"
                   "  - id: t1\n"
                   "    indicator: servce_va\n"
                   "    year: 2025\n"
                   "    op: \">\"\n"
                   "    value: 1\n"
                   "  - id: t2\n"
                   "    indicator: revenue.financ\n"
                   "    year: 2026\n"
                   "    op: \"=>\"\n"
                   "    value: 1\n"),
            (Strings{"case.yaml:4:16: targets.t1.indicator: unknown indicator 'servce_va' (did you "
                     "mean 'service_va'?)",
                     "case.yaml:9:16: targets.t2.indicator: unknown sector 'financ' in "
                     "'revenue.financ' (did you mean 'revenue.finance'?)",
                     "case.yaml:10:11: targets.t2.year: year must be in 2022..2025 (got 2026)",
                     "case.yaml:11:9: targets.t2.op: unknown op '=>' (expected one of >, >=, <, "
                     "<=)"}));
}

TEST_F(ConfigErrors, UnknownSectorInAllocation) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "levers:\n"
                   "  space:\n"
                   "    allocation:\n"
                   "      finanse: 1\n"),
            Strings{"case.yaml:5:7: levers.space.allocation.finanse: unknown sector 'finanse' (did "
                    "you mean 'finance'?)"});
}

TEST_F(ConfigErrors, MissingKeyPointsAtParent) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "sectors:\n"
                   "  - id: finance\n"
                   "    base: {space: 350}\n"
                   "  - id: industry\n"
                   "    base: {va: 300, space: 120}\n"),
            Strings{"case.yaml:4:11: sectors.finance.base: missing 'va'"});
  EXPECT_EQ(errors("scenario: {name: x}\n"
                   "horizon: {base_year: 2022, end_year: 2025}\n"),
            (Strings{"case.yaml:1:1: missing 'region'", "case.yaml:1:1: missing 'sectors'",
                     "case.yaml:1:1: missing 'parameters'", "case.yaml:1:1: missing 'shocks'"}));
}

TEST_F(ConfigErrors, MissingSectorParameterPointsIntoTheBaseFile) {
  // minimal.yaml:29:7 is finance's params mapping (its first key), 31:5 the industry item.
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "sector_defaults:\n"
                   "  capital_elasticity: ~\n"),
            (Strings{"minimal.yaml:29:7: sectors.finance.params: missing 'capital_elasticity' (and "
                     "no sector_defaults.capital_elasticity)",
                     "minimal.yaml:31:5: sectors.industry: missing 'params.capital_elasticity' "
                     "(and no sector_defaults.capital_elasticity)"}));
}

TEST_F(ConfigErrors, ErrorInBaseFilePointsAtBaseFile) {
  write("base.yaml",
        "extends: minimal.yaml\n"
        "region:\n"
        "  area_km2: -5\n");
  EXPECT_EQ(errors("extends: base.yaml\n"
                   "scenario: {name: derived}\n"),
            Strings{"base.yaml:3:13: region.area_km2: must be > 0 (got -5)"});
}

TEST_F(ConfigErrors, ColumnsCountCharactersNotBytes) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "region:\n"
                   "  name: {zh: 测试区, en: Testville, fr: Testville}\n"),
            Strings{"case.yaml:3:34: region.name.fr: unknown key 'fr'"});
}

TEST_F(ConfigErrors, DuplicateSectorId) {
  EXPECT_EQ(
      errors("extends: minimal.yaml\n"
             "sectors:\n"
             "  - id: finance\n"
             "    base: {va: 1, space: 1}\n"
             "  - id: finance\n"
             "    base: {va: 1, space: 1}\n"),
      Strings{"case.yaml:5:9: sectors[1].id: duplicate sector id 'finance' (first at line 3)"});
}

TEST_F(ConfigErrors, DuplicateKey) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "region:\n"
                   "  area_km2: 1\n"
                   "  area_km2: 2\n"),
            Strings{"case.yaml:4:3: region.area_km2: duplicate key 'area_km2' (first at line 3)"});
}

TEST_F(ConfigErrors, BadHorizon) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "horizon: {end_year: 2022}\n"),
            Strings{"case.yaml:2:21: horizon.end_year: must be > base_year (2022) (got 2022)"});
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "horizon: {end_year: 2123}\n"),
            Strings{"case.yaml:2:21: horizon.end_year: must be <= base_year + 100 (2122) (got "
                    "2123)"});
}

TEST_F(ConfigErrors, BadPriorParameters) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "sector_defaults:\n"
                   "  volatility: {dist: normal, mean: 0.04, sd: -1}\n"
                   "  tax_rate: {dist: uniform, low: 0.3, high: 0.2}\n"
                   "  space_growth: {dist: normall, mean: 0, sd: 1}\n"
                   "  fund_leverage: {dist: pert, low: 1, high: 5}\n"),
            (Strings{"case.yaml:6:18: sector_defaults.fund_leverage: missing 'mode'",
                     "case.yaml:5:24: sector_defaults.space_growth: unknown distribution 'normall' "
                     "(did you mean 'normal'?); expected one of fixed, normal, truncated_normal, "
                     "lognormal, uniform, triangular, beta, pert",
                     "case.yaml:3:46: sector_defaults.volatility: sd must be > 0 (got -1)",
                     "case.yaml:4:34: sector_defaults.tax_rate: low must be < high (got low=0.3, "
                     "high=0.2)"}));
}

TEST_F(ConfigErrors, PriorSupportOutsideAllowedRange) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "sector_defaults:\n"
                   "  depreciation: {dist: normal, mean: 0.07, sd: 0.02}\n"
                   "  tax_rate: {dist: uniform, low: 0.5, high: 1.5}\n"
                   "parameters:\n"
                   "  shock_persistence: 1\n"),
            (Strings{"case.yaml:3:17: sector_defaults.depreciation: must be in [0, 1], but "
                     "normal(mean=0.07, sd=0.02) ranges over (-inf, inf); use truncated_normal "
                     "with low and high, or a bounded distribution",
                     "case.yaml:4:13: sector_defaults.tax_rate: must be in [0, 1], but "
                     "uniform(low=0.5, high=1.5) ranges over [0.5, 1.5]",
                     "case.yaml:6:22: parameters.shock_persistence: must be in (-1, 1) (got 1)"}));
}

TEST_F(ConfigErrors, LeverYearOutsideHorizon) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "levers:\n"
                   "  funds:\n"
                   "    by_year: {2022: 0.1, 2026: 0.2}\n"),
            (Strings{"case.yaml:4:15: levers.funds.by_year.2022: year must be in 2023..2025 (got "
                     "2022)",
                     "case.yaml:4:26: levers.funds.by_year.2026: year must be in 2023..2025 (got "
                     "2026)"}));
}

TEST_F(ConfigErrors, NonFiniteAndOutOfRangeNumbers) {
  EXPECT_EQ(
      errors("extends: minimal.yaml\n"
             "region: {area_km2: .nan, city_area_km2: -.inf, city_base_gdp: 1e999}\n"
             "parameters: {plot_ratio: inf}\n"),
      (Strings{"case.yaml:2:20: region.area_km2: expected a finite number, got '.nan'",
               "case.yaml:2:41: region.city_area_km2: expected a finite number, got '-.inf'",
               "case.yaml:2:63: region.city_base_gdp: number out of range, got '1e999'",
               "case.yaml:3:26: parameters.plot_ratio: expected a finite number, got 'inf'"}));
}

TEST_F(ConfigErrors, StrictProvenanceFlagsUndocumentedNumber) {
  const std::string text =
      "extends: minimal.yaml\n"
      "targets:\n"
      "  - id: t\n"
      "    indicator: district_gdp\n"
      "    year: 2025\n"
      "    op: \">\"\n"
      "    value: 1000\n";
  EXPECT_EQ(errors(text), Strings{});
  EXPECT_EQ(errors(text, {.strict_provenance = true}),
            Strings{"case.yaml:7:12: targets.t.value: undocumented number (add source: or "
                    "estimate: here or on a mapping above)"});
}

TEST_F(ConfigErrors, ReservedKeysMustBeText) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "region: {source: {year: 2023}, estimate: \"\"}\n"),
            (Strings{"case.yaml:2:18: region.source: expected a string, got a mapping",
                     "case.yaml:2:42: region.estimate: must not be empty"}));
}

TEST_F(ConfigErrors, EveryErrorUpToTwenty) {
  std::string text = "extends: minimal.yaml\nregion:\n";
  for (int i = 0; i < 30; ++i)
    text += "  bad_" + std::to_string(i) + ": 1\n";
  const Strings found = errors(text);
  ASSERT_EQ(found.size(), 20u);
  EXPECT_EQ(found.front(), "case.yaml:3:3: region.bad_0: unknown key 'bad_0'");
  EXPECT_EQ(found.back(), "case.yaml:22:3: region.bad_19: unknown key 'bad_19'");
}

TEST_F(ConfigErrors, WhatJoinsMessages) {
  write("case.yaml", "extends: minimal.yaml\nregion: {area_km2: x, city_area_km2: y}\n");
  try {
    models::load_scenario((dir_ / "case.yaml").string());
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.messages().size(), 2u);
    EXPECT_EQ(std::string(e.what()), e.messages()[0] + "\n" + e.messages()[1]);
  }
}

// ---------------------------------------------------------------------------
// Files, extends and hostile input

using ConfigFiles = ConfigFixture;

TEST_F(ConfigFiles, UnreadableFile) {
  EXPECT_EQ(errors_of_file((dir_ / "nonexistent.yaml").string()),
            Strings{"nonexistent.yaml: cannot read file (No such file or directory)"});
  fs::create_directory(dir_ / "adir");
  EXPECT_EQ(errors_of_file((dir_ / "adir").string()),
            Strings{"adir: cannot read file (Is a directory)"});
  EXPECT_EQ(errors("extends: missing_base.yaml\n"),
            Strings{"case.yaml:1:10: extends: cannot read 'missing_base.yaml' (No such file or "
                    "directory)"});
}

TEST_F(ConfigFiles, HugeDrawCountsAreRefusedWithTheBound) {
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "run: {draws: 18446744073709551615}\n"),
            Strings{"case.yaml:2:14: run.draws: must be at most 1099511627776 (2^40) (got "
                    "18446744073709551615)"});
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "run: {draws: 1099511627777}\n"),
            Strings{"case.yaml:2:14: run.draws: must be at most 1099511627776 (2^40) (got "
                    "1099511627777)"});
  EXPECT_EQ(errors("extends: minimal.yaml\nrun: {draws: 1099511627776}\n"), Strings{});
}

TEST_F(ConfigFiles, HdfFileIsNotAScenario) {
  const std::string h5 =
      write("results.h5", std::string("\x89HDF\r\n\x1a\n", 8) + std::string(17u << 20, '\0'));
  EXPECT_EQ(errors_of_file(h5),
            Strings{"results.h5: is an HDF5 file (a results file?), not a YAML scenario"});
  EXPECT_EQ(errors("extends: results.h5\n"),
            Strings{"case.yaml:1:10: extends: 'results.h5' is an HDF5 file (a results file?), "
                    "not a YAML scenario"});
}

TEST_F(ConfigFiles, ExtendsCycle) {
  EXPECT_EQ(errors_of_file((DATA / "cycle_a.yaml").string()),
            Strings{"cycle_b.yaml:2:10: extends: cycle: cycle_a.yaml -> cycle_b.yaml -> "
                    "cycle_a.yaml"});
  EXPECT_EQ(errors("extends: case.yaml\n"),
            Strings{"case.yaml:1:10: extends: cycle: case.yaml -> case.yaml"});
}

TEST_F(ConfigFiles, ExtendsChainTooDeep) {
  // chain_0 -> chain_1 -> ... -> chain_16 -> minimal.yaml: 17 bases above
  // chain_0, 16 above chain_1.
  for (int i = 0; i < 16; ++i) {
    write("chain_" + std::to_string(i) + ".yaml",
          "extends: chain_" + std::to_string(i + 1) + ".yaml\n");
  }
  write("chain_16.yaml", "extends: minimal.yaml\n");
  EXPECT_EQ(errors_of_file((dir_ / "chain_0.yaml").string()),
            Strings{"chain_16.yaml:1:10: extends: more than 16 levels of extends"});
  const core::ScenarioSpec s = models::load_scenario((dir_ / "chain_1.yaml").string());
  EXPECT_EQ(s.files.size(), 17u);
}

TEST_F(ConfigFiles, AliasBombRefusedFast) {
  const auto start = std::chrono::steady_clock::now();
  const Strings found = errors_of_file((DATA / "alias_bomb.yaml").string());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(found, Strings{"alias_bomb.yaml:7:45: too many nodes (alias expansion?): more than "
                           "1000000"});
  EXPECT_LT(seconds, 10.0);  // 10^9 nodes if expanded; the budget stops it at 10^6
}

TEST_F(ConfigFiles, RecursiveAlias) {
  EXPECT_EQ(errors("a: &x [1, *x]\n"),
            Strings{"case.yaml:1:11: recursive alias: *x is inside the node it refers to"});
}

TEST_F(ConfigFiles, DeepNesting) {
  EXPECT_EQ(errors("a: " + std::string(100, '[') + std::string(100, ']') + "\n"),
            Strings{"case.yaml:1:67: nesting too deep (more than 64 levels)"});
  // Far deeper than yaml-cpp's own guard (2000 levels): still one clean error.
  const Strings deep = errors("a: " + std::string(5000, '[') + std::string(5000, ']') + "\n");
  ASSERT_EQ(deep.size(), 1u);
  EXPECT_TRUE(deep[0].starts_with("case.yaml:1:")) << deep[0];
  EXPECT_TRUE(deep[0].ends_with(": nesting too deep (more than 64 levels)")) << deep[0];
}

TEST_F(ConfigFiles, EmptyOrNotAMapping) {
  EXPECT_EQ(errors(""), Strings{"case.yaml:1:1: empty file"});
  EXPECT_EQ(errors("# only a comment\n\n"), Strings{"case.yaml:1:1: empty file"});
  EXPECT_EQ(errors("- a\n- b\n"),
            Strings{"case.yaml:1:1: expected a mapping at the top level, got a list"});
  EXPECT_EQ(errors("just text\n"),
            Strings{"case.yaml:1:1: expected a mapping at the top level, got 'just text'"});
  EXPECT_EQ(errors("a: 1\n---\nb: 2\n"),
            Strings{"case.yaml:2:1: more than one YAML document in the file"});
}

TEST_F(ConfigFiles, BinaryGarbageAndInvalidUtf8) {
  EXPECT_EQ(errors(std::string("\x00\x01\x02\x03garbage", 11)),
            Strings{"case.yaml:1:1: not a text file (character U+0000 is not allowed)"});
  EXPECT_EQ(errors("scenario:\n  name: 名字\xff\n"),
            Strings{"case.yaml:2:11: not UTF-8 text (invalid byte 0xff)"});
  EXPECT_EQ(errors("a: \xc0\xaf\n"), Strings{"case.yaml:1:4: not UTF-8 text (invalid byte 0xc0)"});
}

TEST_F(ConfigFiles, InvalidYamlSyntax) {
  const Strings found = errors("a: [1, 2\nb: 3\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].starts_with("case.yaml:")) << found[0];
  EXPECT_NE(found[0].find(": invalid YAML: "), std::string::npos) << found[0];
}

TEST_F(ConfigFiles, ByteOrderMarkIsIgnored) {
  write("case.yaml",
        "\xEF\xBB\xBF"
        "extends: minimal.yaml\n");
  EXPECT_EQ(models::load_scenario((dir_ / "case.yaml").string()).name, "minimal-2sector");
}

}  // namespace
}  // namespace sectorsim::config
