// Lanes ([lanes]): independent queues that build at the same time, on the
// real engine with real builds and a real supervisor.

#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/support/engine_fixture.hpp"
#include "tests/support/supervisor_fixture.hpp"

using namespace reship;
using namespace reship::back;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

// Each build of shop and blog says it started (a file), then waits for the
// other's file: both succeed only when the two build at the same time.
std::string lanes_config(const std::string& back_extra = "") {
  return R"(
[services.web]
command = ["@helper", "sleep"]
[services.shop]
command = ["@helper", "sleep"]
[services.blog]
command = ["@helper", "sleep"]
[services.self]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
all = ["web", "self"]
shop = ["shop", "web"]
shop-assets = ["shop"]
shop-docs = ["shop"]
blog = ["blog", "web"]
notes = ["blog"]
[lanes]
platform = ["platform", "all"]
shop = ["shop", "shop-assets", "shop-docs"]
blog = ["blog", "notes"]
[back]
state_dir = "state"
service = "self"
)" + back_extra + R"(
[builds]
shop = ["sh", "-c", "touch shop.started; i=0; while [ ! -f blog.started ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; [ -f blog.started ]"]
blog = ["sh", "-c", "touch blog.started; i=0; while [ ! -f shop.started ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; [ -f shop.started ]"]
shop-assets = ["sh", "-c", "sleep 0.3"]
platform = ["sh", "-c", "sleep 0.5"]
all = ["sh", "-c", "sleep 0.2"]
notes = ["true"]
shop-docs = ["true"]
)";
}

DeployRecord now(EngineFixture& engine, const std::string& id) {
  auto r = engine.service->get(id);
  REQUIRE(r.has_value());
  return *r;
}

}  // namespace

TEST_CASE("lanes: two lanes build at the same time, each record in its lane", "[integration]") {
  SupervisorFixture sup(lanes_config());
  sup.start();
  EngineFixture engine(sup.config_path());
  auto shop = engine.submit(request("shop"));
  auto blog = engine.submit(request("blog"));
  REQUIRE(engine.run_until([&] { return shop->arrived && blog->arrived; }, 30s));
  INFO(shop->record.error_summary.value_or("") << blog->record.error_summary.value_or(""));
  CHECK(shop->record.status == DeployStatus::succeeded);
  CHECK(blog->record.status == DeployStatus::succeeded);
  CHECK(shop->record.lane == "shop");
  CHECK(blog->record.lane == "blog");
  // Both restarted the shared service web: one after the other (or one
  // joined the other's restart), both ok.
  for (const auto* r : {&shop->record, &blog->record}) {
    auto web = std::find_if(r->restarts.begin(), r->restarts.end(), [](const auto& e) { return e.service == "web"; });
    REQUIRE(web != r->restarts.end());
    CHECK(web->ok);
  }
  auto stored = engine.store->get(shop->record.id);
  REQUIRE(stored.has_value());
  CHECK(stored->lane == "shop");
  DeployStore::ListQuery q;
  q.lane = "blog";
  auto page = engine.service->list(q);
  REQUIRE(page.deploys.size() == 1);
  CHECK(page.deploys[0].id == blog->record.id);
}

TEST_CASE("lanes: the queue rules hold within a lane, and a request never touches another lane's queue",
          "[integration]") {
  SupervisorFixture sup(lanes_config());
  sup.start();
  EngineFixture engine(sup.config_path());
  std::string platform_running, platform_queued, assets_running, assets_queued, assets_replacing;
  auto p1 = engine.submit(request("platform"), &platform_running);
  auto p2 = engine.submit(request("platform", DeployMode::build), &platform_queued);
  auto s1 = engine.submit(request("shop-assets"), &assets_running);
  auto s2 = engine.submit(request("shop-assets"), &assets_queued);
  // In one lane, scope shop-docs (not covered by shop-assets, not covering
  // it either) replaces the queued shop-assets deploy...
  auto s3 = engine.submit(request("shop-docs", DeployMode::build), &assets_replacing);
  // ...while the platform lane's queued deploy stays as it was.
  CHECK(now(engine, platform_queued).status == DeployStatus::queued);
  CHECK(now(engine, platform_queued).queue_position == std::optional<int>(1));
  CHECK(now(engine, assets_queued).status == DeployStatus::cancelled);
  CHECK(now(engine, assets_queued).superseded_by == std::optional<std::string>(assets_replacing));
  // Both lanes' heads run at once (one slot per lane by default).
  CHECK(now(engine, platform_running).status == DeployStatus::building);
  CHECK(now(engine, assets_running).status == DeployStatus::building);
  // A platform request coalesces with the platform lane's queued deploy,
  // never with the other lane's.
  std::string joined;
  auto p3 = engine.submit(request("platform", DeployMode::build), &joined);
  CHECK(joined == platform_queued);
  REQUIRE(engine.run_until([&] { return p1->arrived && p2->arrived && p3->arrived && s1->arrived && s3->arrived; },
                           30s));
  CHECK(p2->record.status == DeployStatus::succeeded);
  CHECK(p3->coalesced);
  CHECK(s1->record.status == DeployStatus::succeeded);
  CHECK(s3->record.status == DeployStatus::succeeded);
  CHECK(s2->record.status == DeployStatus::cancelled);
}

TEST_CASE("lanes: max_parallel_builds = 1 runs the lanes one after the other, first come first served",
          "[integration]") {
  SupervisorFixture sup(lanes_config("max_parallel_builds = 1"));
  sup.start();
  EngineFixture engine(sup.config_path());
  std::string first, second, third;
  auto a = engine.submit(request("platform", DeployMode::build), &first);
  auto b = engine.submit(request("shop-assets", DeployMode::build), &second);
  auto c = engine.submit(request("all", DeployMode::build), &third);  // the platform lane's queued slot
  auto waiting = now(engine, second);
  CHECK(waiting.status == DeployStatus::queued);
  CHECK(waiting.queue_position == std::optional<int>(0));
  CHECK(waiting.waiting_for == std::optional<std::string>("build slot"));
  REQUIRE(engine.run_until([&] { return a->arrived && b->arrived && c->arrived; }, 30s));
  // shop-assets asked before the platform lane's next one: it ran second.
  REQUIRE(a->record.finished_at.has_value());
  REQUIRE(b->record.started_at.has_value());
  CHECK(*b->record.started_at >= *a->record.finished_at);
  CHECK(*c->record.started_at >= *b->record.finished_at);
}

TEST_CASE("lanes: a deploy of reship-back's own service waits for the other lanes and holds new ones back",
          "[integration]") {
  SupervisorFixture sup(lanes_config());
  sup.start();
  EngineFixture engine(sup.config_path());
  std::string assets, self, blog;
  auto a = engine.submit(request("shop-assets", DeployMode::build), &assets);
  // Scope all holds the service "self" ([back] service): exclusive. Mode
  // build: it restarts nothing here, but its build may replace what every
  // lane relies on, so it runs alone all the same.
  auto s = engine.submit(request("all", DeployMode::build), &self);
  auto b = engine.submit(request("notes", DeployMode::build), &blog);
  CHECK(now(engine, self).waiting_for == std::optional<std::string>("other lanes"));
  CHECK(now(engine, blog).waiting_for == std::optional<std::string>("exclusive deploy " + self));
  CHECK(now(engine, blog).status == DeployStatus::queued);
  REQUIRE(engine.run_until([&] { return a->arrived && s->arrived; }, 30s));
  REQUIRE(engine.run_until([&] { return b->arrived; }, 30s));
  CHECK(a->record.status == DeployStatus::succeeded);
  CHECK(s->record.status == DeployStatus::succeeded);
  CHECK(b->record.status == DeployStatus::succeeded);
  CHECK(*s->record.started_at >= *a->record.finished_at);
  CHECK(*b->record.started_at >= *s->record.finished_at);
}

TEST_CASE("lanes: without [lanes] every deploy is in lane main", "[integration]") {
  SupervisorFixture sup(R"(
[services.web]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
[back]
state_dir = "state"
[builds]
platform = ["true"]
)");
  sup.start();
  EngineFixture engine(sup.config_path());
  auto r = engine.deploy(request("platform"));
  CHECK(r.record.lane == "main");
  auto lanes = engine.service->lanes();
  REQUIRE(lanes.size() == 1);
  CHECK(lanes[0].name == "main");
  CHECK(lanes[0].scopes == std::vector<std::string>{"platform"});
  CHECK(engine.service->max_parallel_builds() == 1);
}
