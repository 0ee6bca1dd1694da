#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::analyze;
using reship::test::recognize;

TEST_CASE("generic recogniser: error, ERROR and FAILED lines, placed when they start with one", "[unit]") {
  auto found = recognize("generic", {"lib/x.nim(3, 5) Error: undeclared identifier: 'y'", "nothing here",
                                     "src/a.zig:3:5: error: expected ';'", "TERRORS are words", "ctest: 2 tests FAILED"});
  REQUIRE(found.size() == 3);
  CHECK(found[0].file.empty());
  CHECK(found[1].file == "src/a.zig");
  CHECK(found[1].line == 3);
  CHECK(found[1].message == "error: expected ';'");
  CHECK(found[2].message == "ctest: 2 tests FAILED");
}

TEST_CASE("generic recogniser: only used when no toolchain named a cause", "[unit]") {
  auto known = analyze({"main.c:3:5: error: expected ';'", "ERROR: something else"});
  REQUIRE(known.diagnostics.size() == 1);
  CHECK(known.diagnostics[0].tool == "gcc");
  CHECK(known.recognised);
  auto unknown = analyze({"ERROR: the frobnicator broke", "make: *** [Makefile:3: all] Error 1"});
  REQUIRE(unknown.diagnostics.size() == 2);
  CHECK(unknown.diagnostics[0].tool.empty());
  CHECK(unknown.diagnostics[0].message == "ERROR: the frobnicator broke");
  CHECK(unknown.diagnostics[1].follow_on);
  CHECK_FALSE(unknown.recognised);
}
