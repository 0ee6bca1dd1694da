#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("jest recogniser: an assertion's test, expected, received and first project frame", "[unit]") {
  auto found = recognize("jest", {"FAIL src/cart.test.js", "  cart", "    ✕ adds prices (8 ms)", "",
                                  "  ● cart › adds prices", "", "    expect(received).toBe(expected) // Object.is equality",
                                  "", "    Expected: 6", "    Received: 5", "",
                                  "    > 5 |     expect(total([{ price: 2 }, { price: 3 }])).toBe(6);",
                                  "        |                                                 ^", "",
                                  "      at Object.toBe (src/cart.test.js:5:49)", "",
                                  "Test Suites: 1 failed, 1 total"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].test == "cart › adds prices");
  CHECK(found[0].message == "expect(received).toBe(expected) // Object.is equality");
  CHECK(found[0].expected == "6");
  CHECK(found[0].received == "5");
  CHECK(found[0].file == "src/cart.test.js");
  CHECK(found[0].line == 5);
  CHECK(found[0].column == 49);
}

TEST_CASE("jest recogniser: a thrown error is placed in the source, not in node_modules", "[unit]") {
  auto found = recognize("jest", {"  ● applies no coupon", "", "    TypeError: Cannot read properties of undefined",
                                  "      at Object.<anonymous> (node_modules/lib/x.js:1:2)",
                                  "      at percent (src/cart.js:6:38)",
                                  "      at Object.applyCoupon (src/cart.test.js:8:10)"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "src/cart.js");
  CHECK(found[0].line == 6);
}

TEST_CASE("jest recogniser: a suite that fails to run has no test name, its file stays the place", "[unit]") {
  auto found = recognize("jest", {"FAIL src/app.test.ts", "  ● Test suite failed to run", "",
                                  "    Cannot find module './missing' from 'src/app.test.ts'"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].test.empty());
  CHECK(found[0].file == "src/app.test.ts");
  CHECK(found[0].message == "Cannot find module './missing' from 'src/app.test.ts'");
}
