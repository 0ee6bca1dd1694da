#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("javac recogniser: the error, its column from the caret, the missing symbol", "[unit]") {
  auto found = recognize("javac", {"src/shop/Cart.java:17: error: cannot find symbol", "        return summ;",
                                   "               ^", "  symbol:   variable summ", "  location: class Cart",
                                   "1 error"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "src/shop/Cart.java");
  CHECK(found[0].line == 17);
  CHECK(found[0].column == 16);
  CHECK(found[0].message == "cannot find symbol (variable summ)");
}

TEST_CASE("javac recogniser: under Gradle's plain console, after the task's name", "[unit]") {
  auto found = recognize("javac", {":compileJava/app/src/main/java/shop/Cart.java:17: error: incompatible types",
                                   "        String count = prices.size();", "                                  ^"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "/app/src/main/java/shop/Cart.java");
  CHECK(found[0].column == 35);
}
