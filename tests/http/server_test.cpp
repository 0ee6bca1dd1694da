#include "back/http/server.hpp"

#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "tests/http/http_client.hpp"
#include "tests/http/server_thread.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reship;
using namespace reship::test;
using namespace std::chrono_literals;

namespace {

// Answers every request with a description of it:
// "<method> <path> q=<query x> h=<header x-test> body=<body>".
void echo(http::Request& req, std::shared_ptr<http::Exchange> ex) {
  std::string body = std::string(req.method()) + " " + std::string(req.path());
  body += " q=" + std::string(req.query("x").value_or("-"));
  body += " h=" + std::string(req.header("x-test").value_or("-"));
  body += " body=" + req.body();
  ex->respond(200, "text/plain", std::move(body), {{"X-Remote", req.remote_address()}});
}

// The "code" of a JSON error body, or "" when it is not one.
std::string error_code(const std::string& body) {
  simdjson::dom::parser parser;
  auto doc = parser.parse(body);
  if (doc.error()) return "";
  std::string_view code;
  if (doc["error"]["code"].get(code)) return "";
  std::string_view message;
  if (doc["error"]["message"].get(message) || message.empty()) return "";
  return std::string(code);
}

}  // namespace

TEST_CASE("http server: answers a GET and a POST with Content-Length", "[integration]") {
  ServerThread server(echo);
  REQUIRE(server.ok());
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.connected());

  REQUIRE(client.get("/hello%20world?x=1", "X-Test: yes\r\n"));
  auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "GET /hello world q=1 h=yes body=");
  CHECK(r->header("content-type") == "text/plain");
  CHECK(r->header("content-length") == std::to_string(r->body.size()));
  CHECK_THAT(r->header("x-remote"), Catch::StartsWith("127.0.0.1:"));
  CHECK_FALSE(r->header("date").empty());
  CHECK(r->keep_alive);

  REQUIRE(client.send("POST /submit HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello there"));
  r = client.read_response();
  REQUIRE(r);
  CHECK(r->body == "POST /submit q=- h=- body=hello there");
  CHECK(server.stop() == 0);
}

TEST_CASE("http server: reads a chunked request body", "[integration]") {
  ServerThread server(echo);
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.send("POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"));
  REQUIRE(client.send("6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n"));
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "POST /c q=- h=- body=hello world");
  CHECK(server.stop() == 0);
}

TEST_CASE("http server: keeps a connection alive for several requests", "[integration]") {
  ServerThread server(echo);
  auto client = TestClient::tcp(server.port());
  for (int i = 0; i < 5; ++i) {
    REQUIRE(client.get("/n?x=" + std::to_string(i)));
    const auto r = client.read_response();
    REQUIRE(r);
    CHECK(r->body == "GET /n q=" + std::to_string(i) + " h=- body=");
    CHECK(r->header("connection").empty());
  }
  // HEAD gets the length of the body it does not get.
  REQUIRE(client.send("HEAD /n HTTP/1.1\r\nHost: t\r\n\r\n"));
  const auto head = client.read_response(5s, true);
  REQUIRE(head);
  CHECK(head->body.empty());
  CHECK(head->header("content-length") == "21");  // "HEAD /n q=- h=- body="
  REQUIRE(client.get("/after-head"));
  const auto after = client.read_response();
  REQUIRE(after);
  CHECK(after->body == "GET /after-head q=- h=- body=");
  CHECK(server.stop() == 0);
}

TEST_CASE("http server: HTTP/1.0 closes unless asked to keep alive", "[integration]") {
  ServerThread server(echo);
  auto plain = TestClient::tcp(server.port());
  REQUIRE(plain.send("GET /old HTTP/1.0\r\n\r\n"));
  auto r = plain.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header("connection") == "close");
  CHECK(plain.wait_closed());

  auto kept = TestClient::tcp(server.port());
  REQUIRE(kept.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  r = kept.read_response();
  REQUIRE(r);
  CHECK(r->header("connection") == "keep-alive");
  REQUIRE(kept.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  r = kept.read_response();
  REQUIRE(r);
  CHECK(r->body == "GET /b q=- h=- body=");

  auto closing = TestClient::tcp(server.port());
  REQUIRE(closing.get("/c", "Connection: close\r\n"));
  r = closing.read_response();
  REQUIRE(r);
  CHECK(r->header("connection") == "close");
  CHECK(closing.wait_closed());
  CHECK(server.stop() == 0);
}

TEST_CASE("http server: answers pipelined requests in order while the first is answered later", "[integration]") {
  EventLog log;
  std::shared_ptr<http::Exchange> held;  // touched on the loop thread only
  ServerThread server([&](http::Request& req, std::shared_ptr<http::Exchange> ex) {
    log.add("handler " + std::string(req.path()));
    if (req.path() == "/slow") {
      held = std::move(ex);
    } else {
      ex->respond(200, "text/plain", std::string(req.path()));
    }
  });
  auto client = TestClient::tcp(server.port());
  REQUIRE(
      client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"
                  "GET /fast/1 HTTP/1.1\r\nHost: t\r\n\r\n"
                  "POST /fast/2 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"));
  REQUIRE(log.wait_for("handler /slow"));
  server.run([&] {
    log.add("respond /slow");
    held->respond(200, "text/plain", "slow");
    held.reset();
  });
  for (const char* expected : {"slow", "/fast/1", "/fast/2"}) {
    const auto r = client.read_response();
    REQUIRE(r);
    CHECK(r->body == expected);
  }
  // The requests behind /slow reached the handler only after its answer.
  CHECK(log.events() ==
        std::vector<std::string>{"handler /slow", "respond /slow", "handler /fast/1", "handler /fast/2"});
  CHECK(server.stop() == 0);
}

TEST_CASE("http server: answers 100 Continue to a client that waits for it", "[integration]") {
  ServerThread server(echo);
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.send("POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  REQUIRE(client.wait_for_bytes("HTTP/1.1 100 Continue\r\n\r\n"));
  const auto interim = client.read_response();
  REQUIRE(interim);
  CHECK(interim->status == 100);
  REQUIRE(client.send("data"));
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->body == "POST /e q=- h=- body=data");
  CHECK(server.stop() == 0);
}

TEST_CASE("http server: refuses a 100 KiB body with 413", "[integration]") {
  ServerThread server(echo);
  auto client = TestClient::tcp(server.port());
  const std::string body(100 * 1024, 'b');
  REQUIRE(client.send("POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  client.send(body);  // the server may have answered and half-closed already
  auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(error_code(r->body) == "body_too_large");
  CHECK(r->header("connection") == "close");
  CHECK(r->header("content-type") == "application/json");
  CHECK(client.wait_closed());

  // The same without a length: chunks add up past the limit.
  auto chunked = TestClient::tcp(server.port());
  REQUIRE(chunked.send("POST /big HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
  for (int i = 0; i < 10; ++i) {
    if (!chunked.send("2800\r\n" + std::string(10240, 'c') + "\r\n")) break;
  }
  r = chunked.read_response();
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(error_code(r->body) == "body_too_large");
  CHECK(server.stop() == 0);
}

TEST_CASE("http server: refuses too many or too large headers with 431", "[integration]") {
  ServerThread server(echo);
  auto many = TestClient::tcp(server.port());
  std::string headers;
  for (int i = 0; i < 101; ++i) headers += "X-H" + std::to_string(i) + ": v\r\n";
  REQUIRE(many.get("/", headers));
  auto r = many.read_response();
  REQUIRE(r);
  CHECK(r->status == 431);
  CHECK(error_code(r->body) == "headers_too_large");
  CHECK(many.wait_closed());

  auto large = TestClient::tcp(server.port());
  REQUIRE(large.get("/", "X-Big: " + std::string(20 * 1024, 'x') + "\r\n"));
  r = large.read_response();
  REQUIRE(r);
  CHECK(r->status == 431);
  CHECK(error_code(r->body) == "headers_too_large");

  // 100 headers are fine.
  auto hundred = TestClient::tcp(server.port());
  headers.clear();
  for (int i = 0; i < 99; ++i) headers += "X-H" + std::to_string(i) + ": v\r\n";
  REQUIRE(hundred.get("/ok", headers));  // + Host = 100
  r = hundred.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(server.stop() == 0);
}

TEST_CASE("http server: answers garbage with 400 and closes", "[integration]") {
  ServerThread server(echo);
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.send("THIS IS NOT HTTP\r\n\r\n"));
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(error_code(r->body) == "bad_request");
  CHECK(r->header("connection") == "close");
  CHECK(client.wait_closed());

  // A bad request after a good one on the same connection.
  auto second = TestClient::tcp(server.port());
  REQUIRE(second.send("GET /fine HTTP/1.1\r\nHost: t\r\n\r\nGET /bad%zz HTTP/1.1\r\n\r\n"));
  auto first = second.read_response();
  REQUIRE(first);
  CHECK(first->status == 200);
  const auto bad = second.read_response();
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(second.wait_closed());
  CHECK(server.stop() == 0);
}

TEST_CASE("http server: cuts off a slowloris client with 408", "[integration]") {
  auto options = test_server_options();
  options.header_timeout = 300ms;
  ServerThread server(echo, options);
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.send("GET / HTTP/1.1\r\nHost: t\r\n"));
  const auto start = std::chrono::steady_clock::now();
  // Trickle a header byte whenever nothing came back for 50 ms: the timeout
  // runs from the first byte, not from the last.
  const std::string trickle =
      "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  size_t sent = 0;
  while (!client.readable_within(50ms) && std::chrono::steady_clock::now() - start < 5s) {
    if (sent < trickle.size()) client.send(trickle.substr(sent++, 1));
  }
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 408);
  CHECK(error_code(r->body) == "request_timeout");
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  CHECK(client.wait_closed());
  CHECK(server.stop() == 0);
}

TEST_CASE("http server: closes an idle keep-alive connection", "[integration]") {
  auto options = test_server_options();
  options.idle_timeout = 200ms;
  ServerThread server(echo, options);
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.get("/"));
  REQUIRE(client.read_response());
  const auto start = std::chrono::steady_clock::now();
  CHECK(client.wait_closed(5s));
  CHECK(std::chrono::steady_clock::now() - start >= 150ms);
  CHECK(client.buffered().empty());  // closed quietly, no 408
  CHECK(server.stop() == 0);
}

TEST_CASE("http server: beyond max connections answers 503 and closes", "[integration]") {
  auto options = test_server_options();
  options.max_connections = 2;
  EventLog log;
  ServerThread server(
      [&](http::Request& req, std::shared_ptr<http::Exchange> ex) {
        log.add(std::string(req.path()));
        ex->respond(200, "text/plain", "ok");
      },
      options);
  auto a = TestClient::tcp(server.port());
  auto b = TestClient::tcp(server.port());
  REQUIRE(a.get("/a"));
  REQUIRE(b.get("/b"));
  REQUIRE(a.read_response());
  REQUIRE(b.read_response());

  std::vector<TestClient> refused;
  for (int i = 0; i < 5; ++i) {
    refused.push_back(TestClient::tcp(server.port()));
    REQUIRE(refused.back().connected());
    const auto r = refused.back().read_response();
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(error_code(r->body) == "too_many_connections");
    CHECK(r->header("connection") == "close");
    CHECK(refused.back().wait_closed());
  }
  // The connections already open still work, and a slot freed is reused.
  REQUIRE(a.get("/a2"));
  REQUIRE(a.read_response());
  b.close();
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    auto c = TestClient::tcp(server.port());
    REQUIRE(c.get("/c"));
    const auto r = c.read_response();
    served = r && r->status == 200;
  }
  CHECK(served);
  CHECK_FALSE(log.contains("/refused"));
  CHECK(server.stop() == 0);
}

TEST_CASE("http server: a handler that throws gets a 500 and the server goes on", "[integration]") {
  ServerThread server([](http::Request& req, std::shared_ptr<http::Exchange> ex) {
    if (req.path() == "/throw") throw std::runtime_error("boom");
    ex->respond(204, "", "");
  });
  auto client = TestClient::tcp(server.port());
  REQUIRE(client.get("/throw"));
  auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(error_code(r->body) == "internal_error");
  REQUIRE(client.get("/fine"));
  r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 204);
  CHECK(r->header("content-length").empty());
  CHECK(server.stop() == 0);
}

TEST_CASE("http server: listens on a unix socket with its mode and removes it", "[integration]") {
  TempDir dir;
  const std::string path = (dir / "http.sock").string();
  std::string seen;
  {
    ServerThread server(
        [](http::Request& req, std::shared_ptr<http::Exchange> ex) {
          ex->respond(200, "text/plain",
                      std::string(req.from_unix_socket() ? "unix " : "tcp ") + std::string(req.remote_address()) +
                          " uid=" + std::to_string(req.peer_uid()));
        },
        test_server_options(), {"unix:" + path, "127.0.0.1:0"}, 0660);
    REQUIRE(server.ok());
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 0777) == 0660);
    auto client = TestClient::unix_socket(path);
    REQUIRE(client.connected());
    REQUIRE(client.get("/"));
    auto r = client.read_response();
    REQUIRE(r);
    CHECK(r->body == "unix unix uid=" + std::to_string(::getuid()));
    auto tcp = TestClient::tcp(server.port());
    REQUIRE(tcp.get("/"));
    r = tcp.read_response();
    REQUIRE(r);
    CHECK_THAT(r->body, Catch::StartsWith("tcp 127.0.0.1:"));
    CHECK_THAT(r->body, Catch::EndsWith(" uid=-1"));
    CHECK(server.stop() == 0);
  }
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("http server: replaces a stale unix socket but not a live one", "[integration]") {
  TempDir dir;
  const std::string path = (dir / "s.sock").string();
  ServerThread first(echo, test_server_options(), {"unix:" + path});
  REQUIRE(first.ok());
  ServerThread second(echo, test_server_options(), {"unix:" + path});
  CHECK_FALSE(second.ok());
  CHECK_THAT(second.listen_error(), Catch::Contains("another process is listening"));
  CHECK(second.stop() == 0);

  const std::string file = dir.write("plain", "x").string();
  ServerThread third(echo, test_server_options(), {"unix:" + file});
  CHECK_FALSE(third.ok());
  CHECK_THAT(third.listen_error(), Catch::Contains("not a socket"));
  CHECK(third.stop() == 0);
  CHECK(first.stop() == 0);
}

TEST_CASE("http server: bad listen addresses say what to write", "[unit]") {
  reship::common::uv::Loop loop;
  {
    http::HttpServer server(loop, echo);
    for (const char* address : {"nonsense", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:12a", ":80"}) {
      INFO(address);
      const auto listening = server.listen(address);
      REQUIRE_FALSE(listening.ok());
      CHECK_THAT(listening.error().message, Catch::Contains("listen address"));
    }
    (void)server.listen("[::1]:0");  // where IPv6 exists
    REQUIRE(server.listen("localhost:0").ok());
    CHECK(server.tcp_ports().size() >= 1);
    CHECK(server.port() > 0);
  }
  CHECK(loop.close() == 0);
}
