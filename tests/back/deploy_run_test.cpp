// One deploy run, on a fake restarter: its phases, its record, its events
// and its answers, without a supervisor. (The build phase runs real
// processes: tests/back/deploy_service_test.cpp.)

#include "back/engine/deploy_run.hpp"

#include <catch2/catch.hpp>

#include "back/engine/self_restart.hpp"
#include "common/config/config.hpp"
#include "common/time.hpp"
#include "tests/support/fake_restarter.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reship;
using namespace reship::back;
using namespace reship::test;

namespace {

// The parts a run needs, over a temp dir: a real SQLite file and logs
// folder, a fake restarter.
struct Rig {
  explicit Rig(uv_loop_t* loop_in)
      : loop(loop_in),
        config(load()),
        store(open_store()),
        logs(config.back.state_dir, 10),
        bus(loop),
        records(loop, *store),
        events(bus),
        reaper(loop),
        self_restart(loop, config, restarter),
        context{loop, config, records, logs, events, restarter, reaper, self_restart} {
    REQUIRE(logs.prepare().ok());
    bus.set_log_source(&logs);
    sub = bus.subscribe("", [this](const EventBatch& b) {
      for (const Event* e : b.events()) types.push_back(e->type);
    });
  }

  std::unique_ptr<DeployStore> open_store() {
    std::filesystem::create_directories(config.back.state_dir);
    auto opened = DeployStore::open(config.back.state_dir / "deploys.db");
    REQUIRE(opened.ok());
    return std::move(opened).value();
  }

  common::Config load() {
    auto loaded = common::load_config_text(R"(
[services.web]
command = ["web"]
[services.api]
command = ["api"]
[services.reship-back]
command = ["reship-back"]
[scopes]
platform = ["web", "api"]
all = ["web", "api", "reship-back"]
[back]
state_dir = "state"
service = "reship-back"
)",
                                           dir / "reship.toml");
    REQUIRE(loaded.config.has_value());
    return std::move(*loaded.config);
  }

  std::shared_ptr<DeployRun> run(const std::string& scope, DeployMode mode = DeployMode::restart) {
    DeployRecord r;
    r.id = new_deploy_id(common::unix_ms());
    r.created_at = common::unix_ms();
    r.scope = scope;
    r.mode = mode;
    r.targets = *config.find_scope(scope);
    r.requested_by = "test";
    REQUIRE(records.insert(r).ok());
    return std::make_shared<DeployRun>(context, r, common::monotonic_ms(), [this](DeployRun& run) {
      ended.push_back(run.id());
    });
  }

  void turn() { uv_run(loop, UV_RUN_NOWAIT); }

  TempDir dir;
  uv_loop_t* loop;
  common::Config config;
  std::unique_ptr<DeployStore> store;
  LogStore logs;
  EventBus bus;
  RecordWriter records;
  DeployEvents events;
  FakeRestarter restarter;
  common::ChildReaper reaper;
  SelfRestart self_restart;
  DeployContext context;
  std::unique_ptr<EventBus::Subscription> sub;
  std::vector<std::string> types;
  std::vector<std::string> ended;
};

ipc::RestartDone failed_done(const std::string& service, const std::string& error, const std::string& output) {
  ipc::RestartDone d;
  d.service = service;
  d.error = error;
  d.output = output;
  d.duration_ms = 30;
  return d;
}

}  // namespace

TEST_CASE("deploy run: a restart-only deploy restarts its services, records them and answers once", "[unit]") {
  common::uv::Loop loop;
  {
    Rig rig(loop);
    auto run = rig.run("platform");
    int answers = 0;
    DeployRecord answered;
    run->add_waiter([&](const DeployRecord& r, bool coalesced) {
      ++answers;
      answered = r;
      CHECK_FALSE(coalesced);
    }, false);
    run->start();
    CHECK(run->phase() == DeployRun::Phase::restarting);
    REQUIRE(rig.restarter.calls.size() == 1);
    CHECK(rig.restarter.calls[0].services == std::vector<std::string>{"web", "api"});
    CHECK(rig.records.lookup(run->id())->status == DeployStatus::restarting);  // saved before announced
    rig.restarter.succeed_last();
    CHECK(run->phase() == DeployRun::Phase::done);
    CHECK(rig.ended == std::vector<std::string>{run->id()});
    CHECK(answers == 0);  // the engine says when
    run->answer();
    run->answer();
    CHECK(answers == 1);
    CHECK(answered.status == DeployStatus::succeeded);
    REQUIRE(answered.restarts.size() == 2);
    CHECK(answered.restarts[0].service == "web");
    CHECK(answered.restarts[0].pid == 1000);
    const auto saved = rig.records.lookup(run->id());
    CHECK(saved->status == DeployStatus::succeeded);
    CHECK(saved->restarts.size() == 2);
    rig.turn();
    CHECK(rig.types == std::vector<std::string>{"deploy.start", "deploy.log", "deploy.log", "deploy.restart.start",
                                                "deploy.restart.start", "deploy.log", "deploy.restart.done",
                                                "deploy.log", "deploy.restart.done", "deploy.log", "deploy.done"});
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("deploy run: a failed restart fails the deploy with the service's own words", "[unit]") {
  common::uv::Loop loop;
  {
    Rig rig(loop);
    auto run = rig.run("platform");
    run->start();
    auto& h = rig.restarter.calls.back().handlers;
    ipc::RestartDone ok;
    ok.service = "web";
    ok.ok = true;
    ok.pid = 7;
    h.on_done(ok);
    h.on_done(failed_done("api", "not ready within 10s: exited with code 1",
                          "starting\nError: listen EADDRINUSE: address already in use :::3002"));
    h.on_complete(ipc::RestartComplete{false, 30});
    const auto& r = run->record();
    CHECK(r.status == DeployStatus::failed);
    REQUIRE(r.error_summary);
    CHECK_THAT(*r.error_summary, Catch::Contains("api") && Catch::Contains("EADDRINUSE"));
    CHECK(r.restarts.size() == 2);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("deploy run: a supervisor that cannot be reached says what was and was not restarted", "[unit]") {
  common::uv::Loop loop;
  {
    Rig rig(loop);
    auto run = rig.run("platform", DeployMode::restart);
    run->start();
    rig.restarter.calls.back().handlers.on_failure(common::Error{"cannot reach reship-supervisor at run/sv.sock"});
    CHECK(run->record().status == DeployStatus::failed);
    CHECK(*run->record().error_summary == "cannot reach reship-supervisor at run/sv.sock; nothing was restarted");
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("deploy run: restarting services cannot be cancelled, a stop interrupts it, late replies change nothing",
          "[unit]") {
  common::uv::Loop loop;
  {
    Rig rig(loop);
    auto run = rig.run("platform");
    run->start();
    auto refused = run->cancel("cancelled by test");
    REQUIRE(refused);
    CHECK(refused->reason == Refusal::Reason::restarting);
    run->interrupt();
    CHECK(run->record().status == DeployStatus::interrupted);
    // The supervisor answers after all: the record stays as it was told.
    rig.restarter.succeed_last();
    CHECK(run->record().status == DeployStatus::interrupted);
    CHECK(run->record().restarts.empty());
    CHECK(rig.ended.size() == 1);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("deploy run: a queued deploy cancelled ends at once, a deploy ended cannot be cancelled", "[unit]") {
  common::uv::Loop loop;
  {
    Rig rig(loop);
    auto run = rig.run("platform");
    CHECK_FALSE(run->cancel("cancelled by test"));
    CHECK(run->phase() == DeployRun::Phase::done);
    CHECK(run->record().status == DeployStatus::cancelled);
    CHECK(*run->record().error_summary == "cancelled by test");
    auto again = run->cancel("cancelled by test");
    REQUIRE(again);
    CHECK(again->reason == Refusal::Reason::already_finished);
    CHECK(rig.restarter.calls.empty());
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("deploy run: a deploy restarting reship-back restarts the others and leaves itself for last", "[unit]") {
  common::uv::Loop loop;
  {
    Rig rig(loop);
    auto run = rig.run("all");
    run->start();
    REQUIRE(rig.restarter.calls.size() == 1);
    CHECK(rig.restarter.calls[0].services == std::vector<std::string>{"web", "api"});
    rig.restarter.succeed_last();
    CHECK(run->record().status == DeployStatus::succeeded);
    CHECK(run->record().self_restart == std::optional<std::string>("pending"));
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("deploy run: a ?wait= caller hears the record as it is at its timeout, or the end", "[unit]") {
  common::uv::Loop loop;
  {
    Rig rig(loop);
    auto run = rig.run("platform");
    run->start();
    std::optional<DeployRecord> early;
    std::optional<DeployRecord> late;
    run->watch(common::Millis(10), [&](std::optional<DeployRecord> r) { early = std::move(r); });
    const uint64_t key = run->watch(common::Millis(60'000), [&](std::optional<DeployRecord> r) { late = std::move(r); });
    while (!early) uv_run(loop, UV_RUN_ONCE);
    CHECK(early->status == DeployStatus::restarting);
    CHECK_FALSE(late);
    rig.restarter.succeed_last();
    run->answer();
    REQUIRE(late);
    CHECK(late->status == DeployStatus::succeeded);
    run->unwatch(key);  // harmless once answered
  }
  CHECK(loop.close() == 0);
}
