#include <catch2/catch.hpp>

#include "tests/back/diagnostics/diagnostics_support.hpp"

using reship::test::recognize;

TEST_CASE("vite recogniser: Vite 8's coded error and the place at its box's top", "[unit]") {
  auto found = recognize("vite", {"✗ Build failed in 94ms", "error during build:", "Build failed with 1 error:", "",
                                  "[UNRESOLVED_IMPORT] Could not resolve './components/cart' in src/main.ts",
                                  "   ╭─[ src/main.ts:1:28 ]", "   │",
                                  "    at aggregateBindingErrorsIntoJsError (file:///app/node_modules/rolldown/x.mjs:1:1)"});
  REQUIRE(found.size() == 1);
  CHECK(found[0].code == "UNRESOLVED_IMPORT");
  CHECK(found[0].file == "src/main.ts");
  CHECK(found[0].line == 1);
  CHECK(found[0].column == 28);
}

TEST_CASE("vite recogniser: Vite 5's Rollup resolve failure names the importer", "[unit]") {
  auto found = recognize("vite", {"error during build:",
                                  "[vite]: Rollup failed to resolve import \"./cart\" from \"/app/src/main.ts\".",
                                  "This is most likely unintended because it can break your application at runtime."});
  REQUIRE(found.size() == 1);
  CHECK(found[0].code.empty());
  CHECK(found[0].file == "/app/src/main.ts");
}

TEST_CASE("vite recogniser: bracketed lines outside a build error are not its", "[unit]") {
  CHECK(recognize("vite", {"[INFO] Building shop 1.0", "[ERROR] COMPILATION ERROR : "}).empty());
}
