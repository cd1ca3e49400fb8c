#include "models/registry.hpp"

#include "engine/config/config_error.hpp"
#include "models/prior_tails.hpp"

#include <functional>
#include <stdexcept>

#include "models/ishigami/ishigami_model.hpp"
#include "models/ishigami/ishigami_reader.hpp"
#include "models/sector_growth/sector_growth_model.hpp"
#include "models/sector_growth/sector_growth_reader.hpp"

namespace sectorsim::models {

namespace {

// One entry a model: its reader and how to make it from a spec.
struct Entry {
  const config::ModelReader* reader;
  std::function<std::unique_ptr<core::Model>(const core::ScenarioSpec&)> make;
};

template <class M>
std::unique_ptr<core::Model> make(const core::ScenarioSpec& spec) {
  return std::make_unique<M>(spec);
}

const std::vector<Entry>& entries() {
  static const SectorGrowthReader sector_growth_reader;
  static const IshigamiReader ishigami_reader;
  static const std::vector<Entry> list = {
      {&sector_growth_reader, make<SectorGrowthModel>},
      {&ishigami_reader, make<IshigamiModel>},
  };
  return list;
}

}  // namespace

std::unique_ptr<core::Model> make_model(const core::ScenarioSpec& spec) {
  for (const Entry& e : entries()) {
    if (e.reader->declaration().name == spec.model) return e.make(spec);
  }
  throw std::invalid_argument("unknown model '" + spec.model + "'");
}

const core::ModelDeclaration* find_declaration(const std::string& name) {
  for (const Entry& e : entries()) {
    if (e.reader->declaration().name == name) return &e.reader->declaration();
  }
  return nullptr;
}

const config::ModelCatalogue& catalogue() {
  static const config::ModelCatalogue c = [] {
    config::ModelCatalogue out;
    for (const Entry& e : entries())
      out.readers.push_back(e.reader);
    return out;
  }();
  return c;
}

namespace {

// A scenario the loader accepted, checked against its model: priors whose
// one-in-a-billion values make the model's results overflow are refused at
// their lines (prior_tails.hpp).
core::ScenarioSpec checked(core::ScenarioSpec spec) {
  const auto model = make_model(spec);
  auto errors = prior_tail_errors(spec, *model);
  if (!errors.empty()) throw config::ConfigError(std::move(errors));
  return spec;
}

}  // namespace

core::ScenarioSpec load_scenario(const std::string& path, config::LoadOptions options) {
  options.models = &catalogue();
  return checked(config::load_scenario(path, options));
}

core::ScenarioSpec load_scenario_text(const std::string& text, const std::string& name,
                                      config::LoadOptions options) {
  options.models = &catalogue();
  return checked(config::load_scenario_text(text, name, options));
}

}  // namespace sectorsim::models
