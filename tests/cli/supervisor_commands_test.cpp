// `reship ps` and `reship restart` against a real supervisor.

#include <catch2/catch.hpp>

#include <simdjson.h>

#include "tests/support/binaries.hpp"
#include "tests/support/supervisor_fixture.hpp"

using namespace reship::test;
using namespace std::chrono_literals;

namespace {

const char* kServices = R"(
[services.web]
command = ["@helper", "sleep"]
[services.api]
command = ["@helper", "sleep"]
[services.broken]
command = ["@helper", "crash"]
ready = "tcp://127.0.0.1:9"
autostart = false
[scopes]
platform = ["web", "api"]
)";

RunResult run_reship(SupervisorFixture& sup, std::vector<std::string> args) {
  args.insert(args.begin(), {kCliBin, "--config", sup.config_path()});
  return run_command(args, 30s);
}

}  // namespace

TEST_CASE("reship ps: an aligned table of the services", "[integration]") {
  SupervisorFixture sup(kServices);
  sup.start();
  REQUIRE(sup.wait_state("api", "running"));
  auto r = run_reship(sup, {"ps"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("reship-supervisor "));
  CHECK_THAT(r.out, Catch::Contains("SERVICE  STATE    READY  PID"));
  CHECK_THAT(r.out, Catch::Contains("web      running  yes    " + std::to_string(sup.service("web").pid.value())));
  CHECK_THAT(r.out, Catch::Contains("broken   stopped  no     -"));
}

TEST_CASE("reship ps --json: the status as JSON", "[integration]") {
  SupervisorFixture sup(kServices);
  sup.start();
  auto r = run_reship(sup, {"ps", "--json"});
  CHECK(r.exit_code == 0);
  simdjson::dom::parser parser;
  auto doc = parser.parse(r.out);
  REQUIRE_FALSE(doc.error());
  CHECK(doc["services"].get_array().size() == 3);
  CHECK(doc["supervisor"]["pid"].get_int64().value() == sup.process()->pid());
}

TEST_CASE("reship restart: one line per service, exit 0 when all are ok", "[integration]") {
  SupervisorFixture sup(kServices);
  sup.start();
  REQUIRE(sup.wait_state("api", "running"));
  const int old_web = sup.service("web").pid.value();
  auto r = run_reship(sup, {"restart", "platform"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("web                  ok        pid " +
                                    std::to_string(sup.service("web").pid.value()) + " (was " +
                                    std::to_string(old_web) + ")"));
  CHECK_THAT(r.out, Catch::Contains("api                  ok"));
  CHECK_THAT(r.out, Catch::Contains("restarted in "));
  auto one = run_reship(sup, {"restart", "web"});
  CHECK(one.exit_code == 0);
  CHECK(sup.service("web").restarts == 2);
}

TEST_CASE("reship restart: a failed service exits 1 and shows its output", "[integration]") {
  SupervisorFixture sup(kServices);
  sup.start();
  auto r = run_reship(sup, {"restart", "web", "broken"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("broken               FAILED    exited with code 1 before it was ready"));
  CHECK_THAT(r.out, Catch::Contains("    | TypeError: Cannot read properties of undefined"));
  CHECK_THAT(r.out, Catch::Contains("restart FAILED"));
}

TEST_CASE("reship restart: an unknown service is a usage error (exit 2)", "[integration]") {
  SupervisorFixture sup(kServices);
  sup.start();
  auto r = run_reship(sup, {"restart", "nope"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("unknown service \"nope\""));
}

TEST_CASE("reship ps: no supervisor is exit 2 with what to do", "[integration]") {
  SupervisorFixture sup(kServices);  // configured, never started
  auto r = run_reship(sup, {"ps"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("cannot reach reship-supervisor at " + sup.socket()));
  CHECK_THAT(r.err, Catch::Contains("is it running? Start it with: reship-supervisor --config"));
}

TEST_CASE("reship: a bad config is exit 2 with its problems", "[integration]") {
  TempDir dir;
  const auto file = dir.write("reship.toml", "[supervisor]\nsocket_mode = \"x\"\n").string();
  auto r = run_command({kCliBin, "--config", file, "ps"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(file + ":2: supervisor.socket_mode"));
}

TEST_CASE("reship reload --only supervisor: what started and stayed, and a broken file changes nothing with exit 2",
          "[integration]") {
  SupervisorFixture sup(kServices);
  sup.start();
  REQUIRE(sup.wait_state("api", "running"));
  const int web = sup.service("web").pid.value();
  sup.write_config(std::string(kServices) + "[services.worker]\ncommand = [\"@helper\", \"sleep\"]\n");
  auto r = run_reship(sup, {"reload", "--only", "supervisor"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("supervisor: reloaded in "));
  CHECK_THAT(r.out, Catch::Contains("started    worker               pid " +
                                    std::to_string(sup.service("worker").pid.value())));
  CHECK_THAT(r.out, Catch::Contains("unchanged  web, api, broken"));
  CHECK(sup.service("web").pid.value() == web);

  sup.write_config(std::string(kServices) + "[services.worker]\ncommand = \"not an array\"\n");
  auto broken = run_reship(sup, {"reload", "--only", "supervisor"});
  INFO(broken.out << broken.err);
  CHECK(broken.exit_code == 2);
  CHECK_THAT(broken.err, Catch::Contains(sup.config_path() + ":"));
  CHECK_THAT(broken.err, Catch::Contains("nothing was reloaded"));
  CHECK(sup.service("worker").state == "running");
}
