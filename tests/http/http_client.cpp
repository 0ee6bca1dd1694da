#include "tests/http/http_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <llhttp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace reship::test {
namespace {

using Clock = std::chrono::steady_clock;

// Accumulates one response while llhttp parses it.
struct ResponseBuilder {
  HttpResponse response;
  std::string field;
  std::string value;
  bool in_value = false;
  bool complete = false;
  bool head = false;
};

ResponseBuilder& builder(llhttp_t* p) {
  return *static_cast<ResponseBuilder*>(p->data);
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return s;
}

const llhttp_settings_t& response_settings() {
  static const llhttp_settings_t settings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_header_field = [](llhttp_t* p, const char* at, size_t n) {
      auto& b = builder(p);
      if (b.in_value) {
        b.response.headers[lower(b.field)] = b.value;
        b.field.clear();
        b.value.clear();
        b.in_value = false;
      }
      b.field.append(at, n);
      return 0;
    };
    s.on_header_value = [](llhttp_t* p, const char* at, size_t n) {
      auto& b = builder(p);
      b.in_value = true;
      b.value.append(at, n);
      return 0;
    };
    s.on_headers_complete = [](llhttp_t* p) {
      auto& b = builder(p);
      if (b.in_value || !b.field.empty()) b.response.headers[lower(b.field)] = b.value;
      b.response.status = p->status_code;
      b.response.keep_alive = llhttp_should_keep_alive(p) != 0;
      return b.head ? 1 : 0;
    };
    s.on_body = [](llhttp_t* p, const char* at, size_t n) {
      builder(p).response.body.append(at, n);
      return 0;
    };
    s.on_message_complete = [](llhttp_t* p) {
      builder(p).complete = true;
      return static_cast<int>(HPE_PAUSED);
    };
    return s;
  }();
  return settings;
}

}  // namespace

int WsFrame::close_code() const {
  if (payload.size() < 2) return 0;
  return (static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1]);
}

std::string ws_frame(uint8_t opcode, std::string_view payload, bool mask, bool fin) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
  const uint8_t mask_bit = mask ? 0x80 : 0;
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<char>((static_cast<uint64_t>(payload.size()) >> (8 * i)) & 0xFF));
  }
  const uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
  if (mask) out.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < payload.size(); ++i) {
    out.push_back(mask ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  }
  return out;
}

TestClient TestClient::tcp(int port, ms connect_timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      socklen_t len = sizeof err;
      err = ::poll(&p, 1, static_cast<int>(connect_timeout.count())) == 1 &&
                    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0
                ? err
                : ETIMEDOUT;
    }
    if (err != 0) {
      ::close(fd);
      return TestClient(-1);
    }
  }
  // Blocking from here on, as the waits below expect.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return TestClient(fd);
}

TestClient TestClient::unix_socket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return TestClient(-1);
  }
  return TestClient(fd);
}

TestClient::TestClient(TestClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), eof_(other.eof_), buffer_(std::move(other.buffer_)) {}

TestClient::~TestClient() {
  close();
}

void TestClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void TestClient::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool TestClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool TestClient::get(std::string_view target, std::string_view extra_headers) {
  std::string request = "GET ";
  request.append(target);
  request.append(" HTTP/1.1\r\nHost: test\r\n");
  request.append(extra_headers);
  request.append("\r\n");
  return send(request);
}

bool TestClient::fill(Clock::time_point deadline) {
  if (fd_ < 0 || eof_) return false;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return false;
    char buf[64 * 1024];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      eof_ = true;
      reset_ = n < 0 && errno == ECONNRESET;
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }
}

std::optional<HttpResponse> TestClient::read_response(ms timeout, bool head) {
  const auto deadline = Clock::now() + timeout;
  bool tried_finish = false;
  while (true) {
    ResponseBuilder b;
    b.head = head;
    llhttp_t parser;
    llhttp_init(&parser, HTTP_RESPONSE, &response_settings());
    parser.data = &b;
    llhttp_errno_t err = buffer_.empty() ? HPE_OK : llhttp_execute(&parser, buffer_.data(), buffer_.size());
    bool finished = false;
    if (err == HPE_OK && eof_ && !buffer_.empty()) {
      finished = true;
      err = llhttp_finish(&parser);
    }
    if (b.complete) {
      size_t used = buffer_.size();
      if (!finished && err == HPE_PAUSED) used = static_cast<size_t>(llhttp_get_error_pos(&parser) - buffer_.data());
      buffer_.erase(0, used);
      return std::move(b.response);
    }
    if (err != HPE_OK) return std::nullopt;
    if (!fill(deadline)) {
      if (eof_ && !buffer_.empty() && !tried_finish) {
        tried_finish = true;  // one more pass, ending with llhttp_finish()
        continue;
      }
      return std::nullopt;
    }
  }
}

bool TestClient::wait_for_bytes(std::string_view needle, ms timeout) {
  const auto deadline = Clock::now() + timeout;
  while (buffer_.find(needle) == std::string::npos) {
    if (!fill(deadline)) return false;
  }
  return true;
}

bool TestClient::wait_closed(ms timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!eof_) {
    if (!fill(deadline) && !eof_) return false;
  }
  return true;
}

bool TestClient::readable_within(ms timeout) {
  if (!buffer_.empty() || eof_) return true;
  return fill(Clock::now() + timeout) || eof_;
}

std::optional<HttpResponse> TestClient::ws_handshake(std::string_view target, std::string_view key,
                                                     std::string_view version) {
  std::string request = "GET ";
  request.append(target);
  request.append(" HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
  request.append(key);
  request.append("\r\nSec-WebSocket-Version: ");
  request.append(version);
  request.append("\r\n\r\n");
  if (!send(request)) return std::nullopt;
  return read_response();
}

std::optional<WsFrame> TestClient::read_frame(ms timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (buffer_.size() >= 2) {
      const auto* b = reinterpret_cast<const uint8_t*>(buffer_.data());
      WsFrame frame;
      frame.fin = (b[0] & 0x80) != 0;
      frame.opcode = b[0] & 0x0F;
      frame.masked = (b[1] & 0x80) != 0;
      uint64_t length = b[1] & 0x7F;
      size_t offset = 2;
      bool have_header = true;
      if (length == 126) {
        have_header = buffer_.size() >= 4;
        if (have_header) length = (uint64_t{b[2]} << 8) | b[3];
        offset = 4;
      } else if (length == 127) {
        have_header = buffer_.size() >= 10;
        if (have_header) {
          length = 0;
          for (int i = 0; i < 8; ++i) length = (length << 8) | b[2 + i];
        }
        offset = 10;
      }
      if (frame.masked) offset += 4;
      if (have_header && buffer_.size() >= offset + length) {
        frame.payload = buffer_.substr(offset, length);
        buffer_.erase(0, offset + length);
        return frame;
      }
    }
    if (!fill(deadline)) return std::nullopt;
  }
}

}  // namespace reship::test
