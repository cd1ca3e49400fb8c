// The HTTP side of `sectorsim serve` (cpp-httplib): the page and its script
// and style sheet, embedded in the binary at build time (engine/serve/page.*),
// and the JSON API of docs/serve.md on top of a Simulator. Safe by default:
// bound to 127.0.0.1, bodies and headers bounded (HTTP 413 past
// max_body), timeouts on every read and write so that a slow or vanished
// client holds one pooled thread for seconds at most, requests whose Host is
// not the server's own refused (no DNS rebinding), no file read or written.
// Covered by tests/test_serve.cpp (a real socket) and tests/serve/check_serve.py.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "engine/serve/simulator.hpp"

namespace sectorsim::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8750;                   ///< 0: any free port (see Server::port)
  std::size_t max_body = 64 * 1024;  ///< bytes of a request body, else HTTP 413
  int timeout_seconds = 5;           ///< each read and write of a connection
  int threads = 16;                  ///< connections served at once
};

/// The page (HTML) with its script and styles, as served at /.
std::string page_html();

class Server {
 public:
  /// Binds host:port now; throws std::runtime_error naming them when it cannot.
  Server(const Simulator& simulator, const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;         ///< the port bound
  std::string url() const;  ///< "http://127.0.0.1:8750/"
  /// Serves until stop() (from any thread or a signal's watcher).
  void run();
  /// Whether run() is serving; stop() before that does nothing (call it again).
  bool running() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sectorsim::serve
