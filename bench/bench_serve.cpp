// Latency of `sectorsim serve` answering a lever change (the bound set for
// it and the figures measured are in docs/performance.md, "What-if
// server"). Calls the server's handler (engine/serve/simulator.hpp)
// directly, as POST /api/simulate does, and then the same requests over a
// real socket to a server started in-process, each request moving the land
// schedule and the fund allocation to new values so that no answer is a
// repeat. Prints p50, p95 and the maximum of each, over --requests requests
// (default 50) after two unmeasured ones: the runs alone, the handler called
// directly and its time beyond the run (parsing, the JSON, the charts), the
// HTTP round trip, the handler's own time inside the server (the answer's
// elapsed_ms) and what the round trip adds to it (the socket, HTTP and the
// client); then the CPU time and the page faults of the process (every
// thread) per request of each loop, which a busy machine inflates less
// than wall time.
//
//   build/bench/bench_serve [--draws N] [--requests R] [--threads T] [--charts]
//                           [--arenas A]   (malloc arenas; the server's 1 by default)
#include <httplib.h>
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "engine/exec/runner.hpp"
#include "engine/run/preflight.hpp"
#include "engine/serve/json.hpp"
#include "engine/serve/server.hpp"
#include "engine/serve/simulator.hpp"
#include "models/registry.hpp"

using namespace sectorsim;

namespace {

const std::string LUOHU = std::string(SECTORSIM_SOURCE_DIR) + "/scenarios/luohu/";

// Request k: the plan with its land moved and its funds shifted between two sectors.
std::string body(int k, std::uint64_t draws, bool charts, std::size_t n_sectors) {
  const double land[4] = {0, 10.0 + k % 17, 30.0 + (k * 7) % 23, 50.0 + (k * 3) % 31};
  serve::JsonWriter w;
  w.begin_object().key("scenario").value("plan-2022-2025");
  w.key("draws").value_int(static_cast<long long>(draws)).key("charts").value(charts);
  w.key("levers").begin_object().key("land").begin_object().key("amounts");
  w.values(std::vector<double>(land, land + 4));
  std::vector<double> allocation(n_sectors, 1.0 / static_cast<double>(n_sectors));
  allocation[0] += 0.01 * (k % 5);
  allocation[1] -= 0.01 * (k % 5);
  w.key("allocation").values(allocation).end_object().end_object().end_object();
  return w.str();
}

struct Stats {
  double p50, p95, max;
};

Stats stats(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    const double h = q * static_cast<double>(ms.size() - 1);
    const auto lo = static_cast<std::size_t>(h);
    const std::size_t hi = std::min(lo + 1, ms.size() - 1);
    return ms[lo] + (h - static_cast<double>(lo)) * (ms[hi] - ms[lo]);
  };
  return {at(0.5), at(0.95), ms.back()};
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// CPU time of the process (every thread, user and system) and its page faults.
struct Usage {
  double cpu_ms = 0;
  double faults = 0;
};

Usage usage() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto ms = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3;
  };
  return {ms(u.ru_utime) + ms(u.ru_stime), static_cast<double>(u.ru_minflt + u.ru_majflt)};
}

Usage operator-(const Usage& a, const Usage& b) {
  return {a.cpu_ms - b.cpu_ms, a.faults - b.faults};
}

}  // namespace

int main(int argc, char** argv) {
  core::keep_freed_memory();  // as `sectorsim serve` does, before any thread starts
  int arenas = 1;             // what keep_freed_memory() sets
  std::uint64_t draws = 10000;
  int requests = 50;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool charts = false;
  run::Quantiles quantiles = run::Quantiles::Auto;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--draws" && i + 1 < argc) {
      draws = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--requests" && i + 1 < argc) {
      requests = std::atoi(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--quantiles" && i + 1 < argc) {
      quantiles = run::parse_quantiles(argv[++i]);
    } else if (a == "--charts") {
      charts = true;
    } else if (a == "--arenas" && i + 1 < argc) {
      arenas = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr,
                   "usage: bench_serve [--draws N] [--requests R] [--threads T] [--charts] "
                   "[--arenas A]\n");
      return 2;
    }
  }
  // glibc's malloc arenas: 1 as the server, more to measure what that buys
  // (sectorsim's other commands take 2, glibc itself 8 a core).
  if (arenas != 1) mallopt(M_ARENA_MAX, arenas);
  std::vector<core::ScenarioSpec> specs = {models::load_scenario(LUOHU + "baseline.yaml"),
                                           models::load_scenario(LUOHU + "plan-2022-2025.yaml")};
  const std::size_t n_sectors = specs[0].sectors.size();
  serve::SimulatorOptions so;
  so.draws = draws;
  so.max_draws = std::max<std::uint64_t>(draws, 100000);
  so.threads = threads;
  so.quantiles = quantiles;
  const serve::Simulator simulator(std::move(specs),
                                   {LUOHU + "baseline.yaml", LUOHU + "plan-2022-2025.yaml"}, 0, so);

  std::vector<double> handler, run, beyond, socket, inside, added;
  Usage handler_use, socket_use;
  for (int k = -2; k < requests; ++k) {
    if (k == 0) handler_use = usage();
    const double t0 = now_ms();
    const serve::Reply r = simulator.simulate(body(k + 2, draws, charts, n_sectors));
    const double t1 = now_ms();
    if (r.status != 200) {
      std::fprintf(stderr, "bench_serve: HTTP %d: %s\n", r.status, r.body.c_str());
      return 1;
    }
    if (k < 0) continue;
    handler.push_back(t1 - t0);
    run.push_back(serve::parse_json(r.body).find("run_ms")->number);
    beyond.push_back(handler.back() - run.back());
  }
  handler_use = usage() - handler_use;

  serve::ServerOptions o;
  o.port = 0;
  serve::Server server(simulator, o);
  std::thread serving([&] { server.run(); });
  while (!server.running())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  httplib::Client client("127.0.0.1", server.port());
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);  // as a browser does
  for (int k = -2; k < requests; ++k) {
    if (k == 0) socket_use = usage();
    const double t0 = now_ms();
    const auto res =
        client.Post("/api/simulate", body(k + 1000, draws, charts, n_sectors), "application/json");
    const double t1 = now_ms();
    if (!res || res->status != 200) {
      std::fprintf(stderr, "bench_serve: request over the socket failed\n");
      server.stop();
      serving.join();
      return 1;
    }
    if (k < 0) continue;
    socket.push_back(t1 - t0);
    inside.push_back(serve::parse_json(res->body).find("elapsed_ms")->number);
    added.push_back(socket.back() - inside.back());
  }
  socket_use = usage() - socket_use;
  server.stop();
  serving.join();

  std::printf(
      "bench_serve: %llu draws, baseline and mix, %d threads, charts %s, %d requests, %d malloc "
      "arena%s\n",
      static_cast<unsigned long long>(draws), threads, charts ? "on" : "off", requests, arenas,
      arenas == 1 ? "" : "s");
  const std::pair<const char*, std::vector<double>*> rows[] = {
      {"runs alone (run_ms)", &run},        {"handler (parse, run, JSON)", &handler},
      {"  beyond the run", &beyond},        {"HTTP round trip", &socket},
      {"  handler in the server", &inside}, {"  added by HTTP", &added}};
  for (const auto& [name, v] : rows) {
    const Stats s = stats(*v);
    std::printf("  %-28s p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms\n", name, s.p50, s.p95, s.max);
  }
  std::printf(
      "  a request, all threads: CPU %.1f ms and %.0f page faults (handler), "
      "%.1f ms and %.0f (HTTP)\n",
      handler_use.cpu_ms / requests, handler_use.faults / requests, socket_use.cpu_ms / requests,
      socket_use.faults / requests);
  return 0;
}
