// The dashboard's files (/ and /ui/), without a browser: served without a
// token, with their security headers, small; and the service restart route
// the dashboard's buttons use.

#include <catch2/catch.hpp>

#include "back/api/auth.hpp"
#include "tests/support/back_fixture.hpp"
#include "tests/support/tokens.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

std::string config() {
  return R"(
[services.web]
command = ["@helper", "sleep"]
[services.other]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
backstage = ["other"]
[back]
listen = @listen
state_dir = "state"
[[tokens]]
name = "agent"
sha256 = ")" +
         token_sha256("agent-secret") + R"("
scopes = ["platform"]
)";
}

const std::string kBearer = "Authorization: Bearer agent-secret\r\n";

}  // namespace

TEST_CASE("api ui: / and /ui/ files need no token and carry a strict policy", "[integration]") {
  BackFixture f(config());
  f.start_back();
  size_t total = 0;
  for (const auto& [path, type] :
       std::vector<std::pair<std::string, std::string>>{{"/", "text/html; charset=utf-8"},
                                                        {"/ui/app.js", "text/javascript; charset=utf-8"},
                                                        {"/ui/app.css", "text/css; charset=utf-8"}}) {
    INFO(path);
    auto r = f.request("GET", path);
    CHECK(r.status == 200);
    CHECK(r.header("content-type") == type);
    const std::string policy = r.header("content-security-policy");
    CHECK_THAT(policy, Catch::Contains("script-src 'self'"));
    CHECK_THAT(policy, Catch::Contains("frame-ancestors 'none'"));
    CHECK_THAT(policy, !Catch::Contains("unsafe-inline"));
    CHECK(r.header("x-content-type-options") == "nosniff");
    CHECK(r.header("x-frame-options") == "DENY");
    total += r.body.size();
  }
  CHECK(total < 100 * 1024);
  auto page = f.request("GET", "/");
  CHECK_THAT(page.body, Catch::Contains("<script src=\"/ui/app.js\""));
  // No inline script: every <script> has a src.
  CHECK_THAT(page.body, !Catch::Contains("<script>"));
  CHECK(f.request("GET", "/ui/nope.js").status == 404);
  CHECK(f.request("GET", "/ui/../reship.toml").status == 404);
  CHECK(f.request("POST", "/").status == 405);
  // The API behind it still wants the token.
  CHECK(f.request("GET", "/api/v1/deploys").status == 401);
}

TEST_CASE("api ui: POST /services/{name}/restart restarts one service, within the token's scopes", "[integration]") {
  BackFixture f(config());
  f.start_supervisor();
  f.start_back();
  CHECK(f.request("POST", "/api/v1/services/web/restart").status == 401);
  CHECK(f.request("POST", "/api/v1/services/nope/restart", "", kBearer).status == 404);
  auto forbidden = f.request("POST", "/api/v1/services/other/restart", "", kBearer);
  CHECK(forbidden.status == 403);
  CHECK_THAT(forbidden.body, Catch::Contains("no scope that lists service"));
  auto r = f.request("POST", "/api/v1/services/web/restart", "", kBearer, 30s);
  INFO(r.body);
  CHECK(r.status == 200);
  CHECK_THAT(r.body, Catch::Contains("\"ok\":true"));
  CHECK_THAT(r.body, Catch::Contains("\"oldPid\":"));
}
