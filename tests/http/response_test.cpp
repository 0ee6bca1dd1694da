#include "back/http/response.hpp"

#include <catch2/catch.hpp>

#include "back/http/sse.hpp"
#include "back/http/websocket.hpp"

using namespace reship::http;

TEST_CASE("http response: the head carries status, length and headers", "[unit]") {
  std::string out;
  const Headers extra{{"Location", "/api/v1/deploys/7"}, {"X-Log-Next-Offset", "42"}};
  ResponseHead head;
  head.status = 202;
  head.content_type = "application/json";
  head.headers = &extra;
  head.content_length = 17;
  append_response_head(out, head);
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 202 Accepted\r\nDate: "));
  CHECK_THAT(out, Catch::Contains("\r\nContent-Type: application/json\r\n"));
  CHECK_THAT(out, Catch::Contains("\r\nContent-Length: 17\r\n"));
  CHECK_THAT(out, Catch::Contains("\r\nLocation: /api/v1/deploys/7\r\n"));
  CHECK_THAT(out, Catch::Contains("\r\nX-Log-Next-Offset: 42\r\n"));
  CHECK_THAT(out, Catch::EndsWith("\r\n\r\n"));
  CHECK_THAT(out, !Catch::Contains("Connection:"));
}

TEST_CASE("http response: header injection and managed headers are dropped", "[unit]") {
  std::string out;
  const Headers extra{{"X-Evil", "a\r\nSet-Cookie: x=1"},     {"Bad Name", "v"},
                      {"X-Nul", std::string_view("a\0b", 3)}, {"Content-Length", "999"},
                      {"connection", "keep-alive"},           {"X-Fine", "ok"}};
  ResponseHead head;
  head.status = 200;
  head.headers = &extra;
  head.content_length = 0;
  head.close = true;
  append_response_head(out, head);
  CHECK_THAT(out, !Catch::Contains("Set-Cookie"));
  CHECK_THAT(out, !Catch::Contains("Bad Name"));
  CHECK_THAT(out, !Catch::Contains("X-Nul"));
  CHECK_THAT(out, !Catch::Contains("999"));
  CHECK_THAT(out, !Catch::Contains("keep-alive"));
  CHECK_THAT(out, Catch::Contains("\r\nConnection: close\r\n"));
  CHECK_THAT(out, Catch::Contains("\r\nX-Fine: ok\r\n"));
}

TEST_CASE("http response: error bodies are JSON with code and message", "[unit]") {
  CHECK(error_json("body_too_large", "too \"big\"") ==
        R"({"error":{"code":"body_too_large","message":"too \"big\""}})");
  CHECK(status_text(431) == "Request Header Fields Too Large");
  CHECK(status_text(799) == "Unknown");
}

TEST_CASE("sse: an event becomes id, event and one data line per line", "[unit]") {
  CHECK(format_sse_event("7", "deploy.log", "hello") == "id: 7\nevent: deploy.log\ndata: hello\n\n");
  CHECK(format_sse_event("", "", "a\nb\r\nc\rd") == "data: a\ndata: b\ndata: c\ndata: d\n\n");
  CHECK(format_sse_event("1", "", "") == "id: 1\ndata: \n\n");
  CHECK(format_sse_event("1", "", "end\n") == "id: 1\ndata: end\ndata: \n\n");
  CHECK(format_sse_event("1\n2", "x\ry", "d") == "id: 12\nevent: xy\ndata: d\n\n");
  CHECK(format_sse_retry(3000) == "retry: 3000\n\n");
  CHECK(kSseHeartbeat == ": heartbeat\n\n");
}

TEST_CASE("websocket: the accept key follows RFC 6455", "[unit]") {
  CHECK(websocket_accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  CHECK(is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ=="));
  CHECK_FALSE(is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ="));
  CHECK_FALSE(is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZR=="));
  CHECK_FALSE(is_valid_websocket_key("dGhlIHNhbXBs!SBub25jZQ=="));
  CHECK_FALSE(is_valid_websocket_key(""));
}
