#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("java exception recogniser: the first frame outside the JDK, as a package path", "[unit]") {
  auto found = recognize("java-exception",
                         {"shop server starting",
                          "Exception in thread \"main\" java.lang.NullPointerException: Cannot invoke \"String.trim()\"",
                          "\tat java.base/java.lang.Integer.parseInt(Integer.java:630)",
                          "\tat shop.Server.port(Server.java:8)", "\tat shop.Server.main(Server.java:13)"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "shop/Server.java");
  CHECK(found[0].line == 8);
  CHECK(found[0].message == "java.lang.NullPointerException: Cannot invoke \"String.trim()\"");
}

TEST_CASE("java exception recogniser: the cause under Caused by is the one to fix", "[unit]") {
  auto found = recognize("java-exception",
                         {"java.lang.IllegalStateException: Failed to start", "\tat shop.App.start(App.java:20)",
                          "Caused by: java.io.FileNotFoundException: /etc/shop.conf (No such file or directory)",
                          "\tat java.base/java.io.FileInputStream.open0(Native Method)",
                          "\tat shop.Config.load(Config.java:14)", "\t... 3 more", "done"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "shop/Config.java");
  CHECK(found[0].line == 14);
  CHECK(found[0].message == "java.io.FileNotFoundException: /etc/shop.conf (No such file or directory)");
}

TEST_CASE("java exception recogniser: an exception's name without a stack is not a crash", "[unit]") {
  CHECK(recognize("java-exception", {"json.decoder.JSONDecodeError: Expecting value", "next"}).empty());
}
