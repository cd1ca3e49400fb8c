#include "engine/io/file_header.hpp"

#include <ctime>

#include "engine/io/format.hpp"
#include "engine/spec/version.hpp"

namespace sectorsim::io {

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32] = {};
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

void write_file_header(const h5::Group& root, const std::string& filetype,
                       const std::string& command_line) {
  root.set_attribute("filetype", filetype);
  root.set_attribute("format_version",
                     std::to_string(FORMAT_MAJOR) + "." + std::to_string(FORMAT_MINOR));
  root.set_attribute("engine_version", core::ENGINE_VERSION);
  root.set_attribute("created_utc", utc_now());
  root.set_attribute("command_line", command_line);
}

}  // namespace sectorsim::io
