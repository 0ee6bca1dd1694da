// The supervisor's own life: crash loops, reaping, its socket, its exit.

#include <catch2/catch.hpp>

#include <signal.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <future>
#include <thread>

#include "common/time.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/binaries.hpp"
#include "tests/support/supervisor_fixture.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

pid_t read_pid_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

}  // namespace

TEST_CASE("supervisor lifecycle: a crash loop backs off while the socket answers at once", "[integration]") {
  SupervisorFixture sup(R"(
[services.crasher]
command = ["@helper", "exit", "3"]
)");
  sup.start();
  // Without backoff this child would restart thousands of times in 1.6 s.
  const auto start = std::chrono::steady_clock::now();
  int64_t slowest_ms = 0;
  ipc::ServiceStatus s;
  while (std::chrono::steady_clock::now() - start < 1600ms) {
    const int64_t before = common::monotonic_ms();
    s = sup.service("crasher");
    slowest_ms = std::max(slowest_ms, common::monotonic_ms() - before);
    std::this_thread::sleep_for(20ms);
  }
  INFO(sup.log());
  // 100 + 200 + 400 + 800 ms of backoff fit in 1.6 s: about 5 starts.
  CHECK(s.restarts >= 2);
  CHECK(s.restarts <= 6);
  REQUIRE(s.last_exit.has_value());
  CHECK(s.last_exit->code == std::optional<int>(3));
  CHECK_FALSE(s.last_exit->at.empty());
  CHECK((s.state == "backoff" || s.state == "starting" || s.state == "running"));
  CHECK_THAT(sup.log(), Catch::Contains("crasher: starting again in 200ms (2 quick failures in a row)"));
  // A loose bound: answering must never wait for the crashing child.
  CHECK(slowest_ms < 1000);
}

TEST_CASE("supervisor lifecycle: restart policies never and on-failure", "[integration]") {
  SupervisorFixture sup(R"(
[services.once]
command = ["@helper", "exit", "0"]
restart = "never"
[services.clean]
command = ["@helper", "exit", "0"]
restart = "on-failure"
[services.failing]
command = ["@helper", "exit", "1", "50"]
restart = "on-failure"
)");
  sup.start();
  CHECK(sup.wait_state("once", "exited"));
  CHECK(sup.wait_state("clean", "exited"));
  CHECK(wait_until([&] { return sup.service("failing").restarts >= 1; }, 5s));
  CHECK(sup.service("once").restarts == 0);
  CHECK(sup.service("clean").restarts == 0);
}

TEST_CASE("supervisor lifecycle: an orphaned grandchild is reaped, no zombie remains", "[integration]") {
  SupervisorFixture sup(R"(
[services.leaver]
command = ["@helper", "orphan", "ORPHAN_FILE"]
restart = "never"
)");
  const auto pid_file = sup.dir().path() / "orphan.pid";
  {
    // Point the helper at a file in this test's temp dir.
    std::string config = read_file(sup.config_path());
    config.replace(config.find("ORPHAN_FILE"), 11, pid_file.string());
    std::ofstream(sup.config_path()) << config;
  }
  sup.start();
  pid_t orphan = 0;
  REQUIRE(wait_until([&] { return (orphan = read_pid_file(pid_file)) > 0; }, 5s));
  // The helper exited at once; its child lives 200 ms as an orphan of the
  // supervisor (a subreaper), then must be reaped by it.
  CHECK(wait_until([&] { return process_reaped(orphan); }, 5s));
  CHECK(zombie_children(sup.process()->pid()).empty());
  CHECK(sup.service("leaver").state == "exited");
}

TEST_CASE("supervisor lifecycle: as PID 1 of a PID namespace it reaps orphans", "[integration]") {
  if (::geteuid() != 0 || run_command({"unshare", "--fork", "--pid", "true"}).exit_code != 0) {
    RESHIP_SKIP("unshare --pid is not available here");
  }
  TempDir dir;
  const auto pid_file = dir / "orphan.pid";
  dir.write("reship.toml", with_helper(R"([supervisor]
socket = "run/sv.sock"
[services.leaver]
command = ["@helper", "orphan", ")" + pid_file.string() + R"("]
restart = "never"
[services.keeper]
command = ["@helper", "sleep"]
)"));
  ChildProcess ns({"unshare", "--fork", "--pid", kSupervisorBin, "--config", (dir / "reship.toml").string()},
                  (dir / "log").string());
  REQUIRE(wait_until([&] { return read_pid_file(pid_file) > 0; }, 10s));
  pid_t supervisor = 0;
  REQUIRE(wait_until([&] {
    auto kids = children_of(ns.pid());
    if (kids.empty()) return false;
    supervisor = kids[0];
    return true;
  }, 5s));
  // The orphan's pid file holds its pid inside the namespace; from here, it
  // shows up as a child of the supervisor, then must vanish without a zombie.
  CHECK(wait_until([&] { return children_of(supervisor).size() == 1; }, 5s));  // only keeper left
  CHECK(zombie_children(supervisor).empty());
  INFO(read_file(dir / "log"));
  CHECK(ns.stop() == 0);
}

TEST_CASE("supervisor lifecycle: SIGTERM stops every child and exits 0", "[integration]") {
  SupervisorFixture sup(R"(
[services.a]
command = ["@helper", "sleep"]
[services.b]
command = ["@helper", "ignore-term"]
stop_timeout = "300ms"
)");
  sup.start();
  REQUIRE(sup.wait_state("b", "running"));
  REQUIRE(wait_until([&] { return sup.log().find("[b] ready") != std::string::npos; }, 5s));
  const int a = sup.service("a").pid.value();
  const int b = sup.service("b").pid.value();
  sup.process()->signal(SIGTERM);
  CHECK(sup.wait_exit(10s) == 0);
  CHECK(process_reaped(a));
  CHECK(process_reaped(b));
  CHECK_FALSE(std::filesystem::exists(sup.socket()));
}

TEST_CASE("supervisor lifecycle: a restart of edge stops every child and exits with its code", "[integration]") {
  SupervisorFixture sup(R"(
[services.a]
command = ["@helper", "sleep"]
[services.b]
command = ["@helper", "sleep"]
[scopes]
all = ["a", "b", "edge"]
)", "self_restart_exit_code = 75\n");
  sup.start();
  REQUIRE(sup.wait_state("b", "running"));
  const int b_before = sup.service("b").pid.value();
  auto r = sup.request(R"({"id":"e","op":"restart","scope":"all"})");
  REQUIRE(r.messages.size() == 5);
  // a and b first, then edge, then complete.
  const auto* edge = r.messages[3].as<ipc::RestartDone>();
  REQUIRE(edge != nullptr);
  INFO(r.lines[3]);
  CHECK(edge->service == "edge");
  CHECK(edge->ok);
  CHECK(edge->exiting);
  CHECK(edge->pid == std::optional<int>(sup.process()->pid()));
  CHECK(r.last().as<ipc::RestartComplete>() != nullptr);
  CHECK(sup.wait_exit(10s) == 75);
  CHECK(process_reaped(b_before));
}

TEST_CASE("supervisor lifecycle: a restart loop (as Docker's policy) brings every service back after edge",
          "[integration]") {
  TempDir dir;
  dir.write("reship.toml", with_helper(R"([supervisor]
socket = "run/sv.sock"
self_restart_exit_code = 75
[services.web]
command = ["@helper", "sleep"]
[services.api]
command = ["@helper", "sleep"]
)"));
  const std::string socket = (dir / "run/sv.sock").string();
  // Restart on exit code 75, stop on anything else: what `restart: unless-stopped` does for this case.
  ChildProcess loop({"sh", "-c",
                     std::string("while true; do \"") + kSupervisorBin + "\" --config \"" +
                         (dir / "reship.toml").string() + "\"; rc=$?; [ $rc -eq 75 ] || exit $rc; done"},
                    (dir / "log").string());
  auto hello_pid = [&]() -> int {
    auto client = ipc::BlockingClient::connect(socket);
    if (!client) return 0;
    auto reply = client->request(R"({"id":"h","op":"hello"})" "\n", "h", nullptr, common::Millis(2000));
    if (!reply || !reply->as<ipc::HelloReply>()) return 0;
    return reply->as<ipc::HelloReply>()->pid;
  };
  int first = 0;
  REQUIRE(wait_until([&] { return (first = hello_pid()) > 0; }, 10s));
  auto client = ipc::BlockingClient::connect(socket);
  REQUIRE(client.ok());
  auto done = client->request(R"({"id":"e","op":"restart","services":["edge"]})" "\n", "e", nullptr,
                              common::Millis(10000));
  REQUIRE(done.ok());
  int second = 0;
  REQUIRE(wait_until([&] { return (second = hello_pid()) > 0 && second != first; }, 10s));
  // Every service runs again under the new supervisor.
  auto status_ok = [&] {
    auto c = ipc::BlockingClient::connect(socket);
    if (!c) return false;
    auto st = c->request(R"({"id":"s","op":"status"})" "\n", "s", nullptr, common::Millis(2000));
    if (!st || !st->as<ipc::StatusReply>()) return false;
    for (const auto& s : st->as<ipc::StatusReply>()->services) {
      if (s.state != "running") return false;
    }
    return st->as<ipc::StatusReply>()->services.size() == 2;
  };
  CHECK(wait_until(status_ok, 10s));
  INFO(read_file(dir / "log"));
  // SIGTERM to the supervisor (not the loop): it exits 0, and so does the loop.
  ::kill(second, SIGTERM);
  CHECK(loop.wait(10s) == 0);
}

TEST_CASE("supervisor lifecycle: a stale socket is replaced, a live one is refused", "[integration]") {
  SupervisorFixture sup(R"(
[services.web]
command = ["@helper", "sleep"]
)");
  // A socket file nobody listens on, as a killed supervisor leaves it.
  std::filesystem::create_directories(sup.dir().path() / "run");
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, sup.socket().c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd);
  }
  sup.start();
  CHECK_THAT(sup.log(), Catch::Contains("removed the stale socket"));
  // A second supervisor on the same socket refuses to start, and says why.
  auto second = run_command({kSupervisorBin, "--config", sup.config_path()}, 10s);
  CHECK(second.exit_code == 1);
  CHECK_THAT(second.err, Catch::Contains("a supervisor is already running (pid " +
                                          std::to_string(sup.process()->pid()) + ")"));
  // ... and leaves the first one working.
  CHECK(sup.service("web").state == "running");
}

TEST_CASE("supervisor lifecycle: the socket gets its configured mode", "[integration]") {
  SupervisorFixture sup(R"(
[services.web]
command = ["@helper", "sleep"]
)", "socket_mode = \"0660\"\n");
  sup.start();
  struct stat st {};
  REQUIRE(::stat(sup.socket().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0660);
}

TEST_CASE("supervisor lifecycle: children's output is prefixed with their name", "[integration]") {
  SupervisorFixture sup(R"(
[services.talker]
command = ["@helper", "lines", "3", "0", "both"]
restart = "never"
)");
  sup.start();
  REQUIRE(sup.wait_state("talker", "exited"));
  REQUIRE(wait_until([&] { return sup.log().find("[talker] line 3") != std::string::npos; }, 5s));
  CHECK_THAT(sup.log(), Catch::Contains("[talker] line 1\n"));
  CHECK_THAT(sup.log(), Catch::Contains("[talker] line 2\n"));
}

TEST_CASE("supervisor lifecycle: under systemd it sends READY=1 once autostart services are ready",
          "[integration]") {
  TempDir dir;
  const std::string notify_path = (dir / "notify.sock").string();
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, notify_path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const int port = free_port();
  dir.write("reship.toml", with_helper(R"([supervisor]
socket = "run/sv.sock"
[services.web]
command = ["@helper", "listen", ")" + std::to_string(port) + R"(", "200"]
ready = "tcp://127.0.0.1:)" + std::to_string(port) + R"("
)"));
  const auto started = std::chrono::steady_clock::now();
  ChildProcess sup({kSupervisorBin, "--config", (dir / "reship.toml").string()}, (dir / "log").string(),
                   {{"NOTIFY_SOCKET", notify_path}});
  pollfd pfd{fd, POLLIN, 0};
  REQUIRE(::poll(&pfd, 1, 10000) == 1);
  char buf[256];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  ::close(fd);
  REQUIRE(n > 0);
  CHECK_THAT(std::string(buf, static_cast<size_t>(n)), Catch::StartsWith("READY=1"));
  // Not before the service was ready (it listens after 200 ms).
  CHECK(std::chrono::steady_clock::now() - started >= 200ms);
}

TEST_CASE("supervisor lifecycle: SIGTERM during a restart with edge stops services gracefully", "[integration]") {
  SupervisorFixture sup(R"(
[services.stubborn]
command = ["@helper", "ignore-term"]
stop_timeout = "1s"
[services.graceful]
command = ["@helper", "slow-term", "300"]
stop_timeout = "5s"
)");
  sup.start();
  REQUIRE(wait_until([&] {
    const auto log = sup.log();
    return log.find("[stubborn] ready") != std::string::npos && log.find("[graceful] ready") != std::string::npos;
  }, 5s));
  auto restart = std::async(std::launch::async, [&] {
    return sup.exchange(R"({"id":"e","op":"restart","services":["stubborn","edge"]})" "\n",
                        [](const std::vector<std::string>&) { return false; }, 10s);
  });
  REQUIRE(sup.wait_state("stubborn", "stopping"));
  sup.process()->signal(SIGTERM);  // docker stop, during the edge restart
  CHECK(sup.wait_exit(15s) == 0);
  restart.get();
  // The graceful one got its SIGTERM and the time it asked for, no SIGKILL.
  CHECK_THAT(sup.log(), Catch::Contains("[graceful] got SIGTERM, shutting down"));
  CHECK_THAT(sup.log(), Catch::Contains("exited with code 0"));
  CHECK(sup.log().find("graceful: still running") == std::string::npos);
}
