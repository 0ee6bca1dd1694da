#pragma once

#include <sys/types.h>
#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "back/http/exchange.hpp"
#include "back/http/options.hpp"
#include "back/http/request.hpp"
#include "back/http/response.hpp"
#include "back/http/websocket.hpp"
#include "common/result.hpp"
#include "common/os/uv_handles.hpp"
#include "common/os/uv_stream.hpp"

namespace reship::http {

struct ServerContext;

/// An HTTP/1.1 server on a caller's libuv loop: keep-alive, pipelining
/// (answers strictly in order), Content-Length and chunked bodies, limits
/// and timeouts from Options, WebSocket upgrades and graceful shutdown.
/// Every request goes to one Handler; errors the server produces itself are
/// JSON: {"error":{"code":…,"message":…}}.
///
///   HttpServer server(loop, [](Request& req, std::shared_ptr<Exchange> ex) {
///     ex->respond(200, "text/plain", "hello\n");
///   });
///   if (auto ok = server.listen("127.0.0.1:7070"); !ok) …ok.error().message…
///
/// Use it on the loop's thread only. Destroying it closes every connection
/// at once without callbacks; do not destroy it from inside its handler.
class HttpServer {
 public:
  using Options = ServerOptions;

  HttpServer(uv_loop_t* loop, Handler handler, Options options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Listens on "HOST:PORT" ("127.0.0.1:7070", "[::1]:0", "localhost:7070";
  /// port 0 picks a free one) or "unix:PATH" (a Unix socket created with
  /// `unix_mode`).
  [[nodiscard]] common::Result<void> listen(std::string_view address, unsigned unix_mode = 0600);
  [[nodiscard]] common::Result<void> listen_tcp(const std::string& host, int port);
  /// Creates the socket at `path` with file mode `mode`. A stale socket left
  /// by a crashed process is replaced; a live one is an error.
  [[nodiscard]] common::Result<void> listen_unix(const std::string& path, unsigned mode = 0600);

  /// The TCP ports bound, in the order listen*() was called.
  const std::vector<int>& tcp_ports() const { return ports_; }
  /// A reload's new limits: for the connections accepted from now on.
  void set_limits(std::chrono::milliseconds header_timeout, std::chrono::milliseconds idle_timeout,
                  size_t max_connections);
  /// The first TCP port bound, or 0.
  int port() const { return ports_.empty() ? 0 : ports_.front(); }

  /// Takes no new connection (removes the Unix socket files it created; TCP
  /// listeners drop new handshakes), answers requests that arrive meanwhile,
  /// on connections queued or under way included, with 503 shutting_down and
  /// Retry-After, closes idle connections after a moment for a request
  /// (Options::shutdown_request_wait), sends 1001 to WebSockets, and lets
  /// exchanges in flight finish within `grace`. Then it closes what is left
  /// (their on_close callbacks run) and the listeners (no sooner than
  /// Options::listener_settle), and calls `done`, from the loop, never from
  /// inside this call.
  void shutdown(std::chrono::milliseconds grace, std::function<void()> done);
  bool shutting_down() const;
  /// Open connections, those being refused included.
  size_t connection_count() const;

 private:
  void accept(common::uv::Stream stream, bool unix_peer);
  void close_listeners();
  void remove_unix_files();
  void finish_shutdown();

  struct UnixSocketFile {
    std::string path;
    dev_t device;
    ino_t inode;
  };

  std::unique_ptr<ServerContext> ctx_;
  std::vector<common::uv::Listener> listeners_;
  std::vector<UnixSocketFile> unix_files_;
  std::vector<int> ports_;
  common::uv::Timer grace_timer_;
  common::uv::Timer settle_timer_;
  bool settled_ = false;  // the listeners took what was under way at shutdown
  std::vector<std::function<void()>> done_;
  bool shutdown_finished_ = false;
};

}  // namespace reship::http
