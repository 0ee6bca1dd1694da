#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("cmake recogniser: an error at a line of CMakeLists.txt and its indented message", "[unit]") {
  auto found = recognize("cmake", {"-- Configuring done", "CMake Error at CMakeLists.txt:4 (add_executable):",
                                   "  Cannot find source file:", "", "    routes.c", "", "",
                                   "CMake Error: The source directory \"/x\" does not exist.",
                                   "CMake Generate step failed.  Build files cannot be regenerated correctly."});
  REQUIRE(found.size() == 3);
  CHECK(found[0].file == "CMakeLists.txt");
  CHECK(found[0].line == 4);
  CHECK(found[0].message == "Cannot find source file: routes.c (add_executable)");
  CHECK(found[1].file.empty());
  CHECK(found[1].message == "The source directory \"/x\" does not exist.");
  CHECK(found[2].follow_on);
}

TEST_CASE("cmake recogniser: a warning at the end of the output is not lost", "[unit]") {
  auto found = recognize("cmake", {"CMake Warning (dev) at CMakeLists.txt:2 (project):", "  Policy CMP0048 is not set"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == reship::back::diagnostics::Severity::warning);
  CHECK(found[0].message == "Policy CMP0048 is not set (project)");
}
