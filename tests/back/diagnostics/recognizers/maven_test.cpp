#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("maven recogniser: a compiler error with its place, Failed to execute goal only follows it", "[unit]") {
  auto found = recognize("maven", {"[ERROR] COMPILATION ERROR : ",
                                   "[ERROR] /app/src/main/java/shop/Cart.java:[17,35] incompatible types",
                                   "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.10.1:"
                                   "compile (default-compile) on project shop: Compilation failure"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].file == "/app/src/main/java/shop/Cart.java");
  CHECK(found[0].line == 17);
  CHECK(found[0].column == 35);
  CHECK(found[1].follow_on);
  CHECK(found[1].message == "Compilation failure");
}

TEST_CASE("maven recogniser: a dependency that cannot be resolved is the cause", "[unit]") {
  auto found = recognize("maven", {"[ERROR] Failed to execute goal on project shop: Could not resolve dependencies for "
                                   "project example:shop:jar:1.0: junit:junit:jar:9 was not found"});
  REQUIRE(found.size() == 1);
  CHECK_FALSE(found[0].follow_on);
  CHECK(found[0].message.starts_with("Could not resolve dependencies"));
}

TEST_CASE("maven recogniser: Surefire's failed test, its exception and frame", "[unit]") {
  auto found = recognize("maven", {"[ERROR] totalAddsPrices(shop.CartTest)  Time elapsed: 0.023 s  <<< FAILURE!",
                                   "java.lang.AssertionError: expected:<500> but was:<300>",
                                   "\tat org.junit.Assert.fail(Assert.java:89)",
                                   "\tat shop.CartTest.totalAddsPrices(CartTest.java:11)", "", "[INFO] Results:",
                                   "[ERROR] Failures: ", "[ERROR]   CartTest.totalAddsPrices:11 expected: <500> but was: <300>"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].test == "shop.CartTest.totalAddsPrices");
  CHECK(found[0].file == "shop/CartTest.java");
  CHECK(found[0].line == 11);
  CHECK(found[0].expected == "500");
  CHECK(found[0].received == "300");
  CHECK(found[1].test == "CartTest.totalAddsPrices");
  CHECK(found[1].file == "CartTest.java");
  CHECK(found[1].expected == "500");
}
