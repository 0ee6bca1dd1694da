#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace reship::common::uv {

/// An owned libuv stream: a TCP socket, a Unix socket or a pipe fd.
///
/// Data arrives through the read callback as a view valid only during the
/// call. Writes are queued by libuv; `write_queue_size()` tells how much is
/// still waiting for the other end and `held_bytes()` how much memory the
/// writes still hold, which is how callers bound it for slow readers. The end
/// callback runs once, with UV_EOF or an error, on the first of: end of input,
/// a read error, a write error. Destroying the Stream closes it; no callback
/// runs after that, even from inside one of its callbacks.
class Stream {
 public:
  using DataFn = std::function<void(std::string_view data)>;
  using EndFn = std::function<void(int status)>;
  using DoneFn = std::function<void(int status)>;

  Stream() = default;
  ~Stream() { close(); }
  Stream(Stream&& other) noexcept;
  Stream& operator=(Stream&& other) noexcept;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  static Stream tcp(uv_loop_t* loop);
  static Stream unix_socket(uv_loop_t* loop);
  /// Takes ownership of `fd` (a pipe or socket), which is made non-blocking.
  static Result<Stream> open_fd(uv_loop_t* loop, int fd);
  /// Takes ownership of `fd` (a terminal) for writing. libuv reopens the
  /// terminal so that making it non-blocking affects no other process.
  static Result<Stream> open_tty(uv_loop_t* loop, int fd);

  /// Connects a stream made by unix_socket(); `done` gets 0 or a libuv error.
  void connect_unix(const std::string& path, DoneFn done);
  /// Connects a stream made by tcp(); `done` gets 0 or a libuv error.
  void connect_tcp(const sockaddr* addr, DoneFn done);

  void read_start(DataFn on_data, EndFn on_end);
  void read_stop();

  /// Queues bytes for writing. Returns false when the stream is closed or
  /// broken (the end callback reports why).
  bool write(std::string data);
  /// Queues a buffer shared with other streams (one event to many subscribers).
  bool write_shared(std::shared_ptr<const std::string> data);
  /// Called when every write has completed and been called back.
  void on_drain(std::function<void()> fn);

  /// Bytes waiting for the other end to read them.
  size_t write_queue_size() const;
  /// Bytes of the writes not called back yet: those waiting for the other
  /// end, and those the kernel took but whose callback comes on the next
  /// loop turn (a fast reader empties libuv's queue at once, yet a writer
  /// that loops until that queue fills holds everything it wrote).
  size_t held_bytes() const;
  /// Half-closes after pending writes; `done` (optional) runs after that.
  void shutdown(DoneFn done = nullptr);
  void close();
  bool is_open() const { return state_ != nullptr; }
  /// Peer uid of a connected Unix socket, or -1.
  int peer_uid() const;
  uv_stream_t* handle() const;

  struct State;

 private:
  explicit Stream(State* state) : state_(state) {}
  State* state_ = nullptr;
  friend class Listener;
};

/// A listening TCP or Unix socket that hands each accepted connection over as
/// a Stream.
class Listener {
 public:
  using AcceptFn = std::function<void(Stream conn)>;

  Listener() = default;
  ~Listener() { close(); }
  Listener(Listener&& other) noexcept;
  Listener& operator=(Listener&& other) noexcept;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  /// Binds HOST:PORT ("127.0.0.1", 7070; port 0 picks a free one).
  static Result<Listener> tcp(uv_loop_t* loop, const std::string& host, int port, AcceptFn on_accept);
  /// Binds a Unix socket at `path` (which must not exist) with file mode `mode`.
  static Result<Listener> unix_socket(uv_loop_t* loop, const std::string& path, unsigned mode, AcceptFn on_accept);

  /// The port actually bound (TCP only).
  int port() const;
  /// For a server that stops: the kernel queues no new connection, while
  /// those already queued or under way are still accepted. A TCP listener
  /// drops new handshakes (their clients send the SYN again a second later
  /// and find the next listener, or none: "connection refused"); handshakes
  /// under way complete. A Unix socket's path is the caller's to remove.
  /// Closing a listener resets the connections still queued on it, whose
  /// clients would never hear why: stop queueing, let those under way
  /// arrive, then close.
  void refuse_new();
  /// Stops accepting and closes the socket.
  void close();
  bool is_open() const { return state_ != nullptr; }

  struct State;

 private:
  explicit Listener(State* state) : state_(state) {}
  State* state_ = nullptr;
};

/// "connection refused" for UV_ECONNREFUSED, and so on: libuv's message.
inline std::string uv_error_text(int status) {
  return uv_strerror(status);
}

}  // namespace reship::common::uv
