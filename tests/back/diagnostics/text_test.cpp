#include <chrono>

#include <catch2/catch.hpp>

#include "back/diagnostics/location.hpp"
#include "back/diagnostics/paths.hpp"
#include "back/diagnostics/text.hpp"
#include "common/text/utf8.hpp"

using namespace reship::back::diagnostics;

TEST_CASE("terminal text: colours, cursor moves, titles and hyperlinks go", "[unit]") {
  CHECK(terminal_text("\x1b[1m\x1b[31merror\x1b[0m: boom") == "error: boom");
  CHECK(terminal_text("\x1b[01m\x1b[Kmain.c:3:5:\x1b[m\x1b[K") == "main.c:3:5:");
  CHECK(terminal_text("\x1b]0;title\x07text") == "text");
  CHECK(terminal_text("\x1b]8;;file:///app/x.rs\x1b\\x.rs\x1b]8;;\x1b\\:3") == "x.rs:3");
  CHECK(terminal_text("\x1b(Bplain\x1b=") == "plain");
  CHECK(terminal_text("tab\there\x01\x7f") == "tab\there");
}

TEST_CASE("terminal text: a progress bar shows its last state, a CRLF line keeps its text", "[unit]") {
  CHECK(terminal_text("building 10%\rbuilding 100%") == "building 100%");
  CHECK(terminal_text("src/x.ts(1,2): error TS1005: ';' expected.\r") == "src/x.ts(1,2): error TS1005: ';' expected.");
  CHECK(terminal_text("a\rb\r\r") == "b");
}

TEST_CASE("terminal text: valid UTF-8 within its cap, even from a megabyte line", "[unit]") {
  CHECK(terminal_text("bad \xFF\xFE byte") == "bad \xEF\xBF\xBD\xEF\xBF\xBD byte");
  std::string huge(1024 * 1024, 'x');
  for (size_t i = 0; i < huge.size(); i += 7) huge[i] = '\xE2';  // cut sequences everywhere
  const auto start = std::chrono::steady_clock::now();
  const std::string text = terminal_text(huge);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  CHECK(text.size() <= kMaxLineBytes);
  CHECK(reship::common::is_valid_utf8(text));
  CHECK(terminal_text(std::string(100000, '\x1b'), 10).empty());
}

TEST_CASE("shorten: cut at a character with an ellipsis", "[unit]") {
  CHECK(shorten("short", 10) == "short");
  CHECK(shorten("ééééé", 7) == "éé…");
  CHECK(reship::common::is_valid_utf8(shorten("ééééé", 6)));
}

TEST_CASE("locations: FILE:LINE:COL, FILE(LINE,COL) and stack frames", "[unit]") {
  auto a = colon_location("src/app.c:3:5: error: x");
  REQUIRE(a);
  CHECK(a->file == "src/app.c");
  CHECK(a->line == 3);
  CHECK(a->column == 5);
  CHECK(a->rest == "error: x");
  auto b = colon_location("file:///app/x.mjs:12");
  REQUIRE(b);
  CHECK(b->file == "file:///app/x.mjs");
  CHECK(b->line == 12);
  CHECK_FALSE(colon_location("In file included from x.h:3:"));
  CHECK_FALSE(colon_location("main.c: In function ‘main’:"));
  CHECK_FALSE(colon_location("x.c:12abc"));
  CHECK_FALSE(colon_location("x.c:99999999999: too big"));

  auto c = paren_location("src/a.ts(12,5): error TS2322: x");
  REQUIRE(c);
  CHECK(c->line == 12);
  CHECK(c->column == 5);
  CHECK(c->rest == "error TS2322: x");

  auto d = js_frame_location("at async Object.build (file:///app/node_modules/vite/x.js:35850:19)");
  REQUIRE(d);
  CHECK(d->file == "file:///app/node_modules/vite/x.js");
  CHECK(d->line == 35850);
  CHECK(d->column == 19);
  auto e = js_frame_location("at node:internal/main/run_main_module:28:49");
  REQUIRE(e);
  CHECK(e->file == "node:internal/main/run_main_module");
  CHECK_FALSE(js_frame_location("at Context.<anonymous>"));
}

TEST_CASE("paths: relative to the workdir, URLs as paths, . and .. plain", "[unit]") {
  CHECK(project_path("/srv/app/src/x.ts", "/srv/app") == "src/x.ts");
  CHECK(project_path("/srv/app/src/x.ts", "/srv/app/") == "src/x.ts");
  CHECK(project_path("/srv/application/x.ts", "/srv/app") == "/srv/application/x.ts");
  CHECK(project_path("file:///srv/app/src/my%20file.mjs", "/srv/app") == "src/my file.mjs");
  CHECK(project_path("./main.go", "/srv/app") == "main.go");
  CHECK(project_path("build/../src/main.c", "") == "src/main.c");
  CHECK(project_path("../lib/x.c", "") == "../lib/x.c");
  CHECK(project_path("<frozen runpy>", "/srv/app") == "<frozen runpy>");
  CHECK(join_path("packages/web", "src/x.ts") == "packages/web/src/x.ts");
  CHECK(join_path("packages/web", "/abs/x.ts") == "/abs/x.ts");
}

TEST_CASE("paths: what is not the project's own", "[unit]") {
  CHECK(is_third_party("/usr/include/c++/12/bits/stl_algo.h"));
  CHECK(is_third_party("/usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/vector"));
  CHECK(is_third_party("node_modules/react/index.js"));
  CHECK(is_third_party("/usr/lib/python3.11/json/__init__.py"));
  CHECK(is_third_party("/app/.venv/lib/python3.11/site-packages/yaml/x.py"));
  CHECK(is_third_party("node:internal/modules/cjs/loader"));
  CHECK(is_third_party("/root/.cargo/registry/src/serde-1.0/lib.rs"));
  CHECK_FALSE(is_third_party("src/cart.js"));
  CHECK_FALSE(is_third_party("/usr/src/app/server.js", "/usr/src/app"));
  CHECK(is_third_party("/etc/x.c", "/usr/src/app"));
  CHECK_FALSE(is_third_party("/opt/app/main.go", "/opt/app"));
}
