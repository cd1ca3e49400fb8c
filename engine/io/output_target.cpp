#include "engine/io/output_target.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace sectorsim::io {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int error) {
  return std::strerror(error);
}

fs::path directory_of(const fs::path& target) {
  return target.has_parent_path() ? target.parent_path() : fs::path(".");
}

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device";
  if (S_ISFIFO(mode)) return "is a FIFO";
  if (S_ISSOCK(mode)) return "is a socket";
  return "is not a regular file";
}

// "<digits>" after ".<name>.tmp." in a file name, or -1.
long temporary_pid(const std::string& file_name, const std::string& prefix) {
  if (file_name.size() <= prefix.size() || file_name.compare(0, prefix.size(), prefix) != 0) {
    return -1;
  }
  const std::string digits = file_name.substr(prefix.size());
  if (digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return -1;
  }
  return std::stol(digits);
}

bool process_runs(long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::string size_text(std::uint64_t bytes) {
  if (bytes < 1000) return std::to_string(bytes) + " B";
  const char* units[] = {"kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes) / 1000.0;
  int u = 0;
  while (v >= 1000.0 && u < 3) {
    v /= 1000.0;
    ++u;
  }
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.1f %s", v, units[u]);
  return text.data();
}

}  // namespace

std::string temporary_path(const std::string& path, long pid) {
  const fs::path target(path);
  return (directory_of(target) / ("." + target.filename().string() + ".tmp." + std::to_string(pid)))
      .string();
}

void check_output_target(const std::string& path, const std::vector<std::string>& inputs,
                         bool overwrite, bool check_directory, const std::string& flag) {
  if (path.empty()) throw Refused("output file: empty path");
  struct stat target {};
  struct stat link {};
  const bool found = ::stat(path.c_str(), &target) == 0;
  const bool link_found = ::lstat(path.c_str(), &link) == 0;  // a dangling link exists too
  if (found && !S_ISREG(target.st_mode)) {
    throw Refused(path + ": " + kind_of(target.st_mode) + "; refusing to replace it");
  }
  if (found) {
    for (const std::string& input : inputs) {
      struct stat in {};
      if (::stat(input.c_str(), &in) == 0 && in.st_dev == target.st_dev &&
          in.st_ino == target.st_ino) {
        throw Refused(path + ": is the same file as the input " + input +
                      "; refusing to replace it (write elsewhere with " + flag + ")");
      }
    }
  }
  if ((found || link_found) && !overwrite) {
    throw Refused(path + ": exists; write elsewhere with " + flag +
                  ", or pass --overwrite to replace it");
  }
  if (!check_directory) return;
  const fs::path dir = directory_of(fs::path(path));
  struct stat d {};
  if (::stat(dir.c_str(), &d) != 0 || !S_ISDIR(d.st_mode)) {
    throw Refused(path + ": directory " + dir.string() + " does not exist");
  }
  // Try what the writer will do: create its temporary file (root passes
  // access(2) checks that a read-only mount still fails).
  const std::string probe = temporary_path(path, ::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    if (error != EEXIST) {
      throw Refused(path + ": directory " + dir.string() + " is not writable (" +
                    errno_text(error) + ")");
    }
    return;
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

std::vector<std::string> csv_file_names() {
  return {"targets.csv", "comparison_targets.csv", "comparison_indicators.csv",
          "comparison_appraisal.csv", "summary.csv"};
}

void check_csv_target(const std::string& dir, const std::vector<std::string>& inputs,
                      bool overwrite) {
  if (dir.empty()) throw Refused("--csv: empty directory name");
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw Refused(dir + ": is not a directory (--csv needs one)");
    bool first = true;
    for (const std::string& name : csv_file_names()) {
      check_output_target((fs::path(dir) / name).string(), inputs, overwrite, first, "--csv DIR");
      first = false;
    }
    return;
  }
  // Created by write_csv: the nearest existing ancestor must be a writable directory.
  std::error_code error;
  fs::path ancestor = fs::absolute(fs::path(dir), error).parent_path();
  while (!ancestor.empty() && ::stat(ancestor.c_str(), &st) != 0 &&
         ancestor != ancestor.root_path()) {
    ancestor = ancestor.parent_path();
  }
  if (!S_ISDIR(st.st_mode)) {
    throw Refused(dir + ": cannot be created: " + ancestor.string() + " is not a directory");
  }
  if (::access(ancestor.c_str(), W_OK | X_OK) != 0) {
    throw Refused(dir + ": cannot be created in " + ancestor.string() + " (" + errno_text(errno) +
                  ")");
  }
}

void check_group_name(const std::string& name) {
  const bool valid = !name.empty() && name != "." && name != ".." &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                       return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
                     });
  if (!valid) {
    throw Refused("scenario name '" + name + "' is not a valid group name (use [A-Za-z0-9_.-]+)");
  }
}

std::vector<StaleTemporary> find_stale_temporaries(const std::string& path) {
  std::vector<StaleTemporary> stale;
  if (path.empty()) return stale;
  const fs::path target(path);
  const std::string prefix = "." + target.filename().string() + ".tmp.";
  std::error_code error;
  fs::directory_iterator it(directory_of(target), error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    const long pid = temporary_pid(it->path().filename().string(), prefix);
    if (pid < 0 || pid == static_cast<long>(::getpid()) || process_runs(pid)) continue;
    std::error_code size_error;
    const auto bytes = fs::file_size(it->path(), size_error);
    stale.push_back({it->path().string(), pid, size_error ? 0 : static_cast<std::uint64_t>(bytes)});
  }
  std::sort(stale.begin(), stale.end(),
            [](const StaleTemporary& a, const StaleTemporary& b) { return a.path < b.path; });
  return stale;
}

std::string describe_stale(const StaleTemporary& stale) {
  return stale.path + " (" + size_text(stale.bytes) + ") was left by process " +
         std::to_string(stale.pid) + ", which no longer runs; remove it with: rm -- '" +
         stale.path + "'";
}

void check_results_input(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  const auto tmp = name.rfind(".tmp.");
  if (!name.empty() && name[0] == '.' && tmp != std::string::npos && tmp > 1) {
    const long pid = temporary_pid(name, name.substr(0, tmp + 5));
    if (pid >= 0) {
      throw Refused(path + ": is the temporary file of a run that did not finish (process " +
                    std::to_string(pid) + "); it holds no results: remove it");
    }
  }
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return;
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  std::array<char, 8> head{};
  in.read(head.data(), head.size());
  static constexpr char SIGNATURE[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  if (in.gcount() != 8 || std::memcmp(head.data(), SIGNATURE, 8) != 0) {
    throw Refused(path + ": not a sectorsim results file (no HDF5 signature)");
  }
}

}  // namespace sectorsim::io
