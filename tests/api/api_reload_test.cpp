// reship-back's config reload (issue 22): POST /api/v1/reload and SIGHUP
// against a real reship-back, and a deploy with "reload": true against both
// real daemons.

#include <signal.h>

#include <catch2/catch.hpp>

#include <simdjson.h>

#include "back/api/auth.hpp"
#include "tests/support/back_fixture.hpp"
#include "tests/support/tokens.hpp"
#include "tests/support/binaries.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

std::string token(const std::string& name, const std::string& secret, bool unrestricted) {
  return "[[tokens]]\nname = \"" + name + "\"\nsha256 = \"" + token_sha256(secret) +
         "\"\nscopes = [\"platform\"]\n" + (unrestricted ? "unrestricted = true\n" : "");
}

const std::string kBase = R"(
[services.web]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
[back]
listen = @listen
state_dir = "state"
[builds]
platform = ["sh", "-c", "echo building; sleep 2; echo built"]
)";

std::string str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v)) return "";
  return std::string(v);
}

}  // namespace

TEST_CASE("api reload: a rotated token is refused at once, the new one works, a running deploy goes on",
          "[integration]") {
  BackFixture f(kBase + token("ops", "old-secret", true) + token("agent", "agent-secret", false));
  f.start_supervisor();
  f.start_back();
  simdjson::dom::parser parser;
  auto started = f.request("POST", "/api/v1/deploys", R"({"scope":"platform"})", bearer("agent-secret"));
  REQUIRE(started.status == 202);
  const std::string id = str(parser.parse(started.body).value(), "deployId");

  // A token that may only deploy may not reload.
  auto denied = f.request("POST", "/api/v1/reload", "{}", bearer("agent-secret"));
  CHECK(denied.status == 403);

  f.write_config(kBase + token("ops", "new-secret", true) + token("agent", "agent-secret", false));
  auto reloaded = f.request("POST", "/api/v1/reload", "{}", bearer("old-secret"));
  INFO(reloaded.body);
  REQUIRE(reloaded.status == 200);
  auto doc = parser.parse(reloaded.body).value();
  CHECK(doc["ok"].get_bool().value());
  CHECK(reloaded.body.find("[[tokens]]") != std::string::npos);

  CHECK(f.request("GET", "/api/v1/deploys", "", bearer("old-secret")).status == 401);
  CHECK(f.request("GET", "/api/v1/deploys", "", bearer("new-secret")).status == 200);
  // The deploy that was building when the tokens changed ends as it would have.
  auto done = f.request("GET", "/api/v1/deploys/" + id + "?wait=30", "", bearer("new-secret"), 40s);
  REQUIRE(done.status == 200);
  CHECK(str(parser.parse(done.body).value(), "status") == "succeeded");
}

TEST_CASE("api reload: a config with problems changes nothing and says why", "[integration]") {
  BackFixture f(kBase + token("ops", "ops-secret", true));
  f.start_supervisor();
  f.start_back();
  f.write_config(kBase + token("ops", "other", true) + "[back.nonsense]\nx = 1\n[builds.x]\n");
  auto r = f.request("POST", "/api/v1/reload", "{}", bearer("ops-secret"));
  INFO(r.body);
  REQUIRE(r.status == 422);
  simdjson::dom::parser parser;
  auto error = parser.parse(r.body).value()["error"];
  CHECK(str(error.value(), "code") == "invalid_config");
  auto problems = error["problems"].get_array().value();
  CHECK(problems.size() >= 1);
  for (auto p : problems) CHECK(std::string(p.get_string().value()).rfind(f.config_path() + ":", 0) == 0);
  // The old token still works: nothing changed.
  CHECK(f.request("GET", "/api/v1/deploys", "", bearer("ops-secret")).status == 200);
  CHECK(f.request("GET", "/api/v1/deploys", "", bearer("other")).status == 401);
}

TEST_CASE("api reload on SIGHUP: a new scope is deployable, [back] listen needs a restart", "[integration]") {
  BackFixture f(kBase);
  f.start_supervisor();
  f.start_back();
  CHECK(f.request("POST", "/api/v1/deploys", R"({"scope":"other","mode":"build"})").status == 400);
  std::string next = kBase;
  next.replace(next.find("platform = [\"web\"]"), 18, "platform = [\"web\"]\nother = [\"web\"]");
  f.write_config(next);
  REQUIRE(::kill(f.back()->pid(), SIGHUP) == 0);
  CHECK(wait_until([&] { return f.back_log().find("reload: changed [scopes]") != std::string::npos; }, 10s));
  auto r = f.request("POST", "/api/v1/deploys", R"({"scope":"other","mode":"build"})");
  INFO(r.body);
  CHECK(r.status == 202);

  std::string moved = next;
  moved.replace(moved.find("@listen"), 7, R"(["unix:run/elsewhere.sock"])");
  f.write_config(moved);
  auto reloaded = f.request("POST", "/api/v1/reload", "{}");
  INFO(reloaded.body);
  REQUIRE(reloaded.status == 200);
  CHECK(reloaded.body.find("[back] listen") != std::string::npos);
  // Still on the socket it had.
  CHECK(f.request("GET", "/healthz").status == 200);
}

TEST_CASE("deploy with reload: a service added to the scope ships with the deploy", "[integration]") {
  BackFixture f(kBase);
  f.start_supervisor();
  f.start_back();
  const int web = f.supervisor().service("web").pid.value();
  std::string next = kBase;
  next.replace(next.find("platform = [\"web\"]"), 18, "platform = [\"web\", \"api\"]");
  next += "[services.api]\ncommand = [\"@helper\", \"sleep\"]\n";
  f.write_config(next);
  auto r = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","reload":true})", "", 60s);
  INFO(r.body << f.back_log());
  REQUIRE(r.status == 200);
  simdjson::dom::parser parser;
  auto doc = parser.parse(r.body).value();
  CHECK(str(doc, "status") == "succeeded");
  CHECK(doc["reload"].get_bool().value());
  bool api_started = false;
  bool web_restarted = false;
  simdjson::dom::array restarts = doc["restarts"].get_array().value();
  for (auto e : restarts) {
    if (str(e, "service") == "api" && str(e, "action") == "started" && e["ok"].get_bool().value()) api_started = true;
    if (str(e, "service") == "web" && str(e, "action").empty() && e["ok"].get_bool().value()) web_restarted = true;
  }
  CHECK(api_started);
  CHECK(web_restarted);
  CHECK(f.supervisor().service("api").state == "running");
  CHECK(f.supervisor().service("web").pid.value() != web);
  // The targets are the scope as the new file defines it, but for what the reload started.
  auto targets = doc["targets"].get_array().value();
  CHECK(targets.size() == 1);
}

TEST_CASE("deploy with reload: a config with problems fails the deploy with its diagnostic, nothing changes",
          "[integration]") {
  BackFixture f(kBase);
  f.start_supervisor();
  f.start_back();
  const int web = f.supervisor().service("web").pid.value();
  f.write_config(kBase + "[services.api]\ncommand = [\"@helper\", \"sleep\"]\nrestart = \"sometimes\"\n");
  auto r = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform","reload":true})", "", 60s);
  INFO(r.body);
  REQUIRE(r.status == 500);
  simdjson::dom::parser parser;
  auto doc = parser.parse(r.body).value();
  CHECK(str(doc, "status") == "failed");
  auto diagnostics = doc["diagnostics"].get_array().value();
  REQUIRE(diagnostics.size() >= 1);
  auto first = diagnostics.at(0).value();
  CHECK(str(first, "file") == f.config_path());
  CHECK(first["line"].get_int64().value() > 0);
  CHECK(str(doc, "errorSummary").find("nothing was reloaded or restarted") != std::string::npos);
  CHECK(f.supervisor().service("web").pid.value() == web);
  auto status = f.supervisor().request(R"({"id":"s","op":"status"})");
  CHECK(status.last().as<ipc::StatusReply>()->services.size() == 1);
}
