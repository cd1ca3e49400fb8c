// Runs a shell command for the CLI tests and collects what it printed.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace sectorsim::testing {

/// What a command did: its exit status (-1 when it did not exit, e.g. killed
/// by a signal, which `out` then names) and its stdout and stderr together.
struct ShellResult {
  bool exited = false;
  int status = -1;
  std::string out;
};

/// Runs `cmd` under /bin/sh with stderr joined to stdout.
inline ShellResult sh(const std::string& cmd) {
  ShellResult r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), p) != nullptr)
    r.out += buf.data();
  const int st = pclose(p);
  r.exited = WIFEXITED(st);
  r.status = r.exited ? WEXITSTATUS(st) : -1;
  if (WIFSIGNALED(st)) r.out += "\n[killed by signal " + std::to_string(WTERMSIG(st)) + "]";
  return r;
}

/// A fixture with a fresh directory of its own for each test, removed after
/// it: <tmp>/sectorsim-<suite>-<pid>-<test>.
class ScratchDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("sectorsim-") + info->test_suite_name() + "-" + std::to_string(::getpid()) +
            "-" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  /// The path of `name` in the directory.
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

}  // namespace sectorsim::testing
