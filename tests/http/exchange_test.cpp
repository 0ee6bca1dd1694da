#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "back/http/server.hpp"
#include "back/http/sse.hpp"
#include "tests/http/http_client.hpp"
#include "tests/http/server_thread.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

// A handler that keeps every exchange for /hold/... so the test answers it
// later from the loop thread, and answers anything else at once.
struct Holder {
  EventLog log;
  std::map<std::string, std::shared_ptr<http::Exchange>> held;  // loop thread only

  http::Handler handler() {
    return [this](http::Request& req, std::shared_ptr<http::Exchange> ex) {
      const std::string path(req.path());
      log.add("handler " + path);
      if (path.starts_with("/hold/")) {
        ex->on_close([this, path] { log.add("closed " + path); });
        held[path] = std::move(ex);
      } else {
        ex->respond(200, "text/plain", "now " + path);
      }
    };
  }
};

}  // namespace

TEST_CASE("http exchange: an exchange answered minutes later still reaches the client", "[integration]") {
  Holder h;
  ServerThread server(h.handler());
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.get("/hold/1"));
  REQUIRE(h.log.wait_for("handler /hold/1"));
  CHECK_FALSE(client.readable_within(20ms));
  server.run([&] {
    auto& ex = h.held["/hold/1"];
    CHECK_FALSE(ex->closed());
    ex->respond(201, "application/json", R"({"ok":true})", {{"Location", "/x/1"}});
    CHECK(ex->closed());
    ex->respond(500, "text/plain", "ignored");  // a second answer does nothing
  });
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 201);
  CHECK(r->body == R"({"ok":true})");
  CHECK(r->header("location") == "/x/1");
  // The connection is still good for the next request.
  REQUIRE(client.get("/next"));
  const auto next = client.read_response();
  REQUIRE(next);
  CHECK(next->body == "now /next");
  CHECK_FALSE(h.log.contains("closed /hold/1"));
  server.run([&] { h.held.clear(); });
  CHECK(server.stop() == 0);
}

TEST_CASE("http exchange: a client that disconnects fires on_close, and a late answer is harmless", "[integration]") {
  Holder h;
  ServerThread server(h.handler());
  {
    auto client = TestClient::tcp(server.port());
    REQUIRE(client.get("/hold/gone"));
    REQUIRE(h.log.wait_for("handler /hold/gone"));
  }  // the client closes its socket
  REQUIRE(h.log.wait_for("closed /hold/gone"));
  server.run([&] {
    auto& ex = h.held["/hold/gone"];
    CHECK(ex->closed());
    ex->respond(200, "text/plain", "too late");
    CHECK_FALSE(ex->begin_stream(200, "text/plain"));
    CHECK_FALSE(ex->write("x"));
    ex->end();
    CHECK(ex->accept_websocket() == nullptr);
    CHECK(ex->write_queue_size() == 0);
    h.held.clear();
  });
  // on_close ran once, and the server still serves.
  auto events = h.log.events();
  CHECK(std::count(events.begin(), events.end(), "closed /hold/gone") == 1);
  auto other = TestClient::tcp(server.port());
  REQUIRE(other.get("/fine"));
  REQUIRE(other.read_response());
  CHECK(server.stop() == 0);
}

TEST_CASE("http exchange: an exchange outliving its server is harmless", "[integration]") {
  Holder h;
  std::shared_ptr<http::Exchange> kept;
  {
    ServerThread server(h.handler());
    auto client = TestClient::tcp(server.port());
    REQUIRE(client.get("/hold/kept"));
    REQUIRE(h.log.wait_for("handler /hold/kept"));
    server.run([&] {
      kept = h.held["/hold/kept"];
      h.held.clear();
    });
    CHECK(server.stop() == 0);  // destroys the server: no callbacks then
  }
  CHECK(kept->closed());
  kept->respond(200, "text/plain", "nobody listens");
  CHECK_FALSE(h.log.contains("closed /hold/kept"));
}

TEST_CASE("http exchange: streams a chunked response piece by piece", "[integration]") {
  Holder h;
  ServerThread server(h.handler());
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.get("/hold/stream"));
  REQUIRE(h.log.wait_for("handler /hold/stream"));
  auto shared = std::make_shared<const std::string>(http::format_sse_event("1", "deploy.log", "line one"));
  auto big = std::make_shared<const std::string>(std::string(40 * 1024, 'z'));
  server.run([&] {
    auto& ex = h.held["/hold/stream"];
    REQUIRE(ex->begin_stream(200, "text/event-stream", {{"Cache-Control", "no-cache"}}));
    CHECK(ex->started());
    CHECK(ex->write_shared(shared));
  });
  REQUIRE(client.wait_for_bytes("data: line one\n\n\r\n"));
  CHECK_THAT(client.buffered(), Catch::Contains("Transfer-Encoding: chunked\r\n"));
  server.run([&] {
    auto& ex = h.held["/hold/stream"];
    CHECK(ex->write(std::string(http::kSseHeartbeat)));
    CHECK(ex->write(""));  // ignored, must not end the stream
    CHECK(ex->write_shared(big));
    CHECK(ex->write_queue_size() < 1024 * 1024);
    ex->end();
    CHECK(ex->closed());
    CHECK_FALSE(ex->write("after end"));
  });
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header("content-type") == "text/event-stream");
  CHECK(r->header("cache-control") == "no-cache");
  CHECK(r->body == *shared + std::string(http::kSseHeartbeat) + *big);
  // Keep-alive survives a streamed response.
  REQUIRE(client.get("/after"));
  const auto after = client.read_response();
  REQUIRE(after);
  CHECK(after->body == "now /after");
  server.run([&] { h.held.clear(); });
  CHECK(server.stop() == 0);
}

TEST_CASE("http exchange: an HTTP/1.0 stream ends with the connection", "[integration]") {
  Holder h;
  ServerThread server(h.handler());
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.send("GET /hold/old HTTP/1.0\r\n\r\n"));
  REQUIRE(h.log.wait_for("handler /hold/old"));
  server.run([&] {
    auto& ex = h.held["/hold/old"];
    REQUIRE(ex->begin_stream(200, "text/plain"));
    ex->write("part1 ");
    ex->write("part2");
    ex->end();
  });
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->body == "part1 part2");
  CHECK(r->header("transfer-encoding").empty());
  CHECK(client.wait_closed());
  server.run([&] { h.held.clear(); });
  CHECK(server.stop() == 0);
}

TEST_CASE("http exchange: a stream to a client that leaves reports on_close", "[integration]") {
  Holder h;
  ServerThread server(h.handler());
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.get("/hold/sub"));
  REQUIRE(h.log.wait_for("handler /hold/sub"));
  server.run([&] {
    auto& ex = h.held["/hold/sub"];
    REQUIRE(ex->begin_stream(200, "text/event-stream"));
    ex->write(std::string(http::kSseHeartbeat));
  });
  REQUIRE(client.wait_for_bytes("heartbeat"));
  client.close();
  REQUIRE(h.log.wait_for("closed /hold/sub"));
  server.run([&] {
    auto& ex = h.held["/hold/sub"];
    CHECK(ex->closed());
    CHECK_FALSE(ex->write("x"));
    h.held.clear();
  });
  CHECK(server.stop() == 0);
}

TEST_CASE("http exchange: on_drain tells a streamer when a slow reader caught up", "[integration]") {
  Holder h;
  ServerThread server(h.handler());
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.get("/hold/flood"));
  REQUIRE(h.log.wait_for("handler /hold/flood"));
  const std::string piece(64 * 1024, 'f');
  size_t queued = 0;
  server.run([&] {
    auto& ex = h.held["/hold/flood"];
    REQUIRE(ex->begin_stream(200, "application/octet-stream"));
    ex->on_drain([&h] { h.log.add("drained"); });
    for (int i = 0; i < 256 && ex->write_queue_size() == 0; ++i) ex->write(piece);
    queued = ex->write_queue_size();
  });
  CHECK(queued > 0);  // the kernel buffers are full: the queue holds the rest
  // Read what was written; the queue drains.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!h.log.contains("drained") && std::chrono::steady_clock::now() < deadline) {
    client.read_more(10ms);
    client.discard();
  }
  CHECK(h.log.contains("drained"));
  server.run([&] {
    h.held["/hold/flood"]->end();
    h.held.clear();
  });
  CHECK(server.stop() == 0);
}

TEST_CASE("http exchange: shutdown lets an exchange in flight finish and refuses new requests", "[integration]") {
  Holder h;
  ServerThread server(h.handler());
  auto busy = TestClient::tcp(server.port());
  REQUIRE(busy.get("/hold/deploy"));
  REQUIRE(h.log.wait_for("handler /hold/deploy"));
  auto idle = TestClient::tcp(server.port());
  REQUIRE(idle.get("/idle"));
  REQUIRE(idle.read_response());
  // A request under way when the shutdown starts: its headers are in (the
  // server said 100 Continue), its body is not.
  auto partial = TestClient::tcp(server.port());
  REQUIRE(partial.send("POST /late HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
  REQUIRE(partial.read_response());  // 100 Continue

  server.run([&] { server.server().shutdown(10s, [&h] { h.log.add("done"); }); });
  CHECK(idle.wait_closed());  // idle: closed after a moment for a request
  // No new connection is taken: the handshake goes unanswered.
  CHECK_FALSE(TestClient::tcp(server.port(), 300ms).connected());
  REQUIRE(partial.send("ok"));                              // completes its request
  const auto refused = partial.read_response();
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK_THAT(refused->body, Catch::Contains("shutting_down"));
  CHECK(partial.wait_closed());
  CHECK_FALSE(h.log.contains("done"));
  CHECK_FALSE(h.log.contains("handler /late"));

  server.run([&] { h.held["/hold/deploy"]->respond(200, "application/json", R"({"status":"succeeded"})"); });
  const auto r = busy.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header("connection") == "close");
  CHECK(busy.wait_closed());
  REQUIRE(h.log.wait_for("done"));
  CHECK_FALSE(h.log.contains("closed /hold/deploy"));
  server.run([&] { h.held.clear(); });
  CHECK(server.stop() == 0);
}

TEST_CASE("http exchange: a request that crosses the shutdown is answered 503 with Retry-After, never reset",
          "[integration]") {
  Holder h;
  ServerThread server(h.handler());
  // An idle keep-alive connection, whose next request is sent just after
  // the shutdown began.
  auto idle = TestClient::tcp(server.port());
  REQUIRE(idle.get("/first"));
  REQUIRE(idle.read_response());
  std::vector<TestClient> queued;
  server.run([&] {
    // On the loop thread, so that the server accepts nothing meanwhile:
    // these connections wait in the kernel's backlog, their requests sent,
    // when the shutdown starts (and the listener closes).
    for (int i = 0; i < 3; ++i) {
      queued.push_back(TestClient::tcp(server.port()));
      queued.back().get("/queued");
    }
    // One connected but silent until after the shutdown began.
    queued.push_back(TestClient::tcp(server.port()));
    server.server().shutdown(10s, [&h] { h.log.add("done"); });
  });
  REQUIRE(idle.get("/late"));
  REQUIRE(queued.back().get("/late"));
  for (auto* c : {&idle, &queued[0], &queued[1], &queued[2], &queued[3]}) {
    const auto r = c->read_response();
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(r->header("retry-after") == "1");
    CHECK(r->header("connection") == "close");
    CHECK_THAT(r->body, Catch::Contains("shutting_down"));
    CHECK(c->wait_closed());
    CHECK_FALSE(c->was_reset());
  }
  CHECK_FALSE(h.log.contains("handler /queued"));
  CHECK_FALSE(h.log.contains("handler /late"));
  REQUIRE(h.log.wait_for("done"));
  CHECK(server.stop() == 0);
}

TEST_CASE("http exchange: shutdown closes what is left when the grace period ends", "[integration]") {
  Holder h;
  ServerThread server(h.handler());
  auto busy = TestClient::tcp(server.port());
  REQUIRE(busy.get("/hold/forever"));
  REQUIRE(h.log.wait_for("handler /hold/forever"));
  const auto start = std::chrono::steady_clock::now();
  server.run([&] { server.server().shutdown(200ms, [&h] { h.log.add("done"); }); });
  REQUIRE(h.log.wait_for("done"));
  CHECK(std::chrono::steady_clock::now() - start >= 150ms);
  CHECK(h.log.contains("closed /hold/forever"));
  CHECK(busy.wait_closed());
  server.run([&] {
    CHECK(server.server().connection_count() == 0);
    h.held.clear();
  });
  CHECK(server.stop() == 0);
}

TEST_CASE("http exchange: shutdown with nothing open finishes on the next turn", "[integration]") {
  EventLog log;
  ServerThread server([](http::Request&, std::shared_ptr<http::Exchange> ex) { ex->respond(200, "", ""); });
  server.run([&] {
    server.server().shutdown(5s, [&log] { log.add("done"); });
    CHECK_FALSE(log.contains("done"));  // never from inside shutdown()
  });
  CHECK(log.wait_for("done"));
  CHECK(server.stop() == 0);
}
