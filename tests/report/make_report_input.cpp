// Builds the input of the browser check of the HTML report: runs a baseline
// and a policy scenario on common random numbers, as a comparison does,
// writes both with their paired comparison to one results file, then writes
// the report of that file.
//
//   make_report_input BASELINE.yaml SCENARIO.yaml DRAWS OUT.h5 OUT.html
#include <cstdint>
#include <exception>
#include <iostream>
#include <string>
#include <tuple>
#include <vector>

#include "engine/config/scenario_loader.hpp"
#include "engine/core/compare.hpp"
#include "engine/core/runner.hpp"
#include "engine/core/summary.hpp"
#include "engine/core/version.hpp"
#include "engine/io/report.hpp"
#include "engine/io/results_writer.hpp"
#include "models/sector_growth/sector_growth_model.hpp"

namespace {

using namespace sectorsim;

core::ScenarioResult empty_result(const core::ScenarioSpec& spec, std::uint64_t draws) {
  core::ScenarioResult result;
  result.name = spec.name;
  for (int y = spec.base_year; y <= spec.end_year; ++y)
    result.years.push_back(y);
  for (const core::SectorSpec& s : spec.sectors) {
    result.sector_ids.push_back(s.id);
    result.sector_names_en.push_back(s.name_en);
    result.sector_names_zh.push_back(s.name_zh);
  }
  result.draws_requested = draws;
  result.seed = spec.run.seed;
  result.sampler = spec.run.sampler;
  return result;
}

int run(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: make_report_input BASELINE.yaml SCENARIO.yaml DRAWS OUT.h5 OUT.html\n";
    return 2;
  }
  const core::ScenarioSpec base = config::load_scenario(argv[1]);
  const core::ScenarioSpec scenario = config::load_scenario(argv[2]);
  const std::uint64_t draws = std::stoull(argv[3]);
  const models::SectorGrowthModel base_model(base), scenario_model(scenario);
  const core::StackedModel stacked({&base_model, &scenario_model});  // member 0: the baseline

  std::vector<std::string> ids;
  for (const core::SectorSpec& s : base.sectors)
    ids.push_back(s.id);
  const auto base_targets =
      core::resolve_targets(base.targets, base_model.layout(), base.base_year, ids);
  const auto scenario_targets =
      core::resolve_targets(scenario.targets, scenario_model.layout(), scenario.base_year, ids);
  core::PairedAccumulator paired(stacked, 1, 0, scenario_targets, draws);
  core::SummaryAccumulator base_summary(base_model.layout(), base_targets, draws,
                                        core::CHUNK_DRAWS);
  core::SummaryAccumulator scenario_summary(scenario_model.layout(), scenario_targets, draws,
                                            core::CHUNK_DRAWS);
  core::MemberSink to_base(stacked, 0, base_summary), to_scenario(stacked, 1, scenario_summary);

  core::RunOptions options;
  options.draws = draws;
  options.seed = base.run.seed;
  options.threads = 2;
  const core::RunReport report =
      core::run_draws(stacked, options, {&paired, &to_base, &to_scenario});

  io::RunMeta meta;
  meta.command_line = "make_report_input " + std::string(argv[1]) + " " + argv[2] + " " + argv[3];
  meta.engine_version = core::ENGINE_VERSION;
  meta.seed = options.seed;
  meta.chunk_draws = core::CHUNK_DRAWS;
  io::ResultsWriter writer(argv[4], true, meta);
  io::PathOptions no_paths;
  no_paths.keep_paths = false;
  for (const auto& [spec, model, summary] :
       {std::tuple{&base, &base_model, &base_summary},
        std::tuple{&scenario, &scenario_model, &scenario_summary}}) {
    writer.begin_scenario(*spec, model->layout(), draws, no_paths);
    core::ScenarioResult result = empty_result(*spec, draws);
    result.seed = options.seed;
    summary->finish(report.draws_done, result, options.threads);
    writer.end_scenario(result);
  }
  writer.write_comparison(paired.finish(report.draws_done, scenario.name, base.name));
  writer.commit();
  io::write_report(argv[4], argv[5], true);
  std::cout << argv[5] << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "make_report_input: " << e.what() << "\n";
    return 1;
  }
}
