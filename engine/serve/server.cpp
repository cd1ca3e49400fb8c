#include "engine/serve/server.hpp"

#include <httplib.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "engine/report/report.hpp"
#include "engine/serve/page_assets.hpp"

namespace sectorsim::serve {

namespace {

// The page's own resources only: no script, style, font or connection
// beyond this server (the charts' inline style attributes need
// 'unsafe-inline' for styles, never for scripts).
constexpr const char* POLICY =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

const char* status_text(int status) {
  switch (status) {
    case 404:
      return "no such page; the API is GET /api/scenarios, POST /api/simulate and POST "
             "/api/scenario-file (docs/serve.md)";
    case 405:
      return "method not allowed here (docs/serve.md)";
    case 413:
      return "the request body is larger than this server accepts";
    case 414:
      return "the request URI is too long";
    default:
      return "bad request";
  }
}

}  // namespace

std::string page_html() {
  return PAGE_HTML;
}

struct Server::Impl {
  const Simulator& simulator;
  ServerOptions options;
  httplib::Server http;
  int port = 0;

  Impl(const Simulator& s, ServerOptions o) : simulator(s), options(std::move(o)) {}

  bool host_allowed(const httplib::Request& req) const {
    const std::string host = req.get_header_value("Host");
    const std::string p = ":" + std::to_string(port);
    if (options.host != "127.0.0.1" && options.host != "localhost" && options.host != "::1")
      return true;  // bound beyond loopback on purpose: any name may reach it
    return host == "127.0.0.1" + p || host == "localhost" + p || host == "[::1]" + p;
  }

  void send(httplib::Response& res, const Reply& r) const {
    res.status = r.status;
    if (!r.file_name.empty())
      res.set_header("Content-Disposition", "attachment; filename=\"" + r.file_name + "\"");
    res.set_content(r.body, r.content_type.c_str());
  }
};

Server::Server(const Simulator& simulator, const ServerOptions& options)
    : impl_(std::make_unique<Impl>(simulator, options)) {
  Impl& m = *impl_;
  httplib::Server& h = m.http;
  const std::size_t pool = static_cast<std::size_t>(std::max(2, options.threads));
  h.new_task_queue = [pool] { return new httplib::ThreadPool(pool); };
  h.set_payload_max_length(options.max_body);
  h.set_read_timeout(options.timeout_seconds, 0);
  h.set_write_timeout(options.timeout_seconds, 0);
  h.set_keep_alive_timeout(options.timeout_seconds);
  h.set_keep_alive_max_count(1000);
  h.set_tcp_nodelay(true);
  h.set_default_headers({{"Cache-Control", "no-store"},
                         {"X-Content-Type-Options", "nosniff"},
                         {"Referrer-Policy", "no-referrer"},
                         {"Content-Security-Policy", POLICY}});
  h.set_pre_routing_handler([&m](const httplib::Request& req, httplib::Response& res) {
    if (m.host_allowed(req)) return httplib::Server::HandlerResponse::Unhandled;
    m.send(res, error_reply(403, "Host '" + req.get_header_value("Host") +
                                     "' is not this server's address"));
    return httplib::Server::HandlerResponse::Handled;
  });
  h.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      const Reply r = error_reply(res.status, status_text(res.status));
      res.set_content(r.body, r.content_type.c_str());
    }
  });
  h.set_exception_handler(
      [&m](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
        std::string what = "internal error";
        try {
          if (e) std::rethrow_exception(e);
        } catch (const std::exception& x) {
          what = std::string("internal error: ") + x.what();
        } catch (...) {
        }
        m.send(res, error_reply(500, what));
      });
  h.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(PAGE_HTML, "text/html; charset=utf-8");
  });
  h.Get("/page.js", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(PAGE_JS, "text/javascript; charset=utf-8");
  });
  h.Get("/page.css", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(report::style_sheet()) + PAGE_CSS, "text/css; charset=utf-8");
  });
  h.Get("/api/scenarios", [&m](const httplib::Request&, httplib::Response& res) {
    m.send(res, m.simulator.scenarios());
  });
  h.Post("/api/simulate", [&m](const httplib::Request& req, httplib::Response& res) {
    m.send(res, m.simulator.simulate(req.body));
  });
  h.Post("/api/scenario-file", [&m](const httplib::Request& req, httplib::Response& res) {
    m.send(res, m.simulator.scenario_file(req.body));
  });
  if (options.port == 0) {
    m.port = h.bind_to_any_port(options.host);
    if (m.port <= 0) throw std::runtime_error("cannot listen on " + options.host + " (any port)");
  } else {
    if (!h.bind_to_port(options.host, options.port)) {
      throw std::runtime_error("cannot listen on " + options.host + ":" +
                               std::to_string(options.port) +
                               " (in use, or not an address of this machine); try --port 0");
    }
    m.port = options.port;
  }
}

Server::~Server() {
  stop();
}

int Server::port() const {
  return impl_->port;
}

std::string Server::url() const {
  const std::string& host = impl_->options.host;
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(impl_->port) + "/";
}

void Server::run() {
  impl_->http.listen_after_bind();
}

bool Server::running() const {
  return impl_->http.is_running();
}

void Server::stop() {
  impl_->http.stop();
}

}  // namespace sectorsim::serve
