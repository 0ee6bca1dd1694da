#include "common/os/socket_path.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace reship::common {

SocketPath inspect_socket_path(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return errno == ENOENT ? SocketPath::absent : SocketPath::live;
  if (!S_ISSOCK(st.st_mode)) return SocketPath::not_a_socket;
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return SocketPath::live;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), std::min(path.size(), sizeof addr.sun_path - 1));
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int err = errno;
  ::close(fd);
  // Only "refused" proves that nobody listens; anything else (a full
  // backlog, no permission) leaves the file alone.
  return rc != 0 && err == ECONNREFUSED ? SocketPath::stale : SocketPath::live;
}

Result<SocketPath> claim_socket_path(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 && errno != ENOENT) return errno_error("cannot check " + path);
  const SocketPath found = inspect_socket_path(path);
  if (found == SocketPath::stale && ::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return errno_error("cannot remove the stale socket " + path);
  }
  return found;
}

}  // namespace reship::common
