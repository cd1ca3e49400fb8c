// Hostile and broken input: every case is refused with one clear line in
// bounded time and memory, never a crash, a hang or an exception other than
// config::ConfigError. Complements tests/test_config.cpp (ordinary mistakes)
// with what a fuzzer or a careless script produces: huge numbers and strings,
// NUL bytes and other encodings, garbage, oversized lists, special files
// behind `extends:`. Inputs that once broke the loader (found by
// tools/fuzz.sh or while hardening it) live in tests/data/config/regress/
// and are checked by RobustRegressions. The wall clock bounds are hang
// guards, far above the real times, not performance claims. Also covers the
// resource pre-flight of a run (engine/run/preflight.hpp).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/config/scenario_loader.hpp"
#include "engine/run/preflight.hpp"
#include "engine/stats/summary.hpp"
#include "models/registry.hpp"
#include "models/sector_growth/sector_growth_spec.hpp"

namespace sectorsim::config {
namespace {

namespace fs = std::filesystem;
using Strings = std::vector<std::string>;

const fs::path DATA = fs::path(SECTORSIM_SOURCE_DIR) / "tests" / "data" / "config";
constexpr double HANG_GUARD_SECONDS = 20.0;

void replace_all(std::string* s, const std::string& from, const std::string& to) {
  for (std::size_t at = s->find(from); at != std::string::npos;
       at = s->find(from, at + to.size())) {
    s->replace(at, from.size(), to);
  }
}

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

// A scratch directory holding a copy of minimal.yaml; cases extend it.
class RobustFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("sectorsim_robust_" + std::to_string(::getpid()) + "_" +
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

  std::string relative(std::string message) const {
    replace_all(&message, dir_.string() + "/", "");
    return message;
  }

  // Errors of loading `path`, scratch directory removed from file names; the
  // load must end within the hang guard.
  Strings errors_of_file(const std::string& path) const {
    const auto start = std::chrono::steady_clock::now();
    Strings out;
    try {
      models::load_scenario(path);
    } catch (const ConfigError& e) {
      for (const auto& m : e.messages())
        out.push_back(relative(m));
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    EXPECT_LT(took.count(), HANG_GUARD_SECONDS) << path;
    return out;
  }

  Strings errors(const std::string& text) const { return errors_of_file(write("case.yaml", text)); }

  fs::path dir_;
};

using RobustNumbers = RobustFixture;
using RobustText = RobustFixture;
using RobustSize = RobustFixture;
using RobustFiles = RobustFixture;

// ---------------------------------------------------------------------------
// Numbers

TEST_F(RobustNumbers, DrawsAndSeedOutsideUnsigned64) {
  EXPECT_EQ(
      errors("extends: minimal.yaml\n"
             "run: {draws: -1, seed: 18446744073709551616}\n"),
      (Strings{"case.yaml:2:14: run.draws: must be >= 0 (got -1)",
               "case.yaml:2:24: run.seed: integer out of range, got '18446744073709551616'"}));
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "run: {draws: 1e30, seed: 3.5}\n"),
            (Strings{"case.yaml:2:14: run.draws: expected an integer, got '1e30'",
                     "case.yaml:2:26: run.seed: expected an integer, got '3.5'"}));
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "run: {draws: -18446744073709551617}\n"),
            Strings{"case.yaml:2:14: run.draws: integer out of range, got "
                    "'-18446744073709551617'"});
  write("max.yaml", "extends: minimal.yaml\nrun: {seed: 18446744073709551615}\n");
  EXPECT_EQ(models::load_scenario((dir_ / "max.yaml").string()).run.seed, 18446744073709551615u);
}

TEST_F(RobustNumbers, SumsThatOverflowAreRefused) {
  // Each entry is a finite double; their column sum is not.
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "demand: {technical: [[1e308, 0], [1e308, 0]]}\n"),
            Strings{"case.yaml:2:21: demand.technical: column 0 ('finance') sums to inf (each "
                    "column must sum to < 1)"});
}

TEST_F(RobustNumbers, PriorsWhoseDrawsOverflow) {
  // Finite parameters, infinite draws: a uniform wider than the largest
  // double, a normal whose tail passes it, a lognormal whose exp() does.
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "sector_defaults:\n"
                   "  capital_output: {dist: lognormal, mu: 700, sigma: 2}\n"
                   "parameters:\n"
                   "  price_growth: {dist: uniform, low: -1e308, high: 1e308}\n"
                   "  city_real_growth: {dist: normal, mean: 1e308, sd: 1e307}\n"),
            (Strings{"case.yaml:3:19: sector_defaults.capital_output: draws of lognormal(mu=700, "
                     "sigma=2) would overflow to infinity; use less extreme parameters",
                     "case.yaml:5:17: parameters.price_growth: draws of uniform(low=-1e308, "
                     "high=1e308) would overflow to infinity; use less extreme parameters",
                     "case.yaml:6:21: parameters.city_real_growth: draws of normal(mean=1e308, "
                     "sd=1e307) would overflow to infinity; use less extreme parameters"}));
}

TEST_F(RobustNumbers, BetaShapesAreBounded) {
  // Boost.Math's incomplete beta runs for hours on huge integer-valued
  // shapes (see regress/pert-huge-lambda.yaml); beyond 1e6 a beta is a point
  // mass in effect.
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "sector_defaults:\n"
                   "  investment_rate: {dist: beta, alpha: 1e20, beta: 2, low: 0.1, high: 0.25}\n"),
            Strings{"case.yaml:3:40: sector_defaults.investment_rate: alpha must be <= 1000000 "
                    "(got 1e20)"});
  // The bound itself is accepted.
  write("ok.yaml",
        "extends: minimal.yaml\n"
        "parameters: {plot_ratio: {dist: pert, low: 1, mode: 3, high: 5, lambda: 1e6}}\n");
  EXPECT_EQ(models::sector_growth(models::load_scenario((dir_ / "ok.yaml").string()))
                .globals.plot_ratio.dist(),
            core::Dist::Pert);
}

// ---------------------------------------------------------------------------
// Text: long strings, NUL bytes, other encodings

TEST_F(RobustText, LongKeysAreRefusedAtParse) {
  EXPECT_EQ(errors("extends: minimal.yaml\nregion: {" + std::string(300, 'k') + ": 1}\n"),
            Strings{"case.yaml:2:10: key too long (300 bytes, at most 256)"});
  // At the limit the key is read, and reported as unknown without a costly
  // suggestion.
  const std::string key(256, 'k');
  EXPECT_EQ(errors("extends: minimal.yaml\nregion: {" + key + ": 1}\n"),
            Strings{"case.yaml:2:10: region." + key + ": unknown key '" + key + "'"});
}

TEST_F(RobustText, LongValuesGiveOneShortLine) {
  const std::string megabyte(1 << 20, 'x');
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "run: {sampler: " +
                   megabyte + "}\n"),
            Strings{"case.yaml:2:16: run.sampler: unknown sampler '" + std::string(60, 'x') +
                    "...' (1048576 characters) (expected mc, lhs or sobol)"});
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "scenario: {name: \"two\\nlines\"}\n"),
            Strings{"case.yaml:2:18: scenario.name: must match [A-Za-z0-9_.-]+ (got 'two...' "
                    "(9 characters))"});
  // A path longer than PATH_MAX would only come back whole in the message.
  EXPECT_EQ(errors("extends: " + std::string(5000, 'p') + "\n"),
            Strings{"case.yaml:1:10: extends: expected a file name, got '" + std::string(60, 'p') +
                    "...' (5000 characters)"});
  // A long description is ordinary text and loads.
  write("long.yaml", "extends: minimal.yaml\nscenario: {description: " + megabyte + "}\n");
  EXPECT_EQ(models::load_scenario((dir_ / "long.yaml").string()).description, megabyte);
}

TEST_F(RobustText, LongIdsAndIndicators) {
  // Ids are compared with every key of allocation maps and indicator names
  // for suggestions (edit distance, length times length): a few megabytes
  // each took hours before ids were bounded.
  const std::string long_id(1 << 20, 'a');
  EXPECT_EQ(errors("extends: minimal.yaml\n"
                   "scenario: {name: " +
                   std::string(65, 'n') +
                   "}\n"
                   "sectors:\n"
                   "  - {id: " +
                   long_id +
                   ", base: {va: 1, space: 1}}\n"
                   "targets:\n"
                   "  - {id: t, indicator: va." +
                   long_id +
                   "b, year: 2025, op: '>', value: 1}\n"
                   "demand: ~\n"),
            (Strings{"case.yaml:2:18: scenario.name: must be at most 64 characters (got 65)",
                     "case.yaml:4:10: sectors[0].id: must be at most 64 characters (got 1048576)",
                     "case.yaml:6:24: targets.t.indicator: unknown indicator 'va." +
                         std::string(57, 'a') + "...' (1048580 characters)"}));
}

TEST_F(RobustText, NulAndControlCharacters) {
  // Raw in the file, and made by escapes of double-quoted scalars, which the
  // file's text check never sees.
  EXPECT_EQ(errors(std::string("extends: minimal.yaml\nscenario: {description: a\0b}\n", 49)),
            Strings{"case.yaml:2:26: not a text file (character U+0000 is not allowed)"});
  EXPECT_EQ(errors("extends: minimal.yaml\nscenario: {description: \"a\\0b\"}\n"),
            Strings{"case.yaml:2:25: an escape sequence gives character U+0000, which is not "
                    "allowed"});
  EXPECT_EQ(errors("extends: minimal.yaml\nscenario: {description: \"\\e[31m red\"}\n"),
            Strings{"case.yaml:2:25: an escape sequence gives character U+001B, which is not "
                    "allowed"});
  EXPECT_EQ(errors("extends: minimal.yaml\nscenario: {description: \"\\ud800\"}\n"),
            Strings{"case.yaml:2:32: invalid YAML: invalid unicode: 55296"});
  // Ordinary escapes stay allowed.
  write("ok.yaml", "extends: minimal.yaml\nscenario: {description: \"tab\\there \\u00e9\"}\n");
  EXPECT_EQ(models::load_scenario((dir_ / "ok.yaml").string()).description, "tab\there \xC3\xA9");
}

// UTF-16 as Windows editors write it: byte-order mark, then two bytes a character.
std::string utf16(const std::string& ascii, bool little_endian) {
  std::string out = little_endian ? "\xFF\xFE" : "\xFE\xFF";
  for (char c : ascii) {
    out += little_endian ? std::string{c, '\0'} : std::string{'\0', c};
  }
  return out;
}

TEST_F(RobustText, Utf16And32AskForUtf8) {
  const std::string text = "extends: minimal.yaml\n";
  EXPECT_EQ(errors(utf16(text, true)),
            Strings{"case.yaml:1:1: file is UTF-16LE text (it starts with a byte-order mark); "
                    "save it as UTF-8"});
  EXPECT_EQ(errors(utf16(text, false)),
            Strings{"case.yaml:1:1: file is UTF-16BE text (it starts with a byte-order mark); "
                    "save it as UTF-8"});
  EXPECT_EQ(errors(std::string("\xFF\xFE\0\0e\0\0\0", 8)),
            Strings{"case.yaml:1:1: file is UTF-32LE text (it starts with a byte-order mark); "
                    "save it as UTF-8"});
  EXPECT_EQ(errors(std::string("\0\0\xFE\xFF\0\0\0e", 8)),
            Strings{"case.yaml:1:1: file is UTF-32BE text (it starts with a byte-order mark); "
                    "save it as UTF-8"});
}

// ---------------------------------------------------------------------------
// Size: garbage, long lines, many sectors, large matrices and mappings

TEST_F(RobustSize, TenMegabytesOfRandomBytes) {
  std::mt19937_64 rng(20240611);
  std::string garbage(10 << 20, '\0');
  for (char& c : garbage)
    c = static_cast<char>(rng());
  const Strings found = errors(garbage);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].starts_with("case.yaml:1:")) << found[0];
}

TEST_F(RobustSize, TenMegabytesOnOneLine) {
  // Columns are counted in characters from the start of the line for each of
  // 900,000 items: quadratic (hours) before the count was made incremental.
  const std::string items = repeat("1,", 900'000);
  EXPECT_EQ(errors("extends: minimal.yaml\nx: [" + items + "1]\n"),
            Strings{"case.yaml:2:1: x: unknown key 'x'"});
  // The column of an error at the end still counts characters, not bytes:
  // the same with a three-byte character or an ASCII one.
  const Strings chinese = errors("x: [" + items + "\xE5\x8C\xBA, {]\n");
  const Strings ascii = errors("x: [" + items + "X, {]\n");
  ASSERT_EQ(chinese.size(), 1u);
  EXPECT_TRUE(chinese[0].starts_with("case.yaml:1:180000")) << chinese[0];
  EXPECT_EQ(chinese, ascii);
}

TEST_F(RobustSize, FilesOverSixteenMegabytes) {
  write("big.yaml", "a: " + std::string((16 << 20) + 1, 'x') + "\n");
  EXPECT_EQ(errors_of_file((dir_ / "big.yaml").string()),
            Strings{"big.yaml: cannot read file (larger than 16 MiB)"});
  EXPECT_EQ(errors("extends: big.yaml\n"),
            Strings{"case.yaml:1:10: extends: cannot read 'big.yaml' (larger than 16 MiB)"});
}

TEST_F(RobustSize, HundredThousandSectors) {
  std::string text = "extends: minimal.yaml\nsectors:\n";
  for (int i = 0; i < 100'000; ++i)
    text += "  - {id: s" + std::to_string(i) + ", base: {va: 1, space: 1}}\n";
  EXPECT_EQ(errors(text),
            Strings{"case.yaml:3:3: sectors: too many sectors: 100000 (at most 1000)"});
}

TEST_F(RobustSize, ThousandSectorsAreAccepted) {
  // The limit itself loads, correlation check (a 1001 x 1001 eigenproblem)
  // included, well inside the guard.
  std::string text = "extends: minimal.yaml\ndemand: ~\ntargets: []\nlevers: ~\nsectors:\n";
  for (int i = 0; i < 1000; ++i)
    text += "  - {id: s" + std::to_string(i) + ", base: {va: 1, space: 1}}\n";
  write("many.yaml", text);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(models::load_scenario((dir_ / "many.yaml").string()).sectors.size(), 1000u);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took.count(), HANG_GUARD_SECONDS);
}

TEST_F(RobustSize, TooManyTargetsAndYears) {
  std::string text = "extends: minimal.yaml\ntargets:\n";
  for (int i = 0; i < 1001; ++i)
    text += "  - {id: t" + std::to_string(i) +
            ", indicator: district_gdp, year: 2025, op: '>', "
            "value: 1}\n";
  EXPECT_EQ(errors(text), Strings{"case.yaml:3:3: targets: too many targets: 1001 (at most 1000)"});
  EXPECT_EQ(errors("extends: minimal.yaml\nhorizon: {end_year: 2222}\n"),
            Strings{"case.yaml:2:21: horizon.end_year: must be <= base_year + 100 (2122) (got "
                    "2222)"});
}

TEST_F(RobustSize, CorrelationMatrix2000By2000) {
  // Four million entries: stopped by the node budget while parsing, before
  // any matrix is built.
  std::string row = "[" + repeat("0, ", 1999) + "0]";
  std::string text = "extends: minimal.yaml\nshocks:\n  correlation:\n    matrix:\n";
  text.reserve(text.size() + 2000 * (row.size() + 9));
  for (int i = 0; i < 2000; ++i)
    text += "      - " + row + "\n";
  const Strings found = errors(text);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].ends_with(": too many nodes (alias expansion?): more than 1000000"))
      << found[0];
}

TEST_F(RobustSize, MergingLargeMappingsIsLinear) {
  // 200,000 keys restated by the derived file: a search per key made this
  // quadratic (minutes) before merge() indexed the keys.
  std::string keys;
  for (int i = 0; i < 200'000; ++i)
    keys += "  k" + std::to_string(i) + ": 1\n";
  write("wide.yaml", "extends: minimal.yaml\nwide:\n" + keys);
  EXPECT_EQ(errors("extends: wide.yaml\nwide:\n" + keys),
            Strings{"case.yaml:2:1: wide: unknown key 'wide'"});
}

// ---------------------------------------------------------------------------
// Files behind `extends:`

TEST_F(RobustFiles, ExtendsDirectoryOrDevice) {
  fs::create_directory(dir_ / "adir");
  EXPECT_EQ(errors("extends: adir\n"),
            Strings{"case.yaml:1:10: extends: cannot read 'adir' (Is a directory)"});
  // /dev/zero never ends: refused before reading, also through a symlink.
  EXPECT_EQ(errors("extends: /dev/zero\n"),
            Strings{"case.yaml:1:10: extends: cannot read '/dev/zero' (not a regular file)"});
  fs::create_symlink("/dev/zero", dir_ / "zero.yaml");
  EXPECT_EQ(errors("extends: zero.yaml\n"),
            Strings{"case.yaml:1:10: extends: cannot read 'zero.yaml' (not a regular file)"});
  EXPECT_EQ(errors_of_file("/dev/zero"),
            Strings{"/dev/zero: cannot read file (not a regular file)"});
}

TEST_F(RobustFiles, ExtendsFifoDoesNotBlock) {
  // Opening a FIFO for reading waits for a writer; the loader must not.
  const std::string fifo = (dir_ / "pipe.yaml").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  write("case.yaml", "extends: pipe.yaml\n");
  auto run = [&](const std::string& path) {
    return std::async(std::launch::async, [this, path] { return errors_of_file(path); });
  };
  for (const std::string& path : {(dir_ / "case.yaml").string(), fifo}) {
    auto result = run(path);
    if (result.wait_for(std::chrono::duration<double>(HANG_GUARD_SECONDS)) !=
        std::future_status::ready) {
      // Unblock the reader so that the test can end and report.
      const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd >= 0) ::close(fd);
      ADD_FAILURE() << "loading " << path << " blocked on the FIFO";
    }
    const Strings found = result.get();
    EXPECT_EQ(found, path == fifo ? Strings{"pipe.yaml: cannot read file (not a regular file)"}
                                  : Strings{"case.yaml:1:10: extends: cannot read 'pipe.yaml' "
                                            "(not a regular file)"});
  }
}

TEST_F(RobustFiles, ExtendsAbsolutePath) {
  // An absolute base is taken as written, not joined to the file's directory.
  const std::string base = (dir_ / "minimal.yaml").string();
  fs::create_directory(dir_ / "sub");
  write("sub/case.yaml", "extends: " + base + "\n");
  const core::ScenarioSpec s = models::load_scenario((dir_ / "sub" / "case.yaml").string());
  ASSERT_EQ(s.files.size(), 2u);
  EXPECT_EQ(s.files[1].path, base);
  EXPECT_EQ(errors("extends: /nonexistent/base.yaml\n"),
            Strings{"case.yaml:1:10: extends: cannot read '/nonexistent/base.yaml' (No such file "
                    "or directory)"});
}

// ---------------------------------------------------------------------------
// load_scenario_text: a scenario from memory

TEST_F(RobustFiles, TextResolvesExtendsFromTheCurrentDirectory) {
  const fs::path cwd = fs::current_path();
  fs::current_path(dir_);
  const core::ScenarioSpec s =
      models::load_scenario_text("extends: minimal.yaml\nrun: {draws: 7}\n", "stdin.yaml");
  EXPECT_EQ(s.name, "minimal-2sector");
  EXPECT_EQ(s.run.draws, 7u);
  ASSERT_EQ(s.files.size(), 2u);
  EXPECT_EQ(s.files[0].path, "stdin.yaml");
  EXPECT_EQ(s.files[0].text, "extends: minimal.yaml\nrun: {draws: 7}\n");
  EXPECT_EQ(s.files[1].path, "minimal.yaml");
  Strings found;
  try {
    models::load_scenario_text("extends: minimal.yaml\nrun: {draws: 0}\n", "stdin.yaml");
  } catch (const ConfigError& e) {
    found = e.messages();
  }
  fs::current_path(cwd);
  EXPECT_EQ(found, Strings{"stdin.yaml:2:14: run.draws: must be >= 1 (got 0)"});
}

// ---------------------------------------------------------------------------
// Inputs that once crashed, hung or misled the loader, found by
// tools/fuzz.sh or while hardening it: tests/data/config/regress/NAME.yaml
// (its comment says what went wrong) must give exactly these errors.

struct RegressCase {
  const char* file;
  Strings expected;
};

class RobustRegressions : public RobustFixture {};

TEST_F(RobustRegressions, FuzzerFindings) {
  const std::vector<RegressCase> cases = {
      {"beta-tiny-shapes.yaml",
       {"beta-tiny-shapes.yaml:7:14: parameters.occupancy: cannot compute the quantiles of "
        "beta(alpha=0.001, beta=0.001) (Overflow Error); use less extreme parameters"}},
      {"pert-huge-lambda.yaml",
       {"pert-huge-lambda.yaml:6:62: parameters.plot_ratio: lambda must be <= 1000000 (got "
        "1e20)"}},
      {"escaped-nul.yaml",
       {"escaped-nul.yaml:4:10: an escape sequence gives character U+0000, which is not "
        "allowed"}},
  };
  for (const RegressCase& c : cases) {
    const fs::path path = DATA / "regress" / c.file;
    ASSERT_TRUE(fs::is_regular_file(path)) << path;
    Strings found = errors_of_file(path.string());
    for (std::string& m : found)
      replace_all(&m, (DATA / "regress").string() + "/", "");
    EXPECT_EQ(found, c.expected) << c.file;
  }
}

}  // namespace
}  // namespace sectorsim::config

// ---------------------------------------------------------------------------
// Resource pre-flight of `sectorsim run`

namespace sectorsim::run {
namespace {

constexpr std::uint64_t MiB = std::uint64_t{1} << 20;
constexpr std::uint64_t GiB = std::uint64_t{1} << 30;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ResourceError& e) {
    return e.what();
  }
  return "";
}

AvailableResources resources(std::uint64_t disk, std::uint64_t memory) {
  return {true, disk, true, memory};
}

TEST(RobustPreflight, DiskTooSmallForThePaths) {
  // 1,000,000 draws x 4 KiB of paths + 4 MiB overhead on a disk with 1 GiB.
  EXPECT_EQ(message_of([] {
              check_resources(1'000'000, 4096, 100 * MiB, "/data/out/run.h5",
                              resources(GiB, 64 * GiB));
            }),
            "/data/out/run.h5: the results need about 3.8 GiB but /data/out has 1.0 GiB free; "
            "use --no-paths, fewer --draws, or free space in /data/out");
  EXPECT_EQ(message_of([] { check_resources(1'000, 0, MiB, "run.h5", resources(MiB, 64 * GiB)); }),
            "run.h5: the results need about 4.0 MiB but . has 1.0 MiB free; free space in . or "
            "write elsewhere with -o");
  // Enough room: no error.
  EXPECT_EQ(message_of([] {
              check_resources(1'000'000, 4096, 100 * MiB, "run.h5", resources(8 * GiB, 64 * GiB));
            }),
            "");
}

TEST(RobustPreflight, MemoryTooSmallForExactQuantiles) {
  EXPECT_EQ(message_of([] {
              check_resources(50'000'000, 0, 9 * GiB, "run.h5", resources(GiB * 1024, 10 * GiB));
            }),
            "the summaries of 50000000 draws need 9.0 GiB of memory, more than 80% of the 10.0 "
            "GiB available; use --quantiles sketch, fewer --draws, or free memory");
  // compare has no sketches: the remedy does not name an option it lacks.
  EXPECT_EQ(message_of([] {
              check_resources(50'000'000, 0, 9 * GiB, "c.h5", resources(GiB * 1024, 10 * GiB),
                              false);
            }),
            "the summaries of 50000000 draws need 9.0 GiB of memory, more than 80% of the 10.0 "
            "GiB available; use fewer --draws or free memory");
}

TEST(RobustPreflight, ReadOnlyFileSystemIsNotLackOfSpace) {
  // A read-only mount reports no free space; the refusal names the mount.
  AvailableResources ro = resources(0, 64 * GiB);
  ro.disk_read_only = true;
  EXPECT_EQ(message_of([&] { check_resources(1'000, 4096, MiB, "/ro/run.h5", ro); }),
            "/ro/run.h5: /ro is on a read-only file system; write elsewhere with -o");
}

TEST(RobustPreflight, SketchBytesSaturateInsteadOfLooping) {
  // 2^64 - 1 draws once shifted k past 64 bits forever (issue 19, D3).
  const core::CellLayout wide({core::SeriesInfo{"x", "1", "", true, true}}, 101, 1000);
  EXPECT_EQ(core::SummaryAccumulator::sketch_bytes(wide, UINT64_MAX, core::DEFAULT_SKETCH_K),
            UINT64_MAX);
  EXPECT_LT(core::SummaryAccumulator::sketch_bytes(wide, core::MAX_DRAWS, core::DEFAULT_SKETCH_K),
            UINT64_MAX);
  // Small enough to count: the chunk records (33 B a cell a chunk) are not
  // wrapped around to a small number.
  const core::CellLayout narrow({core::SeriesInfo{"x", "1", "", false, true}}, 5, 1);
  EXPECT_GT(core::SummaryAccumulator::sketch_bytes(narrow, UINT64_MAX, core::DEFAULT_SKETCH_K),
            UINT64_MAX / 4096 * 5 * 33);
}

TEST(RobustPreflight, HugeDrawCountsSaturate) {
  // 2^64 - 1 draws: the product must not wrap around to a small number.
  EXPECT_EQ(message_of([] {
              check_resources(UINT64_MAX, 1000, 0, "run.h5", resources(GiB * 1024, 64 * GiB));
            }),
            "run.h5: the results need about more than 16 EiB but . has 1.0 TiB free; use "
            "--no-paths, fewer --draws, or free space in .");
}

TEST(RobustPreflight, UnknownAmountsAreNotChecked) {
  EXPECT_EQ(message_of([] {
              check_resources(UINT64_MAX, 1000, UINT64_MAX, "run.h5", AvailableResources{});
            }),
            "");
}

TEST(RobustPreflight, ReadsTheSystem) {
  const AvailableResources a = available_resources("run.h5");
  EXPECT_TRUE(a.disk_known);
  EXPECT_GT(a.disk_bytes, 0u);
  EXPECT_TRUE(a.memory_known);
  EXPECT_GT(a.memory_bytes, 0u);
  // A directory that does not exist is left to the writer to report.
  EXPECT_FALSE(available_resources("/nonexistent/dir/run.h5").disk_known);
}

TEST(RobustPreflight, SmallTmpfs) {
  // A real file system of 16 MiB: statvfs must see it, not the disk under it.
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("sectorsim_tmpfs_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=16m") != 0) {
    const std::string reason = std::strerror(errno);
    std::filesystem::remove(dir);
    GTEST_SKIP() << "cannot mount a tmpfs (" << reason << "); needs root";
  }
  const std::string out = (dir / "run.h5").string();
  const AvailableResources a = available_resources(out);
  EXPECT_TRUE(a.disk_known);
  EXPECT_EQ(a.disk_bytes, 16 * MiB);
  EXPECT_EQ(message_of([&] { check_resources(100, 1024, 0, out); }), "");
  EXPECT_EQ(message_of([&] { check_resources(20'000, 1024, 0, out); }),
            out + ": the results need about 23.5 MiB but " + dir.string() +
                " has 16.0 MiB free; use --no-paths, fewer --draws, or free space in " +
                dir.string());
  ::umount(dir.c_str());
  std::filesystem::remove(dir);
}

TEST(RobustPreflight, ReadOnlyTmpfs) {
  // A real read-only mount: named as such, not as a lack of space (issue 19).
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("sectorsim_rofs_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_RDONLY, "size=1m") != 0) {
    const std::string reason = std::strerror(errno);
    std::filesystem::remove(dir);
    GTEST_SKIP() << "cannot mount a tmpfs (" << reason << "); needs root";
  }
  const std::string out = (dir / "run.h5").string();
  EXPECT_EQ(message_of([&] { check_resources(100, 1024, 0, out); }),
            out + ": " + dir.string() + " is on a read-only file system; write elsewhere with -o");
  ::umount(dir.c_str());
  std::filesystem::remove(dir);
}

}  // namespace
}  // namespace sectorsim::run
