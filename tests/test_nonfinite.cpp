// Values that are not numbers (issue 19, D5) and fixed cells (the base year):
// the accumulator counts NaN and infinite values per cell and undefined
// target values per target and year, exactly, in exact and sketch mode and
// across a save and restore; a cell holding any gets NaN statistics while
// the others keep their bits; a cell of one value summarises to that value
// with sd 0. Through the command line: a run with such values writes
// nothing and exits 4 unless --allow-nonfinite, which stores the counts; a
// prior whose one-in-a-billion value overflows the model is refused at its
// line by validate and run.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>
#include <hdf5.h>

#include "engine/io/format.hpp"
#include "engine/io/results_reader.hpp"
#include "engine/report/report.hpp"
#include "engine/run/errors.hpp"
#include "engine/run/health.hpp"
#include "engine/run/resume.hpp"
#include "engine/run/run.hpp"
#include "engine/spec/chunk.hpp"
#include "engine/spec/results.hpp"
#include "engine/stats/sketch.hpp"
#include "engine/stats/summary.hpp"
#include "models/registry.hpp"
#include "shell.hpp"

namespace sectorsim {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr double INF = std::numeric_limits<double>::infinity();

// Three indicators x, y, z over one year; draws delivered in chunks of
// CHUNK (the last one short).
constexpr std::uint64_t DRAWS = 10000, CHUNK = 4096;
const core::CellLayout& layout() {
  static const core::CellLayout l({{"x", "1", "finite", false},
                                   {"y", "1", "with NaN and infinities", false},
                                   {"z", "1", "denominator", false}},
                                  1, 1);
  return l;
}

// x: a smooth finite sequence; y: x with NaN, +inf and -inf at `bad`;
// z: 0 at every tenth draw, else 1 + x / 10.
struct Columns {
  std::vector<double> x, y, z;
};
Columns columns(const std::vector<std::uint64_t>& bad) {
  Columns c;
  for (std::uint64_t d = 0; d < DRAWS; ++d) {
    const double v = std::sin(0.37 * static_cast<double>(d)) * 3 + 0.001 * static_cast<double>(d);
    c.x.push_back(v);
    c.y.push_back(v);
    c.z.push_back(d % 10 == 0 ? 0.0 : 1 + v / 10);
  }
  const double kinds[] = {NaN, INF, -INF};
  for (std::size_t i = 0; i < bad.size(); ++i)
    c.y[bad[i]] = kinds[i % 3];
  return c;
}

// Targets on x / z (relative cell z): >= 1 and < 1, judged in year 0.
std::vector<core::ResolvedTarget> ratio_targets() {
  std::vector<core::ResolvedTarget> t(2);
  t[0].spec.id = "ratio_ge_1";
  t[0].spec.op = core::Op::GreaterEqual;
  t[1].spec.id = "ratio_lt_1";
  t[1].spec.op = core::Op::Less;
  for (auto& r : t) {
    r.spec.threshold = 1;
    r.cells = {0};
    r.relative_cell = 2;
  }
  return t;
}

void deliver(core::SummaryAccumulator& acc, const Columns& c, std::uint64_t from,
             std::uint64_t to) {
  for (std::uint64_t first = from; first < to; first += CHUNK) {
    const std::size_t n = static_cast<std::size_t>(std::min(CHUNK, to - first));
    std::vector<double> buf(3 * n);
    for (std::size_t i = 0; i < n; ++i) {
      buf[i] = c.x[first + i];
      buf[n + i] = c.y[first + i];
      buf[2 * n + i] = c.z[first + i];
    }
    core::ChunkView v{first, n, n, buf.data(), &layout()};
    acc.consume_unordered(v);
    acc.consume(v);
  }
}

core::ScenarioResult summarise(const Columns& c, std::size_t sketch_k) {
  core::SummaryAccumulator acc(layout(), ratio_targets(), DRAWS, CHUNK, sketch_k);
  deliver(acc, c, 0, DRAWS);
  core::ScenarioResult r;
  r.name = "test";
  r.years = {2022};
  acc.finish(DRAWS, r);
  return r;
}

class NonFiniteCounts : public ::testing::TestWithParam<std::size_t> {};

TEST_P(NonFiniteCounts, AreExactAndOnlyTheirCellLosesItsStatistics) {
  // NaN, +inf, -inf in the first, second and last chunk; one draw twice
  // would be one value, so every index differs.
  const std::vector<std::uint64_t> bad = {5, 4097, 4100, 9000, 9001, 9999};
  const core::ScenarioResult r = summarise(columns(bad), GetParam());
  const core::ScenarioResult clean = summarise(columns({}), GetParam());
  ASSERT_EQ(r.summaries.size(), 3u);
  EXPECT_EQ(r.summaries[0].nonfinite, std::vector<std::uint64_t>{0});
  EXPECT_EQ(r.summaries[1].nonfinite, std::vector<std::uint64_t>{bad.size()});
  EXPECT_EQ(r.summaries[2].nonfinite, std::vector<std::uint64_t>{0});
  EXPECT_EQ(r.nonfinite_cells(), 1u);
  for (int s = 0; s < core::N_STATS; ++s) {
    EXPECT_TRUE(std::isnan(r.summaries[1].stats[static_cast<std::size_t>(s)]))
        << core::STAT_NAMES[s] << " of the cell with non-finite values";
    // The other cells are untouched, bit for bit.
    EXPECT_EQ(r.summaries[0].stats[static_cast<std::size_t>(s)],
              clean.summaries[0].stats[static_cast<std::size_t>(s)])
        << core::STAT_NAMES[s];
    EXPECT_EQ(r.summaries[2].stats[static_cast<std::size_t>(s)],
              clean.summaries[2].stats[static_cast<std::size_t>(s)])
        << core::STAT_NAMES[s];
  }
  // The same cell without them has numbers, and no count.
  EXPECT_TRUE(std::isfinite(clean.summaries[1].stats[0]));
  EXPECT_EQ(clean.nonfinite_cells(), 0u);
  // describe_nonfinite names the cell and the count (after the targets on
  // x / z, undefined in more draws).
  const auto lines = core::describe_nonfinite(r);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "y 2022: 6 of 10000 draws (0.06%) NaN or +-inf"),
            lines.end())
      << ::testing::PrintToString(lines);
}

TEST_P(NonFiniteCounts, UndefinedTargetDrawsAreNeitherMetNorUnmet) {
  // x / z with z = 0 at every tenth draw: x / 0 is +-inf (or NaN where x is
  // 0), never a number; >= 1 and < 1 then cover every other draw exactly.
  const core::ScenarioResult r = summarise(columns({}), GetParam());
  ASSERT_EQ(r.targets.size(), 2u);
  const std::uint64_t zeros = DRAWS / 10;
  const core::Proportion& ge = r.targets[0].in_year;
  const core::Proportion& lt = r.targets[1].in_year;
  EXPECT_EQ(ge.undefined, zeros);
  EXPECT_EQ(lt.undefined, zeros);
  EXPECT_EQ(ge.met + lt.met + zeros, DRAWS)
      << "met(>= 1) " << ge.met << " + met(< 1) " << lt.met << " + undefined " << zeros;
  EXPECT_EQ(ge.n, DRAWS);
  // Recount directly.
  const Columns c = columns({});
  std::uint64_t ge_direct = 0;
  for (std::uint64_t d = 0; d < DRAWS; ++d)
    ge_direct += c.z[d] != 0 && c.x[d] / c.z[d] >= 1;
  EXPECT_EQ(ge.met, ge_direct);
  EXPECT_EQ(r.undefined_targets(), 2u);
  EXPECT_THROW(run::check_finite(r, false), run::NonFinite);
  EXPECT_NO_THROW(run::check_finite(r, true));
}

TEST_P(NonFiniteCounts, SurviveASaveAndRestore) {
  const std::vector<std::uint64_t> bad = {5, 4097, 9000};
  const Columns c = columns(bad);
  core::SummaryAccumulator first(layout(), ratio_targets(), DRAWS, CHUNK, GetParam());
  deliver(first, c, 0, 2 * CHUNK);
  const core::SummaryState saved = first.save(2 * CHUNK);
  ASSERT_EQ(saved.chunk_nonfinite.size(), 2u * 3u);
  EXPECT_EQ(saved.chunk_nonfinite[1], 1u);      // chunk 0, y
  EXPECT_EQ(saved.chunk_nonfinite[3 + 1], 1u);  // chunk 1, y
  core::SummaryAccumulator second(layout(), ratio_targets(), DRAWS, CHUNK, GetParam());
  second.restore(saved);
  deliver(second, c, 2 * CHUNK, DRAWS);
  core::ScenarioResult resumed, whole = summarise(c, GetParam());
  resumed.years = {2022};
  second.finish(DRAWS, resumed);
  EXPECT_EQ(resumed.summaries[1].nonfinite, whole.summaries[1].nonfinite);
  EXPECT_EQ(resumed.targets[0].in_year.undefined, whole.targets[0].in_year.undefined);
  EXPECT_EQ(resumed.targets[0].in_year.met, whole.targets[0].in_year.met);
  // A count above its chunk's draws is refused.
  core::SummaryState damaged = saved;
  damaged.chunk_nonfinite[1] = CHUNK + 1;
  core::SummaryAccumulator third(layout(), ratio_targets(), DRAWS, CHUNK, GetParam());
  EXPECT_THROW(third.restore(damaged), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(ExactAndSketch, NonFiniteCounts,
                         ::testing::Values(std::size_t{0}, core::DEFAULT_SKETCH_K),
                         [](const auto& p) { return p.param ? "sketch" : "exact"; });

TEST(FixedCell, SummarisesToItsValueAndSdZero) {
  // The Luohu base year's GDP: the sum of 4096 copies of 2630.2 times 1/4096
  // is 2630.1999999999539 in floating point, and the merged sd 6.8e-11; a
  // chunk of one value records the value itself.
  const double value = 2630.2;
  const core::CellLayout one({{"gdp", "1", "fixed", false}}, 1, 1);
  for (const std::size_t k : {std::size_t{0}, core::DEFAULT_SKETCH_K}) {
    core::SummaryAccumulator acc(one, {}, DRAWS, CHUNK, k);
    for (std::uint64_t first = 0; first < DRAWS; first += CHUNK) {
      const std::size_t n = static_cast<std::size_t>(std::min(CHUNK, DRAWS - first));
      std::vector<double> buf(n, value);
      core::ChunkView v{first, n, n, buf.data(), &one};
      acc.consume_unordered(v);
      acc.consume(v);
    }
    core::ScenarioResult r;
    acc.finish(DRAWS, r);
    const auto& stats = r.summaries[0].stats;
    EXPECT_EQ(stats[0], value) << "mean, sketch k " << k;
    EXPECT_EQ(stats[1], 0.0) << "sd, sketch k " << k;
    for (int s = 2; s < core::N_STATS; ++s)
      EXPECT_EQ(stats[static_cast<std::size_t>(s)], value) << core::STAT_NAMES[s];
  }
}

TEST(Meets, FalseForEveryValueThatIsNotANumber) {
  for (const double v : {NaN, INF, -INF}) {
    for (const core::Op op :
         {core::Op::Greater, core::Op::GreaterEqual, core::Op::Less, core::Op::LessEqual}) {
      EXPECT_FALSE(core::meets(op, v, 0.0)) << v << " " << core::op_symbol(op);
    }
  }
}

// ---------------------------------------------------------------------------
// Through the command line.

class NonFiniteCli : public testing::ScratchDirTest {
 protected:
  const std::string cli_ = SECTORSIM_CLI;

  // The Luohu scenarios (and the calibrated priors region.yaml extends)
  // copied here, region.yaml edited by `edit`.
  void copy_luohu(const std::string& from = "", const std::string& to = "") {
    std::filesystem::copy(std::string(SECTORSIM_SOURCE_DIR) + "/scenarios/luohu/calibration",
                          file("calibration"),
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::overwrite_existing);
    for (const auto& e : std::filesystem::directory_iterator(std::string(SECTORSIM_SOURCE_DIR) +
                                                             "/scenarios/luohu")) {
      if (e.path().extension() != ".yaml") continue;
      std::ifstream in(e.path());
      std::stringstream text;
      text << in.rdbuf();
      std::string s = text.str();
      if (!from.empty() && e.path().filename() == "region.yaml") {
        const auto at = s.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        s.replace(at, from.size(), to);
      }
      std::ofstream(file(e.path().filename().string())) << s;
    }
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(file(name)) << text;
  }
  // The Luohu scenarios with finance's trend growth a normal of this sd (its
  // mean as shipped); returns the new region.yaml.
  std::string finance_trend_as_normal(const std::string& sd) {
    copy_luohu(
        "      tfp_growth:\n        dist: truncated_normal\n        mean: 0.060\n        sd: "
        "0.012\n"
        "        low: 0.020\n        high: 0.100\n",
        "      tfp_growth:\n        dist: normal\n        mean: 0.060\n        sd: " + sd + "\n");
    std::ifstream in(file("region.yaml"));
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }
  static std::string line_of(const std::string& text, const std::string& needle) {
    const auto at = text.find(needle);
    return std::to_string(1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
  }
};

// A target relative to the base year's pillar count, which is 0 (finance's
// 1000亿 is not above the 1000亿 threshold): the ratio is never a number.
constexpr const char* PILLAR_RATIO =
    "extends: baseline.yaml\n"
    "scenario: {name: pillar-ratio, description: a ratio to zero}\n"
    "targets+:\n"
    "  - {id: pillars_grew, indicator: pillar_count, year: 2025, op: \">=\", value: 1,\n"
    "     relative_to_year: 2022, estimate: \"a target relative to a zero\"}\n"
    "  - {id: pillars_fell, indicator: pillar_count, year: 2025, op: \"<\", value: 1,\n"
    "     relative_to_year: 2022, estimate: \"its complement\"}\n";

TEST_F(NonFiniteCli, RunWritesNothingAndExitsFourNamingTheTarget) {
  copy_luohu();
  write("pillar.yaml", PILLAR_RATIO);
  write("out.h5", "an existing file the failed run must not touch");
  const auto r = testing::sh(cli_ + " run " + file("pillar.yaml") + " -o " + file("out.h5") +
                             " --overwrite --draws 3000 -t 2 --no-paths -q");
  EXPECT_EQ(r.status, 4) << r.out;
  EXPECT_NE(r.out.find("sectorsim: scenario 'pillar-ratio': 0 cells hold values that are not "
                       "finite numbers and 2 targets were undefined in some draws; no results "
                       "were written:"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("sectorsim:   target pillars_grew 2022-2025: pillar_count/2022 is not a "
                       "finite number in up to 3000 of 3000 draws (100%) (a ratio to zero or to "
                       "a value that is not)"),
            std::string::npos)
      << r.out;
  std::ifstream in(file("out.h5"));
  std::string kept((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(kept, "an existing file the failed run must not touch");
  for (const auto& e : std::filesystem::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST_F(NonFiniteCli, AllowedRunStoresTheCountsAndWarns) {
  copy_luohu();
  write("pillar.yaml", PILLAR_RATIO);
  const auto r = testing::sh(cli_ + " run " + file("pillar.yaml") + " -o " + file("out.h5") +
                             " --draws 3000 -t 2 --no-paths -q --allow-nonfinite");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("sectorsim: warning: scenario 'pillar-ratio': 0 cells hold values"),
            std::string::npos)
      << r.out;
  const core::ScenarioResult res = io::read_scenario(file("out.h5"), "pillar-ratio");
  EXPECT_EQ(io::read_scenario_info(file("out.h5"), "pillar-ratio").model, "sector_growth");
  std::uint64_t met_both = 0;
  for (const auto& t : res.targets) {
    if (t.spec.id != "pillars_grew" && t.spec.id != "pillars_fell") {
      EXPECT_EQ(t.in_year.undefined, 0u) << t.spec.id;
      continue;
    }
    EXPECT_EQ(t.in_year.undefined, 3000u) << t.spec.id;
    met_both += t.in_year.met;
  }
  EXPECT_EQ(met_both, 0u);
  EXPECT_EQ(res.nonfinite_cells(), 0u);
  ASSERT_FALSE(res.summaries.empty());
  EXPECT_EQ(res.summaries[0].nonfinite.size(), res.years.size());
}

TEST_F(NonFiniteCli, PriorTooWideForTheModelIsRefusedAtItsLine) {
  // sd 1e10 for finance's trend growth: exp overflows within a year.
  const std::string text = finance_trend_as_normal("1e10");
  const std::string line = line_of(text, "        dist: normal");
  const std::string expected = file("region.yaml") + ":" + line +
                               ":9: sectors.finance.params.tfp_growth: normal(mean=0.060, "
                               "sd=1e10) is too wide for the model: at its one-in-a-billion high "
                               "value 5.99781e+10, district_gdp in 2023 is not a finite number "
                               "(nor are 40 other cells); narrow it (a misplaced decimal point?) "
                               "or bound it (truncated_normal, pert)\n";
  const auto v = testing::sh(cli_ + " validate " + file("baseline.yaml"));
  EXPECT_EQ(v.status, 2);
  EXPECT_EQ(v.out, expected);
  const auto r = testing::sh(cli_ + " run " + file("baseline.yaml") + " -o " + file("out.h5") +
                             " --draws 100 -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, expected);
  EXPECT_FALSE(std::filesystem::exists(file("out.h5")));
}

TEST_F(NonFiniteCli, TypoInAnSdOverALongHorizonIsRefused) {
  // sd 30 where 0.30 was meant: at six sd, 180 a year of log growth
  // overflows over 2022-2030 (the district's value added passes 1e308).
  std::string text = finance_trend_as_normal("30");
  const auto at = text.find("end_year: 2025");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 14, "end_year: 2030");
  std::ofstream(file("region.yaml")) << text;
  const auto v = testing::sh(cli_ + " validate " + file("baseline.yaml"));
  EXPECT_EQ(v.status, 2) << v.out;
  EXPECT_NE(v.out.find("sectors.finance.params.tfp_growth: normal(mean=0.060, sd=30) is too wide "
                       "for the model"),
            std::string::npos)
      << v.out;
  // The shipped priors pass over the same horizon.
  copy_luohu("end_year: 2025", "end_year: 2030");
  const auto ok = testing::sh(cli_ + " validate " + file("baseline.yaml"));
  EXPECT_EQ(ok.status, 0) << ok.out;
}

// A file kept with --allow-nonfinite whose district GDP is not a number
// after the base year (written here into a healthy file, as a model that
// overflowed would leave it): the report opens with the notice, and the
// district_gdp chart draws the base year alone (one dot), not a line to the
// axis.
TEST_F(NonFiniteCli, ReportShowsTheNoticeAndGaps) {
  const std::string luohu = std::string(SECTORSIM_SOURCE_DIR) + "/scenarios/luohu/";
  const auto r = testing::sh(cli_ + " run " + luohu + "baseline.yaml -o " + file("r.h5") +
                             " --draws 500 -t 2 --no-paths -q");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto healthy = report::render_report(file("r.h5"));
  EXPECT_EQ(healthy.find("class=\"alert\""), std::string::npos);
  {
    const hid_t f = H5Fopen(file("r.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    const auto rewrite = [&](const char* path, auto fill) {
      const hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
      ASSERT_GE(d, 0) << path;
      const hid_t space = H5Dget_space(d);
      std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
      H5Sget_simple_extent_dims(space, dims.data(), nullptr);
      H5Sclose(space);
      using T = decltype(fill(0, 0));
      const hid_t type = std::is_same_v<T, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_UINT64;
      std::size_t total = 1;
      for (const hsize_t n : dims)
        total *= n;
      std::vector<T> v(total);
      H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
      const std::size_t years = dims.back();  // [..., year]
      for (std::size_t i = 0; i < total; ++i)
        v[i] = fill(i % years, v[i]);
      H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
      H5Dclose(d);
    };
    rewrite("/scenarios/baseline/summary/district_gdp",
            [](std::size_t year, double v) { return year == 0 ? v : NaN; });
    rewrite("/scenarios/baseline/nonfinite/district_gdp",
            [](std::size_t year, std::uint64_t) { return std::uint64_t{year == 0 ? 0u : 7u}; });
    H5Fclose(f);
  }
  const auto html = report::render_report(file("r.h5"));
  EXPECT_NE(html.find("<li>district_gdp 2023-2025: up to 7 of 500 draws (1.4%) NaN or +-inf</li>"),
            std::string::npos);
  // The district_gdp fan chart: from its title to the end of its SVG.
  const auto at = html.find("<figure", html.find("id=\"scenario-baseline\""));
  ASSERT_NE(at, std::string::npos);
  const auto end = html.find("</svg>", at);
  const std::string chart = html.substr(at, end - at);
  ASSERT_NE(chart.find("district_gdp"), std::string::npos) << chart.substr(0, 300);
  std::size_t dots = 0;
  for (auto p = chart.find("class=\"dot\""); p != std::string::npos;
       p = chart.find("class=\"dot\"", p + 1))
    ++dots;
  EXPECT_EQ(dots, 1u) << "the base year alone";
  EXPECT_EQ(chart.find("class=\"median\""), std::string::npos) << "no line through the gap";
}

// A checkpoint written before the counts existed (format 1.1) cannot vouch
// for its draws: resume refuses it, naming the reason.
TEST_F(NonFiniteCli, CheckpointWithoutCountsIsRefused) {
  const auto spec =
      models::load_scenario(std::string(SECTORSIM_SOURCE_DIR) + "/scenarios/luohu/baseline.yaml");
  std::atomic<bool> stop{false};
  run::RunOptions o;
  o.overrides.draws = 5 * core::CHUNK_DRAWS;
  o.output.file = file("part.h5");
  o.output.keep_paths = false;
  o.execution.stop = &stop;
  o.execution.progress = [&](std::uint64_t done, std::uint64_t) {
    if (done >= core::CHUNK_DRAWS) stop = true;
  };
  ASSERT_TRUE(run::run_scenario(spec, o).interrupted);
  EXPECT_NO_THROW(run::plan_resume(file("part.h5"), spec));
  const hid_t f = H5Fopen(file("part.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  EXPECT_GE(H5Ldelete(f, "/scenarios/baseline/checkpoint/chunk_nonfinite", H5P_DEFAULT), 0);
  H5Fclose(f);
  try {
    run::plan_resume(file("part.h5"), spec);
    ADD_FAILURE() << "resumed a checkpoint without counts";
  } catch (const io::IoError& e) {
    EXPECT_EQ(std::string(e.what()),
              file("part.h5") +
                  ": the checkpoint of scenario 'baseline' was written by a version that did not "
                  "count non-finite values (results format 1.1); finish it with that version, or "
                  "run the scenario again");
  }
}

// The base year is observed data: summary.csv gives the published figures
// (Luohu 2022 GDP 2630.2亿元, services 2498.7) with sd 0, as the shortest
// text that reads back as the same double.
class BaseYearCli : public NonFiniteCli {};

TEST_F(BaseYearCli, SummaryCsvGivesTheDataExactly) {
  const std::string luohu = std::string(SECTORSIM_SOURCE_DIR) + "/scenarios/luohu/";
  const auto r = testing::sh(cli_ + " compare " + luohu + "baseline.yaml " + luohu +
                             "plan-2022-2025.yaml -o " + file("c.h5") + " --csv " + file("csv") +
                             " --draws 5000 -t 2 -q");
  ASSERT_EQ(r.status, 0) << r.out;
  std::ifstream in(file("csv/summary.csv"));
  std::string text((std::istreambuf_iterator<char>(in)), {});
  for (const char* row :
       {"baseline,district_gdp,,2022,2630.2,0,2630.2,2630.2,2630.2,2630.2,2630.2\r\n",
        "baseline,service_va,,2022,2498.7,0,2498.7,2498.7,2498.7,2498.7,2498.7\r\n",
        "plan-2022-2025,district_gdp,,2022,2630.2,0,2630.2,2630.2,2630.2,2630.2,"
        "2630.2\r\n"}) {
    EXPECT_NE(text.find(row), std::string::npos) << row;
  }
}

}  // namespace
}  // namespace sectorsim
