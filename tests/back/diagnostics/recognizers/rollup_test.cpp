#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("rollup recogniser: the error and the module on the next line", "[unit]") {
  auto found = recognize("rollup", {"\x1b[1m\x1b[31m[!] \x1b[1mRollupError: Could not resolve \"./cart.js\" from "
                                    "\"src/main.js\"\x1b[22m\x1b[1m\x1b[39m\x1b[22m",
                                    "src/main.js", "\x1b[2m    at getRollupError (/app/node_modules/rollup/x.js:1:1)"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "src/main.js");
  CHECK(found[0].message == "Could not resolve \"./cart.js\" from \"src/main.js\"");
}

TEST_CASE("rollup recogniser: a module with its line and column", "[unit]") {
  auto found = recognize("rollup", {"[!] RollupError: Expression expected", "src/main.js (3:10)"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].line == 3);
  CHECK(found[0].column == 10);
}
