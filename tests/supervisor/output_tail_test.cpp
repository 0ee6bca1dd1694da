#include <catch2/catch.hpp>

#include "common/text/utf8.hpp"
#include "supervisor/output_tail.hpp"
#include "supervisor/readiness_probe.hpp"
#include "supervisor/notify_socket.hpp"

using namespace reship::supervisor;

TEST_CASE("output tail: keeps the last 50 lines of a generation", "[unit]") {
  OutputTail tail;
  for (int i = 1; i <= 80; ++i) tail.add(1, "line " + std::to_string(i));
  const std::string text = tail.text(1);
  CHECK_THAT(text, Catch::StartsWith("line 31\n"));
  CHECK_THAT(text, Catch::EndsWith("\nline 80"));
}

TEST_CASE("output tail: keeps at most 8 KiB, the end of an oversized line", "[unit]") {
  OutputTail tail;
  for (int i = 0; i < 40; ++i) tail.add(1, std::string(1000, 'a'));
  CHECK(tail.bytes() <= OutputTail::kMaxBytes);
  tail.add(1, std::string(20'000, 'b') + "END");
  CHECK(tail.bytes() <= OutputTail::kMaxBytes);
  CHECK_THAT(tail.text(1), Catch::EndsWith("END"));
}

TEST_CASE("output tail: generations are kept apart", "[unit]") {
  OutputTail tail;
  tail.add(1, "old process");
  tail.add(2, "new process");
  CHECK(tail.text(1) == "old process");
  CHECK(tail.text(2) == "new process");
  CHECK(tail.text(3).empty());
}

TEST_CASE("output tail: the text is valid UTF-8 even when lines are not", "[unit]") {
  OutputTail tail;
  tail.add(1, "bad \xFF byte");
  CHECK(reship::common::is_valid_utf8(tail.text(1)));
}

TEST_CASE("readiness: HTTP status lines are parsed", "[unit]") {
  CHECK(parse_http_status("HTTP/1.1 200 OK\r\n") == 200);
  CHECK(parse_http_status("HTTP/1.0 204 No Content\r\nX: y\r\n") == 204);
  CHECK(parse_http_status("HTTP/1.1 503 Busy\n") == 503);
  CHECK(parse_http_status("HTTP/1.1 20") == 0);  // incomplete
  CHECK(parse_http_status("SSH-2.0-OpenSSH\r\n") == -1);
  CHECK(parse_http_status("HTTP/1.1 abc x\r\n") == -1);
}

TEST_CASE("readiness: notify messages say READY=1 on a line of their own", "[unit]") {
  CHECK(notify_says_ready("READY=1"));
  CHECK(notify_says_ready("STATUS=warming up\nREADY=1\n"));
  CHECK_FALSE(notify_says_ready("READY=0"));
  CHECK_FALSE(notify_says_ready("STATUS=READY=1"));
}
