// The deploy engine on a real loop, with real builds, a real supervisor and
// a real SQLite file.

#include <catch2/catch.hpp>

#include <algorithm>

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "common/os/process_spawn.hpp"
#include "common/time.hpp"
#include "tests/support/binaries.hpp"
#include "common/text/utf8.hpp"
#include "tests/support/chaos_output.hpp"
#include "tests/support/engine_fixture.hpp"
#include "tests/support/supervisor_fixture.hpp"

using namespace reship;
using namespace reship::back;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

// Two services under a real supervisor, three scopes, and builds that take a
// moment so that requests pile up behind them.
std::string platform_config(const std::string& builds = R"(
[builds]
platform = ["@helper", "sleep-ms", "300"]
all = ["@helper", "sleep-ms", "300"]
other = ["@helper", "sleep-ms", "300"]
)",
                            const std::string& build_timeout = "20s") {
  return R"(
[services.web]
command = ["@helper", "sleep"]
[services.api]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
all = ["web", "api"]
other = ["api"]
[back]
state_dir = "state"
build_timeout = ")" + build_timeout + R"("
covers = { all = ["platform"] }
)" + builds;
}

// The pid a helper printed after `marker` in a log.
pid_t pid_after(const std::string& text, const std::string& marker) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(marker + "=([0-9]+)"))) return 0;
  return static_cast<pid_t>(std::stol(m[1].str()));
}

// The log without reship's own lines: what the build printed.
std::string build_output(const EngineFixture& engine, const std::string& id) {
  std::string out;
  engine.logs->for_each_line(id, SIZE_MAX, [&](std::string_view line) {
    if (line.substr(0, 9) == "[reship] ") return;
    out.append(line);
    out.push_back('\n');
  });
  return out;
}

}  // namespace

TEST_CASE("deploy engine: 20 requests during a build become exactly the deploys of the queue rules",
          "[integration]") {
  SupervisorFixture sup(platform_config());
  sup.start();
  EngineFixture engine(sup.config_path());

  struct Row {
    const char* scope;
    DeployMode mode;
    int expected_deploy;     // index of the request whose deploy answers this one
    bool expected_coalesced;
    DeployStatus expected_status;
  };
  using M = DeployMode;
  using S = DeployStatus;
  // r0 runs. r1 takes the slot; r2, r3 join it; r4 (all) replaces it and its
  // callers move to r4; r5..r18 join r4 (all covers platform); r19 (other)
  // covers neither way: it replaces r4, whose callers get r4 cancelled.
  const std::vector<Row> rows = {
      {"platform", M::deploy, 0, false, S::succeeded},   // r0
      {"platform", M::deploy, 4, true, S::cancelled},    // r1: moved to r4
      {"platform", M::build, 4, true, S::cancelled},     // r2: joined r1, moved
      {"platform", M::restart, 4, true, S::cancelled},   // r3: joined r1, moved
      {"all", M::deploy, 4, false, S::cancelled},        // r4
      {"platform", M::deploy, 4, true, S::cancelled},    // r5..: join r4
      {"all", M::build, 4, true, S::cancelled},
      {"all", M::restart, 4, true, S::cancelled},
      {"platform", M::build, 4, true, S::cancelled},
      {"platform", M::deploy, 4, true, S::cancelled},
      {"all", M::deploy, 4, true, S::cancelled},
      {"platform", M::restart, 4, true, S::cancelled},
      {"all", M::deploy, 4, true, S::cancelled},
      {"platform", M::deploy, 4, true, S::cancelled},
      {"all", M::build, 4, true, S::cancelled},
      {"platform", M::deploy, 4, true, S::cancelled},
      {"all", M::deploy, 4, true, S::cancelled},
      {"platform", M::build, 4, true, S::cancelled},
      {"all", M::restart, 4, true, S::cancelled},
      {"other", M::deploy, 19, false, S::succeeded},     // r19
  };
  std::vector<std::shared_ptr<EngineFixture::Answer>> answers;
  std::vector<std::string> ids;
  for (const auto& row : rows) {
    std::string id;
    answers.push_back(engine.submit(request(row.scope, row.mode), &id));
    ids.push_back(id);
  }
  REQUIRE(engine.run_until([&] {
    for (const auto& a : answers) {
      if (!a->arrived) return false;
    }
    return true;
  }));
  for (size_t i = 0; i < rows.size(); ++i) {
    INFO("request r" << i << " got " << answers[i]->record.id << " " << status_name(answers[i]->record.status));
    CHECK(answers[i]->record.id == ids[static_cast<size_t>(rows[i].expected_deploy)]);
    CHECK(answers[i]->coalesced == rows[i].expected_coalesced);
    CHECK(answers[i]->record.status == rows[i].expected_status);
  }
  // Exactly four deploys exist: r0, r1 (superseded), r4 (superseded), r19.
  auto page = engine.store->list({std::nullopt, std::nullopt, 100, std::nullopt, std::nullopt, std::nullopt});
  REQUIRE(page.deploys.size() == 4);
  const auto r1 = engine.store->get(ids[1]);
  REQUIRE(r1.has_value());
  CHECK(r1->status == DeployStatus::cancelled);
  CHECK(r1->superseded_by == std::optional<std::string>(ids[4]));
  CHECK_THAT(*r1->error_summary, Catch::Contains("superseded by deploy " + ids[4]) && Catch::Contains("covers it"));
  const auto r4 = engine.store->get(ids[4]);
  CHECK_THAT(*r4->error_summary, Catch::StartsWith("superseded by deploy " + ids[19]));
  CHECK(r4->joined == 17);  // r1's three callers moved in, r5..r18 joined
  // The ones that ran did their whole pipeline.
  CHECK(answers[0]->record.restarts.size() == 1);
  CHECK(answers[19]->record.restarts.size() == 1);
  CHECK(answers[19]->record.queued_ms >= 250);  // waited for r0's build
}

TEST_CASE("deploy engine: a deploy builds, restarts its targets and reports it all", "[integration]") {
  SupervisorFixture sup(platform_config());
  sup.start();
  REQUIRE(sup.wait_state("api", "running"));
  const int old_web = sup.service("web").pid.value();
  EngineFixture engine(sup.config_path());
  std::vector<std::string> types;
  auto sub = engine.events->subscribe("", [&](const EventBatch& b) {
    for (const Event* e : b.events()) types.push_back(e->type);
  });
  auto r = engine.deploy(request("all")).record;
  INFO(record_json(r));
  CHECK(r.status == DeployStatus::succeeded);
  CHECK(r.exit_code == std::optional<int>(0));
  CHECK(r.targets == std::vector<std::string>{"web", "api"});
  REQUIRE(r.restarts.size() == 2);
  for (const auto& e : r.restarts) {
    CHECK(e.ok);
    CHECK(e.pid == sup.service(e.service).pid);
  }
  CHECK(sup.service("web").pid != std::optional<int>(old_web));
  CHECK(r.duration_ms >= 300);
  CHECK(r.started_at.has_value());
  CHECK(r.finished_at >= r.started_at);
  CHECK_FALSE(r.error_summary.has_value());
  CHECK(r.log_bytes > 0);
  CHECK(engine.store->get(r.id)->status == DeployStatus::succeeded);
  engine.run_until([&] { return !types.empty() && types.back() == "deploy.done"; }, 2s);
  // queued, start, log lines, a restart start and done per service, done.
  CHECK(types.front() == "deploy.queued");
  CHECK(types[1] == "deploy.start");
  CHECK(std::count(types.begin(), types.end(), "deploy.restart.start") == 2);
  CHECK(std::count(types.begin(), types.end(), "deploy.restart.done") == 2);
  CHECK(types.back() == "deploy.done");
}

TEST_CASE("deploy engine: 200,000 lines with 1 MB lines and bad UTF-8 land in the log byte-exact",
          "[integration][slow]") {
  SupervisorFixture sup(platform_config(R"(
[builds]
platform = ["@helper", "chaos", "200000"]
)"));
  EngineFixture engine(sup.config_path());
  auto r = engine.deploy(request("platform", DeployMode::build), 120s).record;
  INFO(record_json(r));
  CHECK(r.status == DeployStatus::succeeded);
  const std::string expected = common::sanitize_utf8(chaos_output(200'000)) + "\n";
  const std::string got = build_output(engine, r.id);
  CHECK(got.size() == expected.size());
  CHECK(got == expected);  // one output line per log line, ill-formed bytes replaced
  const std::string tail = engine.logs->tail(r.id, 8192);
  CHECK(common::is_valid_utf8(tail));
  CHECK(tail.size() <= 8192);
  CHECK_THAT(tail, Catch::EndsWith("[reship] deploy succeeded after " + tail.substr(tail.rfind("after ") + 6)));
  // Stream and time of each line are kept.
  auto first = engine.logs->lines(r.id, 0, 6);
  REQUIRE(first.size() == 6);
  CHECK(first[0].stream == LogStream::reship);
  // reship's own lines come first (the request, the command, the cgroup).
  auto output = std::find_if(first.begin(), first.end(), [](const auto& l) { return l.stream != LogStream::reship; });
  REQUIRE(output != first.end());
  CHECK(output->stream == LogStream::out);
  CHECK(output->at_ms >= *r.started_at);
}

TEST_CASE("deploy engine: a build whose last line is 10 MB without a newline shows its end in the tail",
          "[integration]") {
  SupervisorFixture sup(platform_config(R"(
[builds]
platform = ["sh", "-c", "head -c 10000000 /dev/zero | tr '\\000' x; printf ' the end of the build'"]
)"));
  EngineFixture engine(sup.config_path());
  auto r = engine.deploy(request("platform", DeployMode::build), 60s).record;
  REQUIRE(r.status == DeployStatus::succeeded);
  const std::string tail = engine.logs->tail(r.id, 8192);
  INFO(tail.substr(tail.size() > 600 ? tail.size() - 600 : 0));
  CHECK(tail.size() <= 8192);
  CHECK(common::is_valid_utf8(tail));
  CHECK_THAT(tail, Catch::StartsWith("…xxx"));
  CHECK_THAT(tail, Catch::Contains("xxx the end of the build\n[reship] build exited with code 0"));
}

TEST_CASE("deploy engine: a hanging build is stopped at build_timeout, its whole group with it", "[integration]") {
  SupervisorFixture sup(platform_config(R"(
[builds]
platform = ["@helper", "fork-grandchild"]
)",
                                        "500ms"));
  EngineFixture engine(sup.config_path());
  auto r = engine.deploy(request("platform", DeployMode::build)).record;
  INFO(record_json(r));
  CHECK(r.status == DeployStatus::failed);
  CHECK_THAT(*r.error_summary, Catch::StartsWith("build timed out after 500ms (stopped with SIGTERM)"));
  CHECK(r.signal == std::optional<std::string>("TERM"));
  const pid_t grandchild = pid_after(read_file(engine.logs->dir() / (r.id + ".log")), "grandchild pid");
  REQUIRE(grandchild > 0);
  CHECK(process_reaped(grandchild));
}

TEST_CASE("deploy engine: what a finished build leaves in its group is stopped, the deploy does not hang",
          "[integration]") {
  SupervisorFixture sup(platform_config(R"(
[builds]
platform = ["@helper", "background-holder"]
)"));
  EngineFixture engine(sup.config_path());
  auto r = engine.deploy(request("platform", DeployMode::build), 10s).record;
  INFO(record_json(r));
  CHECK(r.status == DeployStatus::succeeded);
  const pid_t leftover = pid_after(read_file(engine.logs->dir() / (r.id + ".log")), "leftover pid");
  REQUIRE(leftover > 0);
  CHECK(process_reaped(leftover));
  CHECK(r.duration_ms < 5000);  // not the SIGKILL grace: SIGTERM was enough
}

TEST_CASE("deploy engine: a failing build reports its exit code and its telling lines", "[integration]") {
  SupervisorFixture sup(platform_config(R"(
[builds]
platform = ["sh", "-c", "echo compiling; echo 'src/app.c:3:5: error: expected identifier' >&2; for i in $(seq 40); do echo noise $i; done; exit 2"]
)"));
  EngineFixture engine(sup.config_path());
  auto r = engine.deploy(request("platform")).record;
  INFO(record_json(r));
  CHECK(r.status == DeployStatus::failed);
  CHECK(r.exit_code == std::optional<int>(2));
  CHECK(*r.error_summary == "build failed: exited with code 2\nsrc/app.c:3:5: error: expected identifier");
  CHECK(r.restarts.empty());  // nothing restarted after a failed build
  // The stream of each line is kept: the error went to stderr.
  bool found = false;
  for (const auto& line : engine.logs->lines(r.id, 0, 100)) {
    if (line.text.find("error: expected") != std::string::npos) found = line.stream == LogStream::err;
  }
  CHECK(found);
}

TEST_CASE("deploy engine: a build that cannot start says why", "[integration]") {
  SupervisorFixture sup(platform_config(R"(
[builds]
platform = ["no-such-build-tool", "build"]
)"));
  EngineFixture engine(sup.config_path());
  auto r = engine.deploy(request("platform")).record;
  CHECK(r.status == DeployStatus::failed);
  CHECK_THAT(*r.error_summary, Catch::StartsWith("build could not start: command not found: \"no-such-build-tool\""));
}

TEST_CASE("deploy engine: a failed restart names the service, its error and its output", "[integration]") {
  SupervisorFixture sup(R"(
[services.web]
command = ["@helper", "crash"]
ready = "tcp://127.0.0.1:9"
autostart = false
[scopes]
platform = ["web"]
[back]
state_dir = "state"
)");
  sup.start();
  EngineFixture engine(sup.config_path());
  auto r = engine.deploy(request("platform")).record;
  INFO(record_json(r));
  CHECK(r.status == DeployStatus::failed);
  REQUIRE(r.restarts.size() == 1);
  CHECK_FALSE(r.restarts[0].ok);
  CHECK(*r.error_summary ==
        "restart of web failed: exited with code 1 before it was ready\n"
        "/app/dist/server.js:12:34: error: TypeError: Cannot read properties of undefined (reading 'port')");
  // The stack trace as the supervisor sent it, in the record and in the log.
  CHECK_THAT(r.restarts[0].output, Catch::Contains("    at loadConfig (/app/dist/server.js:12:34)"));
  REQUIRE_FALSE(r.diagnostics.empty());
  CHECK(r.diagnostics[0].tool == "node");
  CHECK(r.diagnostics[0].file == "/app/dist/server.js");
  CHECK(r.diagnostics[0].line == 12);
  CHECK(r.diagnostics[0].column == 34);
  const std::string log = read_file(engine.logs->dir() / (r.id + ".log"));
  CHECK_THAT(log, Catch::Contains("[web] TypeError: Cannot read properties of undefined (reading 'port')\n"));
  CHECK_THAT(log, Catch::Contains("[web]     at loadConfig (/app/dist/server.js:12:34)\n"));
}

TEST_CASE("deploy engine: a supervisor that is not there fails the deploy with the socket and the OS error",
          "[integration]") {
  SupervisorFixture sup(platform_config());  // never started
  EngineFixture engine(sup.config_path());
  auto r = engine.deploy(request("platform")).record;
  CHECK(r.status == DeployStatus::failed);
  CHECK(*r.error_summary == "cannot reach reship-supervisor at " + sup.socket() +
                                ": no such file or directory; the build succeeded but nothing was restarted");
}

TEST_CASE("deploy engine: cancelling a running build stops its group and answers cancelled", "[integration]") {
  SupervisorFixture sup(platform_config(R"(
[builds]
platform = ["@helper", "fork-grandchild"]
)"));
  EngineFixture engine(sup.config_path());
  std::string id;
  auto answer = engine.submit(request("platform"), &id);
  REQUIRE(engine.run_until([&] {
    return read_file(engine.logs->dir() / (id + ".log")).find("grandchild pid=") != std::string::npos;
  }));
  auto cancelled = engine.service->cancel(id, "test");
  REQUIRE(std::holds_alternative<DeployRecord>(cancelled));
  REQUIRE(engine.run_until([&] { return answer->arrived; }));
  CHECK(answer->record.status == DeployStatus::cancelled);
  CHECK(*answer->record.error_summary == "cancelled by test");
  const pid_t grandchild = pid_after(read_file(engine.logs->dir() / (id + ".log")), "grandchild pid");
  CHECK(process_reaped(grandchild));
  // Cancelling again: it is over.
  auto again = engine.service->cancel(id, "test");
  REQUIRE(std::holds_alternative<Refusal>(again));
  CHECK(std::get<Refusal>(again).reason == Refusal::Reason::already_finished);
}

TEST_CASE("deploy engine: cancelRunning cancels the running deploy it covers", "[integration]") {
  SupervisorFixture sup(platform_config());
  sup.start();
  EngineFixture engine(sup.config_path());
  auto first = engine.submit(request("platform"));
  auto second = engine.submit(request("all", DeployMode::deploy, true));
  REQUIRE(engine.run_until([&] { return first->arrived && second->arrived; }));
  CHECK(first->record.status == DeployStatus::cancelled);
  CHECK_THAT(*first->record.error_summary, Catch::Contains("(cancelRunning)"));
  CHECK(second->record.status == DeployStatus::succeeded);
}

TEST_CASE("deploy engine: an unknown scope is refused with the valid ones", "[integration]") {
  SupervisorFixture sup(platform_config());
  EngineFixture engine(sup.config_path());
  auto result = engine.service->submit(request("platfrom"), nullptr);
  REQUIRE(std::holds_alternative<Refusal>(result));
  const auto& error = std::get<Refusal>(result);
  CHECK(error.reason == Refusal::Reason::unknown_scope);
  CHECK(std::string(code_of(error.reason)) == "unknown_scope");
  CHECK(error.message == "unknown scope \"platfrom\"; scopes: all, other, platform");
}

TEST_CASE("deploy engine: edge is a target only for an unrestricted caller", "[integration]") {
  SupervisorFixture sup(R"(
[services.web]
command = ["@helper", "sleep"]
[scopes]
all = ["web", "edge"]
[back]
state_dir = "state"
)");
  EngineFixture engine(sup.config_path());
  auto restricted = request("all", DeployMode::build);
  auto r1 = engine.deploy(restricted).record;
  CHECK(r1.targets == std::vector<std::string>{"web"});
  auto unrestricted = request("all", DeployMode::build);
  unrestricted.unrestricted = true;
  auto r2 = engine.deploy(unrestricted).record;
  CHECK(r2.targets == std::vector<std::string>{"web", "edge"});
  CHECK(r2.restarts.empty());  // mode build restarts nothing
}

TEST_CASE("deploy engine: records left unfinished by a crash become interrupted, leftovers are killed",
          "[integration]") {
  SupervisorFixture sup(platform_config());
  const std::string config = sup.config_path();
  std::string id;
  {
    // A deploy recorded as building, with a build process still running.
    EngineFixture engine(config);
    DeployRecord r;
    r.id = new_deploy_id(common::unix_ms());
    id = r.id;
    r.status = DeployStatus::building;
    r.scope = "platform";
    r.created_at = common::unix_ms();
    REQUIRE(engine.store->insert(r).ok());
  }
  ChildProcess leftover({kHelperBin, "sleep"}, "", {{"RESHIP_DEPLOY_ID", id}});
  REQUIRE(wait_until([&] { return read_file("/proc/" + std::to_string(leftover.pid()) + "/environ").find(id) !=
                                  std::string::npos; },
                     5s));
  EngineFixture restarted(config);  // recover() runs here
  auto r = restarted.store->get(id);
  REQUIRE(r.has_value());
  CHECK(r->status == DeployStatus::interrupted);
  CHECK_THAT(*r->error_summary, Catch::StartsWith("reship-back stopped while this deploy was building"));
  CHECK_THAT(*r->error_summary, Catch::Contains("1 leftover build processes were stopped"));
  CHECK(leftover.wait(5s) == 128 + SIGKILL);
}

TEST_CASE("deploy engine: a pending self-restart is completed by the next instance", "[integration]") {
  SupervisorFixture sup(platform_config());
  std::string id;
  {
    EngineFixture engine(sup.config_path());
    DeployRecord r;
    r.id = new_deploy_id(common::unix_ms());
    id = r.id;
    r.status = DeployStatus::succeeded;
    r.scope = "all";
    r.created_at = common::unix_ms();
    r.finished_at = common::unix_ms();
    r.self_restart = "pending";
    REQUIRE(engine.store->insert(r).ok());
  }
  EngineFixture next(sup.config_path());
  auto r = next.store->get(id);
  REQUIRE(r.has_value());
  CHECK(r->self_restart == std::optional<std::string>("done"));
  CHECK(r->status == DeployStatus::succeeded);
}
