#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("package manager recogniser: pnpm's ELIFECYCLE and recursive failure only follow", "[unit]") {
  auto found = recognize("package-manager",
                         {"/tmp/shop/packages/web:",
                          "\xE2\x80\x89" "ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL\xE2\x80\x89 @shop/web@1.0.0 build: `tsc`",
                          "Exit status 2", "\xE2\x80\x89" "ELIFECYCLE\xE2\x80\x89 Command failed with exit code 2."});
  REQUIRE(found.size() == 2);
  CHECK(found[0].tool == "pnpm");
  CHECK(found[0].follow_on);
  CHECK(found[0].code == "ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL");
  CHECK(found[0].message == "@shop/web@1.0.0 build: `tsc` failed (exit status 2)");
  CHECK(found[1].follow_on);
  CHECK(found[1].message == "Command failed with exit code 2.");
}

TEST_CASE("package manager recogniser: pnpm's own errors are causes", "[unit]") {
  auto found = recognize("package-manager",
                         {" ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with \"frozen-lockfile\" because pnpm-lock.yaml "
                          "is not up to date with package.json"});
  REQUIRE(found.size() == 1);
  CHECK_FALSE(found[0].follow_on);
  CHECK(found[0].code == "ERR_PNPM_OUTDATED_LOCKFILE");
}

TEST_CASE("package manager recogniser: npm's failed workspace script names the package", "[unit]") {
  auto found = recognize("package-manager",
                         {"npm error Lifecycle script `build` failed with error:", "npm error code 2",
                          "npm error path /tmp/shop/packages/web", "npm error workspace @shop/web@1.0.0",
                          "npm error location /tmp/shop/packages/web", "npm error command failed",
                          "npm error command sh -c tsc --pretty false"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].follow_on);
  CHECK(found[0].message == "@shop/web@1.0.0: script `build` failed: sh -c tsc --pretty false (exit code 2)");
}

TEST_CASE("package manager recogniser: npm's own error (a missing script) is the cause", "[unit]") {
  auto found = recognize("package-manager", {"npm error Missing script: \"buid\"", "npm error",
                                             "npm error A complete log of this run can be found in: /root/x.log",
                                             "done"});
  REQUIRE(found.size() == 1);
  CHECK_FALSE(found[0].follow_on);
  CHECK(found[0].message == "Missing script: \"buid\"");
}

TEST_CASE("package manager recogniser: yarn's Command failed only follows", "[unit]") {
  auto found = recognize("package-manager", {"yarn run v1.22.22", "$ tsc", "error Command failed with exit code 2.",
                                             "info Visit https://yarnpkg.com/en/docs/cli/run for documentation."});
  REQUIRE(found.size() == 1);
  CHECK(found[0].tool == "yarn");
  CHECK(found[0].follow_on);
}
