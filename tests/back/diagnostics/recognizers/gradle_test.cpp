#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("gradle recogniser: a failed task only follows, another problem is the cause", "[unit]") {
  auto found = recognize("gradle", {"FAILURE: Build failed with an exception.", "", "* What went wrong:",
                                    "Execution failed for task ':compileJava'.",
                                    "> Compilation failed; see the compiler error output for details.", "",
                                    "* What went wrong:", "Could not resolve all files for configuration ':compileClasspath'.",
                                    "> Could not find com.example:lib:1.0.", ""});
  REQUIRE(found.size() == 2);
  CHECK(found[0].follow_on);
  CHECK(found[0].message ==
        "Execution failed for task ':compileJava'. Compilation failed; see the compiler error output for details.");
  CHECK_FALSE(found[1].follow_on);
  CHECK(found[1].message == "Could not resolve all files for configuration ':compileClasspath'. Could not find "
                            "com.example:lib:1.0.");
}

TEST_CASE("gradle recogniser: Kotlin's compiler and Gradle's test report", "[unit]") {
  auto found = recognize("gradle", {"e: file:///app/src/main/kotlin/App.kt:5:9 Unresolved reference: foo",
                                    "CartTest > totalAddsPrices() FAILED",
                                    "    org.opentest4j.AssertionFailedError at CartTest.java:12"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].tool == "kotlin");
  CHECK(found[0].file == "file:///app/src/main/kotlin/App.kt");
  CHECK(found[0].line == 5);
  CHECK(found[1].test == "CartTest > totalAddsPrices()");
  CHECK(found[1].file == "CartTest.java");
  CHECK(found[1].line == 12);
}
