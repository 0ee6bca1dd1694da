#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("go recogniser: compiler and vet errors under the package line", "[unit]") {
  auto found = recognize("go", {"# example.com/shop", "./greet.go:7:21: undefined: nme",
                                "vet: ./main.go:7:2: fmt.Printf format %d has arg port of wrong type string",
                                "go: downloading github.com/x/y v1.0.0",
                                "    cart_test.go:7: Total([200 300]) = 300, want 500"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].file == "./greet.go");
  CHECK(found[0].line == 7);
  CHECK(found[0].column == 21);
  CHECK(found[0].message == "undefined: nme");
  CHECK(found[1].file == "./main.go");
}

TEST_CASE("go recogniser: the go command's own errors", "[unit]") {
  auto found = recognize("go", {"go: go.mod file not found in current directory or any parent directory"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file.empty());
}
