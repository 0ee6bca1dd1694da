#include "supervisor/notify_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/os/sd_notify.hpp"

namespace reship::supervisor {
namespace {

socklen_t fill_address(sockaddr_un& addr, const std::string& address) {
  return common::notify_address(address, addr);
}

}  // namespace

common::Result<std::unique_ptr<NotifySocket>> NotifySocket::open(uv_loop_t* loop, const std::string& service,
                                                                 uid_t allowed_uid, MessageFn on_message) {
  const std::string address = "@reship/" + std::to_string(::getpid()) + "/" + service;
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return common::errno_error("cannot create the notify socket of " + service);
  sockaddr_un addr;
  const socklen_t len = fill_address(addr, address);
  const int one = 1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) {
    const int err = errno;
    ::close(fd);
    return common::errno_error("cannot bind the notify socket " + address, err);
  }
  std::unique_ptr<NotifySocket> socket(new NotifySocket(loop, fd, address, allowed_uid, std::move(on_message)));
  // A notify socket nobody reads would leave its service "starting" forever.
  NotifySocket* self = socket.get();
  if (auto r = socket->poll_.start(UV_READABLE, [self](int status, int) {
        if (status == 0) self->on_readable();
      });
      !r) {
    return common::Error{"cannot watch the notify socket " + address + ": " + r.error().message};
  }
  return socket;
}

NotifySocket::NotifySocket(uv_loop_t* loop, int fd, std::string address, uid_t allowed_uid, MessageFn on_message)
    : fd_(fd),
      address_(std::move(address)),
      allowed_uid_(allowed_uid),
      on_message_(std::move(on_message)),
      poll_(loop, fd) {}

NotifySocket::~NotifySocket() {
  poll_.stop();
  ::close(fd_);
}

void NotifySocket::on_readable() {
  char buf[4096];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  while (true) {
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(fd_, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) return;  // EAGAIN: drained
    const ucred* cred = nullptr;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        cred = reinterpret_cast<const ucred*>(CMSG_DATA(c));
      }
    }
    if (cred == nullptr || (cred->uid != 0 && cred->uid != allowed_uid_)) {
      spdlog::warn("ignored a notify message on {} from uid {}", address_, cred ? static_cast<int>(cred->uid) : -1);
      continue;
    }
    if (on_message_) on_message_(std::string_view(buf, static_cast<size_t>(n)), cred->pid);
  }
}

bool notify_says_ready(std::string_view message) {
  while (!message.empty()) {
    const size_t nl = message.find('\n');
    const std::string_view line = message.substr(0, nl);
    if (line == "READY=1") return true;
    if (nl == std::string_view::npos) break;
    message.remove_prefix(nl + 1);
  }
  return false;
}

}  // namespace reship::supervisor
