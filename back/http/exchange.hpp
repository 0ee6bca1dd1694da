#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "back/http/response.hpp"
#include "back/http/websocket.hpp"

namespace reship::http {

class Connection;

/// The answer side of one request. The handler gets it as a shared_ptr and
/// may answer at once or keep it and answer later. Exactly one of respond(),
/// begin_stream()…end() or accept_websocket() completes it; any call after
/// that, or after the client went away, is a harmless no-op. Use it on the
/// loop thread only.
class Exchange {
 public:
  /// Only a Connection makes exchanges.
  class Key {
    Key() = default;
    friend class Connection;
  };
  explicit Exchange(Key) {}
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  /// Sends a complete response with a Content-Length (and "Connection:
  /// close" when the connection will close after it). HEAD requests get the
  /// headers only.
  void respond(int status, std::string_view content_type, std::string body, const Headers& headers = {});
  /// Sends {"error":{"code":…,"message":…}} as application/json.
  void respond_error(int status, std::string_view code, std::string_view message, const Headers& headers = {});

  /// Starts a streamed response: chunked for HTTP/1.1 clients, delimited by
  /// closing the connection for HTTP/1.0 ones. Returns false when the
  /// exchange can no longer be answered.
  bool begin_stream(int status, std::string_view content_type, const Headers& headers = {});
  /// Sends a piece of a streamed response (an empty piece is ignored).
  /// Returns false when the client is gone or the stream is not open.
  bool write(std::string data);
  /// As write(), for a buffer shared between many streams (one event sent
  /// to many subscribers); large buffers are not copied.
  bool write_shared(std::shared_ptr<const std::string> data);
  /// Completes a streamed response.
  void end();

  /// Bytes queued for this client and not yet handed to the kernel: bound
  /// it for slow readers (catch them up later, or drop them).
  size_t write_queue_size() const;
  /// Called each time the write queue becomes empty while the stream is open.
  void on_drain(std::function<void()> fn) {
    on_drain_ = std::move(fn);
    ++drain_generation_;
  }

  /// Called once if the client disconnects (or the server gives up on the
  /// connection) before the exchange is complete. Nothing is required of the
  /// caller then; answering afterwards does nothing.
  void on_close(std::function<void()> fn) { on_close_ = std::move(fn); }

  /// True once the exchange can no longer be answered: it is complete or
  /// the connection is gone.
  bool closed() const { return conn_ == nullptr; }
  /// True once the status line was sent (respond, begin_stream or upgrade).
  bool started() const { return state_ != State::waiting; }

  /// Completes a WebSocket handshake (RFC 6455 section 4.2) for a request
  /// that asks for one, and returns the open WebSocket. When the handshake
  /// is invalid it answers 400 (426 for a version other than 13) itself and
  /// returns nullptr. Frames the client sent early are delivered on the next
  /// loop turn, after the caller has set its callbacks.
  std::shared_ptr<WebSocket> accept_websocket(const WebSocketOptions& options = {});

 private:
  friend class Connection;
  enum class State { waiting, streaming, done };

  /// Binds a fresh (or recycled) exchange to the request being dispatched.
  void bind(Connection* conn, bool head_only, bool http10);
  /// The connection is gone or done with this exchange; returns whether the
  /// exchange was still in flight.
  bool detach();
  /// Fires on_close (once) for an exchange that was in flight.
  void notify_closed();
  void drained();
  /// Hands the completed exchange back to the connection.
  void finish();
  /// Writes one piece of a streamed body, framed as a chunk when chunked;
  /// `shared` is set for write_shared(), else `owned` holds the bytes.
  bool write_piece(std::string owned, std::shared_ptr<const std::string> shared);

  Connection* conn_ = nullptr;
  State state_ = State::waiting;
  bool head_only_ = false;
  bool http10_ = false;
  bool chunked_ = false;
  std::function<void()> on_close_;
  std::function<void()> on_drain_;
  uint64_t drain_generation_ = 0;
};

}  // namespace reship::http
