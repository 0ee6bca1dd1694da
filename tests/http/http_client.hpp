#pragma once

// A blocking HTTP/1.1 and WebSocket test client on a raw socket, with a
// deadline on every wait. Responses are parsed with llhttp in response mode.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace reship::test {

/// One parsed HTTP response.
struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  bool keep_alive = false;

  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// One WebSocket frame as the server sent it.
struct WsFrame {
  bool fin = false;
  bool masked = false;
  uint8_t opcode = 0;
  std::string payload;
  /// The close code of a close frame (0 when it carries none).
  int close_code() const;
};

/// A masked (unless `mask` is false) client frame.
std::string ws_frame(uint8_t opcode, std::string_view payload, bool mask = true, bool fin = true);

class TestClient {
 public:
  using ms = std::chrono::milliseconds;

  /// Connects to 127.0.0.1:port; fd() < 0 when that failed or took longer
  /// than `connect_timeout` (a listener that drops new handshakes).
  static TestClient tcp(int port, ms connect_timeout = ms(5000));
  static TestClient unix_socket(const std::string& path);
  TestClient(TestClient&& other) noexcept;
  TestClient& operator=(TestClient&&) = delete;
  ~TestClient();

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  /// Sends every byte (false when the peer is gone).
  bool send(std::string_view bytes);
  /// Sends a GET with Host (and the given extra header lines, each ending in
  /// \r\n).
  bool get(std::string_view target, std::string_view extra_headers = {});

  /// Reads one complete response; nullopt at the deadline or when the
  /// connection ends first. `head`: a response to HEAD (no body).
  std::optional<HttpResponse> read_response(ms timeout = ms(5000), bool head = false);
  /// Waits until the received bytes contain `needle` (they stay unread).
  bool wait_for_bytes(std::string_view needle, ms timeout = ms(5000));
  /// Waits until the server closes (EOF or reset), dropping what arrives.
  bool wait_closed(ms timeout = ms(5000));
  /// Whether the connection ended with a reset rather than a clean close.
  bool was_reset() const { return reset_; }
  /// Whether anything arrives (or the connection ends) within `timeout`.
  bool readable_within(ms timeout);
  /// Reads whatever arrives within `timeout` into the buffer.
  bool read_more(ms timeout) { return fill(std::chrono::steady_clock::now() + timeout); }
  /// Forgets the bytes received so far.
  void discard() { buffer_.clear(); }
  /// Bytes received and not consumed yet.
  const std::string& buffered() const { return buffer_; }

  /// Sends a WebSocket handshake for `target` and reads the answer.
  std::optional<HttpResponse> ws_handshake(std::string_view target = "/ws",
                                           std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==",
                                           std::string_view version = "13");
  /// Reads one frame from the server.
  std::optional<WsFrame> read_frame(ms timeout = ms(5000));

  void shutdown_write();
  void close();

 private:
  explicit TestClient(int fd) : fd_(fd) {}
  /// Receives more bytes into buffer_ until `deadline`; false at EOF,
  /// error or deadline.
  bool fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  bool eof_ = false;
  bool reset_ = false;
  std::string buffer_;
};

}  // namespace reship::test
