#pragma once

// Claiming the path of a Unix socket before binding it: a file left by a
// process that died is removed; one that a live process listens on, or a
// file that is not a socket, is not touched. The one rule for every socket
// reship binds (the control socket, reship-back's listeners, services'
// `listen` sockets).

#include <string>

#include "common/result.hpp"

namespace reship::common {

enum class SocketPath {
  absent,        ///< nothing there
  stale,         ///< a socket nobody listens on (connect refused): removed by claim_socket_path
  live,          ///< someone answers, or may (a full backlog, no permission): left alone
  not_a_socket,  ///< a file of another kind: left alone
};

/// What is at `path` now (lstat, then a non-blocking connect). Only a
/// refused connection proves that nobody listens.
SocketPath inspect_socket_path(const std::string& path);

/// inspect_socket_path(), and a stale socket removed. The error is for a
/// path that cannot be looked at or a stale socket that cannot be removed;
/// `live` and `not_a_socket` are for the caller to explain.
Result<SocketPath> claim_socket_path(const std::string& path);

}  // namespace reship::common
