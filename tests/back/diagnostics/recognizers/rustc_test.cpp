#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("rustc recogniser: an error with its code and the --> line, could not compile only follows", "[unit]") {
  auto found = recognize("rustc", {"\x1b[1m\x1b[92m   Compiling\x1b[0m shop v0.1.0 (/app)",
                                   "\x1b[1m\x1b[91merror[E0425]\x1b[0m\x1b[1m: cannot find value `price` in this "
                                   "scope\x1b[0m",
                                   " \x1b[1m\x1b[94m--> \x1b[0msrc/main.rs:8:34", "  |",
                                   "help: a local variable with a similar name exists",
                                   "error: could not compile `shop` (bin \"shop\") due to 1 previous error"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].tool == "rustc");
  CHECK(found[0].code == "E0425");
  CHECK(found[0].file == "src/main.rs");
  CHECK(found[0].line == 8);
  CHECK(found[0].column == 34);
  CHECK(found[1].tool == "cargo");
  CHECK(found[1].follow_on);
}

TEST_CASE("rustc recogniser: a warning, an unplaced error only where cargo ran", "[unit]") {
  CHECK(recognize("rustc", {"error: pathspec 'x' did not match any file(s) known to git"}).empty());
  auto found = recognize("rustc", {"warning: unused variable: `unused`", " --> src/main.rs:7:9",
                                   "warning: `shop` (bin \"shop\") generated 1 warning", "   Compiling openssl-sys v0.9.1",
                                   "error: failed to run custom build command for `openssl-sys v0.9.1`", "",
                                   "Caused by:"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].severity == reship::back::diagnostics::Severity::warning);
  CHECK(found[1].message == "failed to run custom build command for `openssl-sys v0.9.1`");
}
