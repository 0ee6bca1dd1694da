#include "common/os/sd_notify.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace reship::common {

socklen_t notify_address(const std::string& address, sockaddr_un& addr) {
  addr = {};
  addr.sun_family = AF_UNIX;
  const size_t len = std::min(address.size(), sizeof addr.sun_path);
  std::memcpy(addr.sun_path, address.data(), len);
  if (!address.empty() && address[0] == '@') addr.sun_path[0] = '\0';
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
}

bool sd_notify(std::string_view message) {
  const char* env = std::getenv("NOTIFY_SOCKET");
  if (env == nullptr || (env[0] != '/' && env[0] != '@')) return false;
  const std::string address(env);
  if (address.size() >= sizeof(sockaddr_un::sun_path)) return false;
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr;
  const socklen_t len = notify_address(address, addr);
  const ssize_t n = ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len);
  ::close(fd);
  return n == static_cast<ssize_t>(message.size());
}

}  // namespace reship::common
