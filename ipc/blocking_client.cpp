#include "ipc/blocking_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "common/time.hpp"

namespace reship::ipc {

BlockingClient::~BlockingClient() {
  if (fd_ >= 0) ::close(fd_);
}

BlockingClient::BlockingClient(BlockingClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), framer_(std::move(other.framer_)) {}

common::Result<BlockingClient> BlockingClient::connect(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) {
    return common::Error{"cannot reach reship-supervisor at " + path + ": the socket path is too long"};
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return common::errno_error("cannot create a socket");
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    return common::errno_error("cannot reach reship-supervisor at " + path, err);
  }
  return BlockingClient(fd, path);
}

common::Result<Reply> BlockingClient::request(const std::string& line, std::string_view id,
                                              const std::function<void(const Reply&)>& on_reply,
                                              common::Millis timeout) {
  size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return common::errno_error("cannot write to reship-supervisor at " + path_);
    sent += static_cast<size_t>(n);
  }
  const int64_t deadline = common::monotonic_ms() + timeout.count();
  std::optional<Reply> final_reply;
  std::optional<common::Error> failure;
  char buf[16384];
  while (!final_reply) {
    const int64_t left = deadline - common::monotonic_ms();
    if (left <= 0) {
      return common::Error{"reship-supervisor at " + path_ + " did not answer within " +
                           common::format_duration(timeout)};
    }
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return common::errno_error("cannot wait for reship-supervisor");
    if (ready == 0) continue;
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return common::errno_error("cannot read from reship-supervisor at " + path_);
    if (n == 0) return common::Error{"reship-supervisor at " + path_ + " closed the connection before answering"};
    const auto status = framer_.feed(std::string_view(buf, static_cast<size_t>(n)), [&](std::string_view text) {
      auto reply = decode_reply(parser_, text);
      if (!reply) {
        failure = common::Error{"reship-supervisor sent a reply this client does not understand: " +
                                std::string(text.substr(0, 200))};
        return false;
      }
      if (!reply->id || *reply->id != id) {
        // An error about the connection itself (id null) ends the request too.
        if (!reply->id && reply->as<ErrorReply>()) {
          final_reply = std::move(*reply);
          return false;
        }
        return true;
      }
      if (on_reply) on_reply(*reply);
      if (reply->is_final()) {
        final_reply = std::move(*reply);
        return false;
      }
      return true;
    });
    if (failure) return *failure;
    if (status == LineFramer::Status::too_long) {
      return common::Error{"reship-supervisor sent a line longer than 64 KiB"};
    }
  }
  return std::move(*final_reply);
}

}  // namespace reship::ipc
