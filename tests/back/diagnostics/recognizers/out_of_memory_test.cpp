#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("out of memory recogniser: Node's heap, Rust's allocation, GCC's virtual memory", "[unit]") {
  auto found = recognize("out-of-memory",
                         {"FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
                          "memory allocation of 1099511627776 bytes failed",
                          "cc1plus: out of memory allocating 65536 bytes after a total of 1048576 bytes",
                          "virtual memory exhausted: Cannot allocate memory", "all good"});
  REQUIRE(found.size() == 4);
  CHECK(found[0].tool == "node");
  CHECK(found[0].message == "Reached heap limit Allocation failed - JavaScript heap out of memory");
  CHECK(found[0].out_of_memory);
  CHECK(found[1].tool == "rust");
  CHECK(found[2].tool == "gcc");
  CHECK(found[3].tool == "gcc");
}
