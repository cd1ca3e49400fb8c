#include "models/sector_growth/sector_growth_reader.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/config/config_node.hpp"
#include "engine/config/value_reader.hpp"
#include "models/sector_growth/sector_growth_spec.hpp"

namespace sectorsim::models {

namespace {

using config::BlockContext;
using config::child_path;
using config::ConfigEntry;
using config::ConfigNode;
using config::Documentation;
using config::format_number;
using config::item_path;
using config::render;
using config::SourcePos;
using config::ValueReader;
using namespace core;  // the ranges

constexpr double PSD_TOLERANCE = -1e-10;
// A prior given per sector or as a default: present but invalid is kept apart
// from absent so that one bad value is not also reported as missing.
struct ParamSlot {
  bool present = false;
  std::optional<core::Prior> prior;
};
using ParamSlots = std::vector<ParamSlot>;

// Reads the sector-growth sections of one scenario into a SectorGrowthSpec.
class Builder {
 public:
  Builder(const BlockContext& context)
      : c_(context),
        r_(context.reader()),
        spec_(context.shared()),
        decl_(sector_growth_declaration()) {
    sg_.sectors.resize(spec_.sectors.size());
    sector_slots_.assign(spec_.sectors.size(), ParamSlots(N_SECTOR_PARAMS));
  }

  std::unique_ptr<core::ModelBlock> build() {
    if (c_.region() != nullptr && c_.region_doc())
      read_region(*c_.region(), "region", *c_.region_doc());
    for (std::size_t i = 0; i < c_.sectors().size(); ++i) {
      const config::SectorItem& item = c_.sectors()[i];
      if (item.doc) read_sector(*item.node, item.path, *item.doc, i);
    }
    struct Section {
      const char* key;
      bool required;
      void (Builder::*read)(const ConfigNode&, const std::string&, const Documentation&);
    };
    static constexpr Section SECTIONS[] = {
        {"sector_defaults", false, &Builder::read_sector_defaults},
        {"parameters", true, &Builder::read_parameters},
        {"shocks", true, &Builder::read_shocks},
        {"levers", false, &Builder::read_levers},
        {"demand", false, &Builder::read_demand},
        {"counts", false, &Builder::read_counts},
    };
    for (const Section& s : SECTIONS) {
      if (const ConfigNode* node = c_.section(s.key, s.required))
        (this->*s.read)(*node, s.key, c_.root_doc());
    }
    resolve_sector_params();
    init_levers();
    return std::make_unique<SectorGrowthSpec>(std::move(sg_));
  }

 private:
  void read_region(const ConfigNode& node, const std::string& path, const Documentation& doc) {
    RegionData& region = sg_.region;
    c_.read_quantity(node, path, "area_km2", doc, POSITIVE, &region.area_km2);
    c_.read_quantity(node, path, "city_area_km2", doc, POSITIVE, &region.city_area_km2);
    c_.read_quantity(node, path, "city_base_gdp", doc, POSITIVE, &region.city_base_gdp);
    c_.read_optional_quantity(node, path, "pillar_threshold", doc, NON_NEGATIVE,
                              &region.pillar_threshold);
  }

  void read_sector(const ConfigNode& item, const std::string& path, const Documentation& doc_in,
                   std::size_t index) {
    const std::optional<Documentation> doc = doc_in;
    SectorData& s = sg_.sectors[index];
    c_.read_flag(item, path, "service", &s.service);
    c_.read_flag(item, path, "modern", &s.modern);
    c_.read_flag(item, path, "producer", &s.producer);
    if (const ConfigNode* weight = ValueReader::optional(item, "modern_producer_weight")) {
      s.modern_producer_weight =
          r_.prior(*weight, child_path(path, "modern_producer_weight"), *doc, UNIT_INTERVAL);
    }
    if (const ConfigNode* base = r_.required(item, path, "base")) {
      const std::string base_path = child_path(path, "base");
      if (const auto base_doc = r_.open_map(*base, base_path, {"va", "space", "va_ratio"}, *doc)) {
        c_.read_quantity(*base, base_path, "va", *base_doc, POSITIVE, &s.base_va);
        c_.read_quantity(*base, base_path, "space", *base_doc, POSITIVE, &s.base_space);
        c_.read_optional_quantity(*base, base_path, "va_ratio", *base_doc, VA_RATIO, &s.va_ratio);
      }
    }
    if (const ConfigNode* params = ValueReader::optional(item, "params")) {
      read_param_slots(*params, child_path(path, "params"), *doc, &sector_slots_[index]);
    }
  }

  // Reads the sector parameters present in a `params` or `sector_defaults` mapping.
  void read_param_slots(const ConfigNode& node, const std::string& path, const Documentation& outer,
                        ParamSlots* slots) {
    const auto doc = r_.open_map(node, path, param_names(core::Scope::PerSector), outer);
    if (!doc) return;
    for (int k = 0; k < N_SECTOR_PARAMS; ++k) {
      const std::string& name = sector_decl(k).name;
      const ConfigNode* value = ValueReader::optional(node, name);
      if (value == nullptr) continue;
      ParamSlot& slot = (*slots)[static_cast<std::size_t>(k)];
      slot.present = true;
      slot.prior = r_.prior(*value, child_path(path, name), *doc, sector_decl(k).range);
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
      const std::string& path = c_.sectors()[s].path;
      const ConfigNode* item = c_.sectors()[s].node;
      const ConfigNode* params = item->is_map() ? ValueReader::optional(*item, "params") : nullptr;
      for (int k = 0; k < N_SECTOR_PARAMS; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        const ParamSlot& own = sector_slots_[s][ku];
        const ParamSlot& fallback = default_slots_[ku];
        const ParamSlot& used = own.present ? own : fallback;
        core::Prior& target = sector_param(sg_.sectors[s].params, k);
        if (used.present) {
          if (used.prior) target = *used.prior;
        } else if (sector_decl(k).default_prior) {
          target = *sector_decl(k).default_prior;
        } else if (item->is_map()) {
          report_missing_param(*item, path, params, sector_decl(k).name);
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
    // city_growth was the city's nominal trend; the city's prices now grow by
    // price_growth, shared with the district, and its trend is real.
    const auto doc = r_.open_map(
        node, path, with(param_names(core::Scope::Global), {"absorption", "city_growth"}), outer);
    if (!doc) return;
    const ConfigNode* renamed = ValueReader::optional(node, "city_growth");
    if (renamed != nullptr) {
      r_.error(renamed->pos(), child_path(path, "city_growth"),
               "city_growth (the city's nominal trend) is now city_real_growth: the city's prices "
               "grow by price_growth, shared with the district; write city_real_growth as the "
               "nominal trend less price_growth");
    }
    for (int k = 0; k < N_GLOBAL_PARAMS; ++k) {
      const std::string& name = global_decl(k).name;
      // One message for the renamed key, not a second one for its new name;
      // a parameter with a default may be left out.
      const auto& fallback = global_decl(k).default_prior;
      const bool optional = fallback || (renamed != nullptr && name == "city_real_growth");
      const ConfigNode* value =
          optional ? ValueReader::optional(node, name) : r_.required(node, path, name);
      if (value == nullptr) {
        if (fallback) global_param(sg_.globals, k) = *fallback;
        continue;
      }
      const auto prior = r_.prior(*value, child_path(path, name), *doc, global_decl(k).range);
      if (prior && name == "discount_rate" && !prior->is_fixed()) {
        r_.error(value->pos(), child_path(path, name),
                 "the discount rate is a choice of the appraisal, not an uncertainty: give it "
                 "as a value (value: 0.08), and compare again at another rate to see its effect");
        continue;
      }
      if (prior) global_param(sg_.globals, k) = *prior;
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
    sg_.absorption = *values;
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
      sg_.correlation = *c;
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
    c_.read_quantity(node, path, "between_sectors", doc, OPEN_CORRELATION, &between);
    c_.read_quantity(node, path, "with_city", doc, OPEN_CORRELATION, &with_city);
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

  void init_levers() {
    Levers& l = sg_.levers;
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
    Levers& l = sg_.levers;
    if (const ConfigNode* funds = ValueReader::optional(node, "funds")) {
      read_funds(*funds, child_path(path, "funds"), *doc);
    }
    if (const ConfigNode* space = ValueReader::optional(node, "space")) {
      read_release(*space, child_path(path, "space"), *doc, &l.space_release, &l.space_share,
                   &l.space_scale);
    }
    if (const ConfigNode* land = ValueReader::optional(node, "land")) {
      read_release(*land, child_path(path, "land"), *doc, &l.land_release, &l.land_share,
                   &l.land_scale);
    }
  }

  // `total` spread over years by `by_year`: amount per year index.
  std::optional<std::vector<double>> read_timed_total(const ConfigNode& node,
                                                      const std::string& path,
                                                      const Documentation& doc) {
    double total = 0;
    const std::size_t before = r_.errors().size();
    c_.read_quantity(node, path, "total", doc, NON_NEGATIVE, &total);
    const ConfigNode* by_year = r_.required(node, path, "by_year");
    const auto shares = by_year ? r_.shares(*by_year, child_path(path, "by_year"), doc, n_years(),
                                            c_.year_key(spec_.base_year + 1))
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
                     c_.sector_key());
  }

  // A lever's optional `scale:`, a prior of a factor >= 0 on its amounts.
  void read_scale(const ConfigNode& node, const std::string& path, const Documentation& doc,
                  std::optional<core::Prior>* out) {
    const ConfigNode* scale = ValueReader::optional(node, "scale");
    if (scale == nullptr) return;
    *out = r_.prior(*scale, child_path(path, "scale"), doc, NON_NEGATIVE);
  }

  void read_funds(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    const auto doc =
        r_.open_map(node, path, {"total", "by_year", "allocation", "amounts", "scale"}, outer);
    if (!doc) return;
    read_scale(node, path, *doc, &sg_.levers.fund_scale);
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
        sg_.levers.funds[i][s] = (*by_year)[i] * (*allocation)[s];
      }
    }
  }

  // amounts: {YEAR: {sector: Q}}, in 亿元.
  void read_fund_amounts(const ConfigNode& node, const std::string& path,
                         const Documentation& outer) {
    const Documentation doc = node.is_map() ? r_.documentation(node, outer) : outer;
    r_.for_each_keyed(node, path, c_.year_key(spec_.base_year + 1),
                      [&](std::size_t i, const ConfigEntry& year, const std::string& year_path) {
                        const Documentation year_doc =
                            year.value.is_map() ? r_.documentation(year.value, doc) : doc;
                        return r_.for_each_keyed(
                            year.value, year_path, c_.sector_key(),
                            [&](std::size_t s, const ConfigEntry& e, const std::string& p) {
                              const auto q = r_.quantity(e.value, p, year_doc, NON_NEGATIVE);
                              if (q) sg_.levers.funds[i][s] = *q;
                              return q.has_value();
                            });
                      });
  }

  // Space or land: amounts per year (total and by_year, or amounts) and the
  // allocation of what is released to sectors.
  void read_release(const ConfigNode& node, const std::string& path, const Documentation& outer,
                    std::vector<double>* release, std::vector<double>* share,
                    std::optional<core::Prior>* scale) {
    const auto doc =
        r_.open_map(node, path, {"total", "by_year", "allocation", "amounts", "scale"}, outer);
    if (!doc) return;
    read_scale(node, path, *doc, scale);
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
    r_.for_each_keyed(*amounts, amounts_path, c_.year_key(spec_.base_year + 1),
                      [&](std::size_t i, const ConfigEntry& e, const std::string& p) {
                        const auto q = r_.quantity(e.value, p, amounts_doc, NON_NEGATIVE);
                        if (q) (*release)[i] = *q;
                        return q.has_value();
                      });
  }

  void read_demand(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    const auto doc = r_.open_map(node, path, {"technical", "spend_share"}, outer);
    if (!doc) return;
    const std::size_t before = r_.errors().size();
    c_.read_quantity(node, path, "spend_share", *doc, UNIT_INTERVAL, &sg_.demand.spend_share);
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
                 "column " + std::to_string(j) + " ('" + c_.sector_ids()[j] + "') sums to " +
                     format_number(column) + " (each column must sum to < 1)");
      }
    }
    if (r_.errors().size() != before) return;
    r_.record(*technical, technical_path, render(*technical), *doc);
    sg_.demand.technical = *a;
    sg_.demand.enabled = true;
    if (sg_.levers.fund_scale) {
      r_.error(node.pos(), path,
               "the demand term is computed once from the funds as written: it cannot be used "
               "with levers.funds.scale");
    }
  }

  // counts: {KIND: {description, base, sectors, entry_rate, exit_rate,
  // fund_effect, space_effect}} (MODEL.md 8.8).
  void read_counts(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    if (!node.is_map()) {
      r_.error(node.pos(), path, "expected a mapping of count kinds, got " + node.describe());
      return;
    }
    const Documentation doc = r_.documentation(node, outer);
    for (const ConfigEntry& e : node.entries()) {
      if (ValueReader::is_reserved(e.key)) continue;
      const std::string kpath = child_path(path, e.key);
      if (sg_.counts.size() == MAX_COUNT_KINDS) {
        r_.error(e.key_pos, kpath,
                 "too many count kinds (at most " + std::to_string(MAX_COUNT_KINDS) + ")");
        return;
      }
      if (!valid_count_id(e.key)) {
        r_.error(e.key_pos, kpath,
                 "a count kind's id is a lower-case name of letters, digits and '_' that starts "
                 "with a letter and does not end in '_entries'");
        continue;
      }
      bool taken = false;
      for (const auto& series : decl_.series)
        taken = taken || series.name == e.key;
      if (taken) {
        r_.error(e.key_pos, kpath, "'" + e.key + "' is already one of the model's series");
        continue;
      }
      read_count_kind(e.value, kpath, doc, e.key);
    }
  }

  static bool valid_count_id(const std::string& id) {
    if (id.empty() || id.size() > 64 || id[0] < 'a' || id[0] > 'z') return false;
    for (const char ch : id) {
      if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
    }
    const std::string suffix = "_entries";
    return !(id.size() >= suffix.size() &&
             id.compare(id.size() - suffix.size(), suffix.size(), suffix) == 0);
  }

  void read_count_kind(const ConfigNode& node, const std::string& path, const Documentation& outer,
                       const std::string& id) {
    const auto doc = r_.open_map(node, path,
                                 {"description", "base", "sectors", "entry_rate", "exit_rate",
                                  "fund_effect", "space_effect"},
                                 outer);
    if (!doc) return;
    CountKind kind;
    kind.id = id;
    kind.description = id;
    const std::size_t before = r_.errors().size();
    if (const ConfigNode* d = ValueReader::optional(node, "description")) {
      if (const auto text = r_.string(*d, child_path(path, "description")))
        kind.description = *text;
    }
    c_.read_quantity(node, path, "base", *doc, NON_NEGATIVE, &kind.base);
    if (const ConfigNode* b = ValueReader::optional(node, "base");
        b != nullptr && r_.errors().size() == before && kind.base != std::floor(kind.base)) {
      r_.error(b->pos(), child_path(path, "base"),
               "a count is a whole number, got " + format_number(kind.base));
    }
    kind.driven_by.assign(spec_.sectors.size(), 1);
    if (const ConfigNode* list = ValueReader::optional(node, "sectors")) {
      read_count_sectors(*list, child_path(path, "sectors"), &kind.driven_by);
    }
    struct Slot {
      const char* key;
      core::Range range;
      core::Prior* out;
      bool required;
    };
    const Slot slots[] = {{"entry_rate", core::NON_NEGATIVE, &kind.entry_rate, true},
                          {"exit_rate", core::UNIT_INTERVAL, &kind.exit_rate, true},
                          {"fund_effect", core::NON_NEGATIVE, &kind.fund_effect, false},
                          {"space_effect", core::NON_NEGATIVE, &kind.space_effect, false}};
    for (const Slot& slot : slots) {
      const ConfigNode* value =
          slot.required ? r_.required(node, path, slot.key) : ValueReader::optional(node, slot.key);
      if (value == nullptr) continue;
      if (auto prior = r_.prior(*value, child_path(path, slot.key), *doc, slot.range))
        *slot.out = *prior;
    }
    if (r_.errors().size() == before) sg_.counts.push_back(std::move(kind));
  }

  void read_count_sectors(const ConfigNode& node, const std::string& path,
                          std::vector<unsigned char>* driven_by) {
    if (!node.is_sequence() || node.items().empty()) {
      r_.error(node.pos(), path, "expected a non-empty list of sector ids, got " + node.describe());
      return;
    }
    std::fill(driven_by->begin(), driven_by->end(), 0);
    for (std::size_t i = 0; i < node.items().size(); ++i) {
      const ConfigNode& item = node.items()[i];
      const std::string ipath = item_path(path, i, "");
      const auto id = r_.string(item, ipath);
      if (!id) continue;
      const auto& ids = c_.sector_ids();
      const auto at = std::find(ids.begin(), ids.end(), *id);
      if (at == ids.end()) {
        c_.report_unknown_sector(item.pos(), ipath, *id);
        continue;
      }
      (*driven_by)[static_cast<std::size_t>(at - ids.begin())] = 1;
    }
  }

  std::size_t n_years() const { return c_.n_years(); }

  // The declaration's parameters: the per-sector ones first, in SectorParams
  // order, then the global ones in GlobalParams order.
  const core::ParameterDecl& sector_decl(int k) const {
    return decl_.parameters[static_cast<std::size_t>(k)];
  }
  const core::ParameterDecl& global_decl(int k) const {
    return decl_.parameters[static_cast<std::size_t>(N_SECTOR_PARAMS + k)];
  }
  std::vector<std::string> param_names(core::Scope scope) const {
    std::vector<std::string> names;
    for (const auto& p : decl_.parameters)
      if (p.scope == scope) names.push_back(p.name);
    return names;
  }
  static std::vector<std::string> with(std::vector<std::string> names,
                                       const std::vector<std::string>& more) {
    names.insert(names.end(), more.begin(), more.end());
    return names;
  }

  const BlockContext& c_;
  ValueReader& r_;
  const core::ScenarioSpec& spec_;
  const core::ModelDeclaration& decl_;
  SectorGrowthSpec sg_;
  std::vector<ParamSlots> sector_slots_;
  ParamSlots default_slots_ = ParamSlots(N_SECTOR_PARAMS);
};

}  // namespace

const core::ModelDeclaration& SectorGrowthReader::declaration() const {
  return sector_growth_declaration();
}

std::vector<std::pair<std::string, bool>> SectorGrowthReader::sections() const {
  return {{"sector_defaults", false}, {"parameters", true}, {"shocks", true},
          {"levers", false},          {"demand", false},    {"counts", false}};
}

std::vector<std::string> SectorGrowthReader::sector_keys() const {
  return {"service", "modern", "producer", "modern_producer_weight", "base", "params"};
}

std::vector<std::string> SectorGrowthReader::region_keys() const {
  return {"area_km2", "city_area_km2", "city_base_gdp", "pillar_threshold"};
}

std::unique_ptr<core::ModelBlock> SectorGrowthReader::read(const BlockContext& context) const {
  return Builder(context).build();
}

}  // namespace sectorsim::models
