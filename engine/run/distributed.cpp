#include "engine/run/distributed.hpp"

#include <limits>
#include <stdexcept>
#include <string>

#include "models/registry.hpp"

namespace sectorsim::run {

std::vector<std::uint64_t> DistributedSettings::encode() const {
  return {run.draws, run.seed, static_cast<std::uint64_t>(run.sampler),
          static_cast<std::uint64_t>(run.replicates), first_draw};
}

DistributedSettings DistributedSettings::decode(const std::vector<std::uint64_t>& words) {
  if (words.size() != WORDS) {
    throw std::invalid_argument("distributed settings: " + std::to_string(words.size()) +
                                " words, expected " + std::to_string(WORDS));
  }
  DistributedSettings s;
  s.run.draws = words[0];
  s.run.seed = words[1];
  if (words[2] > static_cast<std::uint64_t>(core::Sampler::Sobol)) {
    throw std::invalid_argument("distributed settings: no sampler " + std::to_string(words[2]));
  }
  s.run.sampler = static_cast<core::Sampler>(words[2]);
  if (words[3] > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
    throw std::invalid_argument("distributed settings: " + std::to_string(words[3]) +
                                " replicates");
  }
  s.run.replicates = static_cast<int>(words[3]);
  s.first_draw = words[4];
  if (s.first_draw > s.run.draws) {
    throw std::invalid_argument("distributed settings: first draw " + std::to_string(s.first_draw) +
                                " beyond " + std::to_string(s.run.draws) + " draws");
  }
  return s;
}

bool operator==(const DistributedSettings& a, const DistributedSettings& b) {
  return a.run.draws == b.run.draws && a.run.seed == b.run.seed && a.run.sampler == b.run.sampler &&
         a.run.replicates == b.run.replicates && a.first_draw == b.first_draw;
}

bool run_share(const core::ScenarioSpec& spec, ProcessGroup& processes,
               const Execution& execution) {
  check_execution(execution);
  const auto model = models::make_model(spec);
  if (!processes.ready()) return false;
  std::vector<std::uint64_t> words(DistributedSettings::WORDS);
  processes.broadcast(words);
  const DistributedSettings settings = DistributedSettings::decode(words);
  core::RunOptions ro = runner_options(settings.run, execution);
  ro.first_draw = settings.first_draw;
  const auto exchange = processes.exchange();
  ro.exchange = exchange.get();
  if (execution.on_start) execution.on_start();
  core::run_draws(*model, ro, {});
  return true;
}

}  // namespace sectorsim::run
