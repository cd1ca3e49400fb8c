#include "engine/io/calibration_io.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "engine/io/format.hpp"

namespace sectorsim::io {

namespace {

// One CSV record from `text` at `pos` (RFC 4180: quoted fields, doubled
// quotes, CRLF or LF); false at the end of the text.
bool next_record(const std::string& text, std::size_t& pos, std::vector<std::string>& fields,
                 int& line, bool& ok) {
  fields.clear();
  ok = true;
  if (pos >= text.size()) return false;
  std::string field;
  bool quoted = false;
  for (;;) {
    if (pos >= text.size()) {
      fields.push_back(field);
      ok = !quoted;
      return true;
    }
    const char c = text[pos++];
    if (quoted) {
      if (c == '"') {
        if (pos < text.size() && text[pos] == '"') {
          field += '"';
          ++pos;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(field);
      field.clear();
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
      fields.push_back(field);
      return true;
    } else {
      field += c;
    }
  }
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::vector<core::DataRow> read_data_table(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot read the data table");
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  std::size_t pos = 0;
  int line = 1;
  std::vector<std::string> fields;
  bool ok = true;
  if (!next_record(text, pos, fields, line, ok) || !ok) throw IoError(path + ": no header line");
  const char* names[] = {"region", "indicator", "year", "value", "unit"};
  std::size_t column[5];
  for (int k = 0; k < 5; ++k) {
    std::size_t i = 0;
    while (i < fields.size() && fields[i] != names[k])
      ++i;
    if (i == fields.size()) throw IoError(path + ":1: the header has no column '" + names[k] + "'");
    column[k] = i;
  }
  const std::size_t width = fields.size();
  std::vector<core::DataRow> rows;
  for (;;) {
    const int first_line = ++line;
    if (!next_record(text, pos, fields, line, ok)) break;
    if (!ok) throw IoError(path + ":" + std::to_string(first_line) + ": unterminated quote");
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    if (fields.size() != width) {
      throw IoError(path + ":" + std::to_string(first_line) + ": " + std::to_string(fields.size()) +
                    " fields, the header has " + std::to_string(width));
    }
    core::DataRow r;
    r.region = fields[column[0]];
    r.indicator = fields[column[1]];
    r.unit = fields[column[4]];
    r.file = path;
    r.line = first_line;
    char* end = nullptr;
    const std::string& year = fields[column[2]];
    const long y = std::strtol(year.c_str(), &end, 10);
    if (year.empty() || *end != '\0')
      throw IoError(path + ":" + std::to_string(first_line) + ": year '" + year +
                    "' is not a year");
    r.year = static_cast<int>(y);
    const std::string& value = fields[column[3]];
    r.value = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0') {
      throw IoError(path + ":" + std::to_string(first_line) + ": value '" + value +
                    "' is not a number");
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string calibration_yaml(const core::CalibrationResult& result, const std::string& recipe,
                             const std::string& extends) {
  std::string y;
  y += "# Calibrated priors, written by `sectorsim calibrate " + recipe + "`.\n";
  y += "# Do not edit: change the recipe or the data and run the command again.\n";
  y += "# A region file takes these priors with `extends:`; each note names the\n";
  y += "# rows, the method and the fit.\n";
  if (!extends.empty()) y += "\nextends: " + quoted(extends) + "\n";
  // Region-wide parameters under `parameters:`, sector defaults
  // ("sector_defaults.tfp_growth") under `sector_defaults:`.
  const std::string defaults = "sector_defaults.";
  for (const bool sector : {false, true}) {
    std::string block;
    for (const core::CalibratedPrior& p : result.priors) {
      if ((p.parameter.rfind(defaults, 0) == 0) != sector) continue;
      block += "  " + (sector ? p.parameter.substr(defaults.size()) : p.parameter) + ":\n";
      block += "    dist: truncated_normal\n";
      block += "    mean: " + number(p.mean) + "\n";
      block += "    sd: " + number(p.sd) + "\n";
      block += "    low: " + number(p.low) + "\n";
      block += "    high: " + number(p.high) + "\n";
      block += "    estimate: " + quoted(p.note) + "\n";
    }
    if (!block.empty())
      y += std::string(sector ? "\nsector_defaults:\n" : "\nparameters:\n") + block;
  }
  if (!result.correlation.empty()) {
    y += "\nshocks:\n  correlation:\n";
    for (const core::CalibratedValue& v : result.correlation) {
      y += "    " + v.key + ":\n";
      y += "      value: " + number(v.value) + "\n";
      y += "      estimate: " + quoted(v.note) + "\n";
    }
  }
  return y;
}

}  // namespace sectorsim::io
