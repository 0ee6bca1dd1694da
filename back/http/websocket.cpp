#include "back/http/websocket.hpp"

#include <cstring>

#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <wslay/wslay.h>

#include "back/http/connection.hpp"
#include "common/text/utf8.hpp"

namespace reship::http {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // RFC 6455 section 1.3
constexpr size_t kCopyLimit = 16 * 1024;
constexpr size_t kMaxCloseReason = 123;  // a control frame's payload is at most 125 bytes

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// The header of an unmasked, final text frame (RFC 6455 section 5.2).
size_t text_frame_header(uint8_t* out, size_t length) {
  out[0] = 0x80 | WSLAY_TEXT_FRAME;
  if (length < 126) {
    out[1] = static_cast<uint8_t>(length);
    return 2;
  }
  if (length <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(length >> 8);
    out[3] = static_cast<uint8_t>(length);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<uint8_t>(static_cast<uint64_t>(length) >> (56 - 8 * i));
  return 10;
}

}  // namespace

std::string websocket_accept_key(std::string_view client_key) {
  std::string input;
  input.reserve(client_key.size() + kGuid.size());
  input.append(client_key);
  input.append(kGuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &digest_length, EVP_sha1(), nullptr) != 1) return {};
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(encoded, digest, static_cast<int>(digest_length));
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<size_t>(n));
}

bool is_valid_websocket_key(std::string_view key) noexcept {
  // 16 bytes in base64: 21 full characters, one holding 2 bits and 4 zero
  // bits (A, Q, g or w), then "==".
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  for (size_t i = 0; i < 21; ++i) {
    if (!is_base64_char(key[i])) return false;
  }
  return key[21] == 'A' || key[21] == 'Q' || key[21] == 'g' || key[21] == 'w';
}

// wslay calls these with the WebSocket as user data.
struct WebSocketCallbacks {
  static WebSocket& self(void* user) { return *static_cast<WebSocket*>(user); }

  static ssize_t recv(wslay_event_context_ptr ctx, uint8_t* buf, size_t len, int, void* user) {
    WebSocket& s = self(user);
    if (s.in_.empty()) {
      wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
      return -1;
    }
    const size_t n = std::min(len, s.in_.size());
    std::memcpy(buf, s.in_.data(), n);
    s.in_.remove_prefix(n);
    return static_cast<ssize_t>(n);
  }

  // Never blocks: bytes go to the connection's write queue, whose size the
  // owner watches. So wslay never holds a half-sent frame, and frames
  // written directly by send_frame() cannot interleave with its own.
  static ssize_t send(wslay_event_context_ptr, const uint8_t* data, size_t len, int, void* user) {
    self(user).out_.append(reinterpret_cast<const char*>(data), len);
    return static_cast<ssize_t>(len);
  }

  static void on_message(wslay_event_context_ptr ctx, const wslay_event_on_msg_recv_arg* arg, void* user) {
    WebSocket& s = self(user);
    const auto* bytes = reinterpret_cast<const char*>(arg->msg);
    switch (arg->opcode) {
      case WSLAY_TEXT_FRAME:
        if (s.on_message_ && s.conn_ != nullptr) {
          auto fn = s.on_message_;  // a copy: the callback may replace it
          fn(std::string_view(bytes, arg->msg_length));
        }
        break;
      case WSLAY_BINARY_FRAME: {
        constexpr std::string_view reason = "binary messages are not supported";
        s.close_queued_ = true;
        s.sent_reason_ = reason;
        wslay_event_queue_close(ctx, WSLAY_CODE_UNSUPPORTED_DATA, reinterpret_cast<const uint8_t*>(reason.data()),
                                reason.size());
        wslay_event_shutdown_read(ctx);
        break;
      }
      case WSLAY_CONNECTION_CLOSE:
        s.received_code_ = arg->status_code == 0 ? int{WSLAY_CODE_NO_STATUS_RCVD} : int{arg->status_code};
        if (arg->msg_length > 2) s.received_reason_.assign(bytes + 2, arg->msg_length - 2);
        break;
      default:
        break;
    }
  }
};

WebSocket::WebSocket(Key, Connection* conn, const WebSocketOptions& options)
    : conn_(conn), options_(options), timer_(std::make_unique<common::uv::Timer>(conn->loop())) {
  static const wslay_event_callbacks callbacks = {
      WebSocketCallbacks::recv,      WebSocketCallbacks::send, nullptr, nullptr, nullptr, nullptr,
      WebSocketCallbacks::on_message};
  if (wslay_event_context_server_init(&ctx_, &callbacks, this) != 0) {
    ctx_ = nullptr;
    return;
  }
  wslay_event_config_set_max_recv_msg_length(ctx_, options.max_message_bytes);
}

WebSocket::~WebSocket() {
  if (ctx_ != nullptr) wslay_event_context_free(ctx_);
}

void WebSocket::start() {
  if (options_.ping_interval.count() > 0 && timer_) {
    timer_->start_repeating(options_.ping_interval, [this] { on_ping_timer(); });
  }
}

bool WebSocket::closed() const {
  return conn_ == nullptr || close_queued_ || wslay_event_get_close_sent(ctx_) != 0;
}

size_t WebSocket::write_queue_size() const {
  return conn_ != nullptr ? conn_->write_queue_size() : 0;
}

void WebSocket::feed(std::string_view data) {
  if (conn_ == nullptr) return;
  auto self = shared_from_this();
  auto guard = conn_->shared_from_this();
  awaiting_pong_ = false;
  in_ = data;
  in_recv_ = true;
  const int rv = wslay_event_recv(ctx_);
  in_recv_ = false;
  in_ = {};
  if (conn_ == nullptr) return;
  if (rv != 0) {
    spdlog::debug("ws: {} failed: wslay error {}", conn_->request().remote_address(), rv);
    conn_->abort(true);
    return;
  }
  flush();
  check_finished();
}

void WebSocket::flush() {
  if (conn_ == nullptr) return;
  if (wslay_event_want_write(ctx_) != 0) {
    const int rv = wslay_event_send(ctx_);
    if (rv != 0) spdlog::debug("ws: cannot frame a control message: wslay error {}", rv);
  }
  if (!out_.empty()) {
    std::string bytes;
    bytes.swap(out_);
    conn_->write(std::move(bytes));
  }
}

void WebSocket::check_finished() {
  if (conn_ == nullptr) return;
  if (wslay_event_want_read(ctx_) == 0 && wslay_event_want_write(ctx_) == 0) {
    // Close frames went both ways, or the client broke the protocol and
    // got its close frame: the server closes the TCP connection first
    // (RFC 6455 section 7.1.1).
    Connection* conn = conn_;
    conn_ = nullptr;
    timer_.reset();
    spdlog::debug("ws: {} closed with {}", conn->request().remote_address(), close_code());
    conn->websocket_finished();
    report_close();
    return;
  }
  if (wslay_event_get_close_sent(ctx_) != 0 && !close_timer_started_ && timer_) {
    close_timer_started_ = true;
    timer_->start(options_.close_timeout, [this] {
      if (conn_ == nullptr) return;
      spdlog::debug("ws: {} did not answer the close frame", conn_->request().remote_address());
      conn_->abort(true);
    });
  }
}

void WebSocket::on_ping_timer() {
  if (conn_ == nullptr) return;
  auto self = shared_from_this();
  auto guard = conn_->shared_from_this();
  if (awaiting_pong_) {
    spdlog::debug("ws: {} did not answer a ping", conn_->request().remote_address());
    conn_->abort(true);
    return;
  }
  awaiting_pong_ = true;
  wslay_event_msg ping{WSLAY_PING, nullptr, 0};
  wslay_event_queue_msg(ctx_, &ping);
  flush();
}

int WebSocket::close_code() const {
  if (wslay_event_get_close_received(ctx_) != 0) return received_code_ != 0 ? received_code_ : 1005;
  if (wslay_event_get_close_sent(ctx_) != 0) return wslay_event_get_status_code_sent(ctx_);
  return WSLAY_CODE_ABNORMAL_CLOSURE;
}

void WebSocket::report_close() {
  if (close_reported_) return;
  close_reported_ = true;
  const int code = close_code();
  const std::string reason = wslay_event_get_close_received(ctx_) != 0 ? received_reason_
                             : wslay_event_get_close_sent(ctx_) != 0   ? sent_reason_
                                                                       : std::string();
  auto fn = std::move(on_close_);
  on_close_ = nullptr;
  on_message_ = nullptr;
  on_drain_ = nullptr;
  if (fn) fn(code, reason);
}

void WebSocket::detach(bool notify) {
  if (conn_ == nullptr) return;
  conn_ = nullptr;
  timer_.reset();
  if (notify) {
    report_close();
  } else {
    close_reported_ = true;
    on_close_ = nullptr;
    on_message_ = nullptr;
    on_drain_ = nullptr;
  }
}

void WebSocket::drained() {
  if (conn_ == nullptr || !on_drain_) return;
  // As Exchange::drained(): no copy of the callback per drain.
  const uint64_t generation = drain_generation_;
  auto fn = std::move(on_drain_);
  on_drain_ = nullptr;
  fn();
  if (generation == drain_generation_ && conn_ != nullptr) on_drain_ = std::move(fn);
}

bool WebSocket::send_text(std::string_view text) {
  return send_frame(text, nullptr);
}

bool WebSocket::send_texts(const std::vector<std::string_view>& texts) {
  if (texts.empty()) return true;
  if (closed()) return false;
  auto guard = conn_->shared_from_this();
  size_t total = 0;
  for (const auto text : texts) total += 10 + text.size();
  std::string frames;
  frames.reserve(total);
  for (const auto text : texts) {
    uint8_t header[10];
    const size_t header_length = text_frame_header(header, text.size());
    frames.append(reinterpret_cast<const char*>(header), header_length);
    frames.append(text);
  }
  if (in_recv_) {
    out_.append(frames);  // as send_frame(): after wslay_event_recv() returns
    return true;
  }
  flush();
  if (conn_ == nullptr) return false;
  return conn_->write(std::move(frames));
}

bool WebSocket::send_shared(std::shared_ptr<const std::string> text) {
  if (!text) return false;
  const std::string_view view(*text);
  return send_frame(view, std::move(text));
}

bool WebSocket::send_frame(std::string_view payload, std::shared_ptr<const std::string> shared) {
  if (closed()) return false;
  auto guard = conn_->shared_from_this();
  uint8_t header[10];
  const size_t header_length = text_frame_header(header, payload.size());
  const std::string_view header_bytes(reinterpret_cast<const char*>(header), header_length);
  if (in_recv_) {
    // Inside on_message: queue behind nothing wslay has framed yet; flush()
    // sends it all once wslay_event_recv() returns.
    out_.append(header_bytes);
    out_.append(payload);
    return true;
  }
  flush();  // control frames wslay queued go first
  if (conn_ == nullptr) return false;
  if (shared && payload.size() > kCopyLimit) {
    return conn_->write(std::string(header_bytes)) && conn_->write_shared(std::move(shared));
  }
  std::string frame;
  frame.reserve(header_length + payload.size());
  frame.append(header_bytes);
  frame.append(payload);
  return conn_->write(std::move(frame));
}

void WebSocket::close(int code, std::string_view reason) {
  if (conn_ == nullptr || close_queued_) return;
  auto self = shared_from_this();
  auto guard = conn_->shared_from_this();
  close_queued_ = true;
  reason = reason.substr(0, common::utf8_safe_cut(reason, kMaxCloseReason));
  sent_reason_ = reason;
  wslay_event_queue_close(ctx_, static_cast<uint16_t>(code), reinterpret_cast<const uint8_t*>(reason.data()),
                          reason.size());
  if (in_recv_) return;  // feed() flushes and checks once wslay_event_recv() returns
  flush();
  check_finished();
}

}  // namespace reship::http
