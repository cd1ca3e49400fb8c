#include "engine/config/lever_overlay.hpp"

#include <cstdio>
#include <stdexcept>

namespace sectorsim::config {

namespace {

std::string number(double x) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", x);
  return text;
}

const core::LeverDecl& decl_of(const LeverOverlay& o, const std::string& key) {
  for (const auto& d : o.decls) {
    if (d.key == key) return d;
  }
  throw std::invalid_argument("lever overlay: the model declares no lever '" + key + "'");
}

}  // namespace

std::string yaml_quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", u);
      out += esc;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string lever_overlay_yaml(const LeverOverlay& o) {
  const std::size_t ns = o.sector_ids.size();
  std::string y;
  y += "# " + o.name + ": the levers of " + o.extends + ", restated.\n";
  y += "extends: " + yaml_quoted(o.extends) + "\n";
  y += "scenario:\n";
  y += "  name: " + yaml_quoted(o.name) + "\n";
  y += "  description: " + yaml_quoted(o.description) + "\n";
  if (o.settings.empty()) return y;
  y += "levers:\n";
  const std::string estimate = "      estimate: " + yaml_quoted(o.estimate) + "\n";
  for (const auto& s : o.settings) {
    const core::LeverDecl& d = decl_of(o, s.key);
    const bool by_sector = d.shape == core::LeverShape::YearBySector;
    if (ns == 0 && by_sector) throw std::invalid_argument("lever overlay: no sectors");
    const std::size_t per_year = by_sector ? ns : 1;
    if (s.amounts.size() % per_year != 0 || s.amounts.empty())
      throw std::invalid_argument("lever overlay: lever '" + s.key + "' has " +
                                  std::to_string(s.amounts.size()) + " amounts");
    const std::size_t ny = s.amounts.size() / per_year;
    if (s.total() == 0) {
      // Nothing released or spent: the lever is removed (a zero allocation
      // would not sum to 1).
      y += "  " + s.key + ": ~\n";
      continue;
    }
    y += "  " + s.key + ":\n";
    // Explicit amounts replace the base's total and shares, which are removed.
    y += "    total: ~\n    by_year: ~\n";
    if (by_sector) y += "    allocation: ~\n";
    y += "    amounts:\n" + estimate;
    for (std::size_t t = 1; t < ny; ++t) {
      y += "      " + std::to_string(o.base_year + static_cast<int>(t)) + ":";
      if (!by_sector) {
        y += " " + number(s.amounts[t]) + "\n";
        continue;
      }
      y += "\n";
      for (std::size_t j = 0; j < ns; ++j)
        y += "        " + o.sector_ids[j] + ": " + number(s.amounts[t * ns + j]) + "\n";
    }
    if (by_sector) continue;
    if (s.allocation.size() != ns)
      throw std::invalid_argument("lever overlay: lever '" + s.key + "' needs " +
                                  std::to_string(ns) + " shares");
    y += "    allocation:\n" + estimate;
    for (std::size_t j = 0; j < ns; ++j)
      y += "      " + o.sector_ids[j] + ": " + number(s.allocation[j]) + "\n";
  }
  return y;
}

}  // namespace sectorsim::config
