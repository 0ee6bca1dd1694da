#include "ipc/async_client.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <utility>
#include <vector>

namespace reship::ipc {

AsyncClient::AsyncClient(uv_loop_t* loop, std::string socket_path, std::string client_name)
    : loop_(loop), socket_path_(std::move(socket_path)), client_name_(std::move(client_name)) {}

AsyncClient::~AsyncClient() = default;

std::string AsyncClient::send(const std::function<std::string(std::string_view id)>& make_line, Handlers handlers,
                              common::Millis timeout) {
  const std::string id = "c" + std::to_string(next_id_++);
  Pending pending{std::move(handlers), std::make_unique<common::uv::Timer>(loop_)};
  pending.timer->start(timeout, [this, id, timeout] { time_out(id, timeout); });
  requests_.emplace(id, std::move(pending));
  write_line(make_line(id));
  return id;
}

void AsyncClient::cancel(const std::string& id) { requests_.erase(id); }

void AsyncClient::write_line(std::string line) {
  if (state_ == State::connected) {
    stream_.write(std::move(line));
    return;
  }
  queued_ += line;
  if (state_ == State::disconnected) connect();
}

void AsyncClient::connect() {
  state_ = State::connecting;
  stream_ = common::uv::Stream::unix_socket(loop_);
  stream_.connect_unix(socket_path_, [this](int status) { on_connected(status); });
}

void AsyncClient::on_connected(int status) {
  if (status != 0) {
    const std::string reason = common::uv::uv_error_text(status);
    drop_connection();
    fail_all(common::Error{"cannot reach reship-supervisor at " + socket_path_ + ": " + reason, -status});
    return;
  }
  state_ = State::connected;
  stream_.read_start([this](std::string_view data) { on_data(data); }, [this](int s) { on_end(s); });
  // The hello lets the supervisor log who is connected; its reply (id "hello")
  // matches no request and is dropped.
  stream_.write(encode_hello_request("hello", client_name_));
  stream_.write(std::exchange(queued_, {}));
}

void AsyncClient::on_data(std::string_view data) {
  std::weak_ptr<bool> alive = alive_;
  const auto status = framer_.feed(data, [&](std::string_view line) {
    auto reply = decode_reply(parser_, line);
    if (!reply || !reply->id) return true;
    auto it = requests_.find(*reply->id);
    if (it == requests_.end()) return true;
    const bool final = reply->is_final();
    // Copy the handler: it may cancel this request or destroy the client.
    auto on_reply = it->second.handlers.on_reply;
    if (final) requests_.erase(it);
    if (on_reply) on_reply(*reply);
    return !alive.expired();
  });
  if (alive.expired()) return;
  if (status == LineFramer::Status::too_long) {
    drop_connection();
    fail_all(common::Error{"reship-supervisor at " + socket_path_ + " sent a line longer than 64 KiB"});
  }
}

void AsyncClient::on_end(int status) {
  const std::string reason = status == UV_EOF ? "it closed the connection" : common::uv::uv_error_text(status);
  drop_connection();
  fail_all(common::Error{"lost the connection to reship-supervisor at " + socket_path_ +
                             " before it answered: " + reason,
                         status == UV_EOF ? 0 : -status});
}

void AsyncClient::drop_connection() {
  stream_.close();
  state_ = State::disconnected;
  framer_ = LineFramer();
  queued_.clear();
}

void AsyncClient::time_out(const std::string& id, common::Millis timeout) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  // The request was sent: a stalled supervisor may still carry it out. Its
  // replies keep going to on_reply for a while; the failure is said now.
  auto on_failure = std::move(it->second.handlers.on_failure);
  it->second.late = true;
  it->second.timer->start(kLateReplies, [this, id] { requests_.erase(id); });
  if (on_failure) {
    on_failure(common::Error{"reship-supervisor at " + socket_path_ + " did not answer within " +
                                 common::format_duration(timeout),
                             ETIMEDOUT});
  }
}

void AsyncClient::fail(const std::string& id, const common::Error& error) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  // A late request was told of its failure already.
  auto on_failure = it->second.late ? nullptr : std::move(it->second.handlers.on_failure);
  requests_.erase(it);
  if (on_failure) on_failure(error);
}

void AsyncClient::fail_all(const common::Error& error) {
  std::weak_ptr<bool> alive = alive_;
  std::vector<std::string> ids;
  for (const auto& [id, pending] : requests_) ids.push_back(id);
  for (const auto& id : ids) {
    if (alive.expired()) return;
    fail(id, error);
  }
}

}  // namespace reship::ipc
