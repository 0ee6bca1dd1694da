#include "common/os/uv_stream.hpp"

#include <linux/filter.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <iterator>
#include <utility>

namespace reship::common::uv {

struct Stream::State {
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
    uv_tty_t tty;
  } h;
  DataFn on_data;
  EndFn on_end;
  std::function<void()> on_drain;
  bool closed = false;
  bool ended = false;   // reported to the owner (EOF or error)
  bool broken = false;  // an error: nothing more can be written
  size_t held = 0;      // bytes of writes not called back yet

  // Reports the end once, unless the owner has closed the stream already.
  // EOF only ends the peer's writing: a half-closed peer still reads, so
  // writes stay possible until an error.
  void end(int status) {
    if (status != UV_EOF) broken = true;
    if (closed || ended) return;
    ended = true;
    if (on_end) {
      auto fn = on_end;  // a copy: the callback may destroy the owner
      fn(status);
    }
  }
};

namespace {

// One read buffer per thread: libuv calls alloc, read and the read callback
// back to back, and the callback consumes the data before returning, so a
// connection costs no buffer memory while it is idle.
thread_local char tls_read_buffer[256 * 1024];

struct WriteReq {
  uv_write_t req;
  Stream::State* state;
  std::string owned;
  std::shared_ptr<const std::string> shared;
  size_t size = 0;
};

struct ConnectReq {
  uv_connect_t req;
  Stream::State* state;
  Stream::DoneFn done;
};

struct ShutdownReq {
  uv_shutdown_t req;
  Stream::State* state;
  Stream::DoneFn done;
};

void on_write(uv_write_t* req, int status) {
  auto* w = reinterpret_cast<WriteReq*>(req);
  Stream::State* s = w->state;
  s->held -= w->size;
  delete w;
  if (s->closed) return;
  if (status < 0) {
    s->end(status);
    return;
  }
  if (s->held == 0 && s->on_drain) {
    auto fn = s->on_drain;
    fn();
  }
}

void on_connect(uv_connect_t* req, int status) {
  auto* c = reinterpret_cast<ConnectReq*>(req);
  auto done = std::move(c->done);
  const bool closed = c->state->closed;
  delete c;
  if (!closed && done) done(status);
}

void on_shutdown(uv_shutdown_t* req, int status) {
  auto* r = reinterpret_cast<ShutdownReq*>(req);
  auto done = std::move(r->done);
  const bool closed = r->state->closed;
  delete r;
  if (!closed && done) done(status);
}

bool queue_write(Stream::State* s, WriteReq* w, const std::string& bytes) {
  if (s == nullptr || s->closed || s->broken) {
    delete w;
    return false;
  }
  w->state = s;
  uv_buf_t buf = uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
  const int rc = uv_write(&w->req, &s->h.stream, &buf, 1, on_write);
  if (rc != 0) {
    delete w;
    s->end(rc);
    return false;
  }
  w->size = bytes.size();
  s->held += w->size;
  return true;
}

}  // namespace

Stream::Stream(Stream&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}

Stream& Stream::operator=(Stream&& other) noexcept {
  if (this != &other) {
    close();
    state_ = std::exchange(other.state_, nullptr);
  }
  return *this;
}

Stream Stream::tcp(uv_loop_t* loop) {
  auto* s = new State;
  uv_tcp_init(loop, &s->h.tcp);
  s->h.handle.data = s;
  return Stream(s);
}

Stream Stream::unix_socket(uv_loop_t* loop) {
  auto* s = new State;
  uv_pipe_init(loop, &s->h.pipe, 0);
  s->h.handle.data = s;
  return Stream(s);
}

Result<Stream> Stream::open_fd(uv_loop_t* loop, int fd) {
  auto* s = new State;
  uv_pipe_init(loop, &s->h.pipe, 0);
  s->h.handle.data = s;
  const int rc = uv_pipe_open(&s->h.pipe, fd);
  Stream stream(s);
  if (rc != 0) {
    ::close(fd);
    return Error{std::string("cannot watch pipe: ") + uv_strerror(rc), -rc};
  }
  return stream;
}

Result<Stream> Stream::open_tty(uv_loop_t* loop, int fd) {
  auto* s = new State;
  const int rc = uv_tty_init(loop, &s->h.tty, fd, 0);
  if (rc != 0) {
    delete s;
    ::close(fd);
    return Error{std::string("cannot use terminal: ") + uv_strerror(rc), -rc};
  }
  s->h.handle.data = s;
  return Stream(s);
}

void Stream::connect_unix(const std::string& path, DoneFn done) {
  auto* c = new ConnectReq{{}, state_, std::move(done)};
  uv_pipe_connect(&c->req, &state_->h.pipe, path.c_str(), on_connect);
}

void Stream::connect_tcp(const sockaddr* addr, DoneFn done) {
  auto* c = new ConnectReq{{}, state_, std::move(done)};
  const int rc = uv_tcp_connect(&c->req, &state_->h.tcp, addr, on_connect);
  if (rc != 0) {
    auto fn = std::move(c->done);
    delete c;
    if (fn) fn(rc);
  }
}

void Stream::read_start(DataFn on_data, EndFn on_end) {
  state_->on_data = std::move(on_data);
  state_->on_end = std::move(on_end);
  uv_read_start(
      &state_->h.stream,
      [](uv_handle_t*, size_t, uv_buf_t* buf) { *buf = uv_buf_init(tls_read_buffer, sizeof tls_read_buffer); },
      [](uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
        auto* s = static_cast<State*>(stream->data);
        if (s->closed) return;
        if (nread > 0) {
          if (s->on_data) {
            auto fn = s->on_data;  // a copy: the callback may destroy the owner
            fn(std::string_view(buf->base, static_cast<size_t>(nread)));
          }
        } else if (nread < 0) {
          uv_read_stop(stream);
          s->end(static_cast<int>(nread));
        }
      });
}

void Stream::read_stop() {
  if (state_ != nullptr) uv_read_stop(&state_->h.stream);
}

bool Stream::write(std::string data) {
  if (data.empty()) return state_ != nullptr && !state_->closed;
  auto* w = new WriteReq{{}, nullptr, std::move(data), nullptr};
  return queue_write(state_, w, w->owned);
}

bool Stream::write_shared(std::shared_ptr<const std::string> data) {
  if (!data || data->empty()) return state_ != nullptr && !state_->closed;
  auto* w = new WriteReq{{}, nullptr, {}, std::move(data)};
  return queue_write(state_, w, *w->shared);
}

void Stream::on_drain(std::function<void()> fn) {
  state_->on_drain = std::move(fn);
}

size_t Stream::write_queue_size() const {
  return state_ ? state_->h.stream.write_queue_size : 0;
}

size_t Stream::held_bytes() const {
  return state_ ? state_->held : 0;
}

void Stream::shutdown(DoneFn done) {
  if (state_ == nullptr || state_->closed) return;
  auto* r = new ShutdownReq{{}, state_, std::move(done)};
  const int rc = uv_shutdown(&r->req, &state_->h.stream, on_shutdown);
  if (rc != 0) {
    auto fn = std::move(r->done);
    delete r;
    if (fn) fn(rc);
  }
}

void Stream::close() {
  if (state_ == nullptr) return;
  State* s = std::exchange(state_, nullptr);
  s->closed = true;
  // The callbacks are freed with the state in the close callback: one of them
  // may be running right now.
  uv_close(&s->h.handle, [](uv_handle_t* h) { delete static_cast<State*>(h->data); });
}

int Stream::peer_uid() const {
  if (state_ == nullptr) return -1;
  uv_os_fd_t fd;
  if (uv_fileno(&state_->h.handle, &fd) != 0) return -1;
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
  return static_cast<int>(cred.uid);
}

uv_stream_t* Stream::handle() const {
  return state_ ? &state_->h.stream : nullptr;
}

// ---- Listener ------------------------------------------------------------

struct Listener::State {
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } h;
  AcceptFn on_accept;
  bool is_tcp = false;
  bool closed = false;
};

namespace {

void on_connection(uv_stream_t* server, int status) {
  auto* s = static_cast<Listener::State*>(server->data);
  if (s->closed || status < 0) return;
  Stream conn = s->is_tcp ? Stream::tcp(server->loop) : Stream::unix_socket(server->loop);
  if (uv_accept(server, conn.handle()) != 0) return;
  if (s->on_accept) {
    auto fn = s->on_accept;
    fn(std::move(conn));
  }
}

void close_listener(Listener::State* s) {
  s->closed = true;
  uv_close(&s->h.handle, [](uv_handle_t* h) { delete static_cast<Listener::State*>(h->data); });
}

constexpr int kBacklog = 511;

}  // namespace

Listener::Listener(Listener&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}

Listener& Listener::operator=(Listener&& other) noexcept {
  if (this != &other) {
    close();
    state_ = std::exchange(other.state_, nullptr);
  }
  return *this;
}

Result<Listener> Listener::tcp(uv_loop_t* loop, const std::string& host, int port, AcceptFn on_accept) {
  sockaddr_storage addr{};
  int rc = host.find(':') != std::string::npos ? uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr))
                                               : uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) return Error{"bad listen address \"" + host + "\": use an IP address like 127.0.0.1 or ::1"};
  auto* s = new State;
  s->is_tcp = true;
  s->on_accept = std::move(on_accept);
  uv_tcp_init(loop, &s->h.tcp);
  s->h.handle.data = s;
  rc = uv_tcp_bind(&s->h.tcp, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(&s->h.stream, kBacklog, on_connection);
  if (rc != 0) {
    close_listener(s);
    const std::string where = host + ":" + std::to_string(port);
    if (rc == UV_EADDRINUSE) {
      return Error{"cannot listen on " + where + ": address already in use (is another reship-back running?)", -rc};
    }
    return Error{"cannot listen on " + where + ": " + uv_strerror(rc), -rc};
  }
  return Listener(s);
}

Result<Listener> Listener::unix_socket(uv_loop_t* loop, const std::string& path, unsigned mode, AcceptFn on_accept) {
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return Error{"cannot listen on " + path + ": the path is " + std::to_string(path.size()) +
                 " bytes, longer than a Unix socket allows (" + std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                 "); choose a shorter path"};
  }
  auto* s = new State;
  s->on_accept = std::move(on_accept);
  uv_pipe_init(loop, &s->h.pipe, 0);
  s->h.handle.data = s;
  // Create the socket with its final mode so that it is never reachable by
  // more users than configured, not even between bind() and chmod().
  const mode_t old_umask = ::umask(static_cast<mode_t>(~mode & 0777));
  int rc = uv_pipe_bind(&s->h.pipe, path.c_str());
  ::umask(old_umask);
  if (rc == 0 && ::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) rc = -errno;
  if (rc == 0) rc = uv_listen(&s->h.stream, kBacklog, on_connection);
  if (rc != 0) {
    close_listener(s);
    return Error{"cannot listen on " + path + ": " + uv_strerror(rc), -rc};
  }
  return Listener(s);
}

int Listener::port() const {
  if (state_ == nullptr || !state_->is_tcp) return 0;
  sockaddr_storage addr{};
  int len = sizeof addr;
  if (uv_tcp_getsockname(&state_->h.tcp, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

void Listener::refuse_new() {
  if (state_ == nullptr || state_->closed || !state_->is_tcp) return;
  uv_os_fd_t fd = -1;
  if (uv_fileno(&state_->h.handle, &fd) != 0) return;
  // A socket filter on the listener sees each segment from the TCP header
  // on: it drops a segment that opens a connection (SYN without ACK) and
  // keeps the rest, so that handshakes already under way complete.
  sock_filter only_established[] = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),  // the flags byte
      BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),  // SYN | ACK
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0),
      BPF_STMT(BPF_RET | BPF_K, 0xFFFFFFFF),
  };
  sock_fprog program{static_cast<unsigned short>(std::size(only_established)), only_established};
  (void)::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program);
}

void Listener::close() {
  if (state_ == nullptr) return;
  close_listener(std::exchange(state_, nullptr));
}

}  // namespace reship::common::uv
