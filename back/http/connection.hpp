#pragma once

// The server's side of one client connection. Internal to back/http: routes
// see Request, Exchange and WebSocket only.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "back/http/exchange.hpp"
#include "back/http/options.hpp"
#include "back/http/parser.hpp"
#include "back/http/server_context.hpp"
#include "back/http/websocket.hpp"
#include "common/os/uv_handles.hpp"
#include "common/os/uv_stream.hpp"

namespace reship::http {

/// One accepted connection: parses requests, runs them one at a time
/// through the handler, and switches to WebSocket framing after an upgrade.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerContext& server, common::uv::Stream stream, bool unix_peer);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Starts reading requests.
  void start();
  /// Answers 503 too_many_connections and closes.
  void reject();
  /// The server stops: closes at once when idle, else after the answer in
  /// flight; a WebSocket is sent 1001.
  void begin_shutdown();
  /// Closes now. With `notify`, an exchange in flight gets its on_close and
  /// a WebSocket its 1006.
  void abort(bool notify);
  /// Parses bytes buffered while an exchange was in flight.
  void resume();

  // For Exchange and WebSocket.
  bool write(std::string bytes);
  bool write_shared(std::shared_ptr<const std::string> bytes);
  // What the writes to this client hold in memory (not only what waits for
  // the socket): the bound for slow readers.
  size_t write_queue_size() const { return stream_.held_bytes(); }
  /// Whether the response being written will be the connection's last.
  bool closes_after_response() const { return !keep_alive_ || server_.shutting_down; }
  /// The response body will be delimited by closing the connection.
  void disable_keep_alive() { keep_alive_ = false; }
  /// The exchange in flight has queued its last byte.
  void exchange_finished();
  /// The exchange in flight became a WebSocket (its 101 is queued).
  void upgraded(std::shared_ptr<WebSocket> websocket);
  /// The WebSocket finished its close handshake (or failed the connection).
  void websocket_finished();
  /// Half-closes after the queued writes, drains input for a while, closes.
  void close_after_writes();
  Request& request() { return parser_.request(); }
  uv_loop_t* loop() const { return server_.loop; }

 private:
  enum class State { reading, handling, websocket, closing, closed };
  enum class TimerKind { none, header, body, idle, flush, linger, shutdown_wait };

  void start_reading();
  void on_read(std::string_view data);
  void on_end(int status);
  void on_shutdown_done();
  void on_drained();
  void on_timer();
  /// No request is in progress: the connection is idle between requests.
  bool between_requests() const { return needs_next_ || parser_.phase() == RequestParser::Phase::idle; }
  void process(std::string_view data);
  void buffer(std::string_view data);
  void dispatch();
  void fail(int status, std::string_view code, std::string_view message);
  void set_timer(TimerKind kind);

  ServerContext& server_;
  common::uv::Stream stream_;
  common::uv::Timer timer_;
  RequestParser parser_;
  std::shared_ptr<Exchange> exchange_;
  std::shared_ptr<WebSocket> websocket_;
  std::string pending_;  // input not parsed yet (while an exchange is in flight)
  State state_ = State::reading;
  TimerKind timer_kind_ = TimerKind::none;
  bool keep_alive_ = true;
  bool needs_next_ = false;   // the parser still holds the previous request
  bool in_process_ = false;   // process() is on the stack
  bool read_paused_ = false;  // reading stopped: too much buffered input
  bool continue_sent_ = false;
  bool peer_ended_ = false;
  bool shutdown_done_ = false;
  bool rejected_ = false;
  bool writing_ = false;       // a write is on the stack
  bool end_deferred_ = false;  // the stream ended inside a write; handled next turn
  int end_status_ = 0;
};

}  // namespace reship::http
