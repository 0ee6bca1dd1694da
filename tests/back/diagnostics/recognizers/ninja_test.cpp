#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("ninja recogniser: a missing input is a cause, FAILED and build stopped only follow", "[unit]") {
  auto found = recognize("ninja", {"FAILED: CMakeFiles/app.dir/src/handler.cpp.o ",
                                   "ninja: error: 'routes.c', needed by 'routes.o', missing and no known rule to make it",
                                   "ninja: build stopped: subcommand failed.",
                                   "ninja: error: build.ninja:5: unknown build rule 'cc'"});
  REQUIRE(found.size() == 4);
  CHECK(found[0].follow_on);
  CHECK_FALSE(found[1].follow_on);
  CHECK(found[1].message == "'routes.c', needed by 'routes.o', missing and no known rule to make it");
  CHECK(found[2].follow_on);
  CHECK(found[3].file == "build.ninja");
  CHECK(found[3].line == 5);
  CHECK(found[3].message == "unknown build rule 'cc'");
}
