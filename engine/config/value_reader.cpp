#include "engine/config/value_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <new>
#include <stdexcept>
#include <utility>

#include "engine/config/config_error.hpp"
#include "engine/sampling/sampler.hpp"
#include "engine/spec/series.hpp"

namespace sectorsim::config {
namespace {

constexpr const char* RESERVED_KEYS[] = {"source", "estimate", "note"};

// Largest beta shape, and pert lambda (which bounds the shapes it makes).
// Boost.Math's incomplete beta takes time growing with large integer shapes
// (alpha = 1e20 never returns); beyond 1e6 a beta is a point mass in effect.
constexpr double MAX_BETA_SHAPE = 1e6;

// One parameter of a distribution as spelled in scenario files; optional ones
// take `fallback` when absent.
struct DistParam {
  const char* name;
  bool required;
  double fallback;
  double max = INF;
};

struct DistSpec {
  core::Dist dist;
  std::vector<DistParam> params;  // in the order the Prior factory takes them
};

const std::vector<DistSpec>& dist_specs() {
  static const std::vector<DistSpec> specs = {
      {core::Dist::Fixed, {{"value", true, 0}}},
      {core::Dist::Normal, {{"mean", true, 0}, {"sd", true, 0}}},
      {core::Dist::TruncatedNormal,
       {{"mean", true, 0}, {"sd", true, 0}, {"low", false, -INF}, {"high", false, INF}}},
      {core::Dist::LogNormal, {{"mu", true, 0}, {"sigma", true, 0}}},
      {core::Dist::Uniform, {{"low", true, 0}, {"high", true, 0}}},
      {core::Dist::Triangular, {{"low", true, 0}, {"mode", true, 0}, {"high", true, 0}}},
      {core::Dist::Beta,
       {{"alpha", true, 0, MAX_BETA_SHAPE},
        {"beta", true, 0, MAX_BETA_SHAPE},
        {"low", false, 0},
        {"high", false, 1}}},
      {core::Dist::Pert,
       {{"low", true, 0},
        {"mode", true, 0},
        {"high", true, 0},
        {"lambda", false, 4, MAX_BETA_SHAPE}}},
  };
  return specs;
}

core::Prior make_prior(core::Dist dist, const std::vector<double>& p, int table_threads) {
  const core::TableThreads threads{table_threads};
  switch (dist) {
    case core::Dist::Fixed:
      return core::Prior::fixed(p[0]);
    case core::Dist::Normal:
      return core::Prior::normal(p[0], p[1]);
    case core::Dist::TruncatedNormal:
      return core::Prior::truncated_normal(p[0], p[1], p[2], p[3]);
    case core::Dist::LogNormal:
      return core::Prior::lognormal(p[0], p[1]);
    case core::Dist::Uniform:
      return core::Prior::uniform(p[0], p[1]);
    case core::Dist::Triangular:
      return core::Prior::triangular(p[0], p[1], p[2]);
    case core::Dist::Beta:
      return core::Prior::beta(p[0], p[1], p[2], p[3], threads);
    case core::Dist::Pert:
      return core::Prior::pert(p[0], p[1], p[2], p[3], threads);
  }
  throw std::logic_error("unhandled distribution");
}

std::string with_suggestion(std::string message, std::string_view word,
                            const std::vector<std::string>& candidates) {
  // The edit distance costs length times length: no guess for a word far
  // longer than any name of the schema.
  if (word.size() > 64) return message;
  const std::string guess = core::closest_match(word, candidates);
  if (!guess.empty()) message += " (did you mean '" + guess + "'?)";
  return message;
}

std::string support_text(double low, double high) {
  return (std::isinf(low) ? "(" : "[") + format_number(low) + ", " + format_number(high) +
         (std::isinf(high) ? ")" : "]");
}

// YAML 1.2 spellings of NaN and infinity, which must be refused by name
// rather than reported as text.
bool is_yaml_non_finite(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  return s == ".nan" || s == ".NaN" || s == ".NAN" || s == ".inf" || s == ".Inf" || s == ".INF";
}

template <typename T>
std::errc parse_integer(std::string_view s, T* out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (ec == std::errc{} && end != s.data() + s.size()) return std::errc::invalid_argument;
  return ec;
}

}  // namespace

std::string range_text(const Range& r) {
  if (std::isinf(r.low) && std::isinf(r.high)) return "";
  if (std::isinf(r.high))
    return std::string("must be ") + (r.low_open ? "> " : ">= ") + format_number(r.low);
  if (std::isinf(r.low))
    return std::string("must be ") + (r.high_open ? "< " : "<= ") + format_number(r.high);
  return std::string("must be in ") + (r.low_open ? "(" : "[") + format_number(r.low) + ", " +
         format_number(r.high) + (r.high_open ? ")" : "]");
}

std::string format_number(double x) {
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.12g", x);
  return buf;
}

std::string render(const ConfigNode& node) {
  std::string out;
  if (node.is_sequence()) {
    for (const ConfigNode& item : node.items())
      out += (out.empty() ? "" : ", ") + render(item);
    return "[" + out + "]";
  }
  if (node.is_map()) {
    for (const ConfigEntry& e : node.entries()) {
      if (ValueReader::is_reserved(e.key)) continue;
      out += (out.empty() ? "" : ", ") + e.key + ": " + render(e.value);
    }
    return "{" + out + "}";
  }
  return node.is_scalar() ? node.text() : "~";
}

void ValueReader::error(const SourcePos& pos, std::string_view path, std::string_view message) {
  errors_.push_back(format_message(pos, path, message));
  if (errors_.size() >= MAX_ERRORS) throw ConfigError(errors_);
}

bool ValueReader::is_reserved(std::string_view key) {
  return std::find(std::begin(RESERVED_KEYS), std::end(RESERVED_KEYS), key) !=
         std::end(RESERVED_KEYS);
}

std::optional<Documentation> ValueReader::open_map(const ConfigNode& node, const std::string& path,
                                                   const std::vector<std::string>& allowed,
                                                   const Documentation& outer) {
  if (!node.is_map()) {
    error(node.pos(), path, "expected a mapping, got " + node.describe());
    return std::nullopt;
  }
  check_keys(node, path, allowed);
  return documentation(node, outer);
}

void ValueReader::check_keys(const ConfigNode& map, const std::string& path,
                             const std::vector<std::string>& allowed) {
  for (const ConfigEntry& e : map.entries()) {
    const std::string key_path = child_path(path, e.key);
    if (is_reserved(e.key)) {
      check_reserved(e, key_path);
    } else if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
      std::vector<std::string> candidates = allowed;
      candidates.insert(candidates.end(), std::begin(RESERVED_KEYS), std::end(RESERVED_KEYS));
      error(e.key_pos, key_path, with_suggestion("unknown key '" + e.key + "'", e.key, candidates));
    }
  }
}

void ValueReader::check_reserved(const ConfigEntry& entry, const std::string& path) {
  const auto text = string(entry.value, path);
  if (text && text->empty()) error(entry.value.pos(), path, "must not be empty");
}

Documentation ValueReader::documentation(const ConfigNode& map, const Documentation& outer) const {
  const ConfigNode* source = optional(map, "source");
  const ConfigNode* estimate = optional(map, "estimate");
  const auto text = [](const ConfigNode* n) {
    return n != nullptr && n->is_scalar() ? n->text() : "";
  };
  if (!text(source).empty()) {
    std::string note = text(source);
    if (!text(estimate).empty()) note += "; estimate: " + text(estimate);
    return {"source", note};
  }
  if (!text(estimate).empty()) return {"estimate", text(estimate)};
  return outer;
}

const ConfigNode* ValueReader::required(const ConfigNode& map, const std::string& path,
                                        std::string_view key) {
  const ConfigEntry* entry = map.find(key);
  if (entry == nullptr) {
    error(map.pos(), path, "missing '" + std::string(key) + "'");
    return nullptr;
  }
  return &entry->value;
}

const ConfigNode* ValueReader::optional(const ConfigNode& map, std::string_view key) {
  const ConfigNode* value = map.get(key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

std::optional<std::string> ValueReader::string(const ConfigNode& node, const std::string& path) {
  if (!node.is_scalar()) {
    error(node.pos(), path, "expected a string, got " + node.describe());
    return std::nullopt;
  }
  return node.text();
}

std::optional<bool> ValueReader::boolean(const ConfigNode& node, const std::string& path) {
  if (node.is_scalar() && node.plain()) {
    const std::string& t = node.text();
    if (t == "true" || t == "True" || t == "TRUE") return true;
    if (t == "false" || t == "False" || t == "FALSE") return false;
  }
  error(node.pos(), path, "expected true or false, got " + node.describe());
  return std::nullopt;
}

std::optional<std::int64_t> ValueReader::integer(const ConfigNode& node, const std::string& path) {
  std::int64_t value = 0;
  const std::errc ec = node.is_scalar() && node.plain() ? parse_integer(node.text(), &value)
                                                        : std::errc::invalid_argument;
  if (ec == std::errc{}) return value;
  error(node.pos(), path,
        (ec == std::errc::result_out_of_range ? "integer out of range, got "
                                              : "expected an integer, got ") +
            node.describe());
  return std::nullopt;
}

std::optional<std::uint64_t> ValueReader::count(const ConfigNode& node, const std::string& path) {
  if (node.is_scalar() && node.text().starts_with('-')) {
    if (integer(node, path)) error(node.pos(), path, "must be >= 0 (got " + node.text() + ")");
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const std::errc ec = node.is_scalar() && node.plain() ? parse_integer(node.text(), &value)
                                                        : std::errc::invalid_argument;
  if (ec == std::errc{}) return value;
  error(node.pos(), path,
        (ec == std::errc::result_out_of_range ? "integer out of range, got "
                                              : "expected an integer, got ") +
            node.describe());
  return std::nullopt;
}

std::optional<double> ValueReader::number(const ConfigNode& node, const std::string& path) {
  if (!node.is_scalar()) {
    error(node.pos(), path, "expected a number, got " + node.describe());
    return std::nullopt;
  }
  if (!node.plain()) {
    error(node.pos(), path, "expected a number, got " + node.describe() + " (quoted, so text)");
    return std::nullopt;
  }
  std::string_view s = node.text();
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range) {
    error(node.pos(), path, "number out of range, got " + node.describe());
  } else if (is_yaml_non_finite(node.text()) ||
             (ec == std::errc{} && end == s.data() + s.size() && !std::isfinite(value))) {
    error(node.pos(), path, "expected a finite number, got " + node.describe());
  } else if (ec != std::errc{} || end != s.data() + s.size()) {
    error(node.pos(), path, "expected a number, got " + node.describe());
  } else {
    return value;
  }
  return std::nullopt;
}

std::optional<double> ValueReader::number_in(const ConfigNode& node, const std::string& path,
                                             const Range& range, const SourcePos& where) {
  const auto value = number(node, path);
  if (value && !range.contains(*value)) {
    error(where, path, range_text(range) + " (got " + node.text() + ")");
    return std::nullopt;
  }
  return value;
}

std::optional<double> ValueReader::quantity(const ConfigNode& node, const std::string& path,
                                            const Documentation& doc, const Range& range) {
  const ConfigNode* value_node = &node;
  Documentation inner = doc;
  if (node.is_map()) {
    const auto opened = open_map(node, path, {"value"}, doc);
    value_node = opened ? required(node, path, "value") : nullptr;
    if (value_node == nullptr) return std::nullopt;
    inner = *opened;
  }
  const auto value = number_in(*value_node, path, range, value_node->pos());
  if (value) record(*value_node, path, value_node->text(), inner);
  return value;
}

std::optional<core::Prior> ValueReader::prior(const ConfigNode& node, const std::string& path,
                                              const Documentation& doc, const Range& range) {
  if (node.is_map() && node.find("dist") == nullptr && node.find("value") == nullptr) {
    error(node.pos(), path, "missing 'dist' (or 'value' for a fixed number)");
    return std::nullopt;
  }
  if (!node.is_map() || node.find("dist") == nullptr) {
    // A plain number or {value: x, ...}: a fixed prior, checked like a quantity.
    const auto value = quantity(node, path, doc, range);
    return value ? std::optional(core::Prior::fixed(*value)) : std::nullopt;
  }
  const Documentation inner = documentation(node, doc);
  std::string written;
  auto result = distribution(node, path, &written);
  if (!result) return std::nullopt;
  if (result->is_fixed()) {
    const ConfigNode& value_node = *node.get("value");
    if (!number_in(value_node, path, range, value_node.pos())) return std::nullopt;
    written = value_node.text();
  } else {
    check_prior_range(*result, node, path, written, range);
  }
  record(node, path, written, inner);
  return result;
}

std::optional<core::Prior> ValueReader::distribution(const ConfigNode& map, const std::string& path,
                                                     std::string* written) {
  const ConfigNode& dist_node = *map.get("dist");
  const auto name = string(dist_node, child_path(path, "dist"));
  if (!name) return std::nullopt;
  std::vector<std::string> names;
  const DistSpec* spec = nullptr;
  for (const DistSpec& s : dist_specs()) {
    names.emplace_back(core::dist_name(s.dist));
    if (names.back() == *name) spec = &s;
  }
  if (spec == nullptr) {
    error(dist_node.pos(), path,
          with_suggestion("unknown distribution " + dist_node.describe(), *name, names) +
              "; expected one of fixed, normal, truncated_normal, lognormal, uniform, "
              "triangular, beta, pert");
    return std::nullopt;
  }
  std::vector<std::string> allowed{"dist"};
  for (const DistParam& p : spec->params)
    allowed.emplace_back(p.name);
  check_keys(map, path, allowed);

  std::vector<double> values;
  std::vector<std::string> parts;
  bool ok = true;
  for (const DistParam& p : spec->params) {
    const ConfigNode* n = optional(map, p.name);
    if (n == nullptr) {
      if (p.required) error(map.pos(), path, "missing '" + std::string(p.name) + "'");
      ok = ok && !p.required;
      values.push_back(p.fallback);
      continue;
    }
    auto v = number(*n, path);
    if (v && *v > p.max) {
      error(
          n->pos(), path,
          std::string(p.name) + " must be <= " + format_number(p.max) + " (got " + n->text() + ")");
      v.reset();
    }
    ok = ok && v.has_value();
    values.push_back(v.value_or(0));
    parts.push_back(std::string(p.name) + "=" + n->text());
  }
  if (!ok) return std::nullopt;
  *written = *name + "(";
  for (std::size_t i = 0; i < parts.size(); ++i)
    *written += (i ? ", " : "") + parts[i];
  *written += ")";
  try {
    core::Prior prior = make_prior(spec->dist, values, table_threads_);
    // Each parameter is finite, yet draws can still overflow (uniform from
    // -1e308 to 1e308 is wider than the largest double; normal with sd 1e308).
    // The sampler's most extreme uniforms give the most extreme draws.
    for (const double u : {core::to_unit(0), core::to_unit(~std::uint64_t{0})}) {
      if (!std::isfinite(prior.quantile(u))) {
        error(map.pos(), path,
              "draws of " + *written + " would overflow to infinity; use less extreme parameters");
        return std::nullopt;
      }
    }
    return prior;
  } catch (const std::invalid_argument& e) {
    // Point at the parameter the message names first ("sd must be > 0 ...").
    const std::string message = e.what();
    const ConfigNode* culprit = map.get(message.substr(0, message.find(' ')));
    error(culprit != nullptr ? culprit->pos() : map.pos(), path, message);
    return std::nullopt;
  } catch (const std::exception& e) {
    // Valid parameters whose quantile table cannot be computed: Boost.Math
    // throws overflow, domain or evaluation errors for extreme beta and pert
    // shapes (alpha = 0.001). That is bad input, not a failed run.
    if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) throw;
    const std::string what = e.what();
    const std::size_t colon = what.rfind(": ");
    error(map.pos(), path,
          "cannot compute the quantiles of " + *written + " (" +
              (colon == std::string::npos ? what : what.substr(colon + 2)) +
              "); use less extreme parameters");
    return std::nullopt;
  }
}

void ValueReader::check_prior_range(const core::Prior& prior, const ConfigNode& node,
                                    const std::string& path, const std::string& written,
                                    const Range& range) {
  // A continuous prior may touch an open bound (lognormal for kappa > 0):
  // it takes the bound itself with probability zero.
  const double low = prior.lower();
  const double high = prior.upper();
  if (low >= range.low && high <= range.high) return;
  std::string message =
      range_text(range) + ", but " + written + " ranges over " + support_text(low, high);
  if ((std::isinf(low) && !std::isinf(range.low)) ||
      (std::isinf(high) && !std::isinf(range.high))) {
    message += "; use truncated_normal with low and high, or a bounded distribution";
  }
  error(node.pos(), path, message);
}

std::optional<std::vector<double>> ValueReader::number_list(const ConfigNode& node,
                                                            const std::string& path,
                                                            const Range& range) {
  if (!node.is_sequence()) {
    error(node.pos(), path, "expected a list, got " + node.describe());
    return std::nullopt;
  }
  std::vector<double> values;
  bool ok = true;
  for (std::size_t i = 0; i < node.items().size(); ++i) {
    const ConfigNode& item = node.items()[i];
    const auto v = number_in(item, item_path(path, i, ""), range, item.pos());
    ok = ok && v.has_value();
    values.push_back(v.value_or(0));
  }
  return ok ? std::optional(std::move(values)) : std::nullopt;
}

std::optional<std::vector<std::vector<double>>> ValueReader::matrix(const ConfigNode& node,
                                                                    const std::string& path,
                                                                    std::size_t n,
                                                                    const Range& range) {
  if (node.is_sequence() && node.items().size() != n) {
    error(node.pos(), path,
          "expected " + std::to_string(n) + " rows, got " + std::to_string(node.items().size()));
    return std::nullopt;
  }
  if (!node.is_sequence()) {
    error(node.pos(), path, "expected a list of rows, got " + node.describe());
    return std::nullopt;
  }
  std::vector<std::vector<double>> rows;
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) {
    const ConfigNode& row_node = node.items()[i];
    const std::string row_path = item_path(path, i, "");
    auto row = number_list(row_node, row_path, range);
    if (row && row->size() != n) {
      error(row_node.pos(), row_path,
            "expected " + std::to_string(n) + " entries, got " + std::to_string(row->size()));
      row.reset();
    }
    ok = ok && row.has_value();
    rows.push_back(row.value_or(std::vector<double>{}));
  }
  return ok ? std::optional(std::move(rows)) : std::nullopt;
}

bool ValueReader::for_each_keyed(
    const ConfigNode& node, const std::string& path, const KeyIndex& key_index,
    const std::function<bool(std::size_t, const ConfigEntry&, const std::string&)>& visit) {
  if (!node.is_map()) {
    error(node.pos(), path, "expected a mapping, got " + node.describe());
    return false;
  }
  bool ok = true;
  for (const ConfigEntry& e : node.entries()) {
    const std::string entry_path = child_path(path, e.key);
    if (is_reserved(e.key)) {
      check_reserved(e, entry_path);
      continue;
    }
    const auto index = key_index(e, entry_path);
    ok = index && visit(*index, e, entry_path) && ok;
  }
  return ok;
}

std::optional<std::vector<double>> ValueReader::shares(const ConfigNode& node,
                                                       const std::string& path,
                                                       const Documentation& outer, std::size_t size,
                                                       const KeyIndex& key_index) {
  std::vector<double> values(size, 0.0);
  const bool ok = for_each_keyed(
      node, path, key_index, [&](std::size_t index, const ConfigEntry& e, const std::string& p) {
        const auto share = number_in(e.value, p, UNIT_INTERVAL, e.key_pos);
        if (share) values[index] = *share;
        return share.has_value();
      });
  if (!ok || !check_sum(values, node.pos(), path)) return std::nullopt;
  record(node, path, render(node), documentation(node, outer));
  return values;
}

bool ValueReader::check_sum(const std::vector<double>& values, const SourcePos& pos,
                            const std::string& path) {
  double sum = 0;
  for (double v : values)
    sum += v;
  if (std::abs(sum - 1.0) <= 1e-9) return true;
  error(pos, path, "shares must sum to 1 (got " + format_number(sum) + ")");
  return false;
}

void ValueReader::record(const ConfigNode& node, const std::string& path, std::string value,
                         const Documentation& doc) {
  if (strict_ && doc.kind.empty()) {
    error(node.pos(), path,
          "undocumented number (add source: or estimate: here or on a mapping above)");
  }
  provenance_.push_back({path, std::move(value), doc.kind, doc.note, node.pos().str()});
}

}  // namespace sectorsim::config
