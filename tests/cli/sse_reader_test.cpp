#include <catch2/catch.hpp>

#include "cli/http_client.hpp"
#include "cli/sse_reader.hpp"

using namespace reship::cli;

namespace {

std::vector<SseEvent> read_all(const std::string& stream, size_t step) {
  SseReader reader;
  std::vector<SseEvent> events;
  for (size_t i = 0; i < stream.size(); i += step) {
    reader.feed(std::string_view(stream).substr(i, step), [&](const SseEvent& e) {
      events.push_back(e);
      return true;
    });
  }
  return events;
}

}  // namespace

TEST_CASE("sse reader: events, comments, multi-line data and every line ending", "[unit]") {
  const std::string stream =
      "retry: 2000\n\n"
      ": heartbeat\n\n"
      "id: 7\nevent: deploy.log\ndata: {\"line\":\"a\"}\n\n"
      "id: 8\r\nevent: deploy.done\r\ndata: first\r\ndata: second\r\n\r\n"
      "data:no space\rid: 9\r\r";
  for (size_t step = 1; step <= stream.size(); ++step) {
    INFO(step);
    auto events = read_all(stream, step);
    REQUIRE(events.size() == 3);
    CHECK(events[0].id == "7");
    CHECK(events[0].type == "deploy.log");
    CHECK(events[0].data == "{\"line\":\"a\"}");
    CHECK(events[1].type == "deploy.done");
    CHECK(events[1].data == "first\nsecond");
    CHECK(events[2].type == "message");
    CHECK(events[2].data == "no space");
    CHECK(events[2].id == "9");
  }
}

TEST_CASE("sse reader: stops when told", "[unit]") {
  SseReader reader;
  int seen = 0;
  CHECK_FALSE(reader.feed("data: 1\n\ndata: 2\n\n", [&](const SseEvent&) { return ++seen < 1; }));
  CHECK(seen == 1);
}

TEST_CASE("endpoint: URLs, host:port and unix paths", "[unit]") {
  CHECK(Endpoint::parse("http://127.0.0.1:7070").value().text() == "127.0.0.1:7070");
  CHECK(Endpoint::parse("127.0.0.1:7070/").value().port == 7070);
  CHECK(Endpoint::parse("0.0.0.0:7070").value().host == "127.0.0.1");
  CHECK(Endpoint::parse("http://[::1]:8080").value().text() == "[::1]:8080");
  auto unix_socket = Endpoint::parse("unix:/run/reship/back.sock");
  REQUIRE(unix_socket.ok());
  CHECK(unix_socket->is_unix);
  CHECK(unix_socket->path == "/run/reship/back.sock");
  CHECK_FALSE(Endpoint::parse("localhost").ok());
  CHECK_THAT(Endpoint::parse("https://x:1").error().message, Catch::Contains("put TLS in a proxy"));
}
