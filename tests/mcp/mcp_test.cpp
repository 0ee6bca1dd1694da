// /mcp driven by the official MCP TypeScript SDK (tests/mcp/mcp_agent.mjs),
// against a real reship-back under a real reship-supervisor, with real
// builds: the answers an agent gets, within the 60 s its client allows a call.

#include <catch2/catch.hpp>

#include <filesystem>
#include <iostream>

#include "tests/support/back_fixture.hpp"
#include "tests/support/binaries.hpp"
#include "tests/support/skip.hpp"

using namespace reship::test;
using namespace std::chrono_literals;

namespace {

// sha256("agent-token-for-tests")
constexpr const char* kToken = "agent-token-for-tests";

const char* kConfig = R"(
[services.web]
command = ["@helper", "sleep"]
[services.reship-back]
command = ["@back", "--config", "reship.toml"]
ready = "notify"
ready_timeout = "10s"
[scopes]
quick = ["web"]
broken = ["web"]
big = ["web"]
slow = ["web"]
other = ["web"]
[back]
listen = @listen
state_dir = "state"
service = "reship-back"
[builds]
quick = ["sh", "-c", "echo compiled"]
broken = ["sh", "-c", "echo 'src/app.ts(3,7): error TS2322: Type string is not assignable to type number.'; exit 2"]
big = ["@helper", "lines", "200000", "85"]
slow = ["sh", "-c", "i=0; while [ $i -lt 130 ]; do echo step $i; sleep 1; i=$((i+1)); done"]
[[tokens]]
name = "agent"
sha256 = "@sha"
scopes = ["quick", "broken", "big", "slow"]
)";

std::string config() {
  std::string c = kConfig;
  c.replace(c.find("@sha"), 4, "ac57d3071e699476ac9058f625f4870bcd9ad92b7ffad018e55f34ab2546b20d");
  return c;
}

// The SDK from tests/mcp/node_modules (scripts/test installs it from the
// lockfile); without node or it, the test is skipped, visibly.
std::optional<std::string> missing_client() {
  const auto dir = std::filesystem::path(RESHIP_SOURCE_DIR) / "tests/mcp";
  if (run_command({"node", "--version"}, 10s).exit_code != 0) {
    return "node is not installed (scripts/install-deps --node)";
  }
  if (!std::filesystem::exists(dir / "node_modules/@modelcontextprotocol/sdk/package.json")) {
    return "the MCP SDK is not installed: run npm ci in tests/mcp (scripts/test does)";
  }
  return std::nullopt;
}

RunResult agent(const BackFixture& f, const std::string& scenario, std::chrono::seconds timeout) {
  const auto script = std::filesystem::path(RESHIP_SOURCE_DIR) / "tests/mcp/mcp_agent.mjs";
  return run_command({"node", script.string(), scenario, "http://127.0.0.1:" + std::to_string(f.port()) + "/mcp",
                      kToken},
                     timeout);
}

}  // namespace

TEST_CASE("mcp: the official SDK lists the tools, deploys, reads errors and pages a 16 MB log", "[integration]") {
  if (auto missing = missing_client()) RESHIP_SKIP(*missing);
  BackFixture f(config(), true);
  f.start_supervisor();
  f.wait_back_ready();
  auto r = agent(f, "basics", 100s);
  std::cout << r.out;  // what the agent saw, for the test log
  INFO(r.err << f.supervisor().log());
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("ok: deploy answered its outcome in one call"));
  CHECK_THAT(r.out, Catch::Contains("ok: errorSummary names the error"));
  CHECK_THAT(r.out, Catch::Contains("ok: a forbidden scope is a tool error"));
  CHECK_THAT(r.out, Catch::Contains("ok: a retry with the same idempotencyKey joined deploy"));
  CHECK_THAT(r.out, Catch::Contains("ok: 25 pages in a row"));
  CHECK_THAT(r.out, Catch::Contains("ok: a foreign Origin is refused with 403"));
  // The token never reaches the log.
  CHECK_THAT(f.supervisor().log(), !Catch::Contains(kToken));
}

TEST_CASE("mcp: a build of over two minutes, through deploy then deploy_wait, no call over 60 s",
          "[integration][slow]") {
  if (auto missing = missing_client()) RESHIP_SKIP(*missing);
  BackFixture f(config(), true);
  f.start_supervisor();
  f.wait_back_ready();
  auto r = agent(f, "long", 240s);
  std::cout << r.out;  // what the agent saw, for the test log
  INFO(r.err << f.supervisor().log());
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("ok: the long build succeeded"));
  CHECK_THAT(r.out, Catch::Contains("none over 60 s"));
  CHECK_THAT(r.out, Catch::Contains("progress notifications received"));
  CHECK_THAT(f.supervisor().log(), Catch::Contains("cancelled by its client"));
}
