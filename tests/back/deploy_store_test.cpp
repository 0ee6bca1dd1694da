#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <fstream>

#include "back/store/deploy_store.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reship::back;
using reship::test::TempDir;

namespace {

DeployRecord record(const std::string& id, const std::string& scope, DeployStatus status) {
  DeployRecord r;
  r.id = id;
  r.scope = scope;
  r.status = status;
  r.targets = {"web", "api"};
  r.requested_by = "agent";
  r.created_at = 1'700'000'000'000;
  return r;
}

}  // namespace

TEST_CASE("deploy store: a record round-trips with every field", "[unit]") {
  TempDir dir;
  auto store = DeployStore::open(dir / "deploys.db");
  REQUIRE(store.ok());
  DeployRecord r = record("d-1", "platform", DeployStatus::failed);
  r.mode = DeployMode::build;
  r.session_id = "s-1";
  r.reason = "fix typo";
  r.reload = true;
  r.reload_needs_restart = {"reship-back: [back] listen: after a restart"};
  r.started_at = r.created_at + 3;
  r.finished_at = r.created_at + 5000;
  r.queued_ms = 3;
  r.duration_ms = 4997;
  r.exit_code = 2;
  r.error_summary = "build failed: exited with code 2\nerror: x";
  r.restarts.push_back({"web", false, std::nullopt, 120, "exited with code 1 before it was ready", true,
                        "TypeError: x is undefined\n    at main (/app/server.js:3:7)", "overlap", "started"});
  diagnostics::Diagnostic d;
  d.tool = "tsc";
  d.file = "src/app.ts";
  d.line = 12;
  d.column = 5;
  d.code = "TS2322";
  d.message = "Type 'string' is not assignable to type 'number'.";
  r.diagnostics.push_back(d);
  r.self_restart = "pending";
  r.log_bytes = 1234;
  r.joined = 2;
  r.superseded_by = "d-9";
  REQUIRE((*store)->insert(r).ok());
  CHECK(r.seq > 0);
  auto back = (*store)->get("d-1");
  REQUIRE(back.has_value());
  CHECK(record_json(*back) == record_json(r));
  CHECK(back->restarts.at(0).killed);
  CHECK(back->restarts.at(0).error == r.restarts[0].error);
  CHECK(back->restarts.at(0).output == r.restarts[0].output);
  CHECK(back->restarts.at(0).mode == "overlap");
  CHECK(back->restarts.at(0).action == "started");
  CHECK(back->reload);
  CHECK(back->reload_needs_restart == r.reload_needs_restart);
  REQUIRE(back->diagnostics.size() == 1);
  CHECK(back->diagnostics[0].file == "src/app.ts");
  CHECK(back->diagnostics[0].line == 12);
  CHECK_FALSE((*store)->get("d-404").has_value());
}

TEST_CASE("deploy store: a database of an older reship-back gains the new columns, its records intact", "[unit]") {
  TempDir dir;
  {
    // The first release's table, with a record in it.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir / "deploys.db").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "CREATE TABLE deploys (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, "
                         "status TEXT NOT NULL, scope TEXT NOT NULL, mode TEXT NOT NULL, targets TEXT NOT NULL, "
                         "requested_by TEXT NOT NULL, session_id TEXT NOT NULL, reason TEXT NOT NULL, "
                         "created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER, queued_ms INTEGER "
                         "NOT NULL, duration_ms INTEGER NOT NULL, exit_code INTEGER, signal TEXT, error_summary TEXT, "
                         "restarts TEXT NOT NULL, self_restart TEXT, log_bytes INTEGER NOT NULL, joined INTEGER NOT "
                         "NULL, superseded_by TEXT, build_pgid INTEGER NOT NULL);"
                         "INSERT INTO deploys (id, status, scope, mode, targets, requested_by, session_id, reason, "
                         "created_at, queued_ms, duration_ms, restarts, log_bytes, joined, build_pgid) VALUES "
                         "('d-old', 'succeeded', 'platform', 'deploy', '[\"web\"]', 'agent', '', '', 1, 0, 40, "
                         "'[]', 10, 0, 0);",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = DeployStore::open(dir / "deploys.db");
  REQUIRE(store.ok());
  auto old = (*store)->get("d-old");
  REQUIRE(old.has_value());
  CHECK(old->status == DeployStatus::succeeded);
  CHECK(old->diagnostics.empty());
  DeployRecord r = record("d-new", "platform", DeployStatus::failed);
  diagnostics::Diagnostic d;
  d.tool = "gcc";
  d.message = "expected ';'";
  r.diagnostics.push_back(d);
  REQUIRE((*store)->insert(r).ok());
  CHECK((*store)->get("d-new")->diagnostics.size() == 1);
}

TEST_CASE("deploy store: newest first, filtered, with a cursor", "[unit]") {
  TempDir dir;
  auto store = DeployStore::open(dir / "deploys.db");
  REQUIRE(store.ok());
  for (int i = 1; i <= 25; ++i) {
    DeployRecord r = record("d-" + std::to_string(i), i % 2 ? "platform" : "all",
                            i % 5 == 0 ? DeployStatus::failed : DeployStatus::succeeded);
    REQUIRE((*store)->insert(r).ok());
  }
  auto first = (*store)->list({std::nullopt, std::nullopt, 10, std::nullopt, std::nullopt, std::nullopt});
  REQUIRE(first.deploys.size() == 10);
  CHECK(first.deploys.front().id == "d-25");
  REQUIRE(first.next.has_value());
  auto second = (*store)->list({std::nullopt, std::nullopt, 10, first.next, std::nullopt, std::nullopt});
  CHECK(second.deploys.front().id == "d-15");
  auto third = (*store)->list({std::nullopt, std::nullopt, 10, second.next, std::nullopt, std::nullopt});
  CHECK(third.deploys.size() == 5);
  CHECK_FALSE(third.next.has_value());
  auto failed = (*store)->list({DeployStatus::failed, std::nullopt, 100, std::nullopt, std::nullopt, std::nullopt});
  CHECK(failed.deploys.size() == 5);
  auto failed_platform = (*store)->list({DeployStatus::failed, std::string("platform"), 100, std::nullopt, std::nullopt, std::nullopt});
  CHECK(failed_platform.deploys.size() == 3);  // 5, 15, 25
}

TEST_CASE("deploy store: unfinished and self-restart-pending records are found", "[unit]") {
  TempDir dir;
  auto store = DeployStore::open(dir / "deploys.db");
  REQUIRE(store.ok());
  for (auto [id, status] : {std::pair{"d-1", DeployStatus::building}, std::pair{"d-2", DeployStatus::succeeded},
                            std::pair{"d-3", DeployStatus::queued}}) {
    DeployRecord r = record(id, "platform", status);
    if (status == DeployStatus::succeeded) r.self_restart = "pending";
    REQUIRE((*store)->insert(r).ok());
  }
  CHECK((*store)->unfinished().size() == 2);
  REQUIRE((*store)->self_restart_pending().size() == 1);
  CHECK((*store)->self_restart_pending()[0].id == "d-2");
}

TEST_CASE("deploy store: event seqs are never handed out twice, across reopenings", "[unit]") {
  TempDir dir;
  uint64_t first = 0;
  {
    auto store = DeployStore::open(dir / "deploys.db");
    REQUIRE(store.ok());
    first = (*store)->reserve_event_seqs(100).value();
    CHECK((*store)->reserve_event_seqs(100).value() == first + 100);
  }
  auto reopened = DeployStore::open(dir / "deploys.db");
  REQUIRE(reopened.ok());
  CHECK((*reopened)->reserve_event_seqs(100).value() == first + 200);
}

TEST_CASE("deploy store: a damaged database is refused with advice", "[unit]") {
  TempDir dir;
  std::ofstream(dir / "deploys.db") << std::string(8192, 'z');
  auto store = DeployStore::open(dir / "deploys.db");
  REQUIRE_FALSE(store.ok());
  CHECK_THAT(store.error().message, Catch::Contains("is damaged") && Catch::Contains("move it aside"));
}
