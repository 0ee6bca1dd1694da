#include "back/http/exchange.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "back/http/connection.hpp"

namespace reship::http {
namespace {

// Below this size a body or chunk is copied next to its headers so that it
// goes out in one write; above, it is written from its own buffer.
constexpr size_t kCopyLimit = 16 * 1024;

}  // namespace

void Exchange::bind(Connection* conn, bool head_only, bool http10) {
  conn_ = conn;
  state_ = State::waiting;
  head_only_ = head_only;
  http10_ = http10;
  chunked_ = false;
  on_close_ = nullptr;
  on_drain_ = nullptr;
}

bool Exchange::detach() {
  const bool in_flight = conn_ != nullptr && state_ != State::done;
  conn_ = nullptr;
  return in_flight;
}

void Exchange::notify_closed() {
  on_drain_ = nullptr;
  auto fn = std::move(on_close_);
  on_close_ = nullptr;
  if (fn) fn();
}

void Exchange::drained() {
  if (conn_ == nullptr || state_ != State::streaming || !on_drain_) return;
  // Moved out for the call (the callback may replace it, end the stream or
  // drop the last reference to what it captures), then put back unless
  // something replaced or retired it meanwhile. No copy per drain.
  const uint64_t generation = drain_generation_;
  auto fn = std::move(on_drain_);
  on_drain_ = nullptr;
  fn();
  if (generation == drain_generation_ && conn_ != nullptr && state_ == State::streaming) on_drain_ = std::move(fn);
}

void Exchange::finish() {
  Connection* conn = conn_;
  conn_ = nullptr;
  state_ = State::done;
  // Dropping the callbacks also breaks cycles through captured shared_ptrs.
  on_close_ = nullptr;
  on_drain_ = nullptr;
  if (conn != nullptr) conn->exchange_finished();
}

void Exchange::respond(int status, std::string_view content_type, std::string body, const Headers& headers) {
  if (conn_ == nullptr || state_ != State::waiting) return;
  auto guard = conn_->shared_from_this();
  state_ = State::done;
  ResponseHead head;
  head.status = status;
  head.content_type = content_type;
  head.headers = &headers;
  const bool no_body = status_has_no_body(status);
  head.framing = no_body ? Framing::none : Framing::length;
  head.content_length = body.size();
  head.close = conn_->closes_after_response();
  head.keep_alive = !head.close && http10_;
  const bool send_body = !no_body && !head_only_;
  std::string out;
  if (send_body && body.size() > kCopyLimit) {
    out.reserve(256);
    append_response_head(out, head);
    if (conn_->write(std::move(out))) conn_->write(std::move(body));
  } else {
    out.reserve(256 + (send_body ? body.size() : 0));
    append_response_head(out, head);
    if (send_body) out.append(body);
    conn_->write(std::move(out));
  }
  finish();
}

void Exchange::respond_error(int status, std::string_view code, std::string_view message, const Headers& headers) {
  if (conn_ == nullptr || state_ != State::waiting) return;
  respond(status, "application/json", error_json(code, message), headers);
}

bool Exchange::begin_stream(int status, std::string_view content_type, const Headers& headers) {
  if (conn_ == nullptr || state_ != State::waiting) return false;
  auto guard = conn_->shared_from_this();
  ResponseHead head;
  head.status = status;
  head.content_type = content_type;
  head.headers = &headers;
  if (http10_) {
    // HTTP/1.0 has no chunked encoding: the end of the body is the close.
    conn_->disable_keep_alive();
    head.framing = Framing::close;
    chunked_ = false;
  } else {
    head.framing = Framing::chunked;
    chunked_ = true;
  }
  head.close = conn_->closes_after_response();
  std::string out;
  out.reserve(256);
  append_response_head(out, head);
  if (head_only_) {
    state_ = State::done;
    conn_->write(std::move(out));
    finish();
    return true;
  }
  state_ = State::streaming;
  return conn_->write(std::move(out));
}

bool Exchange::write_piece(std::string owned, std::shared_ptr<const std::string> shared) {
  auto guard = conn_->shared_from_this();
  const std::string_view bytes = shared ? std::string_view(*shared) : std::string_view(owned);
  if (!chunked_) return shared ? conn_->write_shared(std::move(shared)) : conn_->write(std::move(owned));
  char prefix[24];
  const auto end = fmt::format_to_n(prefix, sizeof prefix, "{:x}\r\n", bytes.size()).out;
  const std::string_view size_line(prefix, static_cast<size_t>(end - prefix));
  if (bytes.size() <= kCopyLimit) {
    std::string out;
    out.reserve(size_line.size() + bytes.size() + 2);
    out.append(size_line);
    out.append(bytes);
    out.append("\r\n");
    return conn_->write(std::move(out));
  }
  if (!conn_->write(std::string(size_line))) return false;
  const bool ok = shared ? conn_->write_shared(std::move(shared)) : conn_->write(std::move(owned));
  return ok && conn_->write(std::string("\r\n"));
}

bool Exchange::write(std::string data) {
  if (conn_ == nullptr || state_ != State::streaming) return false;
  if (data.empty()) return true;
  return write_piece(std::move(data), nullptr);
}

bool Exchange::write_shared(std::shared_ptr<const std::string> data) {
  if (conn_ == nullptr || state_ != State::streaming) return false;
  if (!data || data->empty()) return true;
  return write_piece({}, std::move(data));
}

void Exchange::end() {
  if (conn_ == nullptr || state_ != State::streaming) return;
  auto guard = conn_->shared_from_this();
  state_ = State::done;
  if (chunked_) conn_->write(std::string("0\r\n\r\n"));
  finish();
}

size_t Exchange::write_queue_size() const {
  return conn_ != nullptr ? conn_->write_queue_size() : 0;
}

std::shared_ptr<WebSocket> Exchange::accept_websocket(const WebSocketOptions& options) {
  if (conn_ == nullptr || state_ != State::waiting) return nullptr;
  auto guard = conn_->shared_from_this();
  const Request& request = conn_->request();
  if (request.method() != "GET" || request.http_minor() < 1 || !request.is_websocket_upgrade()) {
    respond_error(400, "bad_request",
                  "a WebSocket handshake is an HTTP/1.1 GET with \"Upgrade: websocket\" and \"Connection: Upgrade\"");
    return nullptr;
  }
  const auto version = request.header("sec-websocket-version");
  if (!version || *version != "13") {
    respond_error(426, "unsupported_websocket_version", "only WebSocket version 13 is supported",
                  {{"Sec-WebSocket-Version", "13"}});
    return nullptr;
  }
  const auto key = request.header("sec-websocket-key");
  if (!key || !is_valid_websocket_key(*key)) {
    respond_error(400, "bad_request", "the Sec-WebSocket-Key header is missing or is not 16 bytes in base64");
    return nullptr;
  }
  auto websocket = std::make_shared<WebSocket>(WebSocket::Key{}, conn_, options);
  if (!websocket->valid()) {
    respond_error(500, "internal_error", "cannot allocate the WebSocket");
    return nullptr;
  }
  std::string out;
  out.reserve(160);
  out.append("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ");
  out.append(websocket_accept_key(*key));
  out.append("\r\n\r\n");
  state_ = State::done;
  Connection* conn = conn_;
  conn_ = nullptr;
  on_close_ = nullptr;
  on_drain_ = nullptr;
  conn->write(std::move(out));
  conn->upgraded(websocket);
  return websocket;
}

}  // namespace reship::http
