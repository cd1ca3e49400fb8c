// Typed reading of scenario values with error collection and provenance.
//
// The scenario loader walks the merged tree section by section; this class
// holds the pieces every section shares: checking a mapping's keys, reading a
// number, a quantity (Q), a prior (P), a share map, a list or a matrix, and
// recording where each documented number comes from. Errors are collected, not
// thrown, so one run of the loader reports every problem of a file (up to
// MAX_ERRORS). Covered by tests/test_config.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config_node.hpp"
#include "engine/sampling/prior.hpp"
#include "engine/spec/model.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::config {

/// The nearest `source:` or `estimate:` at or above a value.
struct Documentation {
  std::string kind;  ///< "source", "estimate", or "" when undocumented
  std::string note;  ///< the citation or the reasoning
};

/// Allowed values of a parameter (engine/spec/model.hpp), and the ranges the
/// schema uses (docs/scenarios.md names them per key).
using core::Range;
inline constexpr double INF = std::numeric_limits<double>::infinity();
using core::ABOVE_MINUS_ONE;
using core::ANY_NUMBER;
using core::CORRELATION;
using core::NON_NEGATIVE;
using core::OPEN_CORRELATION;
using core::POSITIVE;
using core::UNIT_INTERVAL;
using core::VA_RATIO;

/// "must be > 0", "must be in [0, 1]", ... ("" when every number is allowed).
std::string range_text(const Range& range);

/// A computed number for messages, to 12 significant digits so that a sum
/// reads "0.75" rather than "0.7500000000000001"; "inf" and "-inf" for infinities.
std::string format_number(double x);

/// A mapping rendered in one line from the texts as written, reserved keys
/// left out: "[0.4, 0.35, 0.25]", "{2023: 0.5, 2024: 0.5}".
std::string render(const ConfigNode& node);

/// Reads values from a scenario tree, collecting errors and provenance.
class ValueReader {
 public:
  /// With `strict_provenance`, every number recorded without a source or
  /// estimate at or above it is an error. Beta and PERT priors build their
  /// quantile tables on `table_threads` threads.
  explicit ValueReader(bool strict_provenance, int table_threads = 1)
      : strict_(strict_provenance), table_threads_(table_threads) {}

  /// Records an error; throws ConfigError once MAX_ERRORS are collected.
  void error(const SourcePos& pos, std::string_view path, std::string_view message);
  /// Whether any error was recorded.
  bool has_errors() const { return !errors_.empty(); }
  /// The errors recorded so far, as complete message lines.
  const std::vector<std::string>& errors() const { return errors_; }
  /// Every number read through quantity(), prior() or record(), in reading order.
  std::vector<core::Provenance>& provenance() { return provenance_; }

  // ---- mappings ----
  /// Checks that `node` is a mapping whose keys are in `allowed` (source,
  /// estimate and note are always allowed) and returns the documentation in
  /// force inside it; nullopt (after an error) when it is not a mapping.
  std::optional<Documentation> open_map(const ConfigNode& node, const std::string& path,
                                        const std::vector<std::string>& allowed,
                                        const Documentation& outer);
  /// Reports "unknown key" (with a suggestion) for keys outside `allowed`.
  void check_keys(const ConfigNode& map, const std::string& path,
                  const std::vector<std::string>& allowed);
  /// The value under `key`, or nullptr after "missing 'key'" at the mapping.
  const ConfigNode* required(const ConfigNode& map, const std::string& path, std::string_view key);
  /// The value under `key`, or nullptr when absent or null.
  static const ConfigNode* optional(const ConfigNode& map, std::string_view key);
  /// Whether `key` is one of the reserved documentation keys.
  static bool is_reserved(std::string_view key);

  // ---- plain values (not documented numbers) ----
  std::optional<std::string> string(const ConfigNode& node, const std::string& path);
  std::optional<bool> boolean(const ConfigNode& node, const std::string& path);
  /// An integer such as a year; "expected an integer" otherwise.
  std::optional<std::int64_t> integer(const ConfigNode& node, const std::string& path);
  /// A non-negative integer up to 2^64 - 1 (draws, seeds).
  std::optional<std::uint64_t> count(const ConfigNode& node, const std::string& path);
  /// A finite number; NaN, infinities, text and out-of-range values are errors.
  std::optional<double> number(const ConfigNode& node, const std::string& path);
  /// number() within `range`; the error names the range.
  std::optional<double> number_in(const ConfigNode& node, const std::string& path,
                                  const Range& range, const SourcePos& where);

  // ---- documented values ----
  /// Q: a number or {value, source|estimate, note}, checked against `range`
  /// and recorded in the provenance.
  std::optional<double> quantity(const ConfigNode& node, const std::string& path,
                                 const Documentation& doc, const Range& range);
  /// P: a number, {value, ...} or {dist, <parameters>, ...}; a prior whose
  /// support leaves `range` is refused. Recorded in the provenance.
  std::optional<core::Prior> prior(const ConfigNode& node, const std::string& path,
                                   const Documentation& doc, const Range& range);
  /// A list of numbers within `range` (not recorded: the caller records the unit).
  std::optional<std::vector<double>> number_list(const ConfigNode& node, const std::string& path,
                                                 const Range& range);
  /// An n x n matrix of numbers within `range` (not recorded).
  std::optional<std::vector<std::vector<double>>> matrix(const ConfigNode& node,
                                                         const std::string& path, std::size_t n,
                                                         const Range& range);

  /// Maps a key of a keyed mapping to an index, or reports why it cannot.
  using KeyIndex =
      std::function<std::optional<std::size_t>(const ConfigEntry& entry, const std::string& path)>;
  /// Calls `visit(index, entry, path)` for each non-reserved entry of a
  /// mapping whose key resolves; false if it is not a mapping or a key failed.
  bool for_each_keyed(
      const ConfigNode& node, const std::string& path, const KeyIndex& key_index,
      const std::function<bool(std::size_t, const ConfigEntry&, const std::string&)>& visit);
  /// A share map ({key: share}): shares in [0, 1] summing to 1, missing keys
  /// 0, result of length `size`. Recorded as one provenance entry.
  std::optional<std::vector<double>> shares(const ConfigNode& node, const std::string& path,
                                            const Documentation& outer, std::size_t size,
                                            const KeyIndex& key_index);
  /// Reports unless `values` sum to 1 within 1e-9.
  bool check_sum(const std::vector<double>& values, const SourcePos& pos, const std::string& path);

  /// Adds a provenance entry; under strict provenance an undocumented one is an error.
  void record(const ConfigNode& node, const std::string& path, std::string value,
              const Documentation& doc);
  /// The documentation in force inside `map` (its own source/estimate, else `outer`).
  Documentation documentation(const ConfigNode& map, const Documentation& outer) const;

 private:
  void check_reserved(const ConfigEntry& entry, const std::string& path);
  std::optional<core::Prior> distribution(const ConfigNode& map, const std::string& path,
                                          std::string* written);
  void check_prior_range(const core::Prior& prior, const ConfigNode& node, const std::string& path,
                         const std::string& written, const Range& range);

  bool strict_;
  int table_threads_;
  std::vector<std::string> errors_;
  std::vector<core::Provenance> provenance_;
};

}  // namespace sectorsim::config
