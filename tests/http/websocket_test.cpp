#include <set>

#include <catch2/catch.hpp>

#include "back/http/server.hpp"
#include "tests/http/http_client.hpp"
#include "tests/http/server_thread.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

constexpr uint8_t kText = 0x1, kBinary = 0x2, kContinuation = 0x0, kClose = 0x8, kPing = 0x9, kPong = 0xA;

std::string close_payload(int code, std::string_view reason = {}) {
  std::string p;
  p.push_back(static_cast<char>(code >> 8));
  p.push_back(static_cast<char>(code & 0xFF));
  p.append(reason);
  return p;
}

// Upgrades /ws and echoes each text message back as "echo: <text>"; keeps
// the WebSocket so that tests can send from the server side.
struct EchoServer {
  EventLog log;
  std::shared_ptr<http::WebSocket> socket;  // loop thread only
  http::WebSocketOptions options;

  http::Handler handler() {
    return [this](http::Request& req, std::shared_ptr<http::Exchange> ex) {
      if (req.path() != "/ws") {
        ex->respond(200, "text/plain", "plain");
        return;
      }
      auto ws = ex->accept_websocket(options);
      if (!ws) {
        log.add("refused");
        return;
      }
      std::weak_ptr<http::WebSocket> weak = ws;
      ws->on_message([this, weak](std::string_view text) {
        log.add("message " + std::to_string(text.size()));
        if (auto self = weak.lock()) self->send_text("echo: " + std::string(text));
      });
      ws->on_close([this](int code, std::string_view reason) {
        log.add("closed " + std::to_string(code) + (reason.empty() ? "" : " " + std::string(reason)));
      });
      socket = std::move(ws);
    };
  }
};

}  // namespace

TEST_CASE("websocket: handshake, echo, ping and a clean close", "[integration]") {
  EchoServer echo;
  ServerThread server(echo.handler());
  auto client = TestClient::tcp(server.port());
  const auto handshake = client.ws_handshake();
  REQUIRE(handshake);
  CHECK(handshake->status == 101);
  CHECK(handshake->header("upgrade") == "websocket");
  CHECK(handshake->header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

  REQUIRE(client.send(ws_frame(kText, "hi")));
  auto frame = client.read_frame();
  REQUIRE(frame);
  CHECK(frame->opcode == kText);
  CHECK(frame->fin);
  CHECK_FALSE(frame->masked);
  CHECK(frame->payload == "echo: hi");

  REQUIRE(client.send(ws_frame(kPing, "are you there")));
  frame = client.read_frame();
  REQUIRE(frame);
  CHECK(frame->opcode == kPong);
  CHECK(frame->payload == "are you there");

  // A fragmented message, with a ping between its fragments.
  REQUIRE(client.send(ws_frame(kText, "hel", true, false) + ws_frame(kPing, "") +
                      ws_frame(kContinuation, "lo", true, true)));
  // The pong and the echo may come in either order (RFC 6455 section 5.5).
  std::multiset<std::pair<int, std::string>> got;
  for (int i = 0; i < 2; ++i) {
    frame = client.read_frame();
    REQUIRE(frame);
    got.emplace(frame->opcode, frame->payload);
  }
  CHECK(got == std::multiset<std::pair<int, std::string>>{{kPong, ""}, {kText, "echo: hello"}});

  // Server-side sends: a small shared buffer, then a large one (64-bit length).
  auto small = std::make_shared<const std::string>(R"({"type":"deploy.log"})");
  auto large = std::make_shared<const std::string>(std::string(70'000, 'L'));
  server.run([&] {
    CHECK(echo.socket->send_shared(small));
    CHECK(echo.socket->send_shared(large));
    CHECK(echo.socket->send_text(std::string(300, 'm')));
  });
  frame = client.read_frame();
  REQUIRE(frame);
  CHECK(frame->payload == *small);
  frame = client.read_frame();
  REQUIRE(frame);
  CHECK(frame->payload == *large);
  frame = client.read_frame();
  REQUIRE(frame);
  CHECK(frame->payload == std::string(300, 'm'));

  REQUIRE(client.send(ws_frame(kClose, close_payload(1000, "bye"))));
  frame = client.read_frame();
  REQUIRE(frame);
  CHECK(frame->opcode == kClose);
  CHECK(frame->close_code() == 1000);
  CHECK(client.wait_closed());
  REQUIRE(echo.log.wait_for("closed 1000 bye"));
  server.run([&] {
    CHECK(echo.socket->closed());
    CHECK_FALSE(echo.socket->send_text("late"));
    echo.socket.reset();
  });
  CHECK(server.stop() == 0);
}

TEST_CASE("websocket: frames sent right after the handshake are not lost", "[integration]") {
  EchoServer echo;
  ServerThread server(echo.handler());
  auto client = TestClient::tcp(server.port());
  REQUIRE(
      client.send("GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" +
                  ws_frame(kText, "early")));
  const auto handshake = client.read_response();
  REQUIRE(handshake);
  CHECK(handshake->status == 101);
  const auto frame = client.read_frame();
  REQUIRE(frame);
  CHECK(frame->payload == "echo: early");
  server.run([&] { echo.socket.reset(); });
  CHECK(server.stop() == 0);
}

TEST_CASE("websocket: an unmasked client frame closes with 1002", "[integration]") {
  EchoServer echo;
  ServerThread server(echo.handler());
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.ws_handshake());
  REQUIRE(client.send(ws_frame(kText, "naked", false)));
  const auto frame = client.read_frame();
  REQUIRE(frame);
  CHECK(frame->opcode == kClose);
  CHECK(frame->close_code() == 1002);
  CHECK(client.wait_closed());
  CHECK(echo.log.wait_for("closed 1002"));
  CHECK_FALSE(echo.log.contains("message 5"));
  server.run([&] { echo.socket.reset(); });
  CHECK(server.stop() == 0);
}

TEST_CASE("websocket: a message over 64 KiB closes with 1009", "[integration]") {
  EchoServer echo;
  ServerThread server(echo.handler());
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.ws_handshake());
  REQUIRE(client.send(ws_frame(kText, std::string(64 * 1024, 'a'))));  // at the limit: fine
  auto frame = client.read_frame();
  REQUIRE(frame);
  CHECK(frame->payload.size() == 6 + 64 * 1024);
  // Over the limit in two fragments.
  client.send(ws_frame(kText, std::string(40 * 1024, 'b'), true, false) +
              ws_frame(kContinuation, std::string(40 * 1024, 'c'), true, true));
  frame = client.read_frame();
  REQUIRE(frame);
  CHECK(frame->opcode == kClose);
  CHECK(frame->close_code() == 1009);
  CHECK(client.wait_closed());
  CHECK(echo.log.wait_for("closed 1009"));
  server.run([&] { echo.socket.reset(); });
  CHECK(server.stop() == 0);
}

TEST_CASE("websocket: binary messages and invalid UTF-8 are refused", "[integration]") {
  EchoServer echo;
  ServerThread server(echo.handler());
  auto binary = TestClient::tcp(server.port());
  REQUIRE(binary.ws_handshake());
  REQUIRE(binary.send(ws_frame(kBinary, "\x01\x02")));
  auto frame = binary.read_frame();
  REQUIRE(frame);
  CHECK(frame->close_code() == 1003);
  CHECK(binary.wait_closed());

  auto bad_utf8 = TestClient::tcp(server.port());
  REQUIRE(bad_utf8.ws_handshake());
  REQUIRE(bad_utf8.send(ws_frame(kText, "\xC3\x28")));
  frame = bad_utf8.read_frame();
  REQUIRE(frame);
  CHECK(frame->close_code() == 1007);
  CHECK(bad_utf8.wait_closed());
  server.run([&] { echo.socket.reset(); });
  CHECK(server.stop() == 0);
}

TEST_CASE("websocket: bad handshakes are answered 400 or 426", "[integration]") {
  EchoServer echo;
  ServerThread server(echo.handler());
  {
    auto client = TestClient::tcp(server.port());
    const auto r = client.ws_handshake("/ws", "too-short");
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK_THAT(r->body, Catch::Contains("bad_request"));
    CHECK(client.wait_closed());
  }
  {
    auto client = TestClient::tcp(server.port());
    const auto r = client.ws_handshake("/ws", "dGhlIHNhbXBsZSBub25jZQ==", "8");
    REQUIRE(r);
    CHECK(r->status == 426);
    CHECK(r->header("sec-websocket-version") == "13");
  }
  {
    // Not an upgrade at all: a plain 400 on a connection that stays open.
    auto client = TestClient::tcp(server.port());
    REQUIRE(client.get("/ws"));
    auto r = client.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    REQUIRE(client.get("/other"));
    r = client.read_response();
    REQUIRE(r);
    CHECK(r->body == "plain");
  }
  CHECK(echo.log.events() == std::vector<std::string>{"refused", "refused", "refused"});
  CHECK(server.stop() == 0);
}

TEST_CASE("websocket: the server closes with a code and waits for the answer", "[integration]") {
  EchoServer echo;
  ServerThread server(echo.handler());
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.ws_handshake());
  REQUIRE(client.send(ws_frame(kText, "x")));
  REQUIRE(client.read_frame());
  server.run([&] {
    echo.socket->close(4000, "deploy finished");
    CHECK(echo.socket->closed());
    CHECK_FALSE(echo.socket->send_text("after close"));
  });
  const auto frame = client.read_frame();
  REQUIRE(frame);
  CHECK(frame->opcode == kClose);
  CHECK(frame->close_code() == 4000);
  CHECK(frame->payload.substr(2) == "deploy finished");
  CHECK_FALSE(echo.log.contains("closed 4000 deploy finished"));
  REQUIRE(client.send(ws_frame(kClose, close_payload(4000))));
  CHECK(client.wait_closed());
  CHECK(echo.log.wait_for("closed 4000"));
  server.run([&] { echo.socket.reset(); });
  CHECK(server.stop() == 0);
}

TEST_CASE("websocket: pings find a dead peer, silence closes with 1006", "[integration]") {
  EchoServer echo;
  echo.options.ping_interval = 100ms;
  ServerThread server(echo.handler());
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.ws_handshake());
  const auto ping = client.read_frame();
  REQUIRE(ping);
  CHECK(ping->opcode == kPing);
  // A pong keeps it alive through the next ping...
  REQUIRE(client.send(ws_frame(kPong, ping->payload)));
  const auto second = client.read_frame();
  REQUIRE(second);
  CHECK(second->opcode == kPing);
  // ...silence does not.
  CHECK(client.wait_closed());
  CHECK(echo.log.wait_for("closed 1006"));
  server.run([&] { echo.socket.reset(); });
  CHECK(server.stop() == 0);
}

TEST_CASE("websocket: shutdown says 1001 going away", "[integration]") {
  EchoServer echo;
  EventLog done;
  ServerThread server(echo.handler());
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.ws_handshake());
  REQUIRE(client.send(ws_frame(kText, "x")));
  REQUIRE(client.read_frame());
  server.run([&] { server.server().shutdown(5s, [&done] { done.add("done"); }); });
  const auto frame = client.read_frame();
  REQUIRE(frame);
  CHECK(frame->opcode == kClose);
  CHECK(frame->close_code() == 1001);
  REQUIRE(client.send(ws_frame(kClose, close_payload(1001))));
  CHECK(client.wait_closed());
  CHECK(done.wait_for("done"));
  CHECK(echo.log.contains("closed 1001"));
  server.run([&] { echo.socket.reset(); });
  CHECK(server.stop() == 0);
}

TEST_CASE("websocket: a client that vanishes reports 1006", "[integration]") {
  EchoServer echo;
  ServerThread server(echo.handler());
  {
    auto client = TestClient::tcp(server.port());
    REQUIRE(client.ws_handshake());
    REQUIRE(client.send(ws_frame(kText, "x")));
    REQUIRE(client.read_frame());
  }
  CHECK(echo.log.wait_for("closed 1006"));
  server.run([&] {
    CHECK(echo.socket->closed());
    CHECK(echo.socket->write_queue_size() == 0);
    echo.socket->close();  // harmless
    echo.socket.reset();
  });
  CHECK(server.stop() == 0);
}
