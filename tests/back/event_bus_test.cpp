#include "back/events/event_bus.hpp"

#include <catch2/catch.hpp>

#include "back/store/deploy_store.hpp"
#include "common/os/uv_handles.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reship;
using namespace reship::back;

namespace {

// Runs one loop turn, which is when the bus delivers.
void turn(common::uv::Loop& loop) {
  uv_run(loop, UV_RUN_NOWAIT);
}

// A log held by the test, read back through the bus's LogSource seam.
class FakeLog final : public LogSource {
 public:
  using ReadFn = std::function<std::string(const std::string& id, int64_t offset, uint64_t bytes)>;
  explicit FakeLog(ReadFn read) : read_(std::move(read)) {}
  std::string read_run(const std::string& id, int64_t offset, uint64_t bytes) const override {
    return read_(id, offset, bytes);
  }

 private:
  ReadFn read_;
};

// The SSE framing, as the API's transport writes it.
void sse(std::string& out, const Event& e) {
  out.append("id: ").append(std::to_string(e.seq)).append("\nevent: ").append(e.type);
  out.append("\ndata: ").append(e.json).append("\n\n");
}

// Everything fetch() has after `since` for `deploy_id`, as seqs.
std::vector<uint64_t> fetched(EventBus& bus, const std::string& deploy_id, uint64_t since,
                              std::optional<std::pair<uint64_t, uint64_t>>* gap = nullptr) {
  auto page = bus.fetch(deploy_id, since, 1 << 20);
  if (gap != nullptr) *gap = page.gap;
  std::vector<uint64_t> out;
  for (const auto& batch : page.batches) {
    for (const Event* e : batch->events()) out.push_back(e->seq);
  }
  return out;
}

std::vector<uint64_t> seqs(const EventBatch& b, const std::string& filter = "") {
  std::vector<uint64_t> out;
  for (const Event* e : b.matching(filter)) out.push_back(e->seq);
  return out;
}

}  // namespace

TEST_CASE("event bus: a turn's events reach each subscriber in one batch", "[unit]") {
  common::uv::Loop loop;
  {
    EventBus bus(loop);
    std::vector<std::vector<uint64_t>> all;
    std::vector<std::vector<uint64_t>> only_b;
    auto s1 = bus.subscribe("", [&](const EventBatch& b) { all.push_back(seqs(b)); });
    auto s2 = bus.subscribe("d-b", [&](const EventBatch& b) { only_b.push_back(seqs(b, "d-b")); });
    bus.publish("deploy.log", "d-a", [](common::JsonWriter& w) { w.field("line", "x"); });
    bus.publish("deploy.log", "d-b");
    bus.publish("deploy.done", "d-a");
    turn(loop);
    REQUIRE(all.size() == 1);
    CHECK(all[0] == std::vector<uint64_t>{1, 2, 3});
    REQUIRE(only_b.size() == 1);
    CHECK(only_b[0] == std::vector<uint64_t>{2});
    turn(loop);
    CHECK(all.size() == 1);  // nothing new, nothing delivered
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("event bus: events are JSON with seq, type, at and deployId, their encoding is shared", "[unit]") {
  common::uv::Loop loop;
  {
    EventBus bus(loop);
    std::shared_ptr<const std::string> first;
    std::shared_ptr<const std::string> second;
    auto s1 = bus.subscribe("", [&](const EventBatch& b) { first = b.encoded("", &sse); });
    auto s2 = bus.subscribe("", [&](const EventBatch& b) { second = b.encoded("", &sse); });
    bus.publish("deploy.start", "d-1", [](common::JsonWriter& w) { w.field("mode", "deploy"); });
    turn(loop);
    REQUIRE(first);
    CHECK(first == second);  // encoded once
    CHECK_THAT(*first,
               Catch::StartsWith("id: 1\nevent: deploy.start\ndata: {\"seq\":1,\"type\":\"deploy.start\",\"at\":\""));
    CHECK_THAT(*first, Catch::EndsWith("\"deployId\":\"d-1\",\"mode\":\"deploy\"}\n\n"));
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("event bus: a resumed subscriber gets what it missed, then the rest, without gaps", "[unit]") {
  common::uv::Loop loop;
  {
    EventBus bus(loop, 1000, 1 << 20);
    for (int i = 0; i < 10; ++i) bus.publish("deploy.log", "d-1");
    turn(loop);
    // What it missed, from the ring; then live batches.
    std::optional<std::pair<uint64_t, uint64_t>> gap;
    std::vector<uint64_t> got = fetched(bus, "", 4, &gap);
    CHECK_FALSE(gap);
    auto sub = bus.subscribe("", [&](const EventBatch& b) {
      for (auto s : seqs(b)) got.push_back(s);
    });
    bus.publish("deploy.done", "d-1");
    turn(loop);
    std::vector<uint64_t> expected;
    for (uint64_t s = 5; s <= 11; ++s) expected.push_back(s);
    CHECK(got == expected);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("event bus: the ring is bounded and a resume past it reports the gap", "[unit]") {
  common::uv::Loop loop;
  {
    EventBus bus(loop, 5, 1 << 20);
    for (int i = 0; i < 20; ++i) bus.publish("deploy.log", "d-1");
    turn(loop);
    CHECK(bus.oldest_kept() == 16);
    std::optional<std::pair<uint64_t, uint64_t>> gap;
    const std::vector<uint64_t> got = fetched(bus, "", 2, &gap);
    REQUIRE(gap.has_value());
    CHECK(gap->first == 3);
    CHECK(gap->second == 15);
    CHECK(got == std::vector<uint64_t>{16, 17, 18, 19, 20});
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("event bus: seqs continue after a restart, never reused", "[unit]") {
  reship::test::TempDir dir;
  uint64_t last = 0;
  {
    common::uv::Loop loop;
    auto store = DeployStore::open(dir / "deploys.db");
    REQUIRE(store.ok());
    EventBus bus(loop);
    REQUIRE(bus.use_seqs(store->get()).ok());
    for (int i = 0; i < 3; ++i) last = bus.publish("deploy.log", "d-1");
  }
  common::uv::Loop loop;
  auto store = DeployStore::open(dir / "deploys.db");
  REQUIRE(store.ok());
  EventBus bus(loop);
  REQUIRE(bus.use_seqs(store->get()).ok());
  CHECK(bus.publish("deploy.log", "d-1") > last);
}

namespace {

// The deploy database, refusing reservations while `full` (as on a full disk).
class FillingStore final : public SeqSource {
 public:
  explicit FillingStore(DeployStore& store) : store_(store) {}
  common::Result<uint64_t> reserve_event_seqs(uint64_t count) override {
    if (full) return common::Error{"cannot reserve event numbers: database or disk is full"};
    return store_.reserve_event_seqs(count);
  }
  common::Result<void> release_event_seqs(uint64_t last_reserved, uint64_t last_used) override {
    if (full) return common::Error{"cannot hand back event numbers: database or disk is full"};
    return store_.release_event_seqs(last_reserved, last_used);
  }
  bool full = false;

 private:
  DeployStore& store_;
};

}  // namespace

TEST_CASE("event bus: seqs handed out while the disk was full are not reused after a crash", "[unit]") {
  reship::test::TempDir dir;
  uint64_t last = 0;
  {
    common::uv::Loop loop;
    auto store = DeployStore::open(dir / "deploys.db");
    REQUIRE(store.ok());
    FillingStore filling(**store);
    EventBus bus(loop);
    REQUIRE(bus.use_seqs(&filling).ok());
    filling.full = true;
    // Past the reserved block: the seqs go on, unique in this run.
    for (int i = 0; i < 30'012; ++i) {
      const uint64_t seq = bus.publish("deploy.log", "d-1");
      REQUIRE(seq > last);
      last = seq;
    }
    // Killed: nothing is handed back.
  }
  common::uv::Loop loop;
  auto store = DeployStore::open(dir / "deploys.db");
  REQUIRE(store.ok());
  EventBus bus(loop);
  REQUIRE(bus.use_seqs(store->get()).ok());
  const uint64_t next = bus.publish("deploy.done", "d-1");
  INFO("last seq before the crash " << last << ", first after " << next);
  CHECK(next > last);
}

TEST_CASE("event bus: a subscriber may unsubscribe another during delivery", "[unit]") {
  common::uv::Loop loop;
  {
    EventBus bus(loop);
    std::unique_ptr<EventBus::Subscription> second;
    int second_calls = 0;
    auto first = bus.subscribe("", [&](const EventBatch&) { second.reset(); });
    second = bus.subscribe("", [&](const EventBatch&) { ++second_calls; });
    bus.publish("deploy.log", "d-1");
    turn(loop);
    CHECK(second_calls == 0);
    CHECK(bus.subscribers() == 1);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("event bus: a log run becomes one event per line, read back only when someone listens", "[unit]") {
  common::uv::Loop loop;
  {
    EventBus bus(loop);
    const std::string log = "first\nsecond line\nthird\n";
    int reads = 0;
    FakeLog fake_log([&](const std::string& id, int64_t offset, uint64_t bytes) {
      ++reads;
      CHECK(id == "d-1");
      return log.substr(static_cast<size_t>(offset), bytes);
    });
    bus.set_log_source(&fake_log);
    // Nobody listens: the run is kept, never read.
    bus.publish_log(LogRun{"d-1", "stdout", 1'700'000'000'000, 0, 6, 1});
    turn(loop);
    CHECK(reads == 0);
    std::vector<std::string> got;
    auto sub = bus.subscribe("", [&](const EventBatch& b) {
      for (const Event* e : b.events()) got.push_back(std::to_string(e->seq) + " " + e->json);
    });
    const uint64_t last = bus.publish_log(LogRun{"d-1", "stderr", 1'700'000'000'000, 6, 18, 2});
    turn(loop);
    CHECK(reads == 1);
    REQUIRE(got.size() == 2);
    CHECK(last == 3);
    CHECK_THAT(got[0], Catch::StartsWith("2 {\"seq\":2,\"type\":\"deploy.log\",\"at\":\"2023-11-14T22:13:20.000Z\""));
    CHECK_THAT(got[0],
               Catch::EndsWith("\"deployId\":\"d-1\",\"stream\":\"stderr\",\"line\":\"second line\",\"offset\":6}"));
    CHECK_THAT(got[1], Catch::EndsWith("\"line\":\"third\",\"offset\":18}"));
    // A resume in the middle of a run gets the rest of it, from the log.
    CHECK(fetched(bus, "d-1", 2) == std::vector<uint64_t>{3});
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("event bus: fetch pages through what was delivered, and leaves the rest to live batches", "[unit]") {
  common::uv::Loop loop;
  {
    EventBus bus(loop, 1000, 1 << 20);
    std::string log;
    for (int i = 0; i < 100; ++i) log += "line " + std::to_string(i) + "\n";
    int reads = 0;
    FakeLog fake_log([&](const std::string&, int64_t offset, uint64_t bytes) {
      ++reads;
      return log.substr(static_cast<size_t>(offset), bytes);
    });
    bus.set_log_source(&fake_log);
    // Ten runs of ten lines of d-1, an event of another deploy among them.
    std::vector<uint64_t> expected;
    int64_t offset = 0;
    for (int run = 0; run < 10; ++run) {
      uint64_t bytes = 0;
      for (int i = run * 10; i < run * 10 + 10; ++i) bytes += ("line " + std::to_string(i) + "\n").size();
      const uint64_t last = bus.publish_log(LogRun{"d-1", "stdout", 1'700'000'000'000, offset, bytes, 10});
      for (uint64_t s = last - 9; s <= last; ++s) expected.push_back(s);
      offset += static_cast<int64_t>(bytes);
      if (run == 4) bus.publish("deploy.done", "d-2");
    }
    turn(loop);
    bus.publish("deploy.done", "d-1");  // published, not yet delivered
    // Small pages: several of them, in order, nothing of d-2, nothing pending.
    std::vector<uint64_t> got;
    uint64_t cursor = 0;
    int pages = 0;
    for (bool caught_up = false; !caught_up && pages < 100; ++pages) {
      auto page = bus.fetch("d-1", cursor, 300);
      CHECK_FALSE(page.gap);
      for (const auto& batch : page.batches) {
        for (const Event* e : batch->matching("d-1")) got.push_back(e->seq);
      }
      CHECK(page.last_seq > cursor);
      cursor = page.last_seq;
      caught_up = page.caught_up;
    }
    CHECK(got == expected);
    CHECK(pages > 2);
    CHECK(cursor == bus.delivered_seq());
    CHECK(bus.delivered_seq() + 1 == bus.last_seq());
    // Every subscriber catching up through a run shares its encoding.
    const int reads_before = reads;
    auto again = bus.fetch("", 0, 1);
    REQUIRE(again.batches.size() == 1);
    CHECK(reads == reads_before);
    // A resume in the middle of a run gets the rest of it.
    auto middle = bus.fetch("d-1", expected[3], 1);
    REQUIRE(middle.batches.size() == 1);
    CHECK(seqs(*middle.batches[0]) == std::vector<uint64_t>(expected.begin() + 4, expected.begin() + 10));
    // Once the pending event is delivered, fetch reaches it too.
    turn(loop);
    auto rest = bus.fetch("d-1", cursor, 1 << 20);
    CHECK(rest.caught_up);
    REQUIRE(rest.batches.size() == 1);
    CHECK(seqs(*rest.batches[0]) == std::vector<uint64_t>{bus.last_seq()});
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("event bus: fetch past the ring reports the gap, then goes on", "[unit]") {
  common::uv::Loop loop;
  {
    EventBus bus(loop, 5, 1 << 20);
    for (int i = 0; i < 10; ++i) bus.publish("deploy.log", "d-1");
    turn(loop);
    auto page = bus.fetch("", 2, 1 << 20);
    REQUIRE(page.gap);
    CHECK(*page.gap == std::make_pair<uint64_t, uint64_t>(3, 5));
    std::vector<uint64_t> got;
    for (const auto& batch : page.batches) {
      for (auto s : seqs(*batch)) got.push_back(s);
    }
    CHECK(got == std::vector<uint64_t>{6, 7, 8, 9, 10});
    CHECK(page.batches.size() == 1);  // single events travel together
    CHECK(page.caught_up);
    CHECK(bus.fetch("", 10, 1 << 20).caught_up);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("event bus: fetch is caught up across the hole a fresh block of seqs leaves", "[unit]") {
  reship::test::TempDir dir;
  common::uv::Loop loop;
  {
    auto store = DeployStore::open(dir / "deploys.db");
    REQUIRE(store.ok());
    EventBus bus(loop);
    REQUIRE(bus.use_seqs(store->get()).ok());
    // 6,000 lines, delivered; then 6,000 more, which do not fit in what is
    // left of the first block of 10,000 seqs: they start a new block.
    const uint64_t first_end = bus.publish_log(LogRun{"d-1", "stdout", 0, 0, 12'000, 6'000});
    turn(loop);
    const uint64_t second_end = bus.publish_log(LogRun{"d-1", "stdout", 0, 12'000, 12'000, 6'000});
    REQUIRE(second_end - 6'000 + 1 > first_end + 1);  // the hole
    auto page = bus.fetch("", first_end, 1 << 20);
    CHECK(page.caught_up);  // else a subscriber would ask again forever
    CHECK(page.batches.empty());
    CHECK_FALSE(page.gap);
    CHECK(page.last_seq == bus.delivered_seq());
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("event bus: a gap is reported only for events of the subscriber's own selection", "[unit]") {
  common::uv::Loop loop;
  {
    EventBus bus(loop, 5, 1 << 20);
    // d-old fills the ring and is pushed out of it by d-new, which began
    // here (its first event is deploy.queued).
    for (int i = 0; i < 10; ++i) bus.publish("deploy.log", "d-old");
    bus.publish("deploy.queued", "d-new");
    for (int i = 0; i < 3; ++i) bus.publish("deploy.log", "d-new");
    turn(loop);
    CHECK(bus.oldest_kept() == 10);
    CHECK_FALSE(bus.fetch("d-new", 0, 1 << 20).gap);  // nothing of d-new is gone
    CHECK(bus.fetch("d-old", 0, 1 << 20).gap == std::make_pair<uint64_t, uint64_t>(1, 9));
    CHECK(bus.fetch("", 3, 1 << 20).gap == std::make_pair<uint64_t, uint64_t>(4, 9));
    // A deploy first seen mid-way (its beginning was in an earlier instance):
    // what came before cannot be vouched for.
    bus.publish("deploy.start", "d-resumed");
    turn(loop);
    CHECK(bus.fetch("d-resumed", 0, 1 << 20).gap.has_value());
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("event bus: after a clean restart seqs go on without a hole, and a new subscriber hears of no gap",
          "[unit]") {
  reship::test::TempDir dir;
  uint64_t last = 0;
  {
    common::uv::Loop loop;
    auto store = DeployStore::open(dir / "deploys.db");
    REQUIRE(store.ok());
    EventBus bus(loop);
    REQUIRE(bus.use_seqs(store->get()).ok());
    for (int i = 0; i < 3; ++i) last = bus.publish("deploy.log", "d-1");
    bus.release_unused_seqs();
  }
  common::uv::Loop loop;
  {
    auto store = DeployStore::open(dir / "deploys.db");
    REQUIRE(store.ok());
    EventBus bus(loop);
    REQUIRE(bus.use_seqs(store->get()).ok());
    CHECK(bus.publish("deploy.queued", "d-2") == last + 1);
    turn(loop);
    CHECK_FALSE(bus.fetch("", 0, 1 << 20).gap);     // new: misses nothing of this instance
    CHECK_FALSE(bus.fetch("d-2", 0, 1 << 20).gap);  // began here
    // A client that saw the first event of the last instance missed the
    // other two.
    CHECK(bus.fetch("", last - 2, 1 << 20).gap == std::make_pair(last - 1, last));
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("event bus: seqs never handed out (the hole before a fresh block) are not a gap", "[unit]") {
  reship::test::TempDir dir;
  common::uv::Loop loop;
  {
    auto store = DeployStore::open(dir / "deploys.db");
    REQUIRE(store.ok());
    EventBus bus(loop, 2, 1 << 20);
    REQUIRE(bus.use_seqs(store->get()).ok());
    const uint64_t first_end = bus.publish_log(LogRun{"d-1", "stdout", 0, 0, 12'000, 6'000});
    turn(loop);
    // 6,000 more lines start a new block: the ring drops the first run.
    bus.publish_log(LogRun{"d-1", "stdout", 0, 12'000, 12'000, 6'000});
    bus.publish("deploy.done", "d-1");
    turn(loop);
    CHECK(bus.oldest_kept() > first_end + 1);
    // Caught up to the end of the first run: nothing in the hole is lost.
    CHECK_FALSE(bus.fetch("", first_end, 1 << 20).gap);
  }
  CHECK(loop.close() == 0);
}
