// Faults around the supervisor: children dying at the worst moment, the
// supervisor itself killed mid-restart, its socket removed, users and uids.

#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <future>

#include <catch2/catch.hpp>

#include "tests/support/skip.hpp"
#include "tests/support/supervisor_fixture.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;

TEST_CASE("supervisor faults: a child killed outright while starting fails its restart at once",
          "[integration][faults]") {
  const int port = free_port();
  SupervisorFixture sup(R"(
[services.fragile]
command = ["@helper", "listen", ")" +
                        std::to_string(port) + R"(", "2000"]
ready = "tcp://127.0.0.1:)" +
                        std::to_string(port) + R"("
ready_timeout = "20s"
autostart = false
)");
  sup.start();
  auto restart = std::async(std::launch::async, [&] {
    return sup.request_on_any_thread(R"({"id":"o","op":"restart","services":["fragile"]})");
  });
  REQUIRE(sup.wait_state("fragile", "starting"));
  const int pid = sup.service("fragile").pid.value();
  ::kill(pid, SIGKILL);  // as the OOM killer does
  auto r = restart.get();
  INFO(r.error);
  REQUIRE(r.error.empty());
  const auto* done = r.messages.at(1).as<ipc::RestartDone>();
  REQUIRE(done != nullptr);
  CHECK_FALSE(done->ok);
  CHECK(done->error == "killed by signal KILL before it was ready");
  CHECK(done->duration_ms < 10'000);  // not the 20 s ready_timeout
}

TEST_CASE("supervisor faults: killed mid-restart and started again, no service runs twice", "[integration][faults]") {
  SupervisorFixture sup(R"(
[services.stubborn]
command = ["@helper", "ignore-term"]
stop_timeout = "5s"
[services.family]
command = ["@helper", "fork-grandchild"]
)");
  sup.start();
  REQUIRE(wait_until(
      [&] {
        const auto log = sup.log();
        return log.find("[stubborn] ready") != std::string::npos && log.find("grandchild pid=") != std::string::npos;
      },
      5s));
  // A restart is under way (stubborn ignores SIGTERM for 5 s) when the
  // supervisor dies outright.
  auto restart = std::async(std::launch::async, [&] {
    return sup.exchange(R"({"id":"r","op":"restart","services":["stubborn","family"]})"
                        "\n",
                        [](const std::vector<std::string>&) { return false; }, 5s);
  });
  REQUIRE(sup.wait_state("stubborn", "stopping"));
  ::kill(sup.process()->pid(), SIGKILL);
  sup.wait_exit(5s);
  restart.get();
  sup.start();
  REQUIRE(sup.wait_state("stubborn", "running"));
  REQUIRE(sup.wait_state("family", "running"));
  // Exactly one process per service: the old ones (and the grandchild) did
  // not survive their supervisor.
  const auto tag = "RESHIP_SUPERVISOR_SOCKET=" + sup.socket();
  CHECK(wait_until([&] { return processes_with_env("RESHIP_SERVICE=stubborn").size() == 1; }, 5s));
  CHECK(
      wait_until([&] { return processes_with_env("RESHIP_SERVICE=family").size() == 2; }, 5s));  // + its new grandchild
  CHECK(processes_with_env(tag).size() == 3);
}

TEST_CASE("supervisor faults: a removed control socket is created again", "[integration][faults]") {
  SupervisorFixture sup(R"(
[services.web]
command = ["@helper", "sleep"]
)");
  sup.start();
  REQUIRE(std::filesystem::remove(sup.socket()));
  CHECK(wait_until([&] { return ipc::BlockingClient::connect(sup.socket()).ok(); }, 5s));
  CHECK_THAT(sup.log(), Catch::Contains("was removed; creating it again"));
  CHECK(sup.service("web").state == "running");
}

TEST_CASE("supervisor faults: only allowed uids may use the control socket", "[integration][faults]") {
  if (::geteuid() != 0 || ::getpwnam("nobody") == nullptr) {
    RESHIP_SKIP("needs root and the user nobody");
  }
  const uid_t nobody = ::getpwnam("nobody")->pw_uid;
  // Tries the socket as `nobody`; returns the first line it reads, or "".
  const auto as_nobody = [&](const std::string& path) {
    int out[2];
    REQUIRE(::pipe(out) == 0);
    const pid_t child = ::fork();
    if (child == 0) {
      ::close(out[0]);
      if (::setgid(nobody) != 0 || ::setuid(nobody) != 0) _exit(3);
      const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::strcpy(addr.sun_path, path.c_str());
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        (void)!::write(out[1], "connect failed", 14);
        _exit(0);
      }
      const char req[] = "{\"id\":\"1\",\"op\":\"status\"}\n";
      (void)!::write(fd, req, sizeof req - 1);
      char buf[256];
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) (void)!::write(out[1], buf, static_cast<size_t>(n));
      _exit(0);
    }
    ::close(out[1]);
    std::string got;
    char buf[256];
    ssize_t n;
    while ((n = ::read(out[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
    ::close(out[0]);
    ::waitpid(child, nullptr, 0);
    return got;
  };
  {
    // The socket's mode lets `nobody` connect; its uid is still refused.
    SupervisorFixture sup("[services.web]\ncommand = [\"@helper\", \"sleep\"]\n", "socket_mode = \"0666\"\n");
    std::filesystem::permissions(sup.dir().path(), std::filesystem::perms::all);
    sup.start();
    std::filesystem::permissions(sup.dir().path() / "run", std::filesystem::perms::all);
    CHECK_THAT(as_nobody(sup.socket()), Catch::Contains("\"code\":\"forbidden\""));
  }
  {
    SupervisorFixture sup("[services.web]\ncommand = [\"@helper\", \"sleep\"]\n",
                          "socket_mode = \"0666\"\nallow_uids = [" + std::to_string(nobody) + "]\n");
    std::filesystem::permissions(sup.dir().path(), std::filesystem::perms::all);
    sup.start();
    std::filesystem::permissions(sup.dir().path() / "run", std::filesystem::perms::all);
    CHECK_THAT(as_nobody(sup.socket()), Catch::Contains("\"type\":\"status\""));
  }
}

TEST_CASE("supervisor faults: a service with user = runs as that user and its groups", "[integration][faults]") {
  const passwd* pw = ::getpwnam("nobody");
  if (::geteuid() != 0 || pw == nullptr) {
    RESHIP_SKIP("needs root and the user nobody");
  }
  SupervisorFixture sup(R"(
[services.unprivileged]
command = ["@helper", "ids"]
user = "nobody"
)");
  std::filesystem::permissions(sup.dir().path(), std::filesystem::perms::all);
  sup.start();
  REQUIRE(wait_until([&] { return sup.log().find("[unprivileged] ids ") != std::string::npos; }, 5s));
  CHECK_THAT(sup.log(), Catch::Contains("[unprivileged] ids uid=" + std::to_string(pw->pw_uid) +
                                        " gid=" + std::to_string(pw->pw_gid)));
  // Not root's groups.
  CHECK(sup.log().find("groups=0") == std::string::npos);
}

TEST_CASE("supervisor faults: an unknown user fails the start with a clear error", "[integration][faults]") {
  SupervisorFixture sup(R"(
[services.ghost]
command = ["@helper", "sleep"]
user = "no-such-user-here"
autostart = false
)");
  sup.start();
  auto r = sup.request(R"({"id":"g","op":"restart","services":["ghost"]})");
  const auto* done = r.messages.at(1).as<ipc::RestartDone>();
  REQUIRE(done != nullptr);
  CHECK_FALSE(done->ok);
  CHECK_THAT(done->error, Catch::Contains("unknown user \"no-such-user-here\""));
}
