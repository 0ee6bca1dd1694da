#pragma once

// Small pieces the benchmark helpers share: clocks, sockets, and an
// incremental HTTP/1.1 response reader (Content-Length, chunked, or up to the
// close). Plain POSIX, no dependency, so that the helpers measure the peers
// and reship alike and cost little themselves.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

namespace bench {

inline int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] inline void die(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  std::exit(1);
}

inline std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

inline bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

inline int connect_unix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    ::close(fd);
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

inline int connect_tcp(const std::string& host, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    errno = EINVAL;
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/// http://HOST:PORT/PATH (IPv4 literal hosts only: everything runs on loopback).
struct Url {
  std::string host;
  int port = 80;
  std::string target = "/";
};

inline Url parse_url(const std::string& text) {
  Url u;
  std::string rest = text;
  const std::string scheme = "http://";
  if (rest.compare(0, scheme.size(), scheme) != 0) die("only http:// URLs: " + text);
  rest = rest.substr(scheme.size());
  const size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos) {
    u.port = std::atoi(authority.c_str() + colon + 1);
    authority.resize(colon);
  }
  u.host = authority == "localhost" ? "127.0.0.1" : authority;
  return u;
}

/// Reads one HTTP/1.x response incrementally: feed() what arrives, body bytes
/// go to `on_body`, done() says when the response is complete. A response
/// without Content-Length nor chunked framing ends at the close (call
/// end_of_input()).
class ResponseReader {
 public:
  using BodyFn = std::function<void(std::string_view)>;

  explicit ResponseReader(BodyFn on_body = nullptr) : on_body_(std::move(on_body)) {}

  void reset() {
    state_ = State::head;
    head_.clear();
    status_ = 0;
    content_length_ = -1;
    chunked_ = false;
    keep_alive_ = true;
    left_ = 0;
    line_.clear();
    body_bytes_ = 0;
  }

  /// Returns the bytes of `data` it used: those after a complete response
  /// belong to the next one.
  size_t feed(const char* data, size_t n) {
    size_t i = 0;
    while (i < n && state_ != State::done && state_ != State::error) {
      switch (state_) {
        case State::head: {
          const size_t before = head_.size();
          head_.append(data + i, n - i);
          const size_t end = head_.find("\r\n\r\n", before > 3 ? before - 3 : 0);
          if (end == std::string::npos) {
            if (head_.size() > 65536) state_ = State::error;
            return n;
          }
          const size_t used_here = end + 4 - before;
          head_.resize(end + 4);
          i += used_here;
          parse_head();
          break;
        }
        case State::body_length: {
          const size_t take = std::min<size_t>(left_, n - i);
          body(data + i, take);
          i += take;
          left_ -= take;
          if (left_ == 0) state_ = State::done;
          break;
        }
        case State::body_close:
          body(data + i, n - i);
          i = n;
          break;
        case State::chunk_size:
        case State::chunk_end:
        case State::trailer: {
          const char* nl = static_cast<const char*>(std::memchr(data + i, '\n', n - i));
          if (nl == nullptr) {
            line_.append(data + i, n - i);
            return n;
          }
          line_.append(data + i, static_cast<size_t>(nl - (data + i)));
          i = static_cast<size_t>(nl - data) + 1;
          if (!line_.empty() && line_.back() == '\r') line_.pop_back();
          on_chunk_line();
          line_.clear();
          break;
        }
        case State::chunk_data: {
          const size_t take = std::min<size_t>(left_, n - i);
          body(data + i, take);
          i += take;
          left_ -= take;
          if (left_ == 0) state_ = State::chunk_end;
          break;
        }
        case State::done:
        case State::error:
          break;
      }
    }
    return i;
  }

  void end_of_input() {
    if (state_ == State::body_close) state_ = State::done;
    if (state_ != State::done) state_ = State::error;
  }

  bool done() const { return state_ == State::done; }
  bool failed() const { return state_ == State::error; }
  bool in_body() const { return state_ != State::head && state_ != State::error; }
  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  uint64_t body_bytes() const { return body_bytes_; }

 private:
  enum class State { head, body_length, body_close, chunk_size, chunk_data, chunk_end, trailer, done, error };

  static bool header_is(std::string_view line, std::string_view name) {
    if (line.size() <= name.size() || line[name.size()] != ':') return false;
    for (size_t k = 0; k < name.size(); ++k) {
      if (std::tolower(static_cast<unsigned char>(line[k])) != name[k]) return false;
    }
    return true;
  }

  void parse_head() {
    // "HTTP/1.1 200 OK"
    if (head_.compare(0, 5, "HTTP/") != 0 || head_.size() < 12) {
      state_ = State::error;
      return;
    }
    const bool http10 = head_.compare(0, 8, "HTTP/1.0") == 0;
    keep_alive_ = !http10;
    status_ = std::atoi(head_.c_str() + 9);
    size_t pos = head_.find("\r\n") + 2;
    while (pos < head_.size()) {
      const size_t end = head_.find("\r\n", pos);
      if (end == std::string::npos || end == pos) break;
      std::string_view line(head_.data() + pos, end - pos);
      auto value = [&] {
        std::string_view v = line.substr(line.find(':') + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        std::string lower(v);
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return lower;
      };
      if (header_is(line, "content-length")) content_length_ = std::atoll(value().c_str());
      if (header_is(line, "transfer-encoding") && value().find("chunked") != std::string::npos) chunked_ = true;
      if (header_is(line, "connection")) {
        const std::string v = value();
        if (v.find("close") != std::string::npos) keep_alive_ = false;
        if (v.find("keep-alive") != std::string::npos) keep_alive_ = true;
      }
      pos = end + 2;
    }
    if (chunked_) {
      state_ = State::chunk_size;
    } else if (content_length_ >= 0) {
      left_ = static_cast<uint64_t>(content_length_);
      state_ = left_ == 0 ? State::done : State::body_length;
    } else if (status_ == 204 || status_ == 304 || (status_ >= 100 && status_ < 200)) {
      state_ = State::done;
    } else {
      keep_alive_ = false;
      state_ = State::body_close;
    }
  }

  void on_chunk_line() {
    if (state_ == State::chunk_size) {
      left_ = std::strtoull(line_.c_str(), nullptr, 16);
      state_ = left_ == 0 ? State::trailer : State::chunk_data;
    } else if (state_ == State::chunk_end) {
      state_ = State::chunk_size;
    } else if (state_ == State::trailer) {
      if (line_.empty()) state_ = State::done;
    }
  }

  void body(const char* p, size_t n) {
    body_bytes_ += n;
    if (on_body_ && n > 0) on_body_(std::string_view(p, n));
  }

  BodyFn on_body_;
  State state_ = State::head;
  std::string head_;
  int status_ = 0;
  int64_t content_length_ = -1;
  bool chunked_ = false;
  bool keep_alive_ = true;
  uint64_t left_ = 0;
  std::string line_;
  uint64_t body_bytes_ = 0;
};

}  // namespace bench
