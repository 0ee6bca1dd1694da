#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("esbuild recogniser: an error block, coloured, placed by its indented location line", "[unit]") {
  auto found = recognize("esbuild", {"\x1b[31m✘ \x1b[41;31m[\x1b[41;97mERROR\x1b[41;31m]\x1b[0m \x1b[1mExpected \")\" but "
                                     "found \"{\"\x1b[0m",
                                     "", "    src/index.ts:4:27:", "      4 │ for (const price of prices {",
                                     "        ╵                            )", "", "1 error"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "src/index.ts");
  CHECK(found[0].line == 4);
  CHECK(found[0].column == 27);
  CHECK(found[0].message == "Expected \")\" but found \"{\"");
}

TEST_CASE("esbuild recogniser: a warning, and the plain form other tools pass on", "[unit]") {
  auto found = recognize("esbuild", {"▲ [WARNING] Duplicate key \"a\" in object literal [duplicate-object-key]", "",
                                     "    src/a.ts:1:15:", "/app/src/main.ts:3:10: ERROR: Expected \";\" but found \"x\""});
  REQUIRE(found.size() == 2);
  CHECK(found[0].severity == reship::back::diagnostics::Severity::warning);
  CHECK(found[0].line == 1);
  CHECK(found[1].file == "/app/src/main.ts");
  CHECK(found[1].message == "Expected \";\" but found \"x\"");
}
