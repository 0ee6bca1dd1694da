// The dashboard (back/ui/) in headless Chromium, driven by playwright-core
// (tests/ui/ui_browser.mjs), against a real reship-back under a real
// reship-supervisor with real builds: token, live log, failure, cancel, a
// cut stream resumed, new pids after a restart, a 100,000-line log.

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <catch2/catch.hpp>

#include "tests/support/back_fixture.hpp"
#include "tests/support/binaries.hpp"
#include "tests/support/skip.hpp"

using namespace reship::test;
using namespace std::chrono_literals;

namespace {

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
slow = ["web"]
counted = ["web"]
big = ["web"]
[back]
listen = @listen
state_dir = "state"
service = "reship-back"
[builds]
quick = ["sh", "-c", "printf '\\033[32mgreen\\033[0m plain\\n'; echo '<img src=x onerror=alert(1)><b>not bold</b>'; echo 'to stderr' >&2; i=1; while [ $i -le 20 ]; do echo compiled $i; sleep 0.3; i=$((i+1)); done"]
broken = ["sh", "-c", "echo 'src/app.ts(3,7): error TS2322: Type string is not assignable to type number.'; exit 2"]
slow = ["sh", "-c", "i=0; while [ $i -lt 130 ]; do echo step $i; sleep 1; i=$((i+1)); done"]
counted = ["sh", "-c", "i=1; while [ $i -le 400 ]; do echo count $i; i=$((i+1)); case $i in *0|*5) sleep 0.1;; esac; done"]
big = ["@helper", "lines", "100000", "60"]
[[tokens]]
name = "dashboard"
sha256 = "ac57d3071e699476ac9058f625f4870bcd9ad92b7ffad018e55f34ab2546b20d"
scopes = ["quick", "broken", "slow", "counted", "big"]
)";

std::string chromium() {
  if (const char* env = std::getenv("RESHIP_CHROMIUM")) return env;
  return "/usr/bin/chromium";
}

// Debian's chromium and playwright-core from tests/ui/node_modules (scripts/test
// installs them); without either, the test is skipped, visibly.
std::optional<std::string> missing_browser() {
  const auto dir = std::filesystem::path(RESHIP_SOURCE_DIR) / "tests/ui";
  if (run_command({"node", "--version"}, 10s).exit_code != 0) {
    return "node is not installed (scripts/install-deps --node)";
  }
  if (!std::filesystem::exists(chromium())) {
    return "chromium is not installed (scripts/install-deps --ui)";
  }
  if (!std::filesystem::exists(dir / "node_modules/playwright-core/package.json")) {
    return "playwright-core is not installed: run npm ci in tests/ui (scripts/test does)";
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("ui: the dashboard in Chromium deploys, follows, resumes, cancels and restarts", "[integration][slow]") {
  if (auto missing = missing_browser()) RESHIP_SKIP(*missing);
  BackFixture f(kConfig, true);
  f.start_supervisor();
  f.wait_back_ready();
  // Screenshots go to the test's temp dir, or where RESHIP_UI_SCREENSHOTS says
  // (docs/ when they are taken anew).
  std::string shots = f.dir().path().string();
  if (const char* env = std::getenv("RESHIP_UI_SCREENSHOTS")) shots = env;
  const auto script = std::filesystem::path(RESHIP_SOURCE_DIR) / "tests/ui/ui_browser.mjs";
  auto r = run_command(
      {"node", script.string(), "http://127.0.0.1:" + std::to_string(f.port()), kToken, shots, chromium()}, 280s);
  std::cout << r.out;  // what the browser saw, and the measures
  INFO(r.out << r.err << f.supervisor().log());
  CHECK(r.exit_code == 0);
  for (const char* line :
       {"ok: the token opened the deploys view", "ok: log lines arrived live", "ok: the deploy succeeded",
        "ok: the failed deploy shows its diagnostic at src/app.ts:3", "ok: the cancel button cancelled",
        "ok: the cut stream resumed: 400 lines", "ok: the services view shows a new pid",
        "ok: the restart button of service web gave it a new pid", "measure: first load", "measure: 100000-line log",
        "ok: search found line 4242", "ok: the chart shows", "ok: no Content-Security-Policy violation"}) {
    CHECK_THAT(r.out, Catch::Contains(line));
  }
  CHECK_THAT(f.supervisor().log(), !Catch::Contains(kToken));
}
