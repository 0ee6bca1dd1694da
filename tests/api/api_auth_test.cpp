// Tokens: 401 vs 403, requestedBy, constant-time checks, and the open-API rule.

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

std::string config() {
  return R"(
[services.web]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
all = ["web", "edge"]
[back]
listen = @listen
state_dir = "state"
[[tokens]]
name = "agent"
sha256 = ")" + token_sha256("agent-secret") + R"("
scopes = ["platform"]
[[tokens]]
name = "ops"
sha256 = ")" + token_sha256("ops-secret") + R"("
scopes = ["platform", "all"]
unrestricted = true
)";
}

std::string field(const std::string& body, const char* key) {
  simdjson::dom::parser parser;
  std::string_view v;
  if (parser.parse(body)[key].get_string().get(v)) return "";
  return std::string(v);
}

}  // namespace

TEST_CASE("api auth: no token 401, wrong token 401, token without the scope 403", "[integration]") {
  BackFixture f(config());
  f.start_back();
  auto none = f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"build"})");
  CHECK(none.status == 401);
  CHECK(none.header("www-authenticate") == "Bearer");
  CHECK_THAT(none.body, Catch::Contains("\"code\":\"unauthorized\""));
  auto wrong = f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"build"})", bearer("nope"));
  CHECK(wrong.status == 401);
  auto scheme = f.request("GET", "/api/v1/deploys", "", "Authorization: Basic YWdlbnQ6eA==\r\n");
  CHECK(scheme.status == 401);
  auto forbidden = f.request("POST", "/api/v1/deploys", R"({"scope":"all","mode":"build"})", bearer("agent-secret"));
  CHECK(forbidden.status == 403);
  CHECK_THAT(forbidden.body, Catch::Contains("token \\\"agent\\\" may not deploy scope \\\"all\\\""));
  // Reads need a valid token too; liveness does not.
  CHECK(f.request("GET", "/api/v1/deploys").status == 401);
  CHECK(f.request("GET", "/api/v1/deploys", "", bearer("agent-secret")).status == 200);
  CHECK(f.request("GET", "/healthz").status == 200);
  // The token itself never reaches the log.
  CHECK(f.back_log().find("agent-secret") == std::string::npos);
}

TEST_CASE("api auth: requestedBy is the token's name, edge only for an unrestricted token", "[integration]") {
  BackFixture f(config());
  f.start_back();
  auto agent = f.request("POST", "/api/v1/deploys", R"({"scope":"platform","mode":"build"})", bearer("agent-secret"));
  CHECK(agent.status == 202);
  CHECK(field(agent.body, "requestedBy") == "agent");
  auto ops = f.request("POST", "/api/v1/deploys", R"({"scope":"all","mode":"build"})", bearer("ops-secret"));
  CHECK(ops.status == 202);
  CHECK(field(ops.body, "requestedBy") == "ops");
  CHECK_THAT(ops.body, Catch::Contains(R"("targets":["web","edge"])"));
}

TEST_CASE("api auth: without tokens reship-back refuses to listen beyond loopback", "[integration]") {
  TempDir dir;
  const auto file = dir.write("reship.toml", "[back]\nlisten = [\"0.0.0.0:0\"]\nstate_dir = \"state\"\n").string();
  auto r = run_command({kBackBin, "--config", file}, 10s);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("is reachable from other hosts but no [[tokens]] are configured"));
}

TEST_CASE("api auth: a token is checked against its SHA-256", "[unit]") {
  std::vector<common::TokenConfig> tokens(1);
  tokens[0].name = "agent";
  tokens[0].sha256 = api::sha256("s3cret");
  tokens[0].scopes = {"platform"};
  api::Authenticator auth(tokens);
  CHECK(std::holds_alternative<api::Caller>(auth.authenticate("Bearer s3cret")));
  CHECK(std::holds_alternative<api::Caller>(auth.authenticate("bearer   s3cret")));
  CHECK(std::holds_alternative<api::ApiError>(auth.authenticate("Bearer s3cre")));
  CHECK(std::holds_alternative<api::ApiError>(auth.authenticate("Bearer ")));
  CHECK(std::holds_alternative<api::ApiError>(auth.authenticate(std::nullopt)));
  const auto caller = std::get<api::Caller>(auth.authenticate("Bearer s3cret"));
  CHECK_FALSE(auth.check_scope(caller, "platform").has_value());
  CHECK(auth.check_scope(caller, "all")->http_status == 403);
  CHECK(token_sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("api auth: a web page of another site, or of a name pointed at loopback, may not deploy",
          "[integration]") {
  // The API is open (no tokens): only what the page's origin says keeps a
  // site the developer visits from deploying through their browser.
  BackFixture f(R"(
[services.web]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
[back]
listen = @listen
state_dir = "state"
[builds]
platform = ["true"]
)");
  f.start_supervisor();
  f.start_back();
  auto foreign = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform"})",
                           "Origin: http://attacker.example\r\n");
  CHECK(foreign.status == 403);
  CHECK_THAT(foreign.body, Catch::Contains("forbidden_origin"));
  // The request goes to a name the attacker pointed at 127.0.0.1: its Host
  // and Origin agree, but the name is not a loopback one.
  auto rebound = f.client();
  REQUIRE(rebound.send("POST /api/v1/self/deploy HTTP/1.1\r\nHost: rebind.attacker.example:7070\r\n"
                       "Origin: http://rebind.attacker.example:7070\r\nContent-Length: 2\r\n\r\n{}"));
  auto r = rebound.read_response(10s);
  REQUIRE(r.has_value());
  CHECK(r->status == 403);
  // A page of its own loopback origin (a dashboard), and clients that send
  // no Origin, are served; nothing was deployed before.
  auto own = f.client();
  REQUIRE(own.send("GET /api/v1/deploys HTTP/1.1\r\nHost: 127.0.0.1:7070\r\nOrigin: http://127.0.0.1:7070\r\n\r\n"));
  auto mine = own.read_response(10s);
  REQUIRE(mine.has_value());
  CHECK(mine->status == 200);
  CHECK_THAT(mine->body, Catch::Contains("\"deploys\":[]"));
}
