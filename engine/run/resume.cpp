#include "engine/run/resume.hpp"

#include <algorithm>

#include "engine/io/results_reader.hpp"
#include "engine/spec/version.hpp"
#include "models/registry.hpp"

namespace sectorsim::run {

ResumePlan plan_resume(const std::string& file, const core::ScenarioSpec& spec,
                       const Overrides& overrides) {
  // The layout tells how the file's paths are stored.
  const auto model = models::make_model(spec);
  const io::FileInfo info = io::read_file_info(file);
  if (info.engine_version != core::ENGINE_VERSION) {
    throw InputError(file + ": written by sectorsim " + info.engine_version + ", this is " +
                     core::ENGINE_VERSION + "; resume with the same version");
  }
  const auto names = io::list_scenarios(file);
  if (std::find(names.begin(), names.end(), spec.name) == names.end()) {
    throw InputError(file + ": holds no scenario '" + spec.name + "'");
  }
  if (io::read_scenario_info(file, spec.name).complete) {
    throw InputError(file + ": scenario '" + spec.name + "' is complete; nothing to resume");
  }
  const auto stored = io::read_inputs(file, spec.name);
  if (stored.size() != spec.files.size()) {
    throw InputError(file + ": the scenario was read from " + std::to_string(stored.size()) +
                     " files, now from " + std::to_string(spec.files.size()) +
                     "; resume refused (the scenario changed)");
  }
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (stored[i].text != spec.files[i].text) {
      throw InputError(file + ": " + spec.files[i].path + " differs from the text the run used (" +
                       stored[i].path + "); resume refused (the scenario changed)");
    }
  }
  const core::ScenarioResult old = io::read_scenario(file, spec.name);
  if (overrides.seed && *overrides.seed != old.seed) {
    throw InputError(file + ": the run used seed " + std::to_string(old.seed) + ", not " +
                     std::to_string(*overrides.seed) + "; resume refused");
  }
  if (overrides.draws || overrides.sampler || overrides.replicates) {
    throw InputError(
        "--resume continues the run as it was started: drop --draws, --sampler "
        "and --replicates");
  }
  ResumePlan plan;
  plan.file = file;
  plan.run = spec.run;
  plan.run.seed = old.seed;
  plan.run.draws = old.draws_requested;
  plan.run.sampler = old.sampler;
  const io::PathOptions paths = io::path_storage(file, spec.name, model->layout());
  plan.keep_paths = paths.keep_paths;
  plan.float32 = paths.float32;
  plan.gzip = paths.gzip;
  plan.checkpoint = io::read_checkpoint(file, spec.name);
  if (plan.checkpoint.replicates > 0) plan.run.replicates = plan.checkpoint.replicates;
  return plan;
}

}  // namespace sectorsim::run
