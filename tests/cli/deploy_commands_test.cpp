// `reship deploy`, `deploys`, `show`, `logs`, `cancel` against a real
// reship-back and supervisor, run as a user would, in a pipe.

#include <catch2/catch.hpp>

#include <future>

#include <simdjson.h>

#include "tests/support/back_fixture.hpp"
#include "tests/support/binaries.hpp"

using namespace reship::test;
using namespace std::chrono_literals;

namespace {

const char* kConfig = R"(
[services.web]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
broken = ["web"]
slow = ["web"]
[back]
listen = @listen
state_dir = "state"
[builds]
platform = ["sh", "-c", "echo step one; echo step two >&2; echo step three"]
broken = ["sh", "-c", "echo 'app.ts(3,1): error TS1005: ; expected'; exit 2"]
slow = ["sh", "-c", "echo waiting; sleep 30"]
)";

RunResult run_reship(BackFixture& f, std::vector<std::string> args) {
  std::vector<std::string> argv{kCliBin, "--config", f.config_path(), "--url", "unix:" + f.back_socket()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, 60s);
}

}  // namespace

TEST_CASE("reship deploy: in a pipe, the live log as plain lines, then the outcome, exit 0", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto r = run_reship(f, {"deploy", "--scope", "platform"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("step one\n"));
  CHECK_THAT(r.out, Catch::Contains("step two\n"));
  CHECK_THAT(r.out, Catch::Contains("[reship] restarting web\n"));
  CHECK_THAT(r.out, Catch::Contains(" succeeded in "));
  CHECK_THAT(r.out, Catch::Contains("  web                  restarted  pid "));
  CHECK(r.out.find('\x1b') == std::string::npos);  // no escape codes in a pipe
  CHECK(r.out.find('\r') == std::string::npos);
}

TEST_CASE("reship deploy: a failed build exits 1 with the error summary", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto r = run_reship(f, {"deploy", "--scope", "broken"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains(" failed in ") && Catch::Contains("(exit code 2)"));
  CHECK_THAT(r.out, Catch::Contains("  app.ts:3:1: error TS1005: ; expected"));
}

TEST_CASE("reship deploy: a cancelled deploy exits 3", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto running = std::async(std::launch::async, [&] { return run_reship(f, {"deploy", "--scope", "slow"}); });
  REQUIRE(wait_until([&] { return f.back_log().find("deploy of scope slow") != std::string::npos; }, 10s));
  auto cancel = run_reship(f, {"cancel", "latest"});
  INFO(cancel.out << cancel.err);
  CHECK(cancel.exit_code == 0);
  auto r = running.get();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.out, Catch::Contains(" cancelled in "));
}

TEST_CASE("reship deploy --json and --async", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto json = run_reship(f, {"deploy", "--scope", "platform", "--json"});
  CHECK(json.exit_code == 0);
  simdjson::dom::parser parser;
  auto doc = parser.parse(json.out);
  REQUIRE_FALSE(doc.error());
  CHECK(std::string(doc["status"].get_string().value()) == "succeeded");
  auto async = run_reship(f, {"deploy", "--scope", "platform", "--mode", "build", "--async"});
  CHECK(async.exit_code == 0);
  CHECK_THAT(async.out, Catch::StartsWith("deploy d-") && Catch::Contains("reship logs -f d-"));
}

TEST_CASE("reship deploys, show, logs: tables and records", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto empty = run_reship(f, {"deploys"});
  CHECK_THAT(empty.out, Catch::Contains("no deploys yet"));
  run_reship(f, {"deploy", "--scope", "platform"});
  run_reship(f, {"deploy", "--scope", "broken"});
  auto list = run_reship(f, {"deploys"});
  INFO(list.out);
  CHECK(list.exit_code == 0);
  CHECK_THAT(list.out, Catch::StartsWith("ID                        STATUS     SCOPE     MODE    BY"));
  CHECK_THAT(list.out, Catch::Contains("failed     broken    deploy  anonymous"));
  CHECK_THAT(list.out, Catch::Contains("build failed: exited with code 2"));
  auto show = run_reship(f, {"show", "latest"});
  CHECK_THAT(show.out, Catch::Contains("scope         broken (deploy)"));
  CHECK_THAT(show.out, Catch::Contains("error\n  build failed: exited with code 2"));
  auto logs = run_reship(f, {"logs", "latest"});
  CHECK_THAT(logs.out, Catch::Contains("app.ts(3,1): error TS1005"));
  auto follow = run_reship(f, {"logs", "-f", "latest"});  // already over: prints and ends
  CHECK(follow.exit_code == 0);
  CHECK(follow.out == logs.out);
}

TEST_CASE("reship: errors say what to do and exit 2", "[integration]") {
  BackFixture f(kConfig);
  // reship-back not running: tried again for a few seconds (it might be
  // restarting), then a message that says what to do.
  const auto started = std::chrono::steady_clock::now();
  auto down = run_reship(f, {"deploys"});
  CHECK(down.exit_code == 2);
  CHECK_THAT(down.err, Catch::Contains("cannot reach reship-back at unix:" + f.back_socket()) &&
                           Catch::Contains("is it running? see `reship ps`") &&
                           Catch::Contains("it may be restarting: trying again for up to 10s"));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));
  f.start_back();
  auto bad_scope = run_reship(f, {"deploy", "--scope", "nope"});
  CHECK(bad_scope.exit_code == 2);
  CHECK_THAT(bad_scope.err, Catch::Contains("unknown scope \"nope\"; scopes: broken, platform, slow"));
  auto bad_mode = run_reship(f, {"deploy", "--mode", "fly"});
  CHECK(bad_mode.exit_code == 2);
  auto missing = run_reship(f, {"show", "d-20260101-000000-000000"});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("no deploy d-20260101-000000-000000"));
  auto help = run_reship(f, {"deploy", "--help"});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("--scope") && Catch::Contains("Exit code: 0 succeeded"));
  auto version = run_command({kCliBin, "--version"});
  CHECK(version.exit_code == 0);
}

TEST_CASE("reship deploy: control characters in a reason or session id never reach a log or a terminal raw",
          "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  // A caller forging a "deploy succeeded" line and clearing the reader's screen.
  const std::string forged = "fix\n[reship] deploy succeeded after 0.1 s\r\x1b[2J\x07" "\xc2\x9b" "31m";
  auto answer = f.request("POST", "/api/v1/self/deploy",
                          R"({"scope":"broken","reason":"fix\n[reship] deploy succeeded after 0.1 s\r\u001b[2J\u0007\u009b31m","sessionId":"s\u001b]0;owned\u0007"})");
  INFO(answer.body);
  simdjson::dom::parser parser;
  const auto doc = parser.parse(answer.body);
  const std::string id(doc["deployId"].get_string().value());
  // The record keeps what the caller sent, exactly.
  CHECK(std::string(doc["reason"].get_string().value()) == forged);

  const std::string log = read_file(f.dir().path() / "state/logs" / (id + ".log"));
  INFO(log);
  CHECK(log.find('\x1b') == std::string::npos);
  CHECK(log.find('\r') == std::string::npos);
  CHECK(log.find("\n[reship] deploy succeeded") == std::string::npos);
  CHECK_THAT(log, Catch::Contains("(fix\\n[reship] deploy succeeded after 0.1 s\\r\\x1b[2J\\x07\\u009b31m)"));
  // The daemon's own log says it the same way.
  CHECK(f.back_log().find('\x1b') == std::string::npos);

  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{{"show", id}, {"deploys"}}) {
    auto shown = run_reship(f, args);
    INFO(args[0] << ": " << shown.out << shown.err);
    CHECK(shown.exit_code == 0);
    CHECK(shown.out.find('\x1b') == std::string::npos);
    CHECK(shown.out.find('\x07') == std::string::npos);
    CHECK(shown.out.find("\xc2\x9b") == std::string::npos);
  }
  // And the live log of `reship logs` is the log file's bytes.
  auto logs = run_reship(f, {"logs", id});
  CHECK(logs.out == log);
}
