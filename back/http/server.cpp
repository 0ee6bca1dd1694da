#include "back/http/server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "back/http/connection.hpp"
#include "common/os/socket_path.hpp"

namespace reship::http {
namespace {

using common::Error;
using common::Result;

// Connections being refused (503) at once beyond max_connections; more
// than this are closed without an answer.
constexpr size_t kMaxRejecting = 64;

}  // namespace

HttpServer::HttpServer(uv_loop_t* loop, Handler handler, Options options)
    : ctx_(std::make_unique<ServerContext>(loop, options, std::move(handler))), grace_timer_(loop), settle_timer_(loop) {}

void HttpServer::set_limits(std::chrono::milliseconds header_timeout, std::chrono::milliseconds idle_timeout,
                            size_t max_connections) {
  ctx_->options.header_timeout = header_timeout;
  ctx_->options.idle_timeout = idle_timeout;
  ctx_->options.max_connections = max_connections;
}

HttpServer::~HttpServer() {
  close_listeners();
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(ctx_->connections.size());
  for (const auto& entry : ctx_->connections) all.push_back(entry.second);
  ctx_->on_drained = nullptr;
  for (const auto& connection : all) connection->abort(false);
  all.clear();
  ctx_->connections.clear();
}

Result<void> HttpServer::listen(std::string_view address, unsigned unix_mode) {
  if (address.starts_with("unix:")) return listen_unix(std::string(address.substr(5)), unix_mode);
  if (!address.empty() && address.front() == '/') return listen_unix(std::string(address), unix_mode);
  const std::string text(address);
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) {
    return Error{"bad listen address \"" + text + "\": use HOST:PORT (like 127.0.0.1:7070) or unix:PATH"};
  }
  std::string host(address.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  int port = 0;
  for (const char c : address.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) {
      return Error{"bad listen address \"" + text + "\": the port must be a number from 0 to 65535"};
    }
    port = port * 10 + (c - '0');
  }
  if (port > 65535) return Error{"bad listen address \"" + text + "\": the port must be a number from 0 to 65535"};
  return listen_tcp(host, port);
}

Result<void> HttpServer::listen_tcp(const std::string& host, int port) {
  if (ctx_->shutting_down) return Error{"cannot listen: the server is shutting down"};
  auto listener = common::uv::Listener::tcp(ctx_->loop, host, port,
                                            [this](common::uv::Stream stream) { accept(std::move(stream), false); });
  if (!listener) return std::move(listener).error();
  ports_.push_back(listener->port());
  spdlog::debug("http: listening on {}:{}", host, ports_.back());
  listeners_.push_back(std::move(listener).value());
  return {};
}

Result<void> HttpServer::listen_unix(const std::string& path, unsigned mode) {
  if (ctx_->shutting_down) return Error{"cannot listen: the server is shutting down"};
  // A socket file left behind by a process that died is removed.
  auto found = common::claim_socket_path(path);
  if (!found) return std::move(found).error();
  if (*found == common::SocketPath::not_a_socket) {
    return Error{"cannot listen on " + path +
                 ": a file that is not a socket is in the way; move it or choose another path"};
  }
  if (*found == common::SocketPath::live) {
    return Error{"cannot listen on " + path +
                 ": another process is listening there (is another reship-back running?)"};
  }
  struct stat st {};
  auto listener = common::uv::Listener::unix_socket(
      ctx_->loop, path, mode, [this](common::uv::Stream stream) { accept(std::move(stream), true); });
  if (!listener) return std::move(listener).error();
  if (::lstat(path.c_str(), &st) == 0) unix_files_.push_back({path, st.st_dev, st.st_ino});
  spdlog::debug("http: listening on unix:{}", path);
  listeners_.push_back(std::move(listener).value());
  return {};
}

void HttpServer::close_listeners() {
  for (auto& listener : listeners_) listener.close();
  listeners_.clear();
  remove_unix_files();
}

void HttpServer::remove_unix_files() {
  for (const auto& file : unix_files_) {
    // Remove the file only if it is still ours: a successor may have
    // replaced it already.
    struct stat st {};
    if (::lstat(file.path.c_str(), &st) == 0 && st.st_dev == file.device && st.st_ino == file.inode) {
      ::unlink(file.path.c_str());
    }
  }
  unix_files_.clear();
}

void HttpServer::accept(common::uv::Stream stream, bool unix_peer) {
  ServerContext& ctx = *ctx_;
  if (ctx.shutting_down) {
    // Taken from the backlog as the listener closes: its request is
    // answered 503 (or it is closed gracefully if none comes).
    auto connection = std::make_shared<Connection>(ctx, std::move(stream), unix_peer);
    ctx.connections.emplace(connection.get(), connection);
    connection->start();
    connection->begin_shutdown();
    return;
  }
  const size_t open = ctx.connections.size() - ctx.rejecting;
  if (open >= ctx.options.max_connections && ctx.rejecting >= kMaxRejecting) {
    spdlog::debug("http: refused a connection without an answer: too many open");
    return;
  }
  auto connection = std::make_shared<Connection>(ctx, std::move(stream), unix_peer);
  ctx.connections.emplace(connection.get(), connection);
  if (open >= ctx.options.max_connections) {
    spdlog::debug("http: refused a connection: {} open", open);
    connection->reject();
    return;
  }
  connection->start();
}

void HttpServer::shutdown(std::chrono::milliseconds grace, std::function<void()> done) {
  ServerContext& ctx = *ctx_;
  if (done) done_.push_back(std::move(done));
  if (ctx.shutting_down) {
    if (shutdown_finished_) ctx.schedule_drained();  // a late caller still hears back
    return;
  }
  spdlog::debug("http: shutting down, {} connections open, grace {} ms", ctx.connections.size(), grace.count());
  ctx.shutting_down = true;
  // Closing a listener resets the connections still queued on it. So the
  // listeners take no new connection (a Unix socket's path goes first) but
  // stay open a moment, accepting those already queued or under way, each
  // answered 503 as it starts in shutdown mode; they close at the end.
  remove_unix_files();
  for (auto& listener : listeners_) listener.refuse_new();
  settle_timer_.start(ctx.options.listener_settle, [this] {
    settled_ = true;
    if (ctx_->connections.empty()) finish_shutdown();
  });
  ctx.on_drained = [this] {
    if (settled_) finish_shutdown();
  };
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(ctx.connections.size());
  for (const auto& entry : ctx.connections) all.push_back(entry.second);
  for (const auto& connection : all) connection->begin_shutdown();
  all.clear();
  grace_timer_.start(grace, [this] {
    std::vector<std::shared_ptr<Connection>> left;
    for (const auto& entry : ctx_->connections) left.push_back(entry.second);
    spdlog::debug("http: grace period over, closing {} connections", left.size());
    for (const auto& connection : left) connection->abort(true);
    left.clear();
    finish_shutdown();
  });
}

void HttpServer::finish_shutdown() {
  if (shutdown_finished_ && done_.empty()) return;
  shutdown_finished_ = true;
  grace_timer_.stop();
  settle_timer_.stop();
  close_listeners();
  auto callbacks = std::move(done_);
  done_.clear();
  // A callback may destroy this server: touch no member after the calls.
  for (auto& fn : callbacks) fn();
}

bool HttpServer::shutting_down() const {
  return ctx_->shutting_down;
}

size_t HttpServer::connection_count() const {
  return ctx_->connections.size();
}

}  // namespace reship::http
