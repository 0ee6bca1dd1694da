#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("webpack recogniser: ERROR in a module at a 0-based column, the message below", "[unit]") {
  auto found = recognize("webpack", {"ERROR in ./src/index.js 2:0-39",
                                     "Module not found: Error: Can't resolve './format' in '/app/src'",
                                     "resolve './format' in '/app/src'", "WARNING in ./src/a.js 5:2",
                                     "export 'x' (imported as 'x') was not found in './b'"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].file == "./src/index.js");
  CHECK(found[0].line == 2);
  CHECK(found[0].column == 1);
  CHECK(found[0].message == "Module not found: Error: Can't resolve './format' in '/app/src'");
  CHECK(found[1].severity == reship::back::diagnostics::Severity::warning);
  CHECK(found[1].column == 3);
}
