#include <catch2/catch.hpp>

#include <signal.h>

#include "common/os/uv_handles.hpp"
#include "common/os/uv_stream.hpp"
#include "ipc/async_client.hpp"
#include "tests/support/supervisor_fixture.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

// Runs the loop until `done` or a 20 s safety deadline.
void run_until(common::uv::Loop& loop, const bool& done) {
  common::uv::Timer deadline(loop);
  deadline.start(common::Millis(20000), [&] { uv_stop(loop); });
  while (!done && uv_run(loop, UV_RUN_ONCE) != 0) {
  }
}

}  // namespace

TEST_CASE("async client: a restart through a real supervisor gets every reply", "[integration]") {
  SupervisorFixture sup(R"(
[services.web]
command = ["@helper", "sleep"]
)");
  sup.start();
  common::uv::Loop loop;
  {
    ipc::AsyncClient client(loop, sup.socket(), "test");
    std::vector<std::string> types;
    bool done = false;
    client.send([](std::string_view id) { return ipc::encode_restart_request(id, {"web"}); },
                {[&](const ipc::Reply& r) {
                   if (r.as<ipc::RestartAck>()) types.push_back("ack");
                   if (const auto* d = r.as<ipc::RestartDone>()) types.push_back(d->ok ? "done ok" : "done failed");
                   if (r.as<ipc::RestartComplete>()) {
                     types.push_back("complete");
                     done = true;
                   }
                 },
                 [&](const common::Error& e) {
                   FAIL(e.message);
                   done = true;
                 }},
                common::Millis(10000));
    run_until(loop, done);
    CHECK(types == std::vector<std::string>{"ack", "done ok", "complete"});
    CHECK(client.pending() == 0);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("async client: a supervisor that is not there fails the request with the socket path", "[integration]") {
  TempDir dir;
  common::uv::Loop loop;
  {
    const std::string path = (dir / "absent.sock").string();
    ipc::AsyncClient client(loop, path, "test");
    std::string failure;
    bool done = false;
    client.send([](std::string_view id) { return ipc::encode_status_request(id); },
                {[&](const ipc::Reply&) { done = true; },
                 [&](const common::Error& e) {
                   failure = e.message;
                   done = true;
                 }},
                common::Millis(5000));
    run_until(loop, done);
    CHECK(failure == "cannot reach reship-supervisor at " + path + ": no such file or directory");
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("async client: a server that never answers times the request out", "[integration]") {
  TempDir dir;
  common::uv::Loop loop;
  {
    const std::string path = (dir / "mute.sock").string();
    std::vector<common::uv::Stream> accepted;
    auto mute = common::uv::Listener::unix_socket(loop, path, 0600, [&](common::uv::Stream s) {
      accepted.push_back(std::move(s));
    });
    REQUIRE(mute.ok());
    ipc::AsyncClient client(loop, path, "test");
    std::string failure;
    bool done = false;
    client.send([](std::string_view id) { return ipc::encode_status_request(id); },
                {nullptr,
                 [&](const common::Error& e) {
                   failure = e.message;
                   done = true;
                 }},
                common::Millis(200));
    run_until(loop, done);
    CHECK(failure == "reship-supervisor at " + path + " did not answer within 200ms");
    mute->close();
    accepted.clear();
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("async client: a supervisor dying mid-restart fails the request, and the client reconnects",
          "[integration]") {
  SupervisorFixture sup(R"(
[services.slow]
command = ["@helper", "ignore-term"]
stop_timeout = "5s"
)");
  sup.start();
  REQUIRE(wait_until([&] { return sup.log().find("[slow] ready") != std::string::npos; }, 5s));
  common::uv::Loop loop;
  {
    ipc::AsyncClient client(loop, sup.socket(), "test");
    std::string failure;
    bool acked = false;
    bool done = false;
    client.send([](std::string_view id) { return ipc::encode_restart_request(id, {"slow"}); },
                {[&](const ipc::Reply& r) {
                   if (r.as<ipc::RestartAck>()) {
                     acked = true;
                     ::kill(sup.process()->pid(), SIGKILL);
                   }
                 },
                 [&](const common::Error& e) {
                   failure = e.message;
                   done = true;
                 }},
                common::Millis(10000));
    run_until(loop, done);
    CHECK(acked);
    CHECK_THAT(failure, Catch::StartsWith("lost the connection to reship-supervisor at " + sup.socket()));
    // A new supervisor on the same socket: the next request connects again.
    sup.process()->wait(5s);
    sup.start();
    bool status_ok = false;
    done = false;
    client.send([](std::string_view id) { return ipc::encode_status_request(id); },
                {[&](const ipc::Reply& r) {
                   status_ok = r.as<ipc::StatusReply>() != nullptr;
                   done = true;
                 },
                 [&](const common::Error& e) {
                   FAIL(e.message);
                   done = true;
                 }},
                common::Millis(5000));
    run_until(loop, done);
    CHECK(status_ok);
  }
  CHECK(loop.close() == 0);
}
