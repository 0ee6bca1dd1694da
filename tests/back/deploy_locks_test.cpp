// DeployLocks on a real loop and a real database: one lock per lane, renewed
// by its holder, ended by its TTL on the loop's timer, kept across a reopen.

#include <catch2/catch.hpp>

#include "back/locks/deploy_locks.hpp"
#include "back/store/deploy_store.hpp"
#include "common/os/uv_handles.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reship;
using namespace reship::back;
using reship::test::TempDir;
using namespace std::chrono_literals;

TEST_CASE("deploy locks: one per lane, renewed by its holder, refused to another", "[unit]") {
  TempDir dir;
  auto store = DeployStore::open(dir / "deploys.db");
  REQUIRE(store.ok());
  common::uv::Loop loop;
  {
    DeployLocks locks(loop, **store);
    auto taken = locks.take("main", "alice", "migration", 60s);
    REQUIRE(taken.ok());
    CHECK(taken->until - taken->since == 60'000);
    auto other = locks.take("main", "bob", "mine", 60s);
    REQUIRE(!other.ok());
    CHECK_THAT(other.error().message, Catch::Contains("locked by \"alice\"") && Catch::Contains("migration"));
    REQUIRE(locks.take("main", "alice", "longer migration", 120s).ok());
    REQUIRE(locks.take("shop", "bob", "shop freeze", 60s).ok());
    CHECK(locks.all().size() == 2);
    CHECK(locks.held("main")->reason == "longer migration");
    auto recent = locks.recent();
    REQUIRE(recent.size() == 1);  // the renewed one
    CHECK(recent[0].released_by == "alice");
    CHECK(!locks.release("nowhere", "alice", false).ok());
    std::string released;
    locks.on_released([&](const std::string& lane) { released = lane; });
    auto broken = locks.release("main", "ops", true);
    REQUIRE(broken.ok());
    CHECK(broken->broken);
    CHECK(released == "main");
    CHECK(locks.held("main") == nullptr);
  }
  {
    // Kept in the database: a new instance holds what the old one held.
    DeployLocks reopened(loop, **store);
    REQUIRE(reopened.held("shop") != nullptr);
    CHECK(reopened.held("shop")->holder == "bob");
    CHECK(reopened.held("main") == nullptr);
    CHECK(reopened.recent()[0].broken);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("deploy locks: a lock ends by its TTL on the loop's timer", "[unit]") {
  TempDir dir;
  auto store = DeployStore::open(dir / "deploys.db");
  REQUIRE(store.ok());
  common::uv::Loop loop;
  {
    DeployLocks locks(loop, **store);
    std::vector<std::string> released;
    locks.on_released([&](const std::string& lane) { released.push_back(lane); });
    REQUIRE(locks.take("main", "alice", "short", 50ms).ok());
    REQUIRE(locks.take("shop", "alice", "shorter", 20ms).ok());
    loop.run();  // the timer is the only handle: the loop ends once both expired
    CHECK(released == std::vector<std::string>{"shop", "main"});
    CHECK(locks.all().empty());
    CHECK(locks.recent(10).size() == 2);
    CHECK(locks.recent(10)[0].released_by == "ttl");
  }
  CHECK(loop.close() == 0);
}
