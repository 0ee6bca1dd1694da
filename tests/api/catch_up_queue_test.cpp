#include "back/api/catch_up_queue.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "common/os/uv_handles.hpp"

using namespace reship;
using api::CatchUpQueue;

namespace {

// A client that wants `steps` steps of `bytes` each and records them.
struct FakeClient : CatchUpQueue::Client {
  FakeClient(std::string name, int steps, size_t bytes, std::vector<std::string>& log)
      : name(std::move(name)), steps(steps), bytes(bytes), log(log) {}
  size_t catch_up_step(bool& more) override {
    log.push_back(name);
    more = --steps > 0;
    return bytes;
  }
  std::string name;
  int steps;
  size_t bytes;
  std::vector<std::string>& log;
};

void turn(common::uv::Loop& loop) {
  uv_run(loop, UV_RUN_NOWAIT);
}

}  // namespace

TEST_CASE("catch-up queue: a turn's budget is shared in turn, and nobody is left behind", "[unit]") {
  common::uv::Loop loop;
  {
    std::vector<std::string> log;
    CatchUpQueue queue(loop);
    const size_t big = CatchUpQueue::kBytesPerTurn * 3 / 4;
    auto a = std::make_shared<FakeClient>("a", 2, big, log);
    auto b = std::make_shared<FakeClient>("b", 2, big, log);
    auto c = std::make_shared<FakeClient>("c", 2, big, log);
    queue.want(a);
    queue.want(b);
    queue.want(a);  // already waiting: still one step per turn
    queue.want(c);
    turn(loop);
    // Two steps spend the budget; c goes first next turn.
    CHECK(log == std::vector<std::string>{"a", "b"});
    turn(loop);
    CHECK(log == std::vector<std::string>{"a", "b", "c", "a"});
    turn(loop);
    turn(loop);
    CHECK(log == std::vector<std::string>{"a", "b", "c", "a", "b", "c"});
    CHECK(queue.waiting() == 0);
    // A client gone while it waited is skipped.
    auto d = std::make_shared<FakeClient>("d", 1, 1, log);
    queue.want(d);
    d.reset();
    turn(loop);
    CHECK(log.size() == 6);
    CHECK(queue.waiting() == 0);
  }
  CHECK(loop.close() == 0);
}
