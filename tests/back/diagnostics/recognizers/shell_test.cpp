#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("shell recogniser: bash and dash say which script line failed", "[unit]") {
  auto found = recognize("shell", {"./build.sh: line 4: sasss: command not found", "./deploy.sh: 3: envsubstt: not found",
                                   "./build.sh: line 9: PORT: unbound variable",
                                   "./deploy.sh: 3: cannot open nginx.conf.in: No such file"});
  REQUIRE(found.size() == 4);
  CHECK(found[0].file == "./build.sh");
  CHECK(found[0].line == 4);
  CHECK(found[0].message == "sasss: command not found");
  CHECK(found[1].file == "./deploy.sh");
  CHECK(found[1].message == "envsubstt: not found");
  CHECK(found[2].message == "PORT: unbound variable");
  CHECK(found[3].message == "cannot open nginx.conf.in: No such file");
}

TEST_CASE("shell recogniser: sh -c has no script file, a killed child may have run out of memory", "[unit]") {
  auto found = recognize("shell", {"sh: 1: tsx: not found", "bash: line 1: 12216 Killed                  ./gen"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].file.empty());
  CHECK(found[0].message == "tsx: not found");
  CHECK(found[1].message == "./gen: Killed (SIGKILL: out of memory?)");
}

TEST_CASE("shell recogniser: the command a set -e script stopped at", "[unit]") {
  auto found = recognize("shell", {"cp: cannot stat 'assets/logo.svg': No such file or directory",
                                   "main.c: 3: something else", "cp: done"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].tool == "cp");
  CHECK(found[0].message == "cp: cannot stat 'assets/logo.svg': No such file or directory");
}
