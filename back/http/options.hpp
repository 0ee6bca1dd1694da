#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace reship::http {

class Request;
class Exchange;

/// Called once per request, on the loop thread. The handler answers through
/// the Exchange, at once or later (it may keep the shared_ptr for minutes).
using Handler = std::function<void(Request& request, std::shared_ptr<Exchange> exchange)>;

/// Limits and timeouts of an HttpServer. The defaults suit reship-back.
struct ServerOptions {
  size_t max_body_bytes = 64 * 1024;    ///< larger request bodies get 413 body_too_large
  size_t max_header_bytes = 16 * 1024;  ///< request line + headers; beyond: 431 headers_too_large
  size_t max_headers = 100;             ///< more header lines: 431 headers_too_large
  /// Time allowed for a request's line and headers to arrive (from the
  /// first byte, or from accept on a new connection): then 408 and close.
  std::chrono::milliseconds header_timeout{10'000};
  /// Time allowed for a request body to arrive once the headers are in.
  std::chrono::milliseconds body_timeout{30'000};
  /// An idle keep-alive connection is closed after this long.
  std::chrono::milliseconds idle_timeout{60'000};
  /// After an answer that closes the connection, unread input is drained
  /// for at most this long so that the client reads the answer rather than
  /// a TCP reset (the "lingering close" of RFC 9112 section 9.6).
  std::chrono::milliseconds linger_timeout{2'000};
  /// While the server stops, a connection with no request in progress gets
  /// this long to send one (it is answered 503 shutting_down) before it is
  /// closed gracefully: a client whose request crossed the shutdown hears
  /// why, rather than a reset.
  std::chrono::milliseconds shutdown_request_wait{500};
  /// While the server stops, its listeners stay open at least this long,
  /// queueing no new connection but accepting those whose handshake was
  /// under way: closing a listener resets what is still queued on it.
  std::chrono::milliseconds listener_settle{250};
  /// Beyond this many open connections a new one is answered 503
  /// too_many_connections and closed at once.
  size_t max_connections = 1024;
  /// Bytes buffered from a connection while one of its requests is being
  /// answered (pipelining); beyond this, reading pauses until it completes.
  size_t max_pipelined_bytes = 128 * 1024;
};

}  // namespace reship::http
