#include "engine/io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "engine/io/format.hpp"
#include "engine/io/h5_file.hpp"
#include "engine/io/output_target.hpp"

namespace sectorsim::io {

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view content, bool overwrite) {
  check_output_target(path, {}, overwrite);
  const std::string temp = temporary_path(path, ::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(path + ": cannot create " + temp + " (" + errno_text() + ")");
  std::string failure;
  for (std::size_t done = 0; done < content.size() && failure.empty();) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failure = "write failed (" + errno_text() + ")";
    } else {
      done += static_cast<std::size_t>(n);
    }
  }
  if (failure.empty() && ::fsync(fd) != 0) failure = "fsync failed (" + errno_text() + ")";
  if (::close(fd) != 0 && failure.empty()) failure = "close failed (" + errno_text() + ")";
  if (failure.empty()) {
    try {  // again: something may have appeared at `path` meanwhile
      check_output_target(path, {}, overwrite, false);
    } catch (const Refused&) {
      std::remove(temp.c_str());
      throw;
    }
  }
  if (failure.empty() && std::rename(temp.c_str(), path.c_str()) != 0) {
    failure = "cannot rename " + temp + " to it (" + errno_text() + ")";
  }
  if (!failure.empty()) {
    std::remove(temp.c_str());
    throw IoError(path + ": " + failure);
  }
}

void write_h5_atomically(const std::string& path, const std::vector<std::string>& inputs,
                         bool overwrite, const std::function<void(h5::File&)>& contents) {
  namespace fs = std::filesystem;
  check_output_target(path, inputs, overwrite);
  const std::string temp = temporary_path(path, ::getpid());
  try {
    h5::File f = h5::File::create(temp);
    try {
      contents(f);
      f.flush();
      f.close();
    } catch (...) {
      f.discard();
      throw;
    }
    const int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
      const int error = errno;
      if (fd >= 0) ::close(fd);
      throw IoError(temp + ": fsync failed (" + std::strerror(error) + ")");
    }
    ::close(fd);
    check_output_target(path, inputs, overwrite, false);
    if (std::rename(temp.c_str(), path.c_str()) != 0)
      throw IoError(path + ": cannot rename " + temp + " to it (" + errno_text() + ")");
  } catch (...) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw;
  }
  const fs::path dir = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace sectorsim::io
