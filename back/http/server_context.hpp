#pragma once

// What the connections of one HttpServer share. Internal to back/http.

#include <uv.h>

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "back/http/options.hpp"
#include "back/http/parser.hpp"
#include "common/os/uv_handles.hpp"

namespace reship::http {

class Connection;

/// The state an HttpServer shares with its connections. It outlives them all.
struct ServerContext {
  ServerContext(uv_loop_t* loop_in, const ServerOptions& options_in, Handler handler_in);

  /// Runs connection->resume() on the next loop turn (not from inside the
  /// caller's stack, which may be a handler's).
  void schedule_resume(Connection* connection);
  /// Forgets a closed connection.
  void remove(Connection* connection);
  /// Calls on_drained on the next loop turn.
  void schedule_drained();
  void run_tick();

  uv_loop_t* loop;
  ServerOptions options;
  ParserLimits limits;
  Handler handler;
  bool shutting_down = false;
  std::unordered_map<Connection*, std::shared_ptr<Connection>> connections;
  size_t rejecting = 0;  // connections being answered 503 too_many_connections
  common::uv::Timer tick;
  std::vector<std::weak_ptr<Connection>> resume_queue;
  /// Called (from the tick) when the last connection is gone during shutdown.
  std::function<void()> on_drained;
  bool drained_pending = false;
};

}  // namespace reship::http
