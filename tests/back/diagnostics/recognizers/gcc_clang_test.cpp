#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("gcc recogniser: an error with GCC's gutter, its -W option as the code of a warning", "[unit]") {
  auto found = recognize("gcc-clang", {"main.c: In function ‘main’:",
                                       "main.c:7:3: error: expected ‘,’ or ‘;’ before ‘printf’",
                                       "    7 |   printf(\"%d\\n\", total);", "      |   ^~~~~~",
                                       "main.c:6:7: warning: unused variable ‘total’ [-Wunused-variable]",
                                       "    6 |   int total = add(2, 3)", "      |       ^~~~~",
                                       "make: *** [Makefile:7: main.o] Error 1"});
  REQUIRE(found.size() == 2);
  CHECK(found[0].tool == "gcc");
  CHECK(found[0].file == "main.c");
  CHECK(found[0].line == 7);
  CHECK(found[0].column == 3);
  CHECK(found[0].message == "expected ‘,’ or ‘;’ before ‘printf’");
  CHECK(found[1].severity == reship::back::diagnostics::Severity::warning);
  CHECK(found[1].code == "-Wunused-variable");
  CHECK(found[1].message == "unused variable ‘total’");
}

TEST_CASE("gcc recogniser: a template error in the STL is placed where the user's code required it", "[unit]") {
  auto found = recognize(
      "gcc-clang",
      {"In file included from /usr/include/c++/12/bits/stl_algobase.h:71,",
       "                 from src/sort_points.cpp:1:",
       "/usr/include/c++/12/bits/predefined_ops.h: In instantiation of ‘constexpr bool operator()(...)’:",
       "/usr/include/c++/12/bits/stl_algo.h:1809:14:   required from ‘void std::__insertion_sort(...)’",
       "\x1b[01m\x1b[Ksrc/sort_points.cpp:9:12:\x1b[m\x1b[K   required from here",
       "/usr/include/c++/12/bits/predefined_ops.h:45:23: \x1b[01;31m\x1b[Kerror: \x1b[m\x1b[Kno match for ‘operator<’",
       "   45 |       { return *__it1 < *__it2; }"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "src/sort_points.cpp");
  CHECK(found[0].line == 9);
  CHECK(found[0].column == 12);
  CHECK(found[0].message == "no match for ‘operator<’");
}

TEST_CASE("clang recogniser: Clang's caret line names it, instantiation notes place a library error", "[unit]") {
  auto found = recognize(
      "gcc-clang",
      {"/usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/predefined_ops.h:45:23: error: "
       "invalid operands to binary expression ('Point' and 'Point')",
       "      { return *__it1 < *__it2; }", "               ~~~~~~ ^ ~~~~~~",
       "/usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/stl_algo.h:1631:6: note: in "
       "instantiation of function template specialization 'x' requested here",
       "        if (__comp(__i, __first))", "            ^",
       "src/sort_points.cpp:9:8: note: in instantiation of function template specialization 'std::sort' requested here",
       "  std::sort(points.begin(), points.end());", "       ^", "1 error generated."});
  REQUIRE(found.size() == 1);
  CHECK(found[0].tool == "clang");
  CHECK(found[0].file == "src/sort_points.cpp");
  CHECK(found[0].line == 9);
  CHECK(found[0].column == 8);
}

TEST_CASE("gcc recogniser: the driver's own errors, other languages' FILE:LINE: error: lines are not its", "[unit]") {
  auto found = recognize("gcc-clang", {"gcc: error: missing.c: No such file or directory",
                                       "src/shop/Cart.java:17: error: cannot find symbol",
                                       "collect2: error: ld returned 1 exit status"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].tool == "gcc");
  CHECK(found[0].message == "missing.c: No such file or directory");
  CHECK(found[0].file.empty());
}
