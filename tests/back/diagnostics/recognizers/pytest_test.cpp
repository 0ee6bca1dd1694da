#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("pytest recogniser: a failed assertion's test, message and place", "[unit]") {
  auto found = recognize("pytest", {"=================================== FAILURES ===================================",
                                    "_________________________________ test_coupon __________________________________",
                                    "", "    def test_coupon():", ">       assert apply_coupon(200, 10) == 190",
                                    "E       assert 180 == 190", "E        +  where 180 = apply_coupon(200, 10)", "",
                                    "tests/test_cart.py:9: AssertionError",
                                    "=========================== short test summary info ============================",
                                    "FAILED tests/test_cart.py::test_coupon - assert 180 == 190"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].test == "test_coupon");
  CHECK(found[0].message == "assert 180 == 190");
  CHECK(found[0].file == "tests/test_cart.py");
  CHECK(found[0].line == 9);
}

TEST_CASE("pytest recogniser: an exception raised in a library is placed in the project's last frame", "[unit]") {
  auto found = recognize("pytest", {"=== FAILURES ===", "____ test_load ____", "tests/test_load.py:7: ",
                                    "app/load.py:12: in load", "    return yaml.safe_load(text)",
                                    "/usr/lib/python3/dist-packages/yaml/__init__.py:125: in safe_load",
                                    "E   yaml.scanner.ScannerError: mapping values are not allowed here",
                                    "/usr/lib/python3/dist-packages/yaml/scanner.py:577: ScannerError"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "app/load.py");
  CHECK(found[0].line == 12);
  CHECK(found[0].message == "yaml.scanner.ScannerError: mapping values are not allowed here");
}

TEST_CASE("pytest recogniser: with --tb=no, the short summary, unittest's FAILED line is not one", "[unit]") {
  auto found = recognize("pytest", {"FAILED tests/test_cart.py::test_coupon - assert 180 == 190",
                                    "FAILED (failures=1)"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "tests/test_cart.py");
  CHECK(found[0].test == "test_coupon");
}
