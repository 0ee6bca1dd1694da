#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("rust panic recogniser: a test's panic, its place and assertion", "[unit]") {
  auto found = recognize("rust-panic", {"---- tests::adds_prices stdout ----", "",
                                        "thread 'tests::adds_prices' (15679) panicked at src/lib.rs:11:9:",
                                        "assertion `left == right` failed", "  left: 300", " right: 500",
                                        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].test == "tests::adds_prices");
  CHECK(found[0].file == "src/lib.rs");
  CHECK(found[0].line == 11);
  CHECK(found[0].column == 9);
  CHECK(found[0].message == "assertion `left == right` failed: left: 300, right: 500");
}

TEST_CASE("rust panic recogniser: main's panic in the form before Rust 1.73", "[unit]") {
  auto found = recognize("rust-panic",
                         {"thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', src/main.rs:5:10"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].test.empty());
  CHECK(found[0].message == "called `Option::unwrap()` on a `None` value");
  CHECK(found[0].line == 5);
}
