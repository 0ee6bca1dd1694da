// Fuzz target: reading a client's WebSocket frames (RFC 6455).
//
// back/http/websocket.hpp has no socket-free reader: frames are read by wslay
// inside WebSocket, which needs a live Connection. So this target drives
// wslay exactly as back/http/websocket.cpp does (a server context, a recv
// callback over the bytes of one read, a send callback that collects bytes, the
// same message handling and the same message size cap) and checks what the
// rest of reship-back relies on. It also fuzzes the two pure handshake helpers.
//
// Invariants:
// - every text message handed on is valid UTF-8 and within the size cap;
// - control frames (close, ping, pong) carry at most 125 bytes;
// - what the server writes is a sequence of well-formed, unmasked frames;
// - once both sides sent close, wslay wants neither to read nor to write;
// - a valid Sec-WebSocket-Key gives a 28-character base64 accept value.

#include <cstring>
#include <string>
#include <string_view>

#include <wslay/wslay.h>

#include "back/http/websocket.hpp"
#include "common/text/utf8.hpp"
#include "fuzz_support.hpp"

namespace {

using reship::fuzz::Chunker;

struct Session {
  wslay_event_context_ptr ctx = nullptr;
  std::string_view in;  // the bytes of the current read
  std::string out;      // what the server wrote
  size_t max_message = 0;
  bool close_queued = false;
  size_t messages = 0;
};

Session& session(void* user) { return *static_cast<Session*>(user); }

ssize_t recv_callback(wslay_event_context_ptr ctx, uint8_t* buf, size_t len, int, void* user) {
  Session& s = session(user);
  if (s.in.empty()) {
    wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
    return -1;
  }
  const size_t n = std::min(len, s.in.size());
  std::memcpy(buf, s.in.data(), n);
  s.in.remove_prefix(n);
  return static_cast<ssize_t>(n);
}

ssize_t send_callback(wslay_event_context_ptr, const uint8_t* data, size_t len, int, void* user) {
  session(user).out.append(reinterpret_cast<const char*>(data), len);
  return static_cast<ssize_t>(len);
}

void on_message(wslay_event_context_ptr ctx, const wslay_event_on_msg_recv_arg* arg, void* user) {
  Session& s = session(user);
  const std::string_view msg(reinterpret_cast<const char*>(arg->msg), arg->msg_length);
  switch (arg->opcode) {
    case WSLAY_TEXT_FRAME:
      // reship-back hands text on as it is (API handlers parse it as JSON).
      FUZZ_CHECK(reship::common::is_valid_utf8(msg));
      FUZZ_CHECK(msg.size() <= s.max_message);
      // A handler answering from inside the callback, as the API's does.
      if (++s.messages % 2 == 1 && !s.close_queued) {
        wslay_event_msg reply{WSLAY_TEXT_FRAME, arg->msg, arg->msg_length};
        wslay_event_queue_msg(ctx, &reply);
      }
      break;
    case WSLAY_BINARY_FRAME: {
      // As websocket.cpp: refuse with 1003 and stop reading.
      FUZZ_CHECK(msg.size() <= s.max_message);
      constexpr std::string_view reason = "binary messages are not supported";
      s.close_queued = true;
      wslay_event_queue_close(ctx, WSLAY_CODE_UNSUPPORTED_DATA, reinterpret_cast<const uint8_t*>(reason.data()),
                              reason.size());
      wslay_event_shutdown_read(ctx);
      break;
    }
    case WSLAY_CONNECTION_CLOSE:
    case WSLAY_PING:
    case WSLAY_PONG: FUZZ_CHECK(msg.size() <= 125); break;
    default: break;
  }
}

// Walks the server's output frame by frame (RFC 6455 section 5.2).
void check_server_frames(std::string_view out) {
  while (!out.empty()) {
    FUZZ_CHECK(out.size() >= 2);
    const auto b0 = static_cast<unsigned char>(out[0]);
    const auto b1 = static_cast<unsigned char>(out[1]);
    const unsigned opcode = b0 & 0x0F;
    FUZZ_CHECK((b0 & 0x70) == 0);  // no extension bits
    FUZZ_CHECK((b1 & 0x80) == 0);  // a server never masks
    FUZZ_CHECK(opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA));
    uint64_t length = b1 & 0x7F;
    size_t header = 2;
    if (length == 126 || length == 127) {
      const size_t extra = length == 126 ? 2 : 8;
      FUZZ_CHECK(out.size() >= 2 + extra);
      length = 0;
      for (size_t i = 0; i < extra; ++i) length = (length << 8) | static_cast<unsigned char>(out[2 + i]);
      header += extra;
    }
    if (opcode >= 0x8) FUZZ_CHECK((b0 & 0x80) != 0 && length <= 125);
    FUZZ_CHECK(out.size() - header >= length);
    out.remove_prefix(header + static_cast<size_t>(length));
  }
}

void check_frames(std::string_view bytes, Chunker& chunker) {
  static constexpr size_t kCaps[] = {16, 125, 1024, 64 * 1024};
  Session s;
  s.max_message = kCaps[chunker.random() % std::size(kCaps)];
  static const wslay_event_callbacks callbacks = {recv_callback, send_callback, nullptr, nullptr, nullptr, nullptr,
                                                  on_message};
  FUZZ_CHECK(wslay_event_context_server_init(&s.ctx, &callbacks, &s) == 0);
  wslay_event_config_set_max_recv_msg_length(s.ctx, s.max_message);

  // One wslay_event_recv() per read, then a flush, as WebSocket::feed().
  chunker.split(bytes, [&](std::string_view piece) {
    s.in = piece;
    const int rv = wslay_event_recv(s.ctx);
    s.in = {};
    if (rv != 0) return false;  // the connection is aborted
    // websocket.cpp only logs a failed send: not an invariant.
    if (wslay_event_want_write(s.ctx) != 0) static_cast<void>(wslay_event_send(s.ctx));
    if (wslay_event_want_read(s.ctx) == 0 && wslay_event_want_write(s.ctx) == 0) return false;  // finished
    return true;
  });
  if (wslay_event_get_close_received(s.ctx) != 0 && wslay_event_get_close_sent(s.ctx) != 0) {
    FUZZ_CHECK(wslay_event_want_read(s.ctx) == 0);
  }
  check_server_frames(s.out);
  wslay_event_context_free(s.ctx);
}

bool is_base64(std::string_view text) {
  for (const char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                    c == '/' || c == '=';
    if (!ok) return false;
  }
  return true;
}

void check_handshake_helpers(std::string_view bytes) {
  static const bool rfc_example =
      reship::http::websocket_accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
  FUZZ_CHECK(rfc_example);
  const std::string_view key = bytes.substr(0, 24);
  const std::string accept = reship::http::websocket_accept_key(key);
  FUZZ_CHECK(accept.size() == 28 && accept.back() == '=' && is_base64(accept));
  if (reship::http::is_valid_websocket_key(key)) FUZZ_CHECK(key.size() == 24 && is_base64(key));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = reship::fuzz::as_text(data, size);
  Chunker chunker(bytes);
  check_frames(bytes, chunker);
  check_handshake_helpers(bytes);
  return 0;
}
