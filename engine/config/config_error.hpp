// The one exception type of the configuration layer. Every problem with a
// scenario file, from an unreadable path to a bad prior, reaches the user as a
// list of one-line messages "file:line:col: key.path: message" so that an
// editor can jump to each of them.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace sectorsim::config {

/// Thrown when a scenario is invalid; messages() holds every error found (up to
/// MAX_ERRORS), each one line "file:line:col: key.path: message"; what() is all
/// of them joined by '\n'. Covered by tests/test_config.cpp.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> messages);
  /// The individual error lines, in the order they were found.
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::vector<std::string> messages_;
};

/// Most errors collected from one scenario before loading stops.
inline constexpr std::size_t MAX_ERRORS = 20;

}  // namespace sectorsim::config
