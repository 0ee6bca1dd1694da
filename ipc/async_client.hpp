#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "common/duration.hpp"
#include "common/result.hpp"
#include "common/os/uv_handles.hpp"
#include "common/os/uv_stream.hpp"
#include "ipc/line_framer.hpp"
#include "ipc/messages.hpp"

namespace reship::ipc {

/// A client of the supervisor's control socket on a libuv loop (reship-back
/// uses it). It connects on first use and again after the connection drops,
/// sends each request with a fresh id, and routes replies by id. Every
/// request ends in exactly one of: its final reply, or a failure (cannot
/// connect, connection lost, no final reply within its timeout), so a caller
/// never waits forever on a supervisor that is down or stuck. A request that
/// timed out may still be carried out by a supervisor that was only stalled:
/// its late replies still go to on_reply, for kLateReplies.
class AsyncClient {
 public:
  struct Handlers {
    /// Every reply to the request, the final one included.
    std::function<void(const Reply&)> on_reply;
    /// The request ended without its final reply; the message says why and
    /// names the socket. After a timeout, sys_errno is ETIMEDOUT.
    std::function<void(const common::Error&)> on_failure;
  };

  AsyncClient(uv_loop_t* loop, std::string socket_path, std::string client_name);
  ~AsyncClient();
  AsyncClient(const AsyncClient&) = delete;
  AsyncClient& operator=(const AsyncClient&) = delete;

  /// Sends the request that `make_line(id)` encodes. Returns its id.
  std::string send(const std::function<std::string(std::string_view id)>& make_line, Handlers handlers,
                   common::Millis timeout);
  /// Forgets a request: no callback runs for it any more.
  void cancel(const std::string& id);
  /// Requests waiting for their final reply.
  size_t pending() const { return requests_.size(); }
  const std::string& socket_path() const { return socket_path_; }

 private:
  /// How long replies to a request that timed out are still routed to it.
  static constexpr common::Millis kLateReplies{10 * 60'000};

  struct Pending {
    Handlers handlers;
    std::unique_ptr<common::uv::Timer> timer;
    bool late = false;  // timed out; its failure was reported
  };
  enum class State { disconnected, connecting, connected };

  void connect();
  void on_connected(int status);
  void on_data(std::string_view data);
  void on_end(int status);
  void write_line(std::string line);
  void time_out(const std::string& id, common::Millis timeout);
  void fail(const std::string& id, const common::Error& error);
  void fail_all(const common::Error& error);
  void drop_connection();

  uv_loop_t* loop_;
  std::string socket_path_;
  std::string client_name_;
  State state_ = State::disconnected;
  common::uv::Stream stream_;
  LineFramer framer_;
  simdjson::dom::parser parser_;
  std::string queued_;  // lines written before the connection is up
  std::map<std::string, Pending> requests_;
  uint64_t next_id_ = 1;
  // Expires with the client: code that calls out to a handler, which may
  // destroy the client, checks it before touching members again.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace reship::ipc
