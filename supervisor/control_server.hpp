#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <simdjson.h>

#include "common/duration.hpp"
#include "common/result.hpp"
#include "common/os/uv_handles.hpp"
#include "common/os/uv_stream.hpp"
#include "ipc/line_framer.hpp"
#include "ipc/messages.hpp"

namespace reship::supervisor {

/// One client of the control socket. Replies may be sent long after the
/// request (a restart takes seconds) and after the client has gone, in which
/// case they are dropped: a restart goes on to its end either way.
class ControlConnection : public std::enable_shared_from_this<ControlConnection> {
 public:
  /// A client that lets this much output pile up unread is disconnected.
  static constexpr size_t kMaxQueued = 1024 * 1024;
  /// Past this much unsent output, its requests wait (reading stops) until
  /// the client has read the replies: a pipelining client is slowed, never
  /// cut off.
  static constexpr size_t kHighWater = 256 * 1024;
  /// How long a finished connection waits for its client to close.
  static constexpr common::Millis kLinger{1000};

  explicit ControlConnection(common::uv::Stream stream) : stream_(std::move(stream)) {}

  bool open() const { return stream_.is_open(); }
  /// Sends one encoded line; a no-op once the client is gone.
  void send(std::string line);
  void send(const std::optional<std::string>& id, const ipc::ReplyBody& body) { send(ipc::encode_reply(id, body)); }
  void send_error(const std::optional<std::string>& id, const char* code, std::string message) {
    send(id, ipc::ErrorReply{code, std::move(message)});
  }
  /// Flushes what is queued, then closes. The connection keeps itself alive
  /// until then.
  void finish();
  void close();
  /// Runs once, when the connection has closed.
  void on_closed(std::function<void()> fn) { on_closed_ = std::move(fn); }

  /// A request that will answer later (a restart) keeps a half-closed
  /// connection open until its last reply: begin_request() when it starts,
  /// end_request() after its final reply.
  void begin_request() { ++in_flight_; }
  void end_request();
  /// The client will send nothing more: close once nothing is in flight.
  void input_ended();

  common::uv::Stream& stream() { return stream_; }
  ipc::LineFramer& framer() { return framer_; }
  /// Bytes read but not yet handled while the replies catch up.
  std::string& backlog() { return backlog_; }
  bool paused = false;

 private:
  std::string backlog_;
  common::uv::Stream stream_;
  ipc::LineFramer framer_;
  std::function<void()> on_closed_;
  int in_flight_ = 0;
  bool input_ended_ = false;
  bool finishing_ = false;
  std::unique_ptr<common::uv::Timer> linger_;
};

/// The control socket (contract 2): accepts connections from allowed users,
/// frames lines, decodes requests and hands them to the supervisor. Errors in
/// the input are answered here; every connection survives them but an
/// over-long line, which closes it.
class ControlServer {
 public:
  using RequestFn = std::function<void(const std::shared_ptr<ControlConnection>&, const ipc::Request&)>;

  ControlServer(uv_loop_t* loop, RequestFn on_request);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  /// Binds `path` with `mode`. A stale socket left by a dead supervisor is
  /// replaced; a live one is not ("a supervisor is already running").
  common::Result<void> listen(const std::string& path, unsigned mode, std::vector<uid_t> allowed_uids);
  /// Stops accepting, removes the socket file if it is still ours, and
  /// flushes then closes every connection.
  void close();
  size_t connections() const { return connections_.size(); }
  /// Who may connect from now on (a reload's [supervisor] allow_uids);
  /// connections already open stay.
  void allow(std::vector<uid_t> uids) { allowed_uids_ = std::move(uids); }

 private:
  common::Result<void> bind();
  void on_dir_change(std::string_view name);
  void on_accept(common::uv::Stream stream);
  void on_data(const std::shared_ptr<ControlConnection>& conn, std::string_view data);
  void start_reading(const std::shared_ptr<ControlConnection>& conn);
  /// Handles the backlog's requests until it is empty or the replies back up.
  void handle_backlog(const std::shared_ptr<ControlConnection>& conn);
  void remove(const ControlConnection* conn);

  uv_loop_t* loop_;
  RequestFn on_request_;
  common::uv::Listener listener_;
  common::uv::FsEvent watch_;
  std::string path_;
  unsigned mode_ = 0600;
  ino_t inode_ = 0;
  std::vector<uid_t> allowed_uids_;
  std::vector<std::shared_ptr<ControlConnection>> connections_;
  simdjson::dom::parser parser_;
};

}  // namespace reship::supervisor
