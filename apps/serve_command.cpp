#include "apps/serve_command.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "apps/exit_status.hpp"
#include "apps/serve_options.hpp"
#include "engine/config/config_error.hpp"
#include "engine/exec/runner.hpp"
#include "engine/run/errors.hpp"
#include "engine/run/run.hpp"
#include "engine/serve/server.hpp"
#include "engine/serve/simulator.hpp"
#include "models/registry.hpp"

namespace sectorsim::cli {

namespace fs = std::filesystem;

namespace {

bool same_frame(const core::ScenarioSpec& a, const core::ScenarioSpec& b) {
  if (a.model != b.model || a.base_year != b.base_year || a.end_year != b.end_year ||
      a.sectors.size() != b.sectors.size())
    return false;
  for (std::size_t i = 0; i < a.sectors.size(); ++i) {
    if (a.sectors[i].id != b.sectors[i].id) return false;
  }
  return true;
}

std::string canonical(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(path, ec);
  return ec ? fs::absolute(path).lexically_normal().string() : p.string();
}

// Keeps the scenarios, and their files, where `keep` is true; returns where
// the one at `index` now is.
std::size_t keep_only(std::vector<core::ScenarioSpec>& specs, std::vector<std::string>& files,
                      const std::vector<bool>& keep, std::size_t index = 0) {
  std::vector<core::ScenarioSpec> kept;
  std::vector<std::string> kept_files;
  std::size_t moved = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (!keep[i]) continue;
    if (i == index) moved = kept.size();
    kept.push_back(std::move(specs[i]));
    kept_files.push_back(files[i]);
  }
  specs = std::move(kept);
  files = std::move(kept_files);
  return moved;
}

// Of a folder's scenarios, leaves out the bases: a file that another
// scenario of the folder extends (directly or through others) and that sets
// no target is a part the others are built from (a region and its base
// year), not a what-if to pick: the page would have no target to compare.
// The baseline (`baseline_name`) stays, and so do a file that nothing
// extends, with targets or not, and a base that sets targets (a baseline
// that the policies extend).
void leave_out_bases(std::vector<core::ScenarioSpec>& specs, std::vector<std::string>& files,
                     const std::string& baseline_name) {
  std::vector<std::string> paths;
  for (const std::string& f : files)
    paths.push_back(canonical(f));
  std::vector<bool> keep(specs.size(), true);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (!specs[i].targets.empty() || specs[i].name == baseline_name) continue;
    // A file of the folder that extends specs[i]'s: one that names it in
    // its extends: where there is one, else one that does through another.
    std::string extender;
    for (const bool direct : {true, false}) {
      for (std::size_t j = 0; j < specs.size() && extender.empty(); ++j) {
        if (j == i) continue;
        const auto& bases = specs[j].files;  // [0] is the file itself
        const std::size_t end = direct ? std::min<std::size_t>(2, bases.size()) : bases.size();
        for (std::size_t b = 1; b < end && extender.empty(); ++b) {
          if (canonical(bases[b].path) == paths[i])
            extender = fs::path(files[j]).filename().string();
        }
      }
    }
    if (extender.empty()) continue;
    keep[i] = false;
    std::cerr << "serve: left out " << files[i] << ": a base that " << extender
              << " extends, with no target to compare (--baseline " << specs[i].name
              << " serves it as the baseline)\n";
  }
  keep_only(specs, files, keep);
}

}  // namespace

int cmd_serve(const std::vector<std::string>& args, const std::atomic<bool>& stop) {
  po::variables_map vm;
  if (!parse(args, serve_command(), vm)) return EXIT_OK;
  const ServeSettings set = serve_settings(vm);
  // Before any thread allocates: the scenarios' tables are built on threads.
  core::keep_freed_memory();
  const auto inputs = vm["scenarios"].as<std::vector<std::string>>();
  config::LoadOptions lo;
  lo.strict_provenance = vm.count("strict") > 0;
  lo.table_threads = set.threads;

  std::vector<core::ScenarioSpec> specs;
  std::vector<std::string> files;
  std::error_code ec;
  const bool folder = inputs.size() == 1 && fs::is_directory(inputs[0], ec);
  if (folder) {
    // A folder's scenarios: its .yaml files that load as scenarios; the
    // others (a region file that scenarios extend, a fragment) are named
    // and left out.
    std::vector<fs::path> paths;
    for (const fs::directory_entry& e : fs::directory_iterator(inputs[0])) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) paths.push_back(e.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const fs::path& p : paths) {
      try {
        specs.push_back(models::load_scenario(p.string(), lo));
        files.push_back(fs::absolute(p).lexically_normal().string());
      } catch (const config::ConfigError& e) {
        std::cerr << "serve: left out " << p.string() << ": " << e.messages().front() << "\n";
      } catch (const std::invalid_argument& e) {
        std::cerr << "serve: left out " << p.string() << ": " << e.what() << "\n";
      }
    }
    // The baseline stays, base or not: --baseline's, else the one named so.
    leave_out_bases(specs, files,
                    vm.count("baseline") ? vm["baseline"].as<std::string>() : "baseline");
    if (specs.empty()) throw run::InputError(inputs[0] + ": no scenario file loads in this folder");
  } else {
    for (const std::string& f : inputs) {
      specs.push_back(models::load_scenario(f, lo));
      files.push_back(fs::absolute(f).lexically_normal().string());
    }
  }

  std::size_t base = 0;
  if (vm.count("baseline")) {
    base = run::baseline_index(specs, vm["baseline"].as<std::string>());
  } else {
    const auto named = std::find_if(specs.begin(), specs.end(), [](const core::ScenarioSpec& s) {
      return s.name == "baseline";
    });
    if (named != specs.end()) {
      base = static_cast<std::size_t>(named - specs.begin());
    } else if (folder) {
      throw run::InputError(inputs[0] +
                            ": no scenario is named 'baseline'; name one with --baseline NAME");
    }
  }
  if (folder) {
    // Scenarios another baseline would be needed for: other years, sectors or model.
    std::vector<bool> fits(specs.size(), true);
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (i == base || same_frame(specs[i], specs[base])) continue;
      fits[i] = false;
      std::cerr << "serve: left out " << files[i] << ": scenario '" << specs[i].name
                << "' has other years, sectors or another model than '" << specs[base].name
                << "'\n";
    }
    base = keep_only(specs, files, fits, base);
  }

  serve::SimulatorOptions so;
  so.draws = set.draws;
  so.max_draws = set.max_draws;
  so.seed = set.seed;
  so.threads = set.threads;
  std::unique_ptr<serve::Simulator> simulator;
  try {
    simulator = std::make_unique<serve::Simulator>(std::move(specs), files, base, so);
  } catch (const std::invalid_argument& e) {
    throw run::InputError(e.what());
  }
  serve::ServerOptions server_options;
  server_options.host = set.host;
  server_options.port = set.port;
  server_options.max_body = set.max_body;
  std::unique_ptr<serve::Server> server;
  try {
    server = std::make_unique<serve::Server>(*simulator, server_options);
  } catch (const std::runtime_error& e) {
    throw run::InputError(e.what());
  }
  std::cout << "sectorsim serve: " << simulator->specs().size() << " scenarios, baseline '"
            << simulator->baseline().name << "', " << set.draws << " draws a change\n"
            << "open " << server->url() << "  (Ctrl-C stops the server)" << std::endl;

  std::atomic<bool> done{false};
  std::thread worker([&] {
    server->run();
    done = true;
  });
  while (!stop.load() && !done.load())
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // stop() before run() has started listening does nothing: repeat it.
  while (!done.load()) {
    server->stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  worker.join();
  std::cout << "sectorsim serve: stopped" << std::endl;
  return EXIT_OK;
}

}  // namespace sectorsim::cli
