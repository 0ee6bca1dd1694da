#include "cli/http_client.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <llhttp.h>

#include <cerrno>
#include <cstring>

#include "common/time.hpp"

namespace reship::cli {
namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// What the llhttp callbacks fill in.
struct Parse {
  HttpResult result;
  std::string header_name;
  std::string header_value;
  bool in_value = false;
  bool complete = false;
  bool stop = false;
  const std::function<bool(std::string_view)>* on_body = nullptr;

  void flush_header() {
    if (header_name.empty()) return;
    for (auto& c : header_name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    result.headers[header_name] = header_value;
    header_name.clear();
    header_value.clear();
  }
};

Parse* parse_of(llhttp_t* p) { return static_cast<Parse*>(p->data); }

}  // namespace

common::Result<Endpoint> Endpoint::parse(const std::string& url) {
  Endpoint e;
  std::string rest = url;
  if (rest.rfind("unix:", 0) == 0) {
    e.is_unix = true;
    e.path = rest.substr(5);
    if (e.path.empty()) return common::Error{"bad URL \"" + url + "\": unix: needs a socket path"};
    return e;
  }
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  if (rest.rfind("https://", 0) == 0) {
    return common::Error{"bad URL \"" + url + "\": reship speaks plain HTTP; put TLS in a proxy in front"};
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return common::Error{"bad URL \"" + url + "\": use http://HOST:PORT or unix:PATH"};
  }
  e.host = rest.substr(0, colon);
  if (e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
  try {
    e.port = std::stoi(rest.substr(colon + 1));
  } catch (...) {
    return common::Error{"bad URL \"" + url + "\": the port is not a number"};
  }
  // A daemon listening on every interface is reached on loopback.
  if (e.host == "0.0.0.0") e.host = "127.0.0.1";
  if (e.host == "::") e.host = "::1";
  return e;
}

std::string Endpoint::text() const {
  if (is_unix) return "unix:" + path;
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

common::Result<int> HttpClient::connect() {
  if (endpoint_.is_unix) {
    sockaddr_un addr{};
    if (endpoint_.path.size() >= sizeof addr.sun_path) {
      return common::Error{"cannot reach reship-back at " + endpoint_.text() + ": the socket path is too long"};
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, endpoint_.path.data(), endpoint_.path.size());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      const int err = errno;
      ::close(fd);
      return common::errno_error("cannot reach reship-back at " + endpoint_.text(), err);
    }
    return fd;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(endpoint_.host.c_str(), std::to_string(endpoint_.port).c_str(), &hints, &found);
  if (rc != 0) {
    return common::Error{"cannot reach reship-back at " + endpoint_.text() + ": " + ::gai_strerror(rc)};
  }
  int last_errno = ECONNREFUSED;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::freeaddrinfo(found);
      return fd;
    }
    last_errno = errno;
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return common::errno_error("cannot reach reship-back at " + endpoint_.text(), last_errno);
}

common::Result<HttpResult> HttpClient::request(const std::string& method, const std::string& target,
                                               const std::string& body, common::Millis timeout,
                                               const std::function<bool(std::string_view)>& on_body,
                                               const std::function<bool()>& on_tick) {
  auto connected = connect();
  if (!connected) return std::move(connected).error();
  Fd fd{*connected};
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: " +
                     (endpoint_.is_unix ? std::string("localhost") : endpoint_.text()) +
                     "\r\nUser-Agent: reship-cli\r\nConnection: close\r\n";
  if (!token_.empty()) text += "Authorization: Bearer " + token_ + "\r\n";
  if (!body.empty() || method == "POST") {
    text += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  text += "\r\n" + body;
  size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = ::send(fd.fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return common::errno_error("cannot send to reship-back at " + endpoint_.text());
    sent += static_cast<size_t>(n);
  }

  Parse parse;
  parse.on_body = on_body ? &on_body : nullptr;
  llhttp_settings_t settings;
  llhttp_settings_init(&settings);
  settings.on_header_field = [](llhttp_t* p, const char* at, size_t len) {
    Parse* s = parse_of(p);
    if (s->in_value) {
      s->flush_header();
      s->in_value = false;
    }
    s->header_name.append(at, len);
    return 0;
  };
  settings.on_header_value = [](llhttp_t* p, const char* at, size_t len) {
    Parse* s = parse_of(p);
    s->in_value = true;
    s->header_value.append(at, len);
    return 0;
  };
  settings.on_headers_complete = [](llhttp_t* p) {
    Parse* s = parse_of(p);
    s->flush_header();
    s->result.status = p->status_code;
    return 0;
  };
  settings.on_body = [](llhttp_t* p, const char* at, size_t len) -> int {
    Parse* s = parse_of(p);
    if (s->on_body != nullptr) {
      if (!(*s->on_body)(std::string_view(at, len))) {
        s->stop = true;
        return HPE_PAUSED;
      }
    } else {
      s->result.body.append(at, len);
    }
    return 0;
  };
  settings.on_message_complete = [](llhttp_t* p) -> int {
    parse_of(p)->complete = true;
    return HPE_PAUSED;
  };
  llhttp_t parser;
  llhttp_init(&parser, HTTP_RESPONSE, &settings);
  parser.data = &parse;

  const int64_t deadline = common::monotonic_ms() + timeout.count();
  char buf[65536];
  while (!parse.complete && !parse.stop) {
    const int64_t left = deadline - common::monotonic_ms();
    if (left <= 0) {
      return common::Error{"reship-back at " + endpoint_.text() + " did not answer within " +
                           common::format_duration(timeout)};
    }
    pollfd pfd{fd.fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, on_tick ? 100 : 1000)));
    if (ready < 0 && errno != EINTR) return common::errno_error("cannot wait for reship-back");
    if (on_tick && !on_tick()) return common::Error{"gave up waiting for reship-back at " + endpoint_.text()};
    if (ready <= 0) continue;
    const ssize_t n = ::read(fd.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return common::errno_error("cannot read from reship-back at " + endpoint_.text());
    if (n == 0) {
      // The end of a close-delimited body completes the message.
      if (llhttp_finish(&parser) == HPE_OK && parse.result.status != 0) {
        parse.complete = true;
        break;
      }
      if (parse.complete) break;
      // Reported as a reset: the server went away mid-answer, and a caller
      // may retry as after one.
      if (parse.result.status != 0) {
        return common::Error{"reship-back at " + endpoint_.text() + " closed the connection in the middle of its answer",
                             ECONNRESET};
      }
      return common::Error{"reship-back at " + endpoint_.text() + " closed the connection before answering", ECONNRESET};
    }
    const llhttp_errno_t err = llhttp_execute(&parser, buf, static_cast<size_t>(n));
    if (err != HPE_OK && err != HPE_PAUSED) {
      return common::Error{std::string("reship-back sent a response that is not HTTP: ") + llhttp_errno_name(err)};
    }
  }
  parse.result.complete = parse.complete;
  return std::move(parse.result);
}

}  // namespace reship::cli
