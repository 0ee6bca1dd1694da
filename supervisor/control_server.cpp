#include "supervisor/control_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "common/os/socket_path.hpp"
#include "ipc/blocking_client.hpp"

namespace reship::supervisor {

void ControlConnection::send(std::string line) {
  if (!stream_.is_open()) return;
  if (stream_.write_queue_size() > kMaxQueued) {
    spdlog::warn("control: a client left {} bytes unread; disconnecting it", stream_.write_queue_size());
    close();
    return;
  }
  stream_.write(std::move(line));
}

void ControlConnection::finish() {
  if (!stream_.is_open() || finishing_) return;
  finishing_ = true;
  auto self = shared_from_this();
  if (!input_ended_) {
    // Read on, dropping what the client still sends: closing a Unix socket
    // with unread input resets it, and the client would lose the last reply.
    stream_.read_start([](std::string_view) {}, [self](int) { self->close(); });
  }
  stream_.shutdown([self](int) {
    if (self->input_ended_ || !self->stream_.is_open()) {
      self->close();
      return;
    }
    // Wait for the client to close its side, but not forever.
    self->linger_ = std::make_unique<common::uv::Timer>(self->stream_.handle()->loop);
    self->linger_->start(kLinger, [self] { self->close(); });
  });
}

void ControlConnection::end_request() {
  if (--in_flight_ == 0 && input_ended_) finish();
}

void ControlConnection::input_ended() {
  input_ended_ = true;
  if (in_flight_ == 0) finish();
}

void ControlConnection::close() {
  linger_.reset();
  stream_.close();
  if (auto fn = std::move(on_closed_)) fn();
}

ControlServer::ControlServer(uv_loop_t* loop, RequestFn on_request)
    : loop_(loop), on_request_(std::move(on_request)), watch_(loop) {}

ControlServer::~ControlServer() { close(); }

namespace {

// Decides what to do about something already at the socket path.
common::Result<void> clear_socket_path(const std::string& path) {
  auto found = common::claim_socket_path(path);
  if (!found) return std::move(found).error();
  switch (*found) {
    case common::SocketPath::absent:
      return {};
    case common::SocketPath::stale:
      // Nobody answers: the socket file was left by a supervisor that died.
      spdlog::info("control: removed the stale socket {}", path);
      return {};
    case common::SocketPath::not_a_socket:
      return common::Error{"cannot bind " + path +
                           ": it exists and is not a socket; remove it or set another [supervisor] socket"};
    case common::SocketPath::live:
      break;
  }
  std::string who = "another process is listening there";
  if (auto client = ipc::BlockingClient::connect(path)) {
    auto hello = client->request(ipc::encode_hello_request("probe", "reship-supervisor"), "probe", nullptr,
                                 common::Millis(1000));
    if (hello) {
      if (const auto* h = hello->as<ipc::HelloReply>()) who = "pid " + std::to_string(h->pid);
    }
  }
  return common::Error{"cannot bind " + path + ": a supervisor is already running (" + who +
                       "); stop it first, or set another [supervisor] socket"};
}

}  // namespace

common::Result<void> ControlServer::listen(const std::string& path, unsigned mode, std::vector<uid_t> allowed_uids) {
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::filesystem::create_directories(dir, ec);
  if (ec) return common::Error{"cannot create the folder of " + path + ": " + ec.message()};
  auto cleared = clear_socket_path(path);
  if (!cleared) return cleared;
  path_ = path;
  mode_ = mode;
  allowed_uids_ = std::move(allowed_uids);
  if (auto bound = bind(); !bound) return bound;
  // Someone removing the socket file (a cleanup job, a careless rm) would
  // cut every client off for good: notice it and bind again.
  if (auto watching = watch_.start(dir.string(), [this](std::string_view name) { on_dir_change(name); });
      !watching) {
    // Serving goes on; only that repair is lost, and the operator is told.
    spdlog::warn("cannot watch {} ({}): if the socket file is removed, restart the supervisor to bind it again "
                 "(or raise fs.inotify.max_user_instances / max_user_watches)",
                 dir.string(), watching.error().message);
  }
  return {};
}

common::Result<void> ControlServer::bind() {
  auto listener = common::uv::Listener::unix_socket(loop_, path_, mode_,
                                                    [this](common::uv::Stream conn) { on_accept(std::move(conn)); });
  if (!listener) return std::move(listener).error();
  listener_ = std::move(*listener);
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) inode_ = st.st_ino;
  return {};
}

void ControlServer::on_dir_change(std::string_view name) {
  if (!listener_.is_open() || name != std::filesystem::path(path_).filename().string()) return;
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && st.st_ino == inode_) return;  // still ours
  if (::lstat(path_.c_str(), &st) == 0) {
    spdlog::warn("control: {} was replaced by something else; leaving it alone", path_);
    return;
  }
  spdlog::warn("control: the socket {} was removed; creating it again", path_);
  listener_.close();
  if (auto bound = bind(); !bound) spdlog::error("control: {}", bound.error().message);
}

void ControlServer::close() {
  watch_.stop();
  if (listener_.is_open()) {
    listener_.close();
    // Remove the file only if it is still the one this server created.
    struct stat st {};
    if (!path_.empty() && ::stat(path_.c_str(), &st) == 0 && st.st_ino == inode_) ::unlink(path_.c_str());
  }
  auto connections = std::move(connections_);
  connections_.clear();
  for (auto& conn : connections) {
    conn->on_closed(nullptr);
    conn->finish();
  }
}

void ControlServer::on_accept(common::uv::Stream stream) {
  const int uid = stream.peer_uid();
  const bool allowed = uid == 0 || uid == static_cast<int>(::geteuid()) ||
                       std::find(allowed_uids_.begin(), allowed_uids_.end(), static_cast<uid_t>(uid)) !=
                           allowed_uids_.end();
  auto conn = std::make_shared<ControlConnection>(std::move(stream));
  if (!allowed) {
    spdlog::warn("control: refused a client with uid {} (allow it with [supervisor] allow_uids)", uid);
    conn->send_error(std::nullopt, ipc::code::forbidden,
                     "uid " + std::to_string(uid) + " may not use this socket (see [supervisor] allow_uids)");
    conn->finish();
    return;
  }
  connections_.push_back(conn);
  conn->on_closed([this, raw = conn.get()] { remove(raw); });
  start_reading(conn);
}

void ControlServer::start_reading(const std::shared_ptr<ControlConnection>& conn) {
  std::weak_ptr<ControlConnection> weak = conn;
  conn->stream().read_start(
      [this, weak](std::string_view data) {
        if (auto c = weak.lock()) on_data(c, data);
      },
      [weak](int status) {
        auto c = weak.lock();
        if (!c) return;
        if (status == UV_EOF) {
          c->input_ended();  // a half-close: answer what was asked, then close
        } else {
          c->close();
        }
      });
}

void ControlServer::on_data(const std::shared_ptr<ControlConnection>& conn, std::string_view data) {
  conn->backlog().append(data);
  handle_backlog(conn);
}

void ControlServer::handle_backlog(const std::shared_ptr<ControlConnection>& conn) {
  std::string& backlog = conn->backlog();
  size_t pos = 0;
  while (pos < backlog.size()) {
    // One line at a time, so that handling can stop between two of them.
    const size_t nl = backlog.find('\n', pos);
    const size_t end = nl == std::string::npos ? backlog.size() : nl + 1;
    const std::string_view chunk = std::string_view(backlog).substr(pos, end - pos);
    pos = end;
    const auto status = conn->framer().feed(chunk, [&](std::string_view line) {
      auto decoded = ipc::decode_request(parser_, line);
      if (auto* error = std::get_if<ipc::RequestError>(&decoded)) {
        conn->send_error(error->id, error->code.c_str(), error->message);
      } else {
        on_request_(conn, std::get<ipc::Request>(decoded));
      }
      return conn->open();
    });
    if (status == ipc::LineFramer::Status::too_long) {
      backlog.clear();
      conn->send_error(std::nullopt, ipc::code::line_too_long,
                       "a line is longer than 64 KiB; closing the connection");
      conn->finish();
      return;
    }
    if (!conn->open()) return;
    if (pos < backlog.size() && conn->stream().held_bytes() > ControlConnection::kHighWater) {
      // The client reads slower than it asks: wait for it.
      backlog.erase(0, pos);
      if (!conn->paused) {
        conn->paused = true;
        conn->stream().read_stop();
      }
      std::weak_ptr<ControlConnection> weak = conn;
      conn->stream().on_drain([this, weak] {
        if (auto c = weak.lock(); c && c->open()) {
          c->stream().on_drain(nullptr);
          handle_backlog(c);
        }
      });
      return;
    }
  }
  backlog.clear();
  if (conn->paused) {
    conn->paused = false;
    start_reading(conn);
  }
}

void ControlServer::remove(const ControlConnection* conn) {
  connections_.erase(std::remove_if(connections_.begin(), connections_.end(),
                                    [conn](const auto& c) { return c.get() == conn; }),
                     connections_.end());
}

}  // namespace reship::supervisor
