#include "apps/serve_options.hpp"

#include <algorithm>
#include <string>
#include <thread>

#include "engine/run/errors.hpp"

namespace sectorsim::cli {

CommandOptions serve_command() {
  CommandOptions c{po::options_description("serve options"), {}, {}};
  c.options.add_options()("help,h", "show this help")(
      "host", po::value<std::string>()->default_value("127.0.0.1"),
      "address to listen on (default: this machine only)")(
      "port,p", po::value<std::string>()->default_value("8750"),
      "port to listen on, 0..65535 (0: any free port)")(
      "baseline", po::value<std::string>(),
      "name of the baseline scenario (default: the one named 'baseline', else the first file)")(
      "draws,n", po::value<std::string>()->default_value("10000"),
      "draws of each request that names none")("max-draws",
                                               po::value<std::string>()->default_value("100000"),
                                               "the most draws a request may ask for, 1..2^40")(
      "seed,s", po::value<std::string>(),
      "seed of each request that names none (default: the baseline's run.seed)")(
      "threads,t", po::value<std::string>(), "worker threads of each run (default: all cores)")(
      "max-body", po::value<std::string>()->default_value("65536"),
      "the largest request body accepted, in bytes (larger: HTTP 413)")(
      "strict", "require source: or estimate: on every number of the scenarios");
  c.options.add_options()("scenarios", po::value<std::vector<std::string>>()->required(),
                          "a folder of scenario files, or scenario files");
  c.positional.add("scenarios", -1);
  c.usage =
      "usage: sectorsim serve SCENARIO_DIR | SCENARIO.yaml... [--port P] [--host H]\n"
      "                       [--baseline NAME] [--draws N] [--max-draws N] [--seed S]\n"
      "                       [--threads T] [--max-body BYTES]";
  return c;
}

ServeSettings serve_settings(const po::variables_map& vm) {
  ServeSettings o;
  constexpr std::uint64_t MAX = std::uint64_t{1} << 40;
  o.max_draws = whole_number("max-draws", vm["max-draws"].as<std::string>(), 1, MAX);
  o.draws = whole_number("draws", vm["draws"].as<std::string>(), 1, o.max_draws);
  // A seed the page's JSON numbers hold exactly.
  if (vm.count("seed"))
    o.seed = whole_number("seed", vm["seed"].as<std::string>(), 0, std::uint64_t{1} << 53);
  o.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (vm.count("threads"))
    o.threads = static_cast<int>(whole_number("threads", vm["threads"].as<std::string>(), 1, 1024));
  o.host = vm["host"].as<std::string>();
  if (o.host.empty()) throw run::InputError("--host needs an address");
  o.port = static_cast<int>(whole_number("port", vm["port"].as<std::string>(), 0, 65535));
  o.max_body = static_cast<std::size_t>(
      whole_number("max-body", vm["max-body"].as<std::string>(), 1024, 64 << 20));
  return o;
}

}  // namespace sectorsim::cli
