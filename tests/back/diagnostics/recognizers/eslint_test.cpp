#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;
using reship::back::diagnostics::Severity;

TEST_CASE("eslint recogniser: the stylish form, file above its problems", "[unit]") {
  auto found = recognize("eslint", {"", "/app/src/cart.js",
                                    "  4:9   warning  'unused' is assigned a value but never used  no-unused-vars",
                                    "  9:36  error    'formatPrice' is not defined                 no-undef", "",
                                    "✖ 2 problems (1 error, 1 warning)"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].severity == Severity::warning);
  CHECK(found[1].severity == Severity::error);
  CHECK(found[1].file == "/app/src/cart.js");
  CHECK(found[1].line == 9);
  CHECK(found[1].column == 36);
  CHECK(found[1].code == "no-undef");
  CHECK(found[1].message == "'formatPrice' is not defined");
}

TEST_CASE("eslint recogniser: the compact form, a parsing error has no rule", "[unit]") {
  auto found = recognize("eslint", {"/app/a.js: line 9, col 36, Error - 'x' is not defined. (no-undef)", "/app/b.js",
                                    "  3:10  error  Parsing error: Unexpected token"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].file == "/app/a.js");
  CHECK(found[0].code == "no-undef");
  CHECK(found[0].message == "'x' is not defined.");
  CHECK(found[1].code.empty());
  CHECK(found[1].message == "Parsing error: Unexpected token");
}
