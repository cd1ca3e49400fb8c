// Tests of the comparison and provenance sections of the results file, the CSV
// tables (engine/io: comparison_io, csv) and the HTML report (engine/report;
// docs/output-format.md sections 10-13). Two hand-built scenarios and a
// hand-built comparison (distinct, non-round numbers, a NaN) are written
// through the public API and read back from the file; every value read is
// compared exactly with the original. The netCDF-4 layout is checked with an
// independent reader (xarray + h5netcdf), the CSV files are parsed back, and
// the report is checked to be one self-contained file.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "support.hpp"

#include "engine/exec/stacked.hpp"
#include "engine/io/csv.hpp"
#include "engine/io/format.hpp"
#include "engine/io/results_reader.hpp"
#include "engine/io/results_writer.hpp"
#include "engine/report/report.hpp"
#include "engine/report/svg.hpp"
#include "engine/spec/results.hpp"
#include "engine/spec/scenario_spec.hpp"
#include "engine/stats/paired.hpp"

namespace sectorsim {
namespace {

namespace fs = std::filesystem;
using io::IoError;

constexpr const char* PYTHON = "/usr/bin/python3";
constexpr std::uint64_t DRAWS = 10;
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
// A provenance note and a target id that need escaping in HTML and quoting in CSV.
const std::string AWKWARD_NOTE =
    "Estimate <b>&</b> \"quoted\", with a comma; 来源：罗府〔2022〕41号";
const std::string AWKWARD_ID = "gdp, \"高\" 目标";

// ------------------------------------------------------------ fixtures

std::vector<core::SeriesInfo> test_series() {
  return {{"gdp", "亿元", "district GDP", false},
          {"share", "1", "a ratio", false},
          {"va", "亿元", "value added by sector", true}};
}

core::TargetSpec target(const std::string& id, const std::string& indicator, core::Op op,
                        double threshold, std::optional<int> relative = std::nullopt) {
  core::TargetSpec t;
  t.id = id;
  t.label_en = "Label of " + id;
  t.label_zh = "目标" + id;
  t.indicator = indicator;
  t.year = 2024;
  t.op = op;
  t.threshold = threshold;
  t.relative_to_year = relative;
  return t;
}

core::ScenarioSpec test_spec(const std::string& name) {
  core::ScenarioSpec spec;
  spec.name = name;
  spec.title_en = "Title of " + name;
  spec.title_zh = "情景" + name;
  spec.description = "two sectors, three years";
  spec.base_year = 2022;
  spec.end_year = 2024;
  for (const auto& [id, en, zh] :
       {std::tuple{"finance", "Finance", "金融业"},
        std::tuple{"software_it", "Software and IT", "软件和信息技术服务业"}}) {
    core::SectorSpec sector;
    sector.id = id;
    sector.name_en = en;
    sector.name_zh = zh;
    spec.sectors.push_back(sector);
  }
  spec.targets = {target("gdp_2024", "gdp", core::Op::GreaterEqual, 1000.5),
                  target("software_doubled", "va.software_it", core::Op::GreaterEqual, 2.0, 2022)};
  spec.files = {{"scenarios/test/" + name + ".yaml", "name: " + name + "\n"}};
  spec.provenance = {{"region.area_km2", "78.75", "source", "Wikipedia (zh) 罗湖区 infobox", ""},
                     {"sectors.finance.base.va", "1000", "estimate", AWKWARD_NOTE, ""},
                     {"globals.occupancy", "beta(8, 2)", "", "", ""},
                     {"levers." + name, "0.35", "estimate", "only in " + name, ""}};
  return spec;
}

core::CellLayout test_layout() {
  return core::CellLayout(test_series(), 3, 2);
}

// Summaries whose base year (year index 0) is the same in every draw when
// `constant_base`, as observed data are; distinct numbers elsewhere.
core::ScenarioResult test_result(const core::ScenarioSpec& spec, double salt, bool constant_base) {
  const core::CellLayout layout = test_layout();
  constexpr double OFFSET[core::N_STATS] = {0, 2.5, -10, -8, -3, 0, 3, 8, 10};
  core::ScenarioResult r;
  r.name = spec.name;
  for (int y = spec.base_year; y <= spec.end_year; ++y)
    r.years.push_back(y);
  for (const core::SectorSpec& s : spec.sectors) {
    r.sector_ids.push_back(s.id);
    r.sector_names_en.push_back(s.name_en);
    r.sector_names_zh.push_back(s.name_zh);
  }
  for (int i = 0; i < static_cast<int>(layout.series().size()); ++i) {
    core::SeriesSummary summary;
    summary.info = layout.series()[static_cast<std::size_t>(i)];
    const int width = layout.width(i);
    summary.stats.resize(static_cast<std::size_t>(core::N_STATS * 3 * width));
    for (int stat = 0; stat < core::N_STATS; ++stat) {
      for (int y = 0; y < 3; ++y) {
        for (int s = 0; s < width; ++s) {
          const double level = (i + 1) * 100.0 + y * (10 + salt) + s * 7 + 1.0 / 3.0;
          const bool fixed = y == 0 && constant_base;
          summary.stats[static_cast<std::size_t>((stat * 3 + y) * width + s)] =
              level + (fixed ? 0.0 : OFFSET[stat] * (1 + y));
        }
      }
    }
    r.summaries.push_back(summary);
  }
  for (std::size_t t = 0; t < spec.targets.size(); ++t) {
    core::TargetResult result;
    result.spec = spec.targets[t];
    const double p = 0.3 + 0.1 * static_cast<double>(t) + salt / 100;
    result.in_year = {3, DRAWS, p, p - 0.2, p + 0.25};
    for (int y = 0; y < 3; ++y) {
      const double py = p * (y + 1) / 3;
      result.by_year.push_back({static_cast<std::uint64_t>(y), DRAWS, py, py / 2, py + 0.1});
    }
    r.targets.push_back(result);
  }
  r.all_targets = {2, DRAWS, 0.2 + salt / 100, 0.05, 0.5};
  r.draws = DRAWS;
  r.draws_requested = DRAWS;
  r.seed = 20221014;
  r.sampler = core::Sampler::LatinHypercube;
  r.quantile_method = "exact (type 7)";
  return r;
}

core::Comparison test_comparison(const std::string& scenario, const std::string& baseline) {
  const core::CellLayout layout = test_layout();
  core::Comparison c;
  c.scenario = scenario;
  c.baseline = baseline;
  c.draws = DRAWS;
  c.quantile_method = "sketch (compactors, k=4096): rank error at most 0.00148 of the draws";
  for (int i = 0; i < static_cast<int>(layout.series().size()); ++i) {
    core::SeriesSummary d;
    d.info = layout.series()[static_cast<std::size_t>(i)];
    const int n = core::N_DIFF_STATS * 3 * layout.width(i);
    for (int k = 0; k < n; ++k)
      d.stats.push_back(i * 10.0 + k / 7.0 - 1.5);
    c.diffs.push_back(d);
  }
  c.diffs[1].stats[3] = NaN;
  const std::uint64_t counts[2][4] = {{3, 2, 1, 4}, {0, 1, 0, 9}};
  const char* ids[] = {"gdp_2024", "software_doubled"};
  for (int t = 0; t < 2; ++t) {
    core::TargetDiff d;
    d.id = ids[t];
    std::tie(d.both, d.only_scenario, d.only_baseline, d.neither) =
        std::tuple{counts[t][0], counts[t][1], counts[t][2], counts[t][3]};
    d.scenario = {d.both + d.only_scenario, DRAWS, 0.5 - t / 3.0, 0.1 / 3, 0.9 - t / 7.0};
    d.baseline = {d.both + d.only_baseline, DRAWS, 0.4 - t / 3.0, 0.2 / 3, 0.8 - t / 9.0};
    const double diff = 0.1 + t / 11.0;
    d.paired = {diff, diff - 0.2 / 3, diff + 0.2 / 7};
    d.unpaired = {diff, diff - 0.4, diff + 0.45};
    c.targets.push_back(d);
  }
  c.all_targets_paired = {0.05, -0.1 / 3, 0.2};
  c.all_targets_unpaired = {0.05, -0.3, 0.4};
  // An appraisal with every kind of value: the value added's mean only
  // (NaN elsewhere, as appraise() leaves it).
  core::Appraisal a;
  a.series = {"pv_cost", "pv_revenue", "gdp", "rate"};
  a.cost = {32.5 / 3, 31.0, 34.0, 19.5, 48.25};
  a.revenue = {1.375, 1.25, 1.5, 0.5, 2.5};
  a.value_added = {23.9 / 7, NaN, NaN, NaN, NaN};
  a.discount_rate = 0.08;
  a.net = a.revenue.mean - a.cost.mean;
  a.bcr = a.revenue.mean / a.cost.mean;
  a.cost_per_value_added = a.cost.mean / a.value_added.mean;
  a.revenue_exceeds_cost = {1, DRAWS, 0.1, 0.01 / 3, 0.4};
  c.appraisal = a;
  return c;
}

io::RunMeta test_meta() {
  io::RunMeta meta;
  meta.command_line = "sectorsim compare base.yaml plan.yaml --draws 10 --seed 7";
  meta.engine_version = "0.1.0-test";
  meta.seed = 7;
  meta.chunk_draws = 4;
  return meta;
}

io::PathOptions no_paths() {
  io::PathOptions options;
  options.keep_paths = false;
  return options;
}

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / ("sectorsim-io-compare-" + std::to_string(::getpid()) +
                                         "-" + info->test_suite_name() + "-" + info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path operator/(const std::string& name) const { return path_ / name; }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct Written {
  core::ScenarioSpec base_spec, plan_spec;
  core::ScenarioResult base, plan;
  core::Comparison comparison;
};

// Writes "base" and "plan" (and, if asked, plan's comparison against base) to `file`.
Written write_file(const fs::path& file, bool with_comparison = true, bool constant_base = true) {
  Written w{test_spec("base"), test_spec("plan"), {}, {}, test_comparison("plan", "base")};
  w.base = test_result(w.base_spec, 0, constant_base);
  w.plan = test_result(w.plan_spec, 1.5, constant_base);
  io::ResultsWriter writer(file.string(), false, test_meta());
  writer.begin_scenario(w.base_spec, test_layout(), DRAWS, no_paths());
  writer.end_scenario(w.base);
  writer.begin_scenario(w.plan_spec, test_layout(), DRAWS, no_paths());
  writer.end_scenario(w.plan);
  if (with_comparison) writer.write_comparison(w.comparison);
  writer.commit();
  return w;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

// Expects `call` to throw IoError whose message contains every one of `parts`.
template <typename F>
void expect_io_error(F call, const std::vector<std::string>& parts) {
  try {
    call();
    ADD_FAILURE() << "expected IoError";
  } catch (const IoError& e) {
    for (const std::string& part : parts) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "message: " << e.what() << "\nmissing: " << part;
    }
  }
}

bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

void expect_same(const core::ProportionDiff& a, const core::ProportionDiff& b,
                 const std::string& what) {
  EXPECT_TRUE(same(a.diff, b.diff)) << what;
  EXPECT_EQ(a.low, b.low) << what;
  EXPECT_EQ(a.high, b.high) << what;
}

void expect_same(const core::Proportion& a, const core::Proportion& b, const std::string& what) {
  EXPECT_EQ(a.met, b.met) << what;
  EXPECT_EQ(a.n, b.n) << what;
  EXPECT_EQ(a.p, b.p) << what;
  EXPECT_EQ(a.low, b.low) << what;
  EXPECT_EQ(a.high, b.high) << what;
}

void expect_same(const core::Comparison& got, const core::Comparison& want) {
  EXPECT_EQ(got.scenario, want.scenario);
  EXPECT_EQ(got.baseline, want.baseline);
  EXPECT_EQ(got.draws, want.draws);
  EXPECT_EQ(got.quantile_method, want.quantile_method);
  ASSERT_EQ(got.diffs.size(), want.diffs.size());
  for (std::size_t i = 0; i < want.diffs.size(); ++i) {
    const core::SeriesSummary &g = got.diffs[i], &w = want.diffs[i];
    EXPECT_EQ(g.info.name, w.info.name);
    EXPECT_EQ(g.info.units, w.info.units);
    EXPECT_EQ(g.info.description, w.info.description);
    EXPECT_EQ(g.info.by_sector, w.info.by_sector);
    ASSERT_EQ(g.stats.size(), w.stats.size()) << w.info.name;
    for (std::size_t k = 0; k < w.stats.size(); ++k) {
      EXPECT_TRUE(same(g.stats[k], w.stats[k]))
          << w.info.name << "[" << k << "]: " << g.stats[k] << " vs " << w.stats[k];
    }
  }
  ASSERT_EQ(got.targets.size(), want.targets.size());
  for (std::size_t t = 0; t < want.targets.size(); ++t) {
    const core::TargetDiff &g = got.targets[t], &w = want.targets[t];
    EXPECT_EQ(g.id, w.id);
    EXPECT_EQ(g.both, w.both) << w.id;
    EXPECT_EQ(g.only_scenario, w.only_scenario) << w.id;
    EXPECT_EQ(g.only_baseline, w.only_baseline) << w.id;
    EXPECT_EQ(g.neither, w.neither) << w.id;
    expect_same(g.scenario, w.scenario, w.id + " scenario");
    expect_same(g.baseline, w.baseline, w.id + " baseline");
    expect_same(g.paired, w.paired, w.id + " paired");
    expect_same(g.unpaired, w.unpaired, w.id + " unpaired");
  }
  ASSERT_EQ(got.appraisal.has_value(), want.appraisal.has_value());
  if (want.appraisal) {
    const core::Appraisal &g = *got.appraisal, &w = *want.appraisal;
    EXPECT_EQ(g.series.cost, w.series.cost);
    EXPECT_EQ(g.series.revenue, w.series.revenue);
    EXPECT_EQ(g.series.value_added, w.series.value_added);
    EXPECT_EQ(g.series.discount_rate, w.series.discount_rate);
    const std::pair<const core::AppraisalStat*, const core::AppraisalStat*> pairs[] = {
        {&g.cost, &w.cost}, {&g.revenue, &w.revenue}, {&g.value_added, &w.value_added}};
    for (const auto& [a, b] : pairs) {
      for (const auto& [x, y] : {std::pair{a->mean, b->mean}, std::pair{a->ci_low, b->ci_low},
                                 std::pair{a->ci_high, b->ci_high}, std::pair{a->p05, b->p05},
                                 std::pair{a->p95, b->p95}})
        EXPECT_TRUE(same(x, y)) << x << " vs " << y;
    }
    for (const auto& [x, y] :
         {std::pair{g.discount_rate, w.discount_rate}, std::pair{g.net, w.net},
          std::pair{g.bcr, w.bcr}, std::pair{g.cost_per_value_added, w.cost_per_value_added},
          std::pair{g.revenue_exceeds_cost.p, w.revenue_exceeds_cost.p},
          std::pair{g.revenue_exceeds_cost.low, w.revenue_exceeds_cost.low},
          std::pair{g.revenue_exceeds_cost.high, w.revenue_exceeds_cost.high}})
      EXPECT_TRUE(same(x, y)) << x << " vs " << y;
  }
  expect_same(got.all_targets_paired, want.all_targets_paired, "joint paired");
  expect_same(got.all_targets_unpaired, want.all_targets_unpaired, "joint unpaired");
}

// Runs a Python snippet with the file name as argv[1]; returns its exit status.
int run_python(const std::string& code, const fs::path& file, const fs::path& dir) {
  const fs::path script = dir / "check.py";
  std::ofstream(script) << code;
  const std::string cmd = std::string(PYTHON) + " " + script.string() + " " + file.string();
  return std::system(cmd.c_str());
}

bool python_has(const std::string& modules) {
  return ::access(PYTHON, X_OK) == 0 &&
         std::system((std::string(PYTHON) + " -c 'import " + modules + "' 2>/dev/null").c_str()) ==
             0;
}

// RFC 4180: rows of fields; quoted fields may hold commas, quotes and line ends.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(field);
      field.clear();
      rows.push_back(row);
      row.clear();
      ++i;
    } else {
      field += c;
    }
  }
  EXPECT_TRUE(field.empty() && row.empty()) << "the last row does not end with CRLF";
  return rows;
}

// The rows of a CSV file, checking its byte order mark.
std::vector<std::vector<std::string>> read_csv(const fs::path& file) {
  const std::string text = read_text(file);
  EXPECT_EQ(text.substr(0, 3), "\xEF\xBB\xBF") << file << " has no UTF-8 byte order mark";
  return parse_csv(text.substr(3));
}

// ------------------------------------------------------------ comparison and provenance

TEST(IoCompare, ComparisonAndProvenanceReadBackExactly) {
  const TempDir dir;
  const fs::path file = dir / "out.h5";
  const Written w = write_file(file);

  const std::vector<core::Comparison> comparisons = io::read_comparisons(file.string());
  ASSERT_EQ(comparisons.size(), 1u);
  expect_same(comparisons[0], w.comparison);

  for (const core::ScenarioSpec* spec : {&w.base_spec, &w.plan_spec}) {
    const std::vector<core::Provenance> got = io::read_provenance(file.string(), spec->name);
    ASSERT_EQ(got.size(), spec->provenance.size()) << spec->name;
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].key, spec->provenance[i].key);
      EXPECT_EQ(got[i].value, spec->provenance[i].value);
      EXPECT_EQ(got[i].kind, spec->provenance[i].kind);
      EXPECT_EQ(got[i].note, spec->provenance[i].note);
    }
  }

  const io::FileInfo info = io::read_file_info(file.string());
  EXPECT_EQ(info.engine_version, "0.1.0-test");
  EXPECT_EQ(info.command_line, test_meta().command_line);
  EXPECT_EQ(info.seed, 7u);
  EXPECT_EQ(info.chunk_draws, 4u);
  EXPECT_EQ(info.generator, "philox4x64-10");
  EXPECT_EQ(info.format_version,
            std::to_string(io::FORMAT_MAJOR) + "." + std::to_string(io::FORMAT_MINOR));
  EXPECT_EQ(info.created_utc.size(), 20u) << info.created_utc;  // 2025-03-01T08:30:00Z

  const io::ScenarioInfo plan = io::read_scenario_info(file.string(), "plan");
  EXPECT_EQ(plan.name, "plan");
  EXPECT_EQ(plan.title_en, "Title of plan");
  EXPECT_EQ(plan.title_zh, "情景plan");
  EXPECT_EQ(plan.description, "two sectors, three years");
  EXPECT_TRUE(plan.complete);
  EXPECT_EQ(plan.scenario_sha256.size(), 64u);
}

TEST(IoCompare, EmptyProvenanceAndNoComparison) {
  const TempDir dir;
  const fs::path file = dir / "out.h5";
  core::ScenarioSpec spec = test_spec("base");
  spec.provenance.clear();
  io::ResultsWriter writer(file.string(), false, test_meta());
  writer.begin_scenario(spec, test_layout(), DRAWS, no_paths());
  writer.end_scenario(test_result(spec, 0, true));
  writer.commit();
  EXPECT_TRUE(io::read_comparisons(file.string()).empty());
  EXPECT_TRUE(io::read_provenance(file.string(), "base").empty());
  expect_io_error([&] { io::read_provenance(file.string(), "plan"); },
                  {"no scenario 'plan'", "base"});
}

TEST(IoCompare, WriterRefusesComparisonsThatDoNotFit) {
  const TempDir dir;
  const core::ScenarioSpec base = test_spec("base"), plan = test_spec("plan");
  io::ResultsWriter writer((dir / "out.h5").string(), false, test_meta());
  writer.begin_scenario(base, test_layout(), DRAWS, no_paths());
  writer.end_scenario(test_result(base, 0, true));

  expect_io_error([&] { writer.write_comparison(test_comparison("plan", "base")); },
                  {"scenario 'plan' is not in the file"});
  writer.begin_scenario(plan, test_layout(), DRAWS, no_paths());
  expect_io_error([&] { writer.write_comparison(test_comparison("plan", "base")); },
                  {"while scenario 'plan' is begun but not ended"});
  writer.end_scenario(test_result(plan, 1, true));

  expect_io_error([&] { writer.write_comparison(test_comparison("base", "base")); },
                  {"compared with itself"});
  core::Comparison short_series = test_comparison("plan", "base");
  short_series.diffs[2].stats.pop_back();
  expect_io_error([&] { writer.write_comparison(short_series); },
                  {"difference of 'va' has 47 values, expected 48"});
  core::Comparison bad_counts = test_comparison("plan", "base");
  bad_counts.targets[1].neither += 1;
  expect_io_error([&] { writer.write_comparison(bad_counts); },
                  {"target 'software_doubled'", "do not agree with the counts"});

  writer.write_comparison(test_comparison("plan", "base"));
  expect_io_error([&] { writer.write_comparison(test_comparison("plan", "base")); },
                  {"already in the file"});
  expect_io_error([&] { writer.write_comparison(test_comparison("base", "plan")); },
                  {"against 'base'; one baseline per file"});
  writer.commit();
  EXPECT_EQ(io::read_comparisons((dir / "out.h5").string()).size(), 1u);
}

TEST(IoCompare, MalformedComparisonOrProvenanceIsAnIoError) {
  if (!python_has("h5py")) SECTORSIM_SKIP_OR_FAIL_IN_CI("h5py is not installed for " << PYTHON);
  const TempDir dir;
  const fs::path file = dir / "out.h5";
  write_file(file);
  const fs::path copy = dir / "copy.h5";
  // Each damage, applied to a fresh copy, and a part of the message it must give.
  const std::vector<std::pair<std::string, std::string>> damages = {
      {"del f['comparison/plan/targets/paired_low']", "paired_low: no such dataset"},
      {"del f['comparison/plan/diff/diff_stat']", "diff_stat: no such dataset"},
      {"del f['comparison/plan/diff/year']; f['comparison/plan/diff/year'] = [[1]]",
       "expected a 1-D dataset"},
      {"del f['comparison/plan']; f['comparison/plan'] = 1.0", "comparison/plan"},
      {"del f['comparison/plan/targets/both']; f['comparison/plan/targets/both'] = [1, 2, 3]",
       "3 values, expected 2"},
      {"del f['comparison/plan'].attrs['draws']", "missing attribute 'draws'"},
  };
  for (const auto& [damage, message] : damages) {
    fs::copy_file(file, copy, fs::copy_options::overwrite_existing);
    ASSERT_EQ(run_python(
                  "import sys, h5py\nwith h5py.File(sys.argv[1], 'r+') as f:\n    " + damage + "\n",
                  copy, dir.path()),
              0)
        << damage;
    expect_io_error([&] { io::read_comparisons(copy.string()); }, {message});
  }
  // A format 1.0 file has no quantile_method on its comparisons, which were
  // exact then: the reader says so.
  fs::copy_file(file, copy, fs::copy_options::overwrite_existing);
  ASSERT_EQ(run_python("import sys, h5py\nwith h5py.File(sys.argv[1], 'r+') as f:\n"
                       "    del f['comparison/plan'].attrs['quantile_method']\n",
                       copy, dir.path()),
            0);
  ASSERT_EQ(io::read_comparisons(copy.string()).size(), 1u);
  EXPECT_EQ(io::read_comparisons(copy.string())[0].quantile_method, "exact (type 7)");
  fs::copy_file(file, copy, fs::copy_options::overwrite_existing);
  ASSERT_EQ(run_python("import sys, h5py\nwith h5py.File(sys.argv[1], 'r+') as f:\n"
                       "    del f['scenarios/plan/provenance']\n",
                       copy, dir.path()),
            0);
  expect_io_error([&] { io::read_provenance(copy.string(), "plan"); },
                  {"provenance: no such group"});
  // The report still renders, saying so.
  report::write_report(copy.string(), (dir / "report.html").string(), false);
  EXPECT_NE(read_text(dir / "report.html").find("No provenance recorded"), std::string::npos);
}

TEST(IoCompare, XarrayOpensComparisonAndProvenanceGroups) {
  if (!python_has("h5py, xarray, h5netcdf")) {
    SECTORSIM_SKIP_OR_FAIL_IN_CI("h5py, xarray or h5netcdf is not installed for " << PYTHON);
  }
  const TempDir dir;
  const fs::path file = dir / "out.h5";
  const Written w = write_file(file);
  // Values the independent reader must find, from the originals.
  const core::SeriesSummary& va = w.comparison.diffs[2];
  const double va_p95_2023_software = va.stats[(5 * 3 + 1) * 2 + 1];
  const double gdp_mean_2024 = w.comparison.diffs[0].stats[2];
  char expected[256];
  std::snprintf(expected, sizeof expected, "va_expected = %.17g\ngdp_expected = %.17g\n",
                va_p95_2023_software, gdp_mean_2024);
  const std::string code = std::string("import sys, xarray as xr\n") + expected + R"py(
f = sys.argv[1]
d = xr.open_dataset(f, group="comparison/plan/diff", engine="h5netcdf")
assert list(d["diff_stat"].values) == ["mean", "ci_low", "ci_high", "sd", "p05", "p95",
                                       "prob_higher", "prob_lower"], d["diff_stat"].values
assert d["va"].dims == ("diff_stat", "year", "sector"), d["va"].dims
assert d["gdp"].dims == ("diff_stat", "year"), d["gdp"].dims
assert d["va"].attrs["units"] == "亿元" and d["va"].attrs["dims"] == "diff_stat,year,sector"
assert d["va"].sel(diff_stat="p95", year=2023, sector="software_it").item() == va_expected
assert d["gdp"].sel(diff_stat="mean", year=2024).item() == gdp_expected
t = xr.open_dataset(f, group="comparison/plan/targets", engine="h5netcdf")
assert list(t["target"].values) == ["gdp_2024", "software_doubled"], t["target"].values
assert t["both"].sel(target="gdp_2024").item() == 3
assert t.attrs["joint_diff"] == 0.05
p = xr.open_dataset(f, group="scenarios/plan/provenance", engine="h5netcdf")
assert p["note"].dims == ("entry",) and p.sizes["entry"] == 4, p
assert p["key"].values[1] == "sectors.finance.base.va"
assert p["kind"].values[2] == ""
import h5py
with h5py.File(f, "r") as h:
    assert h["comparison"].attrs["baseline"] == "base"
    g = h["comparison/plan"]
    assert (g.attrs["scenario"], g.attrs["baseline"], int(g.attrs["draws"])) == ("plan", "base", 10)
)py";
  EXPECT_EQ(run_python(code, file, dir.path()), 0);
}

// ------------------------------------------------------------ CSV

TEST(IoCompare, CsvTablesParseBack) {
  const TempDir dir;
  const Written w = write_file(dir / "out.h5");
  std::vector<core::ScenarioResult> results = {w.base, w.plan};
  results[0].targets[0].spec.id = AWKWARD_ID;
  results[0].summaries[0].stats[1] = NaN;  // mean of gdp in 2023
  const fs::path csv = dir / "nested" / "csv";
  std::ofstream(dir / "stale.csv") << "old";
  io::write_csv(csv.string(), results, {w.comparison});

  const auto targets = read_csv(csv / "targets.csv");
  ASSERT_EQ(targets.size(), 1u + 2 * 2 * 3);
  EXPECT_EQ(targets[0], (std::vector<std::string>{"scenario", "target", "year", "probability",
                                                  "ci_low", "ci_high"}));
  EXPECT_EQ(targets[1][0], "base");
  EXPECT_EQ(targets[1][1], AWKWARD_ID);  // quoted in the file, whole after parsing
  EXPECT_EQ(targets[1][2], "2022");
  EXPECT_EQ(std::strtod(targets[3][3].c_str(), nullptr), w.base.targets[0].by_year[2].p);
  EXPECT_EQ(std::strtod(targets[3][5].c_str(), nullptr), w.base.targets[0].by_year[2].high);
  EXPECT_NE(read_text(csv / "targets.csv").find("\"gdp, \"\"高\"\" 目标\""), std::string::npos);

  const auto summary = read_csv(csv / "summary.csv");
  ASSERT_EQ(summary.size(), 1u + 2 * (2 * 3 + 2 * 3));
  EXPECT_EQ(summary[0], (std::vector<std::string>{"scenario", "series", "sector", "year", "mean",
                                                  "sd", "p05", "p25", "p50", "p75", "p95"}));
  ASSERT_EQ(summary[2].size(), 11u);
  EXPECT_EQ(summary[2][1], "gdp");
  EXPECT_EQ(summary[2][2], "");  // no sector
  EXPECT_EQ(summary[2][3], "2023");
  EXPECT_EQ(summary[2][4], "");  // NaN
  EXPECT_EQ(std::strtod(summary[2][5].c_str(), nullptr), w.base.summaries[0].stats[4]);
  // va of software_it in 2024 (the last row of base): stats[(stat * 3 + 2) * 2 + 1].
  const std::vector<std::string>& va = summary[12];
  ASSERT_EQ(va.size(), 11u);
  EXPECT_EQ(va[1], "va");
  EXPECT_EQ(va[2], "software_it");
  EXPECT_EQ(va[3], "2024");
  const std::vector<double>& stats = w.base.summaries[2].stats;
  const int columns[] = {0, 1, 3, 4, 5, 6, 7};
  for (int c = 0; c < 7; ++c) {
    EXPECT_EQ(std::strtod(va[static_cast<std::size_t>(4 + c)].c_str(), nullptr),
              stats[static_cast<std::size_t>((columns[c] * 3 + 2) * 2 + 1)])
        << "column " << summary[0][static_cast<std::size_t>(4 + c)];
  }

  const auto diff_targets = read_csv(csv / "comparison_targets.csv");
  ASSERT_EQ(diff_targets.size(), 3u);
  EXPECT_EQ(diff_targets[0],
            (std::vector<std::string>{"scenario", "baseline", "target", "diff", "paired_low",
                                      "paired_high", "unpaired_low", "unpaired_high"}));
  EXPECT_EQ(diff_targets[2][0], "plan");
  EXPECT_EQ(diff_targets[2][1], "base");
  EXPECT_EQ(diff_targets[2][2], "software_doubled");
  const core::TargetDiff& t1 = w.comparison.targets[1];
  EXPECT_EQ(std::strtod(diff_targets[2][3].c_str(), nullptr), t1.paired.diff);
  EXPECT_EQ(std::strtod(diff_targets[2][4].c_str(), nullptr), t1.paired.low);
  EXPECT_EQ(std::strtod(diff_targets[2][7].c_str(), nullptr), t1.unpaired.high);

  const auto diff_indicators = read_csv(csv / "comparison_indicators.csv");
  ASSERT_EQ(diff_indicators.size(), 1u + 2 * 3 + 2 * 3);
  EXPECT_EQ(diff_indicators[0],
            (std::vector<std::string>{"scenario", "baseline", "indicator", "year", "mean_diff",
                                      "ci_low", "ci_high", "prob_higher", "prob_lower"}));
  EXPECT_EQ(diff_indicators[5][2], "share");
  EXPECT_EQ(diff_indicators[5][3], "2023");
  EXPECT_EQ(std::strtod(diff_indicators[5][4].c_str(), nullptr), w.comparison.diffs[1].stats[1]);
  EXPECT_EQ(diff_indicators[12][2], "va.software_it");
  EXPECT_EQ(diff_indicators[12][3], "2024");
  const std::vector<double>& dva = w.comparison.diffs[2].stats;
  EXPECT_EQ(std::strtod(diff_indicators[12][7].c_str(), nullptr), dva[(6 * 3 + 2) * 2 + 1]);
  EXPECT_EQ(std::strtod(diff_indicators[12][8].c_str(), nullptr), dva[(7 * 3 + 2) * 2 + 1]);

  // The appraisal: three quantities with their statistics (the value
  // added's mean only), then net, the ratios and the probability.
  const auto appraisal = read_csv(csv / "comparison_appraisal.csv");
  ASSERT_EQ(appraisal.size(), 1u + 7);
  EXPECT_EQ(appraisal[0], (std::vector<std::string>{"scenario", "baseline", "quantity", "mean",
                                                    "ci_low", "ci_high", "p05", "p95"}));
  const core::Appraisal& a = *w.comparison.appraisal;
  EXPECT_EQ(appraisal[1][2], "cost");
  EXPECT_EQ(std::strtod(appraisal[1][3].c_str(), nullptr), a.cost.mean);
  EXPECT_EQ(std::strtod(appraisal[1][7].c_str(), nullptr), a.cost.p95);
  EXPECT_EQ(appraisal[3][2], "value_added");
  EXPECT_EQ(std::strtod(appraisal[3][3].c_str(), nullptr), a.value_added.mean);
  EXPECT_EQ(appraisal[3][4], "");
  EXPECT_EQ(appraisal[5][2], "bcr");
  EXPECT_EQ(std::strtod(appraisal[5][3].c_str(), nullptr), a.bcr);
  EXPECT_EQ(appraisal[7],
            (std::vector<std::string>{"plan", "base", "p_revenue_exceeds_cost", appraisal[7][3],
                                      appraisal[7][4], appraisal[7][5], "", ""}));
  EXPECT_EQ(std::strtod(appraisal[7][4].c_str(), nullptr), a.revenue_exceeds_cost.low);

  // Nothing else in the directory: no temporary files left behind.
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(csv))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names,
            (std::vector<std::string>{"comparison_appraisal.csv", "comparison_indicators.csv",
                                      "comparison_targets.csv", "summary.csv", "targets.csv"}));

  // Written again, the files are replaced.
  io::write_csv(csv.string(), {w.base}, {});
  EXPECT_EQ(read_csv(csv / "targets.csv").size(), 1u + 2 * 3);
  EXPECT_EQ(read_csv(csv / "comparison_targets.csv").size(), 1u);
  expect_io_error([&] { io::write_csv(csv.string(), {w.base}, {w.comparison}); },
                  {"comparison of 'plan' against 'base'", "no scenario result"});
}

TEST(IoCompare, CsvFieldQuoting) {
  EXPECT_EQ(io::csv_field("plain 中文"), "plain 中文");
  EXPECT_EQ(io::csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(io::csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(io::csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(io::csv_field(""), "");
}

TEST(IoCompare, FilesAreWrittenAtomically) {
  const TempDir dir;
  const fs::path file = dir / "a.txt";
  io::write_file_atomically(file.string(), "one", false);
  EXPECT_EQ(read_text(file), "one");
  expect_io_error(
      [&] { io::write_file_atomically(file.string(), "two", false); },
      {"a.txt: exists; write elsewhere with -o FILE, or pass --overwrite to replace it"});
  EXPECT_EQ(read_text(file), "one");
  io::write_file_atomically(file.string(), "two", true);
  EXPECT_EQ(read_text(file), "two");
  expect_io_error([&] { io::write_file_atomically((dir / "no" / "b.txt").string(), "x", true); },
                  {"no/b.txt: directory", "does not exist"});
  expect_io_error([&] { io::write_file_atomically(dir.path().string(), "x", true); },
                  {"is a directory"});
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

// ------------------------------------------------------------ report

std::string write_and_read_report(const fs::path& results, const fs::path& html) {
  report::write_report(results.string(), html.string(), false);
  return read_text(html);
}

TEST(IoReport, IsOneSelfContainedFileWithEveryChart) {
  const TempDir dir;
  const Written w = write_file(dir / "out.h5");
  const fs::path html = dir / "report.html";
  const std::string page = write_and_read_report(dir / "out.h5", html);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2)
      << "only the results file and the report";

  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(page.find("<title>"), std::string::npos);
  EXPECT_NE(page.find("@page { size: A4; margin: 12mm; }"), std::string::npos);
  EXPECT_NE(page.find("@media print"), std::string::npos);
  for (const std::string banned :
       {"http://", "https://", "<script", "src=", "@import", "url(", "<link", "<img", "<iframe"}) {
    EXPECT_EQ(page.find(banned), std::string::npos) << banned;
  }
  for (const std::string id : {"base", "plan", "gdp_2024", "software_doubled"}) {
    EXPECT_NE(page.find(">" + id + "<"), std::string::npos) << id;
  }
  for (const std::string text : {"Title of plan", "情景plan", "Label of gdp_2024", "目标gdp_2024",
                                 "软件和信息技术服务业", "0.1.0-test", "20221014", "out.h5", "lhs",
                                 "sectorsim compare base.yaml plan.yaml --draws 10"}) {
    EXPECT_NE(page.find(text), std::string::npos) << text;
  }
  // Provenance notes, escaped; nothing of them unescaped.
  EXPECT_NE(page.find("Wikipedia (zh) 罗湖区 infobox"), std::string::npos);
  EXPECT_NE(page.find("Estimate &lt;b&gt;&amp;&lt;/b&gt; &quot;quoted&quot;, with a comma; "
                      "来源：罗府〔2022〕41号"),
            std::string::npos);
  EXPECT_EQ(page.find("<b>&</b>"), std::string::npos);
  EXPECT_NE(page.find("only in plan"), std::string::npos);
  EXPECT_EQ(count(page, "<details"), 2u);
  EXPECT_EQ(count(page, "<details open>"), 1u);

  // Per scenario two indicator fans and one of the doubled target's ratio (its
  // base year is the same in every draw); one of each other chart.
  EXPECT_EQ(count(page, "data-chart=\"fan\""), 6u);
  EXPECT_EQ(count(page, "data-chart=\"target-probabilities\""), 1u);
  EXPECT_EQ(count(page, "data-chart=\"target-diff\""), 1u);
  EXPECT_EQ(count(page, "data-chart=\"indicator-diff\""), 1u);
  EXPECT_EQ(count(page, "data-chart=\"sector-mix\""), 1u);
  EXPECT_EQ(count(page, "<svg"), 10u);
  EXPECT_EQ(count(page, "role=\"img\""), 10u);
  EXPECT_EQ(count(page, "<title id=\"chart-"), 10u);
  EXPECT_EQ(count(page, "<desc id=\"chart-"), 10u);
  EXPECT_NE(page.find("va.software_it / 2022"), std::string::npos);
  EXPECT_NE(page.find("target &gt;= 1000.5 in 2024"), std::string::npos);
  EXPECT_EQ(page.find("n/a"), std::string::npos);
  // The comparison says which interval is which, and shows the appraisal:
  // the benefit-cost ratio 1.375 / (32.5 / 3) = 0.127 and P(revenue > cost).
  EXPECT_NE(page.find("the whisker around each mean difference is Monte Carlo error"),
            std::string::npos);
  EXPECT_NE(page.find("Costs and fiscal return"), std::string::npos);
  EXPECT_NE(page.find("discounted to 2022 at 8.0% a year"), std::string::npos);
  EXPECT_NE(page.find("(revenue / cost)</th><td class=\"num\">0.127</td>"), std::string::npos);
  EXPECT_NE(page.find("P(revenue &gt; cost) = P(BCR &gt; 1)</th><td class=\"num\">10.0%</td>"),
            std::string::npos);
  // Every section has something to show, and the navigation links each.
  const std::size_t nav_at = page.find("<nav>");
  ASSERT_NE(nav_at, std::string::npos);
  const std::string nav = page.substr(nav_at, page.find("</nav>", nav_at) - nav_at);
  for (const std::string id : {"targets", "comparison", "scenario-base", "scenario-plan", "sectors",
                               "provenance", "run"}) {
    EXPECT_EQ(count(page, "<section id=\"" + id + "\""), 1u) << id;
    EXPECT_EQ(count(nav, "<a href=\"#" + id + "\">"), 1u) << id;
  }
  EXPECT_EQ(page.find("class=\"empty\""), std::string::npos);
  // The sector chart is the file's by-sector series, named and with its units.
  EXPECT_NE(page.find("<h3><code>va</code> <span class=\"units\">亿元</span></h3>"),
            std::string::npos);
  // The style sheet is engine/report/report.css, embedded whole.
  std::ifstream css_file(std::string(SECTORSIM_SOURCE_DIR) + "/engine/report/report.css",
                         std::ios::binary);
  const std::string css{std::istreambuf_iterator<char>(css_file), std::istreambuf_iterator<char>()};
  ASSERT_FALSE(css.empty());
  EXPECT_NE(page.find("<style>" + css + "</style>"), std::string::npos);
}

TEST(IoReport, FileWithoutComparisonHasNoDifferencesSection) {
  const TempDir dir;
  write_file(dir / "out.h5", false, false);
  const std::string page = write_and_read_report(dir / "out.h5", dir / "report.html");
  // Issue #19: no empty "Differences" section, and no link to one.
  EXPECT_EQ(page.find("id=\"comparison\""), std::string::npos);
  EXPECT_EQ(page.find("href=\"#comparison\""), std::string::npos);
  EXPECT_EQ(page.find("Differences against the baseline"), std::string::npos);
  EXPECT_EQ(page.find("class=\"empty\""), std::string::npos);
  EXPECT_EQ(count(page, "data-chart=\"target-diff\""), 0u);
  EXPECT_EQ(count(page, "data-chart=\"indicator-diff\""), 0u);
  // The doubled target's base year now varies across draws: no ratio fan, and a note.
  EXPECT_EQ(count(page, "data-chart=\"fan\""), 4u);
  EXPECT_NE(page.find("cannot be had from the summaries"), std::string::npos);
  EXPECT_EQ(count(page, "<svg"), 6u);
}

// A results file of another model, built through the public writer: the
// report takes every series' name, units and description from the file.
struct OtherModel {
  std::vector<core::SeriesInfo> series;
  std::vector<std::string> sectors;  // ids; none: a model without sectors
};

void write_other_model(const fs::path& file, const OtherModel& model) {
  core::ScenarioSpec spec;
  spec.name = "solo";
  spec.title_en = "A toy model";
  spec.base_year = 2020;
  spec.end_year = 2023;
  for (const std::string& id : model.sectors) {
    core::SectorSpec sector;
    sector.id = id;
    sector.name_en = "Sector " + id;
    spec.sectors.push_back(sector);
  }
  spec.files = {{"toy.yaml", "name: solo\n"}};
  const int n_years = 4, n_sectors = static_cast<int>(model.sectors.size());
  const core::CellLayout layout(model.series, n_years, n_sectors);
  core::ScenarioResult r;
  r.name = spec.name;
  for (int y = spec.base_year; y <= spec.end_year; ++y)
    r.years.push_back(y);
  r.sector_ids = model.sectors;
  for (const std::string& id : model.sectors) {
    r.sector_names_en.push_back("Sector " + id);
    r.sector_names_zh.push_back("");
  }
  for (int i = 0; i < static_cast<int>(model.series.size()); ++i) {
    core::SeriesSummary summary;
    summary.info = model.series[static_cast<std::size_t>(i)];
    const int width = layout.width(i);
    for (int stat = 0; stat < core::N_STATS; ++stat) {
      for (int y = 0; y < n_years; ++y) {
        for (int s = 0; s < width; ++s)
          summary.stats.push_back(10.0 + y * (1 + stat) + s * 3.5 + i);
      }
    }
    r.summaries.push_back(summary);
  }
  r.all_targets = {DRAWS, DRAWS, 1.0, 0.7, 1.0};
  r.draws = r.draws_requested = DRAWS;
  r.seed = 5;
  r.quantile_method = "exact (type 7)";
  io::ResultsWriter writer(file.string(), false, test_meta());
  writer.begin_scenario(spec, layout, DRAWS, no_paths());
  writer.end_scenario(r);
  writer.commit();
}

TEST(IoReport, FileOfAModelWithOneSeriesAndNoSectorsHasNoEmptySection) {
  const TempDir dir;
  write_other_model(dir / "out.h5", {{{"y", "kg", "output of the toy model", false}}, {}});
  const std::string page = write_and_read_report(dir / "out.h5", dir / "report.html");
  EXPECT_EQ(count(page, "data-chart=\"fan\""), 1u);
  EXPECT_EQ(count(page, "<svg"), 1u);
  EXPECT_NE(page.find("<h4><code>y</code> <span class=\"units\">kg</span></h4>"),
            std::string::npos);
  EXPECT_NE(page.find("output of the toy model"), std::string::npos);
  // No targets, no comparison, no sectors, no documented numbers: no section
  // for any of them and no link to one; the scenario and the run remain.
  for (const std::string id : {"targets", "comparison", "sectors", "provenance"}) {
    EXPECT_EQ(page.find("id=\"" + id + "\""), std::string::npos) << id;
    EXPECT_EQ(page.find("href=\"#" + id + "\""), std::string::npos) << id;
  }
  EXPECT_NE(page.find("<section id=\"scenario-solo\""), std::string::npos);
  EXPECT_NE(page.find("<section id=\"run\""), std::string::npos);
  EXPECT_EQ(page.find("class=\"empty\""), std::string::npos);
  EXPECT_EQ(page.find("target threshold"), std::string::npos) << "no threshold in the legend";
  EXPECT_EQ(page.find("n/a"), std::string::npos);
}

TEST(IoReport, SectorChartsFollowTheFilesBySectorSeriesInOrder) {
  const TempDir dir;
  write_other_model(dir / "out.h5", {{{"y", "kg", "output", false},
                                      {"jobs", "persons", "employment by sector", true},
                                      {"output", "t", "output by sector", true}},
                                     {"farm", "mill"}});
  const std::string page = write_and_read_report(dir / "out.h5", dir / "report.html");
  EXPECT_EQ(count(page, "data-chart=\"sector-mix\""), 2u);
  const std::size_t jobs = page.find("<h3><code>jobs</code> <span class=\"units\">persons</span>");
  const std::size_t output = page.find("<h3><code>output</code> <span class=\"units\">t</span>");
  ASSERT_NE(jobs, std::string::npos);
  ASSERT_NE(output, std::string::npos);
  EXPECT_LT(jobs, output) << "in the file's order";
  EXPECT_NE(page.find("employment by sector"), std::string::npos);
  EXPECT_NE(page.find("Sector farm"), std::string::npos);
  EXPECT_NE(page.find("Sector mill"), std::string::npos);
  EXPECT_EQ(count(page, "data-chart=\"fan\""), 1u);
  EXPECT_EQ(page.find("class=\"empty\""), std::string::npos);
}

// Label placement (engine/report/svg.hpp): the hand-computed boxes are in the comments.
TEST(IoReportSvg, LabelsGoWhereNoLineOrBoxIs) {
  using report::Box;
  using report::Point;
  using report::Spot;
  // text_box of a 60 px label of 11 px at baseline 50: width 66 (a tenth
  // more), y from 50 - 11.55 to 50 + 3.3, padded by 2.5 on every side.
  const Box box = report::text_box(Spot{10, 50, "start"}, 60, 11);
  EXPECT_NEAR(box.x0, 7.5, 1e-9);
  EXPECT_NEAR(box.x1, 78.5, 1e-9);
  EXPECT_NEAR(box.y0, 35.95, 1e-9);
  EXPECT_NEAR(box.y1, 55.8, 1e-9);
  EXPECT_NEAR(report::text_box(Spot{100, 50, "end"}, 60, 11).x1, 102.5, 1e-9);
  EXPECT_NEAR(report::text_box(Spot{100, 50, "middle"}, 60, 11).x0, 64.5, 1e-9);

  // A segment crossing a box with no vertex in it, one beside it, a point in it.
  EXPECT_TRUE(report::crosses({{0, 0}, {100, 100}}, Box{40, 40, 60, 60}));
  EXPECT_FALSE(report::crosses({{0, 0}, {100, 0}}, Box{40, 40, 60, 60}));
  EXPECT_FALSE(report::crosses({{0, 100}, {30, 70}, {100, 69}}, Box{40, 40, 60, 60}));
  EXPECT_TRUE(report::crosses({{50, 50}}, Box{40, 40, 60, 60}));

  const Box bounds{0, 0, 200, 100};
  const std::vector<Spot> spots = {{10, 50, "start"}, {10, 80, "start"}, {190, 50, "end"}};
  const std::vector<Point> through_first = {{0, 45}, {60, 45}};
  EXPECT_EQ(report::place_label(spots, 60, 11, bounds, {}, {}), 0u);
  EXPECT_EQ(report::place_label(spots, 60, 11, bounds, {}, {through_first}), 1u)
      << "the line at y 45 crosses the first spot's box only";
  EXPECT_EQ(report::place_label(spots, 60, 11, bounds, {Box{0, 70, 100, 90}}, {through_first}), 2u);
  // A spot outside the bounds is never taken; where every spot is hit, the
  // one hit least.
  EXPECT_EQ(report::place_label({{10, 5, "start"}, {10, 80, "start"}}, 60, 11, bounds, {}, {}), 1u);
  const std::vector<Point> everywhere = {{0, 45}, {200, 45}};
  EXPECT_EQ(report::place_label(spots, 60, 11, bounds, {Box{0, 40, 200, 50}},
                                {everywhere, {{0, 75}, {100, 75}}}),
            1u)
      << "the second spot is hit by one line, the others by a box and a line";
}

TEST(IoReport, RefusesToOverwriteUnlessAsked) {
  const TempDir dir;
  write_file(dir / "out.h5");
  const fs::path html = dir / "report.html";
  std::ofstream(html) << "mine";
  expect_io_error(
      [&] { report::write_report((dir / "out.h5").string(), html.string(), false); },
      {"report.html: exists; write elsewhere with -o FILE, or pass --overwrite to replace it"});
  EXPECT_EQ(read_text(html), "mine");
  report::write_report((dir / "out.h5").string(), html.string(), true);
  EXPECT_NE(read_text(html).find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2);
}

TEST(IoReport, UnreadableResultsGiveAnIoErrorAndNoReport) {
  const TempDir dir;
  const fs::path html = dir / "report.html";
  expect_io_error([&] { report::write_report((dir / "none.h5").string(), html.string(), false); },
                  {"none.h5: no such file"});
  std::ofstream(dir / "text.h5") << "not HDF5";
  expect_io_error([&] { report::write_report((dir / "text.h5").string(), html.string(), false); },
                  {"text.h5: not a readable HDF5 file"});
  EXPECT_FALSE(fs::exists(html));
}

}  // namespace
}  // namespace sectorsim
