#include "engine/serve/simulator.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include "engine/config/lever_overlay.hpp"
#include "engine/report/report.hpp"
#include "engine/run/errors.hpp"
#include "engine/run/run.hpp"
#include "engine/serve/json.hpp"
#include "models/registry.hpp"

namespace sectorsim::serve {

namespace {

// A request that cannot be run: answered with HTTP 400 and the message.
class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

const char* shape_name(core::LeverShape shape) {
  return shape == core::LeverShape::YearBySector ? "year_by_sector" : "years_with_allocation";
}

void write_proportion(JsonWriter& w, const core::Proportion& p) {
  w.begin_object().key("p").value(p.p).key("low").value(p.low).key("high").value(p.high);
  w.end_object();
}

void write_difference(JsonWriter& w, const core::ProportionDiff& d) {
  w.begin_object().key("diff").value(d.diff).key("low").value(d.low).key("high").value(d.high);
  w.end_object();
}

void write_appraisal_stat(JsonWriter& w, const core::AppraisalStat& s) {
  w.begin_object().key("mean").value(s.mean).key("ci_low").value(s.ci_low);
  w.key("ci_high").value(s.ci_high).key("p05").value(s.p05).key("p95").value(s.p95);
  w.end_object();
}

void write_settings(JsonWriter& w, const std::vector<core::LeverSetting>& settings) {
  w.begin_array();
  for (const core::LeverSetting& s : settings) {
    w.begin_object().key("key").value(s.key).key("total").value(s.total());
    w.key("amounts").values(s.amounts).key("allocation").values(s.allocation).end_object();
  }
  w.end_array();
}

// Statistics `names` of a per-year series summary, one array per statistic.
void write_stats(JsonWriter& w, const core::SeriesSummary& s, const char* const* names, int n_stats,
                 std::size_t n_years) {
  w.begin_object();
  for (int k = 0; k < n_stats; ++k) {
    w.key(names[k]).begin_array();
    for (std::size_t y = 0; y < n_years; ++y) {
      const std::size_t at = static_cast<std::size_t>(k) * n_years + y;
      w.value(at < s.stats.size() ? s.stats[at] : NAN);
    }
    w.end_array();
  }
  w.end_object();
}

const core::SeriesSummary* find_series(const std::vector<core::SeriesSummary>& all,
                                       const std::string& name) {
  for (const core::SeriesSummary& s : all) {
    if (s.info.name == name) return &s;
  }
  return nullptr;
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

std::uint64_t whole_number(const Json& v, const std::string& what, std::uint64_t max) {
  if (v.kind != Json::Kind::Number || v.number < 0 || v.number != std::floor(v.number) ||
      v.number > static_cast<double>(max)) {
    throw BadRequest(what + ": needs a whole number from 0 to " + std::to_string(max));
  }
  return static_cast<std::uint64_t>(v.number);
}

std::vector<double> numbers(const Json& v, const std::string& what) {
  if (v.kind != Json::Kind::Array) throw BadRequest(what + ": needs an array of numbers");
  std::vector<double> out;
  out.reserve(v.array.size());
  for (std::size_t i = 0; i < v.array.size(); ++i) {
    if (v.array[i].kind != Json::Kind::Number) {
      throw BadRequest(what + "[" + std::to_string(i) + "]: needs a number, got " +
                       kind_name(v.array[i].kind));
    }
    out.push_back(v.array[i].number);
  }
  return out;
}

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

Reply error_reply(int status, const std::string& message) {
  JsonWriter w;
  w.begin_object().key("error").value(message).end_object();
  return {status, "application/json", w.str(), ""};
}

struct Simulator::Mix {
  std::size_t scenario = 0;  // the scenario varied
  core::ScenarioSpec spec;   // it, with the request's levers and name
  std::uint64_t draws = 0, seed = 0;
  bool charts = false;
};

Simulator::Simulator(std::vector<core::ScenarioSpec> specs, std::vector<std::string> files,
                     std::size_t baseline, SimulatorOptions options)
    : specs_(std::move(specs)), files_(std::move(files)), baseline_(baseline), options_(options) {
  if (specs_.empty()) throw std::invalid_argument("no scenario to serve");
  if (files_.size() != specs_.size() || baseline_ >= specs_.size())
    throw std::invalid_argument("serve: the scenarios and their files do not match");
  if (options_.draws < 1 || options_.draws > options_.max_draws) {
    throw std::invalid_argument("--draws " + std::to_string(options_.draws) + " is outside 1–" +
                                std::to_string(options_.max_draws));
  }
  if (options_.threads < 1 || options_.threads > 1024)
    throw std::invalid_argument("--threads must be from 1 to 1024");
  const core::ScenarioSpec& b = specs_[baseline_];
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    const core::ScenarioSpec& s = specs_[i];
    for (std::size_t j = 0; j < i; ++j) {
      if (specs_[j].name == s.name)
        throw std::invalid_argument("two scenarios are named '" + s.name + "'");
    }
    std::vector<std::string> ids, base_ids;
    for (const auto& sec : s.sectors)
      ids.push_back(sec.id);
    for (const auto& sec : b.sectors)
      base_ids.push_back(sec.id);
    if (s.model != b.model || s.base_year != b.base_year || s.end_year != b.end_year ||
        ids != base_ids) {
      throw std::invalid_argument("scenario '" + s.name + "' (" + files_[i] +
                                  ") has another model, other years or other sectors than the "
                                  "baseline '" +
                                  b.name + "'");
    }
    if (s.model_block.empty())
      throw std::invalid_argument("scenario '" + s.name + "' has no levers");
  }
  const core::ModelDeclaration* d = models::find_declaration(b.model);
  if (d == nullptr) throw std::invalid_argument("unknown model '" + b.model + "'");
  decls_ = d->levers;
  first_ = baseline_;
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    if (i != baseline_) {
      first_ = i;
      break;
    }
  }
  if (!options_.seed) options_.seed = b.run.seed;
}

Reply Simulator::scenarios() const {
  const core::ScenarioSpec& b = baseline();
  JsonWriter w;
  w.begin_object();
  w.key("baseline").value(b.name).key("default").value(specs_[first_].name);
  w.key("model").value(b.model);
  w.key("draws").value_int(static_cast<long long>(options_.draws));
  w.key("max_draws").value_int(static_cast<long long>(options_.max_draws));
  w.key("seed").value_int(static_cast<long long>(*options_.seed));
  w.key("base_year").value_int(b.base_year);
  w.key("years").begin_array();
  for (int y = b.base_year; y <= b.end_year; ++y)
    w.value_int(y);
  w.end_array();
  w.key("sectors").begin_array();
  for (const auto& s : b.sectors) {
    w.begin_object().key("id").value(s.id).key("name_en").value(s.name_en);
    w.key("name_zh").value(s.name_zh).end_object();
  }
  w.end_array();
  w.key("levers").begin_array();
  for (const core::LeverDecl& d : decls_) {
    w.begin_object().key("key").value(d.key).key("unit").value(d.unit);
    w.key("description").value(d.description).key("shape").value(shape_name(d.shape));
    w.end_object();
  }
  w.end_array();
  w.key("scenarios").begin_array();
  for (const core::ScenarioSpec& s : specs_) {
    w.begin_object().key("name").value(s.name).key("title_en").value(s.title_en);
    w.key("title_zh").value(s.title_zh).key("description").value(s.description);
    w.key("levers");
    write_settings(w, s.model_block.get()->lever_settings());
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return {200, "application/json", w.str(), ""};
}

Simulator::Mix Simulator::parse(std::string_view body) const {
  Json request;
  try {
    request = parse_json(body);
  } catch (const JsonError& e) {
    throw BadRequest(std::string("the request is not JSON: ") + e.what());
  }
  if (request.kind != Json::Kind::Object)
    throw BadRequest(std::string("the request must be a JSON object, not ") +
                     kind_name(request.kind));
  static const char* const KNOWN[] = {"scenario", "name", "levers", "draws", "seed", "charts"};
  for (const auto& [key, value] : request.object) {
    if (std::find(std::begin(KNOWN), std::end(KNOWN), key) == std::end(KNOWN)) {
      throw BadRequest("unknown member '" + key +
                       "' (known: scenario, name, levers, draws, seed, charts)");
    }
  }
  Mix mix;
  mix.scenario = first_;
  if (const Json* v = request.find("scenario")) {
    if (v->kind != Json::Kind::String) throw BadRequest("scenario: needs a scenario's name");
    const auto at = std::find_if(specs_.begin(), specs_.end(),
                                 [&](const core::ScenarioSpec& s) { return s.name == v->string; });
    if (at == specs_.end()) {
      std::string names;
      for (const core::ScenarioSpec& s : specs_)
        names += (names.empty() ? "" : ", ") + s.name;
      throw BadRequest("scenario: no scenario '" + v->string + "' (this server has " + names + ")");
    }
    mix.scenario = static_cast<std::size_t>(at - specs_.begin());
  }
  mix.spec = specs_[mix.scenario];
  mix.spec.name = specs_[mix.scenario].name + "-mix";
  if (const Json* v = request.find("name")) {
    if (v->kind != Json::Kind::String || !valid_name(v->string)) {
      throw BadRequest(
          "name: needs 1 to 64 letters, digits, '-', '_' or '.' (the scenario's name)");
    }
    if (v->string == baseline().name)
      throw BadRequest("name: '" + v->string + "' is the baseline's name");
    mix.spec.name = v->string;
  }
  mix.draws = options_.draws;
  if (const Json* v = request.find("draws")) {
    mix.draws = whole_number(*v, "draws", UINT64_C(1) << 53);
    if (mix.draws < 1 || mix.draws > options_.max_draws) {
      throw BadRequest("draws: " + std::to_string(mix.draws) + " is outside 1–" +
                       std::to_string(options_.max_draws) +
                       ", what this server allows (sectorsim serve --max-draws)");
    }
  }
  mix.seed = *options_.seed;
  if (const Json* v = request.find("seed")) mix.seed = whole_number(*v, "seed", UINT64_C(1) << 53);
  if (const Json* v = request.find("charts")) {
    if (v->kind != Json::Kind::Bool) throw BadRequest("charts: needs true or false");
    mix.charts = v->boolean;
  }
  if (const Json* levers = request.find("levers")) {
    if (levers->kind != Json::Kind::Object)
      throw BadRequest("levers: needs an object of levers by key");
    core::ModelBlock& block = *mix.spec.model_block.get();
    std::vector<core::LeverSetting> settings = block.lever_settings();
    for (const auto& [key, value] : levers->object) {
      const auto decl = std::find_if(decls_.begin(), decls_.end(),
                                     [&](const core::LeverDecl& d) { return d.key == key; });
      if (decl == decls_.end()) {
        std::string keys;
        for (const core::LeverDecl& d : decls_)
          keys += (keys.empty() ? "" : ", ") + d.key;
        throw BadRequest("levers: the " + mix.spec.model + " model has no lever '" + key +
                         "' (it has " + keys + ")");
      }
      const std::string where = "levers." + key;
      if (value.kind != Json::Kind::Object)
        throw BadRequest(where + ": needs an object with amounts (and allocation)");
      core::LeverSetting setting;
      for (const core::LeverSetting& s : settings) {
        if (s.key == key) setting = s;
      }
      setting.key = key;
      for (const auto& [member, v] : value.object) {
        if (member == "amounts") {
          setting.amounts = numbers(v, where + ".amounts");
        } else if (member == "allocation" && decl->shape == core::LeverShape::YearsWithAllocation) {
          setting.allocation = numbers(v, where + ".allocation");
        } else {
          throw BadRequest(
              where + ": unknown member '" + member + "' (known: amounts" +
              (decl->shape == core::LeverShape::YearsWithAllocation ? ", allocation" : "") + ")");
        }
      }
      try {
        block.set_lever(setting);
      } catch (const std::invalid_argument& e) {
        throw BadRequest(e.what());
      }
    }
  }
  return mix;
}

std::string Simulator::overlay_text(const Mix& mix) const {
  config::LeverOverlay o;
  o.extends = files_[mix.scenario];
  o.name = mix.spec.name;
  o.description = "The levers of " + specs_[mix.scenario].name +
                  " as set in sectorsim serve; run it with --seed " + std::to_string(mix.seed) +
                  " --draws " + std::to_string(mix.draws) + " for the numbers the page showed.";
  o.estimate = "set in sectorsim serve";
  o.base_year = mix.spec.base_year;
  for (const auto& s : mix.spec.sectors)
    o.sector_ids.push_back(s.id);
  o.decls = decls_;
  o.settings = mix.spec.model_block.get()->lever_settings();
  return config::lever_overlay_yaml(o);
}

Reply Simulator::scenario_file(std::string_view body) const {
  try {
    const Mix mix = parse(body);
    return {200, "application/yaml; charset=utf-8", overlay_text(mix), mix.spec.name + ".yaml"};
  } catch (const BadRequest& e) {
    return error_reply(400, e.what());
  } catch (const std::invalid_argument& e) {
    return error_reply(400, e.what());
  }
}

Reply Simulator::simulate(std::string_view body) const {
  const auto start = std::chrono::steady_clock::now();
  Mix mix;
  try {
    mix = parse(body);
  } catch (const BadRequest& e) {
    return error_reply(400, e.what());
  }
  run::RunOptions ro;
  ro.overrides.draws = mix.draws;
  ro.overrides.seed = mix.seed;
  ro.execution.threads = options_.threads;
  ro.quantiles = options_.quantiles;
  run::CompareOutcome out;
  double wait_ms = 0, run_ms = 0;
  try {
    const std::vector<core::ScenarioSpec> specs = {baseline(), mix.spec};
    const auto queued = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(run_mutex_);
    wait_ms = milliseconds_since(queued);
    const auto ran = std::chrono::steady_clock::now();
    out = run::compare_scenarios(specs, 0, ro);
    run_ms = milliseconds_since(ran);
  } catch (const run::InputError& e) {
    return error_reply(400, e.what());
  } catch (const run::NonFinite& e) {
    return error_reply(422, e.what());
  } catch (const std::invalid_argument& e) {
    return error_reply(400, e.what());
  }
  const core::ScenarioResult& base = out.results.at(0);
  const core::ScenarioResult& result = out.results.at(1);
  const core::Comparison& c = out.comparisons.at(0);
  const std::size_t n_years = result.years.size();

  JsonWriter w;
  w.begin_object();
  w.key("scenario").value(specs_[mix.scenario].name).key("name").value(mix.spec.name);
  w.key("baseline").value(base.name);
  w.key("draws").value_int(static_cast<long long>(out.settings.draws));
  w.key("seed").value_int(static_cast<long long>(out.settings.seed));
  w.key("quantiles").value(result.quantile_method);
  w.key("years").begin_array();
  for (const int y : result.years)
    w.value_int(y);
  w.end_array();
  w.key("levers");
  write_settings(w, mix.spec.model_block.get()->lever_settings());

  w.key("targets").begin_array();
  for (const core::TargetDiff& t : c.targets) {
    const core::TargetResult* spec = nullptr;
    for (const core::TargetResult& r : result.targets) {
      if (r.spec.id == t.id) spec = &r;
    }
    w.begin_object().key("id").value(t.id);
    if (spec) {
      w.key("label_en").value(spec->spec.label_en).key("label_zh").value(spec->spec.label_zh);
      w.key("indicator").value(spec->spec.indicator).key("year").value_int(spec->spec.year);
      w.key("op")
          .value(core::op_symbol(spec->spec.op))
          .key("threshold")
          .value(spec->spec.threshold);
    }
    w.key("baseline");
    write_proportion(w, t.baseline);
    w.key("mix");
    write_proportion(w, t.scenario);
    w.key("difference");
    write_difference(w, t.paired);
    w.end_object();
  }
  w.end_array();
  w.key("all_targets").begin_object().key("baseline");
  write_proportion(w, base.all_targets);
  w.key("mix");
  write_proportion(w, result.all_targets);
  w.key("difference");
  write_difference(w, c.all_targets_paired);
  w.end_object();

  w.key("indicators").begin_array();
  for (const core::SeriesSummary& s : result.summaries) {
    if (s.info.by_sector) continue;
    const core::SeriesSummary* b = find_series(base.summaries, s.info.name);
    const core::SeriesSummary* d = find_series(c.diffs, s.info.name);
    w.begin_object().key("name").value(s.info.name).key("units").value(s.info.units);
    w.key("description").value(s.info.description);
    if (b) {
      w.key("baseline");
      write_stats(w, *b, core::STAT_NAMES, core::N_STATS, n_years);
    }
    w.key("mix");
    write_stats(w, s, core::STAT_NAMES, core::N_STATS, n_years);
    if (d) {
      w.key("difference");
      write_stats(w, *d, core::DIFF_STAT_NAMES, core::N_DIFF_STATS, n_years);
    }
    w.end_object();
  }
  w.end_array();

  w.key("appraisal");
  if (c.appraisal) {
    const core::Appraisal& a = *c.appraisal;
    w.begin_object().key("discount_rate").value(a.discount_rate);
    w.key("cost");
    write_appraisal_stat(w, a.cost);
    w.key("revenue");
    write_appraisal_stat(w, a.revenue);
    w.key("value_added");
    write_appraisal_stat(w, a.value_added);
    w.key("net").value(a.net).key("bcr").value(a.bcr);
    w.key("cost_per_value_added").value(a.cost_per_value_added);
    w.key("revenue_exceeds_cost");
    write_proportion(w, a.revenue_exceeds_cost);
    w.end_object();
  } else {
    w.null();
  }

  if (mix.charts) {
    const core::ScenarioSpec& b = baseline();
    // The results are written above: the charts take them over, uncopied.
    std::vector<report::ChartScenario> shown(2);
    shown[0] = {b.name, b.title_en, b.title_zh, b.description, std::move(out.results[0])};
    shown[1] = {mix.spec.name, mix.spec.title_en, mix.spec.title_zh, mix.spec.description,
                std::move(out.results[1])};
    const report::Charts charts = report::render_charts(shown, out.comparisons);
    w.key("charts").begin_object();
    w.key("targets").value(charts.targets).key("comparison").value(charts.comparisons);
    w.key("baseline").value(charts.scenarios.at(0)).key("mix").value(charts.scenarios.at(1));
    w.end_object();
  }
  w.key("queued_ms").value(wait_ms).key("run_ms").value(run_ms);
  w.key("elapsed_ms").value(milliseconds_since(start));
  w.end_object();
  return {200, "application/json", w.str(), ""};
}

}  // namespace sectorsim::serve
