#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("python traceback recogniser: the innermost frame in the project, then the exception", "[unit]") {
  auto found = recognize("python-traceback",
                         {"Traceback (most recent call last):", "  File \"<frozen runpy>\", line 198, in _run_module_as_main",
                          "  File \"/app/app/main.py\", line 15, in <module>", "    main()",
                          "  File \"/app/app/settings.py\", line 7, in read_settings", "    return json.load(f)",
                          "           ^^^^^^^^^^^^", "  File \"/usr/lib/python3.11/json/__init__.py\", line 293, in load",
                          "    return loads(fp.read(),",
                          "json.decoder.JSONDecodeError: Expecting property name: line 4 column 3 (char 53)"},
                         "/app");
  REQUIRE(found.size() == 1);
  CHECK(found[0].tool == "python");
  CHECK(found[0].file == "/app/app/settings.py");
  CHECK(found[0].line == 7);
  CHECK(found[0].message == "json.decoder.JSONDecodeError: Expecting property name: line 4 column 3 (char 53)");
}

TEST_CASE("python traceback recogniser: a syntax error's frame has no function", "[unit]") {
  auto found = recognize("python-traceback", {"Traceback (most recent call last):",
                                              "  File \"/app/main.py\", line 1, in <module>", "    import handlers",
                                              "  File \"/app/handlers.py\", line 3", "    def handle(",
                                              "              ^", "SyntaxError: '(' was never closed"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "/app/handlers.py");
  CHECK(found[0].line == 3);
}

TEST_CASE("python traceback recogniser: a traceback cut short still says what it has", "[unit]") {
  auto found = recognize("python-traceback", {"Traceback (most recent call last):",
                                              "  File \"/app/main.py\", line 9, in <module>"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "/app/main.py");
}
