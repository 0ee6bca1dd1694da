#include "supervisor/listen_sockets.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/os/socket_path.hpp"

namespace reship::supervisor {
namespace {

// As systemd's Backlog= default: the kernel's own cap (net.core.somaxconn).
constexpr int kBacklog = SOMAXCONN;

std::string describe_inet(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(addr);
    ::inet_ntop(AF_INET, &in.sin_addr, host, sizeof host);
    return "tcp://" + std::string(host) + ":" + std::to_string(ntohs(in.sin_port));
  }
  const auto& in6 = reinterpret_cast<const sockaddr_in6&>(addr);
  ::inet_ntop(AF_INET6, &in6.sin6_addr, host, sizeof host);
  return "tcp://[" + std::string(host) + "]:" + std::to_string(ntohs(in6.sin6_port));
}

common::Result<ListenSocket> bind_tcp(const common::ListenAddress& a) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (auto* in = reinterpret_cast<sockaddr_in*>(&addr); ::inet_pton(AF_INET, a.host.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<uint16_t>(a.port));
    len = sizeof(sockaddr_in);
  } else if (auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
             ::inet_pton(AF_INET6, a.host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(a.port));
    len = sizeof(sockaddr_in6);
  } else {
    return common::Error{"not an IP address: " + a.host};
  }
  const int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return common::errno_error("cannot make a socket");
  const int one = 1;
  // The supervisor's next instance binds again at once, whatever TIME_WAIT
  // connections the last one left.
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (addr.ss_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd, kBacklog) != 0) {
    const int err = errno;
    ::close(fd);
    return common::errno_error("", err);
  }
  ListenSocket s{a.text, a.text, fd, {}};
  sockaddr_storage got{};
  socklen_t got_len = sizeof got;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&got), &got_len) == 0) s.bound = describe_inet(got);
  return s;
}

// A socket file left by a process that died is removed; one that someone
// still listens on is not taken over.
common::Result<void> clear_unix_path(const std::string& path) {
  auto found = common::claim_socket_path(path);
  if (!found) return std::move(found).error();
  if (*found == common::SocketPath::not_a_socket) {
    return common::Error{"it exists and is not a socket; remove it or listen elsewhere"};
  }
  if (*found == common::SocketPath::live) {
    return common::Error{"another process is listening there; stop it or listen elsewhere"};
  }
  return {};
}

common::Result<ListenSocket> bind_unix(const common::ListenAddress& a) {
  const std::string path = a.path.string();
  std::error_code ec;
  std::filesystem::create_directories(a.path.parent_path(), ec);
  if (ec) return common::Error{"cannot create its folder: " + ec.message()};
  if (auto cleared = clear_unix_path(path); !cleared) return cleared.error();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return common::errno_error("cannot make a socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, kBacklog) != 0) {
    const int err = errno;
    ::close(fd);
    return common::errno_error("", err);
  }
  return ListenSocket{a.text, "unix:" + path, fd, a.path};
}

}  // namespace

common::Result<std::unique_ptr<ListenSockets>> ListenSockets::bind(const std::string& service,
                                                                   const std::vector<common::ListenAddress>& addresses) {
  return rebind(service, addresses, nullptr);
}

common::Result<std::unique_ptr<ListenSockets>> ListenSockets::rebind(
    const std::string& service, const std::vector<common::ListenAddress>& addresses, const ListenSockets* held) {
  std::unique_ptr<ListenSockets> sockets(new ListenSockets());
  for (const auto& a : addresses) {
    const ListenSocket* kept = nullptr;
    if (held != nullptr) {
      for (const auto& h : held->sockets_) {
        if (h.address == a.text) kept = &h;
      }
    }
    if (kept == nullptr) {
      auto bound = a.is_unix ? bind_unix(a) : bind_tcp(a);
      if (!bound) {
        std::string why = bound.error().message;
        if (why.rfind(": ", 0) == 0) why.erase(0, 2);  // errno_error("") leaves ": Address already in use"
        return common::Error{"cannot listen on " + a.text + " for service " + service + ": " + why};
      }
      sockets->sockets_.push_back(std::move(*bound));
      continue;
    }
    const int fd = ::fcntl(kept->fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) return common::errno_error("cannot share " + a.text + " of service " + service);
    // Its socket file stays `held`'s to remove until hand_over_paths(): a
    // rebind given up must not remove a file that is still in use.
    sockets->sockets_.push_back({kept->address, kept->bound, fd, {}});
  }
  return sockets;
}

void ListenSockets::hand_over_paths(ListenSockets& next) {
  for (auto& s : sockets_) {
    if (s.unix_path.empty()) continue;
    for (auto& n : next.sockets_) {
      if (n.address == s.address) n.unix_path = std::exchange(s.unix_path, {});
    }
  }
}

ListenSockets::~ListenSockets() {
  for (const auto& s : sockets_) {
    ::close(s.fd);
    if (!s.unix_path.empty()) ::unlink(s.unix_path.c_str());
  }
}

std::vector<int> ListenSockets::fds() const {
  std::vector<int> fds;
  for (const auto& s : sockets_) fds.push_back(s.fd);
  return fds;
}

}  // namespace reship::supervisor
