// Deploy locks over HTTP and through the CLI: a lock refuses deploys with
// 423 and says who holds it and why, keeps queued deploys waiting, ends by
// its TTL, survives a restart of reship-back, and only its holder or an
// unrestricted token may release it.

#include <catch2/catch.hpp>

#include <simdjson.h>

#include <thread>

#include "back/api/auth.hpp"
#include "tests/support/back_fixture.hpp"
#include "tests/support/tokens.hpp"
#include "tests/support/binaries.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

const char* kConfig = R"(
[services.web]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
[back]
listen = @listen
state_dir = "state"
[builds]
platform = ["sh", "-c", "sleep 1; echo built"]
)";

std::string token_config() {
  return R"(
[services.web]
command = ["@helper", "sleep"]
[services.shop]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
shop = ["shop"]
[lanes]
platform = ["platform"]
shop = ["shop"]
[back]
listen = @listen
state_dir = "state"
[builds]
platform = ["sh", "-c", "echo built"]
shop = ["sh", "-c", "echo built"]
[[tokens]]
name = "alice"
sha256 = ")" + token_sha256("alice-secret") + R"("
scopes = ["platform"]
[[tokens]]
name = "bob"
sha256 = ")" + token_sha256("bob-secret") + R"("
scopes = ["platform"]
[[tokens]]
name = "ops"
sha256 = ")" + token_sha256("ops-secret") + R"("
scopes = ["platform", "shop"]
unrestricted = true
)";
}

std::string str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v)) return "";
  return std::string(v);
}

std::string status_of(BackFixture& f, const std::string& id) {
  simdjson::dom::parser parser;
  auto r = f.request("GET", "/api/v1/deploys/" + id);
  return str(parser.parse(r.body).value(), "status");
}

RunResult run_reship(BackFixture& f, std::vector<std::string> args) {
  std::vector<std::string> argv{kCliBin, "--config", f.config_path(), "--url", "unix:" + f.back_socket()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, 60s);
}

}  // namespace

TEST_CASE("api locks: a lock refuses deploys with 423, its holder, reason and end", "[integration]") {
  BackFixture f(kConfig);
  f.start_back();
  simdjson::dom::parser parser;
  auto taken = f.request("POST", "/api/v1/lock", R"({"reason":"db migration","ttl":"30m"})");
  INFO(taken.body);
  REQUIRE(taken.status == 200);
  auto lock = parser.parse(taken.body).value()["lock"].value();
  CHECK(str(lock, "lane") == "main");
  CHECK(str(lock, "holder") == "anonymous");
  CHECK(str(lock, "reason") == "db migration");

  for (const char* route : {"/api/v1/deploys", "/api/v1/self/deploy"}) {
    auto refused = f.request("POST", route, R"({"scope":"platform","mode":"build"})");
    INFO(route << " " << refused.body);
    CHECK(refused.status == 423);
    auto error = parser.parse(refused.body).value()["error"].value();
    CHECK(str(error, "code") == "locked");
    CHECK_THAT(str(error, "message"), Catch::Contains("locked by \"anonymous\"") && Catch::Contains("db migration") &&
                                          Catch::Contains(" until ") && Catch::Contains("reship unlock"));
    CHECK(str(error["lock"].value(), "reason") == "db migration");
    CHECK(!str(error["lock"].value(), "since").empty());
    CHECK(!str(error["lock"].value(), "until").empty());
  }
  // The lock shows in /healthz, /metrics and the lanes.
  auto health = f.request("GET", "/healthz");
  CHECK(str(parser.parse(health.body).value()["locks"].at(0).value(), "reason") == "db migration");
  CHECK_THAT(f.request("GET", "/metrics").body, Catch::Contains("reship_lane_locked{lane=\"main\"} 1"));
  auto lanes = f.request("GET", "/api/v1/lanes");
  CHECK(str(parser.parse(lanes.body).value()["lanes"].at(0)["lock"].value(), "holder") == "anonymous");

  auto released = f.request("DELETE", "/api/v1/lock");
  INFO(released.body);
  CHECK(released.status == 200);
  CHECK(str(parser.parse(released.body).value()["lock"].value(), "releasedBy") == "anonymous");
  CHECK(f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})").status == 200);
  CHECK_THAT(f.request("GET", "/metrics").body, Catch::Contains("reship_lane_locked{lane=\"main\"} 0"));
  CHECK(f.request("DELETE", "/api/v1/lock").status == 409);
}

TEST_CASE("api locks: queued deploys wait for the unlock, or are cancelled with it", "[integration]") {
  BackFixture f(kConfig);
  f.start_back();
  simdjson::dom::parser parser;
  const auto submit = [&] {
    auto r = f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"build"})");
    REQUIRE(r.status == 202);
    return str(parser.parse(r.body).value(), "deployId");
  };
  const std::string running = submit();
  const std::string queued = submit();
  REQUIRE(f.request("POST", "/api/v1/lock", R"({"reason":"hold on"})").status == 200);
  // The running one ends; the queued one stays queued, waiting for the lock.
  REQUIRE(wait_until([&] { return status_of(f, running) == "succeeded"; }, 15s));
  std::this_thread::sleep_for(300ms);
  auto record = f.request("GET", "/api/v1/deploys/" + queued);
  INFO(record.body);
  CHECK(str(parser.parse(record.body).value(), "status") == "queued");
  CHECK_THAT(record.body, Catch::Contains("\"waitingFor\":\"the lock of lane main\""));
  REQUIRE(f.request("DELETE", "/api/v1/lock").status == 200);
  CHECK(wait_until([&] { return status_of(f, queued) == "succeeded"; }, 15s));

  // --cancel-queued: the waiting deploys end cancelled instead.
  const std::string second = submit();
  const std::string third = submit();
  REQUIRE(f.request("POST", "/api/v1/lock", R"({"reason":"hold on"})").status == 200);
  REQUIRE(wait_until([&] { return status_of(f, second) == "succeeded"; }, 15s));
  auto released = f.request("DELETE", "/api/v1/lock", R"({"cancelQueued":true})");
  INFO(released.body);
  CHECK(released.status == 200);
  CHECK_THAT(released.body, Catch::Contains(third));
  CHECK(status_of(f, third) == "cancelled");
}

TEST_CASE("api locks: a lock ends by its TTL, and survives a restart of reship-back", "[integration]") {
  BackFixture f(kConfig);
  f.start_back();
  simdjson::dom::parser parser;
  REQUIRE(f.request("POST", "/api/v1/lock", R"({"reason":"short","ttl":"2s"})").status == 200);
  CHECK(f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"build"})").status == 423);
  CHECK(wait_until([&] { return f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"build"})")
                                    .status == 202; },
                   10s));
  auto list = f.request("GET", "/api/v1/lock");
  INFO(list.body);
  auto doc = parser.parse(list.body).value();
  CHECK(doc["locks"].get_array().value().size() == 0);
  CHECK(str(doc["recent"].at(0).value(), "releasedBy") == "ttl");

  REQUIRE(f.request("POST", "/api/v1/lock", R"({"reason":"across a restart","ttl":"1h"})").status == 200);
  REQUIRE(f.back()->stop() == 0);
  f.start_back();
  auto refused = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","mode":"build"})");
  INFO(refused.body);
  CHECK(refused.status == 423);
  CHECK_THAT(refused.body, Catch::Contains("across a restart"));
  CHECK(f.request("DELETE", "/api/v1/lock").status == 200);
}

TEST_CASE("api locks: per lane, released only by the holder or an unrestricted token, bad requests say why",
          "[integration]") {
  BackFixture f(token_config());
  f.start_back();
  simdjson::dom::parser parser;
  const std::string alice = bearer("alice-secret");
  const std::string bob = bearer("bob-secret");
  const std::string ops = bearer("ops-secret");
  auto no_lane = f.request("POST", "/api/v1/lock", R"({"reason":"x"})", alice);
  CHECK(no_lane.status == 400);
  CHECK_THAT(no_lane.body, Catch::Contains("lanes: platform, shop"));
  CHECK(f.request("POST", "/api/v1/lock?lane=shop", R"({"reason":"x"})", alice).status == 403);
  CHECK(f.request("POST", "/api/v1/lock?lane=platform", R"({"ttl":"5m"})", alice).status == 400);
  CHECK(f.request("POST", "/api/v1/lock?lane=platform", R"({"reason":"x","ttl":"soon"})", alice).status == 400);
  CHECK(f.request("POST", "/api/v1/lock?lane=platform", R"({"reason":"x","color":"red"})", alice).status == 400);
  auto control = f.request("POST", "/api/v1/lock?lane=platform", "{\"reason\":\"x\\u001b[2Jy\"}", alice);
  CHECK(control.status == 400);
  CHECK_THAT(control.body, Catch::Contains("one line of text"));
  REQUIRE(f.request("POST", "/api/v1/lock", R"({"lane":"platform","reason":"release freeze"})", alice).status == 200);
  // Another token cannot take it or release it; the other lane deploys on.
  auto taken = f.request("POST", "/api/v1/lock", R"({"lane":"platform","reason":"mine"})", bob);
  CHECK(taken.status == 423);
  CHECK_THAT(taken.body, Catch::Contains("release freeze"));
  CHECK(f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"build"})", bob).status == 423);
  CHECK(f.request("POST", "/api/v1/deploys", R"({"scope":"shop","mode":"build"})", ops).status == 202);
  auto forbidden = f.request("DELETE", "/api/v1/lock?lane=platform", "", bob);
  CHECK(forbidden.status == 403);
  CHECK_THAT(forbidden.body, Catch::Contains("only alice or an unrestricted token"));
  // The holder renews it; an unrestricted token breaks it, and it says so.
  CHECK(f.request("POST", "/api/v1/lock", R"({"lane":"platform","reason":"longer","ttl":"2h"})", alice).status ==
        200);
  auto broken = f.request("DELETE", "/api/v1/lock?lane=platform", "", ops);
  INFO(broken.body);
  REQUIRE(broken.status == 200);
  auto lock = parser.parse(broken.body).value()["lock"].value();
  CHECK(str(lock, "holder") == "alice");
  CHECK(str(lock, "releasedBy") == "ops");
  CHECK(lock["broken"].get_bool().value());
  CHECK(str(lock, "reason") == "longer");
  CHECK_THAT(f.back_log(), Catch::Contains("the lock of alice was broken by ops"));
}

TEST_CASE("reship lock, locks, unlock: through the CLI, and a refused deploy says why", "[integration]") {
  BackFixture f(kConfig);
  f.start_back();
  auto locked = run_reship(f, {"lock", "--reason", "on call handover", "--ttl", "10m"});
  INFO(locked.out << locked.err);
  CHECK(locked.exit_code == 0);
  CHECK_THAT(locked.out, Catch::Contains("main: locked by anonymous") && Catch::Contains("on call handover"));
  auto list = run_reship(f, {"locks"});
  CHECK_THAT(list.out, Catch::Contains("on call handover"));
  auto lanes = run_reship(f, {"lanes"});
  CHECK_THAT(lanes.out, Catch::Contains("anonymous until "));
  auto deploy = run_reship(f, {"deploy", "--scope", "platform", "--mode", "build"});
  INFO(deploy.out << deploy.err);
  CHECK(deploy.exit_code == 2);
  CHECK_THAT(deploy.err, Catch::Contains("on call handover"));
  auto unlocked = run_reship(f, {"unlock"});
  INFO(unlocked.out << unlocked.err);
  CHECK(unlocked.exit_code == 0);
  CHECK_THAT(unlocked.out, Catch::Contains("main: unlocked"));
  CHECK(run_reship(f, {"locks"}).out == "no lane is locked\n");
}
