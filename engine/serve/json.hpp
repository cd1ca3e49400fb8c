// A small strict JSON reader and writer for the what-if server's API
// (docs/serve.md): RFC 8259 only (no comments, trailing commas, NaN or
// duplicate keys), nested at most MAX_DEPTH deep; errors name the line and
// column. Covered by tests/test_serve.cpp.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sectorsim::serve {

/// Thrown for text that is not JSON, with "line L, column C: what".
class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A parsed JSON value.
struct Json {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  /// Members in the order written (keys are unique).
  std::vector<std::pair<std::string, Json>> object;

  /// The member `key` of an object, or nullptr.
  const Json* find(std::string_view key) const;
};

inline constexpr int MAX_DEPTH = 32;

/// Parses `text` (one value, surrounded by whitespace only). Throws JsonError.
Json parse_json(std::string_view text);

/// "null", "array", ... for messages.
const char* kind_name(Json::Kind kind);

/// `text` as a JSON string literal, quotes included (UTF-8 kept as is,
/// control characters escaped).
std::string json_string(std::string_view text);

/// `v` as a JSON number that reads back as the same double (17 significant
/// digits at most, shortest that round-trips); null for NaN and infinities.
std::string json_number(double v);

/// Writes a JSON object or array piece by piece: commas are placed for the caller.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  /// The next member's key (inside an object).
  JsonWriter& key(std::string_view k);
  JsonWriter& value(double v);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value_int(long long v);
  JsonWriter& null();
  /// Text that is already JSON.
  JsonWriter& raw(std::string_view json);
  JsonWriter& values(const std::vector<double>& v);
  const std::string& str() const { return out_; }

 private:
  void separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace sectorsim::serve
