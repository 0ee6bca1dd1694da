// Server-Sent Events and the WebSocket: resumes without gaps or duplicates,
// and both transports carrying the same events.

#include <simdjson.h>

#include <cstdio>

#include <catch2/catch.hpp>

#include "tests/support/back_fixture.hpp"
#include "tests/support/process.hpp"

using namespace reship::test;
using namespace std::chrono_literals;

namespace {

const char* kConfig = R"(
[services.web]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
[back]
listen = @listen
state_dir = "state"
[builds]
platform = ["sh", "-c", "for i in $(seq 30); do echo line $i; done; sleep 0.3; for i in $(seq 31 60); do echo line $i; done"]
)";

struct SseEvent {
  uint64_t id = 0;
  std::string event;
  std::string data;
};

// Reads an HTTP/1.0 SSE response (no chunk framing) until `done` or timeout.
std::vector<SseEvent> read_sse(TestClient& c, const std::function<bool(const std::vector<SseEvent>&)>& done,
                               std::chrono::milliseconds timeout) {
  std::vector<SseEvent> events;
  size_t pos = 0;
  bool head_skipped = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(events) && std::chrono::steady_clock::now() < deadline) {
    c.read_more(100ms);
    const std::string& buf = c.buffered();
    if (!head_skipped) {
      const size_t end = buf.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      pos = end + 4;
      head_skipped = true;
    }
    size_t block_end;
    while ((block_end = buf.find("\n\n", pos)) != std::string::npos) {
      const std::string block = buf.substr(pos, block_end - pos);
      pos = block_end + 2;
      SseEvent e;
      size_t line_start = 0;
      while (line_start < block.size()) {
        size_t nl = block.find('\n', line_start);
        if (nl == std::string::npos) nl = block.size();
        const std::string line = block.substr(line_start, nl - line_start);
        if (line.rfind("id: ", 0) == 0) e.id = std::stoull(line.substr(4));
        if (line.rfind("event: ", 0) == 0) e.event = line.substr(7);
        if (line.rfind("data: ", 0) == 0) e.data += line.substr(6);
        line_start = nl + 1;
      }
      if (!e.event.empty()) events.push_back(std::move(e));
    }
  }
  return events;
}

bool has_done(const std::vector<SseEvent>& events) {
  return !events.empty() && events.back().event == "deploy.done";
}

}  // namespace

TEST_CASE("api events: a client that reconnects with Last-Event-ID gets N+1 on, no gap, no duplicate",
          "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto first = f.client();
  REQUIRE(first.send("GET /api/v1/events HTTP/1.0\r\nHost: t\r\n\r\n"));
  REQUIRE(first.wait_for_bytes(": reship events from seq", 5s));
  f.request("POST", "/api/v1/deploys", R"({"scope":"platform"})");
  // Disconnect after ten events.
  auto before = read_sse(
      first, [](const auto& e) { return e.size() >= 10; }, 10s);
  REQUIRE(before.size() >= 10);
  before.resize(10);
  first.close();
  const uint64_t last = before.back().id;
  auto second = f.client();
  REQUIRE(second.send("GET /api/v1/events HTTP/1.0\r\nHost: t\r\nLast-Event-ID: " + std::to_string(last) + "\r\n\r\n"));
  auto after = read_sse(second, has_done, 20s);
  REQUIRE(has_done(after));
  // Consecutive seqs across the two connections: none missing, none twice.
  std::vector<uint64_t> seqs;
  for (const auto& e : before) seqs.push_back(e.id);
  for (const auto& e : after) seqs.push_back(e.id);
  for (size_t i = 1; i < seqs.size(); ++i) {
    INFO(i);
    CHECK(seqs[i] == seqs[i - 1] + 1);
  }
  CHECK(before.front().event == "deploy.queued");
  // The data of each event is its JSON, with its seq.
  simdjson::dom::parser parser;
  auto doc = parser.parse(after.back().data);
  REQUIRE_FALSE(doc.error());
  CHECK(doc["seq"].get_uint64().value() == after.back().id);
  CHECK(std::string(doc["status"].get_string().value()) == "succeeded");
}

TEST_CASE("api events: ?since= that is not a seq, or lies in the future, is a clear 400", "[integration]") {
  BackFixture f(kConfig);
  f.start_back();
  for (const char* bad : {"abc", "-1", "12x", "99999999999999"}) {
    auto r = f.request("GET", std::string("/api/v1/events?since=") + bad);
    INFO(bad << ": " << r.body);
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("\"bad_request\"") && Catch::Contains("since"));
  }
  auto ws = f.request("GET", "/api/v1/ws?since=soon");
  CHECK(ws.status == 400);
}

TEST_CASE("api events: ?since= resumes too, and ?deployId= filters", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform"})");
  auto c = f.client();
  REQUIRE(c.send("GET /api/v1/events?since=0 HTTP/1.0\r\nHost: t\r\n\r\n"));
  auto replay = read_sse(c, has_done, 10s);
  REQUIRE(has_done(replay));
  simdjson::dom::parser parser;
  const std::string id(parser.parse(replay.front().data)["deployId"].get_string().value());
  // A second deploy; a subscriber of the first one's events sees none of it.
  auto only = f.client();
  REQUIRE(only.send("GET /api/v1/events?since=0&deployId=" + id + " HTTP/1.0\r\nHost: t\r\n\r\n"));
  f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform"})");
  auto filtered = read_sse(only, has_done, 10s);
  for (const auto& e : filtered) {
    CHECK(std::string(parser.parse(e.data)["deployId"].get_string().value()) == id);
  }
  CHECK(filtered.size() == replay.size());
}

TEST_CASE("api events: the WebSocket carries the same events with the same seqs", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto sse = f.client();
  REQUIRE(sse.send("GET /api/v1/events HTTP/1.0\r\nHost: t\r\n\r\n"));
  REQUIRE(sse.wait_for_bytes(": reship events", 5s));
  auto ws = f.client();
  auto hs = ws.ws_handshake("/api/v1/ws");
  REQUIRE(hs.has_value());
  REQUIRE(hs->status == 101);
  // Subscribe to everything from the start of the next deploy.
  REQUIRE(ws.send(ws_frame(0x1, R"({"subscribe":{"deployId":"","since":0}})")));
  f.request("POST", "/api/v1/deploys", R"({"scope":"platform"})");
  auto events = read_sse(sse, has_done, 20s);
  REQUIRE(has_done(events));
  std::vector<uint64_t> ws_seqs;
  simdjson::dom::parser parser;
  while (ws_seqs.size() < events.size()) {
    auto frame = ws.read_frame(10s);
    REQUIRE(frame.has_value());
    CHECK(frame->opcode == 0x1);
    CHECK_FALSE(frame->masked);
    auto doc = parser.parse(frame->payload);
    REQUIRE_FALSE(doc.error());
    ws_seqs.push_back(doc["seq"].get_uint64().value());
  }
  std::vector<uint64_t> sse_seqs;
  for (const auto& e : events) sse_seqs.push_back(e.id);
  // since=0 replays whatever the ring holds from earlier too: compare the tail.
  REQUIRE(ws_seqs.size() >= sse_seqs.size());
  CHECK(std::vector<uint64_t>(ws_seqs.end() - static_cast<long>(sse_seqs.size()), ws_seqs.end()) == sse_seqs);
}

TEST_CASE("api events: a bad WebSocket subscribe message gets an error frame, the socket stays", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto ws = f.client();
  auto hs = ws.ws_handshake("/api/v1/ws");
  REQUIRE(hs.has_value());
  REQUIRE(hs->status == 101);
  REQUIRE(ws.send(ws_frame(0x1, "hello")));
  auto frame = ws.read_frame(5s);
  REQUIRE(frame.has_value());
  CHECK_THAT(frame->payload, Catch::Contains("\"code\":\"bad_request\""));
  REQUIRE(ws.send(ws_frame(0x9, "ping?")));
  auto pong = ws.read_frame(5s);
  REQUIRE(pong.has_value());
  CHECK(pong->opcode == 0xA);
  CHECK(pong->payload == "ping?");
}

namespace {

// Takes one line of the test build's output, "line NNNNNN …": true while
// it is the next one expected, and counts it; reship's own lines are skipped.
bool next_in_order(std::string_view line, int& next, const char* transport) {
  if (!line.starts_with("line ")) return true;
  char expected[16];
  std::snprintf(expected, sizeof expected, "line %06d", next);
  if (!line.starts_with(expected)) {
    FAIL_CHECK(transport << " line " << next << " is " << line);
    return false;
  }
  ++next;
  return true;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;  // ASan keeps freed memory in quarantine: RSS says nothing
#else
constexpr bool kSanitized = false;
#endif

}  // namespace

TEST_CASE("api events: subscribers that read nothing during a 16 MB build still get every line, in order",
          "[integration]") {
  BackFixture f(R"(
[services.web]
command = ["@helper", "sleep"]
[scopes]
platform = ["web"]
[back]
listen = @listen
state_dir = "state"
[builds]
platform = ["awk", "BEGIN { for (i = 0; i < 200000; i++) printf \"line %06d %070d\\n\", i, 0 }"]
)");
  f.start_supervisor();
  f.start_back();
  auto sse = f.client();
  REQUIRE(sse.send("GET /api/v1/events HTTP/1.0\r\nHost: t\r\n\r\n"));
  REQUIRE(sse.wait_for_bytes(": reship events", 5s));
  auto ws = f.client();
  auto hs = ws.ws_handshake("/api/v1/ws");
  REQUIRE(hs.has_value());
  REQUIRE(hs->status == 101);
  const long rss_before = proc_status_kib(f.back()->pid(), "VmRSS");
  // The synchronous deploy ends before either subscriber reads a byte: far
  // more than the sockets hold is waiting for them (about 50 MB of SSE).
  auto done = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform"})");
  REQUIRE(done.status == 200);
  // SSE: every line once, in order, no gap, then deploy.done.
  auto events = read_sse(sse, has_done, 60s);
  REQUIRE(has_done(events));
  simdjson::dom::parser parser;
  int next = 0;
  int gaps = 0;
  for (const auto& e : events) {
    if (e.event == "stream.gap") ++gaps;
    if (e.event != "deploy.log") continue;
    if (!next_in_order(parser.parse(e.data)["line"].get_string().value(), next, "SSE")) break;
  }
  CHECK(next == 200000);
  CHECK(gaps == 0);
  // The WebSocket: the same lines, one frame each.
  int ws_next = 0;
  bool ws_done = false;
  while (!ws_done) {
    auto frame = ws.read_frame(20s);
    REQUIRE(frame.has_value());
    // A slow reader (a sanitized build on a busy machine) may be pinged
    // meanwhile: only text frames carry events.
    if (frame->opcode != 0x1) continue;
    auto doc = parser.parse(frame->payload);
    REQUIRE_FALSE(doc.error());
    const std::string_view type = doc["type"].get_string().value();
    if (type == "stream.gap") ++gaps;
    ws_done = type == "deploy.done";
    if (type != "deploy.log") continue;
    if (!next_in_order(doc["line"].get_string().value(), ws_next, "WebSocket")) break;
  }
  CHECK(ws_next == 200000);
  CHECK(gaps == 0);
  const long peak = proc_status_kib(f.back()->pid(), "VmHWM");
  // What waited for them was read back from the log as they read, not
  // buffered: reship-back grew by far less than the 50 MB it sent each.
  if (!kSanitized) {
    INFO("VmRSS before the deploy " << rss_before << " KiB, VmHWM after reading " << peak << " KiB");
    CHECK(peak - rss_before < 24 * 1024);
  }
}

namespace {

// The deploy id in the data of an event.
std::string deploy_of(const SseEvent& e) {
  simdjson::dom::parser parser;
  std::string_view id;
  if (parser.parse(e.data)["deployId"].get_string().get(id)) return "";
  return std::string(id);
}

size_t count_gaps(const std::vector<SseEvent>& events) {
  size_t gaps = 0;
  for (const auto& e : events) gaps += e.event == "stream.gap";
  return gaps;
}

}  // namespace

TEST_CASE("api events: a stream filtered by deployId ends after that deploy's deploy.done", "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto created = f.request("POST", "/api/v1/deploys", R"({"scope":"platform"})");
  REQUIRE(created.status == 202);
  simdjson::dom::parser parser;
  const std::string id(parser.parse(created.body)["deployId"].get_string().value());

  SECTION("while it runs: the stream ends right after deploy.done") {
    auto c = f.client();
    REQUIRE(c.send("GET /api/v1/events?since=0&deployId=" + id + " HTTP/1.0\r\nHost: t\r\n\r\n"));
    auto events = read_sse(c, has_done, 20s);
    REQUIRE(has_done(events));
    CHECK(c.wait_closed(5s));
    CHECK_FALSE(c.was_reset());
    CHECK(count_gaps(events) == 0);
  }
  SECTION("after it ended: what is kept of it, then the end; with no since, the end at once") {
    auto waited = f.request("GET", "/api/v1/deploys/" + id + "?wait=20");
    REQUIRE(waited.status == 200);
    auto c = f.client();
    REQUIRE(c.send("GET /api/v1/events?since=0&deployId=" + id + " HTTP/1.0\r\nHost: t\r\n\r\n"));
    auto events = read_sse(c, has_done, 20s);
    CHECK(has_done(events));
    CHECK(c.wait_closed(5s));
    CHECK(events.front().event == "deploy.queued");

    auto live = f.client();
    REQUIRE(live.send("GET /api/v1/events?deployId=" + id + " HTTP/1.0\r\nHost: t\r\n\r\n"));
    CHECK(live.wait_closed(5s));
    CHECK(live.buffered().find("event: ") == std::string::npos);
  }
  SECTION("an unknown deploy is a 404, not a stream that never ends") {
    auto r = f.request("GET", "/api/v1/events?deployId=d-20990101-000000-abcdef");
    CHECK(r.status == 404);
  }
}

TEST_CASE("api events: after a restart of reship-back, no stream.gap unless events of the selection are gone",
          "[integration]") {
  BackFixture f(kConfig);
  f.start_supervisor();
  f.start_back();
  auto before = f.request("POST", "/api/v1/self/deploy", R"({"scope":"platform"})");
  REQUIRE(before.status == 200);
  simdjson::dom::parser parser;
  const std::string old_id(parser.parse(before.body)["deployId"].get_string().value());
  // The seq of the old deploy's first event, before the restart.
  auto replay = f.client();
  REQUIRE(replay.send("GET /api/v1/events?since=0&deployId=" + old_id + " HTTP/1.0\r\nHost: t\r\n\r\n"));
  auto old_events = read_sse(replay, has_done, 10s);
  REQUIRE(has_done(old_events));
  const uint64_t old_first = old_events.front().id;

  REQUIRE(f.back()->stop() == 0);
  f.start_back();
  auto created = f.request("POST", "/api/v1/deploys", R"({"scope":"platform"})");
  REQUIRE(created.status == 202);
  const std::string id(parser.parse(created.body)["deployId"].get_string().value());

  // The way `reship deploy` follows a deploy: since=0, filtered.
  auto follower = f.client();
  REQUIRE(follower.send("GET /api/v1/events?since=0&deployId=" + id + " HTTP/1.0\r\nHost: t\r\n\r\n"));
  auto events = read_sse(follower, has_done, 20s);
  REQUIRE(has_done(events));
  CHECK(count_gaps(events) == 0);
  CHECK(events.front().event == "deploy.queued");
  // The new instance numbers on from the old one (a clean stop hands the
  // unused seqs back): no hole.
  CHECK(events.front().id > old_events.back().id);

  // A new subscriber of everything: nothing of this instance is gone.
  auto everything = f.client();
  REQUIRE(everything.send("GET /api/v1/events?since=0 HTTP/1.0\r\nHost: t\r\n\r\n"));
  auto all = read_sse(everything, has_done, 10s);
  REQUIRE(has_done(all));
  CHECK(count_gaps(all) == 0);

  // Resuming from before the restart: the old deploy's events are really
  // gone, and the gap says so.
  auto resumed = f.client();
  REQUIRE(resumed.send("GET /api/v1/events HTTP/1.0\r\nHost: t\r\nLast-Event-ID: " + std::to_string(old_first) +
                       "\r\n\r\n"));
  auto late = read_sse(resumed, has_done, 10s);
  REQUIRE_FALSE(late.empty());
  CHECK(late.front().event == "stream.gap");
  CHECK_THAT(late.front().data, Catch::Contains("\"from\":" + std::to_string(old_first + 1)));
  CHECK(deploy_of(late.back()) == id);
}
