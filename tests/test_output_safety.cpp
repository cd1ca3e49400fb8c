// Output safety (docs/guarantees.md, "Output safety"; issue 19, D1 D6 D7 D9):
// no output over a device, a directory or an input; existing files refused
// with both choices named; every output path checked before computing; stale
// temporary files named; temporary or foreign files refused as results.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "shell.hpp"

namespace sectorsim {
namespace {

namespace fs = std::filesystem;

const std::string CLI = SECTORSIM_CLI;
const std::string SRC = SECTORSIM_SOURCE_DIR;
const std::string PLAN = SRC + "/scenarios/luohu/plan-2022-2025.yaml";
const std::string BASE = SRC + "/scenarios/luohu/baseline.yaml";

using Result = testing::ShellResult;
using testing::sh;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class OutputSafety : public testing::ScratchDirTest {
 protected:
};

void expect_line(const Result& r, int status, const std::string& line) {
  EXPECT_EQ(r.status, status) << r.out;
  EXPECT_NE(r.out.find(line), std::string::npos) << "expected: " << line << "\n" << r.out;
}

TEST_F(OutputSafety, NeverOverADeviceOrADirectory) {
  const Result dev = sh(CLI + " run " + PLAN + " --draws 100 -q -o /dev/null --overwrite");
  expect_line(dev, 2, "sectorsim: /dev/null: is a device; refusing to replace it");
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  fs::create_directory(file("d"));
  expect_line(sh(CLI + " run " + PLAN + " --draws 100 -q -o " + file("d") + " --overwrite"), 2,
              file("d") + ": is a directory; refusing to replace it");
}

TEST_F(OutputSafety, NeverOverAnInputEvenThroughALink) {
  std::ofstream(file("s.yaml")) << "extends: " << PLAN << "\nscenario:\n  name: s\n";
  const std::string before = slurp(file("s.yaml"));
  expect_line(
      sh(CLI + " run " + file("s.yaml") + " --draws 100 -q -o " + file("s.yaml") + " --overwrite"),
      2,
      file("s.yaml") + ": is the same file as the input " + file("s.yaml") +
          "; refusing to replace it (write elsewhere with -o FILE)");
  // The base of extends:, through a symbolic link.
  std::ofstream(file("v.yaml")) << "extends: " << file("s.yaml") << "\nscenario:\n  name: v\n";
  fs::create_symlink(file("s.yaml"), file("link.h5"));
  const Result base =
      sh(CLI + " run " + file("v.yaml") + " --draws 100 -q -o " + file("link.h5") + " --overwrite");
  EXPECT_EQ(base.status, 2) << base.out;
  EXPECT_NE(base.out.find("is the same file as the input " + file("s.yaml")), std::string::npos)
      << base.out;
  EXPECT_EQ(slurp(file("s.yaml")), before);
  // report over its own results file.
  ASSERT_EQ(sh(CLI + " run " + PLAN + " --draws 200 -q --no-paths -o " + file("r.h5")).status, 0);
  const std::string results = slurp(file("r.h5"));
  expect_line(sh(CLI + " report " + file("r.h5") + " -o " + file("r.h5") + " --overwrite"), 2,
              file("r.h5") + ": is the same file as the input " + file("r.h5"));
  EXPECT_EQ(slurp(file("r.h5")), results);
  // compare over one of its scenarios.
  expect_line(sh(CLI + " compare " + BASE + " " + file("s.yaml") + " --draws 100 -q -o " +
                 file("s.yaml") + " --overwrite"),
              2, file("s.yaml") + ": is the same file as the input");
  EXPECT_EQ(slurp(file("s.yaml")), before);
}

TEST_F(OutputSafety, ExistingFileNamesBothChoices) {
  std::ofstream(file("keep.h5")) << "precious";
  const Result r = sh(CLI + " run " + PLAN + " --draws 100 -q -o " + file("keep.h5"));
  expect_line(r, 2,
              "sectorsim: " + file("keep.h5") +
                  ": exists; write elsewhere with -o FILE, or pass --overwrite to replace it\n");
  EXPECT_EQ(slurp(file("keep.h5")), "precious");
}

TEST_F(OutputSafety, OutputPathsCheckedBeforeComputing) {
  // 10 million draws would take minutes: a refusal in well under that proves
  // the check comes first.
  const std::string many = " --draws 10000000 --quantiles sketch -q";
  expect_line(sh("timeout 20 " + CLI + " compare " + BASE + " " + PLAN + many + " -o " +
                 file("missing/c.h5")),
              2, file("missing/c.h5") + ": directory " + file("missing") + " does not exist");
  std::ofstream(file("plain")) << "x";
  expect_line(sh("timeout 20 " + CLI + " compare " + BASE + " " + PLAN + many + " -o " +
                 file("c.h5") + " --csv " + file("plain/sub")),
              2,
              file("plain/sub") + ": cannot be created: " + file("plain") + " is not a directory");
  expect_line(sh("timeout 20 " + CLI + " compare " + BASE + " " + PLAN + many + " -o " +
                 file("c.h5") + " --csv " + file("plain")),
              2, file("plain") + ": is not a directory (--csv needs one)");
  std::ofstream(file("dot.yaml")) << "extends: " << PLAN << "\nscenario:\n  name: \"x y\"\n";
  const Result dot = sh("timeout 20 " + CLI + " run " + file("dot.yaml") + many +
                        " --no-paths -o " + file("dot.h5"));
  if (dot.out.find("dot.yaml:") == std::string::npos) {  // the loader may refuse it first
    expect_line(dot, 2, "scenario name 'x y' is not a valid group name");
  } else {
    EXPECT_EQ(dot.status, 2) << dot.out;
  }
  EXPECT_FALSE(fs::exists(file("c.h5")));
}

TEST_F(OutputSafety, CsvFilesNotReplacedWithoutOverwrite) {
  fs::create_directory(file("csv"));
  std::ofstream(file("csv/summary.csv")) << "mine";
  const std::string cmp = CLI + " compare " + BASE + " " + PLAN + " --draws 200 -q --csv " +
                          file("csv") + " -o " + file("c.h5");
  expect_line(sh(cmp), 2,
              file("csv/summary.csv") +
                  ": exists; write elsewhere with --csv DIR, or pass --overwrite to replace it");
  EXPECT_EQ(slurp(file("csv/summary.csv")), "mine");
  EXPECT_FALSE(fs::exists(file("csv/targets.csv")));
  EXPECT_FALSE(fs::exists(file("c.h5")));
  ASSERT_EQ(sh(cmp + " --overwrite").status, 0);
  EXPECT_NE(slurp(file("csv/summary.csv")), "mine");
}

TEST_F(OutputSafety, StaleTemporaryFilesAreNamedAndRefusedAsResults) {
  // A process id that no longer runs: a child that has exited.
  const Result child = sh("sh -c 'echo $$'");
  const std::string pid = child.out.substr(0, child.out.find('\n'));
  const std::string stale = file(".p.h5.tmp." + pid);
  std::ofstream(stale) << std::string(1500, 'x');
  const Result r = sh(CLI + " run " + PLAN + " --draws 100 -q --no-paths -o " + file("p.h5"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("sectorsim: warning: " + stale + " (1.5 kB) was left by process " + pid +
                       ", which no longer runs; remove it with: rm -- '" + stale + "'"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(fs::exists(stale));  // named, never removed
  expect_line(sh(CLI + " report " + stale + " -o " + file("r.html")), 2,
              stale + ": is the temporary file of a run that did not finish (process " + pid +
                  "); it holds no results: remove it");
  expect_line(sh(CLI + " run " + PLAN + " --resume " + stale), 2,
              "is the temporary file of a run that did not finish");
  std::ofstream(file("junk.h5")) << "not hdf5 at all";
  expect_line(sh(CLI + " run " + PLAN + " --resume " + file("junk.h5")), 2,
              file("junk.h5") + ": not a sectorsim results file (no HDF5 signature)");
}

TEST_F(OutputSafety, SignalBeforeTheFirstDrawExitsThreeAndLeavesNothing) {
  // SIGTERM as soon as the handler is installed (SigCgt in /proc), while the
  // scenario is read and the run prepared, long before the first draw.
  std::ofstream(file("kill.sh"))
      << "\"$@\" & p=$!\n"
      << "until m=$(awk '/SigCgt/{print $2}' /proc/$p/status 2>/dev/null) && "
      << "(( (16#${m:-0} >> 14) & 1 )); do :; done\n"
      << "kill -TERM $p; wait $p; echo rc=$?\n";
  const Result r = sh("bash " + file("kill.sh") + " " + CLI + " run " + PLAN +
                      " --draws 100000 -q -o " + file("x.h5"));
  EXPECT_TRUE(r.out.find("rc=3") != std::string::npos) << r.out;
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
  EXPECT_FALSE(fs::exists(file("x.h5"))) << r.out;
}

}  // namespace
}  // namespace sectorsim
