// The command line end to end: every shipped scenario validates and runs,
// exit codes and messages, files never clobbered, results identical across
// thread counts and batch sizes, and summaries recomputed from the stored
// paths by an independent reader (numpy through h5py).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "engine/io/results_reader.hpp"
#include "engine/stats/paired.hpp"
#include "shell.hpp"

namespace sectorsim {
namespace {

namespace fs = std::filesystem;

const std::string CLI = SECTORSIM_CLI;
const std::string SRC = SECTORSIM_SOURCE_DIR;
const std::string LUOHU = SRC + "/scenarios/luohu/";

using Result = testing::ShellResult;
using testing::sh;

class Cli : public testing::ScratchDirTest {
 protected:
  // Runs `cmd` (a run with paths) and sends it a real SIGINT part way: once
  // the temporary file beside the target holds some chunks of paths (each
  // about 2.6 MB). Expects exit 3.
  void interrupt_part_way(const std::string& cmd);
};

const char* SHIPPED[] = {"baseline", "plan-2022-2025", "alt-land-early", "alt-software-focus",
                         "alt-finance-commerce"};

TEST_F(Cli, EveryShippedScenarioValidatesStrictly) {
  std::string files;
  for (const auto& e : fs::directory_iterator(LUOHU)) {
    if (e.path().extension() == ".yaml") files += " " + e.path().string();
  }
  const Result r = sh(CLI + " validate --strict" + files);
  EXPECT_EQ(r.status, 0) << r.out;
  for (const char* s : SHIPPED)
    EXPECT_NE(r.out.find(std::string("scenario ") + s), std::string::npos) << r.out;
}

TEST_F(Cli, EveryShippedScenarioRuns) {
  for (const char* s : SHIPPED) {
    const std::string out = file(std::string(s) + ".h5");
    const Result r = sh(CLI + " run " + LUOHU + s + ".yaml --draws 3000 -t 2 -o " + out);
    ASSERT_EQ(r.status, 0) << s << "\n" << r.out;
    EXPECT_TRUE(fs::exists(out)) << s;
    EXPECT_NE(r.out.find("all targets (joint)"), std::string::npos) << r.out;
  }
}

TEST_F(Cli, TargetTableNamesEveryTargetWithInterval) {
  const Result r =
      sh(CLI + " run " + LUOHU + "plan-2022-2025.yaml --draws 5000 --no-paths -o " + file("p.h5"));
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* t : {"service_va", "modern_producer_share", "service_tax_share",
                        "area_output_ratio", "pillars_over_1000", "software_revenue_multiple"}) {
    EXPECT_NE(r.out.find(t), std::string::npos) << t << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("95% CI"), std::string::npos);
  EXPECT_NE(r.out.find("5000 draws, seed 20221014"), std::string::npos) << r.out;
}

TEST_F(Cli, SummariesAgreeWithPathsReadByNumpy) {
  const std::string out = file("plan.h5");
  ASSERT_EQ(sh(CLI + " run " + LUOHU + "plan-2022-2025.yaml --draws 9000 -q -o " + out).status, 0);
  const Result r =
      sh("/usr/bin/python3 " + SRC + "/tests/python/check_run.py " + out + " plan-2022-2025");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(", 0 failures"), std::string::npos) << r.out;
}

TEST_F(Cli, ScenarioGroupOpensInXarrayWithNamedDimensions) {
  const std::string out = file("x.h5");
  ASSERT_EQ(sh(CLI + " run " + LUOHU + "plan-2022-2025.yaml --draws 3000 -q -o " + out).status, 0);
  const Result r =
      sh("/usr/bin/python3 " + SRC + "/tests/python/check_xarray.py " + out + " plan-2022-2025");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("'draw': 3000"), std::string::npos) << r.out;
}

TEST_F(Cli, IdenticalFilesForThreadCountsAndBatchSizes) {
  const std::string a = file("a.h5"), b = file("b.h5");
  const std::string run = CLI + " run " + LUOHU + "plan-2022-2025.yaml --draws 9000 -q ";
  ASSERT_EQ(sh(run + "-t 1 --batch 256 -o " + a).status, 0);
  ASSERT_EQ(sh(run + "-t 2 --batch 7 -o " + b).status, 0);
  // Every dataset bit for bit (attributes such as created_utc differ).
  const Result r = sh("/usr/bin/python3 " + SRC + "/tests/python/compare_files.py " + a + " " + b);
  EXPECT_EQ(r.status, 0) << r.out;
}

// Starts the CLI in the background; returns its pid.
pid_t spawn(const std::string& cmd) {
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", ("exec " + cmd + " >/dev/null 2>&1").c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

void Cli::interrupt_part_way(const std::string& cmd) {
  const pid_t pid = spawn(cmd);
  bool signalled = false;
  for (int i = 0; i < 600 && !signalled; ++i) {
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().filename().string().find(".tmp") != std::string::npos && e.is_regular_file() &&
          e.file_size() > (12u << 20)) {
        kill(pid, SIGINT);
        signalled = true;
        break;
      }
    }
    usleep(20000);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(signalled) << "the run ended before it could be interrupted";
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 3);
}

TEST_F(Cli, InterruptedSketchAndSobolRunResumesBitIdentical) {
  // Quantile sketches and Sobol replicate sums are checkpointed too.
  const std::string out = file("run.h5"), ref = file("ref.h5");
  const std::string scenario = LUOHU + "plan-2022-2025.yaml";
  const std::string how = " --draws 150000 --quantiles sketch --sampler sobol --replicates 16";
  ASSERT_NO_FATAL_FAILURE(interrupt_part_way(CLI + " run " + scenario + how + " -t 1 -o " + out));
  EXPECT_FALSE(io::read_scenario_info(out, "plan-2022-2025").complete);
  const Result quantiles = sh(CLI + " run " + scenario + " --resume " + out + " --quantiles exact");
  EXPECT_EQ(quantiles.status, 2) << quantiles.out;
  EXPECT_NE(quantiles.out.find("drop --quantiles"), std::string::npos) << quantiles.out;
  const Result resumed = sh(CLI + " run " + scenario + " --resume " + out + " -t 2 -q");
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  ASSERT_EQ(sh(CLI + " run " + scenario + how + " -q -o " + ref).status, 0);
  const Result r =
      sh("/usr/bin/python3 " + SRC + "/tests/python/compare_files.py " + out + " " + ref);
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST_F(Cli, InterruptedRunResumesBitIdentical) {
  const std::string out = file("run.h5"), ref = file("ref.h5");
  const std::string scenario = LUOHU + "plan-2022-2025.yaml";
  ASSERT_NO_FATAL_FAILURE(
      interrupt_part_way(CLI + " run " + scenario + " --draws 150000 -t 1 -o " + out));
  const auto info = io::read_scenario_info(out, "plan-2022-2025");
  EXPECT_FALSE(info.complete);
  const auto partial = io::read_scenario(out, "plan-2022-2025");
  EXPECT_GT(partial.draws, 0u);
  EXPECT_LT(partial.draws, 150000u);
  EXPECT_EQ(partial.draws % 4096, 0u);

  // Resume refuses a changed scenario, then continues the real one.
  std::ofstream(file("changed.yaml")) << "extends: " << scenario << "\nrun: {draws: 9}\n";
  const Result changed = sh(CLI + " run " + file("changed.yaml") + " --resume " + out);
  EXPECT_EQ(changed.status, 2) << changed.out;
  EXPECT_NE(changed.out.find("resume refused"), std::string::npos) << changed.out;
  const Result seed = sh(CLI + " run " + scenario + " --resume " + out + " --seed 1");
  EXPECT_EQ(seed.status, 2) << seed.out;
  const Result resumed = sh(CLI + " run " + scenario + " --resume " + out + " -t 2 -q");
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_TRUE(io::read_scenario_info(out, "plan-2022-2025").complete);

  ASSERT_EQ(sh(CLI + " run " + scenario + " --draws 150000 -q -o " + ref).status, 0);
  const Result r =
      sh("/usr/bin/python3 " + SRC + "/tests/python/compare_files.py " + out + " " + ref);
  EXPECT_EQ(r.status, 0) << r.out;
  const Result again = sh(CLI + " run " + scenario + " --resume " + out);
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.out.find("is complete; nothing to resume"), std::string::npos) << again.out;
}

TEST_F(Cli, WriteFailureGivesClearErrorAndNoFile) {
  // A 2 MB file-size limit (ulimit -f counts 1 KiB blocks here) stands in for
  // a full disk: the paths do not fit.
  const std::string out = file("full.h5");
  std::ofstream(file("keep.h5")) << "earlier results";
  const Result r = sh("ulimit -f 2048 && " + CLI + " run " + LUOHU +
                      "plan-2022-2025.yaml --draws 20000 -q -o " + out);
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("File too large"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("HDF5-DIAG"), std::string::npos) << "one clear line, no library dump";
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
  // The same limit, overwriting an existing file: the old file survives whole.
  const Result r2 = sh("ulimit -f 2048 && " + CLI + " run " + LUOHU +
                       "plan-2022-2025.yaml --draws 20000 -q --overwrite -o " + file("keep.h5"));
  EXPECT_EQ(r2.status, 1) << r2.out;
  std::ifstream in(file("keep.h5"));
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "earlier results");
}

TEST_F(Cli, DamagedResultsFilesAreRefusedNotCrashedOn) {
  const std::string good = file("good.h5");
  ASSERT_EQ(sh(CLI + " run " + LUOHU + "plan-2022-2025.yaml --draws 3000 -q -o " + good).status, 0);
  fs::copy_file(good, file("cut.h5"));
  fs::resize_file(file("cut.h5"), fs::file_size(good) / 2);
  std::ofstream(file("junk.h5")) << std::string(5000, '\x5a');
  for (const std::string& bad : {file("cut.h5"), file("junk.h5"), file("none.h5")}) {
    const Result rep = sh(CLI + " report " + bad + " -o " + file("r.html") + " --overwrite");
    // A missing file is bad input (2), as it is for run (issue 19).
    // Not a results file at all (no HDF5 signature) is bad input too (issue 19, D6).
    EXPECT_EQ(rep.status, bad == file("cut.h5") ? 1 : 2) << bad << "\n" << rep.out;
    EXPECT_NE(rep.out.find("sectorsim: " + bad), std::string::npos) << rep.out;
    EXPECT_FALSE(fs::exists(file("r.html")));
    const Result res = sh(CLI + " run " + LUOHU + "plan-2022-2025.yaml --resume " + bad);
    EXPECT_NE(res.status, 0) << res.out;
    EXPECT_LE(res.status, 2) << res.out;  // an error, not a crash
  }
}

TEST_F(Cli, Float32AndGzipPathsHoldTheSameDraws) {
  const std::string run = CLI + " run " + LUOHU + "plan-2022-2025.yaml --draws 5000 -q -o ";
  ASSERT_EQ(sh(run + file("d.h5")).status, 0);
  ASSERT_EQ(sh(run + file("z.h5") + " --gzip 4").status, 0);
  ASSERT_EQ(sh(run + file("f.h5") + " --float32 --gzip 6").status, 0);
  // Compression is lossless: every dataset identical to the uncompressed file.
  EXPECT_EQ(sh("/usr/bin/python3 " + SRC + "/tests/python/compare_files.py " + file("d.h5") + " " +
               file("z.h5"))
                .status,
            0);
  EXPECT_LT(fs::file_size(file("z.h5")), fs::file_size(file("d.h5")));
  // float32 paths are the doubles rounded once; summaries stay double.
  const std::string py =
      "import h5py,numpy as np,sys\n"
      "d,f=h5py.File(sys.argv[1])['scenarios/plan-2022-2025'],h5py.File(sys.argv[2])['scenarios/"
      "plan-2022-2025']\n"
      "ok=f['va'].dtype==np.float32 and "
      "np.array_equal(f['va'][()],d['va'][()].astype(np.float32))\n"
      "ok=ok and f['va'].attrs['storage']=='float32, shuffle+gzip level 6'\n"
      "ok=ok and np.array_equal(f['summary/va'][()],d['summary/va'][()])\n"
      "print('float32 ok' if ok else 'float32 MISMATCH'); sys.exit(0 if ok else 1)\n";
  std::ofstream(file("f32.py")) << py;
  const Result r =
      sh("/usr/bin/python3 " + file("f32.py") + " " + file("d.h5") + " " + file("f.h5"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(sh(run + file("bad.h5") + " --gzip 11").status, 2);
}

// `command` exits with 2 and its message has `expected` in it.
void expect_refused(const std::string& command, const std::string& expected) {
  const Result r = sh(command);
  EXPECT_EQ(r.status, 2) << command << "\n" << r.out;
  EXPECT_NE(r.out.find(expected), std::string::npos) << command << "\n" << r.out;
}

TEST_F(Cli, RunsThatCannotFitAreRefusedBeforeStarting) {
  const std::string run = CLI + " run " + LUOHU + "plan-2022-2025.yaml -o " + file("x.h5");
  expect_refused(run + " --draws 100000000 --no-paths --quantiles exact",
                 "use --quantiles sketch, fewer --draws, or free memory");
  const Result disk = sh(run + " --draws 1000000000000 --quantiles sketch --threads 1");
  EXPECT_EQ(disk.status, 2) << disk.out;
  EXPECT_FALSE(fs::exists(file("x.h5")));
}

TEST_F(Cli, ExistingFileIsNeverClobbered) {
  const std::string out = file("keep.h5");
  std::ofstream(out) << "precious";
  const Result r = sh(CLI + " run " + LUOHU + "baseline.yaml --draws 100 -o " + out);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(
      r.out.find(out + ": exists; write elsewhere with -o FILE, or pass --overwrite to replace it"),
      std::string::npos)
      << r.out;
  std::ifstream in(out);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "precious");
  EXPECT_EQ(sh(CLI + " run " + LUOHU + "baseline.yaml --draws 100 -q --overwrite -o " + out).status,
            0);
  EXPECT_EQ(io::list_scenarios(out), std::vector<std::string>{"baseline"});
}

TEST_F(Cli, BadInputExitsTwoWithPositionAndWritesNothing) {
  std::ofstream(file("bad.yaml")) << "extends: " << LUOHU << "plan-2022-2025.yaml\n"
                                  << "run:\n  draws: lots\n";
  const std::string out = file("bad.h5");
  const Result r = sh(CLI + " run " + file("bad.yaml") + " -o " + out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find(file("bad.yaml") + ":3:10: run.draws:"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
  }
}

TEST_F(Cli, UsageErrorsAndHelp) {
  EXPECT_EQ(sh(CLI).status, 2);
  EXPECT_EQ(sh(CLI + " frobnicate").status, 2);
  const Result help = sh(CLI + " run --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--no-paths"), std::string::npos);
  EXPECT_EQ(sh(CLI + " --version").status, 0);
  const Result r = sh(CLI + " run " + LUOHU + "plan-2022-2025.yaml --draws 0");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("--draws must be a whole number from 1 to 1099511627776 (got '0')"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(sh(CLI + " run " + LUOHU + "plan-2022-2025.yaml --threads 0").status, 2);
  EXPECT_EQ(sh(CLI + " run " + LUOHU + "plan-2022-2025.yaml --sampler qmc").status, 2);
  EXPECT_EQ(sh(CLI + " run " + file("missing.yaml")).status, 2);
}

TEST_F(Cli, ProgressBarOnlyOnATerminal) {
  // `script` gives the command a pseudo-terminal; through a pipe there is no bar.
  const std::string run = CLI + " run " + LUOHU + "baseline.yaml --draws 20000 --no-paths -o ";
  const Result tty = sh("script -qec '" + run + file("t.h5") + "' /dev/null");
  if (tty.status == 0) {
    EXPECT_NE(tty.out.find("ETA"), std::string::npos) << tty.out;
  }
  const Result pipe = sh(run + file("p.h5"));
  EXPECT_EQ(pipe.status, 0);
  EXPECT_EQ(pipe.out.find("ETA"), std::string::npos) << pipe.out;
}

TEST_F(Cli, ComparePrintsPairedIntervalsNarrowerThanUnpaired) {
  const std::string out = file("cmp.h5");
  const Result r =
      sh(CLI + " compare " + LUOHU + "baseline.yaml " + LUOHU + "plan-2022-2025.yaml " + LUOHU +
         "alt-land-early.yaml --draws 20000 -o " + out + " --csv " + file("csv"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("Paired comparison with baseline 'baseline'"), std::string::npos);
  const auto cmps = io::read_comparisons(out);
  ASSERT_EQ(cmps.size(), 2u);
  int informative = 0;
  for (const auto& c : cmps) {
    for (const auto& t : c.targets) {
      const double paired = t.paired.high - t.paired.low;
      const double unpaired = t.unpaired.high - t.unpaired.low;
      EXPECT_LE(paired, unpaired + 1e-12) << c.scenario << " " << t.id;
      // Where the target is uncertain, pairing must make a real difference.
      if (t.baseline.p > 0.05 && t.baseline.p < 0.95) {
        ++informative;
        EXPECT_LT(paired, 0.6 * unpaired) << c.scenario << " " << t.id;
      }
    }
  }
  EXPECT_GT(informative, 0);
  EXPECT_TRUE(fs::exists(file("csv/comparison_targets.csv")));
  EXPECT_TRUE(fs::exists(file("csv/comparison_appraisal.csv")));
  // Costs and fiscal return follow, at the scenario's discount rate, and the
  // file holds them.
  EXPECT_NE(r.out.find("Costs and fiscal return, 2023–2025 (extra over the baseline, 亿元 at "
                       "2022 prices, discounted to 2022 at 8% a year)"),
            std::string::npos)
      << r.out;
  ASSERT_TRUE(cmps[0].appraisal.has_value());
  EXPECT_GT(cmps[0].appraisal->cost.mean, 0);
  EXPECT_EQ(cmps[0].appraisal->discount_rate, 0.08);
  // The indicators say which interval is Monte Carlo error and which is the
  // effect's spread across draws, and the spread is the file's p05 and p95.
  EXPECT_NE(r.out.find("mean difference [95% CI: Monte Carlo error of the mean], the effect "
                       "across draws [5%, 95%]: model uncertainty"),
            std::string::npos)
      << r.out;
  for (const auto& d : cmps[0].diffs) {
    if (d.info.name != "service_va") continue;
    const std::size_t per_stat = d.stats.size() / core::N_DIFF_STATS;
    const std::size_t end = per_stat - 1;  // the end year of an indicator
    const auto line =
        r.out.find("plan-2022-2025          service_va ", r.out.find("Indicators in"));
    ASSERT_NE(line, std::string::npos) << r.out;
    const std::string row = r.out.substr(line, r.out.find('\n', line) - line);
    char p05[32], p95[32];
    std::snprintf(p05, sizeof p05, "%.5g", d.stats[4 * per_stat + end]);
    std::snprintf(p95, sizeof p95, "%.5g", d.stats[5 * per_stat + end]);
    EXPECT_NE(row.find(std::string("[+") + p05), std::string::npos) << row << " / " << p05;
    EXPECT_NE(row.find(std::string(", +") + p95 + "]"), std::string::npos) << row << " / " << p95;
    // Model uncertainty about the effect is far wider than its Monte Carlo error.
    EXPECT_GT(d.stats[5 * per_stat + end] - d.stats[4 * per_stat + end],
              5 * (d.stats[2 * per_stat + end] - d.stats[1 * per_stat + end]));
  }
}

TEST_F(Cli, CompareTakesSketchesForBoundedMemory) {
  const std::string cmp = CLI + " compare " + LUOHU + "baseline.yaml " + LUOHU +
                          "plan-2022-2025.yaml -q -o " + file("c.h5");
  // Exact stores for 100 million draws do not fit: refused before starting,
  // pointing at the sketches.
  expect_refused(cmp + " --draws 100000000 --quantiles exact",
                 "use --quantiles sketch, fewer --draws, or free memory");
  expect_refused(cmp + " --draws 1000 --quantiles fuzzy",
                 "--quantiles must be exact, sketch or auto (got 'fuzzy')");
  EXPECT_FALSE(fs::exists(file("c.h5")));
  // With sketches the comparison and both scenarios say so, with their bound.
  ASSERT_EQ(sh(cmp + " --draws 20000 --quantiles sketch").status, 0);
  const auto cmps = io::read_comparisons(file("c.h5"));
  ASSERT_EQ(cmps.size(), 1u);
  EXPECT_EQ(cmps[0].quantile_method.rfind("sketch (compactors, k=4096): rank error at most", 0), 0u)
      << cmps[0].quantile_method;
  for (const char* name : {"baseline", "plan-2022-2025"}) {
    EXPECT_EQ(io::read_scenario(file("c.h5"), name).quantile_method, cmps[0].quantile_method)
        << name;
  }
}

TEST_F(Cli, CompareWithItselfIsExactlyZero) {
  std::ofstream(file("twin.yaml")) << "extends: " << LUOHU << "plan-2022-2025.yaml\n"
                                   << "scenario: {name: twin}\n";
  const std::string out = file("twin.h5");
  ASSERT_EQ(sh(CLI + " compare " + LUOHU + "plan-2022-2025.yaml " + file("twin.yaml") +
               " --draws 5000 -q -o " + out)
                .status,
            0);
  const auto cmps = io::read_comparisons(out);
  ASSERT_EQ(cmps.size(), 1u);
  for (const auto& d : cmps[0].diffs) {
    for (double v : d.stats)
      EXPECT_EQ(v, 0.0) << d.info.name;
  }
  for (const auto& t : cmps[0].targets)
    EXPECT_EQ(t.paired.diff, 0.0) << t.id;
}

// Issue 19, D3: counts are bounded before any arithmetic; `--draws -1` once
// hung at 100% CPU in the preflight (timeout guards the test).
TEST_F(Cli, DrawsAndSeedsAreBoundedBeforeAnyArithmetic) {
  const std::string run =
      "timeout 60 " + CLI + " run " + LUOHU + "plan-2022-2025.yaml -q -o " + file("x.h5");
  const std::string draws_range =
      "sectorsim: --draws must be a whole number from 1 to 1099511627776";
  for (const char* bad : {"-1", "18446744073709551615", "1099511627777", "0", "1e6", "12x"}) {
    const Result r = sh(run + " --draws " + bad);
    EXPECT_EQ(r.status, 2) << bad << "\n" << r.out;
    EXPECT_EQ(r.out, draws_range + " (got '" + bad + "')\n") << bad;
  }
  const Result seed = sh(run + " --draws 10 --seed -1");
  EXPECT_EQ(seed.status, 2) << seed.out;
  EXPECT_EQ(seed.out,
            "sectorsim: --seed must be a whole number from 0 to 18446744073709551615 (got '-1')\n");
  std::ofstream(file("huge.yaml")) << "extends: " << LUOHU << "plan-2022-2025.yaml\n"
                                   << "run: {draws: 18446744073709551615}\n";
  const Result yaml =
      sh("timeout 60 " + CLI + " run " + file("huge.yaml") + " -q -o " + file("x.h5"));
  EXPECT_EQ(yaml.status, 2) << yaml.out;
  EXPECT_EQ(yaml.out, file("huge.yaml") +
                          ":2:14: run.draws: must be at most 1099511627776 (2^40) (got "
                          "18446744073709551615)\n");
  EXPECT_FALSE(fs::exists(file("x.h5")));
}

// Issue 19, D10: messages that named the wrong problem.
TEST_F(Cli, MessagesNameTheRealProblem) {
  // A results file given to compare is not "larger than 16 MiB".
  ASSERT_EQ(sh(CLI + " run " + LUOHU + "baseline.yaml --draws 100 -q -o " + file("r.h5")).status,
            0);
  const Result h5 =
      sh(CLI + " compare " + LUOHU + "baseline.yaml " + file("r.h5") + " -q -o " + file("c.h5"));
  EXPECT_EQ(h5.status, 2) << h5.out;
  EXPECT_EQ(h5.out, file("r.h5") + ": is an HDF5 file (a results file?), not a YAML scenario\n");
  // A file locked by a writer is not "damaged".
  {
    const int fd = ::open(file("r.h5").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX), 0);
    const Result locked = sh(CLI + " report " + file("r.h5") + " -o " + file("r.html"));
    ::close(fd);
    EXPECT_EQ(locked.status, 1) << locked.out;
    EXPECT_EQ(locked.out, "sectorsim: " + file("r.h5") +
                              ": locked by another process (a run still writing it?); try again "
                              "when it has finished\n");
  }
  // report on a missing file is bad input, as for run.
  const Result missing = sh(CLI + " report " + file("missing.h5"));
  EXPECT_EQ(missing.status, 2) << missing.out;
  EXPECT_EQ(missing.out, "sectorsim: " + file("missing.h5") + ": no such file\n");
}

// Issue 19, friction: compare names what differs and what it leaves out.
TEST_F(Cli, CompareNamesFilesYearsAndDroppedTargets) {
  std::ofstream(file("v2030.yaml")) << "extends: " << LUOHU << "plan-2022-2025.yaml\n"
                                    << "scenario: {name: v2030}\n"
                                    << "horizon: {end_year: 2030}\n";
  const Result horizon = sh(CLI + " compare " + LUOHU + "baseline.yaml " + file("v2030.yaml") +
                            " --draws 100 -q -o " + file("c.h5"));
  EXPECT_EQ(horizon.status, 2) << horizon.out;
  EXPECT_EQ(horizon.out, "sectorsim: cannot compare 'v2030' (" + file("v2030.yaml") +
                             ": 2022-2030, 10 sectors) with the baseline 'baseline' (" + LUOHU +
                             "baseline.yaml: 2022-2025, 10 sectors): scenarios compared under "
                             "common random numbers need the same sectors and horizon\n");
  std::ofstream(file("more.yaml"))
      << "extends: " << LUOHU << "plan-2022-2025.yaml\n"
      << "scenario: {name: more}\n"
      << "targets+:\n"
      << "  - {id: extra_gdp, indicator: district_gdp, year: 2025, op: '>', value: 1}\n";
  const Result note = sh(CLI + " compare " + LUOHU + "baseline.yaml " + file("more.yaml") +
                         " --draws 200 -q -o " + file("c.h5"));
  EXPECT_EQ(note.status, 0) << note.out;
  EXPECT_EQ(note.out, "note: target 'extra_gdp' of scenario 'more' (" + file("more.yaml") +
                          ") is not in the baseline 'baseline' (" + LUOHU +
                          "baseline.yaml): the comparison judges the baseline's targets only\n");
  const Result validate = sh(CLI + " validate " + file("more.yaml"));
  EXPECT_EQ(validate.status, 0) << validate.out;
  EXPECT_NE(validate.out.find(", 12 targets: 11 inherited from baseline.yaml, 1 added)\n"),
            std::string::npos)
      << validate.out;
}

// Issue 19, friction: the terminal table.
TEST_F(Cli, TargetTableWordsAndDashes) {
  const Result r = sh(CLI + " run " + LUOHU + "baseline.yaml --draws 200 -t 1 -o " + file("r.h5"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(", 1 thread, "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("1 threads"), std::string::npos) << r.out;
  // One number format: a threshold of 3000 is "3000", as 0.75 is "0.75"
  // (it was "3000.0" beside "0.75").
  EXPECT_NE(r.out.find("service_va > 3000 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("modern_producer_share > 0.75 "), std::string::npos) << r.out;
  // A relative target's median is a dash with its footnote, never blank.
  EXPECT_NE(r.out.find("— a target relative to another year is judged on the ratio"),
            std::string::npos)
      << r.out;
}

// --batch is parsed strictly: Boost's unsigned conversion took
// -18446744073709551360 as 256.
TEST_F(Cli, NegativeBatchIsRefused) {
  for (const std::string batch : {"-18446744073709551360", "-1", "0", "4097", "12x"}) {
    const Result r = sh(CLI + " run " + LUOHU + "baseline.yaml --draws 100 -q --batch=" + batch +
                        " -o " + file("b.h5"));
    EXPECT_EQ(r.status, 2) << batch << ": " << r.out;
    EXPECT_FALSE(fs::exists(file("b.h5"))) << batch;
  }
}

// Found by the CLI fuzzer: Boost.Program_options expands its placeholders
// (%value%, %canonical_option%, ...) again in the text it substituted, so an
// argument holding one grew its message forever. Now one line, exit 2.
TEST_F(Cli, PlaceholderInAnArgumentIsAnOrdinaryError) {
  const Result r = sh(CLI + " run s.yaml --threads %value%");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("the argument ('\uFF05value\uFF05') for option '--threads' is invalid"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace sectorsim

namespace sectorsim {
namespace {

// An option out of range is refused before the scenario is read: a missing
// scenario file is not the first complaint.
TEST_F(Cli, GzipLevelIsCheckedBeforeTheScenarioIsRead) {
  const Result r = sh(CLI + " run " + file("missing.yaml") + " --gzip 0 -o " + file("o.h5"));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "sectorsim: --gzip must be in [1, 9]\n");
}

// Issue 19, D2: 1000 sectors over 100 years (the documented limits), 100
// draws on one thread. A chunk buffer once held 4096 draws whatever --draws;
// now it holds the run's draws, and the run's peak stays under the bound
// asserted below (the measured figures are in docs/performance.md, "Memory
// and whole runs").
TEST_F(Cli, WideScenarioRunsInBoundedMemory) {
  std::string text = "extends: " + SRC +
                     "/tests/data/config/minimal.yaml\ndemand: ~\ntargets: []\nlevers: ~\n"
                     "horizon: {base_year: 2022, end_year: 2122}\nsectors:\n";
  for (int i = 0; i < 1000; ++i)
    text += "  - {id: s" + std::to_string(i) + ", base: {va: 1, space: 1}}\n";
  std::ofstream(file("wide.yaml")) << text;
  const Result r =
      sh(CLI + " run " + file("wide.yaml") + " --draws 100 --no-paths -t 1 -q -o " + file("w.h5"));
  ASSERT_EQ(r.status, 0) << r.out;
  struct rusage usage {};
  ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &usage), 0);
  const double peak_mb = static_cast<double>(usage.ru_maxrss) * 1024 / 1e6;
  EXPECT_LT(peak_mb, 2000) << "peak resident memory of the run, MB";
}

}  // namespace
}  // namespace sectorsim
