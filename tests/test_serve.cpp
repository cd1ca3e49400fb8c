// `sectorsim serve` (engine/serve, apps/serve_command.cpp): the strict JSON
// reader with its exact messages; requests refused with the messages a
// scenario's levers get (HTTP 400), huge draws (400) and oversized bodies
// (413, over a real socket); the page's numbers equal, bit for bit, those
// `sectorsim compare` gives for the saved scenario file with the same seed
// and draws (the reference is the command line reading the file, never the
// server); answers that do not depend on the thread count; several clients
// at once each getting the answer to its own mix; a client that stalls or
// hangs up never holding up the others; the command's bad options and its
// clean stop on SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "engine/io/results_reader.hpp"
#include "engine/serve/json.hpp"
#include "engine/serve/server.hpp"
#include "engine/serve/simulator.hpp"
#include "models/registry.hpp"
#include "shell.hpp"

namespace sectorsim {
namespace {

using serve::Json;
using serve::parse_json;

const std::string LUOHU = std::string(SECTORSIM_SOURCE_DIR) + "/scenarios/luohu/";
const std::string CLI = SECTORSIM_CLI;

class ServeTest : public testing::ScratchDirTest {};

std::string json_error(const std::string& text) {
  try {
    (void)parse_json(text);
  } catch (const serve::JsonError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(ServeJson, RefusesWhatRfc8259Refuses) {
  EXPECT_EQ(json_error("{\"a\": 1,}"), "line 1, column 9: expected a member name in double quotes");
  EXPECT_EQ(json_error("[1, 2,]"), "line 1, column 7: not a JSON value");
  EXPECT_EQ(json_error("{\"a\": 1, \"a\": 2}"), "line 1, column 13: member \"a\" given twice");
  EXPECT_EQ(json_error("NaN"), "line 1, column 1: not a JSON value");
  EXPECT_EQ(json_error("{} // note"), "line 1, column 4: unexpected text after the value");
  EXPECT_EQ(json_error("\"\\ud800\""), "line 1, column 8: a lone UTF-16 surrogate");
  EXPECT_EQ(json_error("01"), "line 1, column 2: unexpected text after the value");
  EXPECT_EQ(json_error("1e999"), "line 1, column 1: the number 1e999 is too large");
  EXPECT_EQ(json_error("\"a\nb\""), "line 1, column 3: a control character inside a string");
  EXPECT_EQ(json_error("\"\xff\""), "line 1, column 2: text that is not UTF-8");
  EXPECT_EQ(json_error("{\n  \"a\": tru}"), "line 2, column 8: not a JSON value");
  EXPECT_EQ(json_error(std::string(40, '[') + std::string(40, ']')),
            "line 1, column 33: nested more than 32 levels deep");
  EXPECT_EQ(json_error(""), "line 1, column 1: the text ends where a value should be");
}

TEST(ServeJson, ReadsValuesAndWritesNumbersThatReadBackExactly) {
  const Json v =
      parse_json(R"({"s": "a\u00e9\ud83d\ude00\n", "n": -0.5e2, "b": [true, false, null]})");
  ASSERT_EQ(v.kind, Json::Kind::Object);
  EXPECT_EQ(v.find("s")->string, "a\xc3\xa9\xf0\x9f\x98\x80\n");
  EXPECT_EQ(v.find("n")->number, -50.0);
  ASSERT_EQ(v.find("b")->array.size(), 3u);
  EXPECT_TRUE(v.find("b")->array[0].boolean);
  EXPECT_EQ(v.find("b")->array[2].kind, Json::Kind::Null);
  for (const double x : {0.1, 1.0 / 3.0, 2.0 / 3.0 * 1e-300, 6.02214076e23, 5e-324, -0.0}) {
    const std::string text = serve::json_number(x);
    EXPECT_EQ(parse_json(text).number, x) << text;
  }
  EXPECT_EQ(serve::json_number(NAN), "null");
  EXPECT_EQ(serve::json_string("<\"\\\x01"), "\"\\u003c\\\"\\\\\\u0001\"");
}

// The writer's numbers are printf's: the shortest of %.15g, %.16g and %.17g
// that strtod reads back as the value (what it wrote before std::to_chars),
// over integers, round decimals, every binade and random bit patterns.
TEST(ServeJson, NumbersAreTheShortestPrintfFormThatReadsBack) {
  const auto reference = [](double v) {
    char buf[32];
    for (int digits = 15; digits <= 17; ++digits) {
      std::snprintf(buf, sizeof buf, "%.*g", digits, v);
      if (std::strtod(buf, nullptr) == v) break;
    }
    return std::string(buf);
  };
  std::vector<double> xs = {0.0,
                            -0.0,
                            1.0,
                            -1.0,
                            0.1,
                            1e5,
                            1e15,
                            1e16,
                            1e17,
                            1e-5,
                            123456789012345678.0,
                            2.5e-308,
                            5e-324,
                            1.7976931348623157e308,
                            3000,
                            0.6214,
                            94.69408966019185,
                            1.0 / 3.0};
  for (int e = -1074; e <= 1023; ++e)
    xs.push_back(std::ldexp(1.0, e));
  std::uint64_t state = 88172645463325252ULL;  // xorshift64
  for (int i = 0; i < 100000; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    double v = 0;
    std::memcpy(&v, &state, sizeof v);
    if (std::isfinite(v)) xs.push_back(v);
    xs.push_back(static_cast<double>(state % 1000000) / 1000.0);
  }
  for (const double v : xs)
    ASSERT_EQ(serve::json_number(v), reference(v)) << v;
  serve::JsonWriter w;
  w.begin_array().value(0.1).value(NAN).value(1e5).value(-1e21).value(1.0 / 3.0).end_array();
  EXPECT_EQ(w.str(), "[0.1,null,100000,-1e+21,0.3333333333333333]");
}

TEST(ServeJson, StringsEscapeQuotesControlsAndTheHtmlTagOpener) {
  const std::string text = "plain 罗湖 <svg class=\"a\">\\ \t\r\n\x1f\x7f end";
  EXPECT_EQ(serve::json_string(text),
            "\"plain 罗湖 \\u003csvg class=\\\"a\\\">\\\\ \\t\\r\\n\\u001f\x7f end\"");
  EXPECT_EQ(parse_json(serve::json_string(text)).string, text);
  EXPECT_EQ(serve::json_string(""), "\"\"");
  serve::JsonWriter w;
  w.begin_object().key("k<").value("v\"").end_object();
  EXPECT_EQ(w.str(), "{\"k\\u003c\":\"v\\\"\"}");
}

serve::Simulator luohu(int threads, std::uint64_t draws = 2000) {
  std::vector<core::ScenarioSpec> specs = {models::load_scenario(LUOHU + "baseline.yaml"),
                                           models::load_scenario(LUOHU + "plan-2022-2025.yaml")};
  serve::SimulatorOptions o;
  o.draws = draws;
  o.max_draws = 50000;
  o.threads = threads;
  return serve::Simulator(std::move(specs),
                          {LUOHU + "baseline.yaml", LUOHU + "plan-2022-2025.yaml"}, 0, o);
}

std::string error_of(const serve::Reply& r) {
  const Json body = parse_json(r.body);
  const Json* e = body.find("error");
  return e ? e->string : "(no error: " + r.body.substr(0, 200) + ")";
}

TEST(ServeApi, RefusesBadRequestsWithClearMessages) {
  const serve::Simulator sim = luohu(1);
  struct Case {
    std::string body, message;
  };
  const Case cases[] = {
      {"{\"levers\": ",
       "the request is not JSON: line 1, column 12: the text ends where a value "
       "should be"},
      {"[1]", "the request must be a JSON object, not an array"},
      {R"({"lever": {}})",
       "unknown member 'lever' (known: scenario, name, levers, draws, seed, charts)"},
      {R"({"levers": {"fund": {"amounts": []}}})",
       "levers: the sector_growth model has no lever 'fund' (it has funds, space, land)"},
      {R"({"levers": {"land": {"amounts": [0, 1, 2]}}})",
       "lever 'land': needs 4 amounts (4 years), got 3"},
      {R"({"levers": {"land": {"amounts": [0, 1, -2, 3]}}})",
       "lever 'land': amounts must be finite and >= 0"},
      {R"({"levers": {"land": {"amounts": [0, 1, "2", 3]}}})",
       "levers.land.amounts[2]: needs a number, got a string"},
      {R"({"levers": {"funds": {"allocation": [1]}}})",
       "levers.funds: unknown member 'allocation' (known: amounts)"},
      {R"({"draws": 1e9})",
       "draws: 1000000000 is outside 1–50000, what this server allows (sectorsim serve "
       "--max-draws)"},
      {R"({"draws": 0})",
       "draws: 0 is outside 1–50000, what this server allows (sectorsim serve --max-draws)"},
      {R"({"draws": 2.5})", "draws: needs a whole number from 0 to 9007199254740992"},
      {R"({"scenario": "plan"})",
       "scenario: no scenario 'plan' (this server has baseline, plan-2022-2025)"},
      {R"({"name": "../x"})",
       "name: needs 1 to 64 letters, digits, '-', '_' or '.' (the scenario's name)"},
  };
  for (const Case& c : cases) {
    const serve::Reply r = sim.simulate(c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(error_of(r), c.message) << c.body;
    EXPECT_EQ(sim.scenario_file(c.body).status, 400) << c.body;
  }
}

// The amounts set: land moved earlier and split evenly, funds as the plan's.
const char* const MIX =
    R"({"scenario": "plan-2022-2025", "name": "plan-early-land", "seed": 7, "draws": 2000,
        "levers": {"land": {"amounts": [0, 70, 30.5, 19.5],
                            "allocation": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]}}})";

// The answer less its timings, which alone may differ between runs.
std::string without_timings(const std::string& body) {
  return body.substr(0, body.find(",\"queued_ms\""));
}

TEST_F(ServeTest, SavedScenarioReproducesThePageThroughTheCommandLine) {
  const serve::Simulator sim = luohu(2);
  const serve::Reply reply = sim.simulate(MIX);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const serve::Reply yaml = sim.scenario_file(MIX);
  ASSERT_EQ(yaml.status, 200) << yaml.body;
  EXPECT_EQ(yaml.file_name, "plan-early-land.yaml");
  const std::string saved = file("plan-early-land.yaml");
  std::ofstream(saved) << yaml.body;
  const std::string h5 = file("compare.h5");
  const auto run = testing::sh(CLI + " compare " + LUOHU + "baseline.yaml " + saved +
                               " --seed 7 --draws 2000 --quiet -o " + h5);
  ASSERT_EQ(run.status, 0) << run.out;

  const Json page = parse_json(reply.body);
  const core::ScenarioResult mix = io::read_scenario(h5, "plan-early-land");
  const core::ScenarioResult base = io::read_scenario(h5, "baseline");
  const std::vector<core::Comparison> comparisons = io::read_comparisons(h5);
  ASSERT_EQ(comparisons.size(), 1u);
  const Json& targets = *page.find("targets");
  ASSERT_EQ(targets.array.size(), mix.targets.size());
  ASSERT_FALSE(mix.targets.empty());
  for (std::size_t i = 0; i < mix.targets.size(); ++i) {
    const Json& t = targets.array[i];
    SCOPED_TRACE(t.find("id")->string);
    EXPECT_EQ(t.find("id")->string, mix.targets[i].spec.id);
    EXPECT_EQ(t.find("mix")->find("p")->number, mix.targets[i].in_year.p);
    EXPECT_EQ(t.find("mix")->find("low")->number, mix.targets[i].in_year.low);
    EXPECT_EQ(t.find("mix")->find("high")->number, mix.targets[i].in_year.high);
    EXPECT_EQ(t.find("baseline")->find("p")->number, base.targets[i].in_year.p);
    EXPECT_EQ(t.find("difference")->find("diff")->number, comparisons[0].targets[i].paired.diff);
    EXPECT_EQ(t.find("difference")->find("low")->number, comparisons[0].targets[i].paired.low);
    EXPECT_EQ(t.find("difference")->find("high")->number, comparisons[0].targets[i].paired.high);
  }
  EXPECT_EQ(page.find("all_targets")->find("mix")->find("p")->number, mix.all_targets.p);
  // Every statistic of every per-year series, the quantiles of the fan charts included.
  std::size_t checked = 0;
  for (const Json& ind : page.find("indicators")->array) {
    for (const core::SeriesSummary& s : mix.summaries) {
      if (s.info.name != ind.find("name")->string) continue;
      const std::size_t n_years = mix.years.size();
      for (int k = 0; k < core::N_STATS; ++k) {
        const Json& values = *ind.find("mix")->find(core::STAT_NAMES[k]);
        for (std::size_t y = 0; y < n_years; ++y) {
          const double file_value = s.stats[static_cast<std::size_t>(k) * n_years + y];
          const Json& v = values.array.at(y);
          if (std::isnan(file_value)) {
            EXPECT_EQ(v.kind, Json::Kind::Null);
          } else {
            EXPECT_EQ(v.number, file_value)
                << s.info.name << " " << core::STAT_NAMES[k] << " " << y;
          }
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 100u);
  // And the mix moved something: it is not the plan.
  const Json plan = parse_json(sim.simulate(R"({"seed": 7, "draws": 2000})").body);
  bool moved = false;
  const auto& a = page.find("indicators")->array;
  const auto& b = plan.find("indicators")->array;
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& pa = a[i].find("mix")->find("p50")->array;
    const auto& pb = b[i].find("mix")->find("p50")->array;
    for (std::size_t y = 0; y < pa.size(); ++y)
      moved = moved || pa[y].number != pb[y].number;
  }
  EXPECT_TRUE(moved);
}

TEST(ServeApi, AnswersDoNotDependOnTheThreadCount) {
  const std::string one = luohu(1).simulate(MIX).body;
  const std::string two = luohu(2).simulate(MIX).body;
  const std::string three = luohu(3).simulate(MIX).body;
  EXPECT_EQ(without_timings(one), without_timings(two));
  EXPECT_EQ(without_timings(one), without_timings(three));
  EXPECT_NE(one.find("\"elapsed_ms\""), std::string::npos);
}

TEST(ServeApi, ChartsAreTheReportsSections) {
  const serve::Reply r = luohu(2).simulate(R"({"charts": true, "draws": 1000})");
  ASSERT_EQ(r.status, 200);
  const Json charts = *parse_json(r.body).find("charts");
  EXPECT_NE(charts.find("targets")->string.find("data-chart=\"target-probabilities\""),
            std::string::npos);
  EXPECT_NE(charts.find("comparison")->string.find("data-chart=\"target-diff\""),
            std::string::npos);
  EXPECT_NE(charts.find("mix")->string.find("data-chart=\"fan\""), std::string::npos);
  EXPECT_NE(charts.find("baseline")->string.find("data-chart=\"fan\""), std::string::npos);
  EXPECT_EQ(charts.find("mix")->string.find("http"), std::string::npos);
}

// ------------------------------------------------------------- a real socket

class Running {
 public:
  explicit Running(const serve::Simulator& sim, std::size_t max_body = 64 * 1024) {
    serve::ServerOptions o;
    o.port = 0;
    o.max_body = max_body;
    o.timeout_seconds = 2;
    server_ = std::make_unique<serve::Server>(sim, o);
    thread_ = std::thread([this] { server_->run(); });
    while (!server_->running())
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~Running() {
    server_->stop();
    thread_.join();
  }
  int port() const { return server_->port(); }

 private:
  std::unique_ptr<serve::Server> server_;
  std::thread thread_;
};

std::string land_mix(int k) {
  return R"({"draws": 1000, "seed": 3, "levers": {"land": {"amounts": [0, )" +
         std::to_string(10 + k) + ", " + std::to_string(20 + 3 * k) + ", 5]}}}";
}

TEST(ServeHttp, ConcurrentClientsEachGetTheirOwnAnswer) {
  const serve::Simulator sim = luohu(2);
  std::vector<std::string> expected;
  for (int k = 0; k < 6; ++k)
    expected.push_back(without_timings(sim.simulate(land_mix(k)).body));
  const Running server(sim);
  std::vector<std::string> got(18);
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", server.port());
      for (int round = 0; round < 3; ++round) {
        const int k = (c + round) % 6;
        const auto res = client.Post("/api/simulate", land_mix(k), "application/json");
        got[static_cast<std::size_t>(c * 3 + round)] =
            res && res->status == 200 ? without_timings(res->body) : "(failed)";
      }
    });
  }
  for (std::thread& t : clients)
    t.join();
  for (int c = 0; c < 6; ++c) {
    for (int round = 0; round < 3; ++round) {
      EXPECT_EQ(got[static_cast<std::size_t>(c * 3 + round)],
                expected[static_cast<std::size_t>((c + round) % 6)])
          << "client " << c << " round " << round;
    }
  }
}

TEST(ServeHttp, BoundsBodiesAndRefusesOtherHosts) {
  const serve::Simulator sim = luohu(1);
  const Running server(sim, 4096);
  httplib::Client client("127.0.0.1", server.port());
  const auto big = client.Post("/api/simulate", std::string(5000, ' ') + "{}", "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(parse_json(big->body).find("error")->string,
            "the request body is larger than this server accepts");
  const auto bad = client.Post("/api/simulate", "{\"draws\": 1e9}", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  httplib::Headers rebinding = {{"Host", "attacker.example:80"}};
  const auto other = client.Get("/", rebinding);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403);
  const auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'none'"),
            std::string::npos);
  EXPECT_EQ(page->body.find("http://"), std::string::npos);
  EXPECT_EQ(page->body.find("https://"), std::string::npos);
  const auto js = client.Get("/page.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->body.find("http"), std::string::npos);
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(ServeHttp, StalledAndVanishedClientsDoNotHoldUpOthers) {
  const serve::Simulator sim = luohu(1);
  const Running server(sim);
  // Twenty clients that send half a request and wait, and twenty that hang up
  // mid-request: more than the server's pooled threads.
  std::vector<int> stalled;
  const std::string head =
      "POST /api/simulate HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
      "\r\nContent-Length: 400\r\n\r\n{";
  for (int i = 0; i < 20; ++i) {
    const int fd = connect_to(server.port());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(head.size()));
    stalled.push_back(fd);
    const int gone = connect_to(server.port());
    ASSERT_GE(gone, 0);
    (void)::send(gone, head.data(), head.size(), MSG_NOSIGNAL);
    ::close(gone);
  }
  const auto start = std::chrono::steady_clock::now();
  httplib::Client client("127.0.0.1", server.port());
  client.set_connection_timeout(10);
  client.set_read_timeout(20);
  const auto res = client.Post("/api/simulate", land_mix(1), "application/json");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  // The stalled ones time out after 2 s (the test server's timeout); the
  // answer comes within a few of those.
  EXPECT_LT(seconds, 12.0);
  for (const int fd : stalled)
    ::close(fd);
}

// ------------------------------------------------------------- the command

TEST_F(ServeTest, CommandRefusesBadOptions) {
  auto r = testing::sh(CLI + " serve " + file("none"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("none"), std::string::npos) << r.out;
  r = testing::sh(CLI + " serve " + LUOHU + " --port 70000");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("--port must be a whole number from 0 to 65535 (got '70000')"),
            std::string::npos)
      << r.out;
  r = testing::sh(CLI + " serve " + LUOHU + " --draws 200000");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("--draws must be a whole number from 1 to 100000"), std::string::npos)
      << r.out;
  r = testing::sh(CLI + " serve " + LUOHU + " --baseline nosuch --port 0");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("nosuch"), std::string::npos) << r.out;
}

// `sectorsim serve ARGS...` started with stdout and stderr to `log`, and
// the port it printed (0 when it printed none within 30 s). A server the
// test did not stop (an assertion failed first) is killed, not left running.
struct Started {
  pid_t pid = -1;
  int port = 0;
  std::string text;  // what it printed by then

  Started() = default;
  Started(const Started&) = delete;
  Started& operator=(const Started&) = delete;
  Started(Started&& o) noexcept
      : pid(std::exchange(o.pid, -1)), port(o.port), text(std::move(o.text)) {}
  Started& operator=(Started&& o) noexcept {
    kill();
    pid = std::exchange(o.pid, -1);
    port = o.port;
    text = std::move(o.text);
    return *this;
  }
  ~Started() { kill(); }
  void kill() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }
};

Started start_serve(const std::vector<std::string>& args, const std::string& log) {
  Started s;
  s.pid = ::fork();
  if (s.pid == 0) {
    std::freopen(log.c_str(), "w", stdout);
    ::dup2(STDOUT_FILENO, STDERR_FILENO);  // one file offset: neither overwrites the other
    std::vector<char*> argv = {const_cast<char*>(CLI.c_str()), const_cast<char*>("serve")};
    for (const std::string& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(CLI.c_str(), argv.data());
    std::_Exit(127);
  }
  for (int i = 0; i < 600 && s.pid > 0 && s.port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(log);
    s.text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    const auto at = s.text.find("http://127.0.0.1:");
    if (at != std::string::npos) s.port = std::atoi(s.text.c_str() + at + 17);
  }
  return s;
}

// Stops it with SIGTERM; its exit status (-1: it did not exit).
int stop_serve(Started& s) {
  ::kill(s.pid, SIGTERM);
  int status = 0;
  if (::waitpid(s.pid, &status, 0) != s.pid) return -1;
  s.pid = -1;  // reaped
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<std::string> served_names(int port) {
  httplib::Client client("127.0.0.1", port);
  const auto info = client.Get("/api/scenarios");
  std::vector<std::string> names;
  if (!info || info->status != 200) return names;
  const Json answer = parse_json(info->body);
  for (const Json& s : answer.find("scenarios")->array)
    names.push_back(s.find("name")->string);
  return names;
}

TEST_F(ServeTest, CommandServesAFolderAndStopsOnSigterm) {
  const std::string log = file("serve.log");
  Started s = start_serve({LUOHU, "--port", "0", "--draws", "500"}, log);
  ASSERT_GT(s.port, 0) << s.text;
  httplib::Client client("127.0.0.1", s.port);
  const auto info = client.Get("/api/scenarios");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status, 200);
  const Json scenarios = parse_json(info->body);
  EXPECT_EQ(scenarios.find("baseline")->string, "baseline");
  EXPECT_EQ(scenarios.find("draws")->number, 500);
  // The region file that the baseline extends is a part, not a scenario to pick.
  const std::vector<std::string> names = served_names(s.port);
  EXPECT_EQ(std::count(names.begin(), names.end(), "region"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "plan-2022-2025"), 1);
  const auto sim = client.Post("/api/simulate", "{}", "application/json");
  ASSERT_TRUE(sim);
  EXPECT_EQ(sim->status, 200);
  EXPECT_EQ(stop_serve(s), 0);
  std::ifstream in(log);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_NE(text.find("sectorsim serve: stopped"), std::string::npos) << text;
  EXPECT_NE(text.find("region.yaml: a base that baseline.yaml extends, with no target to compare"),
            std::string::npos)
      << text;
  // It wrote nothing beside the log.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_))
    ++files;
  EXPECT_EQ(files, 1u);
}

// A folder's scenarios are the files a user would pick: a base that others
// extend and that sets no target is left out (unless named the baseline);
// a file that nothing extends stays without targets, and a base with targets
// (the baseline the plan extends) stays.
TEST_F(ServeTest, CommandLeavesOutTheBasesOfAFolder) {
  namespace fs = std::filesystem;
  const fs::path folder = dir_ / "scenarios";
  fs::create_directories(folder / "calibration");
  for (const char* name :
       {"region.yaml", "baseline.yaml", "plan-2022-2025.yaml", "calibration/priors.yaml"})
    fs::copy_file(LUOHU + name, folder / name);
  std::ofstream(folder / "lone.yaml") << "extends: region.yaml\n"
                                         "scenario:\n"
                                         "  name: lone\n"
                                         "  title: {en: Region alone, zh: 区域}\n"
                                         "  description: The region with no target; nothing "
                                         "extends it.\n";
  const std::string log = file("serve.log");
  Started s = start_serve({folder.string(), "--port", "0", "--draws", "200"}, log);
  ASSERT_GT(s.port, 0) << s.text;
  EXPECT_EQ(served_names(s.port), (std::vector<std::string>{"baseline", "lone", "plan-2022-2025"}));
  EXPECT_EQ(stop_serve(s), 0);
  std::ifstream in(log);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_NE(text.find("left out " + (folder / "region.yaml").string() +
                      ": a base that baseline.yaml extends, with no target to compare "
                      "(--baseline region serves it as the baseline)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("3 scenarios, baseline 'baseline'"), std::string::npos) << text;

  // Named the baseline, the region is served.
  s = start_serve({folder.string(), "--port", "0", "--draws", "200", "--baseline", "region"}, log);
  ASSERT_GT(s.port, 0) << s.text;
  EXPECT_EQ(served_names(s.port),
            (std::vector<std::string>{"baseline", "lone", "plan-2022-2025", "region"}));
  EXPECT_EQ(stop_serve(s), 0);
}

}  // namespace
}  // namespace sectorsim
