#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("go panic recogniser: the panic at the first frame in the project", "[unit]") {
  auto found = recognize("go-panic",
                         {"shop-api starting", "panic: runtime error: invalid memory address or nil pointer dereference",
                          "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x482fbf]", "",
                          "goroutine 1 [running]:", "strings.Split(...)", "\t/usr/lib/go-1.19/src/strings/strings.go:12 +0x1",
                          "main.main()", "\t/app/main.go:24 +0x7f", "exit status 2"},
                         "/app");
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "/app/main.go");
  CHECK(found[0].line == 24);
  CHECK(found[0].message == "panic: runtime error: invalid memory address or nil pointer dereference");
}

TEST_CASE("go panic recogniser: the runtime's fatal error", "[unit]") {
  auto found = recognize("go-panic", {"fatal error: all goroutines are asleep - deadlock!", "",
                                      "goroutine 1 [chan receive]:", "main.main()", "\t/app/main.go:9 +0x2a", ""});
  REQUIRE(found.size() == 1);
  CHECK(found[0].line == 9);
}
