// Bad input on the control socket: each gets its error code, and the
// connection stays usable except after an over-long line.

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <future>

#include <catch2/catch.hpp>

#include "tests/support/supervisor_fixture.hpp"

using namespace reship;
using namespace reship::test;

namespace {

const char* kOne = R"(
[services.web]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
)";

bool has_lines(const std::vector<std::string>& lines, size_t n) {
  return lines.size() >= n;
}

}  // namespace

TEST_CASE("control protocol: each bad request gets its error code and the connection stays usable", "[integration]") {
  SupervisorFixture sup(kOne);
  sup.start();
  const std::string input =
      "{not json\n"
      R"({"id":"2","op":"dance"})"
      "\n"
      R"({"id":"3","op":"restart","scope":"nope"})"
      "\n"
      R"({"id":"4","op":"restart","services":["ghost"]})"
      "\n"
      R"({"op":"status"})"
      "\n"
      R"([1,2,3])"
      "\n"
      R"({"id":"7","op":"restart"})"
      "\n"
      R"({"id":"8","op":"status"})"
      "\n";
  auto lines = sup.exchange(input, [](const auto& l) { return has_lines(l, 8); });
  REQUIRE(lines.size() == 8);
  CHECK_THAT(lines[0], Catch::StartsWith(R"({"id":null,"type":"error","code":"bad_json")"));
  CHECK_THAT(
      lines[1],
      Catch::StartsWith(
          R"({"id":"2","type":"error","code":"unknown_op","message":"unknown op \"dance\": use hello, status, restart)"));
  CHECK_THAT(
      lines[2],
      Catch::StartsWith(
          R"({"id":"3","type":"error","code":"unknown_scope","message":"unknown scope \"nope\"; scopes: platform")"));
  CHECK_THAT(lines[3], Catch::StartsWith(R"({"id":"4","type":"error","code":"unknown_service")"));
  CHECK_THAT(lines[4], Catch::StartsWith(R"({"id":null,"type":"error","code":"bad_request")"));
  CHECK_THAT(lines[5], Catch::StartsWith(R"({"id":null,"type":"error","code":"bad_request")"));
  CHECK_THAT(lines[6], Catch::StartsWith(R"({"id":"7","type":"error","code":"bad_request")"));
  // After all that, the same connection still works.
  CHECK_THAT(lines[7], Catch::StartsWith(R"({"id":"8","type":"status")"));
}

TEST_CASE("control protocol: a 100 KiB line is refused and closes the connection", "[integration]") {
  SupervisorFixture sup(kOne);
  sup.start();
  const std::string huge = R"({"id":"1","op":"status","pad":")" + std::string(100 * 1024, 'x') + "\"}\n" +
                           R"({"id":"2","op":"status"})" + "\n";
  bool closed = false;
  auto lines = sup.exchange(
      huge, [](const auto&) { return false; }, std::chrono::seconds(5), &closed);
  CHECK(closed);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::StartsWith(R"({"id":null,"type":"error","code":"line_too_long")"));
  // Other clients are not affected.
  CHECK(sup.service("web").state == "running");
}

TEST_CASE("control protocol: a line of exactly 64 KiB is accepted", "[integration]") {
  SupervisorFixture sup(kOne);
  sup.start();
  std::string line = R"({"id":"1","op":"status","pad":")";
  line += std::string(64 * 1024 - line.size() - 2, 'x') + "\"}";
  REQUIRE(line.size() == 64 * 1024);
  auto lines = sup.exchange(line + "\n", [](const auto& l) { return has_lines(l, 1); });
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::StartsWith(R"({"id":"1","type":"status")"));
}

TEST_CASE("control protocol: hello names the server, protocol, services and scopes", "[integration]") {
  SupervisorFixture sup(kOne);
  sup.start();
  auto r = sup.request(R"({"id":"h","op":"hello","client":"test/1"})");
  const auto* hello = r.last().as<ipc::HelloReply>();
  REQUIRE(hello != nullptr);
  CHECK_THAT(hello->server, Catch::StartsWith("reship-supervisor/"));
  CHECK(hello->protocol == 1);
  CHECK(hello->pid == sup.process()->pid());
  CHECK(hello->services == std::vector<std::string>{"web"});
  CHECK(hello->scopes.at("platform") == std::vector<std::string>{"web"});
}

TEST_CASE("control protocol: status carries every field of contract 2.1", "[integration]") {
  SupervisorFixture sup(kOne);
  sup.start();
  REQUIRE(sup.wait_state("web", "running"));
  auto r = sup.request(R"({"id":"s","op":"status"})");
  const std::string& line = r.lines.back();
  for (const char* field : {"\"supervisor\":{\"pid\":", "\"uptimeMs\":", "\"version\":", "\"name\":\"web\"",
                            "\"state\":\"running\"", "\"restarts\":0", "\"ready\":true", "\"lastExit\":null"}) {
    INFO(field);
    CHECK(line.find(field) != std::string::npos);
  }
}

TEST_CASE("control protocol: start and stop answer ack then done", "[integration]") {
  SupervisorFixture sup(kOne);
  sup.start();
  REQUIRE(sup.wait_state("web", "running"));
  auto stop = sup.request(R"({"id":"1","op":"stop","services":["web"]})");
  REQUIRE(stop.messages.size() == 2);
  CHECK(stop.messages[0].as<ipc::OpAck>() != nullptr);
  const auto* stopped = stop.last().as<ipc::OpDone>();
  REQUIRE(stopped != nullptr);
  CHECK(stopped->ok);
  CHECK(sup.service("web").state == "stopped");
  CHECK_FALSE(sup.service("web").pid.has_value());
  auto start = sup.request(R"({"id":"2","op":"start","services":["web"]})");
  const auto* started = start.last().as<ipc::OpDone>();
  REQUIRE(started != nullptr);
  CHECK(started->ok);
  REQUIRE(started->results.size() == 1);
  CHECK(started->results[0].pid == sup.service("web").pid);
  CHECK(sup.service("web").state == "running");
  auto bad = sup.request(R"({"id":"3","op":"stop","services":["edge"]})");
  const auto* error = bad.last().as<ipc::ErrorReply>();
  REQUIRE(error != nullptr);
  CHECK(error->code == "unknown_service");
}

TEST_CASE("control protocol: subscribe streams service state changes", "[integration]") {
  SupervisorFixture sup(kOne);
  sup.start();
  REQUIRE(sup.wait_state("web", "running"));
  std::atomic<bool> subscribed{false};
  auto fut = std::async(std::launch::async, [&] {
    return sup.exchange(R"({"id":"sub","op":"subscribe"})"
                        "\n",
                        [&](const std::vector<std::string>& lines) {
                          if (!lines.empty()) subscribed = true;
                          bool stopping = false;
                          for (const auto& l : lines) {
                            if (l.find("\"state\":\"stopping\"") != std::string::npos) stopping = true;
                            if (stopping && l.find("\"state\":\"running\"") != std::string::npos) return true;
                          }
                          return false;
                        });
  });
  REQUIRE(wait_until([&] { return subscribed.load(); }, std::chrono::seconds(10)));
  sup.request(R"({"id":"r","op":"restart","services":["web"]})");
  auto lines = fut.get();
  REQUIRE(lines.size() >= 4);
  // First the current state of every service, then each change as it happens.
  CHECK_THAT(lines[0], Catch::StartsWith(R"({"id":"sub","type":"service.state","service":"web","state":"running")"));
  CHECK_THAT(lines[1], Catch::Contains(R"("state":"stopping")"));
  CHECK_THAT(lines[2], Catch::Contains(R"("state":"starting")"));
  CHECK_THAT(lines[3], Catch::Contains(R"("state":"running")"));
}

TEST_CASE("control protocol: a stop overridden by a restart still gets its done", "[integration]") {
  SupervisorFixture sup(R"(
[services.slow]
command = ["@helper", "ignore-term"]
stop_timeout = "500ms"
)");
  sup.start();
  REQUIRE(wait_until([&] { return sup.log().find("[slow] ready") != std::string::npos; }, std::chrono::seconds(5)));
  auto stop = std::async(std::launch::async,
                         [&] { return sup.request_on_any_thread(R"({"id":"s","op":"stop","services":["slow"]})"); });
  REQUIRE(sup.wait_state("slow", "stopping"));
  auto restart = sup.request(R"({"id":"r","op":"restart","services":["slow"]})");
  auto stopped = stop.get();  // would never come before the fix
  INFO(stopped.error);
  REQUIRE(stopped.error.empty());
  const auto* done = stopped.last().as<ipc::OpDone>();
  REQUIRE(done != nullptr);
  CHECK(done->ok);
  CHECK(restart.messages.at(1).as<ipc::RestartDone>()->ok);
  CHECK(sup.service("slow").state == "running");
}

TEST_CASE("control protocol: a client that half-closes still gets every reply", "[integration]") {
  SupervisorFixture sup(kOne);
  sup.start();
  REQUIRE(sup.wait_state("web", "running"));
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, sup.socket().c_str());
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string line = R"({"id":"h","op":"restart","services":["web"]})"
                           "\n";
  REQUIRE(::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  ::shutdown(fd, SHUT_WR);  // as `nc -N` or socat do after sending
  std::string got;
  char buf[4096];
  pollfd pfd{fd, POLLIN, 0};
  while (::poll(&pfd, 1, 10000) == 1) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  CHECK_THAT(got,
             Catch::Contains("restart.ack") && Catch::Contains("restart.done") && Catch::Contains("restart.complete"));
}

TEST_CASE("control protocol: 10,000 pipelined requests are all answered, in order, none dropped", "[integration]") {
  // 30 services: each status reply is kilobytes, far more than the requests.
  std::string config = "[scopes]\nplatform = [\"s0\"]\n";
  for (int i = 0; i < 30; ++i) {
    config += "[services.s" + std::to_string(i) + "]\ncommand = [\"@helper\", \"sleep\"]\nautostart = false\n";
  }
  SupervisorFixture sup(config);
  sup.start();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, sup.socket().data(), sup.socket().size());
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  constexpr int kRequests = 10'000;
  // The writer sends everything at once; the reader reads as fast as it can.
  auto writer = std::async(std::launch::async, [fd] {
    std::string all;
    for (int i = 0; i < kRequests; ++i) all += R"({"id":")" + std::to_string(i) + R"(","op":"status"})" "\n";
    size_t sent = 0;
    while (sent < all.size()) {
      const ssize_t n = ::send(fd, all.data() + sent, all.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  });
  int answered = 0;
  bool in_order = true;
  std::string partial;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (answered < kRequests && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 1000) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    partial.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    size_t nl;
    while ((nl = partial.find('\n', start)) != std::string::npos) {
      const std::string expected = R"({"id":")" + std::to_string(answered) + R"(","type":"status")";
      if (partial.compare(start, expected.size(), expected) != 0) in_order = false;
      ++answered;
      start = nl + 1;
    }
    partial.erase(0, start);
  }
  ::shutdown(fd, SHUT_RDWR);
  CHECK(writer.get());
  ::close(fd);
  std::printf("pipelined control requests answered: %d of %d\n", answered, kRequests);
  CHECK(answered == kRequests);
  CHECK(in_order);
  // Still serving others.
  CHECK(sup.service("s0").name == "s0");
}
