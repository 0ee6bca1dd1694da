#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("c++ crash recogniser: an uncaught exception and its what()", "[unit]") {
  auto found = recognize("c++-crash", {"terminate called after throwing an instance of 'std::runtime_error'",
                                       "  what():  config file not found: /etc/app.toml"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].message == "uncaught std::runtime_error: config file not found: /etc/app.toml");
}

TEST_CASE("c++ crash recogniser: a failed assert names its file and line", "[unit]") {
  auto found = recognize("c++-crash", {"server: server.cpp:10: int main(): Assertion `address != nullptr' failed."});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "server.cpp");
  CHECK(found[0].line == 10);
  CHECK(found[0].message == "Assertion `address != nullptr' failed.");
}

TEST_CASE("c++ crash recogniser: a sanitizer report is placed at its first frame in the project", "[unit]") {
  auto found = recognize(
      "c++-crash",
      {"==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc 0x4c5e3",
       "READ of size 4 at 0x602000000010 thread T0",
       "    #0 0x7f12 in __interceptor_strlen /usr/src/libsanitizer/asan/asan_interceptors.cpp:443:5",
       "    #1 0x4c5e3 in parse /app/src/parse.cpp:12:5", "    #2 0x4c6a1 in main /app/src/main.cpp:30:3",
       "SUMMARY: AddressSanitizer: heap-use-after-free /app/src/parse.cpp:12:5 in parse",
       "/app/src/math.cpp:5:12: runtime error: signed integer overflow: 2147483647 + 1"},
      "/app");
  REQUIRE(found.size() == 2);
  CHECK(found[0].tool == "sanitizer");
  CHECK(found[0].file == "/app/src/parse.cpp");
  CHECK(found[0].line == 12);
  CHECK(found[0].message.starts_with("AddressSanitizer: heap-use-after-free"));
  CHECK(found[1].tool == "ubsan");
  CHECK(found[1].line == 5);
}
