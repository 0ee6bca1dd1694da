// Restarts under load (issue 18): the example platform's HTTP service, a
// real reship-supervisor, and a load generator at a fixed rate that opens a
// connection per request, while the service is restarted ten times. With
// `listen` (either restart_mode) no request fails; without it, the same
// restarts refuse connections, which is what shows this test can fail.
// Below them, the protocol a service sees (fds, LISTEN_*) and a bind failure.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/binaries.hpp"
#include "tests/support/process.hpp"
#include "tests/support/supervisor_fixture.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kRestarts = 10;
constexpr int kWorkers = 4;
// Per worker: 4 x 500/s = 2000 requests a second, one connection each.
constexpr auto kInterval = 2ms;

// One request on a new connection: true when the answer is a 200.
bool get_once(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    static constexpr char kRequest[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::send(fd, kRequest, sizeof kRequest - 1, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof kRequest - 1)) {
      std::string answer;
      char buf[1024];
      ssize_t n;
      while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) answer.append(buf, static_cast<size_t>(n));
      ok = n == 0 && answer.rfind("HTTP/1.1 200 ", 0) == 0;
    }
  }
  ::close(fd);
  return ok;
}

struct Sample {
  bool during_restart;
  bool ok;
  double ms;  // from the time it was due, so that a stall counts
};

// kWorkers threads, each sending a request every kInterval until stopped.
class Load {
 public:
  explicit Load(int port) : port_(port) {
    for (int i = 0; i < kWorkers; ++i) workers_.emplace_back([this, i] { run(i); });
  }
  ~Load() { stop(); }

  void stop() {
    stopping_ = true;
    for (auto& w : workers_) {
      if (w.joinable()) w.join();
    }
  }
  void restarting(bool on) { restarting_ = on; }
  size_t done() const { return done_; }
  std::vector<Sample> samples() {
    std::lock_guard lock(mutex_);
    return samples_;
  }

 private:
  void run(int worker) {
    // Spread over the interval, so that the rate is even.
    auto due = Clock::now() + kInterval * worker / kWorkers;
    std::vector<Sample> mine;
    while (!stopping_) {
      std::this_thread::sleep_until(due);
      const bool during = restarting_;
      const bool ok = get_once(port_);
      mine.push_back({during, ok, std::chrono::duration<double, std::milli>(Clock::now() - due).count()});
      ++done_;
      due += kInterval;
      // Behind by more than a request: the next ones go at once (open loop).
    }
    std::lock_guard lock(mutex_);
    samples_.insert(samples_.end(), mine.begin(), mine.end());
  }

  int port_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> restarting_{false};
  std::atomic<size_t> done_{0};
  std::mutex mutex_;
  std::vector<Sample> samples_;
  std::vector<std::thread> workers_;
};

double p99(std::vector<double> ms) {
  if (ms.empty()) return 0;
  std::sort(ms.begin(), ms.end());
  return ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
}

struct Outcome {
  size_t requests = 0;
  size_t failed = 0;
  size_t during_restarts = 0;
  size_t failed_during_restarts = 0;
  std::vector<std::string> modes;  // restart.done's, one a restart
};

// `service_toml` is the [services.web] body after its command.
Outcome restart_under_load(const std::string& label, const std::string& service_toml, int fixed_port) {
  const std::string app = RESHIP_EXAMPLE_APP_BIN;
  const int port_arg = fixed_port > 0 ? fixed_port : 1;  // with listen, --port is unused
  SupervisorFixture sup("[services.web]\ncommand = [\"" + app + "\", \"--port\", \"" + std::to_string(port_arg) +
                        "\", \"--name\", \"web\"]\nready_timeout = \"10s\"\n" + service_toml);
  sup.start();
  REQUIRE(sup.wait_state("web", "running"));
  int port = fixed_port;
  if (port == 0) {
    // listen = tcp://127.0.0.1:0: the port the kernel picked, from the status.
    const auto status = sup.service("web");
    REQUIRE(status.sockets.size() == 1);
    port = std::stoi(status.sockets[0].bound.substr(status.sockets[0].bound.rfind(':') + 1));
  }
  REQUIRE(get_once(port));

  Outcome out;
  Load load(port);
  // A second of steady state, then the restarts, each after the load has
  // gone on for a while (counted in requests, not waited for by the clock).
  const auto wait_requests = [&](size_t n) {
    const size_t target = load.done() + n;
    const auto deadline = Clock::now() + 20s;
    while (load.done() < target && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
  };
  wait_requests(2000);
  for (int i = 0; i < kRestarts; ++i) {
    load.restarting(true);
    auto replies = sup.request(R"({"id":"r","op":"restart","services":["web"]})", 30s);
    load.restarting(false);
    for (const auto& m : replies.messages) {
      if (const auto* done = m.as<ipc::RestartDone>()) {
        INFO(done->error);
        CHECK(done->ok);
        out.modes.push_back(done->mode);
      }
    }
    wait_requests(40);
  }
  wait_requests(500);
  load.stop();

  std::vector<double> steady_ms;
  std::vector<double> restart_ms;
  for (const auto& s : load.samples()) {
    ++out.requests;
    out.failed += s.ok ? 0 : 1;
    if (s.during_restart) {
      ++out.during_restarts;
      out.failed_during_restarts += s.ok ? 0 : 1;
      restart_ms.push_back(s.ms);
    } else {
      steady_ms.push_back(s.ms);
    }
  }
  std::printf("%-28s %zu requests, %zu failed (%zu of %zu during %d restarts); p99 %.1f ms steady, %.1f ms during "
              "restarts\n",
              label.c_str(), out.requests, out.failed, out.failed_during_restarts, out.during_restarts, kRestarts,
              p99(steady_ms), p99(restart_ms));
  std::fflush(stdout);
  return out;
}

}  // namespace

TEST_CASE("zero downtime: restarts under load with restart_mode overlap fail no request", "[integration]") {
  const Outcome out = restart_under_load("overlap", R"(listen = ["tcp://127.0.0.1:0"]
restart_mode = "overlap"
ready = "notify"
)",
                                         0);
  CHECK(out.modes == std::vector<std::string>(kRestarts, "overlap"));
  CHECK(out.during_restarts > 0);
  CHECK(out.failed == 0);
}

TEST_CASE("zero downtime: restarts under load with restart_mode stop-first fail no request", "[integration]") {
  const Outcome out = restart_under_load("stop-first", R"(listen = ["tcp://127.0.0.1:0"]
ready = "notify"
)",
                                         0);
  CHECK(out.modes == std::vector<std::string>(kRestarts, "stop-first"));
  CHECK(out.during_restarts > 0);
  CHECK(out.failed == 0);
}

TEST_CASE("zero downtime: the same restarts without listen refuse connections", "[integration]") {
  const int port = free_port();
  const Outcome out = restart_under_load("without listen", "ready = \"tcp://127.0.0.1:" + std::to_string(port) + "\"\n",
                                         port);
  CHECK(out.modes == std::vector<std::string>(kRestarts, "stop-first"));
  CHECK(out.failed_during_restarts > 0);
}

TEST_CASE("listen: each start gets fds 3 and up with LISTEN_FDS, LISTEN_FDNAMES and its own LISTEN_PID",
          "[integration]") {
  // The shell is the service's process: $$ is the pid LISTEN_PID must name.
  SupervisorFixture sup(R"([services.web]
command = ["sh", "-c", "echo \"env $LISTEN_FDS $LISTEN_FDNAMES $LISTEN_PID $$\"; readlink /proc/$$/fd/3 /proc/$$/fd/4 | sed 's/:.*//; s/^/fd /'; exec sleep 60"]
listen = ["tcp://127.0.0.1:0", "unix:run/web.sock"]
[services.plain]
command = ["sh", "-c", "echo \"plain [${LISTEN_FDS-}] [${LISTEN_PID-}]\"; exec sleep 60"]
)");
  sup.start();
  REQUIRE(sup.wait_state("web", "running"));
  const auto web = sup.service("web");
  REQUIRE(web.pid);
  const std::string expected = "env 2 web:web " + std::to_string(*web.pid) + " " + std::to_string(*web.pid);
  CHECK(wait_until([&] { return sup.log().find(expected) != std::string::npos; }, 10s));
  CHECK(wait_until([&] { return sup.log().find("fd socket\n") != std::string::npos; }, 10s));
  CHECK(wait_until([&] { return sup.log().find("plain [] []") != std::string::npos; }, 10s));
  INFO(sup.log());
  REQUIRE(web.sockets.size() == 2);
  CHECK(web.sockets[0].fd == 3);
  CHECK(web.sockets[0].bound.rfind("tcp://127.0.0.1:", 0) == 0);
  CHECK(web.sockets[0].bound != "tcp://127.0.0.1:0");
  CHECK(web.sockets[1].fd == 4);
  CHECK(web.sockets[1].bound == "unix:" + (sup.dir().path() / "run/web.sock").string());
  CHECK(sup.service("plain").sockets.empty());

  // The socket stays bound, by the supervisor, while the service is stopped.
  auto stopped = sup.request(R"({"id":"s","op":"stop","services":["web"]})");
  REQUIRE(sup.wait_state("web", "stopped"));
  const int port = std::stoi(web.sockets[0].bound.substr(web.sockets[0].bound.rfind(':') + 1));
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  CHECK(::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);  // waits in the backlog
  ::close(probe);
}

TEST_CASE("listen: an address that cannot be bound stops the supervisor at start, naming service and address",
          "[integration]") {
  // Someone else holds the port.
  const int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(holder, 1) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string address = "tcp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  SupervisorFixture sup("[services.web]\ncommand = [\"sleep\", \"60\"]\nlisten = [\"" + address + "\"]\n");
  ChildProcess daemon({kSupervisorBin, "--config", sup.config_path()}, (sup.dir().path() / "out.log").string());
  CHECK(daemon.wait(10s) == 1);
  const std::string out = read_file(sup.dir().path() / "out.log");
  INFO(out);
  CHECK_THAT(out, Catch::Contains("cannot listen on " + address + " for service web: Address already in use"));
  CHECK_THAT(out, !Catch::Contains("web: started"));
  ::close(holder);
}

TEST_CASE("overlap: a new process that fails leaves the old one serving, and the restart says so", "[integration]") {
  const std::string app = RESHIP_EXAMPLE_APP_BIN;
  SupervisorFixture sup("[services.web]\ncommand = [\"sh\", \"-c\", \"if [ -e broken ]; then echo 'cannot load the "
                        "new config' >&2; exit 1; fi; exec " +
                        app + " --name web\"]\nlisten = [\"tcp://127.0.0.1:0\"]\nrestart_mode = \"overlap\"\n"
                              "ready = \"notify\"\n");
  sup.start();
  REQUIRE(sup.wait_state("web", "running"));
  const auto before = sup.service("web");
  const int port = std::stoi(before.sockets.at(0).bound.substr(before.sockets.at(0).bound.rfind(':') + 1));

  std::ofstream(sup.dir().path() / "broken").put('\n');
  auto replies = sup.request(R"({"id":"r","op":"restart","services":["web"]})", 30s);
  const ipc::RestartDone* done = nullptr;
  for (const auto& m : replies.messages) {
    if (const auto* d = m.as<ipc::RestartDone>()) done = d;
  }
  REQUIRE(done != nullptr);
  CHECK_FALSE(done->ok);
  CHECK(done->mode == "overlap");
  CHECK_THAT(done->error, Catch::Contains("exited with code 1 before it was ready"));
  CHECK_THAT(done->error, Catch::Contains("the old process (pid " + std::to_string(*before.pid) + ") serves on"));
  CHECK_THAT(done->output, Catch::Contains("cannot load the new config"));
  const auto after = sup.service("web");
  CHECK(after.state == "running");
  CHECK(after.pid == before.pid);
  CHECK(get_once(port));

  // Fixed, the next restart replaces it.
  std::filesystem::remove(sup.dir().path() / "broken");
  replies = sup.request(R"({"id":"r2","op":"restart","services":["web"]})", 30s);
  CHECK(sup.service("web").pid != before.pid);
  CHECK(get_once(port));
}
