#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("tsc recogniser: the pretty form, coloured", "[unit]") {
  auto found = recognize("tsc", {"\x1b[96msrc/cart.ts\x1b[0m:\x1b[93m17\x1b[0m:\x1b[93m9\x1b[0m - \x1b[91merror\x1b[0m"
                                 "\x1b[90m TS2322: \x1b[0mType 'string' is not assignable to type 'number'.",
                                 "", "\x1b[7m17\x1b[0m   const text: number = `${count} items`;",
                                 "Found 2 errors in the same file, starting at: src/cart.ts\x1b[90m:17\x1b[0m"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "src/cart.ts");
  CHECK(found[0].line == 17);
  CHECK(found[0].column == 9);
  CHECK(found[0].code == "TS2322");
  CHECK(found[0].message == "Type 'string' is not assignable to type 'number'.");
}

TEST_CASE("tsc recogniser: --pretty false, and an error without a file", "[unit]") {
  auto found = recognize("tsc", {"src/cart.ts(18,3): error TS2322: Type 'number' is not assignable to type 'string'.",
                                 "error TS5058: The specified path does not exist: 'tsconfig.app.json'."});
  REQUIRE(found.size() == 2);
  CHECK(found[0].line == 18);
  CHECK(found[0].column == 3);
  CHECK(found[1].file.empty());
  CHECK(found[1].code == "TS5058");
}
