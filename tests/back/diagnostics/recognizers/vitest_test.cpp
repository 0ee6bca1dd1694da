#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("vitest recogniser: a failed assertion with its diff and frame", "[unit]") {
  auto found = recognize("vitest", {"⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯", "",
                                    " FAIL  src/cart.test.ts > cart > adds prices",
                                    "AssertionError: expected 5 to be 6 // Object.is equality", "", "- Expected",
                                    "+ Received", "", "- 6", "+ 5", "", " ❯ src/cart.test.ts:6:49",
                                    "      4| describe(\"cart\", () => {", "",
                                    "⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯[1/1]⎯"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].test == "cart > adds prices");
  CHECK(found[0].message == "AssertionError: expected 5 to be 6 // Object.is equality");
  CHECK(found[0].expected == "6");
  CHECK(found[0].received == "5");
  CHECK(found[0].file == "src/cart.test.ts");
  CHECK(found[0].line == 6);
}

TEST_CASE("vitest recogniser: the first frame in the project, named after its function", "[unit]") {
  auto found = recognize("vitest", {" Failed Tests 1 ", " FAIL  src/price.test.ts > parses cents only",
                                    "TypeError: Cannot read properties of null (reading '1')",
                                    " ❯ parsePrice src/price.ts:3:17", " ❯ src/price.test.ts:9:10"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "src/price.ts");
  CHECK(found[0].line == 3);
  CHECK(found[0].column == 17);
}
