#include "engine/config/scenario_loader.hpp"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <optional>
#include <unordered_map>
#include <utility>

#include "engine/config/config_node.hpp"
#include "engine/config/model_reader.hpp"
#include "engine/config/value_reader.hpp"
#include "engine/sampling/sampler.hpp"
#include "engine/spec/series.hpp"

namespace sectorsim::config {
namespace {

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
// The model of a scenario that names none (every first-edition file).
constexpr const char* DEFAULT_MODEL = "sector_growth";

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
      : root_(root),
        r_(options.strict_provenance, options.table_threads),
        models_(options.models) {}

  core::ScenarioSpec build() {
    // The model first: its sections are keys of the document too.
    const ModelReader* model = read_model();
    // An unknown model: its sections, and what it needs, are unknown too.
    if (model == nullptr) throw ConfigError(r_.errors());
    struct Section {
      const char* key;
      bool required;
      void (ScenarioBuilder::*read)(const ConfigNode&, const std::string&, const Documentation&);
    };
    const bool sectors = model->needs_sectors();
    // Order matters: later sections refer to the horizon and the sector ids.
    const Section shared[] = {
        {"scenario", true, &ScenarioBuilder::read_scenario},
        {"horizon", true, &ScenarioBuilder::read_horizon},
        {"region", sectors, &ScenarioBuilder::read_region},
        {"sectors", sectors, &ScenarioBuilder::read_sectors},
    };
    std::vector<std::string> keys = {"scenario", "model", "horizon",  "region",   "sectors",
                                     "targets",  "run",   "backtest", "observed", "optimise"};
    for (const auto& [key, required] : model->sections())
      keys.push_back(key);
    root_doc_ = r_.open_map(root_, "", keys, {}).value_or(Documentation{});
    if (!root_.is_map()) throw ConfigError(r_.errors());
    for (const Section& s : shared) {
      const ConfigNode* node =
          s.required ? r_.required(root_, "", s.key) : ValueReader::optional(root_, s.key);
      if (node != nullptr) (this->*s.read)(*node, s.key, root_doc_);
    }
    const BlockContext context(root_, root_doc_, r_, spec_, horizon_ok_, sector_ids_complete_,
                               std::move(sector_items_), region_, region_doc_);
    std::unique_ptr<core::ModelBlock> block = model->read(context);
    if (block != nullptr) {
      for (auto& extra : block->extra_series())
        series_.push_back(std::move(extra));
    }
    if (const ConfigNode* node = ValueReader::optional(root_, "targets")) {
      read_targets(*node, "targets", root_doc_);
    }
    if (const ConfigNode* node = ValueReader::optional(root_, "run")) {
      read_run(*node, "run", root_doc_);
    }
    if (const ConfigNode* node = ValueReader::optional(root_, "backtest")) {
      read_backtest(*node, "backtest", root_doc_);
    }
    if (const ConfigNode* node = ValueReader::optional(root_, "observed")) {
      read_observed(*node, "observed", root_doc_);
    }
    if (const ConfigNode* node = ValueReader::optional(root_, "optimise")) {
      read_optimise(*node, "optimise", root_doc_, model->declaration());
    }
    if (r_.has_errors()) throw ConfigError(r_.errors());
    spec_.model_block = core::ModelBlockValue(std::move(block));
    spec_.provenance = std::move(r_.provenance());
    return std::move(spec_);
  }

 private:
  // ---- model ----

  const ModelReader* read_model() {
    std::string name = DEFAULT_MODEL;
    const ConfigNode* node = root_.is_map() ? ValueReader::optional(root_, "model") : nullptr;
    if (node != nullptr) {
      const auto text = r_.string(*node, "model");
      if (!text) return nullptr;
      name = *text;
    }
    spec_.model = name;
    const ModelReader* model = models_ != nullptr ? models_->find(name) : nullptr;
    if (model != nullptr) {
      series_ = model->declaration().series;
      dynamic_ = model->declaration().dynamic;
      return model;
    }
    std::vector<std::string> known;
    if (models_ != nullptr) {
      for (const ModelReader* m : models_->readers)
        known.push_back(m->declaration().name);
    }
    std::string message = "unknown model '" + name + "'";
    const std::string guess = core::closest_match(name, known);
    if (!guess.empty()) {
      message += " (did you mean '" + guess + "'?)";
    } else {
      std::string list;
      for (const auto& k : known)
        list += (list.empty() ? "" : ", ") + k;
      message += "; known: " + (list.empty() ? std::string("none") : list);
    }
    r_.error(node != nullptr ? node->pos() : root_.pos(), "model", message);
    return nullptr;
  }

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
    context().read_label(node, path, "title", &spec_.title_en, &spec_.title_zh);
    if (const ConfigNode* d = ValueReader::optional(node, "description")) {
      spec_.description = r_.string(*d, child_path(path, "description")).value_or("");
    }
  }

  void read_horizon(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    if (!r_.open_map(node, path, {"base_year", "end_year"}, outer)) return;
    auto plain_year = [&](const char* key) -> std::optional<int> {
      const ConfigNode* year = r_.required(node, path, key);
      return year ? context().year_in(*year, child_path(path, key), MIN_YEAR, MAX_YEAR)
                  : std::nullopt;
    };
    const auto base = plain_year("base_year");
    if (!dynamic_ && base && ValueReader::optional(node, "end_year") == nullptr) {
      // A static model evaluates once: the horizon is its base year.
      spec_.base_year = spec_.end_year = *base;
      horizon_ok_ = true;
      return;
    }
    const auto end = plain_year("end_year");
    if (!base || !end) return;
    const ConfigNode& end_node = *node.get("end_year");
    const std::string end_path = child_path(path, "end_year");
    if (!dynamic_ && *end != *base) {
      r_.error(end_node.pos(), end_path,
               "must be base_year (" + std::to_string(*base) + ") or absent: model '" +
                   spec_.model + "' has no time (got " + end_node.text() + ")");
    } else if (dynamic_ && *end <= *base) {
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

  // The region's id and labels; its other keys are the model's.
  void read_region(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    region_doc_ = r_.open_map(node, path, with({"id", "name"}, model_region_keys()), outer);
    if (!region_doc_) return;
    region_ = &node;
    core::RegionSpec& region = spec_.region;
    if (const ConfigNode* id = r_.required(node, path, "id")) {
      region.id = r_.string(*id, child_path(path, "id")).value_or("");
    }
    region.name_en = region.id;
    context().read_label(node, path, "name", &region.name_en, &region.name_zh);
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

  // The sectors' ids and labels; their other keys are the model's.
  void read_sectors(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    sectors_read_ = true;
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
    const std::vector<std::string> keys = with({"id", "name"}, model_sector_keys());
    for (std::size_t i = 0; i < node.items().size(); ++i) {
      const ConfigNode& item = node.items()[i];
      const auto id = read_id(item, path, i, SECTOR_ID, &seen);
      sector_ids_complete_ = sector_ids_complete_ && id.has_value();
      core::SectorSpec& s = spec_.sectors.emplace_back();
      s.id = id.value_or("");
      SectorItem& place = sector_items_.emplace_back();
      place.path = item_path(path, i, s.id);
      place.node = &item;
      place.doc = r_.open_map(item, place.path, keys, outer);
      if (!place.doc) continue;
      s.name_en = s.id;
      context().read_label(item, place.path, "name", &s.name_en, &s.name_zh);
    }
  }

  std::vector<std::string> model_sector_keys() const {
    const ModelReader* m = models_ != nullptr ? models_->find(spec_.model) : nullptr;
    return m != nullptr ? m->sector_keys() : std::vector<std::string>{};
  }
  std::vector<std::string> model_region_keys() const {
    const ModelReader* m = models_ != nullptr ? models_->find(spec_.model) : nullptr;
    return m != nullptr ? m->region_keys() : std::vector<std::string>{};
  }

  // The loader's helpers are the context's (one implementation for both).
  BlockContext context() {
    return BlockContext(root_, root_doc_, r_, spec_, horizon_ok_, sector_ids_complete_, {}, nullptr,
                        std::nullopt);
  }

  // ---- targets, run ----

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
    context().read_label(item, path, "label", &t.label_en, &t.label_zh);
    if (const ConfigNode* indicator = r_.required(item, path, "indicator")) {
      read_indicator(*indicator, child_path(path, "indicator"), &t.indicator);
    }
    if (const ConfigNode* year = r_.required(item, path, "year")) {
      t.year = context().horizon_year(*year, child_path(path, "year"), spec_.base_year).value_or(0);
    }
    if (const ConfigNode* op = r_.required(item, path, "op")) {
      read_op(*op, child_path(path, "op"), &t.op);
    }
    context().read_quantity(item, path, "value", *doc, ANY_NUMBER, &t.threshold);
    if (const ConfigNode* rel = ValueReader::optional(item, "relative_to_year")) {
      t.relative_to_year =
          context().horizon_year(*rel, child_path(path, "relative_to_year"), spec_.base_year);
    }
    spec_.targets.push_back(std::move(t));
    spec_.target_files.push_back(item.pos().file ? *item.pos().file : std::string());
  }

  // A non-empty list of at most MAX_TARGETS observations (backtest:,
  // observed.values); reports and returns false otherwise.
  bool observation_list(const ConfigNode& node, const std::string& path) {
    if (!node.is_sequence() || node.items().empty()) {
      r_.error(node.pos(), path, "expected a list of observations, got " + node.describe());
      return false;
    }
    if (node.items().size() > MAX_TARGETS) {
      r_.error(node.pos(), path,
               "too many observations: " + std::to_string(node.items().size()) + " (at most " +
                   std::to_string(MAX_TARGETS) + ")");
      return false;
    }
    return true;
  }

  // An observation's required indicator and year, a year of the horizon after
  // the base year (which is data, not `what`).
  void read_indicator_and_year(const ConfigNode& item, const std::string& item_at, const char* what,
                               std::string* indicator, int* year) {
    if (const ConfigNode* node = r_.required(item, item_at, "indicator")) {
      read_indicator(*node, child_path(item_at, "indicator"), indicator);
    }
    const ConfigNode* node = r_.required(item, item_at, "year");
    if (node == nullptr) return;
    const std::string year_at = child_path(item_at, "year");
    *year = context().horizon_year(*node, year_at, spec_.base_year).value_or(0);
    if (*year != 0 && *year == spec_.base_year) {
      r_.error(node->pos(), year_at,
               std::string("the base year is data, not ") + what + ": observe a year after " +
                   std::to_string(spec_.base_year));
    }
  }

  // backtest: a list of {indicator, year, value} with each value's source.
  void read_backtest(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    if (!observation_list(node, path)) return;
    for (std::size_t i = 0; i < node.items().size(); ++i) {
      const ConfigNode& item = node.items()[i];
      const std::string item_at = item_path(path, i, "");
      const auto doc = r_.open_map(item, item_at, {"indicator", "year", "value"}, outer);
      if (!doc) continue;
      core::BacktestObservation o;
      read_indicator_and_year(item, item_at, "a forecast", &o.indicator, &o.year);
      context().read_quantity(item, item_at, "value", *doc, ANY_NUMBER, &o.value);
      spec_.backtest.push_back(std::move(o));
    }
  }

  // observed: {values: [...], revision: PRIOR, min_ess: N} (docs/conditioning.md).
  void read_observed(const ConfigNode& node, const std::string& path, const Documentation& outer) {
    const auto doc =
        r_.open_map(node, path, {"values", "revision", "min_ess", "keep_within"}, outer);
    if (!doc) return;
    core::ObservedSpec& obs = spec_.observed;
    if (const ConfigNode* m = ValueReader::optional(node, "min_ess")) {
      const std::string at = child_path(path, "min_ess");
      if (const auto v = r_.number(*m, at)) {
        if (*v < 1) {
          r_.error(m->pos(), at, "must be at least 1 (got " + m->text() + ")");
        } else {
          obs.min_ess = *v;
        }
      }
    }
    if (const ConfigNode* k = ValueReader::optional(node, "keep_within")) {
      const std::string at = child_path(path, "keep_within");
      if (const auto v = r_.number(*k, at)) {
        if (*v < 10) {
          r_.error(k->pos(), at,
                   "must be at least 10 (log-likelihood units; got " + k->text() + ")");
        } else {
          obs.keep_within = *v;
        }
      }
    }
    const ConfigNode* revision = ValueReader::optional(node, "revision");
    if (revision) {
      obs.revision = r_.prior(*revision, child_path(path, "revision"), *doc, core::ABOVE_MINUS_ONE);
    }
    const ConfigNode* values = r_.required(node, path, "values");
    if (!values) return;
    const std::string values_at = child_path(path, "values");
    if (!observation_list(*values, values_at)) return;
    for (std::size_t i = 0; i < values->items().size(); ++i) {
      const ConfigNode& item = values->items()[i];
      const std::string item_at = item_path(values_at, i, "");
      const auto item_doc = r_.open_map(
          item, item_at,
          {"indicator", "year", "value", "above", "below", "growth", "sd", "rel_sd", "vintage"},
          *doc);
      if (!item_doc) continue;
      core::Observation o;
      o.where = item.pos().str();
      read_indicator_and_year(item, item_at, "an observation of the model", &o.indicator, &o.year);
      // Exactly one of value, above, below, growth.
      const char* forms[] = {"value", "above", "below", "growth"};
      std::vector<const char*> given;
      for (const char* f : forms)
        if (ValueReader::optional(item, f)) given.push_back(f);
      if (given.size() != 1) {
        r_.error(item.pos(), item_at,
                 given.empty() ? "needs one of 'value', 'above', 'below' or 'growth'"
                               : std::string("give one of 'value', 'above', 'below' or 'growth', "
                                             "not both '") +
                                     given[0] + "' and '" + given[1] + "'");
        continue;
      }
      const std::string form = given[0];
      o.growth = form == "growth";
      o.kind = form == "above"   ? core::ObservationKind::Above
               : form == "below" ? core::ObservationKind::Below
                                 : core::ObservationKind::Value;
      context().read_quantity(item, item_at, given[0], *item_doc, core::ANY_NUMBER, &o.value);
      const ConfigNode* sd = ValueReader::optional(item, "sd");
      const ConfigNode* rel = ValueReader::optional(item, "rel_sd");
      if (sd && rel) {
        r_.error(rel->pos(), child_path(item_at, "rel_sd"), "give 'sd' or 'rel_sd', not both");
        continue;
      }
      if (!sd && !rel && o.kind == core::ObservationKind::Value) {
        r_.error(item.pos(), item_at,
                 "a value needs its measurement error: 'sd' (in the indicator's units) or "
                 "'rel_sd' (a share of the value)");
        continue;
      }
      if (sd || rel) {
        // A value's error is positive; a bound's may be 0 (a hard bound).
        const bool point = o.kind == core::ObservationKind::Value;
        context().read_quantity(item, item_at, sd ? "sd" : "rel_sd", *item_doc,
                                point ? core::POSITIVE : core::NON_NEGATIVE, &o.sd);
        o.relative = rel != nullptr;
      }
      if (const ConfigNode* v = ValueReader::optional(item, "vintage")) {
        const std::string at = child_path(item_at, "vintage");
        if (const auto text = r_.string(*v, at)) {
          if (*text == "revised" && o.growth) {
            r_.error(v->pos(), at,
                     "a growth rate is the same in either vintage: only levels are revised");
          } else if (*text == "revised") {
            o.revised = true;
            if (!revision) {
              r_.error(v->pos(), at,
                       "a revised vintage needs observed.revision: the prior of its level break");
            }
          } else if (*text != "first") {
            r_.error(v->pos(), at, "expected 'first' or 'revised', got " + v->describe());
          }
        }
      }
      obs.values.push_back(std::move(o));
    }
  }

  // optimise: {levers: {KEY: {total, sector_share, sectors, year_share, years}}}
  // (docs/decision.md): what `sectorsim optimise` chooses, within which bounds.
  void read_optimise(const ConfigNode& node, const std::string& path, const Documentation& outer,
                     const core::ModelDeclaration& decl) {
    const auto doc = r_.open_map(node, path, {"levers"}, outer);
    if (!doc) return;
    const ConfigNode* levers = r_.required(node, path, "levers");
    if (!levers) return;
    const std::string levers_at = child_path(path, "levers");
    if (!levers->is_map()) {
      r_.error(levers->pos(), levers_at, "expected a mapping, got " + levers->describe());
      return;
    }
    const Documentation levers_doc = r_.documentation(*levers, *doc);
    std::vector<std::string> keys;
    for (const auto& l : decl.levers)
      keys.push_back(l.key);
    bool any = false;
    for (const ConfigEntry& e : levers->entries()) {
      if (ValueReader::is_reserved(e.key)) continue;
      any = true;
      const std::string at = child_path(levers_at, e.key);
      const auto d = std::find(keys.begin(), keys.end(), e.key);
      if (d == keys.end()) {
        std::string message = "the " + decl.name + " model has no lever '" + e.key + "'";
        const std::string guess =
            e.key.size() <= MAX_ID_CHARS ? core::closest_match(e.key, keys) : "";
        if (!guess.empty()) message += " (did you mean '" + guess + "'?)";
        std::string list;
        for (const auto& k : keys)
          list += (list.empty() ? "" : ", ") + k;
        message += keys.empty() ? "; it has none" : "; its levers: " + list;
        r_.error(e.key_pos, at, message);
        continue;
      }
      const core::LeverDecl& lever = decl.levers[static_cast<std::size_t>(d - keys.begin())];
      read_optimise_lever(e.value, at, levers_doc, lever);
    }
    if (!any) r_.error(levers->pos(), levers_at, "name at least one lever to choose");
  }

  void read_optimise_lever(const ConfigNode& node, const std::string& path,
                           const Documentation& outer, const core::LeverDecl& lever) {
    core::OptimiseLever o;
    o.key = lever.key;
    o.where = node.pos().str();
    const bool by_sector = lever.shape == core::LeverShape::YearBySector;
    const std::size_t ny = horizon_ok_ ? static_cast<std::size_t>(spec_.n_years()) : 0;
    const std::size_t ns = spec_.sectors.size();
    o.years.assign(ny, core::ShareBounds{});
    if (ny > 0) o.years[0] = {0, 0};
    if (by_sector) o.sectors.assign(ns, core::ShareBounds{});
    // `key: ~` or `key: {}`: chosen, with no bounds beyond its total.
    if (node.is_null()) {
      spec_.optimise.levers.push_back(std::move(o));
      return;
    }
    const auto doc = r_.open_map(
        node, path, {"from", "total", "sector_share", "sectors", "year_share", "years"}, outer);
    if (!doc) return;
    if (const ConfigNode* from = ValueReader::optional(node, "from")) {
      const auto year =
          context().horizon_year(*from, child_path(path, "from"), spec_.base_year + 1);
      if (!year) return;
      o.first_year = static_cast<std::size_t>(*year - spec_.base_year);
    }
    if (ValueReader::optional(node, "total")) {
      double total = 0;
      context().read_quantity(node, path, "total", *doc, core::POSITIVE, &total);
      o.total = total;
    }
    for (const char* key : {"sector_share", "sectors"}) {
      if (!by_sector && ValueReader::optional(node, key)) {
        r_.error(node.get(key)->pos(), child_path(path, key),
                 "'" + lever.key +
                     "' goes to sectors by its allocation, which optimise keeps; "
                     "bound its years (year_share, years)");
        return;
      }
    }
    // Every sector's or year's bounds, then each one's own (a bound it does
    // not give is the every-one bound). Bounds on years before `from` are
    // read but unused: those years keep their amounts.
    auto read_all = [&](const char* every, const char* each, std::vector<core::ShareBounds>& out,
                        const ValueReader::KeyIndex& key_index, std::size_t first) -> bool {
      core::ShareBounds all;
      if (const ConfigNode* n = ValueReader::optional(node, every)) {
        if (!read_share_bounds(*n, child_path(path, every), *doc, {0, 1}, &all)) return false;
      }
      for (std::size_t i = first; i < out.size(); ++i)
        out[i] = all;
      const ConfigNode* n = ValueReader::optional(node, each);
      if (n == nullptr) return true;
      const std::string each_at = child_path(path, each);
      const Documentation each_doc = n->is_map() ? r_.documentation(*n, *doc) : *doc;
      return r_.for_each_keyed(*n, each_at, key_index,
                               [&](std::size_t index, const ConfigEntry& e, const std::string& at) {
                                 if (index >= out.size()) return false;
                                 return read_share_bounds(e.value, at, each_doc, all, &out[index]);
                               });
    };
    if (by_sector && !read_all("sector_share", "sectors", o.sectors, context().sector_key(), 0))
      return;
    if (ny > 0 && !read_all("year_share", "years", o.years, context().year_key(spec_.base_year + 1),
                            o.first_year))
      return;
    // Feasible: the least shares sum to at most 1 and the largest to at
    // least 1, for the sectors and for the years (any such marginals are
    // met together by their product).
    auto check = [&](const std::vector<core::ShareBounds>& b, std::size_t first, const char* what) {
      double lo = 0, hi = 0;
      for (std::size_t i = first; i < b.size(); ++i) {
        lo += b[i].min;
        hi += b[i].max;
      }
      if (lo > 1 + 1e-9 || hi < 1 - 1e-9) {
        r_.error(node.pos(), path,
                 std::string("the ") + what + "' bounds admit no split of the total: their " +
                     (lo > 1 + 1e-9 ? "least shares sum to " + format_number(lo) + ", above 1"
                                    : "largest shares sum to " + format_number(hi) + ", below 1"));
        return false;
      }
      return true;
    };
    if (by_sector && !check(o.sectors, 0, "sectors")) return;
    if (ny > 0 && !check(o.years, o.first_year, "years")) return;
    spec_.optimise.levers.push_back(std::move(o));
  }

  // {min, max}: shares of a lever's total in [0, 1], min <= max; a bound not
  // given keeps `inherit`'s.
  bool read_share_bounds(const ConfigNode& node, const std::string& path,
                         const Documentation& outer, core::ShareBounds inherit,
                         core::ShareBounds* out) {
    const auto doc = r_.open_map(node, path, {"min", "max"}, outer);
    if (!doc) return false;
    const std::size_t before = r_.errors().size();
    context().read_optional_quantity(node, path, "min", *doc, core::UNIT_INTERVAL, &inherit.min);
    context().read_optional_quantity(node, path, "max", *doc, core::UNIT_INTERVAL, &inherit.max);
    if (r_.errors().size() != before) return false;
    if (inherit.min > inherit.max) {
      r_.error(node.pos(), path,
               "min " + format_number(inherit.min) + " is above max " + format_number(inherit.max));
      return false;
    }
    *out = inherit;
    return true;
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
    // Sector names cannot be checked when the list itself is broken.
    if (sectors_read_ && !sector_ids_complete_) return;
    std::vector<std::string> ids;
    for (const auto& sector : spec_.sectors)
      ids.push_back(sector.id);
    std::string message;
    if (!core::resolve_series(*name, series_, ids, &message)) r_.error(node.pos(), path, message);
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
      if (n && *n > core::MAX_DRAWS) {
        r_.error(draws->pos(), draws_path,
                 "must be at most " + std::to_string(core::MAX_DRAWS) + " (2^40) (got " +
                     std::to_string(*n) + ")");
      }
      if (n && *n > 0 && *n <= core::MAX_DRAWS) run.draws = *n;
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
  const ModelCatalogue* models_;
  core::ScenarioSpec spec_;
  Documentation root_doc_;
  std::vector<core::SeriesInfo> series_;  // the model's, for target indicators
  bool dynamic_ = true;                   // the model simulates years after the base year
  bool horizon_ok_ = false;
  bool sectors_read_ = false;         // the file has a `sectors` section
  bool sector_ids_complete_ = false;  // every sector has a valid, unique id
  std::vector<SectorItem> sector_items_;
  const ConfigNode* region_ = nullptr;
  std::optional<Documentation> region_doc_;
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
