// Config reload (issue 22) against a real reship-supervisor: the file is
// rewritten, {"op":"reload"} (or SIGHUP) applies the difference, and each
// test checks what a user would: which pids changed, what the reply says,
// what the processes see.

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "supervisor/config_diff.hpp"
#include "tests/support/process.hpp"
#include "tests/support/supervisor_fixture.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

const char* kTwo = R"(
[services.one]
command = ["@helper", "sleep"]
env = { GREETING = "hello" }
[services.two]
command = ["@helper", "sleep"]
[scopes]
platform = ["one", "two"]
)";

// The environment a running process was started with (waiting, up to a
// deadline, for a process spawned a moment ago to be done with its exec).
std::map<std::string, std::string> environment_of(int pid) {
  std::string text;
  wait_until(
      [&] {
        std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
        std::stringstream all;
        all << in.rdbuf();
        text = all.str();
        return !text.empty();
      },
      5s);
  std::map<std::string, std::string> env;
  std::string entry;
  std::istringstream entries(text);
  while (std::getline(entries, entry, '\0')) {
    const auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

bool alive(int pid) { return ::kill(pid, 0) == 0; }

const ipc::ReloadDone& reload_done(const SupervisorFixture::Replies& r) {
  const auto* done = r.last().as<ipc::ReloadDone>();
  INFO(r.lines.back());
  REQUIRE(done != nullptr);
  return *done;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("reload: a service added starts, the others keep their pids", "[integration]") {
  SupervisorFixture sup(kTwo);
  sup.start();
  REQUIRE(sup.wait_state("two", "running"));
  const int one = sup.service("one").pid.value();
  const int two = sup.service("two").pid.value();

  sup.write_config(std::string(kTwo) + "[services.three]\ncommand = [\"@helper\", \"sleep\"]\n");
  auto r = sup.request(R"({"id":"r","op":"reload"})");
  const auto& done = reload_done(r);
  CHECK(done.ok);
  CHECK(done.started == Names{"three"});
  CHECK(done.unchanged == Names{"one", "two"});
  CHECK(done.stopped.empty());
  CHECK(done.restarted.empty());
  REQUIRE(done.results.size() == 1);
  CHECK(done.results[0].action == "started");
  CHECK(done.results[0].ok);
  // Answered once it is ready: running, with the pid the reply names.
  const auto three = sup.service("three");
  CHECK(three.state == "running");
  CHECK(three.pid == done.results[0].pid);
  CHECK(sup.service("one").pid.value() == one);
  CHECK(sup.service("two").pid.value() == two);

  // A scope the file adds is usable at once.
  sup.write_config(R"(
[services.one]
command = ["@helper", "sleep"]
env = { GREETING = "hello" }
[services.two]
command = ["@helper", "sleep"]
[services.three]
command = ["@helper", "sleep"]
[scopes]
platform = ["one", "two"]
extra = ["three"]
)");
  const auto second = reload_done(sup.request(R"({"id":"r2","op":"reload"})"));
  CHECK(second.ok);
  CHECK(second.unchanged == Names{"one", "two", "three"});
  auto restart = sup.request(R"({"id":"x","op":"restart","scope":"extra"})");
  const auto* complete = restart.last().as<ipc::RestartComplete>();
  REQUIRE(complete != nullptr);
  CHECK(complete->ok);
  CHECK(sup.service("three").pid.value() != three.pid.value());
}

TEST_CASE("reload: a service removed stops and leaves the status, the others keep their pids", "[integration]") {
  SupervisorFixture sup(kTwo);
  sup.start();
  REQUIRE(sup.wait_state("two", "running"));
  const int one = sup.service("one").pid.value();
  const int two = sup.service("two").pid.value();

  sup.write_config(R"(
[services.one]
command = ["@helper", "sleep"]
env = { GREETING = "hello" }
[scopes]
platform = ["one"]
)");
  const auto done = reload_done(sup.request(R"({"id":"r","op":"reload"})"));
  CHECK(done.ok);
  CHECK(done.stopped == Names{"two"});
  CHECK(done.unchanged == Names{"one"});
  // Answered once it is gone.
  CHECK_FALSE(alive(two));
  CHECK(sup.service("one").pid.value() == one);
  auto status = sup.request(R"({"id":"s","op":"status"})");
  const auto* st = status.last().as<ipc::StatusReply>();
  REQUIRE(st != nullptr);
  REQUIRE(st->services.size() == 1);
  CHECK(st->services[0].name == "one");
  auto restart = sup.request(R"({"id":"x","op":"restart","services":["two"]})");
  const auto* error = restart.last().as<ipc::ErrorReply>();
  REQUIRE(error != nullptr);
  CHECK(error->code == "unknown_service");
}

TEST_CASE("reload: a changed env restarts only that service, which sees the new value", "[integration]") {
  SupervisorFixture sup(kTwo);
  sup.start();
  REQUIRE(sup.wait_state("two", "running"));
  const int one = sup.service("one").pid.value();
  const int two = sup.service("two").pid.value();
  CHECK(environment_of(one)["GREETING"] == "hello");

  std::string changed = kTwo;
  changed.replace(changed.find("\"hello\""), 7, "\"bonjour\"");
  sup.write_config(changed);
  const auto done = reload_done(sup.request(R"({"id":"r","op":"reload"})"));
  CHECK(done.ok);
  CHECK(done.restarted == Names{"one"});
  CHECK(done.unchanged == Names{"two"});
  REQUIRE(done.results.size() == 1);
  CHECK(done.results[0].action == "restarted");
  CHECK(done.results[0].old_pid == one);
  const int new_one = sup.service("one").pid.value();
  CHECK(new_one != one);
  CHECK(new_one == done.results[0].pid);
  CHECK(environment_of(new_one)["GREETING"] == "bonjour");
  CHECK(sup.service("two").pid.value() == two);

  // Reloading the same file again changes nothing.
  const auto again = reload_done(sup.request(R"({"id":"r2","op":"reload"})"));
  CHECK(again.ok);
  CHECK(again.unchanged == Names{"one", "two"});
  CHECK(sup.service("one").pid.value() == new_one);
}

TEST_CASE("reload with restart never: a changed service keeps its process until its next restart", "[integration]") {
  SupervisorFixture sup(kTwo);
  sup.start();
  REQUIRE(sup.wait_state("two", "running"));
  const int one = sup.service("one").pid.value();

  std::string changed = kTwo;
  changed.replace(changed.find("\"hello\""), 7, "\"later\"");
  sup.write_config(changed);
  const auto done = reload_done(sup.request(R"({"id":"r","op":"reload","restart":"never"})"));
  CHECK(done.ok);
  CHECK(done.changed == Names{"one"});
  CHECK(done.restarted.empty());
  CHECK(sup.service("one").pid.value() == one);
  CHECK(sup.service("one").changed);
  CHECK(environment_of(one)["GREETING"] == "hello");

  auto restart = sup.request(R"({"id":"x","op":"restart","services":["one"]})");
  REQUIRE(restart.last().as<ipc::RestartComplete>() != nullptr);
  const auto after = sup.service("one");
  CHECK(after.pid.value() != one);
  CHECK_FALSE(after.changed);
  CHECK(environment_of(after.pid.value())["GREETING"] == "later");
}

TEST_CASE("reload: a config with problems changes nothing and lists every problem", "[integration]") {
  SupervisorFixture sup(kTwo);
  sup.start();
  REQUIRE(sup.wait_state("two", "running"));
  const int one = sup.service("one").pid.value();
  const int two = sup.service("two").pid.value();

  sup.write_config(R"(
[services.one]
command = []
[services.three]
command = ["@helper", "sleep"]
restart = "sometimes"
)");
  const auto done = reload_done(sup.request(R"({"id":"r","op":"reload"})"));
  CHECK_FALSE(done.ok);
  REQUIRE(done.problems.size() >= 2);
  for (const auto& p : done.problems) {
    INFO(p);
    CHECK(p.rfind(sup.config_path() + ":", 0) == 0);
  }
  CHECK(done.started.empty());
  CHECK(done.stopped.empty());
  CHECK(sup.service("one").pid.value() == one);
  CHECK(sup.service("two").pid.value() == two);
  CHECK(sup.log().find("reload refused: " + sup.config_path()) != std::string::npos);
}

TEST_CASE("reload on SIGHUP: a service added starts", "[integration]") {
  SupervisorFixture sup(kTwo);
  sup.start();
  REQUIRE(sup.wait_state("two", "running"));
  const int one = sup.service("one").pid.value();
  sup.write_config(std::string(kTwo) + "[services.three]\ncommand = [\"@helper\", \"sleep\"]\n");
  REQUIRE(::kill(sup.process()->pid(), SIGHUP) == 0);
  CHECK(sup.wait_state("three", "running"));
  CHECK(sup.service("one").pid.value() == one);
}

TEST_CASE("reload: a new [supervisor] socket is reported as needing a restart, not applied", "[integration]") {
  SupervisorFixture sup(kTwo);
  sup.start();
  REQUIRE(sup.wait_state("two", "running"));
  // write_config() names run/sv.sock: this file is written by hand.
  sup.dir().write("reship.toml", "[supervisor]\nsocket = \"run/other.sock\"\nstop_timeout = \"2s\"\n" +
                                     with_helper(kTwo));
  const auto done = reload_done(sup.request(R"({"id":"r","op":"reload"})"));
  CHECK(done.ok);
  REQUIRE(done.needs_restart.size() == 1);
  CHECK(done.needs_restart[0].find("[supervisor] socket") != std::string::npos);
  // Still here, on the socket it had.
  auto status = sup.request(R"({"id":"s","op":"status"})");
  CHECK(status.last().as<ipc::StatusReply>() != nullptr);
}

TEST_CASE("reload: a service's kept listen address keeps its socket, a new one is bound", "[integration]") {
  SupervisorFixture sup(R"(
[services.web]
command = ["@helper", "sleep"]
listen = ["tcp://127.0.0.1:0"]
)");
  sup.start();
  REQUIRE(sup.wait_state("web", "running"));
  const auto before = sup.service("web");
  REQUIRE(before.sockets.size() == 1);

  sup.write_config(R"(
[services.web]
command = ["@helper", "sleep"]
listen = ["tcp://127.0.0.1:0", "unix:run/web.sock"]
env = { V = "2" }
)");
  const auto done = reload_done(sup.request(R"({"id":"r","op":"reload"})"));
  CHECK(done.ok);
  CHECK(done.restarted == Names{"web"});
  const auto after = sup.service("web");
  REQUIRE(after.sockets.size() == 2);
  // The same socket: the kernel's port for ":0" did not change.
  CHECK(after.sockets[0].bound == before.sockets[0].bound);
  CHECK(after.sockets[1].bound == "unix:" + (sup.dir().path() / "run/web.sock").string());
  const auto env = environment_of(after.pid.value());
  CHECK(env.at("LISTEN_FDS") == "2");

  // Dropping the unix address removes its file once no process uses it.
  sup.write_config(R"(
[services.web]
command = ["@helper", "sleep"]
listen = ["tcp://127.0.0.1:0"]
)");
  CHECK(reload_done(sup.request(R"({"id":"r2","op":"reload"})")).ok);
  CHECK_FALSE(std::filesystem::exists(sup.dir().path() / "run/web.sock"));
  CHECK(sup.service("web").sockets.at(0).bound == before.sockets[0].bound);
}

TEST_CASE("diff_services: added, removed, changed and unchanged by name", "[unit]") {
  const auto service = [](const char* name) {
    common::ServiceConfig s;
    s.name = name;
    s.command = {"x"};
    return s;
  };
  common::ServiceConfig a = service("a");
  common::ServiceConfig b = service("b");
  common::ServiceConfig c = service("c");
  common::ServiceConfig b2 = b;
  b2.env = {{"K", "V"}};
  common::ServiceConfig d = service("d");
  // Only where the file writes an address differs: the same definition.
  common::ListenAddress at_3;
  at_3.host = "127.0.0.1";
  at_3.port = 1;
  at_3.text = "tcp://127.0.0.1:1";
  at_3.line = 3;
  common::ListenAddress at_9 = at_3;
  at_9.line = 9;
  common::ServiceConfig a_moved = a;
  a.listen.push_back(at_3);
  a_moved.listen.push_back(at_9);
  const auto diff = supervisor::diff_services({&a, &b, &c}, {d, b2, a_moved});
  CHECK(diff.added == Names{"d"});
  CHECK(diff.removed == Names{"c"});
  CHECK(diff.changed == Names{"b"});
  CHECK(diff.unchanged == Names{"a"});
}
