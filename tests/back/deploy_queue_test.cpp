// The queue rules of contract 3.2, one table row per situation.

#include <catch2/catch.hpp>

#include "back/engine/deploy_queue.hpp"

using namespace reship::back;
using Action = DeployQueue::Decision::Action;

namespace {

const std::vector<std::string> kPlatform{"front", "back"};
const std::vector<std::string> kAll{"front", "back", "core"};

QueueEntry entry(const std::string& id, const std::string& scope, DeployMode mode = DeployMode::deploy) {
  return {id, scope, mode, scope == "all" ? kAll : kPlatform};
}

DeployQueue queue() {
  return DeployQueue(std::map<std::string, std::vector<std::string>>{{"all", {"platform"}}});
}

}  // namespace

TEST_CASE("deploy queue: covers needs scope, mode and targets", "[unit]") {
  auto q = queue();
  struct Row {
    QueueEntry x;
    QueueEntry y;
    bool covers;
  };
  const Row rows[] = {
      {entry("x", "platform"), entry("y", "platform"), true},
      {entry("x", "all"), entry("y", "platform"), true},             // [back] covers
      {entry("x", "platform"), entry("y", "all"), false},             // not the other way round
      {entry("x", "platform", DeployMode::deploy), entry("y", "platform", DeployMode::build), true},
      {entry("x", "platform", DeployMode::deploy), entry("y", "platform", DeployMode::restart), true},
      {entry("x", "platform", DeployMode::build), entry("y", "platform", DeployMode::deploy), false},
      {entry("x", "platform", DeployMode::build), entry("y", "platform", DeployMode::restart), false},
      {entry("x", "platform", DeployMode::restart), entry("y", "platform", DeployMode::restart), true},
      // The same scope for a caller that may bounce edge is not covered by a
      // deploy that will not.
      {QueueEntry{"x", "all", DeployMode::deploy, kAll}, QueueEntry{"y", "all", DeployMode::deploy, {"front", "back", "core", "edge"}}, false},
  };
  for (const auto& row : rows) {
    INFO(row.x.scope << "/" << mode_name(row.x.mode) << " covers " << row.y.scope << "/" << mode_name(row.y.mode));
    CHECK(q.covers(row.x, row.y) == row.covers);
  }
}

TEST_CASE("deploy queue: start, take the slot, coalesce, replace", "[unit]") {
  auto q = queue();
  // Nothing runs: start at once.
  auto d1 = q.submit(entry("d1", "platform"), false);
  CHECK(d1.action == Action::start);
  CHECK(q.position("d1") == 0);
  // Something runs: take the empty slot.
  auto d2 = q.submit(entry("d2", "platform"), false);
  CHECK(d2.action == Action::queue);
  CHECK_FALSE(d2.replaced_id);
  CHECK(q.position("d2") == 1);
  // The queued deploy covers the request: coalesce.
  auto d3 = q.submit(entry("d3", "platform", DeployMode::build), false);
  CHECK(d3.action == Action::coalesce);
  CHECK(d3.joined_id == "d2");
  // A request the queued one does not cover, but which covers it: replace, callers move.
  auto d4 = q.submit(entry("d4", "all"), false);
  CHECK(d4.action == Action::queue);
  CHECK(d4.replaced_id == std::optional<std::string>("d2"));
  CHECK(d4.waiters_move);
  CHECK(q.position("d4") == 1);
  CHECK_FALSE(q.position("d2"));
  // A platform request now joins the queued "all" (covers = { all = ["platform"] }).
  auto d5 = q.submit(entry("d5", "platform"), false);
  CHECK(d5.action == Action::coalesce);
  CHECK(d5.joined_id == "d4");
  // Neither covers the other: replace, the old one is cancelled.
  auto d6 = q.submit(entry("d6", "platform", DeployMode::restart), false);
  CHECK(d6.action == Action::coalesce);  // all/deploy covers platform/restart
  auto d7 = q.submit(QueueEntry{"d7", "other", DeployMode::build, {}}, false);
  CHECK(d7.action == Action::queue);
  CHECK(d7.replaced_id == std::optional<std::string>("d4"));
  CHECK_FALSE(d7.waiters_move);
  // The running one ends: the queued one runs.
  auto next = q.finish_running();
  REQUIRE(next.has_value());
  CHECK(next->id == "d7");
  CHECK(q.position("d7") == 0);
  CHECK_FALSE(q.queued());
}

TEST_CASE("deploy queue: cancelRunning cancels only a running deploy it covers", "[unit]") {
  auto q = queue();
  q.submit(entry("run", "platform"), false);
  auto narrow = q.submit(QueueEntry{"n", "other", DeployMode::build, {}}, true);
  CHECK_FALSE(narrow.cancel_running_id);
  auto wide = q.submit(entry("w", "all"), true);
  CHECK(wide.cancel_running_id == std::optional<std::string>("run"));
  CHECK(wide.action == Action::queue);
  CHECK(wide.replaced_id == std::optional<std::string>("n"));
}

TEST_CASE("deploy queue: a queued deploy can be removed", "[unit]") {
  auto q = queue();
  q.submit(entry("a", "platform"), false);
  q.submit(entry("b", "all"), false);
  CHECK_FALSE(q.remove_queued("a"));
  CHECK(q.remove_queued("b"));
  CHECK_FALSE(q.queued());
  CHECK_FALSE(q.finish_running());
}

TEST_CASE("deploy queue: decide changes nothing until apply", "[unit]") {
  auto q = queue();
  const auto a = entry("a", "platform");
  auto d = q.decide(a, false);
  CHECK(d.action == Action::start);
  CHECK_FALSE(q.running());  // a failed insert after decide leaves the queue as it was
  q.apply(d, a);
  CHECK(q.position("a") == 0);
}
