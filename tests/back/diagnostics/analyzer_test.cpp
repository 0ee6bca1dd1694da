#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "back/diagnostics/analyzer.hpp"
#include "common/text/utf8.hpp"
#include "tests/back/diagnostics/diagnostics_support.hpp"

using namespace reship::back::diagnostics;
using reship::test::analyze;

TEST_CASE("analyzer: errors before warnings, causes before follow-ons, the project before libraries", "[unit]") {
  auto a = analyze({"config.c:5:7: warning: suggest parentheses [-Wparentheses]",
                    "/usr/include/stdio.h:12:3: error: conflicting types for 'puts'",
                    " ELIFECYCLE  Command failed with exit code 2.", "config.c:7:10: error: 'prot' undeclared",
                    "config.c:9:1: warning: control reaches end"},
                   "/app");
  REQUIRE(a.diagnostics.size() == 5);
  CHECK(a.diagnostics[0].file == "config.c");
  CHECK(a.diagnostics[0].line == 7);
  CHECK(a.diagnostics[1].file == "/usr/include/stdio.h");
  CHECK(a.diagnostics[2].line == 5);
  CHECK(a.diagnostics[3].line == 9);
  CHECK(a.diagnostics[4].tool == "pnpm");
  CHECK(a.recognised);
}

TEST_CASE("analyzer: at most 20 diagnostics, the first ones, whatever the output", "[unit]") {
  Analyzer analyzer;
  for (int i = 1; i <= 5000; ++i) analyzer.add("src/x.ts(" + std::to_string(i) + ",1): error TS2322: bad");
  const auto a = analyzer.result();
  REQUIRE(a.diagnostics.size() == Analyzer::kMaxDiagnostics);
  CHECK(a.diagnostics.front().line == 1);
  CHECK(a.diagnostics.back().line == 20);
}

TEST_CASE("analyzer: the same problem said twice is one diagnostic, with what each knew", "[unit]") {
  auto a = analyze({"======================================================================",
                    "FAIL: test_total (shop.test_cart.CartTest.test_total)", "------",
                    "Traceback (most recent call last):", "  File \"/app/shop/test_cart.py\", line 8, in test_total",
                    "AssertionError: 4 != 5"},
                   "/app");
  REQUIRE(a.diagnostics.size() == 1);
  CHECK(a.diagnostics[0].tool == "unittest");
  CHECK(a.diagnostics[0].test == "shop.test_cart.CartTest.test_total");
  CHECK(a.diagnostics[0].file == "shop/test_cart.py");
}

TEST_CASE("analyzer: a relative path is read from the folder its tool ran in", "[unit]") {
  SECTION("GNU make's Entering directory") {
    auto a = analyze({"make[1]: Entering directory '/app/lib'", "strings.c:6:27: error: expected ';'",
                      "make[1]: Leaving directory '/app/lib'", "main.c:3:1: error: x"},
                     "/app");
    REQUIRE(a.diagnostics.size() == 2);
    CHECK(a.diagnostics[0].file == "lib/strings.c");
    CHECK(a.diagnostics[1].file == "main.c");
  }
  SECTION("pnpm -r's line prefix, under the script's folder") {
    auto a = analyze({"> shop@ build /app", "> pnpm -r run build", "packages/web build$ tsc --pretty false",
                      "packages/web build: src/cart.ts(17,9): error TS2322: Type 'string' is not assignable"},
                     "/app");
    REQUIRE(a.diagnostics.size() == 1);
    CHECK(a.diagnostics[0].file == "packages/web/src/cart.ts");
    CHECK(a.diagnostics[0].line == 17);
  }
  SECTION("npm's path after the failed workspace script") {
    auto a = analyze({"> @shop/web@1.0.0 build", "> tsc --pretty false", "src/cart.ts(17,9): error TS2322: bad",
                      "npm error Lifecycle script `build` failed with error:", "npm error path /app/packages/web"},
                     "/app");
    REQUIRE(a.diagnostics.size() == 2);
    CHECK(a.diagnostics[0].file == "packages/web/src/cart.ts");
  }
  SECTION("ninja's Entering directory") {
    auto a = analyze({"ninja: Entering directory `build'", "../src/main.c:3:5: error: x"}, "/app");
    REQUIRE(a.diagnostics.size() == 1);
    CHECK(a.diagnostics[0].file == "src/main.c");
  }
}

TEST_CASE("analyzer: structured diagnostics come first and win over the text's for their line", "[unit]") {
  Analyzer analyzer("/app");
  analyzer.add("main.c:7:10: error: 'prot' undeclared");
  analyzer.add("main.c:9:1: error: expected '}'");
  Diagnostic from_file;
  from_file.tool = "gcc";
  from_file.file = "/app/main.c";
  from_file.line = 7;
  from_file.column = 10;
  from_file.message = "'prot' undeclared (first use in this function)";
  analyzer.add_structured({from_file});
  const auto a = analyzer.result();
  REQUIRE(a.diagnostics.size() == 2);
  CHECK(a.diagnostics[0].message == "'prot' undeclared (first use in this function)");
  CHECK(a.diagnostics[0].file == "main.c");
  CHECK(a.diagnostics[1].line == 9);
  CHECK(a.recognised);
}

TEST_CASE("analyzer: result() may be asked before the end, and again", "[unit]") {
  Analyzer analyzer;
  analyzer.add("error[E0425]: cannot find value `x` in this scope");
  analyzer.add(" --> src/main.rs:3:5");
  const auto early = analyzer.result();  // the error is still held, waiting for more
  REQUIRE(early.diagnostics.size() == 1);
  CHECK(early.diagnostics[0].file == "src/main.rs");
  analyzer.add("error: could not compile `x`");
  const auto late = analyzer.result();
  REQUIRE(late.diagnostics.size() == 2);
  CHECK(analyzer.result().diagnostics.size() == 2);
}

TEST_CASE("analyzer: out of memory said by the output", "[unit]") {
  CHECK(analyze({"Traceback (most recent call last):", "  File \"/app/x.py\", line 3, in <module>", "MemoryError"})
            .out_of_memory == std::optional<std::string>("MemoryError"));
  CHECK(analyze({"terminate called after throwing an instance of 'std::bad_alloc'", "  what():  std::bad_alloc"})
            .out_of_memory == std::optional<std::string>("std::bad_alloc"));
  CHECK_FALSE(analyze({"main.c:3:5: error: x"}).out_of_memory);
}

TEST_CASE("analyzer: linear and bounded on hostile output", "[unit]") {
  Analyzer analyzer("/app");
  std::string long_line(1024 * 1024, 'e');
  long_line += "rror: \xFF\r\x1b[31m";
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 8; ++i) analyzer.add(long_line);
  for (int i = 0; i < 20000; ++i) {
    analyzer.add("  ● suite › test " + std::to_string(i));
    analyzer.add("Traceback (most recent call last):");
    analyzer.add("src/x.c:" + std::to_string(i) + ":1: error: \xC3\x28 bad");
  }
  const auto a = analyzer.result();
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(took < std::chrono::seconds(30));  // 60k lines and 8 MB; a few hundred ms without sanitizers
  CHECK(a.diagnostics.size() <= Analyzer::kMaxDiagnostics);
  for (const auto& d : a.diagnostics) {
    CHECK(reship::common::is_valid_utf8(d.message));
    CHECK(d.message.size() <= 600 + 3);
  }
}
