#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("node recogniser: a crash at start, at its first frame in the project", "[unit]") {
  auto found = recognize("node",
                         {"platform-back starting", "/app/dist/config.js:4",
                          "  return { port: settings.http.port };", "                          ^", "",
                          "TypeError: Cannot read properties of undefined (reading 'http')",
                          "    at loadConfig (/app/dist/config.js:4:27)", "    at main (/app/dist/server.js:6:18)",
                          "    at Module._compile (node:internal/modules/cjs/loader:1521:14)", "", "Node.js v20.20.2"},
                         "/app");
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "/app/dist/config.js");
  CHECK(found[0].line == 4);
  CHECK(found[0].column == 27);
  CHECK(found[0].message == "TypeError: Cannot read properties of undefined (reading 'http')");
}

TEST_CASE("node recogniser: a syntax error's only place is the header above it", "[unit]") {
  auto found = recognize("node", {"file:///app/src/routes.mjs:3", "    res.json({ ok: true }", "                        ^",
                                  "", "SyntaxError: missing ) after argument list",
                                  "    at compileSourceTextModule (node:internal/modules/esm/utils:346:16)"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].file == "file:///app/src/routes.mjs");
  CHECK(found[0].line == 3);
}

TEST_CASE("node recogniser: an error code in brackets, Python's exception line is not Node's", "[unit]") {
  auto found = recognize("node", {"Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'express'",
                                  "    at packageResolve (node:internal/modules/esm/resolve:854:9)", "",
                                  "Traceback (most recent call last):", "  File \"/app/x.py\", line 1, in <module>",
                                  "ImportError: cannot import name 'Invoice'"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].code == "ERR_MODULE_NOT_FOUND");
  CHECK(found[0].file.empty());
}
