#pragma once

// Runs an HttpServer on its own libuv loop in a background thread, so that
// tests talk to it with plain blocking sockets like any client would.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "back/http/server.hpp"

namespace reship::test {

/// Options with the production limits but timeouts short enough for tests.
http::ServerOptions test_server_options();

/// A thread-safe log of what happened on the loop thread (handler calls,
/// on_close, done callbacks), which the test thread waits on.
class EventLog {
 public:
  void add(std::string event);
  /// Waits until `event` was logged (or the deadline passes).
  bool wait_for(const std::string& event, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Waits until at least `n` events were logged.
  bool wait_count(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  std::vector<std::string> events() const;
  bool contains(const std::string& event) const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> events_;
};

class ServerThread {
 public:
  /// Starts a server with `handler` listening on `addresses` ("127.0.0.1:0"
  /// by default) and waits until it listens. The handler runs on the loop
  /// thread.
  explicit ServerThread(http::Handler handler, http::ServerOptions options = test_server_options(),
                        std::vector<std::string> addresses = {"127.0.0.1:0"}, unsigned unix_mode = 0600);
  /// Stops the server if still running (see stop()).
  ~ServerThread();
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  /// The first TCP port, or 0.
  int port() const { return port_; }
  /// False when listening failed (listen_error() says why).
  bool ok() const { return listen_error_.empty(); }
  const std::string& listen_error() const { return listen_error_; }

  /// Runs `fn` on the loop thread and waits until it has run.
  void run(const std::function<void()>& fn);
  /// Queues `fn` for the loop thread and returns at once (false once stopped).
  bool post(std::function<void()> fn);
  /// The server; touch it only from functions given to run() or post().
  http::HttpServer& server() { return *server_; }

  /// Destroys the server on its thread, lets the loop finish, joins, and
  /// returns uv_loop_close()'s result: 0 when no handle leaked.
  int stop();

 private:
  void thread_main(http::Handler handler, http::ServerOptions options, std::vector<std::string> addresses,
                   unsigned unix_mode);
  static void on_async(uv_async_t* async);

  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable ready_cv_;
  bool ready_ = false;
  std::vector<std::function<void()>> jobs_;
  uv_async_t* async_ = nullptr;
  std::unique_ptr<http::HttpServer> server_;
  int port_ = 0;
  std::string listen_error_;
  bool stopped_ = false;
  int close_result_ = -1;
};

}  // namespace reship::test
