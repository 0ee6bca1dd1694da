#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/os/uv_handles.hpp"

namespace reship::supervisor {

/// The datagram socket a `ready = "notify"` service reports to, as systemd's
/// NOTIFY_SOCKET (sd_notify(3)): "READY=1", "STATUS=…", one assignment per
/// line. Each such service gets its own socket in the abstract namespace, so
/// that a message can only mean that service; the sender's credentials are
/// checked against the uid the service runs as.
class NotifySocket {
 public:
  /// The message and the pid that sent it.
  using MessageFn = std::function<void(std::string_view message, pid_t sender)>;

  /// Binds "@reship/<supervisor pid>/<service>". `allowed_uid` is the uid the
  /// service runs as (root may always send).
  static common::Result<std::unique_ptr<NotifySocket>> open(uv_loop_t* loop, const std::string& service,
                                                            uid_t allowed_uid, MessageFn on_message);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  /// The value for the child's NOTIFY_SOCKET ("@…").
  const std::string& address() const { return address_; }

 private:
  NotifySocket(uv_loop_t* loop, int fd, std::string address, uid_t allowed_uid, MessageFn on_message);
  void on_readable();

  int fd_;
  std::string address_;
  uid_t allowed_uid_;
  MessageFn on_message_;
  common::uv::Poll poll_;
};

/// True when `message` (newline-separated assignments) contains READY=1.
bool notify_says_ready(std::string_view message);

}  // namespace reship::supervisor
