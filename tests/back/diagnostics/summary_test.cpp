#include <catch2/catch.hpp>

#include "back/diagnostics/summary.hpp"
#include "common/text/utf8.hpp"
#include "tests/back/diagnostics/diagnostics_support.hpp"

using namespace reship::back::diagnostics;
using reship::test::analyze;

TEST_CASE("summary: the step and how it failed, then the first errors as file:line:col", "[unit]") {
  auto a = analyze({"> tsc --pretty false", "src/cart.ts(17,9): error TS2322: Type 'string' is not assignable.",
                    "src/cart.ts(18,3): error TS2322: Type 'number' is not assignable.",
                    "src/cart.ts(30,1): warning TS6133: 'x' is declared but never used.",
                    " ELIFECYCLE  Command failed with exit code 2."});
  CHECK(compose_summary("build failed: exited with code 2", a) ==
        "build failed: exited with code 2\n"
        "src/cart.ts:17:9: error TS2322: Type 'string' is not assignable.\n"
        "src/cart.ts:18:3: error TS2322: Type 'number' is not assignable.");
}

TEST_CASE("summary: a failed test with its name, expected and received", "[unit]") {
  auto a = analyze({"  ● cart › adds prices", "    expect(received).toBe(expected) // Object.is equality",
                    "    Expected: 6", "    Received: 5", "      at Object.toBe (src/cart.test.js:5:49)"});
  CHECK(compose_summary("build failed: exited with code 1", a) ==
        "build failed: exited with code 1\n"
        "src/cart.test.js:5:49: test \"cart › adds prices\" failed: expect(received).toBe(expected) // Object.is "
        "equality\n"
        "  expected: 6\n"
        "  received: 5");
}

TEST_CASE("summary: nothing recognised, the telling lines as before", "[unit]") {
  auto a = analyze({"step 1", "FATAL: the frobnicator broke", "cleaning up"});
  CHECK_FALSE(a.recognised);
  CHECK(compose_summary("build failed: exited with code 1", a) ==
        "build failed: exited with code 1\nFATAL: the frobnicator broke");
  CHECK(compose_summary("build failed: exited with code 1", analyze({"a", "b", "c", "d"})) ==
        "build failed: exited with code 1\nb\nc\nd");
}

TEST_CASE("summary: out of memory is said once", "[unit]") {
  auto a = analyze({"terminate called after throwing an instance of 'std::bad_alloc'", "  what():  std::bad_alloc"});
  CHECK(compose_summary("build failed: exited with code 134", a) ==
        "build failed: exited with code 134\nerror: uncaught std::bad_alloc\nout of memory: std::bad_alloc");
  CHECK(compose_summary("build killed by SIGKILL (out of memory?)", a) ==
        "build killed by SIGKILL (out of memory?)\nerror: uncaught std::bad_alloc");
}

TEST_CASE("summary: never empty, valid UTF-8, under its cap whatever the input", "[unit]") {
  CHECK(compose_summary("", Analysis{}) == "failed");
  std::vector<std::string> lines;
  Analyzer analyzer;
  for (int i = 0; i < 100; ++i) {
    analyzer.add("src/" + std::string(3000, 'x') + ".c:" + std::to_string(i + 1) + ":1: error: " +
                 std::string(2000, 'y') + "\xFF");
  }
  const std::string summary = compose_summary("build failed: exited with code 1", analyzer.result());
  CHECK(summary.size() <= kMaxSummaryBytes + 4);
  CHECK(reship::common::is_valid_utf8(summary));
  CHECK(summary.starts_with("build failed: exited with code 1\n"));
}

TEST_CASE("summary: a failed restart names the service and its crash's failing line", "[unit]") {
  const auto r = analyze_restart_failure(
      "platform-back", "exited with code 1 before it was ready",
      "platform-back starting\n/app/dist/config.js:4\n  return { port: settings.http.port };\n"
      "                          ^\n\nTypeError: Cannot read properties of undefined (reading 'http')\n"
      "    at loadConfig (/app/dist/config.js:4:27)\n    at main (/app/dist/server.js:6:18)\n\nNode.js v20.20.2\n",
      "/app");
  CHECK(r.summary ==
        "restart of platform-back failed: exited with code 1 before it was ready\n"
        "dist/config.js:4:27: error: TypeError: Cannot read properties of undefined (reading 'http')");
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].tool == "node");
  CHECK(r.diagnostics[0].file == "dist/config.js");
  CHECK(r.diagnostics[0].line == 4);
}

TEST_CASE("summary: one diagnostic's line", "[unit]") {
  Diagnostic d;
  d.message = "no rule";
  CHECK(summary_line(d) == "error: no rule");
  d.file = "Makefile";
  d.line = 3;
  d.severity = Severity::warning;
  d.code = "-Wextra";
  CHECK(summary_line(d) == "Makefile:3: warning: no rule [-Wextra]");
  d.message = "line one\nline two";
  d.code = "W1";
  CHECK(summary_line(d) == "Makefile:3: warning W1: line one");
}
