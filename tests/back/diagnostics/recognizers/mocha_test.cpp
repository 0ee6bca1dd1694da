#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("mocha recogniser: the titles, the error, expected and actual, the frame", "[unit]") {
  auto found = recognize("mocha", {"  1 passing (3ms)", "  1 failing", "", "  1) cart", "       adds prices:", "",
                                   "      AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:", "",
                                   "5 !== 6", "", "      + expected - actual", "", "      -5", "      +6", "      ",
                                   "      at Context.<anonymous> (test/cart.test.js:6:12)",
                                   "      at process.processImmediate (node:internal/timers:483:21)"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].test == "cart adds prices");
  CHECK(found[0].message == "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal: 5 !== 6");
  CHECK(found[0].expected == "6");
  CHECK(found[0].received == "5");
  CHECK(found[0].file == "test/cart.test.js");
  CHECK(found[0].line == 6);
}

TEST_CASE("mocha recogniser: a one-line title, two failures", "[unit]") {
  auto found = recognize("mocha", {"  2 failing", "  1) adds prices:", "     Error: boom", "      at f (a.js:1:2)",
                                   "  2) is empty:", "     TypeError: x is not a function"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].test == "adds prices");
  CHECK(found[0].file == "a.js");
  CHECK(found[1].test == "is empty");
  CHECK(found[1].message == "TypeError: x is not a function");
}
