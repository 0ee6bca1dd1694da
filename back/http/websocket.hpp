#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/os/uv_handles.hpp"

struct wslay_event_context;

namespace reship::http {

class Connection;

/// Limits of one WebSocket connection.
struct WebSocketOptions {
  /// Larger messages from the client close the connection with 1009.
  size_t max_message_bytes = 64 * 1024;
  /// A ping is sent this often; a peer that sends nothing for a whole
  /// interval after a ping is considered gone. 0 disables pings.
  std::chrono::milliseconds ping_interval{30'000};
  /// How long to wait for the client's close frame after sending ours.
  std::chrono::milliseconds close_timeout{5'000};
};

/// "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" for "dGhlIHNhbXBsZSBub25jZQ==": the
/// Sec-WebSocket-Accept value for a Sec-WebSocket-Key (RFC 6455 section 4.2.2).
std::string websocket_accept_key(std::string_view client_key);
/// Whether `key` is a valid Sec-WebSocket-Key: base64 of 16 bytes.
bool is_valid_websocket_key(std::string_view key) noexcept;

/// A server-side WebSocket (RFC 6455) on an upgraded connection. wslay parses
/// the client's frames (masking, fragments, UTF-8 of text, size limit) and
/// runs the control frames (pong for ping, the close handshake); data frames
/// to the client are framed here so that shared buffers need not be copied.
/// Use it on the loop thread only; sends after close are ignored.
class WebSocket : public std::enable_shared_from_this<WebSocket> {
 public:
  using MessageFn = std::function<void(std::string_view text)>;
  /// The close code (1000 normal, 1001 going away, 1002 protocol error,
  /// 1006 abnormal: no close frame, 1009 too big…) and reason.
  using CloseFn = std::function<void(int code, std::string_view reason)>;

  /// Only an Exchange makes WebSockets (accept_websocket()).
  class Key {
    Key() = default;
    friend class Exchange;
  };
  WebSocket(Key, Connection* conn, const WebSocketOptions& options);
  ~WebSocket();
  WebSocket(const WebSocket&) = delete;
  WebSocket& operator=(const WebSocket&) = delete;

  /// Receives each complete text message. Binary messages close the
  /// connection with 1003.
  void on_message(MessageFn fn) { on_message_ = std::move(fn); }
  /// Called once when the WebSocket closes, whoever closed it.
  void on_close(CloseFn fn) { on_close_ = std::move(fn); }
  /// Called each time the write queue becomes empty.
  void on_drain(std::function<void()> fn) {
    on_drain_ = std::move(fn);
    ++drain_generation_;
  }

  /// Sends one text frame; `text` must be valid UTF-8. Returns false once
  /// the WebSocket is closing or closed.
  bool send_text(std::string_view text);
  /// Sends each text as a message of its own, framed into one buffer and
  /// written at once: many small messages cost one write, not one each.
  bool send_texts(const std::vector<std::string_view>& texts);
  /// As send_text(), sharing the buffer (large ones are not copied).
  bool send_shared(std::shared_ptr<const std::string> text);
  /// Starts the close handshake; the connection closes when the client
  /// answers, or after close_timeout.
  void close(int code = 1000, std::string_view reason = {});

  /// True once no more messages can be sent.
  bool closed() const;
  /// False when wslay could not allocate its context.
  bool valid() const { return ctx_ != nullptr; }
  /// Bytes queued for the client and not yet handed to the kernel.
  size_t write_queue_size() const;

 private:
  friend class Connection;
  friend class Exchange;
  friend struct WebSocketCallbacks;

  /// Feeds bytes from the client (called by the connection).
  void feed(std::string_view data);
  /// The connection is gone; with `notify`, on_close gets the close code
  /// (1006 when no close frame was exchanged).
  void detach(bool notify);
  void drained();
  /// Starts the ping timer once the 101 is on its way.
  void start();
  /// Writes what wslay has queued (pongs, close frames) and what was framed
  /// while wslay_event_recv() ran.
  void flush();
  /// Closes the connection once the close handshake is over.
  void check_finished();
  void on_ping_timer();
  int close_code() const;
  void report_close();
  bool send_frame(std::string_view payload, std::shared_ptr<const std::string> shared);

  Connection* conn_ = nullptr;
  wslay_event_context* ctx_ = nullptr;
  WebSocketOptions options_;
  std::unique_ptr<common::uv::Timer> timer_;
  std::string out_;      // bytes wslay produced, written after each recv/send
  std::string_view in_;  // bytes being fed to wslay_event_recv()
  bool in_recv_ = false;
  bool awaiting_pong_ = false;
  bool close_queued_ = false;
  bool close_timer_started_ = false;
  bool close_reported_ = false;
  int received_code_ = 0;
  std::string received_reason_;
  std::string sent_reason_;
  MessageFn on_message_;
  CloseFn on_close_;
  std::function<void()> on_drain_;
  uint64_t drain_generation_ = 0;
};

}  // namespace reship::http
