#include "engine/config/calibration_reader.hpp"
#include <algorithm>
#include <cctype>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "engine/config/config_error.hpp"
#include "engine/config/config_node.hpp"
#include "engine/config/value_reader.hpp"

namespace sectorsim::config {

namespace {

namespace fs = std::filesystem;

struct MethodName {
  const char* name;
  core::CalibrationMethod method;
};
constexpr MethodName METHODS[] = {{"deflator", core::CalibrationMethod::Deflator},
                                  {"mean_growth", core::CalibrationMethod::MeanGrowth},
                                  {"volatility", core::CalibrationMethod::Volatility},
                                  {"persistence", core::CalibrationMethod::Persistence}};

// A region-wide parameter's name, or "sector_defaults." and one.
bool parameter_name(const std::string& p) {
  const std::string defaults = "sector_defaults.";
  const std::string name = p.rfind(defaults, 0) == 0 ? p.substr(defaults.size()) : p;
  if (name.empty() || !(std::islower(static_cast<unsigned char>(name[0])))) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    const auto u = static_cast<unsigned char>(ch);
    return std::islower(u) || std::isdigit(u) || ch == '_';
  });
}

class RecipeReader {
 public:
  RecipeReader(std::string path) : path_(std::move(path)), r_(false) {}

  core::CalibrationRecipe read() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) throw ConfigError({path_ + ": cannot read file"});
    std::ostringstream text;
    text << in.rdbuf();
    std::size_t nodes = 0;
    const ConfigNode root = parse_yaml(text.str(), path_, ParseLimits{}, &nodes);
    core::CalibrationRecipe recipe;
    recipe.file = path_;
    const Documentation none;
    if (r_.open_map(root, "", {"calibration", "priors", "correlation"}, none)) {
      if (const ConfigNode* c = r_.required(root, "", "calibration")) read_settings(*c, recipe);
      if (const ConfigNode* p = r_.required(root, "", "priors")) read_priors(*p, recipe);
      if (const ConfigNode* c = ValueReader::optional(root, "correlation"))
        read_correlation(*c, recipe);
    }
    if (r_.has_errors()) throw ConfigError(r_.errors());
    return recipe;
  }

 private:
  void read_settings(const ConfigNode& node, core::CalibrationRecipe& recipe) {
    const std::string path = "calibration";
    if (!r_.open_map(node, path, {"data", "years", "exclude_years", "horizon", "output", "extends"},
                     {}))
      return;
    if (const ConfigNode* data = r_.required(node, path, "data")) {
      if (!data->is_sequence() || data->items().empty()) {
        r_.error(data->pos(), path + ".data", "expected a list of data tables");
      } else {
        for (std::size_t i = 0; i < data->items().size(); ++i) {
          const auto file = r_.string(data->items()[i], path + ".data[" + std::to_string(i) + "]");
          if (!file) continue;
          recipe.data.push_back(*file);
          recipe.data_paths.push_back(resolve(*file));
        }
      }
    }
    if (const ConfigNode* years = r_.required(node, path, "years")) {
      const bool pair = years->is_sequence() && years->items().size() == 2;
      if (!pair) {
        r_.error(years->pos(), path + ".years", "expected [FIRST, LAST], got " + years->describe());
      } else {
        const auto a = r_.integer(years->items()[0], path + ".years[0]");
        const auto b = r_.integer(years->items()[1], path + ".years[1]");
        if (a && b && *a > *b) {
          r_.error(years->pos(), path + ".years", "the first year is after the last");
        } else if (a && b) {
          recipe.first_year = static_cast<int>(*a);
          recipe.last_year = static_cast<int>(*b);
        }
      }
    }
    if (const ConfigNode* ex = ValueReader::optional(node, "exclude_years")) {
      if (!ex->is_sequence()) {
        r_.error(ex->pos(), path + ".exclude_years", "expected a list of years");
      } else {
        for (std::size_t i = 0; i < ex->items().size(); ++i) {
          if (const auto y =
                  r_.integer(ex->items()[i], path + ".exclude_years[" + std::to_string(i) + "]"))
            recipe.exclude_years.push_back(static_cast<int>(*y));
        }
      }
    }
    if (const ConfigNode* h = ValueReader::optional(node, "horizon")) {
      const auto v = r_.integer(*h, path + ".horizon");
      if (v && (*v < 1 || *v > 100)) {
        r_.error(h->pos(), path + ".horizon", "expected a number of years in [1, 100]");
      } else if (v) {
        recipe.horizon = static_cast<int>(*v);
      }
    }
    if (const ConfigNode* o = ValueReader::optional(node, "output")) {
      if (const auto s = r_.string(*o, path + ".output")) recipe.output = resolve(*s);
    }
    if (const ConfigNode* e = ValueReader::optional(node, "extends")) {
      if (const auto s = r_.string(*e, path + ".extends")) recipe.extends = resolve(*s);
    }
  }

  std::optional<core::DataSeriesRef> series(const ConfigNode& node, const std::string& path) {
    if (!r_.open_map(node, path, {"region", "indicator", "revisions"}, {})) return std::nullopt;
    core::DataSeriesRef ref;
    ref.where = node.pos().str();
    const ConfigNode* region = r_.required(node, path, "region");
    const ConfigNode* indicator = r_.required(node, path, "indicator");
    if (!region || !indicator) return std::nullopt;
    const auto a = r_.string(*region, path + ".region");
    const auto b = r_.string(*indicator, path + ".indicator");
    if (!a || !b) return std::nullopt;
    ref.region = *a;
    ref.indicator = *b;
    if (const ConfigNode* rev = ValueReader::optional(node, "revisions")) {
      const auto v = r_.string(*rev, path + ".revisions");
      if (v && *v != "first" && *v != "last") {
        r_.error(rev->pos(), path + ".revisions",
                 "expected 'first' or 'last' (of two rows of one year, in file order), got '" + *v +
                     "'");
      } else if (v) {
        ref.revisions = *v;
      }
    }
    return ref;
  }

  void read_priors(const ConfigNode& node, core::CalibrationRecipe& recipe) {
    if (!node.is_sequence()) {
      r_.error(node.pos(), "priors", "expected a list of priors, got " + node.describe());
      return;
    }
    for (std::size_t i = 0; i < node.items().size(); ++i) {
      const ConfigNode& item = node.items()[i];
      const std::string path = "priors[" + std::to_string(i) + "]";
      if (!r_.open_map(item, path,
                       {"parameter", "method", "growth", "levels", "bounds", "less", "drift"}, {}))
        continue;
      core::CalibrationItem c;
      c.where = item.pos().str();
      const ConfigNode* parameter = r_.required(item, path, "parameter");
      const ConfigNode* method = r_.required(item, path, "method");
      const ConfigNode* growth = ValueReader::optional(item, "growth");
      const ConfigNode* bounds = r_.required(item, path, "bounds");
      if (!parameter || !method || !bounds) continue;
      const auto p = r_.string(*parameter, path + ".parameter");
      const auto m = r_.string(*method, path + ".method");
      if (!p || !m) continue;
      c.parameter = *p;
      if (!parameter_name(*p)) {
        r_.error(parameter->pos(), path + ".parameter",
                 "expected a parameter name ('price_growth') or a sector default "
                 "('sector_defaults.tfp_growth'), got '" +
                     *p + "'");
        continue;
      }
      bool known = false;
      std::string names;
      for (const MethodName& k : METHODS) {
        names += std::string(names.empty() ? "" : ", ") + k.name;
        if (*m == k.name) c.method = k.method, known = true;
      }
      if (!known) {
        r_.error(method->pos(), path + ".method",
                 "unknown method '" + *m + "' (one of " + names + ")");
        continue;
      }
      const ConfigNode* levels = ValueReader::optional(item, "levels");
      // A volatility reads a rate or the nominal levels whose growth it
      // takes (prices included); the deflator reads both; the others a rate.
      const bool by_levels = c.method == core::CalibrationMethod::Volatility && levels && !growth;
      if (!growth && !by_levels) {
        r_.error(item.pos(), path,
                 c.method == core::CalibrationMethod::Volatility
                     ? "method volatility needs 'growth' (a rate) or 'levels' (nominal levels)"
                     : "missing 'growth'");
        continue;
      }
      if (c.method == core::CalibrationMethod::Volatility && levels && growth) {
        r_.error(levels->pos(), path + ".levels",
                 "method volatility reads 'growth' or 'levels', not both");
        continue;
      }
      if (by_levels) {
        c.levels = series(*levels, path + ".levels");
        if (!c.levels) continue;
      } else if (const auto g = series(*growth, path + ".growth")) {
        c.growth = *g;
      } else {
        continue;
      }
      if (by_levels) {
        // read above
      } else if (c.method == core::CalibrationMethod::Deflator) {
        if (!levels) {
          r_.error(item.pos(), path,
                   "method deflator needs 'levels' (nominal levels) beside 'growth' (real growth)");
          continue;
        }
        c.levels = series(*levels, path + ".levels");
        if (!c.levels) continue;
      } else if (levels) {
        r_.error(levels->pos(), path + ".levels",
                 "only methods deflator and volatility read levels");
        continue;
      }
      const auto b = r_.number_list(*bounds, path + ".bounds", core::ANY_NUMBER);
      if (!b) continue;
      if (b->size() != 2 || !((*b)[0] < (*b)[1])) {
        r_.error(bounds->pos(), path + ".bounds", "expected [LOW, HIGH] with LOW < HIGH");
        continue;
      }
      c.low = (*b)[0];
      c.high = (*b)[1];
      if (const ConfigNode* drift = ValueReader::optional(item, "drift")) {
        const auto d = r_.string(*drift, path + ".drift");
        if (!d) continue;
        if (*d != "none" && *d != "linear") {
          r_.error(drift->pos(), path + ".drift", "expected 'none' or 'linear', got '" + *d + "'");
          continue;
        }
        if (*d == "linear" && c.method != core::CalibrationMethod::MeanGrowth) {
          r_.error(drift->pos(), path + ".drift", "only method mean_growth takes a drift");
          continue;
        }
        c.linear_drift = *d == "linear";
      }
      if (const ConfigNode* less = ValueReader::optional(item, "less")) {
        if (!less_amount(*less, path + ".less", c)) continue;
      }
      recipe.priors.push_back(std::move(c));
    }
  }

  // less: {value: X, estimate: "why"}: an amount a mean growth gives up.
  bool less_amount(const ConfigNode& node, const std::string& path, core::CalibrationItem& c) {
    if (c.method != core::CalibrationMethod::MeanGrowth) {
      r_.error(node.pos(), path, "only method mean_growth takes 'less'");
      return false;
    }
    if (!r_.open_map(node, path, {"value", "estimate", "source"}, {})) return false;
    const ConfigNode* value = r_.required(node, path, "value");
    const ConfigNode* estimate = ValueReader::optional(node, "estimate");
    const ConfigNode* source = ValueReader::optional(node, "source");
    if (!value) return false;
    if (!estimate && !source) {
      r_.error(node.pos(), path,
               "needs 'estimate:' or 'source:' saying where the amount comes from");
      return false;
    }
    const auto v = r_.number(*value, path + ".value");
    const auto why =
        r_.string(estimate ? *estimate : *source, path + (estimate ? ".estimate" : ".source"));
    if (!v || !why) return false;
    c.less = *v;
    c.less_reason = *why;
    return true;
  }

  void read_correlation(const ConfigNode& node, core::CalibrationRecipe& recipe) {
    const std::string path = "correlation";
    if (!r_.open_map(node, path, {"city", "sectors"}, {})) return;
    core::CorrelationItem c;
    c.where = node.pos().str();
    const ConfigNode* city = r_.required(node, path, "city");
    const ConfigNode* sectors = r_.required(node, path, "sectors");
    if (!city || !sectors) return;
    const auto cref = series(*city, path + ".city");
    if (!cref) return;
    c.city = *cref;
    if (!sectors->is_sequence() || sectors->items().size() < 2) {
      r_.error(sectors->pos(), path + ".sectors", "expected a list of at least two series");
      return;
    }
    for (std::size_t i = 0; i < sectors->items().size(); ++i) {
      const auto s = series(sectors->items()[i], path + ".sectors[" + std::to_string(i) + "]");
      if (s) c.sectors.push_back(*s);
    }
    if (c.sectors.size() == sectors->items().size()) recipe.correlation = std::move(c);
  }

  std::string resolve(const std::string& file) const {
    const fs::path p(file);
    return p.is_absolute() ? file : (fs::path(path_).parent_path() / p).lexically_normal().string();
  }

  std::string path_;
  ValueReader r_;
};

}  // namespace

core::CalibrationRecipe read_calibration_recipe(const std::string& path) {
  return RecipeReader(path).read();
}

}  // namespace sectorsim::config
