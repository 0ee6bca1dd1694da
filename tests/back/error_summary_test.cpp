#include <catch2/catch.hpp>

#include "back/diagnostics/summary.hpp"
#include "back/engine/error_summary.hpp"
#include "common/text/utf8.hpp"

using namespace reship::back;

namespace {

ErrorCollector collect(const std::vector<std::string>& lines) {
  ErrorCollector c;
  for (const auto& l : lines) c.add(l);
  return c;
}

std::vector<std::string> noise(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("  cleaning up chunk " + std::to_string(i) + " of the build cache");
  return out;
}

}  // namespace

TEST_CASE("error summary: a compiler error followed by dozens of lines of noise", "[unit]") {
  std::vector<std::string> lines{"> tsc -p .", "src/app.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'."};
  for (auto& l : noise(60)) lines.push_back(l);
  const std::string summary = build_failure_summary("failed: exited with code 2", collect(lines));
  CHECK(summary ==
        "build failed: exited with code 2\n"
        "src/app.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.");
}

TEST_CASE("error summary: gcc errors, exceptions with their first frame, failing tests", "[unit]") {
  auto c = collect({"cc -c main.c", "main.c:3:5: error: expected ';' before 'return'", "compilation terminated.",
                    "TypeError: Cannot read properties of undefined (reading 'x')",
                    "    at load (/app/server.js:12:34)", "    at main (/app/server.js:40:3)",
                    "FAIL src/app.test.ts", "ERROR: 2 tests failed", "\x1b[31mnot ok 3 - parses dates\x1b[0m"});
  const auto lines = c.telling_lines();
  REQUIRE(lines.size() == 6);
  CHECK(lines[0] == "main.c:3:5: error: expected ';' before 'return'");
  CHECK(lines[1] == "TypeError: Cannot read properties of undefined (reading 'x')");
  CHECK(lines[2] == "    at load (/app/server.js:12:34)");  // the head of the stack trace only
  CHECK(lines[3] == "FAIL src/app.test.ts");
  CHECK(lines[4] == "ERROR: 2 tests failed");
  CHECK(lines[5] == "not ok 3 - parses dates");  // colors stripped
}

TEST_CASE("error summary: without a telling line, the last lines tell", "[unit]") {
  auto c = collect({"step 1", "step 2", "", "step 3", "killed"});
  CHECK(c.telling_lines() == std::vector<std::string>{"step 2", "step 3", "killed"});
}

TEST_CASE("error summary: short, valid UTF-8, whatever the input", "[unit]") {
  std::vector<std::string> lines;
  for (int i = 0; i < 100; ++i) lines.push_back("error: " + std::string(5000, 'x') + "\xFF");
  const std::string summary = build_failure_summary("failed: exited with code 1", collect(lines));
  CHECK(summary.size() < 2048);
  CHECK(reship::common::is_valid_utf8(summary));
  CHECK(std::count(summary.begin(), summary.end(), '\n') <= 6);
}

TEST_CASE("error summary: a failed restart names the service, the error and the output", "[unit]") {
  const std::string s = restart_failure_summary(
      "platform-back", "exited with code 1 before it was ready",
      "starting up\nTypeError: Cannot read properties of undefined (reading 'port')\n    at loadConfig (/app/dist/server.js:12:34)\n    at main (x)");
  CHECK(s ==
        "restart of platform-back failed: exited with code 1 before it was ready\n"
        "TypeError: Cannot read properties of undefined (reading 'port')\n"
        "    at loadConfig (/app/dist/server.js:12:34)");
}

TEST_CASE("error summary: progress bars show what a terminal shows", "[unit]") {
  CHECK(clean_line("building 10%\rbuilding 100%") == "building 100%");
  CHECK(clean_line("\x1b[1m\x1b[31merror\x1b[0m: boom") == "error: boom");
}

TEST_CASE("error summary: a CRLF line keeps its text", "[unit]") {
  CHECK(clean_line("src/app.ts(1,2): error TS1005: ';' expected.\r") == "src/app.ts(1,2): error TS1005: ';' expected.");
  auto c = collect({"main.c:3:5: error: expected ';' before 'return'\r"});
  CHECK(c.telling_lines() == std::vector<std::string>{"main.c:3:5: error: expected ';' before 'return'"});
}

TEST_CASE("error summary: the collector's analysis names the failing line", "[unit]") {
  ErrorCollector c("/app");
  for (const auto* line : {"> tsc -p .", "/app/src/app.ts(12,5): error TS2322: Type 'string' is not assignable.",
                           " ELIFECYCLE  Command failed with exit code 2."}) {
    c.add(line);
  }
  const auto analysis = c.analysis();
  REQUIRE(analysis.diagnostics.size() == 2);
  CHECK(analysis.diagnostics[0].tool == "tsc");
  CHECK(analysis.diagnostics[0].file == "src/app.ts");
  CHECK(analysis.diagnostics[0].line == 12);
  CHECK(analysis.diagnostics[1].follow_on);
  // The summary of today names the line as the tool printed it; its successor as file:line:col.
  CHECK(build_failure_summary("failed: exited with code 2", c) ==
        "build failed: exited with code 2\n/app/src/app.ts(12,5): error TS2322: Type 'string' is not assignable.");
  CHECK(reship::back::diagnostics::compose_summary("build failed: exited with code 2", analysis) ==
        "build failed: exited with code 2\nsrc/app.ts:12:5: error TS2322: Type 'string' is not assignable.");
}
