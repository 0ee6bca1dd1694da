// What reship-supervisor.service's Type=notify reads from the supervisor:
// while it waits for its services, STATUS= says for which and why (the unit
// stays "activating" and `systemctl status` shows it), then READY=1.

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <catch2/catch.hpp>

#include "tests/support/binaries.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reship::test;
using namespace std::chrono_literals;

namespace {

// The NOTIFY_SOCKET end systemd holds: a datagram socket in `path`.
class NotifyListener {
 public:
  explicit NotifyListener(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~NotifyListener() { ::close(fd_); }
  NotifyListener(const NotifyListener&) = delete;
  NotifyListener& operator=(const NotifyListener&) = delete;

  /// The next message, or "" when none comes within `limit`.
  std::string next(std::chrono::milliseconds limit) {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(limit.count())) != 1) return "";
    char buf[1024];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  int fd_;
};

}  // namespace

TEST_CASE("systemd notify: STATUS= says which service the start waits for and why, then READY=1",
          "[packaging][integration]") {
  TempDir dir;
  NotifyListener systemd((dir / "notify.sock").string());
  const int port = free_port();
  const std::string p = std::to_string(port);
  // "api" is ready at once; "web" listens only after 2.5 s: long enough for
  // progress to be worth reporting (the first STATUS= comes after a second).
  dir.write("reship.toml", std::string(R"([supervisor]
socket = "run/sv.sock"
[services.api]
command = [")") + kHelperBin + R"(", "sleep"]
[services.web]
command = [")" + kHelperBin + R"(", "listen", ")" + p + R"(", "2500"]
ready = "tcp://127.0.0.1:)" + p + R"("
)");
  const auto started = std::chrono::steady_clock::now();
  ChildProcess sup({kSupervisorBin, "--config", (dir / "reship.toml").string()}, (dir / "log").string(),
                   {{"NOTIFY_SOCKET", (dir / "notify.sock").string()}});

  const std::string waiting = systemd.next(10s);
  INFO(read_file(dir / "log"));
  CHECK(waiting == "STATUS=waiting for web: not ready (tcp 127.0.0.1:" + p + "); 1 of 2 services ready");
  CHECK(std::chrono::steady_clock::now() - started >= 900ms);
  // Nothing changes until web listens: no repeats in between.
  const std::string ready = systemd.next(10s);
  CHECK(ready == "READY=1\nSTATUS=all services ready");
  CHECK(std::chrono::steady_clock::now() - started >= 2500ms);
  CHECK(sup.stop(10s) == 0);
}

TEST_CASE("systemd notify: a service that keeps failing shows as restarting, with its exit code",
          "[packaging][integration]") {
  TempDir dir;
  NotifyListener systemd((dir / "notify.sock").string());
  const std::string p = std::to_string(free_port());
  dir.write("reship.toml", std::string(R"([supervisor]
socket = "run/sv.sock"
[services.broken]
command = [")") + kHelperBin + R"(", "exit", "3"]
ready = "tcp://127.0.0.1:)" + p + R"("
)");
  ChildProcess sup({kSupervisorBin, "--config", (dir / "reship.toml").string()}, (dir / "log").string(),
                   {{"NOTIFY_SOCKET", (dir / "notify.sock").string()}});
  // It exits 3 before it is ever ready; between starts it waits in backoff,
  // which is what STATUS= reports.
  std::string seen;
  const bool reported = wait_until(
      [&] {
        const std::string m = systemd.next(500ms);
        if (!m.empty()) seen += m + "\n";
        return seen.find("STATUS=waiting for broken: restarting after exit code 3 (") != std::string::npos;
      },
      15s);
  INFO(seen << read_file(dir / "log"));
  CHECK(reported);
  CHECK(sup.stop(10s) == 0);
}
