#pragma once

// The listening sockets of one service (its `listen` addresses, issue 18):
// bound once when the supervisor starts and held for its whole life, so that
// a port never closes while the service restarts. Every start of the service
// inherits them as fds 3, 4, ... (sd_listen_fds(3)); connections that arrive
// while no process accepts wait in the kernel's backlog.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/result.hpp"

namespace reship::supervisor {

struct ListenSocket {
  std::string address;  ///< as the config writes it: "tcp://127.0.0.1:0"
  std::string bound;    ///< what it is bound to: "tcp://127.0.0.1:40123"
  int fd = -1;          ///< the supervisor's descriptor (close-on-exec)
  std::filesystem::path unix_path;  ///< the socket file this made, removed again
};

class ListenSockets {
 public:
  /// Binds and listens on every address; the first one that cannot be bound
  /// is the error ("cannot listen on tcp://127.0.0.1:80 for service web:
  /// Address already in use"), and nothing stays bound.
  static common::Result<std::unique_ptr<ListenSockets>> bind(const std::string& service,
                                                             const std::vector<common::ListenAddress>& addresses);
  /// The sockets for a service's new `addresses` (a reload): an address
  /// `held` already has is shared (a duplicate of the same socket, so that
  /// port never closes), the others are bound as bind() does.
  static common::Result<std::unique_ptr<ListenSockets>> rebind(const std::string& service,
                                                               const std::vector<common::ListenAddress>& addresses,
                                                               const ListenSockets* held);
  /// `next` (from rebind) replaces this set: the socket files they share
  /// become next's to remove.
  void hand_over_paths(ListenSockets& next);
  ~ListenSockets();
  ListenSockets(const ListenSockets&) = delete;
  ListenSockets& operator=(const ListenSockets&) = delete;

  const std::vector<ListenSocket>& sockets() const { return sockets_; }
  /// The descriptors, in config order: the child's 3, 4, ...
  std::vector<int> fds() const;

 private:
  ListenSockets() = default;
  std::vector<ListenSocket> sockets_;
};

}  // namespace reship::supervisor
