#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("unittest recogniser: the failed test's full name and its traceback", "[unit]") {
  auto found = recognize("unittest",
                         {"F.", "======================================================================",
                          "FAIL: test_coupon (shop.test_cart.CartTest.test_coupon)",
                          "----------------------------------------------------------------------",
                          "Traceback (most recent call last):",
                          "  File \"/app/shop/test_cart.py\", line 11, in test_coupon",
                          "    self.assertEqual(apply_coupon(200, 10), 190)", "AssertionError: 180 != 190", "",
                          "FAILED (failures=1)"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].tool == "unittest");
  CHECK(found[0].test == "shop.test_cart.CartTest.test_coupon");
  CHECK(found[0].line == 11);
  CHECK(found[0].message == "AssertionError: 180 != 190");
}

TEST_CASE("unittest recogniser: Python 3.10's name form, a traceback outside a test is not its", "[unit]") {
  auto found = recognize("unittest", {"Traceback (most recent call last):", "  File \"/app/x.py\", line 1, in <module>",
                                      "ValueError: x", "======", "ERROR: test_load (app.tests.LoadTest)", "------",
                                      "Traceback (most recent call last):", "  File \"/app/t.py\", line 4, in test_load",
                                      "KeyError: 'port'"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].test == "app.tests.LoadTest.test_load");
  CHECK(found[0].message == "KeyError: 'port'");
}
