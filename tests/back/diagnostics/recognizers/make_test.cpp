#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("make recogniser: a missing target is a cause, a failed recipe only follows", "[unit]") {
  auto found = recognize("make", {"make: *** No rule to make target 'routes.o', needed by 'app'.  Stop.",
                                  "gmake[2]: *** [CMakeFiles/app.dir/build.make:90: main.o] Error 1",
                                  "make: *** Waiting for unfinished jobs...."});
  REQUIRE(found.size() == 2);
  CHECK(found[0].message == "No rule to make target 'routes.o', needed by 'app'");
  CHECK_FALSE(found[0].follow_on);
  CHECK(found[1].follow_on);
  CHECK(found[1].file == "CMakeFiles/app.dir/build.make");
  CHECK(found[1].line == 90);
}

TEST_CASE("make recogniser: a Makefile's own error and a recipe's missing command", "[unit]") {
  auto found = recognize("make", {"Makefile:5: *** missing separator.  Stop.", "make: tsx: No such file or directory"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].file == "Makefile");
  CHECK(found[0].line == 5);
  CHECK(found[0].message == "missing separator");
  CHECK(found[1].message == "tsx: No such file or directory");
}
