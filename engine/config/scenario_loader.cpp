#include "engine/config/scenario_loader.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <optional>
#include <unordered_map>
#include <utility>

#include "engine/config/config_node.hpp"
#include "engine/config/value_reader.hpp"
#include "engine/sampling/sampler.hpp"
#include "engine/spec/indicators.hpp"

namespace sectorsim::config {
namespace {

// Allowed range of each sector parameter, and whether it defaults to a fixed
// 0 (employment is optional in the model), in SECTOR_PARAM_NAMES order.
struct SectorParamRule {
  Range range;
  bool zero_default;
};
constexpr SectorParamRule SECTOR_PARAM_RULES[] = {
    {ANY_NUMBER, false},       // tfp_growth: gA, a log growth rate
    {UNIT_INTERVAL, false},    // capital_elasticity: alpha
    {UNIT_INTERVAL, false},    // space_elasticity: gamma
    {UNIT_INTERVAL, true},     // labour_elasticity: beta
    {ANY_NUMBER, true},        // labour_growth: dlnL
    {UNIT_INTERVAL, false},    // depreciation: delta
    {POSITIVE, false},         // capital_output: kappa
    {NON_NEGATIVE, false},     // investment_rate: iota
    {NON_NEGATIVE, false},     // fund_leverage: m
    {ABOVE_MINUS_ONE, false},  // space_growth: sigma (space cannot shrink below 0)
    {NON_NEGATIVE, false},     // volatility: D
    {UNIT_INTERVAL, false},    // tax_rate: tau
};
static_assert(std::size(SECTOR_PARAM_RULES) == core::N_SECTOR_PARAMS);
static_assert(std::size(core::SECTOR_PARAM_NAMES) == core::N_SECTOR_PARAMS);

// Allowed range of each region-wide parameter, in GLOBAL_PARAM_NAMES order.
constexpr Range GLOBAL_PARAM_RANGES[] = {
    ANY_NUMBER,        // price_growth: pi
    OPEN_CORRELATION,  // shock_persistence: rho, stationary AR(1)
    ANY_NUMBER,        // city_growth: g_city
    NON_NEGATIVE,      // city_volatility
    UNIT_INTERVAL,     // occupancy
    POSITIVE,          // plot_ratio
    NON_NEGATIVE,      // construction_lag, years
    NON_NEGATIVE,      // fund_lag, years
};
static_assert(std::size(GLOBAL_PARAM_RANGES) == core::N_GLOBAL_PARAMS);
static_assert(std::size(core::GLOBAL_PARAM_NAMES) == core::N_GLOBAL_PARAMS);

constexpr int MAX_HORIZON_YEARS = 100;
// Bounds that keep validation and a run's memory proportionate on hostile
// input; real regions have tens of sectors and targets.
constexpr std::size_t MAX_SECTORS = 1000;
constexpr std::size_t MAX_TARGETS = 1000;
// Ids are keys elsewhere (allocation maps, indicators) and go into messages.
constexpr std::size_t MAX_ID_CHARS = 64;
// Longest indicator: a series name, '.', a sector id.
constexpr std::size_t MAX_INDICATOR_CHARS = 32 + MAX_ID_CHARS;
constexpr int MIN_YEAR = 1;
constexpr int MAX_YEAR = 9999;
constexpr double PSD_TOLERANCE = -1e-10;

template <std::size_t N>
std::vector<std::string> names_of(const char* const (&names)[N]) {
  return std::vector<std::string>(std::begin(names), std::end(names));
}

std::vector<std::string> with(std::vector<std::string> names, std::vector<std::string> more) {
  names.insert(names.end(), more.begin(), more.end());
  return names;
}

bool sector_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}
bool name_char(char c) {
  return sector_id_char(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '-';
}

// A valid identifier is non-empty and made only of `allowed` characters.
bool is_identifier(std::string_view s, bool (*allowed)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), allowed);
}

// A prior given per sector or as a default: present but invalid is kept apart
// from absent so that one bad value is not also reported as missing.
struct ParamSlot {
  bool present = false;
  std::optional<core::Prior> prior;
};
using ParamSlots = std::vector<ParamSlot>;

// The identifier rules of one kind of list item (sectors, targets).
struct IdRule {
  const char* what;  // "sector"
  bool (*allowed)(char);
  const char* pattern;  // for the message
};
constexpr IdRule SECTOR_ID{"sector", sector_id_char, "[a-z0-9_]+"};
constexpr IdRule TARGET_ID{"target", name_char, "[A-Za-z0-9_.-]+"};

class ScenarioBuilder {
 public:
  ScenarioBuilder(const ConfigNode& root, const LoadOptions& options)
      : root_(root), r_(options.strict_provenance) {}

  core::ScenarioSpec build() {
    struct Section {
      const char* key;
      bool required;
      void (ScenarioBuilder::*read)(const ConfigNode&, const std::string&, const Documentation&);
    };
    // Order matters: later sections refer to the horizon and the sector ids.
    static constexpr Section SECTIONS[] = {
        {"scenario", true, &ScenarioBuilder::read_scenario},
        {"horizon", true, &ScenarioBuilder::read_horizon},
        {"region", true, &ScenarioBuilder::read_region},
        {"sectors", true, &ScenarioBuilder::read_sectors},
        {"sector_defaults", false, &ScenarioBuilder::read_sector_defaults},
        {"parameters", true, &ScenarioBuilder::read_parameters},
        {"shocks", true, &ScenarioBuilder::read_shocks},
        {"levers", false, &ScenarioBuilder::read_levers},
        {"demand", false, &ScenarioBuilder::read_demand},
        {"targets", false, &ScenarioBuilder::read_targets},
        {"run", false, &ScenarioBuilder::read_run},
    };
    std::vector<std::string> keys;
    for (const Section& s : SECTIONS)
      keys.emplace_back(s.key);
    const Documentation doc = r_.open_map(root_, "", keys, {}).value_or(Documentation{});
    for (const Section& s : SECTIONS) {
      const ConfigNode* node =
          s.required ? r_.required(root_, "", s.key) : ValueReader::optional(root_, s.key);
      if (node != nullptr) (this->*s.read)(*node, s.key, doc);
    }
    resolve_sector_params();
    init_levers();
    if (r_.has_errors()) throw ConfigError(r_.errors());
    spec_.provenance = std::move(r_.provenance());
    return std::move(spec_);
  }

 private:
  // ---- scenario, horizon, region ----

  void read_scenario(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    if (!r_.open_map(node, path, {"name", "title", "description"}, outer)) return;
    if (const ConfigNode* name = r_.required(node, path, "name")) {
      const std::string name_path = child_path(path, "name");
      const auto text = r_.string(*name, name_path);
      if (text && !is_identifier(*text, name_char)) {
        r_.error(name->pos(), name_path,
                 "must match [A-Za-z0-9_.-]+ (got " + name->describe() + ")");
      } else if (text && text->size() > MAX_ID_CHARS) {
        // It names the default results file and the HDF5 group.
        r_.error(name->pos(), name_path,
                 "must be at most " + std::to_string(MAX_ID_CHARS) + " characters (got " +
                     std::to_string(text->size()) + ")");
      }
      spec_.name = text.value_or("");
    }
    read_label(node, path, "title", &spec_.title_en, &spec_.title_zh);
    if (const ConfigNode* d = ValueReader::optional(node, "description")) {
      spec_.description = r_.string(*d, child_path(path, "description")).value_or("");
    }
  }

  // Reads a bilingual label {en, zh} (or a plain string, taken as English).
  void read_label(const ConfigNode& parent, const std::string& parent_path, const char* key,
                  std::string* en, std::string* zh) {
    const ConfigNode* node = ValueReader::optional(parent, key);
    if (node == nullptr) return;
    const std::string path = child_path(parent_path, key);
    if (node->is_scalar()) {
      *en = node->text();
      return;
    }
    if (!r_.open_map(*node, path, {"en", "zh"}, {})) return;
    if (const ConfigNode* n = ValueReader::optional(*node, "en")) {
      *en = r_.string(*n, child_path(path, "en")).value_or("");
    }
    if (const ConfigNode* n = ValueReader::optional(*node, "zh")) {
      *zh = r_.string(*n, child_path(path, "zh")).value_or("");
    }
  }

  void read_horizon(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    if (!r_.open_map(node, path, {"base_year", "end_year"}, outer)) return;
    const auto base = read_plain_year(node, path, "base_year");
    const auto end = read_plain_year(node, path, "end_year");
    if (!base || !end) return;
    const ConfigNode& end_node = *node.get("end_year");
    const std::string end_path = child_path(path, "end_year");
    if (*end <= *base) {
      r_.error(end_node.pos(), end_path,
               "must be > base_year (" + std::to_string(*base) + ") (got " + end_node.text() + ")");
    } else if (*end > *base + MAX_HORIZON_YEARS) {
      r_.error(end_node.pos(), end_path,
               "must be <= base_year + " + std::to_string(MAX_HORIZON_YEARS) + " (" +
                   std::to_string(*base + MAX_HORIZON_YEARS) + ") (got " + end_node.text() + ")");
    } else {
      spec_.base_year = *base;
      spec_.end_year = *end;
      horizon_ok_ = true;
    }
  }

  std::optional<int> read_plain_year(const ConfigNode& map, const std::string& path,
                                     const char* key) {
    const ConfigNode* node = r_.required(map, path, key);
    return node ? year_in(*node, child_path(path, key), MIN_YEAR, MAX_YEAR) : std::nullopt;
  }

  // A year within [first, last]; the message names the interval.
  std::optional<int> year_in(const ConfigNode& node, const std::string& path, int first, int last) {
    const auto year = r_.integer(node, path);
    if (!year) return std::nullopt;
    if (*year < first || *year > last) {
      r_.error(node.pos(), path,
               "year must be in " + std::to_string(first) + ".." + std::to_string(last) + " (got " +
                   node.text() + ")");
      return std::nullopt;
    }
    return static_cast<int>(*year);
  }

  // A year of the horizon from `first` on; silent when the horizon itself is
  // broken, since that error is already reported.
  std::optional<int> horizon_year(const ConfigNode& node, const std::string& path, int first) {
    if (!horizon_ok_) return std::nullopt;
    return year_in(node, path, first, spec_.end_year);
  }

  void read_region(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    const auto doc = r_.open_map(
        node, path,
        {"id", "name", "area_km2", "city_area_km2", "city_base_gdp", "pillar_threshold"}, outer);
    if (!doc) return;
    core::RegionSpec& region = spec_.region;
    if (const ConfigNode* id = r_.required(node, path, "id")) {
      region.id = r_.string(*id, child_path(path, "id")).value_or("");
    }
    region.name_en = region.id;
    read_label(node, path, "name", &region.name_en, &region.name_zh);
    read_quantity(node, path, "area_km2", *doc, POSITIVE, &region.area_km2);
    read_quantity(node, path, "city_area_km2", *doc, POSITIVE, &region.city_area_km2);
    read_quantity(node, path, "city_base_gdp", *doc, POSITIVE, &region.city_base_gdp);
    read_optional_quantity(node, path, "pillar_threshold", *doc, NON_NEGATIVE,
                           &region.pillar_threshold);
  }

  void read_quantity(const ConfigNode& map, const std::string& path, const char* key,
                     const Documentation& doc, const Range& range, double* out) {
    if (const ConfigNode* node = r_.required(map, path, key)) {
      *out = r_.quantity(*node, child_path(path, key), doc, range).value_or(*out);
    }
  }

  void read_optional_quantity(const ConfigNode& map, const std::string& path, const char* key,
                              const Documentation& doc, const Range& range, double* out) {
    if (const ConfigNode* node = ValueReader::optional(map, key)) {
      *out = r_.quantity(*node, child_path(path, key), doc, range).value_or(*out);
    }
  }

  // ---- sectors ----

  // Checks a list item's id; returns it when valid and not seen before.
  std::optional<std::string> read_id(const ConfigNode& item, const std::string& list_path,
                                     std::size_t index, const IdRule& rule,
                                     std::unordered_map<std::string, int>* seen) {
    const std::string path = item_path(list_path, index, "");
    if (!item.is_map()) return std::nullopt;  // reported by open_map with the item
    const ConfigNode* id = r_.required(item, path, "id");
    if (id == nullptr) return std::nullopt;
    const std::string id_path = child_path(path, "id");
    const auto text = r_.string(*id, id_path);
    if (!text) return std::nullopt;
    if (!is_identifier(*text, rule.allowed)) {
      r_.error(id->pos(), id_path,
               std::string("must match ") + rule.pattern + " (got " + id->describe() + ")");
      return std::nullopt;
    }
    if (text->size() > MAX_ID_CHARS) {
      r_.error(id->pos(), id_path,
               "must be at most " + std::to_string(MAX_ID_CHARS) + " characters (got " +
                   std::to_string(text->size()) + ")");
      return std::nullopt;
    }
    const auto first = seen->find(*text);
    if (first != seen->end()) {
      r_.error(id->pos(), id_path,
               std::string("duplicate ") + rule.what + " id '" + *text + "' (first at line " +
                   std::to_string(first->second) + ")");
      return std::nullopt;
    }
    seen->emplace(*text, id->pos().line);
    return text;
  }

  void read_sectors(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    if (!node.is_sequence()) {
      r_.error(node.pos(), path, "expected a list, got " + node.describe());
      return;
    }
    if (node.items().empty()) {
      r_.error(node.pos(), path, "must list at least one sector");
      return;
    }
    if (node.items().size() > MAX_SECTORS) {
      r_.error(node.pos(), path,
               "too many sectors: " + std::to_string(node.items().size()) + " (at most " +
                   std::to_string(MAX_SECTORS) + ")");
      return;
    }
    std::unordered_map<std::string, int> seen;
    sector_ids_complete_ = true;
    for (std::size_t i = 0; i < node.items().size(); ++i) {
      const ConfigNode& item = node.items()[i];
      const auto id = read_id(item, path, i, SECTOR_ID, &seen);
      sector_ids_complete_ = sector_ids_complete_ && id.has_value();
      sector_ids_.push_back(id.value_or(""));
      spec_.sectors.emplace_back();
      sector_slots_.emplace_back(core::N_SECTOR_PARAMS);
      sector_places_.emplace_back(item_path(path, i, id.value_or("")), &item);
      read_sector(item, sector_places_.back().first, outer, i);
    }
  }

  void read_sector(const ConfigNode& item, const std::string& path, const Documentation& outer,
                   std::size_t index) {
    const auto doc = r_.open_map(
        item, path,
        {"id", "name", "service", "modern", "producer", "modern_producer_weight", "base", "params"},
        outer);
    if (!doc) return;
    core::SectorSpec& s = spec_.sectors[index];
    s.id = sector_ids_[index];
    s.name_en = s.id;
    read_label(item, path, "name", &s.name_en, &s.name_zh);
    read_flag(item, path, "service", &s.service);
    read_flag(item, path, "modern", &s.modern);
    read_flag(item, path, "producer", &s.producer);
    read_optional_quantity(item, path, "modern_producer_weight", *doc, UNIT_INTERVAL,
                           &s.modern_producer_weight);
    if (const ConfigNode* base = r_.required(item, path, "base")) {
      const std::string base_path = child_path(path, "base");
      if (const auto base_doc = r_.open_map(*base, base_path, {"va", "space", "va_ratio"}, *doc)) {
        read_quantity(*base, base_path, "va", *base_doc, POSITIVE, &s.base_va);
        read_quantity(*base, base_path, "space", *base_doc, POSITIVE, &s.base_space);
        read_optional_quantity(*base, base_path, "va_ratio", *base_doc, VA_RATIO, &s.va_ratio);
      }
    }
    if (const ConfigNode* params = ValueReader::optional(item, "params")) {
      read_param_slots(*params, child_path(path, "params"), *doc, &sector_slots_[index]);
    }
  }

  void read_flag(const ConfigNode& map, const std::string& path, const char* key, bool* out) {
    if (const ConfigNode* node = ValueReader::optional(map, key)) {
      *out = r_.boolean(*node, child_path(path, key)).value_or(*out);
    }
  }

  // Reads the sector parameters present in a `params` or `sector_defaults` mapping.
  void read_param_slots(const ConfigNode& node, const std::string& path, const Documentation& outer,
                        ParamSlots* slots) {
    const auto doc = r_.open_map(node, path, names_of(core::SECTOR_PARAM_NAMES), outer);
    if (!doc) return;
    for (int k = 0; k < core::N_SECTOR_PARAMS; ++k) {
      const char* name = core::SECTOR_PARAM_NAMES[k];
      const ConfigNode* value = ValueReader::optional(node, name);
      if (value == nullptr) continue;
      ParamSlot& slot = (*slots)[static_cast<std::size_t>(k)];
      slot.present = true;
      slot.prior = r_.prior(*value, child_path(path, name), *doc, SECTOR_PARAM_RULES[k].range);
    }
  }

  void read_sector_defaults(const ConfigNode& node, const std::string& path,
                            const Documentation& outer) {
    read_param_slots(node, path, outer, &default_slots_);
  }

  // Each sector parameter comes from the sector, else from sector_defaults,
  // else (employment only) is a fixed 0.
  void resolve_sector_params() {
    for (std::size_t s = 0; s < spec_.sectors.size(); ++s) {
      const auto& [path, item] = sector_places_[s];
      const ConfigNode* params = item->is_map() ? ValueReader::optional(*item, "params") : nullptr;
      for (int k = 0; k < core::N_SECTOR_PARAMS; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        const ParamSlot& own = sector_slots_[s][ku];
        const ParamSlot& fallback = default_slots_[ku];
        const ParamSlot& used = own.present ? own : fallback;
        core::Prior& target = core::sector_param(spec_.sectors[s].params, k);
        if (used.present) {
          if (used.prior) target = *used.prior;
        } else if (SECTOR_PARAM_RULES[k].zero_default) {
          target = core::Prior::fixed(0.0);
        } else if (item->is_map()) {
          report_missing_param(*item, path, params, core::SECTOR_PARAM_NAMES[k]);
        }
      }
    }
  }

  void report_missing_param(const ConfigNode& item, const std::string& path,
                            const ConfigNode* params, const std::string& name) {
    const std::string hint = " (and no sector_defaults." + name + ")";
    if (params != nullptr && params->is_map()) {
      r_.error(params->pos(), child_path(path, "params"), "missing '" + name + "'" + hint);
    } else if (params == nullptr) {
      r_.error(item.pos(), path, "missing 'params." + name + "'" + hint);
    }
  }

  // ---- parameters and shocks ----

  void read_parameters(const ConfigNode& node, const std::string& path,
                       const Documentation& outer) {
    const auto doc =
        r_.open_map(node, path, with(names_of(core::GLOBAL_PARAM_NAMES), {"absorption"}), outer);
    if (!doc) return;
    for (int k = 0; k < core::N_GLOBAL_PARAMS; ++k) {
      const char* name = core::GLOBAL_PARAM_NAMES[k];
      const ConfigNode* value = r_.required(node, path, name);
      if (value == nullptr) continue;
      const auto prior = r_.prior(*value, child_path(path, name), *doc, GLOBAL_PARAM_RANGES[k]);
      if (prior) core::global_param(spec_.globals, k) = *prior;
    }
    if (const ConfigNode* absorption = r_.required(node, path, "absorption")) {
      read_absorption(*absorption, child_path(path, "absorption"), *doc);
    }
  }

  void read_absorption(const ConfigNode& node, const std::string& path,
                       const Documentation& outer) {
    const auto doc = r_.open_map(node, path, {"shares"}, outer);
    if (!doc) return;
    const ConfigNode* shares = r_.required(node, path, "shares");
    if (shares == nullptr) return;
    const std::string shares_path = child_path(path, "shares");
    const auto values = r_.number_list(*shares, shares_path, UNIT_INTERVAL);
    if (!values || !r_.check_sum(*values, shares->pos(), shares_path)) return;
    r_.record(*shares, shares_path, render(*shares), *doc);
    spec_.absorption = *values;
  }

  void read_shocks(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    const auto doc = r_.open_map(node, path, {"correlation"}, outer);
    if (!doc) return;
    const ConfigNode* corr = r_.required(node, path, "correlation");
    if (corr == nullptr) return;
    const std::string corr_path = child_path(path, "correlation");
    const auto corr_doc =
        r_.open_map(*corr, corr_path, {"between_sectors", "with_city", "matrix"}, *doc);
    if (!corr_doc || spec_.sectors.empty()) return;
    const ConfigNode* matrix = ValueReader::optional(*corr, "matrix");
    if (matrix != nullptr && (ValueReader::optional(*corr, "between_sectors") ||
                              ValueReader::optional(*corr, "with_city"))) {
      r_.error(corr->pos(), corr_path,
               "give either 'matrix' or 'between_sectors' and 'with_city', not both");
      return;
    }
    const std::string matrix_path = child_path(corr_path, "matrix");
    const auto c = matrix ? read_correlation_matrix(*matrix, matrix_path, *corr_doc)
                          : read_equicorrelation(*corr, corr_path, *corr_doc);
    if (!c) return;
    if (check_psd(*c, matrix ? *matrix : *corr, matrix ? matrix_path : corr_path)) {
      spec_.correlation = *c;
    }
  }

  using Matrix = std::vector<std::vector<double>>;

  std::optional<Matrix> read_correlation_matrix(const ConfigNode& node, const std::string& path,
                                                const Documentation& doc) {
    const std::size_t n = spec_.sectors.size() + 1;
    auto c = r_.matrix(node, path, n, CORRELATION);
    if (!c) return std::nullopt;
    bool ok = true;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j <= i; ++j) {
        const ConfigNode& entry = node.items()[i].items()[j];
        const std::string entry_path = item_path(item_path(path, i, ""), j, "");
        if (i == j && (*c)[i][j] != 1.0) {
          r_.error(entry.pos(), entry_path,
                   "diagonal entries must be 1 (got " + entry.text() + ")");
          ok = false;
        } else if ((*c)[i][j] != (*c)[j][i]) {
          r_.error(entry.pos(), entry_path,
                   "not symmetric: " + entry.text() + " here but " +
                       node.items()[j].items()[i].text() + " at [" + std::to_string(j) + "][" +
                       std::to_string(i) + "]");
          ok = false;
        }
      }
    }
    if (ok) r_.record(node, path, render(node), doc);
    return ok ? c : std::nullopt;
  }

  // Every pair of sectors correlates by `between_sectors`, each sector with
  // the city (last row) by `with_city`.
  std::optional<Matrix> read_equicorrelation(const ConfigNode& node, const std::string& path,
                                             const Documentation& doc) {
    double between = 0;
    double with_city = 0;
    const std::size_t before = r_.errors().size();
    read_quantity(node, path, "between_sectors", doc, OPEN_CORRELATION, &between);
    read_quantity(node, path, "with_city", doc, OPEN_CORRELATION, &with_city);
    if (r_.errors().size() != before) return std::nullopt;
    const std::size_t n = spec_.sectors.size();
    Matrix c(n + 1, std::vector<double>(n + 1, between));
    for (std::size_t i = 0; i <= n; ++i) {
      c[i][i] = 1.0;
      if (i < n) c[i][n] = c[n][i] = with_city;
    }
    return c;
  }

  bool check_psd(const Matrix& c, const ConfigNode& node, const std::string& path) {
    const auto n = static_cast<Eigen::Index>(c.size());
    Eigen::MatrixXd m(n, n);
    for (Eigen::Index i = 0; i < n; ++i) {
      for (Eigen::Index j = 0; j < n; ++j) {
        m(i, j) = c[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
      }
    }
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(m, Eigen::EigenvaluesOnly);
    const double smallest = solver.eigenvalues().minCoeff();
    if (smallest >= PSD_TOLERANCE) return true;
    char text[48];
    std::snprintf(text, sizeof text, "%.3g", smallest);
    r_.error(node.pos(), path,
             std::string("not positive semi-definite (smallest eigenvalue ") + text + ")");
    return false;
  }

  // ---- levers ----

  ValueReader::KeyIndex year_key(int first_year) {
    return [this, first_year](const ConfigEntry& e,
                              const std::string& path) -> std::optional<std::size_t> {
      const auto year = horizon_year(ConfigNode::scalar(e.key, true, e.key_pos), path, first_year);
      if (!year) return std::nullopt;
      return static_cast<std::size_t>(*year - spec_.base_year);
    };
  }

  ValueReader::KeyIndex sector_key() {
    return [this](const ConfigEntry& e, const std::string& path) -> std::optional<std::size_t> {
      const auto it = std::find(sector_ids_.begin(), sector_ids_.end(), e.key);
      if (!e.key.empty() && it != sector_ids_.end())
        return static_cast<std::size_t>(it - sector_ids_.begin());
      if (sector_ids_complete_) report_unknown_sector(e.key_pos, path, e.key);
      return std::nullopt;
    };
  }

  void report_unknown_sector(const SourcePos& pos, const std::string& path, const std::string& id) {
    std::string message = "unknown sector '" + id + "'";
    // No guess for a key longer than any id: it cannot be a misspelling.
    const std::string guess = id.size() <= MAX_ID_CHARS ? core::closest_match(id, sector_ids_) : "";
    if (!guess.empty()) message += " (did you mean '" + guess + "'?)";
    r_.error(pos, path, message);
  }

  std::size_t n_years() const {
    return horizon_ok_ ? static_cast<std::size_t>(spec_.n_years()) : 0;
  }

  void init_levers() {
    core::Levers& l = spec_.levers;
    const std::size_t n_sectors = spec_.sectors.size();
    if (l.funds.empty()) l.funds.assign(n_years(), std::vector<double>(n_sectors, 0.0));
    if (l.space_release.empty()) l.space_release.assign(n_years(), 0.0);
    if (l.land_release.empty()) l.land_release.assign(n_years(), 0.0);
    if (l.space_share.empty()) l.space_share.assign(n_sectors, 0.0);
    if (l.land_share.empty()) l.land_share.assign(n_sectors, 0.0);
  }

  void read_levers(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    init_levers();
    const auto doc = r_.open_map(node, path, {"funds", "space", "land"}, outer);
    if (!doc) return;
    core::Levers& l = spec_.levers;
    if (const ConfigNode* funds = ValueReader::optional(node, "funds")) {
      read_funds(*funds, child_path(path, "funds"), *doc);
    }
    if (const ConfigNode* space = ValueReader::optional(node, "space")) {
      read_release(*space, child_path(path, "space"), *doc, &l.space_release, &l.space_share);
    }
    if (const ConfigNode* land = ValueReader::optional(node, "land")) {
      read_release(*land, child_path(path, "land"), *doc, &l.land_release, &l.land_share);
    }
  }

  // `total` spread over years by `by_year`: amount per year index.
  std::optional<std::vector<double>> read_timed_total(const ConfigNode& node,
                                                      const std::string& path,
                                                      const Documentation& doc) {
    double total = 0;
    const std::size_t before = r_.errors().size();
    read_quantity(node, path, "total", doc, NON_NEGATIVE, &total);
    const ConfigNode* by_year = r_.required(node, path, "by_year");
    const auto shares = by_year ? r_.shares(*by_year, child_path(path, "by_year"), doc, n_years(),
                                            year_key(spec_.base_year + 1))
                                : std::nullopt;
    if (!shares || r_.errors().size() != before) return std::nullopt;
    std::vector<double> amounts(shares->size());
    for (std::size_t i = 0; i < amounts.size(); ++i)
      amounts[i] = total * (*shares)[i];
    return amounts;
  }

  std::optional<std::vector<double>> read_allocation(const ConfigNode& node,
                                                     const std::string& path,
                                                     const Documentation& doc) {
    const ConfigNode* allocation = r_.required(node, path, "allocation");
    if (allocation == nullptr) return std::nullopt;
    return r_.shares(*allocation, child_path(path, "allocation"), doc, spec_.sectors.size(),
                     sector_key());
  }

  void read_funds(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    const auto doc = r_.open_map(node, path, {"total", "by_year", "allocation", "amounts"}, outer);
    if (!doc) return;
    if (const ConfigNode* amounts = ValueReader::optional(node, "amounts")) {
      if (ValueReader::optional(node, "total") || ValueReader::optional(node, "by_year") ||
          ValueReader::optional(node, "allocation")) {
        r_.error(node.pos(), path,
                 "give either 'amounts' or 'total', 'by_year' and 'allocation', not both");
        return;
      }
      read_fund_amounts(*amounts, child_path(path, "amounts"), *doc);
      return;
    }
    const auto by_year = read_timed_total(node, path, *doc);
    const auto allocation = read_allocation(node, path, *doc);
    if (!by_year || !allocation) return;
    for (std::size_t i = 0; i < by_year->size(); ++i) {
      for (std::size_t s = 0; s < allocation->size(); ++s) {
        spec_.levers.funds[i][s] = (*by_year)[i] * (*allocation)[s];
      }
    }
  }

  // amounts: {YEAR: {sector: Q}}, in 亿元.
  void read_fund_amounts(const ConfigNode& node, const std::string& path,
                         const Documentation& outer) {
    const Documentation doc = node.is_map() ? r_.documentation(node, outer) : outer;
    r_.for_each_keyed(node, path, year_key(spec_.base_year + 1),
                      [&](std::size_t i, const ConfigEntry& year, const std::string& year_path) {
                        const Documentation year_doc =
                            year.value.is_map() ? r_.documentation(year.value, doc) : doc;
                        return r_.for_each_keyed(
                            year.value, year_path, sector_key(),
                            [&](std::size_t s, const ConfigEntry& e, const std::string& p) {
                              const auto q = r_.quantity(e.value, p, year_doc, NON_NEGATIVE);
                              if (q) spec_.levers.funds[i][s] = *q;
                              return q.has_value();
                            });
                      });
  }

  // Space or land: amounts per year (total and by_year, or amounts) and the
  // allocation of what is released to sectors.
  void read_release(const ConfigNode& node, const std::string& path, const Documentation& outer,
                    std::vector<double>* release, std::vector<double>* share) {
    const auto doc = r_.open_map(node, path, {"total", "by_year", "allocation", "amounts"}, outer);
    if (!doc) return;
    if (const auto allocation = read_allocation(node, path, *doc)) *share = *allocation;
    const ConfigNode* amounts = ValueReader::optional(node, "amounts");
    if (amounts == nullptr) {
      if (const auto timed = read_timed_total(node, path, *doc)) *release = *timed;
      return;
    }
    if (ValueReader::optional(node, "total") || ValueReader::optional(node, "by_year")) {
      r_.error(node.pos(), path, "give either 'amounts' or 'total' and 'by_year', not both");
      return;
    }
    const std::string amounts_path = child_path(path, "amounts");
    const Documentation amounts_doc = amounts->is_map() ? r_.documentation(*amounts, *doc) : *doc;
    r_.for_each_keyed(*amounts, amounts_path, year_key(spec_.base_year + 1),
                      [&](std::size_t i, const ConfigEntry& e, const std::string& p) {
                        const auto q = r_.quantity(e.value, p, amounts_doc, NON_NEGATIVE);
                        if (q) (*release)[i] = *q;
                        return q.has_value();
                      });
  }

  // ---- demand, targets, run ----

  void read_demand(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    const auto doc = r_.open_map(node, path, {"technical", "spend_share"}, outer);
    if (!doc) return;
    const std::size_t before = r_.errors().size();
    read_quantity(node, path, "spend_share", *doc, UNIT_INTERVAL, &spec_.demand.spend_share);
    const ConfigNode* technical = r_.required(node, path, "technical");
    if (technical == nullptr || spec_.sectors.empty()) return;
    const std::string technical_path = child_path(path, "technical");
    const auto a = r_.matrix(*technical, technical_path, spec_.sectors.size(), NON_NEGATIVE);
    if (!a) return;
    for (std::size_t j = 0; j < a->size(); ++j) {
      double column = 0;
      for (const auto& row : *a)
        column += row[j];
      // The Leontief inverse (I - A)^-1 exists and is non-negative when every
      // column of A sums to less than 1.
      if (column >= 1.0) {
        r_.error(technical->pos(), technical_path,
                 "column " + std::to_string(j) + " ('" + sector_ids_[j] + "') sums to " +
                     format_number(column) + " (each column must sum to < 1)");
      }
    }
    if (r_.errors().size() != before) return;
    r_.record(*technical, technical_path, render(*technical), *doc);
    spec_.demand.technical = *a;
    spec_.demand.enabled = true;
  }

  void read_targets(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    if (!node.is_sequence()) {
      r_.error(node.pos(), path, "expected a list, got " + node.describe());
      return;
    }
    if (node.items().size() > MAX_TARGETS) {
      r_.error(node.pos(), path,
               "too many targets: " + std::to_string(node.items().size()) + " (at most " +
                   std::to_string(MAX_TARGETS) + ")");
      return;
    }
    std::unordered_map<std::string, int> seen;
    for (std::size_t i = 0; i < node.items().size(); ++i) {
      const ConfigNode& item = node.items()[i];
      const auto id = read_id(item, path, i, TARGET_ID, &seen);
      read_target(item, item_path(path, i, id.value_or("")), outer, id.value_or(""));
    }
  }

  void read_target(const ConfigNode& item, const std::string& path, const Documentation& outer,
                   const std::string& id) {
    const auto doc = r_.open_map(
        item, path, {"id", "label", "indicator", "year", "op", "value", "relative_to_year"}, outer);
    if (!doc) return;
    core::TargetSpec t;
    t.id = id;
    read_label(item, path, "label", &t.label_en, &t.label_zh);
    if (const ConfigNode* indicator = r_.required(item, path, "indicator")) {
      read_indicator(*indicator, child_path(path, "indicator"), &t.indicator);
    }
    if (const ConfigNode* year = r_.required(item, path, "year")) {
      t.year = horizon_year(*year, child_path(path, "year"), spec_.base_year).value_or(0);
    }
    if (const ConfigNode* op = r_.required(item, path, "op")) {
      read_op(*op, child_path(path, "op"), &t.op);
    }
    read_quantity(item, path, "value", *doc, ANY_NUMBER, &t.threshold);
    if (const ConfigNode* rel = ValueReader::optional(item, "relative_to_year")) {
      t.relative_to_year =
          horizon_year(*rel, child_path(path, "relative_to_year"), spec_.base_year);
    }
    spec_.targets.push_back(std::move(t));
  }

  void read_indicator(const ConfigNode& node, const std::string& path, std::string* out) {
    const auto name = r_.string(node, path);
    if (!name) return;
    // Bounded before the search for a suggestion, which compares it with
    // every series and sector name.
    if (name->size() > MAX_INDICATOR_CHARS) {
      r_.error(node.pos(), path, "unknown indicator " + node.describe());
      return;
    }
    *out = *name;
    if (!sector_ids_complete_) return;  // sector names cannot be checked yet
    std::string message;
    if (!core::resolve_series(*name, sector_ids_, &message)) r_.error(node.pos(), path, message);
  }

  void read_op(const ConfigNode& node, const std::string& path, core::Op* out) {
    const auto text = r_.string(node, path);
    if (!text) return;
    for (core::Op op :
         {core::Op::Greater, core::Op::GreaterEqual, core::Op::Less, core::Op::LessEqual}) {
      if (*text == core::op_symbol(op)) {
        *out = op;
        return;
      }
    }
    r_.error(node.pos(), path, "unknown op " + node.describe() + " (expected one of >, >=, <, <=)");
  }

  void read_run(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    if (!r_.open_map(node, path, {"draws", "seed", "sampler", "replicates"}, outer)) return;
    core::RunSettings& run = spec_.run;
    if (const ConfigNode* draws = ValueReader::optional(node, "draws")) {
      const std::string draws_path = child_path(path, "draws");
      const auto n = r_.count(*draws, draws_path);
      if (n && *n == 0) r_.error(draws->pos(), draws_path, "must be >= 1 (got 0)");
      if (n && *n > 0) run.draws = *n;
    }
    if (const ConfigNode* seed = ValueReader::optional(node, "seed")) {
      run.seed = r_.count(*seed, child_path(path, "seed")).value_or(run.seed);
    }
    if (const ConfigNode* sampler = ValueReader::optional(node, "sampler")) {
      read_sampler(*sampler, child_path(path, "sampler"), &run.sampler);
    }
    if (const ConfigNode* reps = ValueReader::optional(node, "replicates")) {
      const std::string reps_path = child_path(path, "replicates");
      if (const auto r = r_.integer(*reps, reps_path)) {
        if (*r < core::MIN_REPLICATES || *r > core::MAX_REPLICATES) {
          r_.error(reps->pos(), reps_path,
                   "must be in [" + std::to_string(core::MIN_REPLICATES) + ", " +
                       std::to_string(core::MAX_REPLICATES) + "] (got " + reps->text() + ")");
        } else {
          run.replicates = static_cast<int>(*r);
        }
      }
    }
  }

  void read_sampler(const ConfigNode& node, const std::string& path, core::Sampler* out) {
    const auto text = r_.string(node, path);
    if (!text) return;
    for (core::Sampler s :
         {core::Sampler::MonteCarlo, core::Sampler::LatinHypercube, core::Sampler::Sobol}) {
      if (*text == core::sampler_name(s)) {
        *out = s;
        return;
      }
    }
    r_.error(node.pos(), path,
             "unknown sampler " + node.describe() + " (expected mc, lhs or sobol)");
  }

  const ConfigNode& root_;
  ValueReader r_;
  core::ScenarioSpec spec_;
  bool horizon_ok_ = false;
  bool sector_ids_complete_ = false;     // every sector has a valid, unique id
  std::vector<std::string> sector_ids_;  // by sector index; "" where invalid
  std::vector<std::pair<std::string, const ConfigNode*>> sector_places_;  // key path, item
  std::vector<ParamSlots> sector_slots_;
  ParamSlots default_slots_ = ParamSlots(core::N_SECTOR_PARAMS);
};

}  // namespace

core::ScenarioSpec load_scenario(const std::string& path, const LoadOptions& options) {
  MergedDocument doc = load_document(path);
  core::ScenarioSpec spec = ScenarioBuilder(doc.root, options).build();
  spec.files = std::move(doc.files);
  return spec;
}

core::ScenarioSpec load_scenario_text(const std::string& text, const std::string& name,
                                      const LoadOptions& options) {
  MergedDocument doc = load_document_text(text, name);
  core::ScenarioSpec spec = ScenarioBuilder(doc.root, options).build();
  spec.files = std::move(doc.files);
  return spec;
}

}  // namespace sectorsim::config
