// Tests of the results file (engine/io, docs/output-format.md): a hand-built
// scenario is written through the public API, then read back by the C++ reader
// and by an independent Python reader (h5py, xarray + h5netcdf), and every
// value is compared with the originals. Also: failure safety of the writer
// (no partial files), the reader's refusals, and SHA-256 known answers.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "support.hpp"

#include "engine/io/format.hpp"
#include "engine/io/results_reader.hpp"
#include "engine/io/results_writer.hpp"
#include "engine/io/sha256.hpp"
#include "engine/spec/chunk.hpp"
#include "engine/spec/results.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim {
namespace {

namespace fs = std::filesystem;
using io::IoError;

constexpr const char* PYTHON = "/usr/bin/python3";
constexpr std::uint64_t DRAWS = 10;

// ------------------------------------------------------------ fixtures

std::vector<core::SeriesInfo> test_series() {
  return {{"gdp", "亿元", "district GDP", false},
          {"share", "1", "a ratio", false},
          {"va", "亿元", "value added by sector", true},
          {"revenue", "亿元", "revenue by sector (summaries only, no paths)", true}};
}

core::ScenarioSpec test_spec(const std::string& name = "base") {
  core::ScenarioSpec spec;
  spec.name = name;
  spec.title_en = "Base case";
  spec.title_zh = "基准情景";
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
  core::TargetSpec gdp;
  gdp.id = "gdp_2024";
  gdp.label_en = "GDP above 1,000";
  gdp.label_zh = "地区生产总值超过1000亿元";
  gdp.indicator = "gdp";
  gdp.year = 2024;
  gdp.op = core::Op::GreaterEqual;
  gdp.threshold = 1000.5;
  core::TargetSpec doubled;
  doubled.id = "va_software_doubled";
  doubled.label_en = "Software value added doubles";
  doubled.label_zh = "软件业增加值翻番";
  doubled.indicator = "va.software_it";
  doubled.year = 2024;
  doubled.op = core::Op::Less;
  doubled.threshold = 2.0;
  doubled.relative_to_year = 2022;
  spec.targets = {gdp, doubled};
  spec.files = {{"scenarios/test/" + name + ".yaml", "name: " + name + "\ntitle: 基准情景\n"},
                {"scenarios/test/common.yaml", "sectors:\n  - finance\n  - software_it\n"}};
  return spec;
}

// Per-draw value of one cell: multiples of 1/4 below 2^20, so any sum of them is exact.
double path_value(int cell, std::uint64_t draw) {
  return (cell + 1) * 1000.0 + 0.25 * static_cast<double>(draw) - 3.0;
}

// Feeds draws [first, first + n) as one chunk with a stride wider than n; the
// unused lanes hold NaN, so a writer reading them would be caught.
void feed(core::ChunkSink& sink, const core::CellLayout& layout, std::uint64_t first, std::size_t n,
          std::size_t stride) {
  std::vector<double> values(static_cast<std::size_t>(layout.n_cells()) * stride,
                             std::numeric_limits<double>::quiet_NaN());
  for (int c = 0; c < layout.n_cells(); ++c) {
    for (std::size_t lane = 0; lane < n; ++lane) {
      values[static_cast<std::size_t>(c) * stride + lane] = path_value(c, first + lane);
    }
  }
  core::ChunkView view;
  view.first_draw = first;
  view.n = n;
  view.stride = stride;
  view.values = values.data();
  view.layout = &layout;
  sink.consume(view);
}

core::Proportion proportion(std::uint64_t met, std::uint64_t n, double salt) {
  const double p = static_cast<double>(met) / static_cast<double>(n);
  return {met, n, p, p - 0.1 - salt / 7.0, p + 0.1 + salt / 11.0};
}

// The result handed to the writer: distinct, non-round numbers everywhere
// (thirds, a NaN), so that a value read from a wrong place cannot match.
core::ScenarioResult test_result(const core::ScenarioSpec& spec, const core::CellLayout& layout) {
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
    const int n = core::N_STATS * layout.n_years() * layout.width(i);
    for (int k = 0; k < n; ++k)
      summary.stats.push_back((i + 1) * 100.0 + k / 3.0);
    r.summaries.push_back(summary);
  }
  r.summaries[1].stats[1] = std::numeric_limits<double>::quiet_NaN();  // sd of a constant ratio
  for (std::size_t t = 0; t < spec.targets.size(); ++t) {
    core::TargetResult target;
    target.spec = spec.targets[t];
    target.in_year = proportion(3 + t, DRAWS, static_cast<double>(t));
    for (std::uint64_t y = 0; y < r.years.size(); ++y) {
      target.by_year.push_back(proportion(y + t + 1, DRAWS, static_cast<double>(y) / 3.0));
    }
    r.targets.push_back(target);
  }
  r.all_targets = proportion(2, DRAWS, 0.5);
  r.draws = DRAWS;
  r.draws_requested = DRAWS;
  r.seed = 20221014;
  r.sampler = core::Sampler::LatinHypercube;
  r.quantile_method = "exact (type 7)";
  return r;
}

io::RunMeta test_meta() {
  io::RunMeta meta;
  meta.command_line = "sectorsim run scenarios/test/base.yaml --draws 10 --seed 7";
  meta.engine_version = "0.1.0-test";
  meta.seed = 7;
  meta.chunk_draws = 4;
  return meta;
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
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
  return a == b || (std::isnan(a) && std::isnan(b));
}

void expect_same_proportion(const core::Proportion& got, const core::Proportion& want,
                            const std::string& what) {
  EXPECT_EQ(got.met, want.met) << what;
  EXPECT_EQ(got.n, want.n) << what;
  EXPECT_TRUE(same(got.p, want.p)) << what << ": p " << got.p << " vs " << want.p;
  EXPECT_TRUE(same(got.low, want.low)) << what << ": low " << got.low << " vs " << want.low;
  EXPECT_TRUE(same(got.high, want.high)) << what << ": high " << got.high << " vs " << want.high;
}

// Each test works in its own empty directory under the build tree.
class IoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(SECTORSIM_BINARY_DIR) / "test_io_files" /
           (std::string(info->test_suite_name()) + "." + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  // Writes scenario "base" with paths fed in chunks of 4, 4 and 2 draws, and
  // scenario "nopaths" without paths or targets; returns the file.
  fs::path write_test_file(const std::string& name = "results.h5") {
    const fs::path file = dir_ / name;
    io::ResultsWriter writer(file.string(), false, test_meta());
    write_base(writer);
    core::ScenarioSpec second = test_spec("nopaths");
    second.targets.clear();
    EXPECT_EQ(writer.begin_scenario(second, layout_, DRAWS, io::PathOptions{false}), nullptr);
    core::ScenarioResult result = test_result(second, layout_);
    result.draws = 6;  // an interrupted run: complete = 0
    result.all_targets = {};
    writer.end_scenario(result);
    writer.commit();
    return file;
  }

  void write_base(io::ResultsWriter& writer) {
    core::ChunkSink* sink = writer.begin_scenario(spec_, layout_, DRAWS, io::PathOptions{});
    ASSERT_NE(sink, nullptr);
    feed(*sink, layout_, 0, 4, 6);
    feed(*sink, layout_, 4, 4, 6);
    feed(*sink, layout_, 8, 2, 6);
    writer.end_scenario(result_);
  }

  fs::path dir_;
  core::ScenarioSpec spec_ = test_spec();
  core::CellLayout layout_{test_series(), 3, 2};
  core::ScenarioResult result_ = test_result(spec_, layout_);
};

// ------------------------------------------------------------ SHA-256

// Known answers from FIPS 180-2, appendix B (one block, two blocks, a million 'a');
// the empty string and the padding edges (55 and 64 bytes) from Python's hashlib.
TEST(IoSha256, KnownAnswers) {
  EXPECT_EQ(io::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(io::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(io::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(io::sha256_hex(std::string(55, 'a')),
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(io::sha256_hex(std::string(64, 'a')),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  EXPECT_EQ(io::sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// ------------------------------------------------------------ round trip

TEST_F(IoTest, ReadBackEqualsOriginals) {
  const fs::path file = write_test_file();
  EXPECT_EQ(io::list_scenarios(file.string()), (std::vector<std::string>{"base", "nopaths"}));

  const core::ScenarioResult got = io::read_scenario(file.string(), "base");
  const core::ScenarioResult& want = result_;
  EXPECT_EQ(got.name, "base");
  EXPECT_EQ(got.years, (std::vector<int>{2022, 2023, 2024}));
  EXPECT_EQ(got.sector_ids, (std::vector<std::string>{"finance", "software_it"}));
  EXPECT_EQ(got.sector_names_en, (std::vector<std::string>{"Finance", "Software and IT"}));
  EXPECT_EQ(got.sector_names_zh, (std::vector<std::string>{"金融业", "软件和信息技术服务业"}));
  EXPECT_EQ(got.draws, DRAWS);
  EXPECT_EQ(got.draws_requested, DRAWS);
  EXPECT_EQ(got.seed, 20221014u);
  EXPECT_EQ(got.sampler, core::Sampler::LatinHypercube);
  EXPECT_EQ(got.quantile_method, "exact (type 7)");

  ASSERT_EQ(got.summaries.size(), want.summaries.size());
  for (std::size_t i = 0; i < want.summaries.size(); ++i) {
    const core::SeriesSummary& g = got.summaries[i];
    const core::SeriesSummary& w = want.summaries[i];
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
    const core::TargetResult& g = got.targets[t];
    const core::TargetResult& w = want.targets[t];
    EXPECT_EQ(g.spec.id, w.spec.id);
    EXPECT_EQ(g.spec.label_en, w.spec.label_en);
    EXPECT_EQ(g.spec.label_zh, w.spec.label_zh);
    EXPECT_EQ(g.spec.indicator, w.spec.indicator);
    EXPECT_EQ(g.spec.year, w.spec.year);
    EXPECT_EQ(g.spec.op, w.spec.op);
    EXPECT_EQ(g.spec.threshold, w.spec.threshold);
    EXPECT_EQ(g.spec.relative_to_year, w.spec.relative_to_year);
    expect_same_proportion(g.in_year, w.in_year, w.spec.id);
    ASSERT_EQ(g.by_year.size(), w.by_year.size());
    for (std::size_t y = 0; y < w.by_year.size(); ++y) {
      expect_same_proportion(g.by_year[y], w.by_year[y], w.spec.id + " year " + std::to_string(y));
    }
  }
  expect_same_proportion(got.all_targets, want.all_targets, "joint");

  const core::ScenarioResult second = io::read_scenario(file.string(), "nopaths");
  EXPECT_EQ(second.draws, 6u);
  EXPECT_TRUE(second.targets.empty());
  EXPECT_EQ(second.summaries.size(), want.summaries.size());
}

// The independent reader: h5py for attributes, scales and path values (checked
// against sums and values computed here from path_value), xarray + h5netcdf
// for the netCDF-4 view (named dimensions and coordinates).
TEST_F(IoTest, PythonReaderAgrees) {
  if (::access(PYTHON, X_OK) != 0) SECTORSIM_SKIP_OR_FAIL_IN_CI(PYTHON << " is not installed");
  if (std::system((std::string(PYTHON) + " -c 'import h5py' 2>/dev/null").c_str()) != 0) {
    SECTORSIM_SKIP_OR_FAIL_IN_CI("h5py is not installed for " << PYTHON);
  }
  const fs::path file = write_test_file();

  std::ostringstream cmd;
  cmd.precision(17);
  cmd << PYTHON << " " << SECTORSIM_SOURCE_DIR << "/tests/python/check_results.py " << file
      << " --scenario base --draws " << DRAWS
      << " --years 2022,2023,2024 --sectors finance,software_it --seed 7";
  const auto& series = layout_.series();
  for (int i = 0; i < static_cast<int>(series.size()); ++i) {
    if (series[static_cast<std::size_t>(i)].name == "revenue") continue;  // no paths kept
    double sum = 0;
    for (int k = 0; k < layout_.n_years() * layout_.width(i); ++k) {
      for (std::uint64_t d = 0; d < DRAWS; ++d)
        sum += path_value(layout_.offset(i) + k, d);
    }
    cmd << " --sum " << series[static_cast<std::size_t>(i)].name << "=" << sum;
  }
  // Spot values: [draw, year, sector] in the file is cell (series, year, sector) of that draw.
  cmd << " --value 'va[7,1,0]=" << path_value(layout_.cell(2, 1, 0), 7) << "'"
      << " --value 'va[9,2,1]=" << path_value(layout_.cell(2, 2, 1), 9) << "'"
      << " --value 'gdp[5,2]=" << path_value(layout_.cell(0, 2), 5) << "'"
      << " --value 'summary/va[4,1,1]=" << result_.summaries[2].stats[(4 * 3 + 1) * 2 + 1] << "'"
      << " --value 'targets/ci_high_by_year[1,2]=" << result_.targets[1].by_year[2].high << "'"
      << " --value 'targets/probability[0]=" << result_.targets[0].in_year.p << "'";
  const int status = std::system(cmd.str().c_str());
  EXPECT_EQ(status, 0) << "command: " << cmd.str();
}

// ------------------------------------------------------------ writer safety

TEST_F(IoTest, WriterWithoutCommitLeavesNoFile) {
  {
    io::ResultsWriter writer((dir_ / "out.h5").string(), false, test_meta());
    core::ChunkSink* sink = writer.begin_scenario(spec_, layout_, DRAWS, io::PathOptions{});
    feed(*sink, layout_, 0, 4, 4);
    EXPECT_EQ(files_in(dir_).size(), 1u);  // the temporary file
  }
  EXPECT_TRUE(files_in(dir_).empty());
}

// Pages of `fd`'s file that are dirty in the page cache (not yet handed to
// the disk), from the cachestat system call (Linux 6.5 and later); -1 where
// the system has no such call.
long long dirty_pages(int fd) {
#if defined(__linux__) && defined(__x86_64__)
  struct Range {
    std::uint64_t off, len;
  } range{0, 0};  // len 0: to the end of the file
  struct Stat {
    std::uint64_t cache, dirty, writeback, evicted, recently_evicted;
  } stat{};
  constexpr long CACHESTAT = 451;  // x86-64 system call number
  if (::syscall(CACHESTAT, fd, &range, &stat, 0) != 0) return -1;
  return static_cast<long long>(stat.dirty);
#else
  (void)fd;
  return -1;
#endif
}

// A path run hands its data to the disk as it goes (ResultsWriter's
// start_writeback every 32 MiB), rather than leaving it all dirty in memory
// for commit()'s fsync: after 96 MiB of paths, well under half of the
// temporary file is still dirty. (Without it all of it is: a few hundred MB
// stay below the kernel's dirty-page thresholds.)
TEST_F(IoTest, PathsGoToDiskDuringTheRun) {
  struct statfs fs_info {};
  if (::statfs(dir_.c_str(), &fs_info) == 0 && fs_info.f_type == 0x01021994) {
    GTEST_SKIP() << "the test directory is on tmpfs, whose pages never go to a disk";
  }
  const std::size_t chunk = 4096;
  const std::uint64_t draws = 1 << 20;
  io::ResultsWriter writer((dir_ / "big.h5").string(), false, test_meta());
  core::ChunkSink* sink = writer.begin_scenario(spec_, layout_, draws, io::PathOptions{});
  ASSERT_NE(sink, nullptr);
  ASSERT_EQ(files_in(dir_).size(), 1u);
  const fs::path temp = dir_ / files_in(dir_).front();
  std::uint64_t first = 0;
  while (first < draws && fs::file_size(temp) < (std::uint64_t{96} << 20)) {
    feed(*sink, layout_, first, chunk, chunk);
    first += chunk;
  }
  const std::uint64_t bytes = fs::file_size(temp);
  ASSERT_GE(bytes, std::uint64_t{96} << 20) << "the test needs more draws";
  const int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const long long dirty = dirty_pages(fd);
  ::close(fd);
  if (dirty < 0) GTEST_SKIP() << "no cachestat system call here";
  const long long dirty_bytes = dirty * ::sysconf(_SC_PAGESIZE);
  EXPECT_LT(dirty_bytes, static_cast<long long>(bytes / 2))
      << dirty_bytes << " of " << bytes << " bytes are dirty";
}

TEST_F(IoTest, ExistingFileRefusedWithoutOverwrite) {
  const fs::path file = dir_ / "out.h5";
  write_bytes(file, "precious bytes\n");
  try {
    io::ResultsWriter writer(file.string(), false, test_meta());
    ADD_FAILURE() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()),
              file.string() +
                  ": exists; write elsewhere with -o FILE, or pass --overwrite to replace it");
  }
  EXPECT_EQ(read_bytes(file), "precious bytes\n");
  EXPECT_EQ(files_in(dir_), std::vector<std::string>{"out.h5"});
}

TEST_F(IoTest, OverwriteReplacesOnlyAtCommit) {
  const fs::path file = dir_ / "out.h5";
  write_bytes(file, "old results\n");
  io::ResultsWriter writer(file.string(), true, test_meta());
  write_base(writer);
  EXPECT_EQ(read_bytes(file), "old results\n");
  writer.commit();
  EXPECT_EQ(io::list_scenarios(file.string()), std::vector<std::string>{"base"});
  EXPECT_EQ(files_in(dir_), std::vector<std::string>{"out.h5"});
}

TEST_F(IoTest, OverwriteAbandonedKeepsOldFile) {
  const fs::path file = dir_ / "out.h5";
  write_bytes(file, "old results\n");
  {
    io::ResultsWriter writer(file.string(), true, test_meta());
    write_base(writer);
  }
  EXPECT_EQ(read_bytes(file), "old results\n");
  EXPECT_EQ(files_in(dir_), std::vector<std::string>{"out.h5"});
}

TEST_F(IoTest, MissingDirectoryFailsCleanly) {
  const fs::path file = dir_ / "no" / "such" / "out.h5";
  expect_io_error([&] { io::ResultsWriter writer(file.string(), false, test_meta()); },
                  {file.string(), "does not exist"});
  EXPECT_TRUE(files_in(dir_).empty());
}

TEST_F(IoTest, ReadOnlyDirectoryFailsCleanly) {
  if (::geteuid() == 0) GTEST_SKIP() << "root can write into read-only directories";
  const fs::path ro = dir_ / "ro";
  fs::create_directory(ro);
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
  expect_io_error([&] { io::ResultsWriter writer((ro / "out.h5").string(), false, test_meta()); },
                  {"not writable"});
  fs::permissions(ro, fs::perms::owner_all);
  EXPECT_TRUE(files_in(ro).empty());
}

// Runs a whole write of `draws` draws under a file size limit, which makes
// writes past `limit` bytes fail with EFBIG as a full disk fails them with
// ENOSPC. Exits 0 when an IoError was thrown and nothing is left in `dir`.
[[noreturn]] void write_with_size_limit(const fs::path& dir, rlim_t limit, std::uint64_t draws) {
  std::signal(SIGXFSZ, SIG_IGN);  // report EFBIG instead of killing the process
  rlimit size{};
  getrlimit(RLIMIT_FSIZE, &size);
  size.rlim_cur = limit;
  setrlimit(RLIMIT_FSIZE, &size);
  const core::ScenarioSpec spec = test_spec();
  const core::CellLayout layout(test_series(), 3, 2);
  int status = 3;  // no error
  try {
    io::ResultsWriter writer((dir / "out.h5").string(), false, test_meta());
    core::ChunkSink* sink = writer.begin_scenario(spec, layout, draws, io::PathOptions{});
    for (std::uint64_t first = 0; first < draws; first += 1000)
      feed(*sink, layout, first, 1000, 1000);
    core::ScenarioResult result = test_result(spec, layout);
    result.draws = result.draws_requested = draws;
    writer.end_scenario(result);
    writer.commit();
  } catch (const IoError& e) {
    std::fprintf(stderr, "IoError: %s\n", e.what());
    status = files_in(dir).empty() ? 0 : 2;
  }
  std::exit(status);
}

// A full disk, in a child process (the size limit and HDF5's state after the
// failure stay there): the write error surfaces as IoError, from the sink's
// chunk write (2 MiB) or from the flush in end_scenario (256 KiB), and no file
// or temporary file remains.
TEST_F(IoTest, FullDiskThrowsAndLeavesNoFile) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(write_with_size_limit(dir_, rlim_t{2} << 20, 100000), ::testing::ExitedWithCode(0),
              "IoError: .*File too large");
  EXPECT_EXIT(write_with_size_limit(dir_, rlim_t{256} << 10, 20000), ::testing::ExitedWithCode(0),
              "IoError: .*File too large");
  EXPECT_TRUE(files_in(dir_).empty());
}

TEST_F(IoTest, SinkRefusesChunksOutOfOrder) {
  io::ResultsWriter writer((dir_ / "out.h5").string(), false, test_meta());
  core::ChunkSink* sink = writer.begin_scenario(spec_, layout_, DRAWS, io::PathOptions{});
  feed(*sink, layout_, 0, 4, 4);
  expect_io_error([&] { feed(*sink, layout_, 6, 4, 4); }, {"starts at draw 6, expected 4"});
  expect_io_error([&] { feed(*sink, layout_, 4, 7, 7); }, {"beyond the 10 draws"});
}

TEST_F(IoTest, EndScenarioChecksDrawCount) {
  io::ResultsWriter writer((dir_ / "out.h5").string(), false, test_meta());
  core::ChunkSink* sink = writer.begin_scenario(spec_, layout_, DRAWS, io::PathOptions{});
  feed(*sink, layout_, 0, 4, 4);
  expect_io_error([&] { writer.end_scenario(result_); }, {"paths hold 4 draws but the result 10"});
}

TEST_F(IoTest, RefusesUnsafeScenarioName) {
  io::ResultsWriter writer((dir_ / "out.h5").string(), false, test_meta());
  core::ScenarioSpec spec = test_spec("a/b");
  expect_io_error([&] { writer.begin_scenario(spec, layout_, DRAWS, io::PathOptions{}); },
                  {"'a/b' is not a valid group name"});
}

TEST_F(IoTest, CommitRequiresEndedScenario) {
  io::ResultsWriter writer((dir_ / "out.h5").string(), false, test_meta());
  writer.begin_scenario(spec_, layout_, DRAWS, io::PathOptions{false});
  expect_io_error([&] { writer.commit(); }, {"'base' was begun but not ended"});
}

// ------------------------------------------------------------ reader refusals

TEST_F(IoTest, ReaderRefusesMissingFile) {
  const std::string file = (dir_ / "absent.h5").string();
  expect_io_error([&] { io::list_scenarios(file); }, {file + ": no such file"});
}

TEST_F(IoTest, ReaderRefusesGarbage) {
  const fs::path file = dir_ / "garbage.h5";
  std::string bytes(4096, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<char>((i * 7919) % 251);
  write_bytes(file, bytes);
  expect_io_error([&] { io::list_scenarios(file.string()); },
                  {file.string() + ": not a readable HDF5 file"});
  expect_io_error([&] { io::read_scenario(file.string(), "base"); }, {"not a readable HDF5 file"});
}

TEST_F(IoTest, ReaderRefusesTruncatedFile) {
  const fs::path file = write_test_file();
  const auto size = fs::file_size(file);
  ASSERT_EQ(::truncate(file.c_str(), static_cast<off_t>(size / 2)), 0);
  expect_io_error([&] { io::read_scenario(file.string(), "base"); },
                  {file.string() + ":", "damaged or incomplete"});
  expect_io_error([&] { io::list_scenarios(file.string()); }, {"damaged or incomplete"});
}

TEST_F(IoTest, ReaderRefusesUnknownScenario) {
  const fs::path file = write_test_file();
  expect_io_error([&] { io::read_scenario(file.string(), "other"); },
                  {"no scenario 'other' (the file has: base, nopaths)"});
}

// Files that HDF5 reads but that are not ours, made with h5py.
class IoForeignFileTest : public IoTest {
 protected:
  void SetUp() override {
    IoTest::SetUp();
    if (::access(PYTHON, X_OK) != 0) SECTORSIM_SKIP_OR_FAIL_IN_CI(PYTHON << " is not installed");
    if (std::system((std::string(PYTHON) + " -c 'import h5py' 2>/dev/null").c_str()) != 0) {
      SECTORSIM_SKIP_OR_FAIL_IN_CI("h5py is not installed for " << PYTHON);
    }
  }
  void tamper(const std::string& args) {
    const std::string cmd = std::string(PYTHON) + " " + SECTORSIM_SOURCE_DIR +
                            "/tests/python/tamper_results.py " + args;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
};

TEST_F(IoForeignFileTest, WrongFiletype) {
  const fs::path file = dir_ / "statepoint.h5";
  tamper("foreign " + file.string());
  expect_io_error(
      [&] { io::list_scenarios(file.string()); },
      {file.string() +
       ": not a sectorsim results file (filetype is 'statepoint', expected 'sectorsim-results')"});
}

TEST_F(IoForeignFileTest, UnknownMajorVersion) {
  const fs::path file = write_test_file();
  tamper("major " + file.string() + " 2");
  expect_io_error(
      [&] { io::read_scenario(file.string(), "base"); },
      {file.string() + ": results format version 2.0 is not supported", "this build reads 1.x"});
}

TEST_F(IoForeignFileTest, NewerMinorVersionIsRead) {
  const fs::path file = write_test_file();
  tamper("minor " + file.string() + " 7");
  EXPECT_EQ(io::read_scenario(file.string(), "base").draws, DRAWS);
}

}  // namespace
}  // namespace sectorsim
