// Restarts through the control socket, against a real reship-supervisor
// running real child processes.

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <future>
#include <map>
#include <regex>
#include <set>

#include <catch2/catch.hpp>

#include "tests/support/skip.hpp"
#include "tests/support/supervisor_fixture.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

const char* kThree = R"(
[services.one]
command = ["@helper", "sleep"]
[services.two]
command = ["@helper", "sleep"]
[services.three]
command = ["@helper", "sleep"]
[scopes]
platform = ["one", "two", "three"]
)";

// The pid a helper child printed for `marker` ("grandchild pid=123").
// The pid the `nth` (from 0) "MARKER pid=N" line of the log names.
pid_t pid_in_log(const std::string& log, const std::string& marker, size_t nth = 0) {
  const std::regex re(marker + " pid=([0-9]+)");
  size_t i = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator(); ++it, ++i) {
    if (i == nth) return static_cast<pid_t>(std::stol((*it)[1].str()));
  }
  return 0;
}

}  // namespace

TEST_CASE("supervisor restart: a scope of 3 answers ack, 3 done with new pids, complete", "[integration]") {
  SupervisorFixture sup(kThree);
  sup.start();
  REQUIRE(sup.wait_state("three", "running"));
  std::map<std::string, int> old_pids;
  for (const char* name : {"one", "two", "three"}) old_pids[name] = sup.service(name).pid.value();

  auto r = sup.request(R"({"id":"r1","op":"restart","scope":"platform"})");
  REQUIRE(r.messages.size() == 5);
  const auto* ack = r.messages[0].as<ipc::RestartAck>();
  REQUIRE(ack != nullptr);
  CHECK(ack->services == std::vector<std::string>{"one", "two", "three"});
  std::set<std::string> done_names;
  for (size_t i = 1; i <= 3; ++i) {
    const auto* done = r.messages[i].as<ipc::RestartDone>();
    REQUIRE(done != nullptr);
    INFO(r.lines[i]);
    CHECK(r.messages[i].id == std::optional<std::string>("r1"));
    CHECK(done->ok);
    REQUIRE(done->pid.has_value());
    CHECK(done->old_pid == std::optional<int>(old_pids[done->service]));
    CHECK(*done->pid != old_pids[done->service]);
    CHECK(done->duration_ms >= 0);
    CHECK_FALSE(done->killed);
    CHECK(sup.service(done->service).pid == done->pid);
    done_names.insert(done->service);
    // The old process is gone for good.
    CHECK(wait_until([&] { return process_reaped(old_pids[done->service]); }, 5s));
  }
  CHECK(done_names == std::set<std::string>{"one", "two", "three"});
  const auto* complete = r.last().as<ipc::RestartComplete>();
  REQUIRE(complete != nullptr);
  CHECK(complete->ok);
  CHECK(sup.service("one").restarts == 1);
}

TEST_CASE("supervisor restart: a child that ignores SIGTERM is SIGKILLed after stop_timeout", "[integration]") {
  SupervisorFixture sup(R"(
[services.stubborn]
command = ["@helper", "ignore-term"]
stop_timeout = "300ms"
)");
  sup.start();
  REQUIRE(sup.wait_state("stubborn", "running"));
  // Wait until the child has set up its SIGTERM handler (it says so).
  REQUIRE(wait_until([&] { return sup.log().find("[stubborn] ready") != std::string::npos; }, 5s));
  const int old_pid = sup.service("stubborn").pid.value();
  auto r = sup.request(R"({"id":"k","op":"restart","services":["stubborn"]})");
  const auto* done = r.messages.at(1).as<ipc::RestartDone>();
  REQUIRE(done != nullptr);
  INFO(r.lines.at(1));
  CHECK(done->ok);
  CHECK(done->killed);
  CHECK(done->duration_ms >= 300);
  CHECK(r.lines.at(1).find("\"killed\":true") != std::string::npos);
  CHECK(process_reaped(old_pid));
}

TEST_CASE("supervisor restart: a grandchild does not survive its service's stop", "[integration]") {
  SupervisorFixture sup(R"(
[services.parent]
command = ["@helper", "fork-grandchild"]
)");
  sup.start();
  pid_t grandchild = 0;
  REQUIRE(wait_until([&] { return (grandchild = pid_in_log(sup.log(), "grandchild")) > 0; }, 5s));
  REQUIRE_FALSE(process_gone(grandchild));
  auto r = sup.request(R"({"id":"s","op":"stop","services":["parent"]})");
  const auto* done = r.last().as<ipc::OpDone>();
  REQUIRE(done != nullptr);
  CHECK(done->ok);
  // The stop ended only once the whole group was gone: no waiting here.
  CHECK(process_reaped(grandchild));
  CHECK(sup.service("parent").state == "stopped");
}

TEST_CASE("supervisor restart: what a service daemonizes is counted, and stopped with each restart and stop",
          "[integration]") {
  SupervisorFixture sup(R"(
[services.daemonizing]
command = ["sh", "-c", "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo daemon pid=$!; exec sleep 1000"]
)");
  sup.start();
  pid_t daemon = 0;
  REQUIRE(wait_until([&] { return (daemon = pid_in_log(sup.log(), "daemon")) > 0; }, 5s));
  REQUIRE_FALSE(process_gone(daemon));
  if (sup.service("daemonizing").extra_processes == 0) {
    // Without a cgroup (not root), a process that left the group is found
    // only by the next supervisor's sweep of its socket's tag.
    RESHIP_SKIP("no cgroup can be made here: a daemonized process is not tracked");
  }
  CHECK(sup.service("daemonizing").extra_processes == 1);
  std::set<pid_t> daemons{daemon};
  for (int i = 0; i < 3; ++i) {
    auto r = sup.request(R"({"id":"r","op":"restart","services":["daemonizing"]})");
    REQUIRE(r.messages.size() >= 2);
    const auto* done = r.messages.at(1).as<ipc::RestartDone>();
    REQUIRE(done != nullptr);
    CHECK(done->ok);
    // The daemon of the start before is gone with it: dead when the restart
    // is done (it leaves its cgroup as it exits), reaped a moment later.
    CHECK(wait_until([&] { return process_reaped(daemon); }, 2s));
    REQUIRE(wait_until([&] {
      daemon = pid_in_log(sup.log(), "daemon", daemons.size());
      return daemon > 0 && daemons.count(daemon) == 0;
    }, 5s));
    daemons.insert(daemon);
    CHECK(sup.service("daemonizing").extra_processes == 1);  // one, never piling up
  }
  auto r = sup.request(R"({"id":"s","op":"stop","services":["daemonizing"]})");
  REQUIRE(r.last().as<ipc::OpDone>() != nullptr);
  CHECK(wait_until([&] { return process_reaped(daemon); }, 2s));
  std::printf("daemonized processes left after 3 restarts and a stop: %zu of %zu\n",
              std::count_if(daemons.begin(), daemons.end(), [](pid_t p) { return !process_gone(p); }),
              daemons.size());
}

TEST_CASE("supervisor restart: a child never ready fails with an error naming the timeout", "[integration]") {
  const int port = free_port();
  SupervisorFixture sup(R"(
[services.slow]
command = ["@helper", "sleep"]
ready = "tcp://127.0.0.1:)" +
                        std::to_string(port) + R"("
ready_timeout = "300ms"
autostart = false
)");
  sup.start();
  auto r = sup.request(R"({"id":"t","op":"restart","services":["slow"]})");
  const auto* done = r.messages.at(1).as<ipc::RestartDone>();
  REQUIRE(done != nullptr);
  INFO(r.lines.at(1));
  CHECK_FALSE(done->ok);
  CHECK_THAT(done->error, Catch::StartsWith("not ready within 300ms"));
  CHECK_THAT(done->error, Catch::Contains("connection refused"));
  CHECK(done->duration_ms >= 300);
  const auto* complete = r.last().as<ipc::RestartComplete>();
  REQUIRE(complete != nullptr);
  CHECK_FALSE(complete->ok);
}

TEST_CASE("supervisor restart: a service crashing at start-up shows its stack trace", "[integration]") {
  const int port = free_port();
  SupervisorFixture sup(R"(
[services.broken]
command = ["@helper", "crash", "20"]
ready = "tcp://127.0.0.1:)" +
                        std::to_string(port) + R"("
autostart = false
)");
  sup.start();
  auto r = sup.request(R"({"id":"c","op":"restart","services":["broken"]})");
  const auto* done = r.messages.at(1).as<ipc::RestartDone>();
  REQUIRE(done != nullptr);
  INFO(r.lines.at(1));
  CHECK_FALSE(done->ok);
  CHECK(done->error == "exited with code 1 before it was ready");
  CHECK_THAT(done->output, Catch::Contains("TypeError: Cannot read properties of undefined"));
  CHECK_THAT(done->output, Catch::Contains("at loadConfig (/app/dist/server.js:12:34)"));
  // Far quicker than the 30 s ready_timeout: a crash fails the restart at once.
  CHECK(done->duration_ms < 5000);
}

TEST_CASE("supervisor restart: readiness by notify, tcp and http", "[integration]") {
  const int tcp_port = free_port();
  const int http_port = free_port();
  SupervisorFixture sup(R"(
[services.notifier]
command = ["@helper", "notify", "100"]
ready = "notify"
[services.listener]
command = ["@helper", "listen", ")" +
                        std::to_string(tcp_port) + R"(", "100"]
ready = "tcp://127.0.0.1:)" +
                        std::to_string(tcp_port) + R"("
[services.web]
command = ["@helper", "http", ")" +
                        std::to_string(http_port) + R"("]
ready = "http://127.0.0.1:)" +
                        std::to_string(http_port) + R"(/healthz"
[scopes]
all3 = ["notifier", "listener", "web"]
)");
  sup.start();
  auto r = sup.request(R"({"id":"n","op":"restart","scope":"all3"})");
  REQUIRE(r.messages.size() == 5);
  for (size_t i = 1; i <= 3; ++i) {
    INFO(r.lines[i]);
    const auto* done = r.messages[i].as<ipc::RestartDone>();
    REQUIRE(done != nullptr);
    CHECK(done->ok);
  }
  // Ready means ready: the delayed ones took at least their delay.
  for (size_t i = 1; i <= 3; ++i) {
    const auto* done = r.messages[i].as<ipc::RestartDone>();
    if (done->service != "web") CHECK(done->duration_ms >= 100);
  }
}

TEST_CASE("supervisor restart: an http probe answered 503 is not ready", "[integration]") {
  const int port = free_port();
  SupervisorFixture sup(R"(
[services.sick]
command = ["@helper", "http", ")" +
                        std::to_string(port) + R"(", "503"]
ready = "http://127.0.0.1:)" +
                        std::to_string(port) + R"(/healthz"
ready_timeout = "400ms"
autostart = false
)");
  sup.start();
  auto r = sup.request(R"({"id":"h","op":"restart","services":["sick"]})");
  const auto* done = r.messages.at(1).as<ipc::RestartDone>();
  REQUIRE(done != nullptr);
  CHECK_FALSE(done->ok);
  CHECK_THAT(done->error, Catch::Contains("answered 503"));
}

TEST_CASE("supervisor restart: a second restart of the same service joins the first", "[integration]") {
  SupervisorFixture sup(R"(
[services.slowstop]
command = ["@helper", "ignore-term"]
stop_timeout = "400ms"
)");
  sup.start();
  REQUIRE(wait_until([&] { return sup.log().find("[slowstop] ready") != std::string::npos; }, 5s));
  // Two requests, both for the same service, the second while the first stops it.
  auto first_done = std::async(std::launch::async, [&] {
    return sup.request_on_any_thread(R"({"id":"a","op":"restart","services":["slowstop"]})");
  });
  REQUIRE(wait_until([&] { return sup.service("slowstop").state == "stopping"; }, 5s));
  auto b = sup.request(R"({"id":"b","op":"restart","services":["slowstop"]})");
  auto a = first_done.get();
  INFO(a.error);
  REQUIRE(a.error.empty());
  const auto* da = a.messages.at(1).as<ipc::RestartDone>();
  const auto* db = b.messages.at(1).as<ipc::RestartDone>();
  REQUIRE(da != nullptr);
  REQUIRE(db != nullptr);
  CHECK(da->ok);
  CHECK(db->ok);
  CHECK(da->pid == db->pid);  // one restart, one new process
  CHECK(sup.service("slowstop").restarts == 1);
}

TEST_CASE("supervisor restart: several requests in flight on one connection", "[integration]") {
  SupervisorFixture sup(kThree);
  sup.start();
  REQUIRE(sup.wait_state("three", "running"));
  // Two restarts written at once; replies interleave, each with its own id.
  auto lines = sup.exchange(R"({"id":"x","op":"restart","services":["one"]})"
                            "\n"
                            R"({"id":"y","op":"restart","services":["two"]})"
                            "\n",
                            [](const std::vector<std::string>& got) {
                              int completes = 0;
                              for (const auto& l : got) completes += l.find("restart.complete") != std::string::npos;
                              return completes == 2;
                            });
  std::map<std::string, std::vector<std::string>> types_by_id;
  simdjson::dom::parser parser;
  for (const auto& line : lines) {
    auto reply = ipc::decode_reply(parser, line);
    REQUIRE(reply.has_value());
    std::string type = reply->as<ipc::RestartAck>() ? "ack" : reply->as<ipc::RestartDone>() ? "done" : "complete";
    types_by_id[*reply->id].push_back(type);
  }
  const std::vector<std::string> expected{"ack", "done", "complete"};
  CHECK(types_by_id["x"] == expected);
  CHECK(types_by_id["y"] == expected);
  CHECK(sup.service("one").restarts == 1);
  CHECK(sup.service("two").restarts == 1);
}
