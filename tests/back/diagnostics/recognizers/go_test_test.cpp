#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("go test recogniser: the failed test, its message and place, FAIL pkg only follows", "[unit]") {
  auto found = recognize("go-test", {"--- FAIL: TestTotal (0.00s)", "    cart_test.go:7: Total([200 300]) = 300, want 500",
                                     "FAIL", "FAIL\texample.com/shop/cart\t0.003s", "FAIL src/cart.test.js"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].test == "TestTotal");
  CHECK(found[0].file == "cart_test.go");
  CHECK(found[0].line == 7);
  CHECK(found[0].message == "Total([200 300]) = 300, want 500");
  CHECK(found[1].follow_on);
  CHECK(found[1].message == "FAIL example.com/shop/cart 0.003s");
}

TEST_CASE("go test recogniser: a failed subtest is named as such", "[unit]") {
  auto found = recognize("go-test", {"--- FAIL: TestParse (0.00s)", "    --- FAIL: TestParse/empty (0.00s)",
                                     "        parse_test.go:12: got 1, want 0"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].test == "TestParse/empty");
  CHECK(found[0].line == 12);
}
