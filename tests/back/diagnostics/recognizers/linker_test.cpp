#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("linker recogniser: GNU ld's undefined reference, with its function, collect2 only follows", "[unit]") {
  auto found = recognize("linker", {"/usr/bin/ld: main.o: in function `main':",
                                    "/app/main.c:6: undefined reference to `load_config'",
                                    "collect2: error: ld returned 1 exit status"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].tool == "ld");
  CHECK(found[0].file == "/app/main.c");
  CHECK(found[0].line == 6);
  CHECK(found[0].message == "undefined reference to `load_config' (in function `main')");
  CHECK_FALSE(found[0].follow_on);
  CHECK(found[1].follow_on);
}

TEST_CASE("linker recogniser: without debug information the object's source file is unknown", "[unit]") {
  auto found = recognize("linker", {"/usr/bin/ld: main.o:(.text+0x9): undefined reference to `helper'"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file.empty());
  CHECK(found[0].message == "undefined reference to `helper'");
}

TEST_CASE("linker recogniser: lld's undefined symbol is placed by its referenced-by line", "[unit]") {
  auto found = recognize("linker", {"ld.lld: error: undefined symbol: load_config",
                                    ">>> referenced by main.c:6 (/tmp/app/main.c:6)",
                                    ">>>               /tmp/main-6b4629.o:(main)",
                                    "clang: error: linker command failed with exit code 1 (use -v to see invocation)"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].tool == "lld");
  CHECK(found[0].file == "/tmp/app/main.c");
  CHECK(found[0].line == 6);
  CHECK(found[0].message == "undefined symbol: load_config");
  CHECK(found[1].follow_on);
}
