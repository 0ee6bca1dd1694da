// Claiming a Unix socket's path: what each kind of leftover becomes.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "common/os/socket_path.hpp"
#include "tests/support/temp_dir.hpp"

using reship::common::SocketPath;
using reship::common::claim_socket_path;

namespace {

// A socket bound at `path`, listening when `listen` says so; the fd.
int bound_socket(const std::string& path, bool listen) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  if (listen) REQUIRE(::listen(fd, 4) == 0);
  return fd;
}

}  // namespace

TEST_CASE("claim_socket_path: absent, stale (removed), live and not-a-socket (both left alone)", "[unit]") {
  reship::test::TempDir dir;
  const std::string path = (dir.path() / "s.sock").string();
  CHECK(*claim_socket_path(path) == SocketPath::absent);

  // Bound, then closed: the file stays and nobody listens.
  ::close(bound_socket(path, false));
  REQUIRE(std::filesystem::exists(path));
  CHECK(*claim_socket_path(path) == SocketPath::stale);
  CHECK_FALSE(std::filesystem::exists(path));

  const int live = bound_socket(path, true);
  CHECK(*claim_socket_path(path) == SocketPath::live);
  CHECK(std::filesystem::exists(path));
  ::close(live);
  std::filesystem::remove(path);

  std::ofstream(path) << "not a socket";
  CHECK(*claim_socket_path(path) == SocketPath::not_a_socket);
  CHECK(std::filesystem::exists(path));
}
