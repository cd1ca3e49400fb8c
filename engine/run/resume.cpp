#include "engine/run/resume.hpp"

#include <algorithm>

#include "engine/io/results_reader.hpp"
#include "engine/spec/version.hpp"
#include "models/registry.hpp"

namespace sectorsim::run {

namespace {

// Checks a checkpoint against the run it claims to continue: whole chunks
// whose sizes sum to the draws done, counts no larger than their chunk, and
// every array as long as the layout says. Throws io::IoError naming the file.
void check_checkpoint(const std::string& file, const core::ScenarioSpec& spec,
                      const core::CellLayout& layout, const core::SummaryState& st,
                      std::uint64_t draws_in_file, std::uint64_t draws_requested,
                      std::uint64_t chunk) {
  const auto refuse = [&](const std::string& what) {
    throw io::IoError(file + ": the checkpoint of scenario '" + spec.name +
                      "' is damaged and cannot be resumed (" + what + ")");
  };
  if (chunk == 0) refuse("the file's chunk_draws is 0");
  if (st.draws != draws_in_file) {
    refuse("it covers " + std::to_string(st.draws) + " draws, the scenario " +
           std::to_string(draws_in_file));
  }
  if (st.draws > draws_requested || st.draws % chunk != 0) {
    refuse(std::to_string(st.draws) + " draws is not a whole number of chunks of " +
           std::to_string(chunk) + " within the " + std::to_string(draws_requested) + " requested");
  }
  const std::uint64_t n_chunks = st.draws / chunk;
  const auto cells = static_cast<std::uint64_t>(layout.n_cells());
  const std::uint64_t width =
      spec.targets.size() * static_cast<std::uint64_t>(layout.n_years()) + 1;
  const auto expect_length = [&](const char* name, std::size_t got, std::uint64_t want) {
    if (got != want) {
      refuse(std::string(name) + " holds " + std::to_string(got) + " values, expected " +
             std::to_string(want));
    }
  };
  expect_length("chunk_sizes", st.chunk_sizes.size(), n_chunks);
  expect_length("chunk_stats", st.chunk_stats.size(), 4 * n_chunks * cells);
  expect_length("chunk_counts", st.chunk_counts.size(), n_chunks * width);
  expect_length("chunk_nonfinite", st.chunk_nonfinite.size(), n_chunks * cells);
  expect_length("chunk_undefined", st.chunk_undefined.size(), n_chunks * (width - 1));
  std::uint64_t sum = 0;
  for (std::uint64_t c = 0; c < n_chunks; ++c) {
    const std::uint64_t size = st.chunk_sizes[c];
    if (size != chunk) {
      refuse("chunk " + std::to_string(c) + " holds " + std::to_string(size) + " draws, not " +
             std::to_string(chunk));
    }
    sum += size;
    const auto at_most_size = [&](const std::vector<std::uint64_t>& counts, std::uint64_t per) {
      for (std::uint64_t k = 0; k < per; ++k) {
        if (counts[c * per + k] > size) {
          refuse("chunk " + std::to_string(c) + " counts " + std::to_string(counts[c * per + k]) +
                 " of its " + std::to_string(size) + " draws");
        }
      }
    };
    at_most_size(st.chunk_counts, width);
    at_most_size(st.chunk_nonfinite, cells);
    at_most_size(st.chunk_undefined, width - 1);
  }
  if (sum != st.draws) {
    refuse("chunk sizes sum to " + std::to_string(sum) + ", not " + std::to_string(st.draws));
  }
  if (!st.uses_sketch()) {
    // A conditioned run keeps the values of its kept draws only.
    expect_length("values", st.values.size(),
                  cells * (spec.observed.empty() ? st.draws : st.kept_draws.size()));
  }
  // A conditioned run keeps each draw's likelihood; one without keeps none.
  expect_length("log_likelihood", st.log_likelihood.size(), spec.observed.empty() ? 0 : st.draws);
  if (st.replicates > 0) {
    if (st.replicates < core::MIN_REPLICATES || st.replicates > core::MAX_REPLICATES) {
      refuse(std::to_string(st.replicates) + " replicates");
    }
    const auto r = static_cast<std::uint64_t>(st.replicates);
    expect_length("replicate_sums", st.replicate_sums.size(), r * cells);
    expect_length("replicate_counts", st.replicate_counts.size(), r);
    std::uint64_t total = 0;
    for (const std::uint64_t n : st.replicate_counts) {
      if (n > st.draws) refuse("a replicate counts " + std::to_string(n) + " draws");
      total += n;
    }
    if (total != st.draws) {
      refuse("replicate counts sum to " + std::to_string(total) + ", not " +
             std::to_string(st.draws));
    }
  }
}

}  // namespace

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
  check_checkpoint(file, spec, model->layout(), plan.checkpoint, old.draws, old.draws_requested,
                   info.chunk_draws);
  // Summaries are merged chunk by chunk: the rest of the run must use the
  // chunks the file's part used.
  const std::uint64_t chunk =
      core::chunk_draws_for(static_cast<std::uint64_t>(model->layout().n_cells()));
  if (info.chunk_draws != chunk) {
    throw InputError(file + ": the run used chunks of " + std::to_string(info.chunk_draws) +
                     " draws; this version of sectorsim uses " + std::to_string(chunk) +
                     " for this scenario; resume refused (start the run again)");
  }
  if (plan.checkpoint.replicates > 0) plan.run.replicates = plan.checkpoint.replicates;
  return plan;
}

}  // namespace sectorsim::run
